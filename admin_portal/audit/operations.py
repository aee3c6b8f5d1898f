"""Writing the audit log. Called inside each staff operation, so the entry commits with the change."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from flask import g, has_request_context

from admin_portal.audit.models import AuditEntry
from admin_portal.extensions import db
from common_core import auth


def record(
    actor: Any | None,
    action: str,
    object_type: str,
    object_id: int | str,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
) -> AuditEntry:
    """Append an entry for `actor` (a Staff, or None for the command line); the caller commits."""
    in_request = has_request_context()
    entry = AuditEntry(
        staff_id=getattr(actor, "id", None),
        staff_email=getattr(actor, "email", None),
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        before=_jsonable(before),
        after=_jsonable(after),
        client_ip=auth.client_ip() if in_request else None,
        request_id=g.get("request_id") if in_request else None,
    )
    db.session.add(entry)
    db.session.flush()
    return entry


def _jsonable(state: dict[str, Any] | None) -> dict[str, Any] | None:
    # Money and times are stored as text: JSONB has no decimal or date type, and floats would round.
    if state is None:
        return None
    return {key: _plain(value) for key, value in state.items()}


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value
