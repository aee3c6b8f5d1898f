"""The vendor's own products: drafting, editing, options and variants, images, publishing and withdrawing."""

from flask import Flask


def init_app(app: Flask) -> None:
    from vendor_portal.catalog import admin_internal, events, internal  # noqa: F401 - they register handlers and endpoints
    from vendor_portal.catalog.image_routes import media_bp
    from vendor_portal.catalog.routes import bp

    app.register_blueprint(bp)
    app.register_blueprint(media_bp)
