"""Staff accounts: sign-in, sign-out, roles and the owners' staff management."""

from flask import Flask
from flask_login import LoginManager

from common_core.auth import setup_login


def init_app(app: Flask, login_manager: LoginManager) -> None:
    from admin_portal.staff.queries import staff_by_id
    from admin_portal.staff.routes import bp

    setup_login(app, login_manager, staff_by_id, login_view="staff.signin")
    app.register_blueprint(bp)
