"""Read-only lookups of staff accounts."""

from __future__ import annotations

import sqlalchemy as sa

from admin_portal.extensions import db
from admin_portal.staff.models import Staff


def staff_by_id(staff_id: int) -> Staff | None:
    return db.session.get(Staff, staff_id)


def staff_by_email(email: str) -> Staff | None:
    return db.session.scalar(sa.select(Staff).where(Staff.email == normalise_email(email)))


def all_staff() -> list[Staff]:
    return list(db.session.scalars(sa.select(Staff).order_by(Staff.email)))


def normalise_email(email: str) -> str:
    return email.strip().lower()
