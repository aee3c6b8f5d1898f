"""The order endpoints admin_portal calls (signed; callers=("admin_portal",)): search, detail, cancel, refund.

Payments are shown as brand and last 4 digits only; provider tokens never leave the storefront.
Writes are idempotent: a cancel of a cancelled order answers its state again, a refund_id seen before
answers the first refund.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from flask import request

from common_core.db import MAX_DB_INT
from common_core.errors import InvalidInput, NotFound
from storefront.extensions import db
from storefront.internal.routes import api
from storefront.orders import operations, queries
from storefront.orders.models import ORDER_STATUSES, Order, Refund

CALLERS = ("admin_portal",)
PER_PAGE_MAX = 100
MONEY = {"type": "string", "pattern": r"^-?\d+\.\d{2}$"}
TIME = {"type": ["string", "null"], "format": "date-time"}
PART = {
    "type": "object",
    "required": ["vendor_id", "vendor_name", "status"],
    "properties": {
        "vendor_id": {"type": "integer"},
        "vendor_name": {"type": "string"},
        "status": {"type": "string"},
        "carrier": {"type": ["string", "null"]},
        "tracking_number": {"type": ["string", "null"]},
        "updated_at": TIME,
    },
}
SUMMARY = {
    "type": "object",
    "required": ["order_id", "number", "status", "currency", "total", "email"],
    "properties": {
        "order_id": {"type": "string", "format": "uuid"},
        "number": {"type": "string"},
        "status": {"type": "string", "enum": list(ORDER_STATUSES)},
        "created_at": TIME,
        "placed_at": TIME,
        "customer_id": {"type": ["integer", "null"]},
        "email": {"type": "string"},
        "currency": {"type": "string"},
        "subtotal": MONEY,
        "shipping_total": MONEY,
        "total": MONEY,
        "refunded_total": MONEY,
        "item_count": {"type": "integer"},
        "parts": {"type": "array", "items": PART},
    },
}
REFUND = {
    "type": "object",
    "required": ["refund_id", "amount", "currency", "reason", "actor", "created_at"],
    "properties": {
        "refund_id": {"type": "string"},
        "amount": MONEY,
        "currency": {"type": "string"},
        "reason": {"type": "string"},
        "actor": {"type": "string"},
        "lines": {"type": "array", "items": {"type": "object"}},
        "created_at": TIME,
    },
}
DETAIL = {
    "type": "object",
    "required": [*SUMMARY["required"], "lines", "parts", "timeline", "payments", "refunds", "refundable"],
    "properties": {
        **SUMMARY["properties"],
        "shipping_method": {"type": "string"},
        "shipping_address": {"type": "object"},
        "failure_reason": {"type": ["string", "null"]},
        "refundable": MONEY,
        "lines": {
            "type": "array",
            "items": {
                "type": "object",
                "required": [
                    "line_id",
                    "vendor_id",
                    "product_id",
                    "variant_id",
                    "quantity",
                    "unit_price",
                    "line_total",
                ],
                "properties": {
                    "line_id": {"type": "string"},
                    "vendor_id": {"type": "integer"},
                    "product_id": {"type": "integer"},
                    "variant_id": {"type": "integer"},
                    "sku": {"type": "string"},
                    "title": {"type": "string"},
                    "options": {"type": "object"},
                    "quantity": {"type": "integer"},
                    "unit_price": MONEY,
                    "line_total": MONEY,
                    "cancelled_quantity": {"type": "integer"},
                    "refunded_amount": MONEY,
                },
            },
        },
        "timeline": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "status": {"type": "string"},
                    "vendor_id": {"type": ["integer", "null"]},
                    "note": {"type": ["string", "null"]},
                    "at": TIME,
                },
            },
        },
        "payments": {
            "type": "array",
            "description": "Brand and last 4 digits only.",
            "items": {
                "type": "object",
                "properties": {
                    "provider": {"type": "string"},
                    "brand": {"type": ["string", "null"]},
                    "last4": {"type": ["string", "null"]},
                    "amount": MONEY,
                    "currency": {"type": "string"},
                    "status": {"type": "string"},
                    "failure_code": {"type": ["string", "null"]},
                    "created_at": TIME,
                },
            },
        },
        "refunds": {"type": "array", "items": REFUND},
    },
}
LIST_QUERY = [
    {"name": "status", "in": "query", "schema": {"type": "string", "enum": list(ORDER_STATUSES)}},
    {"name": "vendor_id", "in": "query", "schema": {"type": "integer"}},
    {"name": "q", "in": "query", "schema": {"type": "string"}, "description": "Part of the number or the email."},
    {"name": "date_from", "in": "query", "schema": {"type": "string", "format": "date"}},
    {"name": "date_to", "in": "query", "schema": {"type": "string", "format": "date"}},
    {"name": "min_total", "in": "query", "schema": MONEY},
    {"name": "max_total", "in": "query", "schema": MONEY},
    {"name": "customer_id", "in": "query", "schema": {"type": "integer"}},
    {"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1, "default": 1}},
    {
        "name": "per_page",
        "in": "query",
        "schema": {"type": "integer", "minimum": 1, "maximum": PER_PAGE_MAX, "default": 25},
    },
]
CANCEL_REQUEST = {
    "type": "object",
    "required": ["request_id", "reason"],
    "properties": {
        "request_id": {"type": "string", "minLength": 1, "maxLength": 64},
        "reason": {"type": "string", "minLength": 1, "maxLength": 500},
        "actor": {"type": "string", "description": 'Who asked, for the timeline: "staff:ada@example.com".'},
    },
}
REFUND_REQUEST = {
    "type": "object",
    "required": ["refund_id", "amount", "reason"],
    "properties": {
        "refund_id": {"type": "string", "minLength": 1, "maxLength": 64, "description": "Idempotency key."},
        "amount": MONEY,
        "reason": {"type": "string", "minLength": 1, "maxLength": 1000},
        "actor": {"type": "string"},
        "lines": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["line_id", "amount"],
                "properties": {"line_id": {"type": "string"}, "amount": MONEY},
            },
        },
    },
}


@api.route(
    "/orders",
    methods=["GET"],
    summary="Search orders, newest first",
    query=LIST_QUERY,
    response={
        "type": "object",
        "required": ["orders", "total", "page", "per_page"],
        "properties": {
            "orders": {"type": "array", "items": SUMMARY},
            "total": {"type": "integer"},
            "page": {"type": "integer"},
            "per_page": {"type": "integer"},
        },
    },
    callers=CALLERS,
)
def list_orders() -> Any:
    args = request.args
    status = args.get("status") or None
    if status is not None and status not in ORDER_STATUSES:
        raise InvalidInput(f"status must be one of {', '.join(ORDER_STATUSES)}.", field="status")
    filters = queries.OrderFilters(
        status=status,
        vendor_id=_int_arg("vendor_id"),
        q=(args.get("q") or "").strip()[:200] or None,
        date_from=_date_arg("date_from"),
        date_to=_date_arg("date_to"),
        min_total=_money_arg("min_total"),
        max_total=_money_arg("max_total"),
        customer_id=_int_arg("customer_id"),
    )
    page = _int_arg("page") or 1
    per_page = _int_arg("per_page") or 25
    if page < 1 or not 1 <= per_page <= PER_PAGE_MAX:
        raise InvalidInput(f"page must be 1 or more and per_page 1 to {PER_PAGE_MAX}.", field="per_page")
    orders, total = queries.search(filters, page, per_page)
    return {"orders": [summary(o) for o in orders], "total": total, "page": page, "per_page": per_page}


@api.route(
    "/orders/<number>",
    methods=["GET"],
    summary="One order with its lines, parts, timeline, payments (brand, last 4) and refunds",
    response=DETAIL,
    callers=CALLERS,
)
def get_order(number: str) -> Any:
    return detail(_order(number))


@api.route(
    "/orders/<number>/cancel",
    methods=["POST"],
    summary="Cancel an order before any part is shipped and refund it in full (idempotent)",
    request=CANCEL_REQUEST,
    response=DETAIL,
    callers=CALLERS,
)
def cancel_order(number: str) -> Any:
    body = _body()
    request_id = _text(body, "request_id", 64)
    reason = _text(body, "reason", 500)
    actor = _actor(body)
    order = _order(number)
    operations.cancel_order(order, actor=actor, reason=f"{reason} (request {request_id})")
    db.session.commit()
    return detail(_order(number))


@api.route(
    "/orders/<number>/refunds",
    methods=["POST"],
    summary="Refund part of an order, optionally per line; never more than paid (idempotent by refund_id)",
    request=REFUND_REQUEST,
    response={
        "type": "object",
        "required": ["refund", "order"],
        "properties": {"refund": REFUND, "order": DETAIL},
    },
    callers=CALLERS,
)
def refund_order(number: str) -> Any:
    body = _body()
    order = _order(number)
    lines = body.get("lines")
    if lines is not None and (
        not isinstance(lines, list) or not all(isinstance(x, dict) and {"line_id", "amount"} <= set(x) for x in lines)
    ):
        raise InvalidInput("lines must be a list of {line_id, amount}.", field="lines")
    created = operations.refund(
        order,
        refund_id=_text(body, "refund_id", 64),
        amount=_money(body.get("amount"), "amount"),
        reason=_text(body, "reason", 1000),
        lines=[{"line_id": str(x["line_id"]), "amount": _money(x["amount"], "lines.amount")} for x in lines or []],
        actor=_actor(body),
    )
    db.session.commit()
    return {"refund": refund_json(created), "order": detail(_order(number))}


# --- shapes ------------------------------------------------------------------------------------------


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def summary(order: Order) -> dict[str, Any]:
    return {
        "order_id": order.id,
        "number": order.number,
        "status": order.status,
        "created_at": _iso(order.created_at),
        "placed_at": _iso(order.placed_at),
        "customer_id": order.customer_id,
        "email": order.email,
        "currency": order.currency,
        "subtotal": str(order.subtotal),
        "shipping_total": str(order.shipping_total),
        "total": str(order.total),
        "refunded_total": str(order.refunded_total),
        "item_count": sum(line.quantity for line in order.lines),
        "parts": [
            {
                "vendor_id": part.vendor_id,
                "vendor_name": part.vendor_name,
                "status": part.status,
                "carrier": part.carrier,
                "tracking_number": part.tracking_number,
                "updated_at": _iso(part.updated_at),
            }
            for part in order.parts
        ],
    }


def refund_json(refund: Refund) -> dict[str, Any]:
    return {
        "refund_id": refund.id,
        "amount": str(refund.amount),
        "currency": refund.currency,
        "reason": refund.reason,
        "actor": refund.actor,
        "lines": refund.lines or [],
        "created_at": _iso(refund.created_at),
    }


def detail(order: Order) -> dict[str, Any]:
    return {
        **summary(order),
        "shipping_method": order.shipping_method,
        "shipping_address": order.shipping_address,
        "failure_reason": order.failure_reason,
        "refundable": str(queries.refundable(order)),
        "lines": [
            {
                "line_id": line.id,
                "vendor_id": line.vendor_id,
                "product_id": line.product_id,
                "variant_id": line.variant_id,
                "sku": line.sku,
                "title": line.title,
                "options": line.options or {},
                "quantity": line.quantity,
                "unit_price": str(line.unit_price),
                "line_total": str(line.line_total),
                "cancelled_quantity": line.cancelled_quantity,
                "refunded_amount": str(line.refunded_amount),
            }
            for line in order.lines
        ],
        "timeline": [
            {"status": e.status, "vendor_id": e.vendor_id, "note": e.note, "at": _iso(e.created_at)}
            for e in order.history
        ],
        "payments": [
            {
                "provider": p.provider,
                "brand": p.brand,
                "last4": p.last4,
                "amount": str(p.amount),
                "currency": p.currency,
                "status": p.status,
                "failure_code": p.failure_code,
                "created_at": _iso(p.created_at),
            }
            for p in order.payments
        ],
        "refunds": [refund_json(r) for r in order.refunds],
    }


# --- reading input -----------------------------------------------------------------------------------


def _order(number: str) -> Order:
    db.session.expire_all()  # after a write, answer what the database now holds
    order = queries.order_by_number(number)
    if order is None or order.status == "pending":
        raise NotFound(f"There is no order {number}.")
    return order


def _body() -> dict[str, Any]:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise InvalidInput("The body must be a JSON object.")
    return body


def _text(body: dict[str, Any], name: str, max_length: int) -> str:
    value = body.get(name)
    if not isinstance(value, str) or not value.strip() or len(value) > max_length:
        raise InvalidInput(f"{name} must be text of 1 to {max_length} characters.", field=name)
    return value.strip()


def _actor(body: dict[str, Any]) -> str:
    actor = body.get("actor")
    return actor.strip()[:120] if isinstance(actor, str) and actor.strip() else "staff"


def _money(value: Any, name: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise InvalidInput(f'{name} must be an amount like "12.50".', field=name)
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        raise InvalidInput(f'{name} must be an amount like "12.50".', field=name) from None
    if not amount.is_finite() or amount != amount.quantize(Decimal("0.01")) or abs(amount) >= Decimal("1e10"):
        raise InvalidInput(f"{name} must be an amount with at most two decimals.", field=name)
    return amount.quantize(Decimal("0.01"))


def _int_arg(name: str) -> int | None:
    raw = request.args.get(name)
    if raw in (None, ""):
        return None
    try:
        value = int(raw)
    except ValueError:
        raise InvalidInput(f"{name} must be a whole number.", field=name) from None
    if not 0 <= value <= MAX_DB_INT:
        raise InvalidInput(f"{name} is out of range.", field=name)
    return value


def _date_arg(name: str) -> date | None:
    raw = request.args.get(name)
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise InvalidInput(f"{name} must be a date like 2025-01-31.", field=name) from None


def _money_arg(name: str) -> Decimal | None:
    raw = request.args.get(name)
    return _money(raw, name) if raw else None
