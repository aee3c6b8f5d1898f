"""Product reviews by customers who received the product."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from storefront.extensions import db


class Review(db.Model):
    __tablename__ = "review"
    __table_args__ = (
        sa.UniqueConstraint("product_id", "customer_id"),  # once per customer and product
        sa.CheckConstraint("rating BETWEEN 1 AND 5", name="rating_range"),
        sa.CheckConstraint("char_length(btrim(body)) >= 1", name="body_not_blank"),
        sa.Index("ix_review_product_created", "product_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int]
    customer_id: Mapped[int] = mapped_column(sa.ForeignKey("customer.id", ondelete="CASCADE"), index=True)
    order_line_id: Mapped[str] = mapped_column(sa.ForeignKey("order_line.id", ondelete="CASCADE"))
    author_name: Mapped[str] = mapped_column(sa.String(120))
    rating: Mapped[int]
    body: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), server_default=sa.func.now())
