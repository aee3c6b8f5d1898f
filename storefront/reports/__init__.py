"""Shoppers' reports of a product, sent to admin_portal's moderation queue (the storefront keeps no copy)."""

from flask import Flask


def init_app(app: Flask) -> None:
    from storefront.reports.routes import bp

    app.register_blueprint(bp)
