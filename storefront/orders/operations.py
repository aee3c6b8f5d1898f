"""Writes on orders: status moves, the bookkeeping of a placed order, cancellation, refunds, fulfilment news.

Operations take the actor ("customer:12", "staff:ada@example.com", "vendor:3", "system") and flush; the
request, the inbox or the command commits. Money moves only through the payment provider interface and
never beyond what was paid: every refund locks the order row first, so two refunds at once queue up.
"""

from __future__ import annotations

import logging
import secrets
import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm.attributes import set_committed_value

from common_core import metrics
from common_core.db import money, utcnow
from common_core.errors import Conflict, InvalidInput, InvalidTransition, NotFound
from common_core.outbox import record_event
from storefront.checkout.payments import provider
from storefront.checkout.shipping import shipping_for_part
from storefront.extensions import db
from storefront.formatting import format_money
from storefront.mail import operations as mail
from storefront.orders import queries
from storefront.orders.models import PART_STATUSES, Order, OrderEvent, OrderLine, OrderVendorPart, Refund

log = logging.getLogger("marketplace.storefront.orders")

NUMBER_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"  # no 0/O, 1/I/L or U/V look-alikes to misread
NUMBER_LENGTH = 6

# The moves an order may make; anything else is refused (InvalidTransition).
TRANSITIONS: dict[str, frozenset[str]] = {
    "pending": frozenset({"placed", "failed"}),
    "placed": frozenset({"cancelled", "partially_cancelled", "completed"}),
    "partially_cancelled": frozenset({"cancelled", "completed"}),
    "completed": frozenset(),
    "cancelled": frozenset(),
    "failed": frozenset(),
}
SENT = ("shipped", "delivered")
CANCEL_REFUNDS = uuid.UUID("6f1d3c52-3b9e-4c4e-9a53-2f3b8f1c7d10")  # namespace of cancellation refund ids


class RefundExceedsPaid(Conflict):
    code = "refund_exceeds_paid"


class AlreadyShipped(Conflict):
    code = "already_shipped"


def new_number() -> str:
    return "MP-" + "".join(secrets.choice(NUMBER_ALPHABET) for _ in range(NUMBER_LENGTH))


def note(order: Order, status: str, text: str | None = None, *, vendor_id: int | None = None) -> OrderEvent:
    """Append a step to the order's timeline (append-only), or to one store's part with vendor_id.

    Through the event's side of the relationship: a timeline already loaded gets the step too, one not
    loaded is not read from the database just to append to it.
    """
    event = OrderEvent(order=order, vendor_id=vendor_id, status=status, note=text)
    db.session.add(event)
    return event


def move(order: Order, status: str, text: str | None = None) -> OrderEvent | None:
    """Move the order to `status` and note the step (None when it is there already)."""
    if order.status == status:
        return None
    if status not in TRANSITIONS[order.status]:
        raise InvalidTransition(
            f"Order {order.number} is {queries.status_label(order.status).lower()}; it cannot become {status}.",
            current=order.status,
            requested=status,
        )
    order.status = status
    order.updated_at = utcnow()
    return note(order, status, text)


def lock(order: Order) -> Order:
    """Re-read the order row under FOR UPDATE (with its children fresh), so concurrent writers queue."""
    locked = queries.order_by_id(order.id, lock=True)
    if locked is None:
        raise NotFound(f"Order {order.number} does not exist.")
    for relation in ("lines", "parts", "refunds", "payments", "history"):
        db.session.refresh(locked, [relation])
    return locked


# --- placed ------------------------------------------------------------------------------------------


def mark_placed(
    order: Order,
    *,
    vendor_names: Mapping[int, str],
    placed_at: datetime | None = None,
    confirmation_email: bool = True,
) -> None:
    """Placed: a part per store, order.placed for the vendor and admin portals, the confirmation email."""
    order.placed_at = placed_at or utcnow()
    step = move(order, "placed")
    if step is not None:
        step.created_at = order.placed_at
    if "parts" in sa.inspect(order).unloaded:
        set_committed_value(order, "parts", [])  # parts are made here, once: nothing to read
    for vendor_id in dict.fromkeys(line.vendor_id for line in order.lines):
        order.parts.append(
            OrderVendorPart(
                vendor_id=vendor_id,
                vendor_name=(vendor_names.get(vendor_id) or f"Store {vendor_id}")[:120],
                status="placed",
                updated_at=order.placed_at,
            )
        )
    db.session.flush()
    record_event("order.placed", placed_data(order))
    metrics.order_placed(session=db.session)
    if confirmation_email:
        mail.queue_order_confirmation(order)


def _earlier_orders(who: sa.ColumnElement[bool]) -> sa.Select[tuple[int]]:
    return sa.select(sa.func.count()).where(
        who,
        Order.id != sa.bindparam("order_id"),
        Order.placed_at.is_not(None),
        Order.placed_at < sa.bindparam("placed_at"),
    )


# Built once (every placed order asks): no statement to build or cache key to compute each time.
_EARLIER_BY_CUSTOMER = _earlier_orders(Order.customer_id == sa.bindparam("customer_id"))
_EARLIER_BY_EMAIL = _earlier_orders(Order.email == sa.bindparam("email"))


def is_new_customer(order: Order) -> bool:
    """True when this is the first order placed with this account (or, for a guest, this email)."""
    params = {"order_id": order.id, "placed_at": order.placed_at}
    if order.customer_id:
        earlier = db.session.scalar(_EARLIER_BY_CUSTOMER, {**params, "customer_id": order.customer_id})
    else:
        earlier = db.session.scalar(_EARLIER_BY_EMAIL, {**params, "email": order.email})
    return not earlier


def placed_data(order: Order, *, new_customer: bool | None = None) -> dict[str, Any]:
    """order.placed, the whole contract shape (common_core/contracts.py)."""
    return {
        "order_id": order.id,
        "number": order.number,
        "placed_at": order.placed_at.isoformat(),
        "currency": order.currency,
        "total": str(order.total),
        "shipping_total": str(order.shipping_total),
        "customer_id": order.customer_id,
        "email": order.email,
        "is_new_customer": is_new_customer(order) if new_customer is None else new_customer,
        "shipping_address": {
            key: order.shipping_address.get(key) for key in ("name", "line1", "line2", "city", "postcode", "country")
        },
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
            }
            for line in order.lines
        ],
    }


# --- cancelling --------------------------------------------------------------------------------------


def cancel_order(order: Order, *, actor: str, reason: str, refund_id: str | None = None) -> Refund | None:
    """Cancel a placed order before any store sends its part, and refund what is left of the payment.

    Cancelling a cancelled order changes nothing (idempotent). Refused with AlreadyShipped once a part
    is on its way.
    """
    order = lock(order)
    if order.status == "cancelled":
        return next((r for r in order.refunds if r.id == (refund_id or cancel_refund_id(order.id))), None)
    if any(part.status in SENT for part in order.parts):
        raise AlreadyShipped(
            f"Order {order.number} can no longer be cancelled: part of it has already been sent. "
            "You can return it once it arrives."
        )
    if order.status not in ("placed", "partially_cancelled"):
        raise InvalidTransition(f"Order {order.number} is {queries.status_label(order.status).lower()}.")
    reason = (reason or "").strip()[:500] or "Cancelled"
    for line in order.lines:
        line.cancelled_quantity = line.quantity
    now = utcnow()
    for part in order.parts:
        if part.status != "cancelled":
            part.status = "cancelled"
            part.updated_at = now
    move(order, "cancelled", f"{reason} ({actor})")
    db.session.flush()
    record_event("order.cancelled", {"order_id": order.id, "number": order.number, "reason": reason})
    amount = queries.refundable(order)
    if amount <= 0:
        return None
    lines = [
        {"line_id": line.id, "amount": str(line.line_total - line.refunded_amount)}
        for line in order.lines
        if line.line_total > line.refunded_amount
    ]
    return refund(
        order,
        refund_id=refund_id or cancel_refund_id(order.id),
        amount=amount,
        reason=f"Order cancelled: {reason}",
        lines=lines,
        actor=actor,
    )


def cancel_refund_id(order_id: str) -> str:
    """The refund of a cancellation: a uuid derived from the order, so cancelling twice refunds once."""
    return str(uuid.uuid5(CANCEL_REFUNDS, order_id))


# --- refunds -----------------------------------------------------------------------------------------


def refund(
    order: Order,
    *,
    refund_id: str,
    amount: Decimal,
    reason: str,
    lines: Sequence[Mapping[str, Any]] | None = None,
    actor: str,
) -> Refund:
    """Give money back through the provider; a repeat of refund_id returns the first refund unchanged.

    Never more than was paid minus what was refunded already (RefundExceedsPaid), and per line never
    more than the line's own remainder. lines: [{line_id, amount}] (optional; the rest is shipping or
    goodwill).
    """
    refund_id = (refund_id or "").strip()
    if not refund_id or len(refund_id) > 64:
        raise InvalidInput("refund_id must be 1 to 64 characters.", field="refund_id")
    existing = db.session.get(Refund, refund_id)
    if existing is not None:
        if existing.order_id != order.id:
            raise Conflict(f"Refund {refund_id} belongs to another order.")
        return existing
    order = lock(order)
    amount = money(amount)
    if amount <= 0:
        raise InvalidInput("The amount to refund must be more than 0.", field="amount")
    left = queries.refundable(order)
    if amount > left:
        raise RefundExceedsPaid(
            f"At most {format_money(left, order.currency)} can still be refunded.",
            refundable=str(left),
        )
    by_id = {line.id: line for line in order.lines}
    per_line: dict[str, Decimal] = {}
    for entry in lines or ():
        line = by_id.get(str(entry.get("line_id")))
        if line is None:
            raise InvalidInput(f"Line {entry.get('line_id')} is not part of order {order.number}.", field="lines")
        share = money(entry.get("amount"))
        if share <= 0:
            raise InvalidInput("Each line's refund must be more than 0.", field="lines")
        per_line[line.id] = per_line.get(line.id, Decimal("0.00")) + share
    for line_id, share in per_line.items():
        line = by_id[line_id]
        line_left = line.line_total - line.refunded_amount
        if share > line_left:
            raise RefundExceedsPaid(
                f"At most {format_money(line_left, order.currency)} can still be refunded on {line.title}.",
                line_id=line_id,
                refundable=str(line_left),
            )
    if sum(per_line.values(), Decimal("0.00")) > amount:
        raise InvalidInput("The lines' refunds add up to more than the amount.", field="lines")
    payment = queries.captured_payment(order)
    if payment is None or not payment.provider_token:
        raise Conflict(f"Order {order.number} has no payment to refund.")
    result = provider().refund(payment.provider_token, amount)
    if not result.succeeded:
        raise Conflict(result.message or "The payment provider did not make the refund. Nothing was changed.")
    entry_lines = [{"line_id": line_id, "amount": str(share)} for line_id, share in per_line.items()]
    created = Refund(
        id=refund_id,
        order_id=order.id,
        amount=amount,
        currency=order.currency,
        reason=(reason or "Refund").strip()[:1000],
        lines=entry_lines,
        actor=actor[:120],
    )
    db.session.add(created)
    order.refunds.append(created)
    order.refunded_total = money(order.refunded_total + amount)
    order.updated_at = utcnow()
    for line_id, share in per_line.items():
        by_id[line_id].refunded_amount = money(by_id[line_id].refunded_amount + share)
    note(order, "refunded", f"Refunded {format_money(amount, order.currency)}: {created.reason}")
    db.session.flush()
    data: dict[str, Any] = {
        "order_id": order.id,
        "number": order.number,
        "refund_id": refund_id,
        "amount": str(amount),
        "currency": order.currency,
        "reason": created.reason,
    }
    if entry_lines:
        data["lines"] = entry_lines
    record_event("order.refunded", data)
    return created


# --- what the stores report --------------------------------------------------------------------------


def apply_fulfilment(data: Mapping[str, Any], *, event_id: str, occurred_at: datetime | None = None) -> None:
    """fulfilment.updated: a store's part moves on (status, carrier, tracking, timeline) and lines it
    cancelled are refunded, once per event (the refund id is derived from the event id)."""
    order_id = str(data["order_id"])
    order = queries.order_by_id(order_id)
    if order is None:
        raise NotFound(f"fulfilment.updated: order {order_id} is not known here.")
    order = lock(order)
    vendor_id = _integer(data["vendor_id"], "vendor_id")
    status = str(data["status"])
    if status not in PART_STATUSES or status == "placed":
        raise InvalidInput(f"fulfilment.updated: unknown status {status!r}.")
    part = next((p for p in order.parts if p.vendor_id == vendor_id), None)
    if part is None:
        raise InvalidInput(f"fulfilment.updated: order {order.number} has no part from store {vendor_id}.")
    at = _timestamp(data.get("updated_at")) or occurred_at or utcnow()
    carrier = (data.get("carrier") or "").strip()[:60] or None
    tracking = (data.get("tracking_number") or "").strip()[:80] or None
    # Deliveries are not ordered: an older update adds to the timeline but does not set the status back.
    if part.status != "cancelled" and at >= part.updated_at:
        part.status = status
        part.updated_at = at
    part.carrier = carrier or part.carrier
    part.tracking_number = tracking or part.tracking_number
    text = (data.get("note") or "").strip()[:500] or None
    if status == "shipped" and carrier and tracking:
        text = f"Sent with {carrier}, tracking number {tracking}" + (f". {text}" if text else "")
    event = note(order, status, text, vendor_id=vendor_id)
    event.created_at = at
    cancelled = [entry for entry in data.get("cancelled_lines") or [] if isinstance(entry, Mapping)]
    if cancelled:
        _refund_cancelled_lines(order, part, cancelled, event_id=event_id)
    db.session.flush()
    settle_status(order)


def _refund_cancelled_lines(
    order: Order, part: OrderVendorPart, cancelled: Sequence[Mapping[str, Any]], *, event_id: str
) -> None:
    refund_id = f"fulfil-{event_id}"
    if db.session.get(Refund, refund_id) is not None:
        return  # this event's lines were refunded already
    by_id = {line.id: line for line in order.lines if line.vendor_id == part.vendor_id}
    shares: list[dict[str, str]] = []
    names: list[str] = []
    for entry in cancelled:
        line = by_id.get(str(entry.get("line_id")))
        if line is None:
            raise InvalidInput(f"fulfilment.updated: line {entry.get('line_id')} is not in order {order.number}.")
        quantity = min(_integer(entry.get("quantity"), "quantity"), line.quantity - line.cancelled_quantity)
        if quantity <= 0:
            continue
        line.cancelled_quantity += quantity
        share = min(money(line.unit_price * quantity), line.line_total - line.refunded_amount)
        names.append(f"{quantity} \N{MULTIPLICATION SIGN} {line.title}")
        if share > 0:
            shares.append({"line_id": line.id, "amount": str(share)})
    if not names:
        return
    amount = sum((Decimal(s["amount"]) for s in shares), Decimal("0.00"))
    part_lines = list(by_id.values())
    if all(line.cancelled_quantity == line.quantity for line in part_lines):
        # Nothing of this store's part will be sent: its shipping goes back too.
        subtotal = sum((line.line_total for line in part_lines), Decimal("0.00"))
        amount += shipping_for_part(order.shipping_method, subtotal)
    amount = min(money(amount), queries.refundable(order))
    what = ", ".join(names)
    if amount > 0 and queries.captured_payment(order) is not None:
        refund(
            order,
            refund_id=refund_id,
            amount=amount,
            reason=f"{what} cancelled by {part.vendor_name}",
            lines=shares,
            actor=f"vendor:{part.vendor_id}",
        )
        refunded = format_money(amount, order.currency)
        text = f"{what} {'was' if len(names) == 1 else 'were'} cancelled by the seller and refunded ({refunded})."
    else:
        text = f"{what} {'was' if len(names) == 1 else 'were'} cancelled by the seller."
    note(order, "items_cancelled", text, vendor_id=part.vendor_id)


def settle_status(order: Order) -> None:
    """The order's status from its parts: completed when every part still going ahead is delivered,
    cancelled when every part is cancelled, partly cancelled when some of it is."""
    if order.status not in ("placed", "partially_cancelled"):
        return
    active = [part for part in order.parts if part.status != "cancelled"]
    if not active:
        move(order, "cancelled", "Every store cancelled its part.")
        db.session.flush()
        record_event(
            "order.cancelled", {"order_id": order.id, "number": order.number, "reason": "Cancelled by the stores"}
        )
    elif all(part.status == "delivered" for part in active):
        move(order, "completed", "Everything was delivered.")
    elif len(active) < len(order.parts) or any(line.cancelled_quantity for line in order.lines):
        move(order, "partially_cancelled")


def _integer(value: Any, name: str) -> int:
    if isinstance(value, bool):
        raise InvalidInput(f"{name} must be an integer.")
    try:
        return int(value)
    except (TypeError, ValueError):
        raise InvalidInput(f"{name} must be an integer.") from None


def _timestamp(value: Any) -> datetime | None:
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        raise InvalidInput("updated_at must be an ISO 8601 time.") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=utcnow().tzinfo)


__all__ = [
    "AlreadyShipped",
    "OrderLine",
    "RefundExceedsPaid",
    "apply_fulfilment",
    "cancel_order",
    "mark_placed",
    "refund",
]
