"""Factories for the catalogue tests: events recorded by their real producers and delivered by the relay.

`catalogue.product(...)` records product.upserted in the vendor portal's outbox, commits, and drains
every outbox, so the storefront's copy is built exactly as in production: signed delivery, inbox,
handlers. `post_event` sends a hand-made envelope instead, for ordering and duplicate tests.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from common_core.internal.client import InternalClient
from common_core.outbox import record_event
from tests.conftest import Platform

# Event times are compared with the occurred_at the outbox stamps (now), so test times start now too.
T0 = datetime.now(UTC).replace(microsecond=0)


def at(minutes: int) -> str:
    """An ISO time some minutes after the test run started, for updated_at / created_at."""
    return (T0 + timedelta(minutes=minutes)).isoformat()


def variant(variant_id: int, price: str = "10.00", *, available: int = 10, **extra: Any) -> dict[str, Any]:
    return {
        "variant_id": variant_id,
        "sku": f"SKU-{variant_id}",
        "price": price,
        "compare_at_price": None,
        "options": {},
        "available": available,
        **extra,
    }


def product_data(
    product_id: int,
    *,
    vendor_id: int = 1,
    title: str | None = None,
    price: str = "10.00",
    available: int = 10,
    variants: list[dict[str, Any]] | None = None,
    updated_at: str | None = None,
    created_at: str | None = None,
    **fields: Any,
) -> dict[str, Any]:
    return {
        "product_id": product_id,
        "vendor_id": vendor_id,
        "title": title or f"Product {product_id}",
        "status": "active",
        "currency": "EUR",
        "variants": variants if variants is not None else [variant(product_id * 100, price, available=available)],
        "description": fields.pop("description", "<p>A fine thing.</p>"),
        "brand": fields.pop("brand", None),
        "category_id": fields.pop("category_id", None),
        "images": fields.pop("images", []),
        "attributes": fields.pop("attributes", {}),
        "options": fields.pop("options", []),
        "created_at": created_at or at(product_id),
        "updated_at": updated_at or at(product_id),
        **fields,
    }


class Catalogue:
    """Publishes catalogue events from their producers and delivers them."""

    def __init__(self, platform: Platform) -> None:
        self.platform = platform
        self._batching = False

    def publish(self, producer: Flask, event_type: str, data: dict[str, Any]) -> None:
        with producer.app_context():
            record_event(event_type, data)
            producer.extensions["sqlalchemy"].session.commit()
        if not self._batching:
            self.platform.drain()

    @contextmanager
    def batch(self) -> Iterator[None]:
        """Record many events, deliver them once at the end."""
        self._batching = True
        try:
            yield
        finally:
            self._batching = False
            self.platform.drain()

    def category(
        self, category_id: int, name: str, *, parent_id: int | None = None, slug: str | None = None, position: int = 0
    ) -> None:
        data = {
            "category_id": category_id,
            "name": name,
            "slug": slug or name.lower().replace(" ", "-"),
            "parent_id": parent_id,
            "position": position,
        }
        self.publish(self.platform.admin, "category.upserted", data)

    def vendor(
        self,
        vendor_id: int = 1,
        store_name: str = "Acme Audio",
        *,
        status: str = "approved",
        slug: str | None = None,
        event: str = "vendor.upserted",
    ) -> None:
        data: dict[str, Any] = {"vendor_id": vendor_id, "store_name": store_name, "status": status}
        if event == "vendor.upserted":
            data |= {"slug": slug or store_name.lower().replace(" ", "-"), "description": f"{store_name} sells."}
        self.publish(self.platform.vendor, event, data)

    def suspend(self, vendor_id: int = 1, store_name: str = "Acme Audio") -> None:
        self.vendor(vendor_id, store_name, status="suspended", event="vendor.status_changed")

    def product(self, product_id: int, **fields: Any) -> dict[str, Any]:
        data = product_data(product_id, **fields)
        self.publish(self.platform.vendor, "product.upserted", data)
        return data

    def remove(self, product_id: int, vendor_id: int = 1, reason: str = "unpublished", **extra: Any) -> None:
        data = {"product_id": product_id, "vendor_id": vendor_id, "reason": reason, **extra}
        self.publish(self.platform.vendor, "product.removed", data)

    def stock(self, product_id: int, variant_id: int, available: int, updated_at: str | None = None) -> None:
        data: dict[str, Any] = {"product_id": product_id, "variant_id": variant_id, "available": available}
        if updated_at:
            data["updated_at"] = updated_at
        self.publish(self.platform.vendor, "stock.changed", data)


@pytest.fixture
def catalogue(platform: Platform) -> Catalogue:
    return Catalogue(platform)


@pytest.fixture
def shop(catalogue: Catalogue) -> Catalogue:
    """An approved store, Acme Audio (vendor 1), and nothing else yet."""
    catalogue.vendor(1, "Acme Audio")
    return catalogue


def envelope(event_type: str, data: dict[str, Any], *, occurred_at: str | None = None) -> dict[str, Any]:
    return {
        "id": str(uuid.uuid4()),
        "type": event_type,
        "version": 1,
        "occurred_at": occurred_at or datetime.now(UTC).isoformat(),
        "source": "vendor_portal",
        "request_id": None,
        "data": data,
    }


def post_event(platform: Platform, body: dict[str, Any]) -> dict[str, Any]:
    """Deliver one envelope to the storefront as the vendor portal's relay would (signed)."""
    with platform.vendor.app_context():
        return InternalClient.for_peer("storefront", retries=0).post("/internal/events", body)


def storefront_sql(app: Flask, sql: str, **params: Any) -> list[Any]:
    with app.app_context():
        session = app.extensions["sqlalchemy"].session
        rows = session.execute(sa.text(sql), params).all()
        session.remove()
    return rows


def storefront_execute(app: Flask, sql: str, **params: Any) -> None:
    """Write to the storefront's database behind its back (set up what no event or page can)."""
    with app.app_context():
        session = app.extensions["sqlalchemy"].session
        session.execute(sa.text(sql), params)
        session.commit()
        session.remove()


@contextmanager
def counting_statements(app: Flask) -> Iterator[list[str]]:
    """Every SQL statement the app's engine runs inside the block."""
    statements: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    with app.app_context():
        engine = app.extensions["sqlalchemy"].engine
    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)


def page_text(response: Any) -> str:
    return response.get_data(as_text=True)


def main_of(html: str) -> str:
    """The <main> element's HTML: what the page shows, without the header's search box."""
    return html.split("<main", 1)[1].split("</main>", 1)[0]
