"""Helpers for the admin portal tests: staff factories, signed-in clients, and reading staff rows."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from admin_portal.extensions import db
from admin_portal.staff import operations
from tests.conftest import csrf_from, submit

PASSWORD = "correct horse battery"
COOKIE = "mkt_admin_portal"


def sign_in(client: FlaskClient, email: str, password: str = PASSWORD):
    return submit(client, "/signin", {"email": email, "password": password})


def sign_out(client: FlaskClient):
    page = client.get("/")
    return client.post("/signout", data={"csrf_token": csrf_from(page.get_data(as_text=True))})


def token_of(client: FlaskClient) -> str:
    """A valid CSRF token of the client's session, taken from any page a signed-in staff member sees."""
    return csrf_from(client.get("/").get_data(as_text=True))


def staff_rows(app: Flask) -> dict[str, tuple[str, str]]:
    """Every staff account as email -> (role, status), read straight from the database."""
    with app.app_context():
        rows = db.session.execute(sa.text("SELECT email, role, status FROM staff")).all()
    return {email: (role, status) for email, role, status in rows}


def open_sessions(app: Flask, staff_id: int) -> int:
    with app.app_context():
        return db.session.execute(
            sa.text("SELECT count(*) FROM auth_session WHERE principal_id = :id AND revoked_at IS NULL"),
            {"id": staff_id},
        ).scalar_one()


@pytest.fixture
def make_staff(admin: Flask) -> Callable[..., int]:
    """Create a staff account straight through the operation (as the command line does); returns its id."""

    def make(
        email: str = "owner@example.com",
        role: str = "owner",
        *,
        name: str | None = None,
        password: str = PASSWORD,
        status: str = "active",
    ) -> int:
        with admin.app_context():
            staff = operations.create_staff(email, name or email.split("@")[0].title(), role, password, actor=None)
            staff.status = status
            db.session.commit()
            return staff.id

    return make


@pytest.fixture
def signed_in(admin: Flask, make_staff: Callable[..., int]) -> Callable[..., FlaskClient]:
    """A test client signed in as a new staff member with the given role."""

    def client_for(role: str = "owner", email: str | None = None) -> FlaskClient:
        email = email or f"{role}@example.com"
        make_staff(email, role)
        client = admin.test_client()
        assert sign_in(client, email).status_code == 302
        return client

    return client_for


# --- categories, vendors and the audit log -------------------------------------------------------------


def rows(app: Flask, sql: str, **params: object) -> list[sa.Row]:
    """Rows of a raw query on any of the three apps' databases, read afresh (what was committed)."""
    with app.app_context():
        app_db = app.extensions["sqlalchemy"]
        result = app_db.session.execute(sa.text(sql), params).all()
        app_db.session.remove()
    return result


def showing(first: int, last: int, total: int) -> str:
    """The pagination macro's count line (its dash is an en dash)."""
    return f"Showing {first}\u2013{last} of {total}"


def audit_entries(app: Flask, object_type: str | None = None) -> list[sa.Row]:
    """Every audit entry (about objects of `object_type`, when given), oldest first."""
    return rows(
        app,
        "SELECT staff_email, action, object_type, object_id, before, after, client_ip, request_id "
        "FROM audit_entry WHERE CAST(:type AS text) IS NULL OR object_type = :type ORDER BY id",
        type=object_type,
    )


def outbox_events(app: Flask, prefix: str = "") -> list[tuple[str, dict]]:
    """(type, data) of the events the app recorded whose type starts with `prefix`, in order."""
    found = rows(app, "SELECT type, data FROM outbox_event ORDER BY occurred_at, id")
    return [(row.type, row.data) for row in found if row.type.startswith(prefix)]


def delivery_statuses(app: Flask, event_type: str) -> list[tuple[str, str]]:
    """(subscriber, status) of every delivery of `event_type` events from `app`."""
    found = rows(
        app,
        "SELECT d.subscriber, d.status FROM outbox_delivery d JOIN outbox_event e ON e.id = d.event_id "
        "WHERE e.type = :t ORDER BY d.subscriber, e.occurred_at",
        t=event_type,
    )
    return [(row.subscriber, row.status) for row in found]


@pytest.fixture
def make_category(admin: Flask) -> Callable[..., int]:
    """Create a category through the operation (as the demo seed does); returns its id."""
    from admin_portal.categories import operations as category_operations

    def make(name: str, parent: int | None = None, *, slug: str | None = None) -> int:
        with admin.app_context():
            category = category_operations.create_category(name, parent_id=parent, slug=slug, actor=None)
            db.session.commit()
            return category.id

    return make


@pytest.fixture
def make_pending_vendor(platform) -> Callable[..., int]:
    """A store that signed up on the vendor portal's real page; after drain() the admin's read model has it."""

    def make(store_name: str = "Acme Audio", email: str = "ada@acme.example") -> int:
        response = submit(
            platform.vendor.test_client(),
            "/account/signup",
            {"store_name": store_name, "contact_name": "Ada Lovelace", "email": email, "password": PASSWORD},
        )
        assert response.status_code == 302, response.get_data(as_text=True)
        platform.drain()
        found = rows(platform.vendor, "SELECT id FROM vendor WHERE store_name = :name", name=store_name)
        return found[0].id

    return make


# --- events into the analytics read models and the ledger -------------------------------------------------


def publish(platform, event_type: str, data: dict) -> None:
    """Record an event in its producer's outbox, as the producer's own code does, commit, and deliver everything."""
    from common_core import contracts
    from common_core.outbox import record_event

    app = platform.apps[contracts.spec_for(event_type).producer]
    with app.app_context():
        record_event(event_type, data)
        app.extensions["sqlalchemy"].session.commit()
    platform.drain()


def deliver(platform, event_type: str, data: dict, *, occurred_at=None, event_id: str | None = None) -> str:
    """Send one event straight to the admin portal's signed /internal/events, as its producer's relay does.

    Returns the answer's status ("applied", "duplicate", "ignored"); a refusal raises PeerError.
    """
    import uuid
    from datetime import UTC, datetime

    from common_core import contracts
    from common_core.internal.client import InternalClient

    producer = contracts.spec_for(event_type).producer
    envelope = {
        "id": event_id or str(uuid.uuid4()),
        "type": event_type,
        "version": 1,
        "occurred_at": (occurred_at or datetime.now(UTC)).isoformat(),
        "source": producer,
        "request_id": None,
        "data": data,
    }
    with platform.apps[producer].app_context():
        return InternalClient.for_peer("admin_portal", retries=0).post("/internal/events", envelope)["status"]


def order_data(
    placed_at,
    lines: list[tuple[int, int, int, str]],
    *,
    order_id: str | None = None,
    number: str | None = None,
    currency: str = "EUR",
    shipping: str = "0.00",
    customer_id: int | None = None,
) -> dict:
    """An order.placed payload; lines are (vendor_id, product_id, quantity, unit price); line ids are "<order>-<n>"."""
    import uuid
    from decimal import Decimal

    order_id = order_id or str(uuid.uuid4())
    payload_lines = []
    for n, (vendor_id, product_id, quantity, price) in enumerate(lines, start=1):
        payload_lines.append(
            {
                "line_id": f"{order_id[:32]}-{n}",
                "vendor_id": vendor_id,
                "product_id": product_id,
                "variant_id": product_id * 10,
                "sku": f"SKU-{product_id}",
                "title": f"Product {product_id}",
                "options": {},
                "quantity": quantity,
                "unit_price": price,
                "line_total": f"{Decimal(price) * quantity:.2f}",
            }
        )
    items = sum((Decimal(line["line_total"]) for line in payload_lines), Decimal(0))
    return {
        "order_id": order_id,
        "number": number or f"MP-{order_id[:6].upper()}",
        "placed_at": placed_at.isoformat(),
        "currency": currency,
        "total": f"{items + Decimal(shipping):.2f}",
        "shipping_total": shipping,
        "customer_id": customer_id,
        "email": "shopper@example.com",
        "is_new_customer": customer_id is None,
        "shipping_address": {
            "name": "A Shopper",
            "line1": "1 High St",
            "line2": "",
            "city": "Town",
            "postcode": "AB1",
            "country": "GB",
        },
        "lines": payload_lines,
    }


def vendor_known(platform, vendor_id: int, store_name: str, *, commission: str | None = None) -> None:
    """Put a vendor into the admin's read model (by its event), optionally with a commission rate set by staff."""
    from datetime import UTC, datetime

    data = {
        "vendor_id": vendor_id,
        "store_name": store_name,
        "status": "approved",
        "created_at": datetime.now(UTC).isoformat(),
    }
    assert deliver(platform, "vendor.upserted", data) == "applied"
    if commission is not None:
        with platform.admin.app_context():
            db.session.execute(
                sa.text("UPDATE vendor_summary SET commission_rate = :rate WHERE vendor_id = :id"),
                {"rate": commission, "id": vendor_id},
            )
            db.session.commit()
