"""Products, their options, variants and images, and the platform's categories (a replica from admin).

The vendor portal is the truth for products and stock; the storefront keeps a copy fed by events.
Every product sells through variants: one with no options when the product has none.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship

from common_core.db import Money, utcnow
from vendor_portal.accounts.models import Vendor
from vendor_portal.extensions import db

PRODUCT_STATUSES = ("draft", "active", "archived")
CURRENCIES = ("EUR", "USD", "GBP")
IMAGE_TYPES = ("image/jpeg", "image/png", "image/webp")
TZ = sa.DateTime(timezone=True)


class Category(db.Model):
    """The platform's taxonomy as admin_portal publishes it (category.upserted / category.retired)."""

    __tablename__ = "category"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)  # admin's id
    parent_id: Mapped[int | None] = mapped_column(index=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    slug: Mapped[str] = mapped_column(sa.String(140))
    position: Mapped[int] = mapped_column(default=0, server_default="0")
    retired: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    source_updated_at: Mapped[datetime] = mapped_column(TZ)  # occurred_at of the newest event applied


class Product(db.Model):
    __tablename__ = "product"
    __table_args__ = (
        sa.CheckConstraint(f"status IN {PRODUCT_STATUSES}", name="status"),
        sa.CheckConstraint("char_length(btrim(title)) >= 1", name="title_not_blank"),
        sa.CheckConstraint("currency ~ '^[A-Z]{3}$'", name="currency_iso"),
        sa.CheckConstraint("weight_grams IS NULL OR weight_grams >= 0", name="weight_not_negative"),
        sa.CheckConstraint("low_stock_threshold >= 0", name="threshold_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    vendor_id: Mapped[int] = mapped_column(sa.ForeignKey("vendor.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str] = mapped_column(sa.Text, default="", server_default="")  # what the vendor typed
    description_html: Mapped[str] = mapped_column(sa.Text, default="", server_default="")  # sanitised (nh3)
    brand: Mapped[str | None] = mapped_column(sa.String(80))
    # No foreign key: categories are a replica and may arrive after a product names one.
    category_id: Mapped[int | None] = mapped_column(index=True)
    currency: Mapped[str] = mapped_column(sa.CHAR(3), default="EUR", server_default="EUR")
    weight_grams: Mapped[int | None]
    attributes: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict, server_default="{}")
    low_stock_threshold: Mapped[int] = mapped_column(default=5, server_default="5")
    status: Mapped[str] = mapped_column(sa.String(16), default="draft", server_default="draft")
    # Set by platform staff (moderation); a hidden product is not listed whatever its status.
    hidden_reason: Mapped[str | None] = mapped_column(sa.Text)
    hidden_at: Mapped[datetime | None] = mapped_column(TZ)
    created_at: Mapped[datetime] = mapped_column(TZ, server_default=sa.func.now())
    updated_at: Mapped[datetime] = mapped_column(TZ, server_default=sa.func.now(), onupdate=utcnow)

    vendor: Mapped[Vendor] = relationship()
    options: Mapped[list[ProductOption]] = relationship(
        back_populates="product", order_by="ProductOption.position", cascade="all, delete-orphan"
    )
    variants: Mapped[list[Variant]] = relationship(
        back_populates="product", order_by="Variant.position", cascade="all, delete-orphan"
    )
    images: Mapped[list[ProductImage]] = relationship(
        back_populates="product", order_by="ProductImage.position", cascade="all, delete-orphan"
    )

    @property
    def listed(self) -> bool:
        """Whether shoppers can see it: active, not hidden by staff, from an approved store."""
        return self.status == "active" and self.hidden_at is None and self.vendor.status == "approved"

    @property
    def active_variants(self) -> list[Variant]:
        return [v for v in self.variants if v.is_active]

    @property
    def price_from(self) -> Decimal | None:
        """The lowest price of its active variants (None while it has none)."""
        prices = [v.price for v in self.active_variants]
        return min(prices) if prices else None

    @property
    def main_image(self) -> ProductImage | None:
        return next((i for i in self.images if i.is_main), self.images[0] if self.images else None)

    def __repr__(self) -> str:
        return f"<Product {self.id} {self.title!r} {self.status}>"


class ProductOption(db.Model):
    """An option such as Size with its values; variants pick one value of each option."""

    __tablename__ = "product_option"
    __table_args__ = (sa.UniqueConstraint("product_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(sa.ForeignKey("product.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(sa.String(40))
    position: Mapped[int] = mapped_column(default=0, server_default="0")
    values: Mapped[list[str]] = mapped_column(JSONB, default=list, server_default="[]")

    product: Mapped[Product] = relationship(back_populates="options")


class Variant(db.Model):
    """What is actually sold and stocked: a SKU with its price and stock.

    available = stock_on_hand - reserved. Reserved units are held for checkouts in progress;
    committing a reservation takes them off both. The database refuses negative stock.
    """

    __tablename__ = "variant"
    __table_args__ = (
        sa.UniqueConstraint("vendor_id", "sku"),  # SKU unique per vendor
        sa.CheckConstraint("price >= 0", name="price_not_negative"),
        sa.CheckConstraint("compare_at_price IS NULL OR compare_at_price > price", name="compare_at_above_price"),
        sa.CheckConstraint("stock_on_hand >= 0", name="stock_not_negative"),
        sa.CheckConstraint("reserved >= 0 AND reserved <= stock_on_hand", name="reserved_within_stock"),
        sa.CheckConstraint("char_length(btrim(sku)) >= 1", name="sku_not_blank"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(sa.ForeignKey("product.id", ondelete="CASCADE"), index=True)
    vendor_id: Mapped[int] = mapped_column(sa.ForeignKey("vendor.id", ondelete="CASCADE"), index=True)
    sku: Mapped[str] = mapped_column(sa.String(64))
    price: Mapped[Decimal] = mapped_column(Money)
    compare_at_price: Mapped[Decimal | None] = mapped_column(Money)
    options: Mapped[dict[str, str]] = mapped_column(JSONB, default=dict, server_default="{}")
    position: Mapped[int] = mapped_column(default=0, server_default="0")
    stock_on_hand: Mapped[int] = mapped_column(default=0, server_default="0")
    reserved: Mapped[int] = mapped_column(default=0, server_default="0")
    # A variant that was ever ordered is deactivated rather than deleted, so order lines keep their link.
    is_active: Mapped[bool] = mapped_column(default=True, server_default=sa.true())
    created_at: Mapped[datetime] = mapped_column(TZ, server_default=sa.func.now())
    updated_at: Mapped[datetime] = mapped_column(TZ, server_default=sa.func.now(), onupdate=utcnow)

    product: Mapped[Product] = relationship(back_populates="variants")

    @property
    def available(self) -> int:
        return self.stock_on_hand - self.reserved

    @property
    def label(self) -> str:
        return " / ".join(self.options.values()) if self.options else "Default"


class Media(db.Model):
    """An uploaded image with its generated sizes (stored in the database: app servers stay stateless)."""

    __tablename__ = "media"
    __table_args__ = (
        sa.CheckConstraint(f"content_type IN {IMAGE_TYPES}", name="content_type"),
        sa.CheckConstraint("size_bytes > 0", name="size_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    vendor_id: Mapped[int] = mapped_column(sa.ForeignKey("vendor.id", ondelete="CASCADE"), index=True)
    sha256: Mapped[str] = mapped_column(sa.String(64), index=True)
    content_type: Mapped[str] = mapped_column(sa.String(32))
    width: Mapped[int]
    height: Mapped[int]
    size_bytes: Mapped[int]
    original: Mapped[bytes] = mapped_column(sa.LargeBinary, deferred=True)
    medium: Mapped[bytes] = mapped_column(sa.LargeBinary, deferred=True)  # at most 1000 px wide
    thumbnail: Mapped[bytes] = mapped_column(sa.LargeBinary, deferred=True)  # at most 320 px wide
    created_at: Mapped[datetime] = mapped_column(TZ, server_default=sa.func.now())


class ProductImage(db.Model):
    __tablename__ = "product_image"

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(sa.ForeignKey("product.id", ondelete="CASCADE"), index=True)
    media_id: Mapped[int] = mapped_column(sa.ForeignKey("media.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0, server_default="0")
    is_main: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    alt_text: Mapped[str] = mapped_column(sa.String(200), default="", server_default="")

    product: Mapped[Product] = relationship(back_populates="images")
    media: Mapped[Media] = relationship(lazy="joined")


# At most one main image per product.
sa.Index("uq_product_image_main", ProductImage.product_id, unique=True, postgresql_where=ProductImage.is_main)
