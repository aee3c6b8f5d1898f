"""The admin's read model of vendors, plus the commission rate, which the admin owns."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from admin_portal.extensions import db

VENDOR_STATUSES = ("pending", "approved", "suspended", "rejected")
STATUS_LABELS = {"pending": "Pending", "approved": "Approved", "suspended": "Suspended", "rejected": "Rejected"}
DEFAULT_COMMISSION = Decimal("10.00")
COMMISSION_MAX = Decimal("100.00")


class VendorSummary(db.Model):
    """One row per vendor, kept from vendor.upserted / vendor.status_changed (the vendor portal is the source)."""

    __tablename__ = "vendor_summary"
    __table_args__ = (
        sa.CheckConstraint(f"status IN {VENDOR_STATUSES}", name="status"),
        sa.CheckConstraint("commission_rate >= 0 AND commission_rate <= 100", name="commission_rate_percent"),
        sa.Index("ix_vendor_summary_status_signed_up", "status", "signed_up_at"),
    )

    # The vendor portal's id: this table mirrors its rows, so it never generates its own.
    vendor_id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=False)
    store_name: Mapped[str] = mapped_column(sa.String(120))
    slug: Mapped[str | None] = mapped_column(sa.String(140))
    email: Mapped[str | None] = mapped_column(sa.String(320))
    status: Mapped[str] = mapped_column(sa.String(16))
    reason: Mapped[str | None] = mapped_column(sa.Text)
    signed_up_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    commission_rate: Mapped[Decimal] = mapped_column(
        sa.Numeric(5, 2), default=DEFAULT_COMMISSION, server_default=str(DEFAULT_COMMISSION)
    )
    # occurred_at of the newest event applied: an older event arriving late must not undo a newer one.
    last_event_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(
        sa.DateTime(timezone=True), server_default=sa.func.now(), onupdate=sa.func.now()
    )

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]

    def decision_state(self) -> dict[str, Any]:
        """What the audit log records around a status decision."""
        return {"status": self.status, "reason": self.reason}

    def __repr__(self) -> str:
        return f"<VendorSummary {self.vendor_id} {self.store_name!r} {self.status}>"
