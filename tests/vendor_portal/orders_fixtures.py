"""Factories for the orders and analytics tests: catalogue rows made through the ORM, and the shop's order,
cancellation, refund and traffic events recorded by the real storefront app and delivered by platform.drain().

Test modules import make_item_fixture, place_order_fixture and shop_events_fixture to get the make_item,
place_order and shop_events fixtures.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from common_core.internal.client import InternalClient
from common_core.outbox import record_event
from tests.conftest import Platform, submit
from tests.vendor_portal.conftest import Store


@dataclass(frozen=True)
class Item:
    """A variant on sale in the vendor portal."""

    vendor_id: int
    product_id: int
    variant_id: int
    sku: str
    title: str
    price: Decimal
    options: dict[str, str] = field(default_factory=dict)


@dataclass
class PlacedOrder:
    order_id: str
    number: str
    data: dict[str, Any]
    event_id: uuid.UUID | None

    def line_id(self, item: Item) -> str:
        return next(line["line_id"] for line in self.data["lines"] if line["variant_id"] == item.variant_id)


SHIPPING = {
    "name": "Grace Hopper",
    "line1": "1 Harbour Road",
    "line2": "Flat 2",
    "city": "Arlington",
    "postcode": "22201",
    "country": "US",
}


def sql(app: Flask, query: str, **params: Any) -> list[sa.Row[Any]]:
    """Rows of a read-only query on an app's database (what a peer or a support engineer would see)."""
    with app.app_context():
        db = app.extensions["sqlalchemy"]
        rows = db.session.execute(sa.text(query), params).all()
        db.session.remove()
    return rows


def vendor_order_ids(app: Flask, order_id: str) -> dict[int, int]:
    """{vendor_id: vendor order id} of one storefront order."""
    rows = sql(app, "SELECT id, vendor_id FROM vendor_order WHERE order_id = :o", o=order_id)
    return {row.vendor_id: row.id for row in rows}


def stock_on_hand(app: Flask, variant_id: int) -> int:
    return sql(app, "SELECT stock_on_hand FROM variant WHERE id = :v", v=variant_id)[0][0]


def fulfilment_events(app: Flask) -> list[dict[str, Any]]:
    rows = sql(app, "SELECT data FROM outbox_event WHERE type = 'fulfilment.updated' ORDER BY occurred_at, id")
    return [row.data for row in rows]


def deliveries(app: Flask, event_type: str) -> list[tuple[str, str]]:
    rows = sql(
        app,
        "SELECT d.subscriber, d.status FROM outbox_delivery d JOIN outbox_event e ON e.id = d.event_id "
        "WHERE e.type = :t ORDER BY d.subscriber",
        t=event_type,
    )
    return [tuple(row) for row in rows]


def inbox_status(app: Flask, event_id: uuid.UUID) -> bool:
    return bool(sql(app, "SELECT 1 FROM inbox_event WHERE event_id = :e", e=event_id))


@pytest.fixture(name="make_item")
def make_item_fixture(vendor: Flask) -> Callable[..., Item]:
    """make_item(store, title=..., price=..., stock=..., options=..., currency=...): an active product, one variant."""
    counter = iter(range(1, 10_000))

    def make(
        store: Store | int,
        *,
        title: str | None = None,
        price: str = "20.00",
        stock: int = 10,
        options: dict[str, str] | None = None,
        currency: str = "EUR",
        sku: str | None = None,
        low_stock_threshold: int = 5,
    ) -> Item:
        from vendor_portal.catalog.models import Product, Variant
        from vendor_portal.extensions import db

        n = next(counter)
        vendor_id = store if isinstance(store, int) else store.vendor_id
        with vendor.app_context():
            product = Product(
                vendor_id=vendor_id,
                title=title or f"Product {n}",
                currency=currency,
                status="active",
                low_stock_threshold=low_stock_threshold,
            )
            variant = Variant(
                vendor_id=vendor_id,
                sku=sku or f"SKU-{vendor_id}-{n}",
                price=Decimal(price),
                options=options or {},
                stock_on_hand=stock,
            )
            product.variants.append(variant)
            db.session.add(product)
            db.session.commit()
            item = Item(vendor_id, product.id, variant.id, variant.sku, product.title, Decimal(price), options or {})
            db.session.remove()
        return item

    return make


def _money(value: Decimal) -> str:
    return str(value.quantize(Decimal("0.01")))


def record(platform: Platform, event_type: str, data: dict[str, Any], event_id: uuid.UUID | None = None) -> uuid.UUID:
    """Record an event in the storefront's outbox, as its own code would, and commit."""
    with platform.storefront.app_context():
        db = platform.storefront.extensions["sqlalchemy"]
        event_id = record_event(event_type, data, event_id=event_id)
        db.session.commit()
        db.session.remove()
    return event_id


def deliver(platform: Platform, event_type: str, data: dict[str, Any], event_id: uuid.UUID) -> str:
    """POST one event envelope to the vendor portal as the storefront's relay does; its status, or PeerError."""
    envelope = {
        "id": str(event_id),
        "type": event_type,
        "version": 1,
        "occurred_at": datetime.now(UTC).isoformat(),
        "source": "storefront",
        "request_id": None,
        "data": data,
    }
    with platform.storefront.app_context():
        return InternalClient.for_peer("vendor_portal").post("/internal/events", envelope)["status"]


@pytest.fixture(name="place_order")
def place_order_fixture(platform: Platform) -> Callable[..., PlacedOrder]:
    """place_order([(item, quantity), ...], number=..., placed_at=...): the shop's order.placed, delivered.

    deliver=False leaves it in the storefront's outbox; publish=False only builds its data.
    """
    counter = iter(range(240001, 250000))

    def place(
        lines: list[tuple[Item, int]],
        *,
        number: str | None = None,
        placed_at: datetime | None = None,
        currency: str = "EUR",
        shipping: dict[str, Any] | None = None,
        deliver: bool = True,
        publish: bool = True,
    ) -> PlacedOrder:
        order_id = str(uuid.uuid4())
        number = number or f"MP-{next(counter)}"
        order_lines = [
            {
                "line_id": f"{order_id[:8]}-{index}",
                "vendor_id": item.vendor_id,
                "product_id": item.product_id,
                "variant_id": item.variant_id,
                "sku": item.sku,
                "title": item.title,
                "options": item.options,
                "quantity": quantity,
                "unit_price": _money(item.price),
                "line_total": _money(item.price * quantity),
            }
            for index, (item, quantity) in enumerate(lines, start=1)
        ]
        total = sum((Decimal(line["line_total"]) for line in order_lines), Decimal("0")) + Decimal("4.90")
        data = {
            "order_id": order_id,
            "number": number,
            "placed_at": (placed_at or datetime.now(UTC)).isoformat(),
            "currency": currency,
            "total": _money(total),
            "shipping_total": "4.90",
            "customer_id": 77,
            "email": "grace@shopper.example",
            "is_new_customer": True,
            "shipping_address": dict(SHIPPING if shipping is None else shipping),
            "lines": order_lines,
        }
        if not publish:
            return PlacedOrder(order_id, number, data, None)
        event_id = record(platform, "order.placed", data)
        if deliver:
            platform.drain()
        return PlacedOrder(order_id, number, data, event_id)

    return place


@pytest.fixture(name="shop_events")
def shop_events_fixture(platform: Platform) -> Iterator[Callable[..., uuid.UUID]]:
    """shop_events(type, data): record any storefront event and deliver it."""

    def send(event_type: str, data: dict[str, Any]) -> uuid.UUID:
        event_id = record(platform, event_type, data)
        platform.drain()
        return event_id

    yield send


def open_order(store: Store, vendor_order_id: int) -> str:
    response = store.client.get(f"/orders/{vendor_order_id}")
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def press_step(store: Store, vendor_order_id: int, step: str, data: dict[str, Any] | None = None) -> Any:
    """Post a fulfilment step form (acknowledge, pack, ship, deliver) from the order's page."""
    return submit(store.client, f"/orders/{vendor_order_id}", data or {}, post_url=f"/orders/{vendor_order_id}/{step}")
