"""Customer accounts, owned by the storefront."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from common_core.auth import SessionPrincipalMixin
from storefront.extensions import db

CUSTOMER_STATUSES = ("active", "suspended")


class Customer(SessionPrincipalMixin, db.Model):
    __tablename__ = "customer"
    __table_args__ = (sa.CheckConstraint(f"status IN {CUSTOMER_STATUSES}", name="status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(320), unique=True)  # stored normalised, lower case
    name: Mapped[str] = mapped_column(sa.String(120))
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    status: Mapped[str] = mapped_column(sa.String(16), default="active", server_default="active")
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), server_default=sa.func.now())

    def __repr__(self) -> str:
        return f"<Customer {self.id} {self.email}>"
