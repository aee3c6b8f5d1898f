"""Writes of the traffic domain: the visitor id, traffic rows, and publishing them in batches.

No personal data: a row carries a random id scoped to the browser session (the "visitor"), the path,
and for product views the product and its store. Never an IP address, a user agent or a customer id.
The kinds are fixed in traffic.models.TRAFFIC_KINDS (admin and vendor analytics count them by name).
"""

from __future__ import annotations

import atexit
import logging
import secrets
import threading
import time
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask import Flask, current_app, has_request_context, request, session

from common_core.db import after_commit, utcnow
from common_core.outbox import record_event
from storefront.catalog.models import Product
from storefront.extensions import db
from storefront.traffic.models import TRAFFIC_KINDS, TrafficEvent

log = logging.getLogger("marketplace.storefront.traffic")

VISITOR_KEY = "visitor"  # also read by cart.operations.visitor_id: one visitor per browser session
BATCH_SIZE = 500
PATH_MAX = 300

t = TrafficEvent.__table__


def visitor_id(*, create: bool = True) -> str | None:
    """The browser session's random visitor id (16 random bytes, hex), made on first use."""
    visitor = session.get(VISITOR_KEY)
    if not visitor and create:
        visitor = session[VISITOR_KEY] = secrets.token_hex(16)
    return visitor


def keep_visitor(visitor: str | None) -> None:
    """Carry the visitor id over a sign-in, which starts a fresh session: still one shopper's journey."""
    if visitor:
        session[VISITOR_KEY] = visitor


def traffic_row(
    kind: str, path: str, *, product_id: int | None = None, vendor_id: int | None = None, at: datetime | None = None
) -> dict[str, Any]:
    """The values of one traffic row for the current browser session."""
    if kind not in TRAFFIC_KINDS:
        raise ValueError(f"unknown traffic kind {kind!r}")
    return {
        "kind": kind,
        "visitor": visitor_id(),
        "path": path[:PATH_MAX],
        "product_id": product_id,
        "vendor_id": vendor_id,
        "at": at or utcnow(),
    }


def record_traffic(kind: str, *, product_id: int | None = None, vendor_id: int | None = None) -> None:
    """Keep a traffic row (add_to_cart, checkout_started, order_placed ...) once the caller's transaction
    commits, with the views (record_view): no INSERT in the shopper's request, and no row for a cart
    change or an order that was rolled back."""
    if not has_request_context():
        return  # a command or a relay chore is nobody's visit
    row = traffic_row(kind, request.path, product_id=product_id, vendor_id=vendor_id)
    app = current_app._get_current_object()
    after_commit(db.session, lambda: record_view(app, row))


def record_view(app: Flask, row: dict[str, Any]) -> None:
    """Keep one traffic row (a view, or a row record_traffic passes on): written at once when
    TRAFFIC_WRITE_DELAY is 0, else gathered by this process and written together at most that many
    seconds later (one INSERT for many rows rather than one per request; a crash of the process loses
    at most those seconds of rows)."""
    delay = float(app.config.get("TRAFFIC_WRITE_DELAY", 1.0))
    if delay <= 0:
        insert_views(app, [row])
        return
    buffer = app.extensions.get("traffic_views")
    if buffer is None:
        buffer = app.extensions.setdefault("traffic_views", ViewBuffer(app, delay))
    buffer.add(row)


def insert_views(app: Flask, rows: list[dict[str, Any]]) -> None:
    """Write views in one short transaction; a failure is logged, never raised.

    Runs after the response has been sent, outside the request (see traffic.routes), so the shopper
    never waits for it and it cannot break a page.
    """
    try:
        with app.app_context(), db.engine.begin() as conn:
            # A page view is not worth waiting for the disk: a crash may lose the last few, never more.
            conn.execute(sa.text("SET LOCAL synchronous_commit TO OFF"))
            unknown = {r["product_id"] for r in rows if r.get("product_id") is not None and r.get("vendor_id") is None}
            stores = (
                dict(conn.execute(sa.select(Product.id, Product.vendor_id).where(Product.id.in_(unknown))).all())
                if unknown
                else {}
            )
            values = [
                {**r, "vendor_id": r.get("vendor_id") or stores.get(r.get("product_id"))} if r.get("product_id") else r
                for r in rows
            ]
            conn.execute(sa.insert(t), [{**EMPTY_VIEW, **value} for value in values])
    except sa.exc.SQLAlchemyError as exc:
        log.warning("traffic views not recorded", extra={"error": str(exc)[:200], "views": len(rows)})


EMPTY_VIEW = {"product_id": None, "vendor_id": None}


class ViewBuffer:
    """Views waiting to be written by this process: flushed every `delay` seconds by a daemon thread,
    sooner when `limit` are waiting, and at exit."""

    def __init__(self, app: Flask, delay: float, limit: int = BATCH_SIZE) -> None:
        self.app, self.delay, self.limit = app, delay, limit
        self._rows: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def add(self, row: dict[str, Any]) -> None:
        with self._lock:
            self._rows.append(row)
            full = len(self._rows) >= self.limit
            if self._thread is None or not self._thread.is_alive():  # first use in this (forked) process
                self._thread = threading.Thread(target=self._run, name="traffic-views", daemon=True)
                self._thread.start()
                atexit.register(self.flush)
        if full:
            self.flush()

    def flush(self) -> int:
        with self._lock:
            rows, self._rows = self._rows, []
        if rows:
            insert_views(self.app, rows)
        return len(rows)

    def _run(self) -> None:
        while True:
            time.sleep(self.delay)
            self.flush()


def publish_batch(limit: int = BATCH_SIZE) -> int:
    """Publish up to `limit` pending rows as one traffic.batch event and delete them; returns how many.

    The rows are claimed FOR UPDATE SKIP LOCKED, so two relays at once publish different rows, and the
    event and the deletion commit together (the caller commits): a row is published exactly once.
    """
    rows = db.session.execute(
        sa.select(t.c.id, t.c.kind, t.c.visitor, t.c.at, t.c.path, t.c.product_id, t.c.vendor_id)
        .order_by(t.c.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    ).all()
    if not rows:
        return 0
    record_event(
        "traffic.batch",
        {
            "events": [
                {
                    "kind": row.kind,
                    "visitor": row.visitor,
                    "at": row.at.isoformat(),
                    "path": row.path,
                    "product_id": row.product_id,
                    "vendor_id": row.vendor_id,
                }
                for row in rows
            ]
        },
    )
    db.session.execute(sa.delete(t).where(t.c.id.in_([row.id for row in rows])))
    db.session.flush()
    return len(rows)
