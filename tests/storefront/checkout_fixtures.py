"""Factories for the cart, checkout and orders tests: real stores and products in the vendor portal
(so reservations work), published to the storefront by their real events, and shoppers driving the
storefront's pages with a test client, as a browser without JavaScript would.

Test modules import the fixtures they use by their function names (market_fixture, shopper_fixture,
customer_fixture) and request them as market, shopper and customer.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from common_core.internal.client import InternalClient
from common_core.outbox import record_event
from tests.conftest import Platform, csrf_from

GOOD_CARD = "4242 4242 4242 4242"
DECLINED_CARD = "4000 0000 0000 0002"
NO_FUNDS_CARD = "4000 0000 0000 9995"
CVC = "737"
ADDRESS = {
    "name": "Grace Hopper",
    "line1": "1 Harbour Road",
    "line2": "Flat 2",
    "city": "Dublin",
    "postcode": "D02 X285",
    "country": "IE",
}
PASSWORD = "correct horse battery"
KEY_RE = re.compile(r'name="checkout_key"[^>]*value="([^"]+)"')


@dataclass(frozen=True)
class Item:
    """A variant on sale: in the vendor portal and, once its event is delivered, in the shop's copy."""

    vendor_id: int
    product_id: int
    variant_id: int
    title: str
    price: Decimal
    options: dict[str, str] = field(default_factory=dict)


def sql(app: Flask, query: str, **params: Any) -> list[Any]:
    with app.app_context():
        session = app.extensions["sqlalchemy"].session
        rows = session.execute(sa.text(query), params).all()
        session.remove()
    return rows


def scalar(app: Flask, query: str, **params: Any) -> Any:
    rows = sql(app, query, **params)
    return rows[0][0] if rows else None


class Market:
    """Stores and products made in the vendor portal and published to the shop by their own events."""

    def __init__(self, platform: Platform) -> None:
        self.platform = platform
        self._n = 0

    def _next(self) -> int:
        self._n += 1
        return self._n

    def store(self, name: str | None = None) -> int:
        from vendor_portal.accounts import events as vendor_events
        from vendor_portal.accounts.models import Vendor
        from vendor_portal.extensions import db

        n = self._next()
        name = name or f"Store {n}"
        with self.platform.vendor.app_context():
            vendor = Vendor(
                store_name=name,
                slug=re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") + f"-{n}",
                contact_name="Ada Lovelace",
                email=f"owner{n}@store.example",
                status="approved",
            )
            db.session.add(vendor)
            db.session.flush()
            vendor_events.vendor_upserted(vendor)
            db.session.commit()
            vendor_id = vendor.id
            db.session.remove()
        self.platform.drain()
        return vendor_id

    def product(
        self,
        vendor_id: int,
        title: str = "Walnut headphone stand",
        variants: list[tuple[str, int, dict[str, str]]] | None = None,
        *,
        currency: str = "EUR",
    ) -> list[Item]:
        """variants: [(price, stock, options)]; one variant at €20.00 with 10 in stock by default."""
        from vendor_portal.catalog import events as catalog_events
        from vendor_portal.catalog.models import Product, ProductOption, Variant
        from vendor_portal.extensions import db

        variants = variants or [("20.00", 10, {})]
        n = self._next()
        with self.platform.vendor.app_context():
            product = Product(vendor_id=vendor_id, title=title, currency=currency, status="active", description_html="")
            names = list(dict.fromkeys(name for _, _, options in variants for name in options))
            for position, name in enumerate(names):
                values = list(dict.fromkeys(options[name] for _, _, options in variants if name in options))
                product.options.append(ProductOption(name=name, position=position, values=values))
            for position, (price, stock, options) in enumerate(variants):
                product.variants.append(
                    Variant(
                        vendor_id=vendor_id,
                        sku=f"SKU-{n}-{position}",
                        price=Decimal(price),
                        options=options,
                        position=position,
                        stock_on_hand=stock,
                    )
                )
            db.session.add(product)
            db.session.flush()
            catalog_events.product_upserted(product)
            db.session.commit()
            items = [Item(vendor_id, product.id, v.id, title, v.price, dict(v.options or {})) for v in product.variants]
            db.session.remove()
        self.platform.drain()
        return items

    def _change(self, item: Item, **values: Any) -> None:
        from vendor_portal.catalog import events as catalog_events
        from vendor_portal.catalog.models import Product, Variant
        from vendor_portal.extensions import db

        with self.platform.vendor.app_context():
            variant = db.session.get(Variant, item.variant_id)
            for key, value in values.items():
                setattr(variant, key, value)
            product = db.session.get(Product, item.product_id)
            product.updated_at = datetime.now(UTC)
            db.session.flush()
            catalog_events.product_upserted(product)
            db.session.commit()
            db.session.remove()

    def set_price(self, item: Item, price: str, *, publish: bool = True) -> None:
        """Change a price in the vendor portal; publish=False leaves the shop's copy behind (event not sent)."""
        self._change(item, price=Decimal(price))
        if publish:
            self.platform.drain()

    def set_stock(self, item: Item, stock: int) -> None:
        self._change(item, stock_on_hand=stock)
        self.platform.drain()

    def unpublish(self, item: Item) -> None:
        from vendor_portal.catalog import events as catalog_events
        from vendor_portal.catalog.models import Product
        from vendor_portal.extensions import db

        with self.platform.vendor.app_context():
            product = db.session.get(Product, item.product_id)
            product.status = "archived"
            db.session.flush()
            catalog_events.product_removed(product, "archived")
            db.session.commit()
            db.session.remove()
        self.platform.drain()

    def stock(self, item: Item) -> tuple[int, int]:
        """(stock_on_hand, reserved) of a variant in the vendor portal."""
        row = sql(self.platform.vendor, "SELECT stock_on_hand, reserved FROM variant WHERE id = :v", v=item.variant_id)
        return row[0][0], row[0][1]


@pytest.fixture(name="market")
def market_fixture(platform: Platform) -> Market:
    return Market(platform)


@dataclass
class Shopper:
    """A browser without JavaScript on the storefront."""

    client: FlaskClient
    last_page: str = ""

    def add(self, item: Item, quantity: int = 1, **kwargs: Any) -> Any:
        page = self.client.get(f"/p/{item.product_id}?variant={item.variant_id}", follow_redirects=True)
        assert page.status_code == 200, page.status_code
        return self.client.post(
            "/cart/add",
            data={
                "variant_id": item.variant_id,
                "quantity": quantity,
                "csrf_token": csrf_from(page.get_data(as_text=True)),
            },
            **kwargs,
        )

    def cart(self) -> str:
        response = self.client.get("/cart")
        assert response.status_code == 200
        return response.get_data(as_text=True)

    def open_checkout(self) -> str:
        response = self.client.get("/checkout")
        assert response.status_code == 200, response.status_code
        self.last_page = response.get_data(as_text=True)
        return self.last_page

    def checkout_fields(self, page: str | None = None) -> dict[str, str]:
        page = page or self.open_checkout()
        match = KEY_RE.search(page)
        assert match, "the checkout form has no checkout_key"
        return {"csrf_token": csrf_from(page), "checkout_key": match.group(1)}

    def checkout(
        self,
        card: str = GOOD_CARD,
        *,
        email: str | None = "grace@shopper.example",
        fields: dict[str, str] | None = None,
        **overrides: Any,
    ) -> Any:
        """Fill in and post the checkout form; returns the response (a 303 to the confirmation on success)."""
        data = {
            **(fields or self.checkout_fields()),
            **ADDRESS,
            "shipping_method": "standard",
            "card_number": card,
            "card_expiry": "12/39",
            "card_cvc": CVC,
            "card_name": "GRACE HOPPER",
        }
        if email is not None:
            data["email"] = email
        data.update({k: v for k, v in overrides.items() if v is not None})
        for key in [k for k, v in overrides.items() if v is None]:
            data.pop(key, None)
        return self.client.post("/checkout", data=data)


@pytest.fixture(name="shopper")
def shopper_fixture(storefront: Flask) -> Callable[[], Shopper]:
    """shopper(): a new browser (its own session, so its own guest cart)."""

    def make() -> Shopper:
        return Shopper(storefront.test_client())

    return make


def sign_up(client: FlaskClient, email: str, name: str = "Ada Customer") -> None:
    page = client.get("/account/signup")
    response = client.post(
        "/account/signup",
        data={"name": name, "email": email, "password": PASSWORD, "csrf_token": csrf_from(page.get_data(as_text=True))},
    )
    assert response.status_code == 302, response.get_data(as_text=True)


@pytest.fixture(name="customer")
def customer_fixture(storefront: Flask) -> Callable[..., Shopper]:
    """customer(email): a signed-up, signed-in shopper."""
    counter = iter(range(1, 1000))

    def make(email: str | None = None) -> Shopper:
        shopper = Shopper(storefront.test_client())
        sign_up(shopper.client, email or f"customer{next(counter)}@shopper.example")
        return shopper

    return make


def customer_id(app: Flask, email: str) -> int:
    return scalar(app, "SELECT id FROM customer WHERE email = :e", e=email)


def placed_number(response: Any) -> str:
    """The order number a successful checkout redirected to."""
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    match = re.search(r"/checkout/done/(MP-[A-Z0-9]+)$", response.headers["Location"])
    assert match, response.headers["Location"]
    return match.group(1)


def order_row(app: Flask, number: str) -> Any:
    rows = sql(app, "SELECT * FROM orders WHERE number = :n", n=number)
    return rows[0] if rows else None


def outbox(app: Flask, event_type: str) -> list[dict[str, Any]]:
    rows = sql(app, "SELECT data FROM outbox_event WHERE type = :t ORDER BY occurred_at, id", t=event_type)
    return [row.data for row in rows]


def fulfilment(platform: Platform, data: dict[str, Any], *, event_id: uuid.UUID | None = None) -> uuid.UUID:
    """fulfilment.updated recorded by the vendor portal (its real producer) and delivered."""
    with platform.vendor.app_context():
        db = platform.vendor.extensions["sqlalchemy"]
        event_id = record_event("fulfilment.updated", data, event_id=event_id)
        db.session.commit()
        db.session.remove()
    platform.drain()
    return event_id


def deliver_again(platform: Platform, event_id: uuid.UUID) -> dict[str, Any]:
    """Post an event the vendor portal already sent once more, as a relay retry would."""
    row = sql(platform.vendor, "SELECT * FROM outbox_event WHERE id = :i", i=event_id)[0]
    envelope = {
        "id": str(row.id),
        "type": row.type,
        "version": row.version,
        "occurred_at": row.occurred_at.isoformat(),
        "source": "vendor_portal",
        "request_id": None,
        "data": row.data,
    }
    with platform.vendor.app_context():
        return InternalClient.for_peer("storefront", retries=0).post("/internal/events", envelope)


def admin_call(platform: Platform, method: str, path: str, body: dict[str, Any] | None = None, **params: Any) -> Any:
    """admin_portal's signed call to the storefront; raises PeerError for a 4xx answer."""
    with platform.admin.app_context():
        client = InternalClient.for_peer("storefront", retries=0)
        if method == "GET":
            return client.get(path, params=params or None)
        return client.post(path, body)
