"""The catalogue shoppers browse: the storefront's read copy of vendors' products."""

from flask import Flask


def init_app(app: Flask) -> None:
    from storefront.catalog.routes import bp

    app.register_blueprint(bp)
