"""Factories and helpers for the inventory and reservation tests.

Products and variants are made through the ORM (the catalogue's forms are another domain's concern);
reservations are asked for through the storefront's real signed client, as checkout does.
Test modules import `make_stocked_fixture` to get the `make_stocked` fixture.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
import requests
import sqlalchemy as sa
from flask import Flask

from common_core.errors import PeerError
from common_core.internal.client import InternalClient
from tests.conftest import Platform


@dataclass
class Stocked:
    """A product made for a test, with its variants' ids in position order."""

    product_id: int
    variant_ids: list[int]
    vendor_id: int

    @property
    def variant_id(self) -> int:
        return self.variant_ids[0]


@pytest.fixture(name="make_stocked")
def make_stocked_fixture(vendor: Flask) -> Callable[..., Stocked]:
    """make_stocked(vendor_id, stock=10, status="active", ...): a product and its variants, through the ORM.

    stock may be a list (one variant per entry, options Size S, M, L ...).
    """
    counter = iter(range(1, 10_000))

    def make(
        vendor_id: int,
        *,
        stock: int | list[int] = 10,
        status: str = "active",
        title: str | None = None,
        sku: str | None = None,
        price: str = "25.00",
        currency: str = "EUR",
        threshold: int = 5,
        hidden: bool = False,
    ) -> Stocked:
        from vendor_portal.catalog.models import Product, Variant

        n = next(counter)
        stocks = stock if isinstance(stock, list) else [stock]
        sizes = ["S", "M", "L", "XL", "XXL"]
        with vendor.app_context():
            db = vendor.extensions["sqlalchemy"]
            product = Product(
                vendor_id=vendor_id,
                title=title or f"Product {n}",
                currency=currency,
                status=status,
                low_stock_threshold=threshold,
                hidden_at=sa.func.now() if hidden else None,
                hidden_reason="Moderated" if hidden else None,
            )
            for position, units in enumerate(stocks):
                product.variants.append(
                    Variant(
                        vendor_id=vendor_id,
                        sku=(sku or f"SKU-{n}") + (f"-{sizes[position]}" if len(stocks) > 1 else ""),
                        price=Decimal(price),
                        options={"Size": sizes[position]} if len(stocks) > 1 else {},
                        position=position,
                        stock_on_hand=units,
                    )
                )
            db.session.add(product)
            db.session.commit()
            made = Stocked(product.id, [v.id for v in product.variants], vendor_id)
            db.session.remove()
        return made

    return make


def variant_stock(app: Flask, variant_id: int) -> tuple[int, int]:
    """(stock_on_hand, reserved) of a variant, read fresh."""
    on_hand, reserved = _rows(app, "SELECT stock_on_hand, reserved FROM variant WHERE id = :id", id=variant_id)[0]
    return on_hand, reserved


def history(app: Flask, variant_id: int) -> list[tuple[int, str, int, str]]:
    """(delta, reason, on_hand_after, actor) of a variant's adjustments, oldest first."""
    return [
        tuple(row)
        for row in _rows(
            app,
            "SELECT delta, reason, on_hand_after, actor FROM stock_adjustment WHERE variant_id = :id ORDER BY id",
            id=variant_id,
        )
    ]


def reservation_rows(app: Flask, order_id: str) -> list[tuple[str, int]]:
    """(status, number of lines) of the reservations stored for an order id."""
    return [
        tuple(row)
        for row in _rows(
            app,
            "SELECT r.status, count(l.id) FROM reservation r LEFT JOIN reservation_line l ON l.reservation_id = r.id "
            "WHERE r.order_id = :o GROUP BY r.id",
            o=order_id,
        )
    ]


def _rows(app: Flask, sql: str, **params: Any) -> list[Any]:
    with app.app_context():
        db = app.extensions["sqlalchemy"]
        rows = db.session.execute(sa.text(sql), params).all()
        db.session.remove()
    return rows


def storefront_client(platform: Platform) -> InternalClient:
    """The storefront's signed client for the vendor portal, on its own requests session (one per thread)."""
    session = requests.Session()
    adapter = platform.adapters["vendor_portal"]
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return InternalClient.for_peer("vendor_portal", session=session, retries=0)


def call(platform: Platform, method: str, path: str, body: Any = None) -> tuple[int, dict[str, Any]]:
    """(status, JSON body) of a signed storefront call; 4xx answers are returned, not raised."""
    with platform.storefront.app_context():
        client = storefront_client(platform)
        try:
            if method == "GET":
                return 200, client.get(path)
            return 200, client.post(path, body, idempotent=True)
        except PeerError as exc:
            return exc.status, exc.body


def reserve(
    platform: Platform, lines: list[tuple[int, int]], *, order_id: str | None = None, **extra: Any
) -> tuple[int, dict[str, Any]]:
    body = {
        "order_id": order_id or uuid.uuid4().hex,
        "lines": [{"variant_id": v, "quantity": q} for v, q in lines],
        **extra,
    }
    return call(platform, "POST", "/internal/reservations", body)


def commit(platform: Platform, order_id: str) -> tuple[int, dict[str, Any]]:
    return call(platform, "POST", f"/internal/reservations/{order_id}/commit")


def release(platform: Platform, order_id: str) -> tuple[int, dict[str, Any]]:
    return call(platform, "POST", f"/internal/reservations/{order_id}/release")


def lookup(platform: Platform, order_id: str) -> tuple[int, dict[str, Any]]:
    return call(platform, "GET", f"/internal/reservations/{order_id}")
