"""The vendor's home page: the store's standing and a summary of its listings."""

from flask import Flask


def init_app(app: Flask) -> None:
    from vendor_portal.dashboard.routes import bp

    app.register_blueprint(bp)
