"""Vendor accounts: stores, the people who sign in for them, sign-up, sign-in, sign-out and store status."""

from flask import Flask
from flask_login import LoginManager

from common_core.auth import setup_login


def init_app(app: Flask, login_manager: LoginManager) -> None:
    from vendor_portal.accounts.queries import vendor_user_by_id
    from vendor_portal.accounts.routes import bp

    setup_login(app, login_manager, vendor_user_by_id, login_view="accounts.signin")
    app.register_blueprint(bp)
