"""Bulk product imports from CSV: one job per upload, validated row by row, run in the background."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from vendor_portal.extensions import db

IMPORT_STATUSES = ("queued", "running", "done", "failed")


class ImportJob(db.Model):
    __tablename__ = "import_job"
    __table_args__ = (sa.CheckConstraint(f"status IN {IMPORT_STATUSES}", name="status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    vendor_id: Mapped[int] = mapped_column(sa.ForeignKey("vendor.id", ondelete="CASCADE"), index=True)
    uploaded_by: Mapped[int] = mapped_column(sa.ForeignKey("vendor_user.id", ondelete="CASCADE"))
    filename: Mapped[str] = mapped_column(sa.String(200))
    content: Mapped[str] = mapped_column(sa.Text, deferred=True)
    status: Mapped[str] = mapped_column(sa.String(16), default="queued", server_default="queued")
    total_rows: Mapped[int] = mapped_column(default=0, server_default="0")
    processed_rows: Mapped[int] = mapped_column(default=0, server_default="0")
    created_products: Mapped[int] = mapped_column(default=0, server_default="0")
    errors: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, default=list, server_default="[]")
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), server_default=sa.func.now())
    finished_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
