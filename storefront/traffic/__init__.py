"""Page and product views, published in batches for analytics."""

from flask import Flask


def init_app(app: Flask) -> None:
    from storefront.traffic import events, internal  # noqa: F401 - they register handlers and endpoints
    from storefront.traffic.routes import bp

    app.register_blueprint(bp)
