"""Categories: the platform's two-level tree, owned here and copied to the other services by event."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from admin_portal.extensions import db

CATEGORY_STATUSES = ("active", "retired")
NAME_MAX = 80
SLUG_MAX = 100


class Category(db.Model):
    __tablename__ = "category"
    __table_args__ = (
        sa.CheckConstraint(f"status IN {CATEGORY_STATUSES}", name="status"),
        sa.CheckConstraint("parent_id IS NULL OR parent_id <> id", name="not_own_parent"),
        sa.CheckConstraint("position >= 1", name="position_positive"),
        sa.CheckConstraint("slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$'", name="slug_format"),
        sa.Index("ix_category_parent_position", "parent_id", "position"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(NAME_MAX))
    # Part of shop addresses: unique across the tree, retired categories included, so old links never
    # point at a different category.
    slug: Mapped[str] = mapped_column(sa.String(SLUG_MAX), unique=True)
    parent_id: Mapped[int | None] = mapped_column(sa.ForeignKey("category.id"))
    # 1-based order among active siblings; retired categories keep their last position.
    position: Mapped[int] = mapped_column(sa.Integer)
    status: Mapped[str] = mapped_column(sa.String(16), default="active", server_default="active")
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), server_default=sa.func.now())
    updated_at: Mapped[datetime] = mapped_column(
        sa.DateTime(timezone=True), server_default=sa.func.now(), onupdate=sa.func.now()
    )

    parent: Mapped[Category | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[Category]] = relationship(back_populates="parent", order_by="Category.position")

    @property
    def is_active(self) -> bool:
        return self.status == "active"

    @property
    def is_top_level(self) -> bool:
        return self.parent_id is None

    @property
    def active_children(self) -> list[Category]:
        return [child for child in self.children if child.is_active]

    def state(self) -> dict[str, Any]:
        """What the audit log records before and after a change."""
        return {
            "name": self.name,
            "slug": self.slug,
            "parent_id": self.parent_id,
            "position": self.position,
            "status": self.status,
        }

    def __repr__(self) -> str:
        return f"<Category {self.id} {self.slug} parent={self.parent_id} pos={self.position}>"
