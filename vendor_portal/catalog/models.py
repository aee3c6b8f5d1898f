"""Products, owned by the vendor portal (the storefront keeps a copy fed by events)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from common_core.db import Money, utcnow
from vendor_portal.accounts.models import Vendor
from vendor_portal.extensions import db

PRODUCT_STATUSES = ("draft", "active", "archived")
CURRENCIES = ("EUR", "USD", "GBP")


class Product(db.Model):
    __tablename__ = "product"
    __table_args__ = (
        sa.CheckConstraint(f"status IN {PRODUCT_STATUSES}", name="status"),
        sa.CheckConstraint("price >= 0", name="price_not_negative"),
        sa.CheckConstraint("char_length(btrim(title)) >= 1", name="title_not_blank"),
        sa.CheckConstraint("currency ~ '^[A-Z]{3}$'", name="currency_iso"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    vendor_id: Mapped[int] = mapped_column(sa.ForeignKey("vendor.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    price: Mapped[Decimal] = mapped_column(Money)
    currency: Mapped[str] = mapped_column(sa.CHAR(3), default="EUR", server_default="EUR")
    status: Mapped[str] = mapped_column(sa.String(16), default="draft", server_default="draft")
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), server_default=sa.func.now())
    updated_at: Mapped[datetime] = mapped_column(
        sa.DateTime(timezone=True), server_default=sa.func.now(), onupdate=utcnow
    )

    vendor: Mapped[Vendor] = relationship()

    @property
    def listed(self) -> bool:
        """Whether shoppers can see it: active, from a store that is approved."""
        return self.status == "active" and self.vendor.status == "approved"

    def __repr__(self) -> str:
        return f"<Product {self.id} {self.title!r} {self.status}>"
