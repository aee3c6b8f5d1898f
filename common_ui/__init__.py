"""Shared screen parts for the three portals: the base layout, Jinja macros, CSS and vendored htmx/Chart.js.

Static files are fingerprinted: `static_ui('css/marketplace.css')` and `url_for('static', ...)` give
`...?v=<first 12 hex of the file's sha256>`, hashed once when the app starts. A request carrying the
current fingerprint is answered `Cache-Control: public, max-age=31536000, immutable`, gzip-compressed
(compressed once, in memory) when it is text and the browser accepts gzip. A changed file gets a new
URL, so a browser never keeps an old one; an unknown or old `v` gets the file with revalidation.
"""

from __future__ import annotations

import gzip
import hashlib
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, Flask, Response, current_app, request, url_for
from markupsafe import Markup
from werkzeug.datastructures import MultiDict

PORTALS: tuple[str, ...] = ("storefront", "admin", "vendor")

# One blueprint object serves every app; it carries no per-app state, so
# registering it on several apps (tests, the three portals) is safe.
bp = Blueprint(
    "common_ui",
    __name__,
    template_folder="templates",
    static_folder="static",
    static_url_path="/static/ui",
)


def init_app(app: Flask, *, portal: str, portal_name: str) -> None:
    """Register the shared templates, static files and Jinja helpers on ``app``."""
    if portal not in PORTALS:
        raise ValueError(f"portal must be one of {PORTALS}, got {portal!r}")
    app.config.setdefault("PORTAL", portal)
    app.config.setdefault("PORTAL_NAME", portal_name)
    app.register_blueprint(bp)
    _fingerprint_static_files(app)
    # Forms built without a WTForms class need csrf_token() in templates even
    # when the app has not (yet) called CSRFProtect(app), e.g. in tests.
    try:
        from flask_wtf.csrf import generate_csrf
    except ImportError:  # pragma: no cover - flask-wtf is a runtime dependency
        pass
    else:
        app.jinja_env.globals.setdefault("csrf_token", generate_csrf)


@bp.app_context_processor
def _portal_context() -> dict[str, Any]:
    return {
        "portal": current_app.config["PORTAL"],
        "portal_name": current_app.config["PORTAL_NAME"],
    }


def _current_url(args: MultiDict[str, str]) -> str:
    """Rebuild the current request URL with ``args`` as its query string."""
    if request.endpoint is not None:
        path = url_for(request.endpoint, **(request.view_args or {}))
    else:  # error pages rendered outside a matched route
        path = request.script_root + request.path
    # urlencode over items(multi=True) keeps repeated args (brand=a&brand=b);
    # building the query ourselves avoids clashes with url_for's _anchor etc.
    query = urlencode(list(args.items(multi=True)))
    return f"{path}?{query}" if query else path


# Registered as globals (not context-processor values) so macros imported
# without "with context" can still call them.
@bp.app_template_global()
def url_for_page(page: int) -> str:
    """The current URL with every query arg kept and ``page`` set to ``page``."""
    args = MultiDict(request.args)
    args.setlist("page", [str(int(page))])
    return _current_url(args)


@bp.app_template_global()
def url_for_sort(key: str, sort: str | None = None, direction: str | None = None) -> str:
    """The current URL sorted by ``key``: toggles ``dir`` if already sorted by it, back to page 1.

    ``sort``/``direction`` describe the sort currently shown; they default to the
    request's ``sort``/``dir`` args, and let a view with a default sort (no args
    in the URL) still toggle correctly.
    """
    current_sort = sort if sort is not None else request.args.get("sort")
    current_dir = (direction or request.args.get("dir") or "asc").lower()
    new_dir = ("desc" if current_dir == "asc" else "asc") if key == current_sort else "asc"
    args = MultiDict(request.args)
    args.setlist("sort", [key])
    args.setlist("dir", [new_dir])
    if "page" in args:
        args.setlist("page", ["1"])
    return _current_url(args)


@bp.app_template_global()
def static_ui(filename: str) -> str:
    """URL of a file under common_ui/static/, with its fingerprint (?v=...)."""
    return url_for("common_ui.static", filename=filename)


# ---- fingerprinted, compressed static files -----------------------------------------------------

IMMUTABLE = "public, max-age=31536000, immutable"
COMPRESSIBLE = {".css", ".js", ".svg", ".json", ".txt", ".map", ".html"}
MIN_COMPRESS = 512  # bytes: smaller files gain nothing from gzip


class StaticFile:
    __slots__ = ("gzipped", "version")

    def __init__(self, data: bytes, suffix: str) -> None:
        self.version = hashlib.sha256(data).hexdigest()[:12]
        self.gzipped = (
            gzip.compress(data, compresslevel=9, mtime=0)
            if suffix in COMPRESSIBLE and len(data) >= MIN_COMPRESS
            else None
        )


def _scan(folder: str | None) -> dict[str, StaticFile]:
    if not folder or not Path(folder).is_dir():
        return {}
    root = Path(folder)
    return {
        path.relative_to(root).as_posix(): StaticFile(path.read_bytes(), path.suffix)
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


_ui_files: dict[str, StaticFile] | None = None


def _fingerprint_static_files(app: Flask) -> None:
    """Hash (and compress) the app's and common_ui's static files once, at startup."""
    global _ui_files
    if _ui_files is None:
        _ui_files = _scan(bp.static_folder)  # the same files for every app: scanned once per process
    app.extensions["static_files"] = {"common_ui.static": _ui_files, "static": _scan(app.static_folder)}
    app.url_defaults(_add_version)
    app.after_request(_cache_static)


def _static_file(endpoint: str | None, filename: str | None) -> StaticFile | None:
    files = current_app.extensions.get("static_files", {}).get(endpoint or "")
    return files.get(filename) if files and filename else None


def _add_version(endpoint: str, values: dict[str, Any]) -> None:
    if endpoint in ("static", "common_ui.static") and "v" not in values:
        found = _static_file(endpoint, values.get("filename"))
        if found is not None:
            values["v"] = found.version


def _cache_static(response: Response) -> Response:
    if request.endpoint not in ("static", "common_ui.static") or not request.view_args:
        return response
    found = _static_file(request.endpoint, request.view_args.get("filename"))
    if found is None or request.args.get("v") != found.version:
        return response  # no or an old fingerprint: Flask's revalidating default
    response.headers["Cache-Control"] = IMMUTABLE
    if found.gzipped is not None:
        response.vary.add("Accept-Encoding")
        if response.status_code == 200 and "gzip" in request.accept_encodings:
            response.close()  # the file Flask opened; the body is the compressed copy
            response.direct_passthrough = False
            response.set_data(found.gzipped)
            response.headers["Content-Encoding"] = "gzip"
            response.set_etag(f"{found.version}-gzip")
    return response


@bp.app_template_global()
def is_current_path(href: str) -> bool:
    """True when ``href`` is the path being viewed (for aria-current in navigation)."""
    return href.split("?", 1)[0] == request.script_root + request.path


@bp.app_template_filter("ui_attrs")
def ui_attrs(attrs: Mapping[str, Any]) -> Markup:
    """Render extra macro kwargs as HTML attributes: ``hx_post`` -> ``hx-post``; True is bare; None/False dropped."""
    out = Markup("")
    for name, value in attrs.items():
        if value is None or value is False:
            continue
        name = name.rstrip("_").replace("_", "-")  # class_ -> class
        if value is True:
            out += Markup(" {}").format(name)
        else:
            out += Markup(' {}="{}"').format(name, value)  # format() escapes both
    return out


@bp.app_template_global()
def form_error_items(form: Any) -> list[tuple[str | None, str]]:
    """Flatten a WTForms form's errors to (field id or None, message) for the error summary.

    Hidden fields (CSRF) get no id: the user cannot fix them by moving there.
    """
    items: list[tuple[str | None, str]] = [(None, str(e)) for e in getattr(form, "form_errors", ())]
    for field in form:
        items.extend(_field_error_items(field))
    return items


def _field_error_items(field: Any) -> Iterable[tuple[str | None, str]]:
    if field.type in ("FormField", "FieldList"):
        inner = getattr(field, "form", None)
        if inner is not None:
            yield from ((None, str(e)) for e in getattr(inner, "form_errors", ()))
        for sub in field:
            yield from _field_error_items(sub)
        return
    if getattr(field.widget, "input_type", None) == "hidden":
        target = None
    elif hasattr(field.widget, "prefix_label"):
        # Radio/checkbox lists: jump to the first option, the list itself is not focusable.
        target = next((opt.id for opt in field), field.id)
    else:
        target = field.id
    # "Email: Enter an email address" reads well out of context, unlike a bare message.
    label = getattr(getattr(field, "label", None), "text", "")
    for error in field.errors:
        yield (target, f"{label}: {error}" if label and target else str(error))
