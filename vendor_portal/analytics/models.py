"""Read models for sales analytics: product views per day from the storefront's traffic events."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from vendor_portal.extensions import db


class ProductViewDaily(db.Model):
    __tablename__ = "product_view_daily"
    __table_args__ = (sa.Index("ix_product_view_daily_vendor_day", "vendor_id", "day"),)

    product_id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(sa.Date, primary_key=True)
    vendor_id: Mapped[int]
    views: Mapped[int] = mapped_column(default=0, server_default="0")
