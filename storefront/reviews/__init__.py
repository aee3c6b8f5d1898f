"""Reviews by customers who received the product."""

from flask import Flask


def init_app(app: Flask) -> None:
    from storefront.reviews import events, internal  # noqa: F401 - they register handlers and endpoints
    from storefront.reviews.routes import bp

    app.register_blueprint(bp)
