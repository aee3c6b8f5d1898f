"""Orders as customers follow them, and the order endpoints admin_portal calls."""

from flask import Flask


def init_app(app: Flask) -> None:
    from storefront.orders import events, internal  # noqa: F401 - they register handlers and endpoints
    from storefront.orders.routes import bp

    app.register_blueprint(bp)
