"""Helpers for the plumbing tests: temporary handlers, published events, signed requests, observed transports."""

from __future__ import annotations

import importlib
import json
import threading
import uuid
from collections.abc import Callable
from typing import Any

import pytest
import requests
import sqlalchemy as sa
from flask import Flask
from requests.adapters import BaseAdapter

from common_core import outbox
from common_core.db import current_db, utcnow
from common_core.internal.signing import signed_headers
from tests.conftest import TEST_SECRETS


@pytest.fixture
def handlers(monkeypatch: pytest.MonkeyPatch) -> Callable[[str, str, Callable], None]:
    """Register an event handler in a service's HANDLERS for one test; the original table comes back after."""

    def register(service: str, event_type: str, handler: Callable) -> None:
        table = importlib.import_module(f"{service}.internal.routes").HANDLERS
        monkeypatch.setitem(table, event_type, handler)

    return register


def category_data(n: int = 1) -> dict[str, Any]:
    return {"category_id": n, "name": f"Category {n}", "slug": f"category-{n}", "parent_id": None, "position": n}


def envelope(
    event_type: str = "category.upserted",
    data: dict | None = None,
    *,
    source: str = "admin_portal",
    event_id: uuid.UUID | None = None,
) -> dict[str, Any]:
    return {
        "id": str(event_id or uuid.uuid4()),
        "type": event_type,
        "version": 1,
        "occurred_at": utcnow().isoformat(),
        "source": source,
        "request_id": None,
        "data": category_data() if data is None else data,
    }


def rows(app: Flask, sql: str, **params: Any) -> list:
    with app.app_context(), current_db().engine.connect() as conn:
        return list(conn.execute(sa.text(sql), params).all())


def inbox_ids(app: Flask) -> list[str]:
    return [str(row.event_id) for row in rows(app, "SELECT event_id FROM inbox_event")]


def publish_category(admin: Flask, n: int = 1) -> str:
    """category.upserted recorded in the admin portal's outbox (for vendor_portal and storefront), committed."""
    with admin.app_context():
        event_id = outbox.record_event("category.upserted", category_data(n))
        current_db().session.commit()
    return str(event_id)


def signed_request(
    caller: str, method: str, path: str, body: Any = None, *, query: str = "", now: float | None = None
) -> tuple[dict[str, str], bytes]:
    """Headers and body as a peer's InternalClient would send them."""
    payload = b"" if body is None else json.dumps(body).encode()
    headers = signed_headers(caller, TEST_SECRETS[caller][0], method, path, query, payload, now=now)
    headers["Content-Type"] = "application/json"
    return headers, payload


class Observed(BaseAdapter):
    """Wraps a peer's transport and records every request it carries and the answer (or error) it got."""

    def __init__(self, inner: BaseAdapter) -> None:
        super().__init__()
        self.inner = inner
        self.lock = threading.Lock()
        self.exchanges: list[tuple[requests.PreparedRequest, requests.Response | None]] = []

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        response = None
        try:
            response = self.inner.send(request, **kwargs)
            return response
        finally:
            with self.lock:
                self.exchanges.append((request, response))

    @property
    def attempts(self) -> int:
        return len(self.exchanges)

    def close(self) -> None:
        pass


@pytest.fixture
def observe(platform, monkeypatch: pytest.MonkeyPatch) -> Callable[[Flask, str], Observed]:
    """observe(caller_app, peer) routes the caller's calls to peer through a recording transport."""

    def install(caller: Flask, peer: str) -> Observed:
        observed = Observed(platform.adapters[peer])
        session = requests.Session()
        session.mount("http://", observed)
        session.mount("https://", observed)
        monkeypatch.setitem(caller.extensions["internal_sessions"], peer, session)
        return observed

    return install
