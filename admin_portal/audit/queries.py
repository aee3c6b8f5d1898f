"""Searching the audit log: newest first, filtered by who, what, which object and when."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import sqlalchemy as sa
from flask_sqlalchemy.pagination import Pagination

from admin_portal.audit.models import AuditEntry
from admin_portal.extensions import db

PER_PAGE = 50


@dataclass(frozen=True)
class AuditSearch:
    staff_email: str | None = None
    action: str | None = None
    object_type: str | None = None
    object_id: str | None = None
    date_from: date | None = None
    date_to: date | None = None  # inclusive: the whole day counts


def search(criteria: AuditSearch, page: int = 1, per_page: int = PER_PAGE) -> Pagination:
    query = sa.select(AuditEntry)
    if criteria.staff_email:
        query = query.where(AuditEntry.staff_email.icontains(criteria.staff_email.strip(), autoescape=True))
    if criteria.action:
        query = query.where(AuditEntry.action == criteria.action)
    if criteria.object_type:
        query = query.where(AuditEntry.object_type == criteria.object_type)
    if criteria.object_id:
        query = query.where(AuditEntry.object_id == criteria.object_id.strip())
    if criteria.date_from:
        query = query.where(AuditEntry.at >= _start_of(criteria.date_from))
    if criteria.date_to:
        query = query.where(AuditEntry.at < _start_of(criteria.date_to + timedelta(days=1)))
    query = query.order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
    return db.paginate(query, page=page, per_page=per_page, error_out=False)


def known_actions() -> list[str]:
    return list(db.session.scalars(sa.select(AuditEntry.action).distinct().order_by(AuditEntry.action)))


def known_object_types() -> list[str]:
    return list(db.session.scalars(sa.select(AuditEntry.object_type).distinct().order_by(AuditEntry.object_type)))


def entries_for(object_type: str, object_id: int | str, limit: int = 20) -> list[AuditEntry]:
    """The latest entries about one object, for its detail page."""
    query = (
        sa.select(AuditEntry)
        .where(AuditEntry.object_type == object_type, AuditEntry.object_id == str(object_id))
        .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
        .limit(limit)
    )
    return list(db.session.scalars(query))


def _start_of(day: date) -> datetime:
    # Dates in the search are UTC days, as the page shows times in UTC.
    return datetime.combine(day, time.min, tzinfo=UTC)
