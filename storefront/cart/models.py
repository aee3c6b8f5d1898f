"""Signed-in customers' carts (guests keep theirs in the session, see cart.operations)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from common_core.db import Money
from storefront.extensions import db

TZ = sa.DateTime(timezone=True)


class Cart(db.Model):
    __tablename__ = "cart"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(sa.ForeignKey("customer.id", ondelete="CASCADE"), unique=True)
    updated_at: Mapped[datetime] = mapped_column(TZ, server_default=sa.func.now())

    lines: Mapped[list[CartLine]] = relationship(
        back_populates="cart", order_by="CartLine.id", cascade="all, delete-orphan"
    )


class CartLine(db.Model):
    __tablename__ = "cart_line"
    __table_args__ = (
        sa.UniqueConstraint("cart_id", "variant_id"),
        sa.CheckConstraint("quantity > 0", name="quantity_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    cart_id: Mapped[int] = mapped_column(sa.ForeignKey("cart.id", ondelete="CASCADE"), index=True)
    # No foreign key to the catalogue copy: a product may leave the shop while it sits in a cart.
    variant_id: Mapped[int]
    quantity: Mapped[int]
    # The price the shopper saw when adding, to tell them when it changed.
    seen_price: Mapped[Decimal] = mapped_column(Money)
    added_at: Mapped[datetime] = mapped_column(TZ, server_default=sa.func.now())

    cart: Mapped[Cart] = relationship(back_populates="lines")
