"""Bulk product import from CSV, validated row by row and run in the background."""

from flask import Flask


def init_app(app: Flask) -> None:
    from vendor_portal.imports import events, internal  # noqa: F401 - they register handlers and endpoints
    from vendor_portal.imports.routes import bp

    app.register_blueprint(bp)
