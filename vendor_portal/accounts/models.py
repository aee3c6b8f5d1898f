"""Vendors (stores) and their users, owned by the vendor portal."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from common_core.auth import SessionPrincipalMixin
from vendor_portal.extensions import db

VENDOR_STATUSES = ("pending", "approved", "suspended", "rejected")
VENDOR_USER_STATUSES = ("active", "disabled")


class Vendor(db.Model):
    __tablename__ = "vendor"
    __table_args__ = (sa.CheckConstraint(f"status IN {VENDOR_STATUSES}", name="status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    store_name: Mapped[str] = mapped_column(sa.String(120))
    slug: Mapped[str] = mapped_column(sa.String(140), unique=True)
    contact_name: Mapped[str] = mapped_column(sa.String(120))
    phone: Mapped[str | None] = mapped_column(sa.String(40))
    email: Mapped[str] = mapped_column(sa.String(320))  # the store's contact address
    description: Mapped[str | None] = mapped_column(sa.Text)
    return_policy: Mapped[str | None] = mapped_column(sa.Text)
    status: Mapped[str] = mapped_column(sa.String(16), default="pending", server_default="pending")
    status_reason: Mapped[str | None] = mapped_column(sa.Text)
    logo_media_id: Mapped[int | None] = mapped_column(sa.ForeignKey("media.id", ondelete="SET NULL", use_alter=True))
    # Set by admin_portal (which keeps the commission ledger); percent of each sale.
    commission_rate: Mapped[Decimal] = mapped_column(sa.Numeric(5, 2), default=Decimal("10.00"), server_default="10")
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), server_default=sa.func.now())

    @property
    def can_publish(self) -> bool:
        return self.status == "approved"

    def __repr__(self) -> str:
        return f"<Vendor {self.id} {self.store_name!r} {self.status}>"


# "Acme" and "ACME" are the same store to a shopper.
sa.Index("uq_vendor_store_name_lower", sa.func.lower(Vendor.store_name), unique=True)


class VendorUser(SessionPrincipalMixin, db.Model):
    """A person who signs in for a store; the Flask-Login principal of this portal."""

    __tablename__ = "vendor_user"
    __table_args__ = (sa.CheckConstraint(f"status IN {VENDOR_USER_STATUSES}", name="status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    vendor_id: Mapped[int] = mapped_column(sa.ForeignKey("vendor.id", ondelete="CASCADE"), index=True)
    email: Mapped[str] = mapped_column(sa.String(320), unique=True)  # stored normalised, lower case
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    status: Mapped[str] = mapped_column(sa.String(16), default="active", server_default="active")
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), server_default=sa.func.now())

    # Every page shows the store's name and status: load it with the user.
    vendor: Mapped[Vendor] = relationship(lazy="joined")

    def __repr__(self) -> str:
        return f"<VendorUser {self.id} {self.email}>"


class VendorStatusChange(db.Model):
    """Append-only history of status decisions; its request_id makes the admin's call idempotent."""

    __tablename__ = "vendor_status_change"
    __table_args__ = (
        sa.CheckConstraint(f"from_status IN {VENDOR_STATUSES}", name="from_status"),
        sa.CheckConstraint(f"to_status IN {VENDOR_STATUSES}", name="to_status"),
    )

    id: Mapped[int] = mapped_column(sa.BigInteger, sa.Identity(), primary_key=True)
    vendor_id: Mapped[int] = mapped_column(sa.ForeignKey("vendor.id", ondelete="CASCADE"), index=True)
    from_status: Mapped[str] = mapped_column(sa.String(16))
    to_status: Mapped[str] = mapped_column(sa.String(16))
    reason: Mapped[str | None] = mapped_column(sa.Text)
    request_id: Mapped[str] = mapped_column(sa.String(64), unique=True)
    changed_by: Mapped[str] = mapped_column(sa.String(40))  # the calling service
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), server_default=sa.func.now())
