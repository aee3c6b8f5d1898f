"""Stock history and checkout reservations.

Stock lives on Variant (stock_on_hand, reserved). Every change to stock_on_hand is also written here
as an append-only adjustment, so stock received = stock on hand + stock sold + stock written off.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship

from vendor_portal.extensions import db

ADJUSTMENT_REASONS = ("initial", "received", "correction", "damaged", "sale", "returned", "cancelled", "import")
RESERVATION_STATUSES = ("held", "committed", "released", "expired", "refused")
TZ = sa.DateTime(timezone=True)


class StockAdjustment(db.Model):
    __tablename__ = "stock_adjustment"
    __table_args__ = (
        sa.CheckConstraint(f"reason IN {ADJUSTMENT_REASONS}", name="reason"),
        sa.CheckConstraint("delta <> 0", name="delta_not_zero"),
        sa.CheckConstraint("on_hand_after >= 0", name="on_hand_after_not_negative"),
        sa.Index("ix_stock_adjustment_variant_at", "variant_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(sa.BigInteger, sa.Identity(), primary_key=True)
    vendor_id: Mapped[int] = mapped_column(sa.ForeignKey("vendor.id", ondelete="CASCADE"), index=True)
    product_id: Mapped[int] = mapped_column(sa.ForeignKey("product.id", ondelete="CASCADE"), index=True)
    variant_id: Mapped[int] = mapped_column(sa.ForeignKey("variant.id", ondelete="CASCADE"))
    delta: Mapped[int]
    reason: Mapped[str] = mapped_column(sa.String(16))
    note: Mapped[str | None] = mapped_column(sa.Text)
    actor: Mapped[str] = mapped_column(sa.String(120))  # "vendor_user:3", "staff:admin@example.com", "order:..."
    on_hand_after: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(TZ, server_default=sa.func.now())


class Reservation(db.Model):
    """Stock held for one storefront order; idempotent on order_id (a repeat returns `outcome`)."""

    __tablename__ = "reservation"
    __table_args__ = (
        sa.CheckConstraint(f"status IN {RESERVATION_STATUSES}", name="status"),
        sa.Index("ix_reservation_held_expiry", "expires_at", postgresql_where=sa.text("status = 'held'")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[str] = mapped_column(sa.String(64), unique=True)
    status: Mapped[str] = mapped_column(sa.String(16))
    expires_at: Mapped[datetime] = mapped_column(TZ)
    outcome: Mapped[dict[str, Any]] = mapped_column(JSONB)  # the first answer, returned again on repeats
    created_at: Mapped[datetime] = mapped_column(TZ, server_default=sa.func.now())
    settled_at: Mapped[datetime | None] = mapped_column(TZ)  # committed, released or expired

    lines: Mapped[list[ReservationLine]] = relationship(back_populates="reservation", cascade="all, delete-orphan")


class ReservationLine(db.Model):
    __tablename__ = "reservation_line"
    __table_args__ = (sa.CheckConstraint("quantity > 0", name="quantity_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    reservation_id: Mapped[int] = mapped_column(sa.ForeignKey("reservation.id", ondelete="CASCADE"), index=True)
    variant_id: Mapped[int] = mapped_column(sa.ForeignKey("variant.id"), index=True)
    vendor_id: Mapped[int] = mapped_column(sa.ForeignKey("vendor.id"), index=True)
    quantity: Mapped[int]

    reservation: Mapped[Reservation] = relationship(back_populates="lines")
