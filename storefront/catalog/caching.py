"""Conditional GET for the pages anonymous shoppers share: home, search, category, store and product.

A page's ETag is derived from the catalogue version (storefront.catalog.models.CatalogVersion, bumped in
the same transaction as any change shoppers could see), the URL with its query, whether htmx asked for
the partial, and the build of the code. A browser revalidates every time (`Cache-Control: private,
no-cache`) and gets 304 Not Modified, without the page's queries or rendering, until the catalogue
changes: a new price or stock count changes the ETag as it commits, so a copy is never stale.

Only visitors whose session holds nothing personal get an ETag: signed-in customers, a guest with a cart
or a message to show always get a freshly rendered page and no validator.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from flask import Flask, Response, current_app, make_response, request, session

from storefront.catalog import queries

# Session keys that say nothing about who the visitor is or what the page shows them: the CSRF secret
# and the anonymous traffic id. Anything else (the sign-in, a guest cart, flashed messages) personalises.
SHAREABLE_SESSION_KEYS = frozenset({"csrf_token", "visitor", "_permanent"})
CACHE_CONTROL = "private, no-cache"
HTMX_HEADERS = ("HX-Request", "HX-Boosted", "HX-History-Restore-Request")


def init_app(app: Flask) -> None:
    app.extensions["catalog_build"] = build_fingerprint()


def build_fingerprint() -> str:
    """A hash of the code and templates that render pages, so a deploy never answers 304 for old HTML."""
    root = Path(__file__).resolve().parents[2]
    digest = hashlib.sha256()
    for package in ("storefront", "common_ui", "common_core"):
        for path in sorted((root / package).rglob("*")):
            if path.suffix in (".py", ".html") and "__pycache__" not in path.parts:
                digest.update(str(path.relative_to(root)).encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def is_shareable_request() -> bool:
    """True for a visitor whose page is the same as any anonymous visitor's."""
    if request.method not in ("GET", "HEAD") or request.authorization:
        return False
    if request.cookies.get(current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token")):
        return False
    return set(session.keys()) <= SHAREABLE_SESSION_KEYS


def page_etag() -> str:
    parts = [
        str(queries.catalog_version()),
        current_app.extensions.get("catalog_build", ""),
        request.full_path,
        *(request.headers.get(name, "") for name in HTMX_HEADERS),
    ]
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:32]


def shared_page(view: Callable[..., Any]) -> Callable[..., Any]:
    """Answer If-None-Match from the catalogue version before the page's queries; label 200s with the ETag."""

    @functools.wraps(view)
    def conditional(*args: Any, **kwargs: Any) -> Any:
        if not is_shareable_request():
            return view(*args, **kwargs)
        etag = page_etag()  # the version is read first: a page is never labelled newer than its rows
        if request.if_none_match.contains_weak(etag):
            response = Response(status=304)
        else:
            response = make_response(view(*args, **kwargs))
            if response.status_code != 200:
                return response
        response.set_etag(etag)
        response.headers["Cache-Control"] = CACHE_CONTROL
        response.vary.update(("Cookie", "HX-Request"))
        return response

    return conditional
