"""Stock per variant, its append-only history, low-stock lists, and checkout reservations."""

from flask import Flask


def init_app(app: Flask) -> None:
    from vendor_portal.inventory import events, internal  # noqa: F401 - they register handlers and endpoints
    from vendor_portal.inventory.routes import bp

    app.register_blueprint(bp)
