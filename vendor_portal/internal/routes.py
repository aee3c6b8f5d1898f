"""Signed endpoints other services call on the vendor portal."""

from __future__ import annotations

from typing import Any

from flask import g, request

from common_core.errors import InvalidInput, NotFound
from common_core.inbox import register_event_receiver
from common_core.internal.api import InternalAPI, json_object
from vendor_portal.accounts import operations as account_operations
from vendor_portal.accounts.models import VENDOR_STATUSES, Vendor
from vendor_portal.accounts.queries import vendor_by_id, vendors
from vendor_portal.extensions import db

api = InternalAPI("vendor_portal", "Vendor portal internal API")

# Event handlers by type; each domain adds its own as it is built.
HANDLERS: dict = {}
register_event_receiver(api, HANDLERS)

REASON_MAX = 1000
LIST_LIMIT_MAX = 500

STATUS_REQUEST = {
    "type": "object",
    "required": ["status", "request_id"],
    "additionalProperties": False,
    "properties": {
        "status": {"type": "string", "enum": list(VENDOR_STATUSES)},
        "reason": {
            "type": ["string", "null"],
            "maxLength": REASON_MAX,
            "description": "Shown to the vendor when suspended or rejected.",
        },
        "request_id": {
            "type": "string",
            "minLength": 1,
            "maxLength": 64,
            "description": "Idempotency key: a repeat returns the first answer and changes nothing.",
        },
    },
}
VENDOR_STATE = {
    "type": "object",
    "required": ["vendor_id", "store_name", "status", "reason"],
    "properties": {
        "vendor_id": {"type": "integer"},
        "store_name": {"type": "string"},
        "status": {"type": "string", "enum": list(VENDOR_STATUSES)},
        "reason": {"type": ["string", "null"]},
    },
}
VENDOR_SUMMARY = {
    "type": "object",
    "required": [*VENDOR_STATE["required"], "email", "created_at"],
    "properties": {
        **VENDOR_STATE["properties"],
        "email": {"type": "string", "format": "email"},
        "created_at": {"type": "string", "format": "date-time"},
    },
}
VENDOR_LIST = {
    "type": "object",
    "required": ["vendors"],
    "properties": {"vendors": {"type": "array", "items": VENDOR_SUMMARY}},
}
VENDOR_LIST_QUERY = [
    {"name": "status", "in": "query", "required": False, "schema": {"type": "string", "enum": list(VENDOR_STATUSES)}},
    {
        "name": "limit",
        "in": "query",
        "required": False,
        "schema": {"type": "integer", "minimum": 1, "maximum": LIST_LIMIT_MAX, "default": 100},
    },
]


@api.route(
    "/vendors/<int:vendor_id>/status",
    methods=["POST"],
    summary="Approve, reject, suspend or reactivate a vendor",
    request=STATUS_REQUEST,
    response=VENDOR_STATE,
    callers=("admin_portal",),
)
def set_vendor_status(vendor_id: int) -> Any:
    status, reason, request_id = _status_body(request.get_json(silent=True))
    vendor = vendor_by_id(vendor_id, for_update=True)  # concurrent decisions on one store queue up here
    if vendor is None:
        raise NotFound(f"There is no vendor {vendor_id}.")
    change = account_operations.change_status(
        vendor, status, reason=reason, request_id=request_id, actor=g.internal_caller
    )
    db.session.commit()
    if change is not None:
        return {**_state(vendor), "status": change.to_status, "reason": change.reason}
    return _state(vendor)


@api.route(
    "/vendors",
    methods=["GET"],
    summary="List vendors, oldest first, optionally of one status",
    query=VENDOR_LIST_QUERY,
    response=VENDOR_LIST,
    callers=("admin_portal",),
)
def list_vendors() -> Any:
    status = request.args.get("status") or None
    if status is not None and status not in VENDOR_STATUSES:
        raise InvalidInput(f"status must be one of {', '.join(VENDOR_STATUSES)}.", field="status")
    limit = request.args.get("limit", 100, type=int)
    if limit is None or not 1 <= limit <= LIST_LIMIT_MAX:
        raise InvalidInput(f"limit must be between 1 and {LIST_LIMIT_MAX}.", field="limit")
    rows = vendors(status=status, limit=limit)
    return {"vendors": [{**_state(v), "email": v.email, "created_at": v.created_at.isoformat()} for v in rows]}


def _state(vendor: Vendor) -> dict[str, Any]:
    return {
        "vendor_id": vendor.id,
        "store_name": vendor.store_name,
        "status": vendor.status,
        "reason": vendor.status_reason,
    }


def _status_body(body: Any) -> tuple[str, str | None, str]:
    """The (status, reason, request_id) of a status request, or InvalidInput (422) saying what is wrong."""
    body = json_object(body, STATUS_REQUEST)
    status, reason, request_id = body.get("status"), body.get("reason"), body.get("request_id")
    if status not in VENDOR_STATUSES:
        raise InvalidInput(f"status must be one of {', '.join(VENDOR_STATUSES)}.", field="status")
    if reason is not None and (not isinstance(reason, str) or len(reason) > REASON_MAX):
        raise InvalidInput(f"reason must be null or text of at most {REASON_MAX} characters.", field="reason")
    if not isinstance(request_id, str) or not 1 <= len(request_id) <= 64:
        raise InvalidInput("request_id must be text of 1 to 64 characters.", field="request_id")
    return status, (reason.strip() or None) if reason else None, request_id
