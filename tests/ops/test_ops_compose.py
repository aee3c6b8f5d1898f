"""docker-compose.yml, nginx and the CI workflow: valid against their published schemas (offline), and in
step with the code: every variable compose sets is one an app reads, every variable production
requires is set, each service gets its own database, and nginx keeps /internal/ and /metrics inside."""

from __future__ import annotations

import ast
import itertools
import re
import subprocess
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from common_core import production
from common_core.config import ENV_PREFIX, SERVICES
from tests.ops.conftest import BIN, COMPOSE_FILE, DOCKER, ROOT, WORKFLOW_FILE, interpolate, load_compose

# --- Schemas -------------------------------------------------------------------------------------

NO_NETWORK = {"HTTP_PROXY": "http://127.0.0.1:9", "HTTPS_PROXY": "http://127.0.0.1:9", "NO_PROXY": ""}


def check_jsonschema(schema: str, path: Path) -> subprocess.CompletedProcess[str]:
    """Run check-jsonschema with a builtin schema; any attempt to reach the network would fail."""
    import os

    env = {**os.environ, **NO_NETWORK, "http_proxy": NO_NETWORK["HTTP_PROXY"], "https_proxy": NO_NETWORK["HTTPS_PROXY"]}
    return subprocess.run(
        [str(BIN / "check-jsonschema"), "--builtin-schema", schema, str(path)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize(
    ("schema", "path"),
    [("vendor.compose-spec", COMPOSE_FILE), ("vendor.github-workflows", WORKFLOW_FILE)],
)
def test_the_file_is_valid_against_its_published_schema_offline(schema, path):
    result = check_jsonschema(schema, path)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_schema_check_does_catch_a_mistake(tmp_path):
    broken = tmp_path / "docker-compose.yml"
    broken.write_text(COMPOSE_FILE.read_text().replace("    depends_on:\n", "    depend_on:\n", 1))
    result = check_jsonschema("vendor.compose-spec", broken)
    assert result.returncode == 1
    assert "depend_on" in result.stdout


# --- What the code reads -------------------------------------------------------------------------

READER_DIRS = ("common_core", "common_ui", "storefront", "admin_portal", "vendor_portal")
SKIPPED = {"migrations", "__pycache__", "tests"}


def _is_environ(node: ast.expr) -> bool:
    return (isinstance(node, ast.Name) and node.id == "environ") or (
        isinstance(node, ast.Attribute) and node.attr == "environ"
    )


def _names(node: ast.expr | None) -> set[str]:
    """The variable names an argument can be: a literal, or an f-string over a service prefix (every prefix)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return {node.value}
    if isinstance(node, ast.JoinedStr):
        holes = sum(isinstance(part, ast.FormattedValue) for part in node.values)
        names = set()
        for prefixes in itertools.product(ENV_PREFIX.values(), repeat=holes):
            fill = iter(prefixes)
            names.add(
                "".join(part.value if isinstance(part, ast.Constant) else next(fill) for part in node.values)  # type: ignore[misc]
            )
        return names
    return set()


def names_read_in_python(source: str) -> set[str]:
    """Names in os.environ.get/[...]/setdefault, environ.get (a Mapping of the environment) and os.getenv."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.args:
            func = node.func
            if (func.attr in ("get", "setdefault", "pop") and _is_environ(func.value)) or func.attr == "getenv":
                found |= _names(node.args[0])
        elif isinstance(node, ast.Subscript) and _is_environ(node.value):
            found |= _names(node.slice)
    return found


def names_read_in_shell(source: str) -> set[str]:
    code = "\n".join(line for line in source.splitlines() if not line.lstrip().startswith("#"))
    return set(re.findall(r"\$\{?([A-Z][A-Z0-9_]*)", code))


def names_the_apps_read() -> set[str]:
    names: set[str] = set()
    for folder in READER_DIRS:
        for path in (ROOT / folder).rglob("*.py"):
            if not SKIPPED & set(path.relative_to(ROOT).parts):
                names |= names_read_in_python(path.read_text(encoding="utf-8"))
    names |= names_read_in_python((DOCKER / "gunicorn.conf.py").read_text())
    names |= names_read_in_shell((DOCKER / "entrypoint.sh").read_text())
    # Built from ENV_PREFIX by helpers rather than in an environ call.
    for service in SERVICES:
        names |= set(production.required_variables(service))
    return names


def test_the_reader_scan_sees_literals_fstrings_and_subscripts():
    source = (
        "import os\n"
        "a = os.environ.get('PLAIN')\n"
        "b = os.environ['INDEXED']\n"
        "c = os.getenv('GETENV', 'x')\n"
        "def f(environ, svc):\n"
        "    return environ.get(f'{ENV_PREFIX[svc]}_DATABASE_URL')\n"
        "d = os.environ.setdefault('DEFAULTED', '1')\n"
        "e = settings.get('NOT_ENV')\n"
    )
    assert names_read_in_python(source) == {
        "PLAIN",
        "INDEXED",
        "GETENV",
        "DEFAULTED",
        *(f"{prefix}_DATABASE_URL" for prefix in ENV_PREFIX.values()),
    }
    assert names_read_in_shell('# ${COMMENTED}\nif [ "${A:-0}" = 1 ]; then echo "$B" "${C}"; fi') == {"A", "B", "C"}


def test_the_scan_finds_what_config_reads():
    names = names_the_apps_read()
    expected = {"MARKETPLACE_ENV", "OUTBOX_MAX_ATTEMPTS", "LOG_LEVEL", "PROXY_FIX_COUNT", "WEB_CONCURRENCY", "SERVICE"}
    for svc in SERVICES:
        prefix = ENV_PREFIX[svc]
        expected |= {f"{prefix}_DATABASE_URL", f"{prefix}_SECRET_KEY", f"INTERNAL_SECRET_{prefix}"}
        expected |= {f"{prefix}_INTERNAL_URL"}
    assert expected <= names


# --- Compose against the code --------------------------------------------------------------------

COMPOSE = load_compose()
SERVICES_IN_COMPOSE = COMPOSE["services"]
APP_CONTAINERS = sorted(name for name, spec in SERVICES_IN_COMPOSE.items() if "SERVICE" in spec.get("environment", {}))
WEB_CONTAINERS = sorted(name for name in APP_CONTAINERS if SERVICES_IN_COMPOSE[name].get("command") == ["web"])


def env_of(container: str) -> dict[str, str]:
    return {name: interpolate(value) for name, value in SERVICES_IN_COMPOSE[container]["environment"].items()}


def test_compose_runs_each_service_as_a_web_and_a_relay_container():
    by_service = {}
    for container in APP_CONTAINERS:
        spec = SERVICES_IN_COMPOSE[container]
        by_service.setdefault(env_of(container)["SERVICE"], set()).add(spec["command"][0])
    assert by_service == {svc: {"web", "relay"} for svc in SERVICES}
    assert len({SERVICES_IN_COMPOSE[c]["image"] for c in APP_CONTAINERS}) == 1, "one image for every app"


@pytest.mark.parametrize("container", APP_CONTAINERS)
def test_every_variable_compose_sets_is_one_the_apps_read(container):
    unknown = sorted(set(env_of(container)) - names_the_apps_read())
    assert unknown == [], f"{container} sets variables no code reads (a typo, or a setting that was removed)"


@pytest.mark.parametrize("container", APP_CONTAINERS)
def test_every_variable_production_requires_is_set_for_each_app_container(container):
    env = env_of(container)
    assert env["MARKETPLACE_ENV"] == "production"
    missing = sorted(set(production.required_variables(env["SERVICE"])) - set(env))
    assert missing == []


@pytest.mark.parametrize("container", APP_CONTAINERS)
def test_each_service_is_given_only_its_own_database_and_session_key(container):
    env = env_of(container)
    service = env["SERVICE"]
    own = ENV_PREFIX[service]
    for other in SERVICES:
        if other != service:
            assert f"{ENV_PREFIX[other]}_DATABASE_URL" not in env
            assert f"{ENV_PREFIX[other]}_SECRET_KEY" not in env
    host = urlsplit(env[f"{own}_DATABASE_URL"]).hostname
    assert host in SERVICES_IN_COMPOSE and SERVICES_IN_COMPOSE[host]["image"].startswith("postgres:")
    db_env = SERVICES_IN_COMPOSE[host]["environment"]
    assert urlsplit(env[f"{own}_DATABASE_URL"]).path.lstrip("/") == db_env["POSTGRES_DB"]
    assert urlsplit(env[f"{own}_DATABASE_URL"]).password == interpolate(db_env["POSTGRES_PASSWORD"])


def test_each_service_has_its_own_postgres_16_with_a_volume_and_a_health_check():
    hosts = {urlsplit(env_of(c)[f"{ENV_PREFIX[env_of(c)['SERVICE']]}_DATABASE_URL"]).hostname for c in APP_CONTAINERS}
    assert len(hosts) == len(SERVICES)
    for host in hosts:
        spec = SERVICES_IN_COMPOSE[host]
        assert spec["image"] == "postgres:16"
        assert spec["healthcheck"]["test"][1] == "pg_isready"
        volume = spec["volumes"][0].split(":")[0]
        assert volume in COMPOSE["volumes"]


@pytest.mark.parametrize("container", APP_CONTAINERS)
def test_peer_urls_point_at_the_web_containers_of_the_peers(container):
    env = env_of(container)
    web_by_service = {env_of(c)["SERVICE"]: c for c in WEB_CONTAINERS}
    for svc in SERVICES:
        name = f"{ENV_PREFIX[svc]}_INTERNAL_URL"
        if name in env:
            url = urlsplit(env[name])
            assert url.hostname == web_by_service[svc]
            assert str(url.port) == env_of(web_by_service[svc])["PORT"]


@pytest.mark.parametrize("container", WEB_CONTAINERS)
def test_web_containers_migrate_trust_one_proxy_and_wait_to_be_ready(container):
    env = env_of(container)
    spec = SERVICES_IN_COMPOSE[container]
    assert env["MIGRATE_ON_START"] == "1"
    assert env["PROXY_FIX_COUNT"] == "1"  # nginx, and nothing else, sets X-Forwarded-*
    assert "/readyz" in " ".join(spec["healthcheck"]["test"])
    assert "ports" not in spec, "apps are reached through nginx only"


def test_relays_load_the_demo_data_after_their_web_container_is_ready():
    for container in set(APP_CONTAINERS) - set(WEB_CONTAINERS):
        env = env_of(container)
        assert env["SEED_DEMO"] == "1"
        depends = SERVICES_IN_COMPOSE[container]["depends_on"]
        assert all(condition["condition"] == "service_healthy" for condition in depends.values())
        assert {env_of(web)["SERVICE"] for web in depends} == {env["SERVICE"]}


def test_only_nginx_publishes_a_port():
    published = sorted(name for name, spec in SERVICES_IN_COMPOSE.items() if spec.get("ports"))
    assert published == ["nginx"]


# --- nginx ---------------------------------------------------------------------------------------

NGINX = (DOCKER / "nginx.conf").read_text()
HOSTS = {"shop.localhost": "storefront", "admin.localhost": "admin_portal", "vendor.localhost": "vendor_portal"}


def server_blocks() -> dict[str, str]:
    blocks = {}
    for match in re.finditer(r"\n    server \{\n(.*?)\n    \}\n", NGINX, re.S):
        body = match.group(1)
        name = re.search(r"server_name\s+([^;]+);", body).group(1).strip()
        blocks[name] = body
    return blocks


def upstreams() -> dict[str, tuple[str, str]]:
    return {
        name: (host, port)
        for name, host, port in re.findall(r"upstream (\w+) \{[^}]*?server ([\w.-]+):(\d+)", NGINX, re.S)
    }


@pytest.mark.parametrize(("host", "service"), HOSTS.items())
def test_nginx_routes_each_host_name_to_its_portal(host, service):
    body = server_blocks()[host]
    targets = set(re.findall(r"proxy_pass http://(\w+);", body))
    assert len(targets) == 1
    container, port = upstreams()[targets.pop()]
    assert env_of(container)["SERVICE"] == service
    assert port == env_of(container)["PORT"]
    assert set(SERVICES_IN_COMPOSE["nginx"]["networks"]) <= set(SERVICES_IN_COMPOSE[container]["networks"])


@pytest.mark.parametrize("host", HOSTS)
def test_nginx_answers_404_for_internal_and_metrics(host):
    body = server_blocks()[host]
    for location in (r"\^~ /internal/", r"= /internal", r"= /metrics", r"\^~ /metrics/"):
        assert re.search(rf"location {location} \{{ return 404; \}}", body), location


@pytest.mark.parametrize("host", HOSTS)
def test_nginx_caches_static_files(host):
    static = re.search(r"location \^~ /static/ \{(.*?)\}", server_blocks()[host], re.S).group(1)
    assert "proxy_cache static;" in static
    assert "add_header Cache-Control $static_cache_control always;" in static


def test_nginx_has_a_default_server_for_unknown_hosts():
    assert "_" in server_blocks()
    assert "return 404;" in server_blocks()["_"]


def test_nginx_config_is_mounted_read_only():
    assert "./docker/nginx.conf:/etc/nginx/nginx.conf:ro" in SERVICES_IN_COMPOSE["nginx"]["volumes"]


# --- The workflow --------------------------------------------------------------------------------


def test_the_workflow_tests_on_embedded_postgres_with_browsers_and_on_postgres_15():
    from ruamel.yaml import YAML

    workflow = YAML(typ="safe").load(WORKFLOW_FILE.read_text())
    test, pg15 = workflow["jobs"]["test"], workflow["jobs"]["postgres15"]
    for job in (test, pg15):
        assert job["runs-on"] == "ubuntu-latest"
        setup = next(step for step in job["steps"] if str(step.get("uses", "")).startswith("actions/setup-python"))
        assert setup["with"]["python-version"] == "3.11"
        assert any(step.get("run") == "make test" for step in job["steps"])
    assert any("apt-get install" in str(step.get("run", "")) and "chromium" in step["run"] for step in test["steps"])
    upload = next(step for step in test["steps"] if str(step.get("uses", "")).startswith("actions/upload-artifact"))
    assert upload["if"] == "always()" and upload["with"]["path"] == "tests/e2e/screenshots"
    assert pg15["services"]["postgres"]["image"] == "postgres:15"
    assert "--health-cmd" in pg15["services"]["postgres"]["options"]
    make = next(step for step in pg15["steps"] if step.get("run") == "make test")
    assert make["env"]["TEST_DATABASE_URL"] == "postgresql://postgres:postgres@localhost:5432/postgres"
