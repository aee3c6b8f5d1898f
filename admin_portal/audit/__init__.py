"""The append-only audit log: who did what to which object, with the state before and after."""

from flask import Flask

from admin_portal.audit.operations import record

__all__ = ["init_app", "record"]


def init_app(app: Flask) -> None:
    from admin_portal.audit.routes import bp

    app.register_blueprint(bp)
