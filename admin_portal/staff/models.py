"""Staff accounts of the platform: who may use the admin portal, and in which role."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from admin_portal.extensions import db
from common_core.auth import SessionPrincipalMixin
from common_core.errors import InvalidTransition

STAFF_ROLES = ("owner", "catalogue_manager", "support", "analyst")
ROLE_LABELS = {"owner": "Owner", "catalogue_manager": "Catalogue manager", "support": "Support", "analyst": "Analyst"}
STAFF_STATUSES = ("active", "disabled")
# The only moves a staff account's status may make; anything else is refused.
STATUS_TRANSITIONS = {"active": frozenset({"disabled"}), "disabled": frozenset({"active"})}


class Staff(SessionPrincipalMixin, db.Model):
    __tablename__ = "staff"
    __table_args__ = (
        sa.CheckConstraint(f"role IN {STAFF_ROLES}", name="role"),
        sa.CheckConstraint(f"status IN {STAFF_STATUSES}", name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(320), unique=True)  # stored normalised, lower case
    name: Mapped[str] = mapped_column(sa.String(120))
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    role: Mapped[str] = mapped_column(sa.String(32))
    status: Mapped[str] = mapped_column(sa.String(16), default="active", server_default="active")
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), server_default=sa.func.now())
    # The TOTP secret, base32, set when enrolment starts; two-factor is on only once totp_enabled_at is set.
    # Stored as is for now. Future work: encrypt it at rest (e.g. with a key from the environment), so a
    # copy of the database alone is not enough to produce codes.
    totp_secret: Mapped[str | None] = mapped_column(sa.String(255))
    totp_enabled_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    # The newest 30-second step a code was accepted for: a code seen once is refused if replayed.
    totp_last_step: Mapped[int | None] = mapped_column(sa.BigInteger)

    @property
    def two_factor_enabled(self) -> bool:
        return self.totp_enabled_at is not None and self.totp_secret is not None

    @property
    def role_label(self) -> str:
        return ROLE_LABELS[self.role]

    def move_to(self, status: str) -> None:
        """Change the status along STATUS_TRANSITIONS, refusing any other move."""
        if status not in STATUS_TRANSITIONS[self.status]:
            raise InvalidTransition(f"{self.name} is already {self.status}.")
        self.status = status

    def __repr__(self) -> str:
        return f"<Staff {self.id} {self.email} {self.role}>"
