"""Two-factor sign-in (TOTP) for staff: enrolment, the code step, throttling, and owners made to use it."""

from __future__ import annotations

import time

import pyotp
import pytest

from tests.admin_portal.conftest import PASSWORD, audit_entries, rows, sign_in, token_of
from tests.admin_portal.test_admin_pages import assert_well_formed
from tests.conftest import csrf_from, submit


def secret_of(admin, email: str) -> str | None:
    return rows(admin, "SELECT totp_secret FROM staff WHERE email = :e", e=email)[0].totp_secret


def code(secret: str, steps: int = 0) -> str:
    """The code of the current 30-second step, or of a step before or after it (within the drift allowed)."""
    return pyotp.TOTP(secret).at(time.time() + 30 * steps)


def wrong(secret: str) -> str:
    right = {code(secret, n) for n in (-1, 0, 1)}
    return next(c for c in ("000000", "111111", "222222", "333333") if c not in right)


def enrol(client, admin, email: str) -> str:
    """Turn two-factor on for the signed-in client's account; returns its secret."""
    token = csrf_from(client.get("/account/two-factor").get_data(as_text=True))  # the one page open to all
    assert client.post("/account/two-factor/start", data={"csrf_token": token}).status_code == 302
    secret = secret_of(admin, email)
    response = submit(
        client, "/account/two-factor", {"confirm-code": code(secret)}, post_url="/account/two-factor/confirm"
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    return secret


def password_step(client, email: str):
    return sign_in(client, email)


def code_step(client, value: str):
    return submit(client, "/signin/code", {"code": value})


def test_a_staff_member_sets_up_two_factor_with_a_key_shown_as_text(admin, signed_in):
    client = signed_in("support")
    html = client.get("/account/two-factor").get_data(as_text=True)
    assert "It is off" in html
    assert_well_formed(html)
    client.post("/account/two-factor/start", data={"csrf_token": token_of(client)})
    secret = secret_of(admin, "support@example.com")
    html = client.get("/account/two-factor").get_data(as_text=True)
    assert " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)) in html
    assert f"otpauth://totp/Marketplace%20Admin:support%40example.com?secret={secret}" in html
    assert_well_formed(html)

    response = submit(
        client, "/account/two-factor", {"confirm-code": wrong(secret)}, post_url="/account/two-factor/confirm"
    )
    assert response.status_code == 422
    assert "That code is not right" in response.get_data(as_text=True)
    assert_well_formed(response.get_data(as_text=True))

    response = submit(
        client, "/account/two-factor", {"confirm-code": code(secret)}, post_url="/account/two-factor/confirm"
    )
    assert response.status_code == 302
    assert "It is on" in client.get("/account/two-factor").get_data(as_text=True)
    actions = [e.action for e in audit_entries(admin, "staff")]
    assert actions[-2:] == ["staff.two_factor_setup_started", "staff.two_factor_enabled"]
    assert all(secret not in str(e.after) for e in audit_entries(admin, "staff"))


def test_once_enabled_sign_in_asks_for_the_code_after_the_password(admin, signed_in):
    client = signed_in("analyst")
    secret = enrol(client, admin, "analyst@example.com")
    client.post("/signout", data={"csrf_token": token_of(client)})

    response = password_step(client, "analyst@example.com")
    assert response.status_code == 302 and response.headers["Location"] == "/signin/code"
    page = client.get("/signin/code").get_data(as_text=True)
    assert "Enter your sign-in code" in page
    assert_well_formed(page)
    response = code_step(client, code(secret, 1))  # the code used to enrol cannot be used again
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert client.get("/").status_code == 200


@pytest.mark.parametrize("path", ["/", "/ledger", "/health", "/account/two-factor", "/staff"])
def test_a_half_signed_in_session_opens_no_page(admin, signed_in, path):
    client = signed_in("owner")
    enrol(client, admin, "owner@example.com")
    client.post("/signout", data={"csrf_token": token_of(client)})
    assert password_step(client, "owner@example.com").status_code == 302
    response = client.get(path)
    assert response.status_code == 302 and response.headers["Location"].startswith("/signin")


def test_a_wrong_code_is_refused_and_repeated_wrong_codes_are_throttled(admin, signed_in):
    client = signed_in("support")
    secret = enrol(client, admin, "support@example.com")
    client.post("/signout", data={"csrf_token": token_of(client)})
    password_step(client, "support@example.com")

    for _ in range(5):
        response = code_step(client, wrong(secret))
        assert response.status_code == 422
        assert "That code is not right" in response.get_data(as_text=True)
    response = code_step(client, code(secret, 1))  # even the right code now waits
    assert response.status_code == 429
    assert "Too many failed sign-in attempts" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302
    attempts = rows(
        admin,
        "SELECT count(*) AS n FROM login_attempt WHERE account_key = 'totp:support@example.com' AND NOT succeeded",
    )
    assert attempts[0].n == 5


def test_a_code_already_used_is_refused(admin, signed_in):
    client = signed_in("support")
    secret = enrol(client, admin, "support@example.com")
    client.post("/signout", data={"csrf_token": token_of(client)})
    used = code(secret, 1)
    password_step(client, "support@example.com")
    assert code_step(client, used).status_code == 302
    client.post("/signout", data={"csrf_token": token_of(client)})
    password_step(client, "support@example.com")
    assert code_step(client, used).status_code == 422


def test_the_code_step_expires_and_sends_back_to_the_password(admin, signed_in, monkeypatch):
    client = signed_in("support")
    secret = enrol(client, admin, "support@example.com")
    client.post("/signout", data={"csrf_token": token_of(client)})
    password_step(client, "support@example.com")
    monkeypatch.setitem(admin.config, "TOTP_SIGNIN_LIFETIME", -1)
    response = client.get("/signin/code")
    assert response.status_code == 302 and response.headers["Location"] == "/signin"
    token = csrf_from(client.get("/signin").get_data(as_text=True))
    response = client.post("/signin/code", data={"code": code(secret, 1), "csrf_token": token})
    assert response.status_code == 302 and response.headers["Location"] == "/signin"


def test_a_staff_member_turns_two_factor_off_with_a_current_code(admin, signed_in):
    client = signed_in("support")
    secret = enrol(client, admin, "support@example.com")
    response = submit(
        client, "/account/two-factor", {"disable-code": code(secret, 1)}, post_url="/account/two-factor/disable"
    )
    assert response.status_code == 302
    assert secret_of(admin, "support@example.com") is None
    client.post("/signout", data={"csrf_token": token_of(client)})
    assert password_step(client, "support@example.com").headers["Location"] == "/"


def test_when_required_an_owner_without_two_factor_must_enrol_before_anything_else(admin, signed_in, make_staff):
    first = signed_in("owner", "first@example.com")
    secret = enrol(first, admin, "first@example.com")
    response = first.post("/account/two-factor/owners", data={"required": "on", "csrf_token": token_of(first)})
    assert response.status_code == 302
    assert audit_entries(admin, "setting")[-1].after == {"value": True}
    # The owner who switched it on keeps it: it cannot be turned off now.
    html = first.get("/account/two-factor").get_data(as_text=True)
    assert "cannot be turned off" in html and "account/two-factor/disable" not in html
    response = first.post(
        "/account/two-factor/disable", data={"disable-code": code(secret, 1), "csrf_token": token_of(first)}
    )
    assert response.status_code == 403

    make_staff("second@example.com", "owner")
    second = admin.test_client()
    response = sign_in(second, "second@example.com")
    assert response.status_code == 302 and response.headers["Location"] == "/account/two-factor"
    for path in ("/", "/staff", "/ledger", "/vendors"):
        response = second.get(path)
        assert response.status_code == 302 and response.headers["Location"] == "/account/two-factor", path
    html = second.get("/account/two-factor").get_data(as_text=True)
    assert "Owners must use two-factor sign-in" in html
    menu = html.split('class="site-nav-main"', 1)[1].split("</div>", 1)[0]
    assert "<a " not in menu  # nothing to go to yet
    assert_well_formed(html)

    enrol(second, admin, "second@example.com")
    assert second.get("/").status_code == 200


def test_the_owners_rule_does_not_apply_to_other_roles(admin, signed_in):
    owner = signed_in("owner")
    enrol(owner, admin, "owner@example.com")
    owner.post("/account/two-factor/owners", data={"required": "on", "csrf_token": token_of(owner)})
    assert signed_in("support").get("/").status_code == 200


def test_only_an_owner_using_two_factor_can_require_it(admin, signed_in):
    owner = signed_in("owner")
    response = owner.post("/account/two-factor/owners", data={"required": "on", "csrf_token": token_of(owner)})
    assert response.status_code == 403
    support = signed_in("support")
    response = support.post("/account/two-factor/owners", data={"required": "on", "csrf_token": token_of(support)})
    assert response.status_code == 403
    assert rows(admin, "SELECT count(*) AS n FROM platform_setting")[0].n == 0


def test_the_command_line_resets_two_factor_for_a_lost_device(admin, signed_in):
    client = signed_in("support")
    enrol(client, admin, "support@example.com")
    result = admin.test_cli_runner().invoke(args=["reset-two-factor", "support@example.com"])
    assert result.exit_code == 0, result.output
    assert "Two-factor sign-in is off for support@example.com" in result.output
    assert secret_of(admin, "support@example.com") is None
    assert audit_entries(admin, "staff")[-1].action == "staff.two_factor_reset"
    fresh = admin.test_client()
    assert sign_in(fresh, "support@example.com", PASSWORD).headers["Location"] == "/"
