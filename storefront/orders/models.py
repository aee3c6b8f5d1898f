"""Orders, their lines, each vendor's part, payments and refunds: owned by the storefront."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship

from common_core.db import Money
from storefront.extensions import db

TZ = sa.DateTime(timezone=True)
ORDER_STATUSES = ("pending", "placed", "failed", "cancelled", "partially_cancelled", "completed")
PART_STATUSES = ("placed", "acknowledged", "packed", "shipped", "delivered", "cancelled")
PAYMENT_STATUSES = ("authorised", "captured", "declined", "failed", "voided")


class Order(db.Model):
    __tablename__ = "orders"  # "order" is an SQL keyword
    __table_args__ = (
        sa.CheckConstraint(f"status IN {ORDER_STATUSES}", name="status"),
        sa.CheckConstraint("total = subtotal + shipping_total", name="total_adds_up"),
        sa.CheckConstraint("refunded_total >= 0 AND refunded_total <= total", name="refund_within_total"),
        sa.Index("ix_orders_customer_created", "customer_id", "created_at"),
        sa.Index("ix_orders_placed_at", "placed_at"),
    )

    id: Mapped[str] = mapped_column(sa.String(36), primary_key=True)  # uuid4: the idempotency key with peers
    number: Mapped[str] = mapped_column(sa.String(16), unique=True)  # what people read: MP-4F7K2Q
    # The checkout form's one-time key: a double click or a browser retry finds the same order.
    checkout_key: Mapped[str] = mapped_column(sa.String(64), unique=True)
    customer_id: Mapped[int | None] = mapped_column(sa.ForeignKey("customer.id", ondelete="SET NULL"), index=True)
    email: Mapped[str] = mapped_column(sa.String(320), index=True)
    status: Mapped[str] = mapped_column(sa.String(24), default="pending", server_default="pending")
    currency: Mapped[str] = mapped_column(sa.CHAR(3))
    subtotal: Mapped[Decimal] = mapped_column(Money)
    shipping_total: Mapped[Decimal] = mapped_column(Money)
    total: Mapped[Decimal] = mapped_column(Money)
    refunded_total: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"), server_default="0")
    shipping_method: Mapped[str] = mapped_column(sa.String(32))
    shipping_address: Mapped[dict[str, Any]] = mapped_column(JSONB)
    failure_reason: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(TZ, server_default=sa.func.now())
    placed_at: Mapped[datetime | None] = mapped_column(TZ)
    updated_at: Mapped[datetime] = mapped_column(TZ, server_default=sa.func.now())

    lines: Mapped[list[OrderLine]] = relationship(
        back_populates="order", order_by="OrderLine.position", cascade="all, delete-orphan"
    )
    parts: Mapped[list[OrderVendorPart]] = relationship(
        back_populates="order", order_by="OrderVendorPart.vendor_name", cascade="all, delete-orphan"
    )
    history: Mapped[list[OrderEvent]] = relationship(
        back_populates="order", order_by="OrderEvent.id", cascade="all, delete-orphan"
    )
    payments: Mapped[list[Payment]] = relationship(back_populates="order", order_by="Payment.id")
    refunds: Mapped[list[Refund]] = relationship(back_populates="order", order_by="Refund.created_at")


class OrderLine(db.Model):
    __tablename__ = "order_line"
    __table_args__ = (
        sa.CheckConstraint("quantity > 0", name="quantity_positive"),
        sa.CheckConstraint("cancelled_quantity >= 0 AND cancelled_quantity <= quantity", name="cancelled_within"),
        sa.CheckConstraint("refunded_amount >= 0 AND refunded_amount <= line_total", name="refund_within_line"),
        sa.Index("ix_order_line_product", "product_id"),
    )

    id: Mapped[str] = mapped_column(sa.String(36), primary_key=True)  # uuid4, shared with the vendor portal
    order_id: Mapped[str] = mapped_column(sa.ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]
    vendor_id: Mapped[int] = mapped_column(index=True)
    product_id: Mapped[int]
    variant_id: Mapped[int]
    sku: Mapped[str] = mapped_column(sa.String(64))
    title: Mapped[str] = mapped_column(sa.String(200))
    options: Mapped[dict[str, str]] = mapped_column(JSONB, default=dict, server_default="{}")
    quantity: Mapped[int]
    unit_price: Mapped[Decimal] = mapped_column(Money)
    line_total: Mapped[Decimal] = mapped_column(Money)
    cancelled_quantity: Mapped[int] = mapped_column(default=0, server_default="0")
    refunded_amount: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"), server_default="0")

    order: Mapped[Order] = relationship(back_populates="lines")


class OrderVendorPart(db.Model):
    """One vendor's share of an order as the vendor portal reports it (fulfilment.updated)."""

    __tablename__ = "order_vendor_part"
    __table_args__ = (
        sa.UniqueConstraint("order_id", "vendor_id"),
        sa.CheckConstraint(f"status IN {PART_STATUSES}", name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[str] = mapped_column(sa.ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    vendor_id: Mapped[int]
    vendor_name: Mapped[str] = mapped_column(sa.String(120))
    status: Mapped[str] = mapped_column(sa.String(16), default="placed", server_default="placed")
    carrier: Mapped[str | None] = mapped_column(sa.String(60))
    tracking_number: Mapped[str | None] = mapped_column(sa.String(80))
    updated_at: Mapped[datetime] = mapped_column(TZ, server_default=sa.func.now())

    order: Mapped[Order] = relationship(back_populates="parts")


class OrderEvent(db.Model):
    """An order's timeline (append-only), per vendor part when vendor_id is set."""

    __tablename__ = "order_event"

    id: Mapped[int] = mapped_column(sa.BigInteger, sa.Identity(), primary_key=True)
    order_id: Mapped[str] = mapped_column(sa.ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    vendor_id: Mapped[int | None]
    status: Mapped[str] = mapped_column(sa.String(32))
    note: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(TZ, server_default=sa.func.now())

    order: Mapped[Order] = relationship(back_populates="history")


class Payment(db.Model):
    """What the payment provider answered. Only its token, the card brand and last 4 digits are kept."""

    __tablename__ = "payment"
    __table_args__ = (
        sa.CheckConstraint(f"status IN {PAYMENT_STATUSES}", name="status"),
        sa.CheckConstraint("amount > 0", name="amount_positive"),
        sa.CheckConstraint("last4 IS NULL OR last4 ~ '^[0-9]{4}$'", name="last4_digits"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[str] = mapped_column(sa.ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    provider: Mapped[str] = mapped_column(sa.String(32))
    provider_token: Mapped[str | None] = mapped_column(sa.String(120))
    brand: Mapped[str | None] = mapped_column(sa.String(20))
    last4: Mapped[str | None] = mapped_column(sa.String(4))
    amount: Mapped[Decimal] = mapped_column(Money)
    currency: Mapped[str] = mapped_column(sa.CHAR(3))
    status: Mapped[str] = mapped_column(sa.String(16))
    failure_code: Mapped[str | None] = mapped_column(sa.String(40))
    created_at: Mapped[datetime] = mapped_column(TZ, server_default=sa.func.now())

    order: Mapped[Order] = relationship(back_populates="payments")


class Refund(db.Model):
    """Money given back; the id is the idempotency key (a repeated refund request returns the first)."""

    __tablename__ = "refund"
    __table_args__ = (sa.CheckConstraint("amount > 0", name="amount_positive"),)

    id: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    order_id: Mapped[str] = mapped_column(sa.ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    amount: Mapped[Decimal] = mapped_column(Money)
    currency: Mapped[str] = mapped_column(sa.CHAR(3))
    reason: Mapped[str] = mapped_column(sa.Text)
    lines: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, default=list, server_default="[]")
    actor: Mapped[str] = mapped_column(sa.String(120))  # "staff:<email>", "vendor:<id>", "customer:<id>"
    created_at: Mapped[datetime] = mapped_column(TZ, server_default=sa.func.now())

    order: Mapped[Order] = relationship(back_populates="refunds")
