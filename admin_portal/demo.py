"""Demo data for the admin portal, loaded by `make run` the first time (idempotent)."""

from __future__ import annotations

from admin_portal.extensions import db
from admin_portal.staff import operations
from admin_portal.staff.queries import staff_by_email

DEMO_PASSWORD = "admin-demo-pass"  # noqa: S105 - published demo credentials, shown on the README
DEMO_STAFF = (
    ("Avery Owner", "admin@example.com", "owner"),
    ("Casey Catalogue", "catalogue@example.com", "catalogue_manager"),
    ("Sam Support", "support@example.com", "support"),
    ("Alex Analyst", "analyst@example.com", "analyst"),
)


def seed() -> str:
    created = 0
    for name, email, role in DEMO_STAFF:
        if staff_by_email(email) is None:
            operations.create_staff(email, name, role, DEMO_PASSWORD, actor=None)
            created += 1
    db.session.commit()
    return f"{created} staff account(s) created" if created else "already loaded"
