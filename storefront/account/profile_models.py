"""A customer's address book and wishlist."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from storefront.extensions import db


class Address(db.Model):
    __tablename__ = "address"
    __table_args__ = (sa.CheckConstraint("country ~ '^[A-Z]{2}$'", name="country_iso"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(sa.ForeignKey("customer.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    line1: Mapped[str] = mapped_column(sa.String(200))
    line2: Mapped[str | None] = mapped_column(sa.String(200))
    city: Mapped[str] = mapped_column(sa.String(100))
    postcode: Mapped[str] = mapped_column(sa.String(20))
    country: Mapped[str] = mapped_column(sa.CHAR(2))
    phone: Mapped[str | None] = mapped_column(sa.String(40))
    is_default: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), server_default=sa.func.now())


# At most one default address per customer.
sa.Index("uq_address_default", Address.customer_id, unique=True, postgresql_where=sa.text("is_default"))


class WishlistItem(db.Model):
    __tablename__ = "wishlist_item"

    customer_id: Mapped[int] = mapped_column(sa.ForeignKey("customer.id", ondelete="CASCADE"), primary_key=True)
    product_id: Mapped[int] = mapped_column(primary_key=True)
    added_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), server_default=sa.func.now())
