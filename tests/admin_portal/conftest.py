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
