"""Factories for the vendor portal tests: stores signed in through the real pages, admin decisions through the
real signed internal API, and a look at what the portal put in its outbox."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from common_core.internal.client import InternalClient
from tests.conftest import Platform, csrf_from, submit

PASSWORD = "correct horse battery"


@dataclass
class Store:
    """A vendor signed in through the sign-up page."""

    client: FlaskClient
    vendor_id: int
    email: str
    store_name: str


def sign_up(
    client: FlaskClient,
    *,
    store_name: str = "Acme Audio",
    contact_name: str = "Ada Lovelace",
    email: str = "ada@acme.example",
    password: str = PASSWORD,
) -> Any:
    return submit(
        client,
        "/account/signup",
        {"store_name": store_name, "contact_name": contact_name, "email": email, "password": password},
    )


def sign_in(client: FlaskClient, email: str = "ada@acme.example", password: str = PASSWORD, **kwargs: Any) -> Any:
    return submit(client, "/account/signin", {"email": email, "password": password}, **kwargs)


def sign_out(client: FlaskClient) -> Any:
    page = client.get("/products")  # every signed-in page carries the sign-out form
    return client.post("/account/signout", data={"csrf_token": csrf_from(page.get_data(as_text=True))})


def press(client: FlaskClient, page_url: str, action_url: str, **kwargs: Any) -> Any:
    """Press a one-button POST form (publish, unpublish ...) found on page_url."""
    return submit(client, page_url, {}, post_url=action_url, **kwargs)


def vendor_status_call(
    platform: Platform, vendor_id: int, status: str, reason: str | None = None, request_id: str | None = None
) -> dict[str, Any]:
    """The admin portal's signed call; raises PeerError for a 4xx answer."""
    body = {"status": status, "reason": reason, "request_id": request_id or uuid.uuid4().hex}
    with platform.admin.app_context():
        return InternalClient.for_peer("vendor_portal").post(f"/internal/vendors/{vendor_id}/status", body)


def outbox(app: Flask) -> list[tuple[str, dict[str, Any]]]:
    """(type, data) of every event the app recorded, oldest first."""
    with app.app_context():
        db = app.extensions["sqlalchemy"]
        rows = db.session.execute(sa.text("SELECT type, data FROM outbox_event ORDER BY occurred_at, id")).all()
        db.session.remove()
    return [(row.type, row.data) for row in rows]


@pytest.fixture
def make_store(vendor: Flask, platform: Platform) -> Callable[..., Store]:
    """make_store(status="approved", store_name=..., email=...): a store signed in through the sign-up page."""
    counter = iter(range(1, 1000))

    def make(
        status: str = "pending", *, store_name: str | None = None, email: str | None = None, reason: str | None = None
    ) -> Store:
        n = next(counter)
        store_name = store_name or f"Store {n}"
        email = email or f"owner{n}@store.example"
        client = vendor.test_client()
        response = sign_up(client, store_name=store_name, email=email)
        assert response.status_code == 302, response.get_data(as_text=True)
        with vendor.app_context():
            db = vendor.extensions["sqlalchemy"]
            vendor_id = db.session.execute(
                sa.text("SELECT vendor_id FROM vendor_user WHERE email = :e"), {"e": email}
            ).scalar_one()
            db.session.remove()
        if status in ("approved", "rejected"):
            vendor_status_call(platform, vendor_id, status, reason)
        elif status == "suspended":
            vendor_status_call(platform, vendor_id, "approved")
            vendor_status_call(platform, vendor_id, "suspended", reason)
        return Store(client, vendor_id, email, store_name)

    return make


PRODUCT_ID = re.compile(r"/products/(\d+)/edit$")


@pytest.fixture
def make_product() -> Callable[..., int]:
    """make_product(store, title=..., price=..., sku=..., initial_stock=...): a draft created through the
    new-product page; returns its id. Extra keyword arguments are posted as further fields of the form."""

    def make(
        store: Store,
        *,
        title: str = "Walnut headphone stand",
        price: str = "39.00",
        currency: str = "EUR",
        description: str = "Solid walnut.",
        **fields: str,
    ) -> int:
        response = submit(
            store.client,
            "/products/new",
            {"title": title, "description": description, "price": price, "currency": currency, **fields},
        )
        assert response.status_code == 302, response.get_data(as_text=True)
        match = PRODUCT_ID.search(response.headers["Location"])
        assert match, response.headers["Location"]
        return int(match.group(1))

    return make
