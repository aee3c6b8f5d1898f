"""Conditional GET for the pages anonymous shoppers share: home, search, category, store and product.

A page's ETag is derived from the catalogue version (storefront.catalog.models.CatalogVersion, bumped in
the same transaction as any change shoppers could see), the URL with its query, whether htmx asked for
the partial, and the build of the code. A browser revalidates every time (`Cache-Control: private,
no-cache`) and gets 304 Not Modified, without the page's queries or rendering, until the catalogue
changes: a new price, or a stock count the page shows, changes the ETag as it commits, so a copy is never
stale.

Only visitors whose session holds nothing personal get an ETag: signed-in customers, a guest with a cart
or a message to show always get a freshly rendered page and no validator.

The same ETag names the page on the server: each worker keeps the pages it rendered for such visitors
(PageCache, bounded by PAGE_CACHE_BYTES) and serves the next visitor of that URL from it without the
page's queries or rendering. It cannot go stale: a change shoppers could see changes the version, so
the key, in the transaction that makes it. The only per-visitor part of such a page, its CSRF token,
is put in at serving time. Visitors who miss the same page at the same moment wait for one of them to
render it (PageCache.rendering) rather than each rendering it.
"""

from __future__ import annotations

import functools
import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import Flask, Response, current_app, g, make_response, request, session
from flask_wtf.csrf import generate_csrf

from storefront.catalog import queries

# Session keys that say nothing about who the visitor is or what the page shows them: the CSRF secret
# and the anonymous traffic id. Anything else (the sign-in, a guest cart, flashed messages) personalises.
SHAREABLE_SESSION_KEYS = frozenset({"csrf_token", "visitor", "_permanent"})
CACHE_CONTROL = "private, no-cache"
HTMX_HEADERS = ("HX-Request", "HX-Boosted", "HX-History-Restore-Request")


CSRF_SLOT = b"\x00csrf\x00"  # where a cached page's CSRF token goes; no real page contains NUL
DEFAULT_CACHE_BYTES = 32 * 1024 * 1024


def init_app(app: Flask) -> None:
    app.extensions["catalog_build"] = build_fingerprint()
    app.extensions["page_cache"] = PageCache(int(app.config.get("PAGE_CACHE_BYTES", DEFAULT_CACHE_BYTES)))


@dataclass(frozen=True)
class CachedPage:
    body: bytes  # with CSRF_SLOT where the visitor's token goes
    content_type: str
    traffic_product: tuple[int, int] | None  # what the view told the traffic counter (traffic.routes)

    @property
    def size(self) -> int:
        return len(self.body) + 200


class PageCache:
    """Rendered shareable pages by ETag, least recently used first out, within a byte budget (per process)."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.used = 0
        self._pages: OrderedDict[str, CachedPage] = OrderedDict()
        self._rendering: dict[str, list[Any]] = {}  # key -> [its render lock, how many hold or wait for it]
        self._lock = threading.Lock()

    @contextmanager
    def rendering(self, key: str) -> Iterator[None]:
        """Hold this page's render lock: visitors who miss the same page together wait for the first.

        Without it, a page nobody had (a new catalogue version, a busy category at a million products)
        is rendered by every thread that asked for it at once, each slower for the others.
        """
        with self._lock:
            entry = self._rendering.setdefault(key, [threading.Lock(), 0])
            entry[1] += 1
        try:
            with entry[0]:
                yield
        finally:
            with self._lock:
                entry[1] -= 1
                if not entry[1]:
                    del self._rendering[key]

    def get(self, key: str) -> CachedPage | None:
        with self._lock:
            page = self._pages.get(key)
            if page is not None:
                self._pages.move_to_end(key)
            return page

    def put(self, key: str, page: CachedPage) -> None:
        if page.size > self.max_bytes // 8:
            return  # one huge page must not empty the cache
        with self._lock:
            old = self._pages.pop(key, None)
            self.used += page.size - (old.size if old else 0)
            self._pages[key] = page
            while self.used > self.max_bytes:
                _, evicted = self._pages.popitem(last=False)
                self.used -= evicted.size

    def clear(self) -> None:
        with self._lock:
            self._pages.clear()
            self.used = 0

    def __len__(self) -> int:
        return len(self._pages)


def _remember(key: str, response: Response) -> None:
    body = response.get_data()
    token = g.get("csrf_token")  # set by flask_wtf.csrf.generate_csrf when the page rendered a form
    if token:
        body = body.replace(token.encode(), CSRF_SLOT)
    page = CachedPage(body, response.content_type, g.get("traffic_product"))
    current_app.extensions["page_cache"].put(key, page)


def _serve(page: CachedPage) -> Response:
    body = page.body
    if CSRF_SLOT in body:
        body = body.replace(CSRF_SLOT, generate_csrf().encode())  # this visitor's own token
    if page.traffic_product is not None:
        g.traffic_product = page.traffic_product
    return Response(body, content_type=page.content_type)


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
        cache = current_app.extensions["page_cache"]
        if request.if_none_match.contains_weak(etag):
            response = Response(status=304)
        elif cached := cache.get(etag):
            response = _serve(cached)
        else:
            with cache.rendering(etag):
                if cached := cache.get(etag):  # rendered by the visitor this one waited for
                    response = _serve(cached)
                else:
                    response = make_response(view(*args, **kwargs))
                    if response.status_code != 200:
                        return response
                    # Kept only if rendering left the visitor anonymous (a view may flash or fill a cart).
                    shareable = response.mimetype == "text/html" and not response.direct_passthrough
                    if shareable and is_shareable_request():
                        _remember(etag, response)
        response.set_etag(etag)
        response.headers["Cache-Control"] = CACHE_CONTROL
        response.vary.update(("Cookie", "HX-Request"))
        return response

    return conditional
