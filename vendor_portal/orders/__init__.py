"""Each vendor's part of the storefront's orders and their fulfilment."""

from flask import Flask


def init_app(app: Flask) -> None:
    from vendor_portal.orders import events, internal  # noqa: F401 - they register handlers and endpoints
    from vendor_portal.orders.routes import bp

    app.register_blueprint(bp)
