"""Demo data for the vendor portal, loaded by `make run` the first time (idempotent).

Stores go through the same operations as real ones, so their events reach the other services.
"""

from __future__ import annotations

from decimal import Decimal

from vendor_portal.accounts import operations as accounts
from vendor_portal.accounts.queries import vendor_user_by_email
from vendor_portal.catalog import operations as catalog
from vendor_portal.extensions import db

DEMO_PASSWORD = "vendor-demo-pass"  # noqa: S105 - published demo credentials, documented in the README
APPROVED = ("Northwind Audio", "Nora Lindqvist", "vendor@example.com")
PENDING = ("Pending Pottery", "Pat Potter", "pending@example.com")
NORTHWIND_PRODUCTS = (
    # title, description, price, status
    ("Walnut headphone stand", "Solid walnut, felt base, fits every over-ear headphone.", "39.00", "active"),
    ("Over-ear studio headphones", "Closed back, 40 mm drivers, detachable 3 m cable.", "149.90", "active"),
    ("Bluetooth bookshelf speakers (pair)", "2 x 30 W, optical and aux inputs, walnut veneer.", "229.00", "active"),
    ("Braided audio cable 1.5 m", "3.5 mm jack to jack, gold-plated contacts.", "12.50", "draft"),
    ("Vinyl cleaning kit", "Carbon-fibre brush, fluid and microfibre cloth.", "24.00", "draft"),
)


def seed() -> str:
    loaded = []
    if vendor_user_by_email(APPROVED[2]) is None:
        _seed_northwind()
        loaded.append(APPROVED[0])
    if vendor_user_by_email(PENDING[2]) is None:
        accounts.register_vendor(*PENDING, DEMO_PASSWORD)
        loaded.append(PENDING[0])
    db.session.commit()
    return f"loaded {', '.join(loaded)}" if loaded else "already loaded"


def _seed_northwind() -> None:
    owner = accounts.register_vendor(*APPROVED, DEMO_PASSWORD)
    accounts.change_status(
        owner.vendor, "approved", reason="Demo store", request_id="demo-approve-northwind", actor="demo"
    )
    for title, description, price, status in NORTHWIND_PRODUCTS:
        product = catalog.create_product(
            owner.vendor, title=title, description=description, price=Decimal(price), currency="EUR", actor=owner
        )
        if status == "active":
            catalog.publish(product, actor=owner)
