"""A staff member's own account: two-factor sign-in (TOTP), and the platform rule that owners must use it."""

from __future__ import annotations

from typing import Any

from flask import Flask, redirect, request, url_for
from flask_login import current_user

# Pages an owner made to enrol may still open: signing in and out, the enrolment itself, and machinery.
OPEN_WHILE_ENROLLING = frozenset(
    {"staff.signin", "staff.signin_code", "staff.signout", "static", "common_ui.static", "healthz", "readyz"}
)


def init_app(app: Flask) -> None:
    from admin_portal.account.queries import must_enrol
    from admin_portal.account.routes import bp

    app.register_blueprint(bp)

    @app.before_request
    def require_two_factor_enrolment() -> Any:
        endpoint = request.endpoint or ""
        if request.path.startswith("/internal/") or endpoint in OPEN_WHILE_ENROLLING or endpoint.startswith("account."):
            return None
        if current_user.is_authenticated and must_enrol(current_user):
            # The enrolment page itself says why they were sent there.
            return redirect(url_for("account.two_factor"))
        return None
