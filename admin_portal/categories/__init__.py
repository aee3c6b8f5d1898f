"""The category tree (two levels) that vendors file products under and shoppers browse by."""

from flask import Flask


def init_app(app: Flask) -> None:
    from admin_portal.categories.routes import bp

    app.register_blueprint(bp)
