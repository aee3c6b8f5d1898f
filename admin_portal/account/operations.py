"""Writes on a staff member's two-factor sign-in and the owners' rule. Operations flush; the request commits.

Codes are TOTP (RFC 6238: six digits, 30-second steps, one step of clock drift either way). Wrong codes
are throttled like passwords, under the key "totp:<email>"; a code once accepted is refused again.
"""

from __future__ import annotations

import hmac
from datetime import datetime
from typing import Any

import pyotp
from flask import g

from admin_portal import audit
from admin_portal.account.models import PlatformSetting
from admin_portal.account.queries import REQUIRE_FOR_OWNERS, owners_must_use_two_factor
from admin_portal.extensions import db
from admin_portal.staff.models import Staff
from common_core import auth
from common_core.db import utcnow
from common_core.errors import Conflict, FieldError, NotAllowed

WRONG_CODE = "That code is not right. Enter the newest 6-digit code from your authenticator app."


def start_enrolment(staff: Staff, *, actor: Any) -> str:
    """Give the staff member a new secret to add to their app; two-factor is on once they confirm a code."""
    _require_self(staff, actor)
    if staff.two_factor_enabled:
        raise Conflict("Two-factor sign-in is already on.")
    staff.totp_secret = pyotp.random_base32()
    staff.totp_last_step = None
    db.session.flush()
    audit.record(
        actor, "staff.two_factor_setup_started", "staff", staff.id, {"two_factor": "off"}, {"two_factor": "pending"}
    )
    return staff.totp_secret


def confirm_enrolment(staff: Staff, code: str, *, actor: Any) -> None:
    """Turn two-factor on, proving the app has the secret with a current code."""
    _require_self(staff, actor)
    if staff.two_factor_enabled:
        raise Conflict("Two-factor sign-in is already on.")
    if not staff.totp_secret:
        raise Conflict("Start the set-up first.")
    verify_code(staff, code)
    staff.totp_enabled_at = utcnow()
    db.session.flush()
    audit.record(actor, "staff.two_factor_enabled", "staff", staff.id, {"two_factor": "off"}, {"two_factor": "on"})


def disable_two_factor(staff: Staff, code: str, *, actor: Any) -> None:
    """Turn two-factor off with a current code; refused for owners while the platform requires it."""
    _require_self(staff, actor)
    if not staff.two_factor_enabled:
        raise Conflict("Two-factor sign-in is already off.")
    if staff.role == "owner" and owners_must_use_two_factor():
        raise NotAllowed("Owners must use two-factor sign-in on this platform, so it cannot be turned off.")
    verify_code(staff, code)
    _clear(staff)
    audit.record(actor, "staff.two_factor_disabled", "staff", staff.id, {"two_factor": "on"}, {"two_factor": "off"})


def reset_two_factor(staff: Staff, *, actor: Any) -> bool:
    """Take two-factor off an account whose device is lost (command line); the next sign-in needs only the password."""
    if staff.totp_secret is None and staff.totp_enabled_at is None:
        return False
    before = "on" if staff.two_factor_enabled else "pending"
    _clear(staff)
    audit.record(actor, "staff.two_factor_reset", "staff", staff.id, {"two_factor": before}, {"two_factor": "off"})
    return True


def set_owners_requirement(required: bool, *, actor: Any) -> bool:
    """Switch "owners must use two-factor"; only an owner who uses it may. False when nothing changed."""
    if actor is None or actor.role != "owner":
        raise NotAllowed("Only an owner can change this setting.")
    if not actor.two_factor_enabled:
        raise NotAllowed("Turn on two-factor sign-in for your own account first.")
    before = owners_must_use_two_factor()
    if before == required:
        return False
    setting = db.session.get(PlatformSetting, REQUIRE_FOR_OWNERS)
    if setting is None:
        setting = PlatformSetting(key=REQUIRE_FOR_OWNERS)
        db.session.add(setting)
    setting.value = required
    setting.updated_by = actor.id
    db.session.flush()
    g.owners_need_2fa = required
    audit.record(actor, "setting.changed", "setting", REQUIRE_FOR_OWNERS, {"value": before}, {"value": required})
    return True


def verify_code(staff: Staff, code: str, *, now: datetime | None = None) -> None:
    """Accept a current code once, or raise (Throttled after too many wrong ones; FieldError("code") if wrong).

    The attempt is recorded either way: a caller refusing the code commits, so throttling sees it.
    """
    key = f"totp:{staff.email}"
    auth.check_throttle(key)
    step = matching_step(staff.totp_secret or "", code, now=now)
    # A step at or before the last one accepted is a replay of a code already used.
    ok = step is not None and (staff.totp_last_step is None or step > staff.totp_last_step)
    auth.record_attempt(key, succeeded=ok)
    if not ok:
        raise FieldError("code", WRONG_CODE)
    staff.totp_last_step = step
    db.session.flush()


def matching_step(secret: str, code: str, *, now: datetime | None = None) -> int | None:
    """The 30-second step (now, or one either side for clock drift) whose code is `code`, if any."""
    code = "".join(code.split())
    if not secret or len(code) != 6 or not code.isdigit():
        return None
    totp = pyotp.TOTP(secret)
    current = totp.timecode(now or utcnow())
    for step in (current - 1, current, current + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def _clear(staff: Staff) -> None:
    staff.totp_secret = None
    staff.totp_enabled_at = None
    staff.totp_last_step = None
    db.session.flush()


def _require_self(staff: Staff, actor: Any) -> None:
    # Each staff member sets up their own second factor; nobody else can hold their device.
    if actor is None or actor.id != staff.id:
        raise NotAllowed("Only the staff member can change their own two-factor sign-in.")
