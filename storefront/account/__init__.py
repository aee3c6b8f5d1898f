"""Customer accounts: sign-up, sign-in, sign-out, profile, address book, wishlist, and the customer
endpoints admin_portal calls (list, search, suspend, reactivate)."""

from flask import Flask
from flask_login import LoginManager

from common_core.auth import setup_login


def init_app(app: Flask, login_manager: LoginManager) -> None:
    from storefront.account import internal  # noqa: F401 - registers the customer endpoints
    from storefront.account.queries import customer_by_id
    from storefront.account.routes import bp

    setup_login(app, login_manager, customer_by_id, login_view="account.signin")
    app.register_blueprint(bp)
