"""Orders as support staff see them: searched and read live from the storefront (which owns orders, payments
and refunds), cancelled or refunded through it, and exported as CSV; every staff action audited here."""

from flask import Flask


def init_app(app: Flask) -> None:
    from admin_portal.orders.routes import bp

    app.register_blueprint(bp)
