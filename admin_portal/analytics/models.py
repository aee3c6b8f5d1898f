"""Read models of the dashboard: facts copied from the storefront's and vendor portal's events.

Days are UTC days, stored next to each time (placed_on, refunded_on ...) so a period is a plain range
on an indexed date column. Traffic is kept aggregated per day, since the raw events are many.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from admin_portal.extensions import db
from common_core.db import Money

TZ = sa.DateTime(timezone=True)
ORDER_STATUSES = ("placed", "partially_cancelled", "cancelled")
FULFILMENT_STATUSES = ("acknowledged", "packed", "shipped", "delivered", "cancelled")
PRODUCT_STATUSES = ("active", "removed")


class OrderFact(db.Model):
    """One row per placed order (order.placed), its status moved by order.cancelled and order.refunded."""

    __tablename__ = "analytics_order"
    __table_args__ = (
        sa.CheckConstraint(f"status IN {ORDER_STATUSES}", name="status"),
        sa.CheckConstraint("total >= 0 AND shipping_total >= 0 AND refunded_total >= 0", name="amounts"),
        # The dashboard sums totals per day and currency over a date range: served from the index alone.
        sa.Index("ix_analytics_order_placed_on", "placed_on", "currency", postgresql_include=["total"]),
    )

    order_id: Mapped[str] = mapped_column(sa.String(36), primary_key=True)
    number: Mapped[str] = mapped_column(sa.String(32))
    placed_at: Mapped[datetime] = mapped_column(TZ)
    placed_on: Mapped[date] = mapped_column(sa.Date)
    currency: Mapped[str] = mapped_column(sa.CHAR(3))
    total: Mapped[Decimal] = mapped_column(Money)
    shipping_total: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"), server_default="0")
    customer_id: Mapped[int | None] = mapped_column(sa.BigInteger)
    email: Mapped[str | None] = mapped_column(sa.String(320))
    is_new_customer: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    status: Mapped[str] = mapped_column(sa.String(24), default="placed", server_default="placed")
    refunded_total: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"), server_default="0")
    cancelled_at: Mapped[datetime | None] = mapped_column(TZ)


class OrderLineFact(db.Model):
    """One row per order line, with the day and currency copied so top lists need no join."""

    __tablename__ = "analytics_order_line"
    __table_args__ = (
        sa.CheckConstraint("quantity > 0", name="quantity_positive"),
        sa.CheckConstraint("cancelled_quantity >= 0 AND cancelled_quantity <= quantity", name="cancelled_quantity"),
        sa.CheckConstraint("line_total >= 0 AND refunded_amount >= 0", name="amounts"),
        sa.Index(
            "ix_analytics_order_line_placed_on",
            "placed_on",
            "currency",
            postgresql_include=["quantity", "line_total", "product_id", "vendor_id", "category_id"],
        ),
    )

    line_id: Mapped[str] = mapped_column(sa.String(36), primary_key=True)
    order_id: Mapped[str] = mapped_column(sa.ForeignKey("analytics_order.order_id", ondelete="CASCADE"), index=True)
    vendor_id: Mapped[int]
    product_id: Mapped[int]
    title: Mapped[str] = mapped_column(sa.String(200))
    quantity: Mapped[int]
    unit_price: Mapped[Decimal] = mapped_column(Money)
    line_total: Mapped[Decimal] = mapped_column(Money)
    # From the product read model when the order arrived; null if the product was not known then.
    category_id: Mapped[int | None]
    currency: Mapped[str] = mapped_column(sa.CHAR(3))
    placed_on: Mapped[date] = mapped_column(sa.Date)
    cancelled_quantity: Mapped[int] = mapped_column(default=0, server_default="0")
    refunded_amount: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"), server_default="0")


class RefundFact(db.Model):
    """One row per refund (order.refunded); refund_id is the storefront's idempotency key."""

    __tablename__ = "analytics_refund"
    __table_args__ = (
        sa.CheckConstraint("amount > 0", name="amount_positive"),
        sa.Index("ix_analytics_refund_refunded_on", "refunded_on", "currency", postgresql_include=["amount"]),
    )

    id: Mapped[int] = mapped_column(sa.BigInteger, sa.Identity(), primary_key=True)
    refund_id: Mapped[str] = mapped_column(sa.String(64), unique=True)
    order_id: Mapped[str] = mapped_column(sa.String(36), index=True)
    amount: Mapped[Decimal] = mapped_column(Money)
    currency: Mapped[str] = mapped_column(sa.CHAR(3))
    refunded_at: Mapped[datetime] = mapped_column(TZ)
    refunded_on: Mapped[date] = mapped_column(sa.Date)
    reason: Mapped[str | None] = mapped_column(sa.Text)
    lines: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, default=list, server_default="[]")


class FulfilmentPart(db.Model):
    """The latest fulfilment status of each vendor's part of an order."""

    __tablename__ = "analytics_fulfilment"
    __table_args__ = (sa.CheckConstraint(f"status IN {FULFILMENT_STATUSES}", name="status"),)

    order_id: Mapped[str] = mapped_column(sa.String(36), primary_key=True)
    vendor_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    status: Mapped[str] = mapped_column(sa.String(16))
    carrier: Mapped[str | None] = mapped_column(sa.String(60))
    tracking_number: Mapped[str | None] = mapped_column(sa.String(80))
    # The newest update applied: an older one arriving late goes to the timeline only.
    updated_at: Mapped[datetime] = mapped_column(TZ)


class FulfilmentStep(db.Model):
    """Every fulfilment update received, in the order they happened: the part's timeline."""

    __tablename__ = "analytics_fulfilment_step"
    __table_args__ = (
        sa.CheckConstraint(f"status IN {FULFILMENT_STATUSES}", name="status"),
        sa.Index("ix_analytics_fulfilment_step_part", "order_id", "vendor_id", "at"),
    )

    id: Mapped[int] = mapped_column(sa.BigInteger, sa.Identity(), primary_key=True)
    order_id: Mapped[str] = mapped_column(sa.String(36))
    vendor_id: Mapped[int]
    status: Mapped[str] = mapped_column(sa.String(16))
    carrier: Mapped[str | None] = mapped_column(sa.String(60))
    tracking_number: Mapped[str | None] = mapped_column(sa.String(80))
    note: Mapped[str | None] = mapped_column(sa.Text)
    at: Mapped[datetime] = mapped_column(TZ)


class CustomerFact(db.Model):
    """One row per registered customer: only the day counts, no personal data is kept."""

    __tablename__ = "analytics_customer"

    customer_id: Mapped[int] = mapped_column(sa.BigInteger, primary_key=True, autoincrement=False)
    registered_at: Mapped[datetime] = mapped_column(TZ)
    registered_on: Mapped[date] = mapped_column(sa.Date, index=True)


class ProductSummary(db.Model):
    """A light copy of the catalogue: names and categories for the dashboard's top lists."""

    __tablename__ = "analytics_product"
    __table_args__ = (sa.CheckConstraint(f"status IN {PRODUCT_STATUSES}", name="status"),)

    product_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    vendor_id: Mapped[int] = mapped_column(index=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    category_id: Mapped[int | None]
    status: Mapped[str] = mapped_column(sa.String(16))
    # updated_at of the newest event applied, so a late older event changes nothing.
    updated_at: Mapped[datetime] = mapped_column(TZ)


class TrafficDay(db.Model):
    """Shop traffic of one UTC day: event counts, and distinct visitors at each funnel step."""

    __tablename__ = "analytics_traffic_day"

    day: Mapped[date] = mapped_column(sa.Date, primary_key=True)
    # Event counts.
    page_views: Mapped[int] = mapped_column(default=0, server_default="0")
    product_views: Mapped[int] = mapped_column(default=0, server_default="0")
    add_to_cart: Mapped[int] = mapped_column(default=0, server_default="0")
    checkout_started: Mapped[int] = mapped_column(default=0, server_default="0")
    orders_placed: Mapped[int] = mapped_column(default=0, server_default="0")
    # Distinct visitors that day, overall and at each step (kept from analytics_visitor_day).
    visitors: Mapped[int] = mapped_column(default=0, server_default="0")
    product_viewers: Mapped[int] = mapped_column(default=0, server_default="0")
    cart_adders: Mapped[int] = mapped_column(default=0, server_default="0")
    checkout_starters: Mapped[int] = mapped_column(default=0, server_default="0")
    buyers: Mapped[int] = mapped_column(default=0, server_default="0")


class VisitorDay(db.Model):
    """Which visitors were seen on a day and how far they went: what makes daily counts distinct.

    The dashboard never reads it (it reads analytics_traffic_day); rows older than any period the
    dashboard offers could be pruned.
    """

    __tablename__ = "analytics_visitor_day"

    day: Mapped[date] = mapped_column(sa.Date, primary_key=True)
    visitor: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    viewed_product: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    added_to_cart: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    started_checkout: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    placed_order: Mapped[bool] = mapped_column(default=False, server_default=sa.false())


class ProductViewDay(db.Model):
    """Views of each product per UTC day."""

    __tablename__ = "analytics_product_view_day"

    day: Mapped[date] = mapped_column(sa.Date, primary_key=True)
    product_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    views: Mapped[int] = mapped_column(default=0, server_default="0")
