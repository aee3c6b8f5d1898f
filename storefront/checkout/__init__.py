"""Checkout: address, shipping, payment through a provider, and placing the order (the one saga)."""

from flask import Flask


def init_app(app: Flask) -> None:
    from storefront.checkout import events, internal  # noqa: F401 - they register handlers and endpoints
    from storefront.checkout.routes import bp

    app.register_blueprint(bp)
