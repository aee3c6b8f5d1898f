"""Writes on vendor orders: taking in the shop's orders, fulfilment steps, cancellations and refunds.

Operations take the actor (a store's user on the pages, "storefront" for the shop's events), flush, and
leave the commit to the request or the inbox. Every status change appends to the part's timeline and
records fulfilment.updated, so the shop and the admin portal follow along.
"""

from __future__ import annotations

import logging
import re
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from common_core.db import money, utcnow, violated_constraint
from common_core.errors import Conflict, FieldError, InvalidInput, InvalidTransition, NotAllowed, NotFound
from vendor_portal.accounts.models import VendorUser
from vendor_portal.catalog.models import Product, Variant
from vendor_portal.extensions import db
from vendor_portal.inventory.operations import adjust_stock
from vendor_portal.orders import events, payloads
from vendor_portal.orders.formatting import money_text, options_text
from vendor_portal.orders.models import VendorOrder, VendorOrderEvent, VendorOrderLine
from vendor_portal.orders.queries import parts_of_order, vendors_with_part

log = logging.getLogger("marketplace.vendor_portal.orders")

Actor = VendorUser | str

# The moves a vendor order may make; anything else is refused with InvalidTransition.
TRANSITIONS: dict[str, frozenset[str]] = {
    "placed": frozenset({"acknowledged", "cancelled"}),
    "acknowledged": frozenset({"packed", "cancelled"}),
    "packed": frozenset({"shipped", "cancelled"}),
    "shipped": frozenset({"delivered"}),
    "delivered": frozenset(),
    "cancelled": frozenset(),
}
_ACTION = {
    "acknowledged": "acknowledged",
    "packed": "marked as packed",
    "shipped": "shipped",
    "delivered": "marked as delivered",
    "cancelled": "cancelled",
}
UNIQUE_PART = "uq_vendor_order_order_id_vendor_id"
TRACKING_RE = re.compile(r"^[A-Za-z0-9-]{4,40}$")
CARRIER_MAX = 60
NOTE_MAX = 500
# Only these parts of the buyer's address travel with a vendor order: what a parcel needs, nothing else.
ADDRESS_KEYS = ("line1", "line2", "city", "postcode", "country")


@dataclass(frozen=True)
class CancelledLine:
    line: VendorOrderLine
    quantity: int

    def as_event(self) -> dict[str, Any]:
        return {"line_id": self.line.line_id, "quantity": self.quantity}


def actor_label(actor: Actor) -> str:
    """How an actor is written in timelines and stock history: "vendor_user:3" or the calling service."""
    return f"vendor_user:{actor.id}" if isinstance(actor, VendorUser) else actor


def can_cancel(order: VendorOrder) -> bool:
    return "cancelled" in TRANSITIONS[order.status]


def remaining(line: VendorOrderLine) -> int:
    """Units of a line still to be sent (not cancelled)."""
    return line.quantity - line.cancelled_quantity


# --- the shop's events -----------------------------------------------------------------------------------


# Built once (every placed order asks): no statement to build or cache key to compute each time.
_OWNERS = (
    sa.select(Variant.id, Variant.product_id, Product.vendor_id)
    .join(Product, Product.id == Variant.product_id)
    .where(Variant.id.in_(sa.bindparam("variant_ids", expanding=True)))
)


def record_placed_order(data: Mapping[str, Any], *, actor: str = "storefront") -> list[VendorOrder]:
    """One part per vendor of a placed order, each with only that vendor's lines; repeats create nothing."""
    order_id, number = str(data["order_id"]), str(data["number"])
    lines = data["lines"]
    if not isinstance(lines, list) or not lines:
        raise InvalidInput(f"order.placed {number}: an order needs at least one line.")
    for line in lines:  # whole-number ids, or the event is refused as malformed
        payloads.integer(line, "product_id", number)
    variant_ids = {payloads.integer(line, "variant_id", number) for line in lines}
    # Each variant's product and that product's store, in one statement: all this needs of them.
    owners = {row.id: row for row in db.session.execute(_OWNERS, {"variant_ids": list(variant_ids)})}

    by_vendor: dict[int, list[Mapping[str, Any]]] = defaultdict(list)
    for line in lines:
        owner = owners.get(int(line["variant_id"]))
        # Every line was reserved here moments before, so an unknown product is data drift, not noise:
        # refusing (the relay retries, then dead-letters it for staff to see) beats a silently short order.
        if owner is None or owner.product_id != int(line["product_id"]):
            raise NotFound(
                f"order.placed {number}: product {line['product_id']} / variant {line['variant_id']} "
                "is not in the vendor portal."
            )
        if line.get("vendor_id") is not None and int(line["vendor_id"]) != owner.vendor_id:
            raise Conflict(
                f"order.placed {number}: line {line.get('line_id')} names vendor {line['vendor_id']}, "
                f"but product {owner.product_id} belongs to vendor {owner.vendor_id}."
            )
        by_vendor[owner.vendor_id].append(line)

    placed_at = payloads.timestamp(data["placed_at"], number)
    address = data.get("shipping_address") or {}
    existing = vendors_with_part(order_id)
    created = []
    for vendor_id, vendor_lines in by_vendor.items():
        if vendor_id in existing:
            continue
        part = VendorOrder(
            order_id=order_id,
            number=number,
            vendor_id=vendor_id,
            status="placed",
            currency=str(data["currency"]),
            placed_at=placed_at,
            shipping_name=str(address.get("name") or "")[:120],
            shipping_address={key: str(address[key]) for key in ADDRESS_KEYS if address.get(key)},
            updated_at=utcnow(),
            lines=[_order_line(line, number) for line in vendor_lines],
            # The timeline starts when the shopper ordered, not when the event happened to arrive.
            history=[VendorOrderEvent(status="placed", actor=actor, created_at=placed_at)],
        )
        part.subtotal = sum((line.line_total for line in part.lines), Decimal("0.00"))
        try:
            # Added inside the savepoint: begin_nested() flushes what is pending before its SAVEPOINT,
            # so a part added before it would be written outside the savepoint meant to catch its clash.
            with db.session.begin_nested():
                db.session.add(part)
                db.session.flush()
        except IntegrityError as exc:
            # Another event for the same order got there first (the inbox dedupes by event id, not order).
            if violated_constraint(exc) != UNIQUE_PART:
                raise
            continue
        created.append(part)
    return created


def apply_shop_cancellation(data: Mapping[str, Any], *, actor: str = "storefront") -> None:
    """The shop cancelled an order, or some of its lines: cancel what is not yet shipped and put it back in stock."""
    number = str(data["number"])
    parts = _known_parts(str(data["order_id"]), number, "order.cancelled")
    requested = None
    if data.get("lines") is not None:
        requested = {
            str(line["line_id"]): payloads.positive_integer(line, "quantity", number) for line in data["lines"]
        }
        unknown = set(requested) - {line.line_id for part in parts for line in part.lines}
        if unknown:
            raise NotFound(
                f"order.cancelled {number}: lines {', '.join(sorted(unknown))} are not in the vendor portal."
            )
    reason = (data.get("reason") or "").strip() or None
    for part in parts:
        targets = [line for line in part.lines if requested is None or line.line_id in requested]
        if not targets or part.status == "cancelled":
            continue
        if not can_cancel(part):
            _timeline(
                part,
                part.status,
                actor,
                f"The marketplace cancelled the order, but this part was already {part.status}: nothing changed.",
            )
            log.warning("shop cancelled a part already sent", extra={"order_id": part.order_id, "part": part.id})
            continue
        quantities = {
            line.id: min(remaining(line), requested[line.line_id] if requested else remaining(line)) for line in targets
        }
        _cancel_units(part, quantities, actor=actor, note=reason)
        if all(remaining(line) == 0 for line in part.lines):
            # The shop asked for it, so it already knows which lines to refund: no cancelled_lines, no double refund.
            _move(part, "cancelled", actor=actor, note=reason)
    db.session.flush()


def apply_refund(data: Mapping[str, Any], *, actor: str = "storefront") -> None:
    """Add a refund to the refunded totals of the parts whose lines it covers, and to their timelines."""
    number = str(data["number"])
    parts = _known_parts(str(data["order_id"]), number, "order.refunded")
    currency = str(data["currency"])
    if any(part.currency != currency for part in parts):
        raise InvalidInput(f"order.refunded {number}: refund currency {currency} is not the order's.")
    if data.get("lines"):
        part_of_line = {line.line_id: part for part in parts for line in part.lines}
        amounts: dict[int, Decimal] = defaultdict(Decimal)
        for entry in data["lines"]:
            part = part_of_line.get(str(entry.get("line_id")))
            if part is None:
                raise NotFound(f"order.refunded {number}: line {entry.get('line_id')} is not in the vendor portal.")
            amounts[part.id] += payloads.amount(entry.get("amount"), "amount", number)
        shares = [(part, amounts[part.id]) for part in parts if part.id in amounts]
    else:
        # A refund of the whole order: shared over the parts by what is still unrefunded on each.
        total = payloads.amount(data["amount"], "amount", number)
        shares = list(
            zip(parts, payloads.allocate(total, [part.subtotal - part.refunded_total for part in parts]), strict=True)
        )
    reason = (data.get("reason") or "").strip() or None
    for part, amount in shares:
        if amount <= 0:
            continue
        part.refunded_total = money(part.refunded_total + amount)
        part.updated_at = utcnow()
        _timeline(part, "refunded", actor, _join(f"Refunded {money_text(amount, currency)}", reason))
    db.session.flush()


# --- the store's fulfilment steps --------------------------------------------------------------------------


# `at` backdates a step (the demo's past orders); a store's own steps happen now.


def acknowledge(order: VendorOrder, *, actor: Actor, at: datetime | None = None) -> None:
    _ensure_member(order, actor)
    _move(order, "acknowledged", actor=actor_label(actor), at=at)


def mark_packed(order: VendorOrder, *, actor: Actor, at: datetime | None = None) -> None:
    _ensure_member(order, actor)
    _move(order, "packed", actor=actor_label(actor), at=at)


def ship(order: VendorOrder, *, carrier: str, tracking_number: str, actor: Actor, at: datetime | None = None) -> None:
    """Send the parcel: the carrier and tracking number go to the shopper with the status."""
    _ensure_member(order, actor)
    carrier = " ".join((carrier or "").split())
    tracking_number = (tracking_number or "").strip()
    if not carrier or len(carrier) > CARRIER_MAX:
        raise FieldError("carrier", f"Name the carrier in at most {CARRIER_MAX} characters.")
    if not TRACKING_RE.match(tracking_number):
        raise FieldError("tracking_number", "Use 4 to 40 letters, digits or dashes.")
    _check_move(order, "shipped")
    order.carrier = carrier
    order.tracking_number = tracking_number
    order.shipped_at = at or utcnow()
    # Carrier and tracking travel in their own fields; the timeline spells them out for the store.
    _move(
        order,
        "shipped",
        actor=actor_label(actor),
        timeline_note=f"{carrier}, tracking number {tracking_number}",
        at=at,
    )


def mark_delivered(order: VendorOrder, *, actor: Actor, at: datetime | None = None) -> None:
    _ensure_member(order, actor)
    _move(order, "delivered", actor=actor_label(actor), at=at)


def cancel_lines(
    order: VendorOrder, quantities: Mapping[int, int], *, note: str | None = None, actor: Actor
) -> list[CancelledLine]:
    """Cancel units the store cannot send (line id -> units), put them back in stock and tell the shop.

    The part is cancelled once nothing is left to send; otherwise it keeps its status. Either way the
    shop gets fulfilment.updated with the cancelled lines, so it tells the shopper and refunds them.
    """
    _ensure_member(order, actor)
    _check_move(order, "cancelled")
    note = (note or "").strip()[:NOTE_MAX] or None
    lines = {line.id: line for line in order.lines}
    for line_id, quantity in quantities.items():
        line = lines.get(line_id)
        if line is None:
            raise InvalidInput("That item is not part of this order.")
        if not 0 <= quantity <= remaining(line):
            raise FieldError(f"line_{line_id}", f"Enter a number from 0 to {remaining(line)}.")
    if not any(quantities.values()):
        raise InvalidInput("Enter a quantity to cancel for at least one item.")
    label = actor_label(actor)
    cancelled = _cancel_units(order, quantities, actor=label, note=note)
    if all(remaining(line) == 0 for line in order.lines):
        _move(order, "cancelled", actor=label, note=note, cancelled_lines=cancelled)
    else:
        order.updated_at = utcnow()
        db.session.flush()
        events.fulfilment_updated(order, cancelled_lines=[c.as_event() for c in cancelled], note=note)
    return cancelled


# --- helpers ---------------------------------------------------------------------------------------------


def _cancel_units(
    order: VendorOrder, quantities: Mapping[int, int], *, actor: str, note: str | None
) -> list[CancelledLine]:
    """Take units off lines, restore their stock and note them on the timeline; no status change here."""
    lines = {line.id: line for line in order.lines}
    todo = [(lines[line_id], quantity) for line_id, quantity in sorted(quantities.items()) if quantity > 0]
    if not todo:
        return []
    # Sold stock left stock_on_hand when the reservation was committed: cancelling puts it back. The rows
    # are locked in ascending id order, as every stock writer does, so concurrent writers cannot deadlock.
    variant_ids = sorted({line.variant_id for line, _ in todo})
    variants = {
        v.id: v
        for v in db.session.scalars(
            sa.select(Variant).where(Variant.id.in_(variant_ids)).order_by(Variant.id).with_for_update()
        )
    }
    cancelled = []
    for line, quantity in todo:
        line.cancelled_quantity += quantity
        adjust_stock(variants[line.variant_id], quantity, reason="cancelled", note=f"Order {order.number}", actor=actor)
        cancelled.append(CancelledLine(line, quantity))
    summary = "; ".join(
        f"{c.quantity} \N{MULTIPLICATION SIGN} {c.line.title}"
        + (f" ({options_text(c.line.options)})" if c.line.options else "")
        for c in cancelled
    )
    _timeline(order, "items_cancelled", actor, _join(f"Cancelled {summary}", note))
    return cancelled


def _check_move(order: VendorOrder, status: str) -> None:
    if status not in TRANSITIONS[order.status]:
        raise InvalidTransition(
            f"Order {order.number} is {order.status}; it cannot be {_ACTION[status]}.",
            current=order.status,
            requested=status,
        )


def _move(
    order: VendorOrder,
    status: str,
    *,
    actor: str,
    note: str | None = None,
    timeline_note: str | None = None,
    cancelled_lines: Sequence[CancelledLine] = (),
    at: datetime | None = None,
) -> None:
    """Change the status, note it on the timeline and tell the shop; `note` goes to the shopper too."""
    _check_move(order, status)
    order.status = status
    order.updated_at = at or utcnow()
    _timeline(order, status, actor, timeline_note or note, at=at)
    db.session.flush()
    events.fulfilment_updated(order, cancelled_lines=[c.as_event() for c in cancelled_lines], note=note)


def _timeline(
    order: VendorOrder, status: str, actor: str, note: str | None = None, *, at: datetime | None = None
) -> None:
    event = VendorOrderEvent(status=status, actor=actor, note=note)
    if at is not None:
        event.created_at = at
    order.history.append(event)


def _ensure_member(order: VendorOrder, actor: Actor) -> None:
    # Pages already scope lookups to the signed-in store; this guards every other caller.
    if isinstance(actor, VendorUser) and actor.vendor_id != order.vendor_id:
        raise NotAllowed("You can only change your own store's orders.")


def _known_parts(order_id: str, number: str, event_type: str) -> list[VendorOrder]:
    parts = parts_of_order(order_id, for_update=True)
    if not parts:
        # Events are not ordered across retries: order.placed may still be on its way. Refusing makes the
        # relay try again later instead of losing the cancellation or refund.
        raise NotFound(f"{event_type} {number}: order {order_id} is not known here yet.")
    return parts


def _order_line(line: Mapping[str, Any], number: str) -> VendorOrderLine:
    missing = [key for key in ("line_id", "sku", "title", "unit_price", "line_total") if line.get(key) is None]
    if missing:
        raise InvalidInput(f"order.placed {number}: a line lacks {', '.join(missing)}.")
    options = line.get("options") or {}
    return VendorOrderLine(
        line_id=str(line["line_id"]),
        product_id=int(line["product_id"]),
        variant_id=int(line["variant_id"]),
        sku=str(line["sku"])[:64],
        title=str(line["title"])[:200],
        options={str(k): str(v) for k, v in options.items()} if isinstance(options, dict) else {},
        quantity=payloads.positive_integer(line, "quantity", number),
        unit_price=payloads.amount(line["unit_price"], "unit_price", number),
        line_total=payloads.amount(line["line_total"], "line_total", number),
        cancelled_quantity=0,
    )


def _join(first: str, second: str | None) -> str:
    return f"{first}: {second}" if second else first
