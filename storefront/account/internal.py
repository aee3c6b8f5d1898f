"""Internal endpoints of customer accounts: admin_portal lists, looks up, suspends and reactivates customers.

The storefront owns customers' status. Suspending ends every session of the customer at once (their
next request is signed out) and sign-in is refused until they are reactivated.
"""

from __future__ import annotations

from typing import Any

from flask import g, request

from common_core.errors import InvalidInput, NotFound
from common_core.internal.api import json_object, query_int
from storefront.account import operations, queries
from storefront.account.models import CUSTOMER_STATUSES, Customer
from storefront.extensions import db
from storefront.internal.routes import api

PER_PAGE_DEFAULT, PER_PAGE_MAX = 20, 100
QUERY_MAX = 200
REASON_MAX = 1000

CUSTOMER = {
    "type": "object",
    "required": ["customer_id", "email", "name", "status", "created_at", "orders_count"],
    "properties": {
        "customer_id": {"type": "integer"},
        "email": {"type": "string", "format": "email"},
        "name": {"type": "string"},
        "status": {"type": "string", "enum": list(CUSTOMER_STATUSES)},
        "created_at": {"type": "string", "format": "date-time"},
        "orders_count": {"type": "integer", "description": "Orders of any status (rows in the storefront)."},
    },
}
CUSTOMER_LIST = {
    "type": "object",
    "required": ["customers", "total", "page", "per_page"],
    "properties": {
        "customers": {"type": "array", "items": CUSTOMER},
        "total": {"type": "integer", "description": "Customers matching, over all pages."},
        "page": {"type": "integer"},
        "per_page": {"type": "integer"},
    },
}
CUSTOMER_LIST_QUERY = [
    {
        "name": "q",
        "in": "query",
        "required": False,
        "schema": {"type": "string", "maxLength": QUERY_MAX},
        "description": "Part of the email address or the name, any case.",
    },
    {"name": "status", "in": "query", "required": False, "schema": {"type": "string", "enum": list(CUSTOMER_STATUSES)}},
    {"name": "page", "in": "query", "required": False, "schema": {"type": "integer", "minimum": 1, "default": 1}},
    {
        "name": "per_page",
        "in": "query",
        "required": False,
        "schema": {"type": "integer", "minimum": 1, "maximum": PER_PAGE_MAX, "default": PER_PAGE_DEFAULT},
    },
]
STATUS_REQUEST = {
    "type": "object",
    "required": ["status", "request_id"],
    "additionalProperties": False,
    "properties": {
        "status": {"type": "string", "enum": list(CUSTOMER_STATUSES)},
        "reason": {
            "type": ["string", "null"],
            "maxLength": REASON_MAX,
            "description": "Why, for the log (admin's audit log keeps it too).",
        },
        "request_id": {
            "type": "string",
            "minLength": 1,
            "maxLength": 64,
            "description": "Idempotency key. The status is the state: the same status again answers 200 and "
            "changes nothing (no event).",
        },
    },
}


@api.route(
    "/customers",
    methods=["GET"],
    summary="List and search customers, newest first",
    query=CUSTOMER_LIST_QUERY,
    response=CUSTOMER_LIST,
    callers=("admin_portal",),
)
def list_customers() -> Any:
    q = (request.args.get("q") or "").strip()
    if len(q) > QUERY_MAX or "\x00" in q:
        raise InvalidInput(f"q must be text of at most {QUERY_MAX} characters.", field="q")
    status = request.args.get("status") or None
    if status is not None and status not in CUSTOMER_STATUSES:
        raise InvalidInput(f"status must be one of {', '.join(CUSTOMER_STATUSES)}.", field="status")
    page = query_int("page", 1, maximum=100_000)
    per_page = query_int("per_page", PER_PAGE_DEFAULT, maximum=PER_PAGE_MAX)
    rows, total = queries.search_customers(q or None, status, page, per_page)
    return {"customers": [_customer(c, n) for c, n in rows], "total": total, "page": page, "per_page": per_page}


@api.route(
    "/customers/<int:customer_id>",
    methods=["GET"],
    summary="One customer",
    response=CUSTOMER,
    callers=("admin_portal",),
)
def get_customer(customer_id: int) -> Any:
    found = queries.customer_with_orders_count(customer_id)
    if found is None:
        raise NotFound(f"There is no customer {customer_id}.")
    return _customer(*found)


@api.route(
    "/customers/<int:customer_id>/status",
    methods=["POST"],
    summary="Suspend or reactivate a customer (idempotent: the same status again changes nothing)",
    request=STATUS_REQUEST,
    response=CUSTOMER,
    callers=("admin_portal",),
)
def set_customer_status(customer_id: int) -> Any:
    status, reason, request_id = _status_body(request.get_json(silent=True))
    # Two decisions about one customer at once queue up here.
    customer = db.session.get(Customer, customer_id, with_for_update=True)
    if customer is None:
        raise NotFound(f"There is no customer {customer_id}.")
    operations.set_status(customer, status, reason=reason, request_id=request_id, actor=g.internal_caller)
    db.session.commit()
    return _customer(*queries.customer_with_orders_count(customer_id))


def _customer(customer: Customer, orders_count: int) -> dict[str, Any]:
    return {
        "customer_id": customer.id,
        "email": customer.email,
        "name": customer.name,
        "status": customer.status,
        "created_at": customer.created_at.isoformat(),
        "orders_count": orders_count,
    }


def _status_body(body: Any) -> tuple[str, str | None, str]:
    """(status, reason, request_id) of a status request, or InvalidInput (422) saying what is wrong."""
    body = json_object(body, STATUS_REQUEST)
    status, reason, request_id = body.get("status"), body.get("reason"), body.get("request_id")
    if status not in CUSTOMER_STATUSES:
        raise InvalidInput(f"status must be one of {', '.join(CUSTOMER_STATUSES)}.", field="status")
    if reason is not None and (not isinstance(reason, str) or len(reason) > REASON_MAX):
        raise InvalidInput(f"reason must be null or text of at most {REASON_MAX} characters.", field="reason")
    if not isinstance(request_id, str) or not 1 <= len(request_id) <= 64:
        raise InvalidInput("request_id must be text of 1 to 64 characters.", field="request_id")
    return status, (reason.strip() or None) if reason else None, request_id
