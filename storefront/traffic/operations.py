"""Writes of the traffic domain: the visitor id, traffic rows, and publishing them in batches.

No personal data: a row carries a random id scoped to the browser session (the "visitor"), the path,
and for product views the product and its store. Never an IP address, a user agent or a customer id.
The kinds are fixed in traffic.models.TRAFFIC_KINDS (admin and vendor analytics count them by name).
"""

from __future__ import annotations

import logging
import secrets
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask import Flask, has_request_context, request, session

from common_core.db import utcnow
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
    """Add a traffic row in the caller's transaction (add_to_cart, checkout_started, order_placed ...)."""
    if not has_request_context():
        return  # a command or a relay chore is nobody's visit
    db.session.execute(sa.insert(t).values(traffic_row(kind, request.path, product_id=product_id, vendor_id=vendor_id)))


def insert_view(app: Flask, row: dict[str, Any]) -> None:
    """Write one page or product view in its own short transaction; a failure is logged, never raised.

    Runs after the response has been sent, outside the request (see traffic.routes), so the shopper
    never waits for it and it cannot break a page.
    """
    values = dict(row)
    if values.get("product_id") is not None and values.get("vendor_id") is None:
        # Still one statement: the product's store is read by the insert itself.
        values["vendor_id"] = sa.select(Product.vendor_id).where(Product.id == values["product_id"]).scalar_subquery()
    try:
        with app.app_context(), db.engine.begin() as conn:
            conn.execute(sa.insert(t).values(**values))
    except sa.exc.SQLAlchemyError as exc:
        log.warning("traffic view not recorded", extra={"error": str(exc)[:200], "kind": row.get("kind")})


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
