"""Vendors as the admin sees them: a read model fed by the vendor portal's events, the approval queue,
status decisions (made through the vendor portal, which owns vendors) and each vendor's commission rate."""

from flask import Flask


def init_app(app: Flask) -> None:
    from admin_portal.vendors.routes import bp

    app.register_blueprint(bp)
