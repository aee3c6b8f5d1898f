"""Outgoing email: queued with the change it tells about, sent (or written to var/mail) by the relay."""

from flask import Flask


def init_app(app: Flask) -> None:
    from storefront.mail import events, internal  # noqa: F401 - they register handlers and endpoints
    from storefront.mail.routes import bp

    app.register_blueprint(bp)
