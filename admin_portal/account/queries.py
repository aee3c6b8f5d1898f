"""Read-only lookups for two-factor sign-in and the platform setting that requires it for owners."""

from __future__ import annotations

from typing import Any

import pyotp
from flask import g

from admin_portal.account.models import PlatformSetting
from admin_portal.extensions import db

REQUIRE_FOR_OWNERS = "require_two_factor_for_owners"
ISSUER = "Marketplace Admin"


def owners_must_use_two_factor() -> bool:
    if "owners_need_2fa" not in g:
        setting = db.session.get(PlatformSetting, REQUIRE_FOR_OWNERS)
        g.owners_need_2fa = bool(setting and setting.value)
    return g.owners_need_2fa


def must_enrol(staff: Any) -> bool:
    """An owner without two-factor while the platform requires it: may open nothing but the enrolment."""
    return staff.role == "owner" and not staff.two_factor_enabled and owners_must_use_two_factor()


def provisioning_uri(staff: Any) -> str:
    """The otpauth:// address authenticator apps accept (typed in or pasted, no QR code needed)."""
    return pyotp.TOTP(staff.totp_secret).provisioning_uri(name=staff.email, issuer_name=ISSUER)


def grouped_secret(secret: str) -> str:
    """The secret in groups of four, easier to type into an app by hand."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))
