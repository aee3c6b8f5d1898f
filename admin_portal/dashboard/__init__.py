"""The staff's start page: platform figures, once there are orders to count."""

from flask import Flask


def init_app(app: Flask) -> None:
    from admin_portal.dashboard.routes import bp

    app.register_blueprint(bp)
