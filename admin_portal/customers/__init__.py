"""Customers as support staff see them: read live from the storefront (which owns them), with their orders,
and suspended or reactivated through it; every decision audited here."""

from flask import Flask


def init_app(app: Flask) -> None:
    from admin_portal.customers.routes import bp

    app.register_blueprint(bp)
