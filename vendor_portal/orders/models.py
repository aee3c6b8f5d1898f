"""Each vendor's part of a storefront order: its lines, the buyer's shipping details, fulfilment."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship

from common_core.db import Money
from vendor_portal.extensions import db

VENDOR_ORDER_STATUSES = ("placed", "acknowledged", "packed", "shipped", "delivered", "cancelled")
TZ = sa.DateTime(timezone=True)


class VendorOrder(db.Model):
    __tablename__ = "vendor_order"
    __table_args__ = (
        sa.UniqueConstraint("order_id", "vendor_id"),
        sa.CheckConstraint(f"status IN {VENDOR_ORDER_STATUSES}", name="status"),
        sa.Index("ix_vendor_order_vendor_placed", "vendor_id", "placed_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[str] = mapped_column(sa.String(64), index=True)  # the storefront's order id
    number: Mapped[str] = mapped_column(sa.String(32), index=True)  # what the shopper sees, e.g. MP-240017
    vendor_id: Mapped[int] = mapped_column(sa.ForeignKey("vendor.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(sa.String(16), default="placed", server_default="placed")
    currency: Mapped[str] = mapped_column(sa.CHAR(3))
    subtotal: Mapped[Decimal] = mapped_column(Money)
    refunded_total: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"), server_default="0")
    placed_at: Mapped[datetime] = mapped_column(TZ)
    # Only what is needed to ship: never payment data.
    shipping_name: Mapped[str] = mapped_column(sa.String(120))
    shipping_address: Mapped[dict[str, Any]] = mapped_column(JSONB)
    carrier: Mapped[str | None] = mapped_column(sa.String(60))
    tracking_number: Mapped[str | None] = mapped_column(sa.String(80))
    shipped_at: Mapped[datetime | None] = mapped_column(TZ)
    updated_at: Mapped[datetime] = mapped_column(TZ, server_default=sa.func.now())

    lines: Mapped[list[VendorOrderLine]] = relationship(
        back_populates="vendor_order", order_by="VendorOrderLine.id", cascade="all, delete-orphan"
    )
    history: Mapped[list[VendorOrderEvent]] = relationship(
        back_populates="vendor_order", order_by="VendorOrderEvent.id", cascade="all, delete-orphan"
    )


class VendorOrderLine(db.Model):
    __tablename__ = "vendor_order_line"
    __table_args__ = (
        sa.CheckConstraint("quantity > 0", name="quantity_positive"),
        sa.CheckConstraint("cancelled_quantity >= 0 AND cancelled_quantity <= quantity", name="cancelled_within"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    vendor_order_id: Mapped[int] = mapped_column(sa.ForeignKey("vendor_order.id", ondelete="CASCADE"), index=True)
    line_id: Mapped[str] = mapped_column(sa.String(64))  # the storefront's order line id
    product_id: Mapped[int] = mapped_column(sa.ForeignKey("product.id", ondelete="RESTRICT"), index=True)
    variant_id: Mapped[int] = mapped_column(sa.ForeignKey("variant.id", ondelete="RESTRICT"), index=True)
    sku: Mapped[str] = mapped_column(sa.String(64))
    title: Mapped[str] = mapped_column(sa.String(200))
    options: Mapped[dict[str, str]] = mapped_column(JSONB, default=dict, server_default="{}")
    quantity: Mapped[int]
    unit_price: Mapped[Decimal] = mapped_column(Money)
    line_total: Mapped[Decimal] = mapped_column(Money)
    cancelled_quantity: Mapped[int] = mapped_column(default=0, server_default="0")

    vendor_order: Mapped[VendorOrder] = relationship(back_populates="lines")


class VendorOrderEvent(db.Model):
    """The timeline of a vendor order (append-only)."""

    __tablename__ = "vendor_order_event"

    id: Mapped[int] = mapped_column(sa.BigInteger, sa.Identity(), primary_key=True)
    vendor_order_id: Mapped[int] = mapped_column(sa.ForeignKey("vendor_order.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(sa.String(24))
    note: Mapped[str | None] = mapped_column(sa.Text)
    actor: Mapped[str] = mapped_column(sa.String(120))
    created_at: Mapped[datetime] = mapped_column(TZ, server_default=sa.func.now())

    vendor_order: Mapped[VendorOrder] = relationship(back_populates="history")
