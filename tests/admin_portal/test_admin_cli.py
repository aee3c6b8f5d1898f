"""The admin portal's commands: create-admin for the first owner, seed-demo for a working demo."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from admin_portal.extensions import db
from tests.admin_portal.conftest import delivery_statuses, outbox_events, rows, sign_in, staff_rows


def create_admin(admin, *args: str, input: str | None = None):
    return admin.test_cli_runner().invoke(args=["create-admin", *args], input=input)


def password_hash(admin, email: str) -> str:
    with admin.app_context():
        return db.session.execute(sa.text("SELECT password_hash FROM staff WHERE email = :e"), {"e": email}).scalar()


def test_create_admin_creates_an_owner_who_can_sign_in(admin):
    result = create_admin(admin, "Boss@Example.com", input="a long passphrase\na long passphrase\n")
    assert result.exit_code == 0, result.output
    assert "Created owner boss@example.com" in result.output
    assert "a long passphrase" not in result.output  # typed hidden
    assert staff_rows(admin) == {"boss@example.com": ("owner", "active")}
    client = admin.test_client()
    assert sign_in(client, "boss@example.com", "a long passphrase").status_code == 302
    assert client.get("/staff").status_code == 200


def test_create_admin_takes_a_name_and_a_role(admin):
    result = create_admin(
        admin,
        "lin@example.com",
        "--name",
        "Lin Chen",
        "--role",
        "analyst",
        input="a long passphrase\na long passphrase\n",
    )
    assert result.exit_code == 0, result.output
    assert staff_rows(admin) == {"lin@example.com": ("analyst", "active")}
    with admin.app_context():
        assert db.session.execute(sa.text("SELECT name FROM staff")).scalar() == "Lin Chen"


def test_create_admin_refuses_mismatched_passwords_and_creates_nothing(admin):
    result = create_admin(admin, "boss@example.com", input="a long passphrase\nanother passphrase\n")
    assert result.exit_code != 0
    assert "do not match" in result.output
    assert staff_rows(admin) == {}


@pytest.mark.parametrize("password", ["x" * 7, "x" * 129])
def test_create_admin_refuses_a_too_short_or_too_long_password_and_creates_nothing(admin, password):
    result = create_admin(admin, "boss@example.com", input=f"{password}\n{password}\n")
    assert result.exit_code == 1
    assert "Invalid password: Use between 8 and 128 characters." in result.output
    assert staff_rows(admin) == {}


def test_create_admin_for_an_existing_email_says_so_and_changes_nothing(admin, make_staff):
    make_staff("boss@example.com", "support")
    before = password_hash(admin, "boss@example.com")
    result = create_admin(admin, "BOSS@example.com", input="a new passphrase\na new passphrase\n")
    assert result.exit_code == 1
    assert "already exists" in result.output and "Nothing was changed." in result.output
    assert "Password" not in result.output  # refused before asking for a password
    assert staff_rows(admin) == {"boss@example.com": ("support", "active")}
    assert password_hash(admin, "boss@example.com") == before


def test_create_admin_refuses_an_invalid_email(admin):
    result = create_admin(admin, "not-an-email", input="a long passphrase\na long passphrase\n")
    assert result.exit_code == 1 and "Enter a valid email address." in result.output
    assert staff_rows(admin) == {}


def test_create_admin_refuses_an_unknown_role(admin):
    result = create_admin(admin, "boss@example.com", "--role", "root")
    assert result.exit_code == 2 and "'root' is not one of" in result.output
    assert staff_rows(admin) == {}


def test_seed_demo_creates_one_staff_member_per_role_once(admin):
    runner = admin.test_cli_runner()
    first = runner.invoke(args=["seed-demo"])
    assert first.exit_code == 0, first.output
    assert "4 staff account(s) and 40 categories created" in first.output
    expected = {
        "admin@example.com": ("owner", "active"),
        "catalogue@example.com": ("catalogue_manager", "active"),
        "support@example.com": ("support", "active"),
        "analyst@example.com": ("analyst", "active"),
    }
    assert staff_rows(admin) == expected
    again = runner.invoke(args=["seed-demo"])
    assert again.exit_code == 0 and "already loaded" in again.output
    assert staff_rows(admin) == expected
    assert sign_in(admin.test_client(), "admin@example.com", "admin-demo-pass").status_code == 302


def test_seed_demo_loads_a_two_level_tree_of_forty_categories_published_to_the_other_services(platform):
    admin = platform.admin
    runner = admin.test_cli_runner()
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    tree = rows(admin, "SELECT c.name, p.name AS parent FROM category c LEFT JOIN category p ON p.id = c.parent_id")
    top = [row.name for row in tree if row.parent is None]
    assert len(tree) == 40 and len(top) == 8
    assert {
        "Audio",
        "Home & Kitchen",
        "Fashion",
        "Sports & Outdoors",
        "Books",
        "Toys & Games",
        "Beauty",
        "Garden",
    } == set(top)
    assert all(sum(1 for row in tree if row.parent == name) == 4 for name in top)
    events = outbox_events(admin, "category.")
    assert len(events) == 40 and {event_type for event_type, _ in events} == {"category.upserted"}

    again = runner.invoke(args=["seed-demo"])
    assert "already loaded" in again.output
    assert len(rows(admin, "SELECT id FROM category")) == 40 and len(outbox_events(admin, "category.")) == 40

    platform.drain()
    statuses = delivery_statuses(admin, "category.upserted")
    assert len(statuses) == 80 and {status for _, status in statuses} == {"delivered"}
