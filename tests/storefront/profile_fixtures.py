"""Helpers for the profile, wishlist, customers, reviews and traffic tests.

Shoppers drive the storefront with a test client as a browser without JavaScript would (forms posted
with the page's CSRF token). Orders for review tests are written straight through the ORM, as the
checkout would have left them, with each vendor's part in the status a test needs. admin_portal's calls
go through the real signed client.
"""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from common_core.errors import PeerError
from common_core.internal.client import InternalClient
from tests.conftest import Platform, csrf_from, submit

PASSWORD = "correct horse battery"


def sign_up(app: Flask, email: str = "ada@example.com", name: str = "Ada Lovelace") -> FlaskClient:
    """A new customer, signed in on the returned client."""
    client = app.test_client()
    response = submit(client, "/account/signup", {"name": name, "email": email, "password": PASSWORD})
    assert response.status_code == 302, response.get_data(as_text=True)
    return client


def sign_in(app: Flask, email: str = "ada@example.com", password: str = PASSWORD) -> Any:
    client = app.test_client()
    response = submit(client, "/account/signin", {"email": email, "password": password})
    return client, response


def post_form(client: FlaskClient, page_url: str, post_url: str, data: dict[str, Any] | None = None, **kw: Any) -> Any:
    """Post a form found on `page_url` (any page with a CSRF token) to `post_url`."""
    page = client.get(page_url)
    assert page.status_code == 200, f"{page_url} answered {page.status_code}"
    return client.post(post_url, data={**(data or {}), "csrf_token": csrf_from(page.get_data(as_text=True))}, **kw)


def sql(app: Flask, query: str, **params: Any) -> list[Any]:
    with app.app_context():
        session = app.extensions["sqlalchemy"].session
        rows = session.execute(sa.text(query), params).all()
        session.remove()
    return rows


def scalar(app: Flask, query: str, **params: Any) -> Any:
    rows = sql(app, query, **params)
    return rows[0][0] if rows else None


def customer_id(app: Flask, email: str = "ada@example.com") -> int:
    return scalar(app, "SELECT id FROM customer WHERE email = :email", email=email)


def order_with(
    app: Flask,
    customer: int | None,
    product_id: int,
    *,
    vendor_id: int = 1,
    part_status: str = "delivered",
    cancelled: bool = False,
) -> str:
    """An order of one unit of the product whose vendor part is in `part_status`; returns the line id."""
    from storefront.extensions import db
    from storefront.orders.models import Order, OrderLine, OrderVendorPart

    line_id = str(uuid.uuid4())
    with app.app_context():
        order_id = str(uuid.uuid4())
        price = Decimal("10.00")
        order = Order(
            id=order_id,
            number=f"MP-{order_id[:6].upper()}",
            checkout_key=order_id,
            customer_id=customer,
            email="buyer@example.com",
            status="placed",
            currency="EUR",
            subtotal=price,
            shipping_total=Decimal("0.00"),
            total=price,
            shipping_method="standard",
            shipping_address={"name": "Ada Lovelace", "line1": "1 Road", "city": "London", "country": "GB"},
            placed_at=sa.func.now(),
        )
        order.lines.append(
            OrderLine(
                id=line_id,
                position=1,
                vendor_id=vendor_id,
                product_id=product_id,
                variant_id=product_id * 100,
                sku=f"SKU-{product_id}",
                title=f"Product {product_id}",
                quantity=1,
                unit_price=price,
                line_total=price,
                cancelled_quantity=1 if cancelled else 0,
            )
        )
        order.parts.append(OrderVendorPart(vendor_id=vendor_id, vendor_name="Acme Audio", status=part_status))
        db.session.add(order)
        db.session.commit()
        db.session.remove()
    return line_id


def admin_call(platform: Platform, method: str, path: str, body: Any = None, **params: Any) -> tuple[int, Any]:
    """admin_portal calling the storefront through the real signed client: (status, JSON body)."""
    with platform.admin.app_context():
        client = InternalClient.for_peer("storefront", retries=0)
        try:
            return 200, client.request(method, path, params=params or None, body=body)
        except PeerError as exc:
            return exc.status, exc.body


def make_customer(app: Flask, name: str, email: str | None = None) -> int:
    """A customer row without the cost of hashing a password (they never sign in)."""
    email = email or f"{name.lower().replace(' ', '.')}@example.com"
    return scalar_write(
        app, "INSERT INTO customer (name, email, password_hash) VALUES (:n, :e, 'unused') RETURNING id", n=name, e=email
    )


def scalar_write(app: Flask, query: str, **params: Any) -> Any:
    with app.app_context():
        session = app.extensions["sqlalchemy"].session
        value = session.execute(sa.text(query), params).scalar()
        session.commit()
        session.remove()
    return value
