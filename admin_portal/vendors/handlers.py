"""Keeping the vendor read model from the vendor portal's events (registered in admin_portal.internal.routes).

Delivery is at least once and not ordered across retries, so each row remembers the occurred_at of the
newest event applied and an older event changes nothing, except to fill facts still unknown (email,
slug, sign-up time) that a newer, slimmer event did not carry.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.dialects.postgresql import insert

from admin_portal.extensions import db
from admin_portal.vendors.models import VENDOR_STATUSES, VendorSummary
from common_core.errors import InvalidInput

# Event field -> column. commission_rate is not taken from events: the admin portal owns it.
FIELDS = {
    "store_name": "store_name",
    "status": "status",
    "reason": "reason",
    "email": "email",
    "slug": "slug",
    "created_at": "signed_up_at",
}
FILL_IF_UNKNOWN = frozenset({"email", "slug", "signed_up_at"})


def apply_vendor_event(data: dict[str, Any], envelope: dict[str, Any]) -> None:
    """Handler of vendor.upserted and vendor.status_changed (the caller commits with the inbox row)."""
    if data["status"] not in VENDOR_STATUSES:
        raise InvalidInput(f"Unknown vendor status {data['status']!r}.")
    occurred_at = _parse_time(envelope["occurred_at"])
    values = {column: _value(column, data[key]) for key, column in FIELDS.items() if key in data}
    inserted = db.session.execute(
        insert(VendorSummary)
        .values(vendor_id=data["vendor_id"], last_event_at=occurred_at, **values)
        .on_conflict_do_nothing(index_elements=["vendor_id"])
        .returning(VendorSummary.vendor_id)
    ).first()
    if inserted is not None:
        return
    row = db.session.get(VendorSummary, data["vendor_id"], with_for_update=True, populate_existing=True)
    newer = occurred_at >= row.last_event_at
    for column, value in values.items():
        if newer or (column in FILL_IF_UNKNOWN and getattr(row, column) is None):
            setattr(row, column, value)
    if newer:
        row.last_event_at = occurred_at
    db.session.flush()


def _value(column: str, value: Any) -> Any:
    if column == "signed_up_at" and value is not None:
        return _parse_time(value)
    return value


def _parse_time(text: str) -> datetime:
    try:
        return datetime.fromisoformat(text)
    except (TypeError, ValueError):
        raise InvalidInput(f"Not an ISO 8601 time: {text!r}.") from None
