"""The shopper's cart: in the session for guests, in the database for customers."""

from flask import Flask


def init_app(app: Flask) -> None:
    from storefront.cart import events, internal  # noqa: F401 - they register handlers and endpoints
    from storefront.cart.routes import bp

    app.register_blueprint(bp)
