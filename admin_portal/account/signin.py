"""The half-way state of a two-factor sign-in: password checked, code not yet.

It lives in Flask's signed session cookie as a staff id, a start time and where to go next; nobody is
logged in during it (Flask-Login sees an anonymous visitor), so it opens no page but the code step.
"""

from __future__ import annotations

import time

from flask import current_app, session

from admin_portal.staff.models import Staff
from admin_portal.staff.queries import staff_by_id

KEY = "totp_pending"
DEFAULT_LIFETIME = 300  # seconds to enter the code before the password must be given again


def begin(staff: Staff, next_url: str | None) -> None:
    session.clear()  # nothing from before survives (no session fixation)
    session[KEY] = {"staff_id": staff.id, "since": int(time.time()), "next": next_url or ""}


def pending() -> tuple[Staff | None, str | None]:
    """The staff member half-way through signing in, and where they were going; (None, None) if none or expired."""
    state = session.get(KEY)
    if not isinstance(state, dict):
        return None, None
    lifetime = int(current_app.config.get("TOTP_SIGNIN_LIFETIME", DEFAULT_LIFETIME))
    if time.time() - int(state.get("since", 0)) > lifetime:
        end()
        return None, None
    staff = staff_by_id(int(state.get("staff_id", 0)))
    if staff is None or staff.status != "active" or not staff.two_factor_enabled:
        end()
        return None, None
    return staff, state.get("next") or None


def end() -> None:
    session.pop(KEY, None)
