"""Internal endpoints of the inventory domain: the storefront's checkout reservations (reserve, commit,
release, look up), registered on the vendor portal's signed API, and the relay chore that expires them."""

from __future__ import annotations

from typing import Any

from flask import Flask, request

from common_core.errors import InvalidInput, NotFound
from common_core.outbox import add_chore
from vendor_portal.extensions import db
from vendor_portal.internal.routes import api
from vendor_portal.inventory import operations
from vendor_portal.inventory.models import RESERVATION_STATUSES
from vendor_portal.inventory.queries import reservation_by_order

ORDER_ID_MAX = 64
LINES_MAX = 100
QUANTITY_MAX = 10_000
INT4_MAX = 2**31 - 1
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
    reservation = operations.reserve(order_id, quantities, ttl_seconds=ttl_seconds)
    db.session.commit()
    return reservation.outcome["body"], reservation.outcome["status_code"]


@api.route(
    "/reservations/<order_id>/commit",
    methods=["POST"],
    summary="Turn a held reservation into sold stock (idempotent); 409 reservation_released when it lapsed",
    response=RESERVATION_STATE,
    callers=("storefront",),
)
def commit_reservation(order_id: str) -> Any:
    reservation = operations.commit(order_id)
    db.session.commit()
    return operations.reservation_state(reservation)


@api.route(
    "/reservations/<order_id>/release",
    methods=["POST"],
    summary="Give a held reservation's stock back (idempotent); 409 already_committed after a commit",
    response=RELEASE_ANSWER,
    callers=("storefront",),
)
def release_reservation(order_id: str) -> Any:
    reservation = operations.release(order_id)
    db.session.commit()
    if reservation is None:
        # Nothing to give back is a success: the storefront releases when a reserve call failed or timed
        # out, and that reserve may never have reached us. Were it still to arrive, its hold would expire.
        return {"order_id": order_id, "status": "unknown"}
    return operations.reservation_state(reservation)


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
    if not isinstance(body, dict):
        raise InvalidInput("The body must be a JSON object.")
    unknown = sorted(set(body) - set(RESERVE_REQUEST["properties"]))
    if unknown:
        raise InvalidInput(f"Unknown fields: {', '.join(unknown)}.", fields=unknown)
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
        if not _is_int(variant_id) or not 1 <= variant_id <= INT4_MAX:
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


def _release_expired() -> None:
    if operations.release_expired():
        db.session.commit()
    else:
        db.session.rollback()  # end the transaction that only looked


def register_chores(app: Flask) -> None:
    """Have the relay release expired reservations every few seconds (it runs chores in app context)."""
    add_chore(app, _release_expired, EXPIRY_CHORE_SECONDS)
