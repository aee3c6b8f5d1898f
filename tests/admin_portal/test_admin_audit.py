"""The audit log: every staff action leaves an entry that nobody can change, and owners can search it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from admin_portal import audit
from admin_portal.extensions import db
from tests.admin_portal.conftest import audit_entries, rows, showing, token_of
from tests.conftest import submit


def test_audit_entries_cannot_be_changed_or_deleted_even_with_raw_sql(admin, make_staff):
    make_staff("owner@example.com", "owner")  # the command line's create-admin leaves an entry
    assert [e.action for e in audit_entries(admin)] == ["staff.created"]
    for statement in (
        "UPDATE audit_entry SET action = 'nothing.happened'",
        "UPDATE audit_entry SET after = NULL WHERE id = 1",
        "DELETE FROM audit_entry",
    ):
        with (
            admin.app_context(),
            pytest.raises(sa.exc.DBAPIError, match="audit_entry is append-only"),
            db.engine.begin() as conn,
        ):
            conn.execute(sa.text(statement))
    assert [e.action for e in audit_entries(admin)] == ["staff.created"]


def test_staff_management_is_audited_without_secrets(admin, signed_in, make_staff):
    owner = signed_in("owner")
    response = submit(
        owner,
        "/staff/new",
        {
            "email": "lin@example.com",
            "name": "Lin Chen",
            "role": "support",
            "password": "a long passphrase",
            "confirm_password": "a long passphrase",
        },
    )
    assert response.status_code == 302
    lin = rows(admin, "SELECT id FROM staff WHERE email = 'lin@example.com'")[0].id
    assert owner.post(f"/staff/{lin}/disable", data={"csrf_token": token_of(owner)}).status_code == 302
    assert owner.post(f"/staff/{lin}/enable", data={"csrf_token": token_of(owner)}).status_code == 302

    entries = [e for e in audit_entries(admin, "staff") if e.object_id == str(lin)]
    assert [(e.staff_email, e.action) for e in entries] == [
        ("owner@example.com", "staff.created"),
        ("owner@example.com", "staff.disabled"),
        ("owner@example.com", "staff.enabled"),
    ]
    assert entries[0].before is None
    assert entries[0].after == {"email": "lin@example.com", "name": "Lin Chen", "role": "support", "status": "active"}
    assert (entries[1].before["status"], entries[1].after["status"]) == ("active", "disabled")
    assert (entries[2].before["status"], entries[2].after["status"]) == ("disabled", "active")
    assert all(e.client_ip and e.request_id for e in entries)
    assert "argon2" not in str([e.after for e in entries])


def test_a_refused_staff_action_leaves_no_entry(admin, signed_in):
    owner = signed_in("owner")
    me = rows(admin, "SELECT id FROM staff WHERE email = 'owner@example.com'")[0].id
    before = len(audit_entries(admin))
    owner.post(f"/staff/{me}/disable", data={"csrf_token": token_of(owner)})
    assert len(audit_entries(admin)) == before


@pytest.fixture
def log_of(admin):
    """Write audit entries straight through the operation: (actor email or None, action, type, id) each."""

    class Actor:
        def __init__(self, email: str) -> None:
            self.id, self.email = None, email

    def write(*entries: tuple[str | None, str, str, int]) -> None:
        with admin.app_context():
            for email, action, object_type, object_id in entries:
                audit.record(Actor(email) if email else None, action, object_type, object_id, None, {"n": object_id})
            db.session.commit()

    return write


def test_audit_page_shows_the_newest_first_and_searches_by_staff_action_object_and_dates(signed_in, log_of):
    owner = signed_in("owner")  # its own creation is the first entry, by the command line
    log_of(
        ("casey@example.com", "category.created", "category", 1),
        ("casey@example.com", "category.renamed", "category", 1),
        ("avery@example.com", "vendor.approved", "vendor", 12),
    )
    html = owner.get("/audit").get_data(as_text=True)
    assert "<h1>Audit log</h1>" in html
    table = html.split("<tbody>", 1)[1]
    assert table.index("vendor.approved") < table.index("category.renamed") < table.index("category.created")
    assert "Command line" in table  # the signed-in owner was created as the command line does

    html = owner.get("/audit?staff=CASEY").get_data(as_text=True)
    assert "category.renamed" in html and "vendor.approved</code>" not in html and showing(1, 2, 2) in html
    html = owner.get("/audit?action=vendor.approved").get_data(as_text=True)
    assert showing(1, 1, 1) in html and "avery@example.com" in html
    assert '<option selected value="vendor.approved">' in html
    html = owner.get("/audit?object_type=category&object_id=1").get_data(as_text=True)
    assert showing(1, 2, 2) in html

    today = datetime.now(UTC).date()
    html = owner.get(f"/audit?date_from={today}&date_to={today}").get_data(as_text=True)
    assert showing(1, 4, 4) in html
    html = owner.get(f"/audit?date_from={today + timedelta(days=1)}").get_data(as_text=True)
    assert "No matching entries" in html


def test_audit_page_pages_through_many_entries(signed_in, log_of):
    owner = signed_in("owner")
    log_of(*((None, "category.created", "category", n) for n in range(1, 61)))
    first = owner.get("/audit").get_data(as_text=True)
    assert showing(1, 50, 61) in first and 'rel="next"' in first
    second = owner.get("/audit?page=2").get_data(as_text=True)
    assert showing(51, 61, 61) in second and "staff.created" in second  # the oldest, last


def test_audit_search_with_dates_the_wrong_way_round_says_so_next_to_the_field(signed_in):
    response = signed_in("owner").get("/audit?date_from=2026-05-02&date_to=2026-05-01")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="date_to-error"' in html and "Choose a date on or after the start date." in html
    assert 'value="2026-05-02"' in html


@pytest.mark.parametrize("role", ["catalogue_manager", "support", "analyst"])
def test_only_owners_open_the_audit_log(signed_in, role):
    response = signed_in(role).get("/audit")
    assert response.status_code == 403
