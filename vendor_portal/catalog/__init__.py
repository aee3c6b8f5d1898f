"""The vendor's own products: drafting, editing, publishing to the shop and withdrawing."""

from flask import Flask


def init_app(app: Flask) -> None:
    from vendor_portal.catalog import events, internal  # noqa: F401 - they register handlers and endpoints
    from vendor_portal.catalog.routes import bp

    app.register_blueprint(bp)
