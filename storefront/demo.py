"""Demo data for the storefront, loaded by `make run` the first time (idempotent)."""

from __future__ import annotations

from storefront.account import operations
from storefront.account.queries import customer_by_email
from storefront.extensions import db

DEMO_CUSTOMER = ("Dana Shopper", "shopper@example.com", "shopper-demo-pass")


def seed() -> str:
    name, email, password = DEMO_CUSTOMER
    if customer_by_email(email) is not None:
        return "already loaded"
    operations.register_customer(name, email, password)
    db.session.commit()
    return "loaded"
