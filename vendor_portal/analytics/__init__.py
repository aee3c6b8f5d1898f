"""Sales analytics for the vendor: revenue, orders, units, views and conversion."""

from flask import Flask


def init_app(app: Flask) -> None:
    from vendor_portal.analytics import events, internal  # noqa: F401 - they register handlers and endpoints
    from vendor_portal.analytics.routes import bp

    app.register_blueprint(bp)
