"""Ledger entries: signed amounts from the vendor's side (credit > 0: owed to the vendor; debit < 0)."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from admin_portal.extensions import db
from common_core.db import Money

CREDITS = ("sale", "commission_refund")
DEBITS = ("commission", "refund", "payout")
ENTRY_KINDS = CREDITS + DEBITS
KIND_LABELS = {
    "sale": "Sale",
    "commission": "Commission",
    "refund": "Refund",
    "commission_refund": "Commission returned",
    "payout": "Payout",
}
REFERENCE_MAX = 200


class LedgerEntry(db.Model):
    """One movement of money between the marketplace and a vendor. Never changed once written."""

    __tablename__ = "ledger_entry"
    __table_args__ = (
        sa.CheckConstraint(f"kind IN {ENTRY_KINDS}", name="kind"),
        # The sign follows the kind, so a balance is always a plain sum.
        sa.CheckConstraint(
            f"(kind IN {CREDITS} AND amount > 0) OR (kind IN {DEBITS} AND amount < 0)", name="amount_sign"
        ),
        sa.CheckConstraint("kind <> 'payout' OR reference IS NOT NULL", name="payout_reference"),
        # A line's sale and commission are written once, even if order.placed came twice under new event ids.
        sa.Index(
            "uq_ledger_entry_line_kind",
            "line_id",
            "kind",
            unique=True,
            postgresql_where=sa.text("kind IN ('sale', 'commission')"),
        ),
        sa.Index(
            "uq_ledger_entry_refund_line_kind",
            "refund_id",
            "line_id",
            "kind",
            unique=True,
            postgresql_where=sa.text("kind IN ('refund', 'commission_refund')"),
        ),
        # Balances (sum per vendor and currency) and one vendor's entries, newest first.
        sa.Index("ix_ledger_entry_vendor", "vendor_id", "currency", "id", postgresql_include=["amount", "kind"]),
    )

    id: Mapped[int] = mapped_column(sa.BigInteger, sa.Identity(), primary_key=True)
    at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), server_default=sa.func.now())
    vendor_id: Mapped[int]
    kind: Mapped[str] = mapped_column(sa.String(20))
    amount: Mapped[Decimal] = mapped_column(Money)
    currency: Mapped[str] = mapped_column(sa.CHAR(3))
    order_id: Mapped[str | None] = mapped_column(sa.String(36), index=True)
    order_number: Mapped[str | None] = mapped_column(sa.String(32))
    line_id: Mapped[str | None] = mapped_column(sa.String(36), index=True)
    refund_id: Mapped[str | None] = mapped_column(sa.String(64))
    # The vendor's commission rate (percent) when the commission was taken.
    commission_rate: Mapped[Decimal | None] = mapped_column(sa.Numeric(5, 2))
    reference: Mapped[str | None] = mapped_column(sa.String(REFERENCE_MAX))
    staff_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff.id"))
    event_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))

    @property
    def kind_label(self) -> str:
        return KIND_LABELS[self.kind]

    def __repr__(self) -> str:
        return f"<LedgerEntry {self.id} {self.kind} vendor={self.vendor_id} {self.amount} {self.currency}>"
