"""Page and product views waiting to be published in batches (traffic.batch) for analytics."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from storefront.extensions import db

TRAFFIC_KINDS = ("page_view", "product_view", "add_to_cart", "checkout_started", "order_placed")


class TrafficEvent(db.Model):
    """No personal data: the visitor is a random id scoped to the browser session."""

    __tablename__ = "traffic_event"
    __table_args__ = (sa.CheckConstraint(f"kind IN {TRAFFIC_KINDS}", name="kind"),)

    id: Mapped[int] = mapped_column(sa.BigInteger, sa.Identity(), primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(20))
    visitor: Mapped[str] = mapped_column(sa.String(32))
    path: Mapped[str] = mapped_column(sa.String(300))
    product_id: Mapped[int | None]
    vendor_id: Mapped[int | None]
    at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), server_default=sa.func.now())
