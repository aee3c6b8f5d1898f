"""The shape the services must keep: no service imports another, shared code imports no service,
every service is a complete app with its own migrations, and no template needs an inline-script CSP."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SERVICES = ("storefront", "admin_portal", "vendor_portal")
SHARED = ("common_core", "common_ui")
SKIPPED_DIRS = {".venv", "var", ".git", "node_modules", "__pycache__"}


def python_files(package: str) -> list[Path]:
    return sorted(path for path in (ROOT / package).rglob("*.py") if not SKIPPED_DIRS & set(path.parts))


def module_name(path: Path) -> tuple[str, ...]:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return parts[:-1] if parts[-1] == "__init__" else parts


def imported_modules(path: Path) -> list[tuple[int, str]]:
    """Every module a file imports, relative imports resolved to absolute names.

    A relative import that climbs above the top-level package is reported as "<beyond top level>",
    so it can never be used to reach a sibling package.
    """
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    name = module_name(path)
    package = name if path.name == "__init__.py" else name[:-1]
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                climb = node.level - 1
                if climb >= len(package):
                    found.append((node.lineno, "<beyond top level>"))
                    continue
                base = ".".join(package[: len(package) - climb])
                target = f"{base}.{node.module}" if node.module else base
            else:
                target = node.module or ""
            found.append((node.lineno, target))
            # `from pkg import submodule` names modules too.
            found.extend((node.lineno, f"{target}.{alias.name}") for alias in node.names)
        elif isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
            func = node.func
            called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if called in ("import_module", "__import__") and isinstance(node.args[0].value, str):
                found.append((node.lineno, node.args[0].value))
    return found


def foreign_imports(package: str, forbidden: tuple[str, ...]) -> list[str]:
    problems = []
    for path in python_files(package):
        for lineno, target in imported_modules(path):
            top = target.split(".", 1)[0]
            if target == "<beyond top level>" or top in forbidden:
                problems.append(f"{path.relative_to(ROOT)}:{lineno} imports {target}")
    return sorted(set(problems))


@pytest.mark.parametrize("service", SERVICES)
def test_a_service_imports_no_other_service(service):
    others = tuple(s for s in SERVICES if s != service)
    assert python_files(service), f"{service} has no Python files"
    assert foreign_imports(service, others) == []


@pytest.mark.parametrize("package", SHARED)
def test_shared_packages_import_no_service(package):
    assert python_files(package), f"{package} has no Python files"
    assert foreign_imports(package, SERVICES) == []


def test_the_import_scan_sees_every_form_of_crossing_import(tmp_path, monkeypatch):
    """The scanner itself: plain, from, relative-escaping and dynamic imports are all caught."""
    monkeypatch.setitem(globals(), "ROOT", tmp_path)
    package = tmp_path / "storefront" / "catalog"
    package.mkdir(parents=True)
    (tmp_path / "storefront" / "__init__.py").write_text("")
    (package / "__init__.py").write_text("")
    (package / "routes.py").write_text(
        "import vendor_portal.extensions\n"
        "from admin_portal import create_app\n"
        "from ... import vendor_portal\n"
        "from .. import extensions\n"
        "import importlib\n"
        "importlib.import_module('vendor_portal.internal')\n"
    )
    problems = foreign_imports("storefront", ("admin_portal", "vendor_portal"))
    assert problems == [
        "storefront/catalog/routes.py:1 imports vendor_portal.extensions",
        "storefront/catalog/routes.py:2 imports admin_portal",
        "storefront/catalog/routes.py:2 imports admin_portal.create_app",
        "storefront/catalog/routes.py:3 imports <beyond top level>",
        "storefront/catalog/routes.py:6 imports vendor_portal.internal",
    ]


def _defines_function(path: Path, name: str) -> bool:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return any(isinstance(node, ast.FunctionDef) and node.name == name for node in tree.body)


def _assigned(tree: ast.Module, name: str) -> tuple[bool, object]:
    for node in tree.body:
        targets = (
            node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(node, ast.AnnAssign) else []
        )
        if any(isinstance(t, ast.Name) and t.id == name for t in targets) and node.value is not None:
            return True, ast.literal_eval(node.value)
    return False, None


@pytest.mark.parametrize("service", SERVICES)
def test_every_service_is_an_app_factory_with_its_own_migration_history(service):
    package = ROOT / service
    assert _defines_function(package / "__init__.py", "create_app"), f"{service}/__init__.py has no create_app()"
    assert (package / "migrations" / "env.py").is_file(), f"{service} has no migrations/env.py"
    revisions = {}
    for path in sorted((package / "migrations" / "versions").glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        has_revision, revision = _assigned(tree, "revision")
        if has_revision:
            revisions[revision] = _assigned(tree, "down_revision")[1]
    assert revisions, f"{service}/migrations/versions holds no revision"
    assert None in revisions.values(), f"{service}'s history has no base revision"


# CSP forbids inline script and style: every <script> needs src, no element may carry style=,
# an inline event handler or a javascript: URL.
JINJA_COMMENT = re.compile(r"\{#.*?#\}", re.S)
TAG = re.compile(r"<([a-zA-Z][\w:-]*)(\s[^<>]*?)?/?>", re.S)
INLINE_HANDLER = re.compile(r"""(?:^|\s)(style|on[a-z]+)\s*=""", re.I)


def template_files() -> list[Path]:
    return sorted(path for path in ROOT.rglob("*.html") if not SKIPPED_DIRS & set(path.relative_to(ROOT).parts))


def csp_violations(text: str) -> list[str]:
    problems = []
    source = JINJA_COMMENT.sub(lambda m: "\n" * m.group(0).count("\n"), text)
    for match in TAG.finditer(source):
        tag, attrs = match.group(1).lower(), match.group(2) or ""
        line = source.count("\n", 0, match.start()) + 1
        if tag == "script" and not re.search(r"(?:^|\s)src\s*=", attrs):
            problems.append(f"{line}: inline <script>")
        for attr in INLINE_HANDLER.findall(attrs):
            problems.append(f"{line}: {attr.lower()}= attribute")
        if re.search(r"""=\s*["']?\s*javascript:""", attrs, re.I):
            problems.append(f"{line}: javascript: URL")
    return problems


def test_there_are_templates_to_check():
    assert len(template_files()) >= 5


def test_no_template_needs_inline_script_or_style():
    problems = [
        f"{path.relative_to(ROOT)}:{problem}"
        for path in template_files()
        for problem in csp_violations(path.read_text(encoding="utf-8"))
    ]
    assert problems == []


def test_the_template_scan_catches_inline_script_and_style():
    text = (
        "{# an inline <script> in a comment is fine #}\n"
        '<script src="/static/app.js" defer></script>\n'
        "<script>alert(1)</script>\n"
        '<p class="x" style="color: red">\n'
        '<button onclick="go()">Go</button>\n'
        '<a href="javascript:go()">go</a>\n'
        '<div data-style="fine" data-onload="fine"></div>\n'
    )
    assert csp_violations(text) == [
        "3: inline <script>",
        "4: style= attribute",
        "5: onclick= attribute",
        "6: javascript: URL",
    ]
