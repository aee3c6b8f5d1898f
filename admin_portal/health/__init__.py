"""System health: each service's readiness, outbox backlog and dead deliveries, with a retry for the dead."""

from flask import Flask


def init_app(app: Flask) -> None:
    from admin_portal.health.routes import bp

    app.register_blueprint(bp)
