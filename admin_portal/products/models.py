"""Moderation flags: products staff should look at, raised by keywords or by shoppers' reports.

Products themselves live in the vendor portal; a flag only names one (by the vendor portal's id) and
records the decision staff took on it. Flags are kept after the decision, so a product approved once
is not flagged again for the same text.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from admin_portal.extensions import db

FLAG_KINDS = ("keyword", "report")
FLAG_STATUSES = ("open", "approved", "hidden")
TZ = sa.DateTime(timezone=True)


class ModerationFlag(db.Model):
    __tablename__ = "moderation_flag"
    __table_args__ = (
        sa.CheckConstraint(f"kind IN {FLAG_KINDS}", name="kind"),
        sa.CheckConstraint(f"status IN {FLAG_STATUSES}", name="status"),
        sa.CheckConstraint("(status = 'open') = (decided_at IS NULL)", name="decided_unless_open"),
        # At most one open keyword flag per product: a product changed again updates it.
        sa.Index(
            "uq_moderation_flag_open_keyword",
            "product_id",
            unique=True,
            postgresql_where=sa.text("kind = 'keyword' AND status = 'open'"),
        ),
    )

    id: Mapped[int] = mapped_column(sa.BigInteger, sa.Identity(), primary_key=True)
    # The vendor portal's ids (no foreign key: products are not kept here).
    product_id: Mapped[int] = mapped_column(index=True)
    vendor_id: Mapped[int | None]
    kind: Mapped[str] = mapped_column(sa.String(16))
    status: Mapped[str] = mapped_column(sa.String(16), default="open", server_default="open")
    # The product's title when flagged, so the queue can name it even before the read model knows it.
    title: Mapped[str | None] = mapped_column(sa.String(200))
    # Keyword flags: the configured keywords found in the product's text.
    keywords: Mapped[list[str]] = mapped_column(JSONB, default=list, server_default="[]")
    # Keyword flags: SHA-256 of the text checked, so an approved text is not flagged again.
    content_digest: Mapped[str | None] = mapped_column(sa.String(64))
    # Reports: what the shopper said, who they were, and the storefront's idempotency key.
    reason: Mapped[str | None] = mapped_column(sa.Text)
    reporter: Mapped[str | None] = mapped_column(sa.String(320))
    report_id: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(TZ, server_default=sa.func.now())
    decided_at: Mapped[datetime | None] = mapped_column(TZ)
    decided_by: Mapped[int | None] = mapped_column(sa.ForeignKey("staff.id"))

    def __repr__(self) -> str:
        return f"<ModerationFlag {self.id} {self.kind} product={self.product_id} {self.status}>"
