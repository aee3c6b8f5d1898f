"""Read-only lookups of vendors and their users."""

from __future__ import annotations

import sqlalchemy as sa

from vendor_portal.accounts.models import Vendor, VendorStatusChange, VendorUser
from vendor_portal.extensions import db


def normalise_email(email: str) -> str:
    return email.strip().lower()


def vendor_user_by_id(user_id: int) -> VendorUser | None:
    return db.session.get(VendorUser, user_id)


def vendor_user_by_email(email: str) -> VendorUser | None:
    return db.session.scalar(sa.select(VendorUser).where(VendorUser.email == normalise_email(email)))


def vendor_by_id(vendor_id: int, *, for_update: bool = False) -> Vendor | None:
    query = sa.select(Vendor).where(Vendor.id == vendor_id)
    if for_update:
        query = query.with_for_update()
    return db.session.scalar(query)


def vendor_by_store_name(store_name: str) -> Vendor | None:
    return db.session.scalar(sa.select(Vendor).where(sa.func.lower(Vendor.store_name) == store_name.strip().lower()))


def slug_taken(slug: str) -> bool:
    return db.session.scalar(sa.select(sa.exists().where(Vendor.slug == slug))) or False


def vendors(status: str | None = None, limit: int = 100) -> list[Vendor]:
    """Vendors oldest first (the order an admin works through applications), optionally of one status."""
    query = sa.select(Vendor).order_by(Vendor.created_at, Vendor.id).limit(limit)
    if status:
        query = query.where(Vendor.status == status)
    return list(db.session.scalars(query))


def status_change_by_request(request_id: str) -> VendorStatusChange | None:
    return db.session.scalar(sa.select(VendorStatusChange).where(VendorStatusChange.request_id == request_id))
