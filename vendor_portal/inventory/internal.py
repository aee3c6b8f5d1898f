"""Internal endpoints of the inventory domain: the storefront's checkout reservations (reserve, commit,
release, look up) and staff's stock adjustments on a vendor's behalf, registered on the vendor portal's
signed API, and the relay chore that expires reservations."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import Flask, request

from common_core.db import MAX_DB_INT
from common_core.errors import InvalidInput, NotFound
from common_core.internal.api import json_object
from common_core.outbox import add_chore
from vendor_portal.catalog.models import Variant
from vendor_portal.extensions import db
from vendor_portal.internal.routes import api
from vendor_portal.inventory import operations
from vendor_portal.inventory.models import RESERVATION_STATUSES, StockAdjustment
from vendor_portal.inventory.queries import reservation_by_order

ORDER_ID_MAX = 64
LINES_MAX = 100
QUANTITY_MAX = 10_000
TTL_MIN, TTL_MAX = 60, 3600
EXPIRY_CHORE_SECONDS = 5

RESERVE_REQUEST = {
    "type": "object",
    "required": ["order_id", "lines"],
    "additionalProperties": False,
    "properties": {
        "order_id": {
            "type": "string",
            "minLength": 1,
            "maxLength": ORDER_ID_MAX,
            "description": "Idempotency key: a repeat returns the first answer (status code and body) unchanged.",
        },
        "lines": {
            "type": "array",
            "minItems": 1,
            "maxItems": LINES_MAX,
            "description": "All or nothing. The same variant on several lines is reserved once, summed.",
            "items": {
                "type": "object",
                "required": ["variant_id", "quantity"],
                "additionalProperties": False,
                "properties": {
                    "variant_id": {"type": "integer", "minimum": 1},
                    "quantity": {"type": "integer", "minimum": 1, "maximum": QUANTITY_MAX},
                },
            },
        },
        "ttl_seconds": {"type": "integer", "minimum": TTL_MIN, "maximum": TTL_MAX, "default": operations.DEFAULT_TTL},
    },
}
RESERVED_LINE = {
    "type": "object",
    "required": [
        "variant_id",
        "vendor_id",
        "product_id",
        "sku",
        "title",
        "options",
        "quantity",
        "unit_price",
        "currency",
    ],
    "properties": {
        "variant_id": {"type": "integer"},
        "vendor_id": {"type": "integer"},
        "product_id": {"type": "integer"},
        "sku": {"type": "string"},
        "title": {"type": "string", "description": "The product's title."},
        "options": {"type": "object", "additionalProperties": {"type": "string"}},
        "quantity": {"type": "integer"},
        "unit_price": {"type": "string", "description": "Decimal with two places, the variant's price now."},
        "currency": {"type": "string", "pattern": "^[A-Z]{3}$"},
    },
}
RESERVE_ANSWER = {
    "type": "object",
    "required": ["order_id", "status", "expires_at", "lines"],
    "description": "200: every line held. A refusal is 409 {error: out_of_stock | unavailable, message, "
    "details: {lines: [{variant_id, requested, available, reason}]}}, returned again for a repeat too.",
    "properties": {
        "order_id": {"type": "string"},
        "status": {"const": "held"},
        "expires_at": {"type": "string", "format": "date-time"},
        "lines": {"type": "array", "items": RESERVED_LINE},
    },
}
RESERVATION_STATE = {
    "type": "object",
    "required": ["order_id", "status", "expires_at", "created_at", "settled_at", "lines"],
    "properties": {
        "order_id": {"type": "string"},
        "status": {"type": "string", "enum": list(RESERVATION_STATUSES)},
        "expires_at": {"type": "string", "format": "date-time"},
        "created_at": {"type": "string", "format": "date-time"},
        "settled_at": {"type": ["string", "null"], "format": "date-time"},
        "lines": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["variant_id", "vendor_id", "quantity"],
                "properties": {
                    "variant_id": {"type": "integer"},
                    "vendor_id": {"type": "integer"},
                    "quantity": {"type": "integer"},
                },
            },
        },
    },
}
RELEASE_ANSWER = {
    "oneOf": [
        RESERVATION_STATE,
        {
            "type": "object",
            "required": ["order_id", "status"],
            "properties": {"order_id": {"type": "string"}, "status": {"const": "unknown"}},
        },
    ]
}


@api.route(
    "/reservations",
    methods=["POST"],
    summary="Reserve stock for every line of an order, all or nothing (idempotent by order_id)",
    request=RESERVE_REQUEST,
    response=RESERVE_ANSWER,
    callers=("storefront",),
)
def reserve() -> Any:
    order_id, quantities, ttl_seconds = _reserve_body(request.get_json(silent=True))
    outcome = operations.reserve(order_id, quantities, ttl_seconds=ttl_seconds).outcome
    db.session.commit()  # the answer was read before: committing expires the row, reading it again costs a query
    return outcome["body"], outcome["status_code"]


@api.route(
    "/reservations/<order_id>/commit",
    methods=["POST"],
    summary="Turn a held reservation into sold stock (idempotent); 409 reservation_released when it lapsed",
    response=RESERVATION_STATE,
    callers=("storefront",),
)
def commit_reservation(order_id: str) -> Any:
    state = operations.reservation_state(operations.commit(order_id))
    db.session.commit()
    return state


@api.route(
    "/reservations/<order_id>/release",
    methods=["POST"],
    summary="Give a held reservation's stock back (idempotent); 409 already_committed after a commit",
    response=RELEASE_ANSWER,
    callers=("storefront",),
)
def release_reservation(order_id: str) -> Any:
    reservation = operations.release(order_id)
    # Nothing to give back is a success: the storefront releases when a reserve call failed or timed
    # out, and that reserve may never have reached us. Were it still to arrive, its hold would expire.
    state = (
        {"order_id": order_id, "status": "unknown"}
        if reservation is None
        else operations.reservation_state(reservation)
    )
    db.session.commit()
    return state


@api.route(
    "/reservations/<order_id>",
    methods=["GET"],
    summary="A reservation's current state",
    response=RESERVATION_STATE,
    callers=("storefront", "admin_portal"),
)
def get_reservation(order_id: str) -> Any:
    reservation = reservation_by_order(order_id)
    if reservation is None:
        raise NotFound(f"There is no reservation for order {order_id}.")
    return operations.reservation_state(reservation)


def _reserve_body(body: Any) -> tuple[str, dict[int, int], int]:
    """(order_id, {variant_id: summed quantity}, ttl_seconds) of a reserve request, or InvalidInput (422)."""
    body = json_object(body, RESERVE_REQUEST)
    order_id, lines = body.get("order_id"), body.get("lines")
    ttl_seconds = body.get("ttl_seconds", operations.DEFAULT_TTL)
    if not isinstance(order_id, str) or not 1 <= len(order_id) <= ORDER_ID_MAX:
        raise InvalidInput(f"order_id must be text of 1 to {ORDER_ID_MAX} characters.", field="order_id")
    if not _is_int(ttl_seconds) or not TTL_MIN <= ttl_seconds <= TTL_MAX:
        raise InvalidInput(f"ttl_seconds must be a whole number from {TTL_MIN} to {TTL_MAX}.", field="ttl_seconds")
    if not isinstance(lines, list) or not 1 <= len(lines) <= LINES_MAX:
        raise InvalidInput(f"lines must be a list of 1 to {LINES_MAX} lines.", field="lines")
    quantities: dict[int, int] = {}
    for index, line in enumerate(lines):
        if not isinstance(line, dict) or set(line) != {"variant_id", "quantity"}:
            raise InvalidInput(f"lines[{index}] must be an object with variant_id and quantity.", field="lines")
        variant_id, quantity = line["variant_id"], line["quantity"]
        if not _is_int(variant_id) or not 1 <= variant_id <= MAX_DB_INT:
            raise InvalidInput(f"lines[{index}].variant_id must be a positive whole number.", field="lines")
        if not _is_int(quantity) or not 1 <= quantity <= QUANTITY_MAX:
            raise InvalidInput(
                f"lines[{index}].quantity must be a whole number from 1 to {QUANTITY_MAX}.", field="lines"
            )
        quantities[variant_id] = quantities.get(variant_id, 0) + quantity
    if any(total > QUANTITY_MAX for total in quantities.values()):
        raise InvalidInput(f"At most {QUANTITY_MAX} units of one variant per order.", field="lines")
    return order_id, quantities, ttl_seconds


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


# --- Staff adjustments on a vendor's behalf (admin_portal) -----------------------------------------------

STAFF_REASONS = operations.VENDOR_REASONS  # staff pick from the reasons a vendor may: received, correction, damaged
NOTE_MAX = 500
STAFF_EMAIL_MAX = 100  # the actor column holds "staff:" + the email in 120 characters
REQUEST_ID_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_")
STAFF_STOCK_REQUEST = {
    "type": "object",
    "required": ["delta", "reason", "note", "request_id", "staff_email"],
    "additionalProperties": False,
    "properties": {
        "delta": {
            "type": "integer",
            "minimum": -operations.DELTA_MAX,
            "maximum": operations.DELTA_MAX,
            "not": {"const": 0},
        },
        "reason": {"type": "string", "enum": list(STAFF_REASONS)},
        "note": {"type": "string", "minLength": 1, "maxLength": NOTE_MAX, "description": "Why; the vendor sees it."},
        "request_id": {
            "type": "string",
            "minLength": 1,
            "maxLength": 64,
            "pattern": "^[A-Za-z0-9_-]+$",
            "description": "Idempotency key: a repeat answers the first adjustment (replayed: true), changing nothing.",
        },
        "staff_email": {"type": "string", "format": "email", "maxLength": STAFF_EMAIL_MAX},
    },
}
STAFF_STOCK_ANSWER = {
    "type": "object",
    "required": ["adjustment_id", "variant_id", "product_id", "delta", "reason", "actor", "on_hand_after", "replayed"],
    "properties": {
        "adjustment_id": {"type": "integer"},
        "variant_id": {"type": "integer"},
        "product_id": {"type": "integer"},
        "sku": {"type": "string"},
        "delta": {"type": "integer"},
        "reason": {"type": "string"},
        "note": {"type": ["string", "null"], "description": 'Stored as "[req:<request_id>] <note>".'},
        "actor": {"type": "string", "description": "staff:<email>"},
        "on_hand_after": {"type": "integer"},
        "stock_on_hand": {"type": "integer", "description": "Now (after any later change too)."},
        "reserved": {"type": "integer"},
        "available": {"type": "integer"},
        "created_at": {"type": "string", "format": "date-time"},
        "replayed": {"type": "boolean", "description": "True when this request id was applied before."},
    },
}


@api.route(
    "/variants/<int:variant_id>/stock",
    methods=["POST"],
    summary="Adjust a variant's stock on the vendor's behalf (staff), with a reason and a note (idempotent)",
    request=STAFF_STOCK_REQUEST,
    response=STAFF_STOCK_ANSWER,
    callers=("admin_portal",),
)
def staff_adjust_stock(variant_id: int) -> Any:
    delta, reason, note, request_id, staff_email = _staff_stock_body(request.get_json(silent=True))
    # Locking the variant first serialises two deliveries of one request: the second waits here, then
    # finds the first one's history row below and applies nothing.
    variant = db.session.scalar(sa.select(Variant).where(Variant.id == variant_id).with_for_update(of=Variant))
    if variant is None:
        raise NotFound(f"There is no variant {variant_id}.")
    # The stock history's schema is fixed, and it is append-only: a staff adjustment keeps its request id
    # as the first thing in its note, "[req:<request_id>] why", and a repeat is recognised by that prefix.
    marker = f"[req:{request_id}]"
    entry = db.session.scalar(
        sa.select(StockAdjustment)
        .where(StockAdjustment.variant_id == variant.id, StockAdjustment.note.startswith(marker, autoescape=True))
        .order_by(StockAdjustment.id)
        .limit(1)
    )
    replayed = entry is not None
    if entry is None:
        entry = operations.adjust_stock(
            variant, delta, reason=reason, note=f"{marker} {note}", actor=f"staff:{staff_email}"
        )
    db.session.commit()
    return {
        "adjustment_id": entry.id,
        "variant_id": entry.variant_id,
        "product_id": entry.product_id,
        "sku": variant.sku,
        "delta": entry.delta,
        "reason": entry.reason,
        "note": entry.note,
        "actor": entry.actor,
        "on_hand_after": entry.on_hand_after,
        "stock_on_hand": variant.stock_on_hand,
        "reserved": variant.reserved,
        "available": variant.available,
        "created_at": entry.created_at.isoformat(),
        "replayed": replayed,
    }


def _staff_stock_body(body: Any) -> tuple[int, str, str, str, str]:
    """(delta, reason, note, request_id, staff_email) of a staff adjustment, or InvalidInput (422)."""
    body = json_object(body, STAFF_STOCK_REQUEST)
    delta, reason = body.get("delta"), body.get("reason")
    note, request_id, staff_email = body.get("note"), body.get("request_id"), body.get("staff_email")
    if not _is_int(delta) or delta == 0 or abs(delta) > operations.DELTA_MAX:
        raise InvalidInput(
            f"delta must be a whole number other than 0, at most {operations.DELTA_MAX:,} either way.", field="delta"
        )
    if reason not in STAFF_REASONS:
        raise InvalidInput(f"reason must be one of {', '.join(STAFF_REASONS)}.", field="reason")
    if not isinstance(note, str) or not note.strip() or len(note) > NOTE_MAX:
        raise InvalidInput(f"note must say why, in 1 to {NOTE_MAX} characters.", field="note")
    if not isinstance(request_id, str) or not 1 <= len(request_id) <= 64 or not set(request_id) <= REQUEST_ID_CHARS:
        raise InvalidInput("request_id must be 1 to 64 letters, digits, hyphens or underscores.", field="request_id")
    if (
        not isinstance(staff_email, str)
        or not 3 <= len(staff_email) <= STAFF_EMAIL_MAX
        or "@" not in staff_email
        or any(c.isspace() for c in staff_email)
    ):
        raise InvalidInput(
            f"staff_email must be an email address of at most {STAFF_EMAIL_MAX} characters.", field="staff_email"
        )
    return delta, reason, note.strip(), request_id, staff_email.lower()


def _release_expired() -> None:
    if operations.release_expired():
        db.session.commit()
    else:
        db.session.rollback()  # end the transaction that only looked


def register_chores(app: Flask) -> None:
    """Have the relay release expired reservations every few seconds (it runs chores in app context)."""
    add_chore(app, _release_expired, EXPIRY_CHORE_SECONDS)
