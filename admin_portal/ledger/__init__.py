"""The commission ledger: what each vendor has earned, what the marketplace keeps, and what was paid out.

Append-only (a database trigger refuses UPDATE and DELETE); a vendor's balance owed is the sum of its entries.
"""

from flask import Flask


def init_app(app: Flask) -> None:
    from admin_portal.ledger.routes import bp

    app.register_blueprint(bp)
