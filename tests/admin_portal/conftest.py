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
