"""Owners managing staff: adding accounts, disabling and re-enabling them, and the rules that keep an owner."""

from __future__ import annotations

import threading
import time

import pytest
import sqlalchemy as sa

from admin_portal.extensions import db
from admin_portal.staff import operations
from admin_portal.staff.models import Staff
from common_core.errors import Conflict
from tests.admin_portal.conftest import open_sessions, sign_in, staff_rows, token_of
from tests.conftest import submit

NEW_MEMBER = {
    "email": "Lin@Example.com",
    "name": "Lin Chen",
    "role": "catalogue_manager",
    "password": "a long passphrase",
    "confirm_password": "a long passphrase",
}


def test_owner_adds_a_staff_member_who_can_then_sign_in_with_that_role(admin, signed_in):
    owner = signed_in("owner")
    response = submit(owner, "/staff/new", NEW_MEMBER)
    assert response.status_code == 302 and response.headers["Location"] == "/staff"
    assert staff_rows(admin)["lin@example.com"] == ("catalogue_manager", "active")

    html = owner.get("/staff").get_data(as_text=True)
    assert "Lin Chen can now sign in as catalogue manager." in html
    row = html.split("<td>lin@example.com</td>", 1)[1].split("</tr>", 1)[0]
    assert "Lin Chen" in row
    assert '<span class="badge badge-catalogue-manager">Catalogue manager</span>' in row
    assert '<span class="badge badge-active">Active</span>' in row
    assert 'aria-label="Disable Lin Chen"' in row and "data-confirm=" in row

    lin = admin.test_client()
    assert sign_in(lin, "lin@example.com", "a long passphrase").status_code == 302
    assert lin.get("/staff").status_code == 403


def test_staff_page_lists_everyone_with_the_owners_own_row_marked_and_without_a_disable_button(signed_in, make_staff):
    owner = signed_in("owner")
    make_staff("sam@example.com", "support", name="Sam Support")
    html = owner.get("/staff").get_data(as_text=True)
    assert html.count("<h1") == 1 and "<h1>Staff</h1>" in html
    own_row = html.split("<td>owner@example.com</td>", 1)[1].split("</tr>", 1)[0]
    assert "(you)" in own_row and "<form" not in own_row
    assert 'aria-label="Disable Sam Support"' in html


def test_bad_staff_form_keeps_the_input_and_shows_errors_next_to_the_fields(admin, signed_in):
    owner = signed_in("owner")
    response = submit(
        owner,
        "/staff/new",
        {"email": "not-an-email", "name": "", "role": "support", "password": "short", "confirm_password": "different"},
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="email-error"' in html and "Enter a valid email address." in html
    assert 'id="name-error"' in html and "Enter their name." in html
    assert 'id="password-error"' in html and "between 8 and 128" in html
    assert 'id="confirm_password-error"' in html and "The two passwords do not match." in html
    assert 'value="not-an-email"' in html
    assert '<option selected value="support">' in html
    assert "short" not in html.split("<main", 1)[1] and "different" not in html.split("<main", 1)[1]
    assert 'class="error-summary"' in html
    assert "not-an-email" not in staff_rows(admin)


def test_an_unknown_role_is_refused_next_to_the_role_field(admin, signed_in):
    response = submit(signed_in("owner"), "/staff/new", {**NEW_MEMBER, "role": "root"})
    assert response.status_code == 422
    assert 'id="role-error"' in response.get_data(as_text=True)
    assert "lin@example.com" not in staff_rows(admin)


def test_an_email_already_in_use_is_refused_next_to_the_email_field_whatever_its_case(admin, signed_in):
    owner = signed_in("owner")
    response = submit(owner, "/staff/new", {**NEW_MEMBER, "email": "OWNER@example.com"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="email-error"' in html and "already exists" in html
    assert len(staff_rows(admin)) == 1


def test_staff_form_post_without_csrf_token_is_refused_and_creates_nothing(admin, signed_in):
    response = signed_in("owner").post("/staff/new", data=NEW_MEMBER)
    assert response.status_code == 400
    assert "lin@example.com" not in staff_rows(admin)


def test_disabling_a_staff_member_ends_their_sessions_at_once(admin, signed_in, make_staff):
    owner = signed_in("owner")
    sam_id = make_staff("sam@example.com", "support")
    laptop, phone = admin.test_client(), admin.test_client()
    for browser in (laptop, phone):
        assert sign_in(browser, "sam@example.com").status_code == 302
        assert browser.get("/").status_code == 200
    assert open_sessions(admin, sam_id) == 2

    response = owner.post(f"/staff/{sam_id}/disable", data={"csrf_token": token_of(owner)}, follow_redirects=True)
    assert "Sam is disabled and has been signed out everywhere." in response.get_data(as_text=True)
    assert staff_rows(admin)["sam@example.com"] == ("support", "disabled")
    assert open_sessions(admin, sam_id) == 0
    for browser in (laptop, phone):
        response = browser.get("/")
        assert response.status_code == 302 and response.headers["Location"].startswith("/signin")


def test_a_re_enabled_staff_member_signs_in_afresh(admin, signed_in, make_staff):
    owner = signed_in("owner")
    sam_id = make_staff("sam@example.com", "support")
    old_browser = admin.test_client()
    sign_in(old_browser, "sam@example.com")
    owner.post(f"/staff/{sam_id}/disable", data={"csrf_token": token_of(owner)})
    html = owner.get("/staff").get_data(as_text=True)
    assert '<span class="badge badge-disabled">Disabled</span>' in html and 'aria-label="Re-enable Sam"' in html

    response = owner.post(f"/staff/{sam_id}/enable", data={"csrf_token": token_of(owner)}, follow_redirects=True)
    assert "Sam can sign in again." in response.get_data(as_text=True)
    assert staff_rows(admin)["sam@example.com"] == ("support", "active")
    assert old_browser.get("/").status_code == 302  # the session ended by disabling does not come back
    assert sign_in(admin.test_client(), "sam@example.com").status_code == 302


def test_an_owner_cannot_disable_themself(admin, signed_in, make_staff):
    owner = signed_in("owner")
    make_staff("second@example.com", "owner")
    with admin.app_context():
        own_id = db.session.scalar(sa.select(Staff.id).where(Staff.email == "owner@example.com"))
    response = owner.post(f"/staff/{own_id}/disable", data={"csrf_token": token_of(owner)}, follow_redirects=True)
    assert "You cannot disable your own account." in response.get_data(as_text=True)
    assert staff_rows(admin)["owner@example.com"] == ("owner", "active")


def test_the_last_active_owner_cannot_be_disabled(admin, signed_in):
    owner = signed_in("owner", email="only@example.com")
    with admin.app_context():
        own_id = db.session.scalar(sa.select(Staff.id))
    response = owner.post(f"/staff/{own_id}/disable", data={"csrf_token": token_of(owner)}, follow_redirects=True)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Only is the last active owner and cannot be disabled. Add another owner first." in html
    assert staff_rows(admin)["only@example.com"] == ("owner", "active")

    # Nor from the command line, where there is no acting owner to protect.
    with admin.app_context(), pytest.raises(Conflict, match="last active owner"):
        operations.disable_staff(db.session.get(Staff, own_id), actor=None)


def test_two_owners_disabling_each_other_at_the_same_moment_leave_one_active_owner(admin, make_staff):
    first_id, second_id = make_staff("first@example.com"), make_staff("second@example.com")
    first_done, release_first = threading.Event(), threading.Event()
    outcome: dict[str, str] = {}

    def first_disables_second() -> None:
        with admin.app_context():
            operations.disable_staff(db.session.get(Staff, second_id), actor=db.session.get(Staff, first_id))
            first_done.set()
            release_first.wait(10)  # hold the owner locks while the other owner tries
            db.session.commit()
            outcome["first"] = "disabled second"

    def second_disables_first() -> None:
        first_done.wait(10)
        with admin.app_context():
            try:
                operations.disable_staff(db.session.get(Staff, first_id), actor=db.session.get(Staff, second_id))
                db.session.commit()
                outcome["second"] = "disabled first"
            except Conflict as exc:
                db.session.rollback()
                outcome["second"] = exc.message

    threads = [threading.Thread(target=first_disables_second), threading.Thread(target=second_disables_first)]
    for thread in threads:
        thread.start()
    first_done.wait(10)
    time.sleep(0.3)  # let the second owner reach the lock before the first commits
    release_first.set()
    for thread in threads:
        thread.join(15)

    assert outcome["first"] == "disabled second"
    assert "last active owner" in outcome["second"]
    assert staff_rows(admin) == {"first@example.com": ("owner", "active"), "second@example.com": ("owner", "disabled")}


def test_disabling_someone_already_disabled_is_refused_with_a_message(admin, signed_in, make_staff):
    owner = signed_in("owner")
    sam_id = make_staff("sam@example.com", "support", name="Sam", status="disabled")
    response = owner.post(f"/staff/{sam_id}/disable", data={"csrf_token": token_of(owner)}, follow_redirects=True)
    assert "Sam is already disabled." in response.get_data(as_text=True)


def test_actions_on_an_unknown_staff_member_are_not_found(signed_in):
    owner = signed_in("owner")
    assert owner.post("/staff/9999/disable", data={"csrf_token": token_of(owner)}).status_code == 404


def test_database_refuses_roles_and_statuses_outside_the_lists(admin, make_staff):
    staff_id = make_staff("sam@example.com", "support")
    for column, value in (("role", "root"), ("status", "deleted")):
        with admin.app_context(), pytest.raises(sa.exc.IntegrityError, match=f"ck_staff_{column}"):
            db.session.execute(sa.text(f"UPDATE staff SET {column} = :v WHERE id = :id"), {"v": value, "id": staff_id})
