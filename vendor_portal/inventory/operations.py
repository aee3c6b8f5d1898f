"""Writes on stock: vendor adjustments and checkout reservations. Operations flush; the caller commits.

Every write locks the variant rows it changes (SELECT ... FOR UPDATE, re-read) and checks the locked
values, so concurrent checkouts and adjustments queue up instead of losing updates. Several variants
are always locked in ascending id order, so two checkouts sharing variants can never deadlock. The
database CHECKs on stock are a last line of defence this code never relies on.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from common_core import metrics
from common_core.db import utcnow
from common_core.errors import Conflict, FieldError, InvalidInput, InvalidTransition, NotFound
from vendor_portal.catalog.models import Product, Variant
from vendor_portal.extensions import db
from vendor_portal.inventory import events
from vendor_portal.inventory.models import ADJUSTMENT_REASONS, Reservation, ReservationLine, StockAdjustment
from vendor_portal.inventory.queries import reservation_by_order

REASON_LABELS: dict[str, str] = {
    "initial": "Initial stock",
    "received": "Stock received",
    "correction": "Correction after a count",
    "damaged": "Damaged or lost",
    "sale": "Sold",
    "returned": "Returned",
    "cancelled": "Order cancelled",
    "import": "Import",
}
# Which way each reason moves stock: +1 only adds, -1 only removes, 0 either way.
REASON_DIRECTION: dict[str, int] = {
    "initial": 1,
    "received": 1,
    "returned": 1,
    "cancelled": 1,
    "damaged": -1,
    "sale": -1,
    "correction": 0,
    "import": 0,
}
VENDOR_REASONS = ("received", "correction", "damaged")  # what a vendor may pick on the adjust form
DELTA_MAX = 1_000_000  # per adjustment; a larger number is a typo, and int4 stock must never overflow
ON_HAND_MAX = 1_000_000_000

DEFAULT_TTL = 900
# Class key of the advisory locks that serialise requests about one order id (pg_advisory_xact_lock(int, int)).
_ORDER_LOCK_CLASS = 0x5E5E
# The moves a reservation may make; anything else is refused.
TRANSITIONS: dict[str, frozenset[str]] = {
    "held": frozenset({"committed", "released", "expired"}),
    "committed": frozenset(),
    "released": frozenset(),
    "expired": frozenset(),
    "refused": frozenset(),
}


class ReservationReleased(Conflict):
    code = "reservation_released"


class ReservationRefused(Conflict):
    code = "reservation_refused"


class AlreadyCommitted(Conflict):
    code = "already_committed"


# --- Stock adjustments -------------------------------------------------------------------------------


def delta_problem(delta: int, reason: str) -> str | None:
    """What is wrong with moving stock by `delta` for `reason`, or None. Shared by the form and adjust_stock."""
    if delta == 0:
        return "Enter a number other than 0."
    if abs(delta) > DELTA_MAX:
        return f"Enter a change of at most {DELTA_MAX:,} units at a time."
    direction = REASON_DIRECTION.get(reason, 0)
    label = REASON_LABELS.get(reason, reason)
    if direction > 0 and delta < 0:
        return f"“{label}” adds to your stock: enter a positive number, like 12."
    if direction < 0 and delta > 0:
        return f"“{label}” takes stock away: enter a negative number, like -2."
    return None


def adjust_stock(variant: Variant, delta: int, *, reason: str, note: str | None = None, actor: str) -> StockAdjustment:
    """Change a variant's stock on hand by `delta` and append it to the variant's history.

    Refuses (FieldError on "delta") a change that would leave less stock than is reserved for
    checkouts, so a vendor can never sell stock that shoppers are paying for.
    """
    if reason not in ADJUSTMENT_REASONS:
        raise FieldError("reason", f"Choose a reason: one of {', '.join(ADJUSTMENT_REASONS)}.")
    problem = delta_problem(delta, reason)
    if problem:
        raise FieldError("delta", problem)
    db.session.flush()  # the variant may be new (initial stock): give it an id, and keep pending edits
    variant = _lock_variants([variant.id])[variant.id]
    if delta < 0 and -delta > variant.available:
        message = f"Only {variant.available} in stock; you cannot remove {-delta}."
        if variant.reserved:
            message += f" Another {variant.reserved} are held for checkouts in progress."
        raise FieldError("delta", message)
    if variant.stock_on_hand + delta > ON_HAND_MAX:
        raise FieldError("delta", f"Stock on hand cannot go above {ON_HAND_MAX:,}.")
    variant.stock_on_hand += delta
    variant.updated_at = utcnow()
    entry = _record(variant, delta, reason=reason, note=note, actor=actor)
    db.session.flush()
    _announce([variant])
    return entry


def _record(variant: Variant, delta: int, *, reason: str, actor: str, note: str | None = None) -> StockAdjustment:
    """Append one history row (never updated or deleted afterwards)."""
    entry = StockAdjustment(
        vendor_id=variant.vendor_id,
        product_id=variant.product_id,
        variant_id=variant.id,
        delta=delta,
        reason=reason,
        note=(note or "").strip() or None,
        actor=actor[:120],
        on_hand_after=variant.stock_on_hand,
    )
    db.session.add(entry)
    return entry


# Built once (every reserve and commit locks its variants): no statement to build or cache key to
# compute each time.
_LOCK = (
    sa.select(Variant)
    .where(Variant.id.in_(sa.bindparam("variant_ids", expanding=True)))
    .order_by(Variant.id)
    .with_for_update(of=Variant)
    .execution_options(populate_existing=True)
)
_LOCK_WITH_PRODUCT = _LOCK.options(joinedload(Variant.product).joinedload(Product.vendor))


def _lock_variants(variant_ids: Iterable[int], *, with_product: bool = True) -> dict[int, Variant]:
    """Lock and re-read variant rows, in ascending id order (the one order every writer uses: no deadlocks).

    with_product=False reads the variants alone, for a caller that only moves their counts.
    """
    ids = sorted(set(variant_ids))
    if not ids:
        return {}
    rows = db.session.scalars(_LOCK_WITH_PRODUCT if with_product else _LOCK, {"variant_ids": ids})
    return {variant.id: variant for variant in rows}


# --- Reservations ------------------------------------------------------------------------------------


def reserve(order_id: str, quantities: Mapping[int, int], *, ttl_seconds: int = DEFAULT_TTL) -> Reservation:
    """Hold stock for every line of an order, or for none; the answer is kept in `outcome`.

    quantities: {variant_id: quantity}, one entry per variant (the caller sums repeated lines).
    A repeat of an order id returns the first reservation unchanged, whatever the stock is now.
    """
    if not quantities or any(q < 1 for q in quantities.values()):
        raise InvalidInput("A reservation needs at least one line, each of at least 1 unit.")
    _lock_order(order_id)  # a concurrent repeat of this order id waits here, then finds the first answer
    existing = reservation_by_order(order_id)
    if existing is not None:
        return existing
    variants = _lock_variants(quantities)
    now = utcnow()
    unavailable: list[dict[str, Any]] = []
    short: list[dict[str, Any]] = []
    for variant_id, quantity in quantities.items():
        variant = variants.get(variant_id)
        if variant is None or not variant.is_active or not variant.product.listed:
            unavailable.append(
                {"variant_id": variant_id, "requested": quantity, "available": 0, "reason": "unavailable"}
            )
        elif variant.available < quantity:
            short.append(
                {
                    "variant_id": variant_id,
                    "requested": quantity,
                    "available": variant.available,
                    "reason": "out_of_stock",
                }
            )
    if unavailable or short:
        reservation = Reservation(
            order_id=order_id,
            status="refused",
            expires_at=now,
            settled_at=now,
            outcome={"status_code": 409, "body": _refusal(unavailable, short)},
        )
        db.session.add(reservation)
        db.session.flush()
        metrics.reservation_outcome("refused", session=db.session)
        return reservation

    expires_at = now + timedelta(seconds=ttl_seconds)
    reservation = Reservation(order_id=order_id, status="held", expires_at=expires_at)
    answer_lines = []
    for variant_id, quantity in quantities.items():
        variant = variants[variant_id]
        variant.reserved += quantity
        variant.updated_at = now
        reservation.lines.append(ReservationLine(variant_id=variant_id, vendor_id=variant.vendor_id, quantity=quantity))
        answer_lines.append(_answer_line(variant, quantity))
    reservation.outcome = {
        "status_code": 200,
        "body": {"order_id": order_id, "status": "held", "expires_at": expires_at.isoformat(), "lines": answer_lines},
    }
    db.session.add(reservation)
    db.session.flush()
    metrics.reservation_outcome("held", session=db.session)
    _announce(variants.values())  # reserved units are no longer available to other shoppers
    return reservation


def commit(order_id: str) -> Reservation:
    """Turn held stock into sold stock (idempotent: a committed reservation is returned as it is)."""
    reservation = _locked_reservation(order_id)
    if reservation.status == "committed":
        return reservation
    if reservation.status in ("released", "expired"):
        raise ReservationReleased(
            f"The reservation for order {order_id} was {reservation.status}; its stock is no longer held.",
            status=reservation.status,
        )
    if reservation.status == "refused":
        raise ReservationRefused(f"The reservation for order {order_id} was refused; nothing is held.")
    # A held reservation past its expiry that the sweeper has not reached yet still holds its units,
    # so a paid order may take them: refusing would only strand a paid order.
    # Selling held units moves counts only: neither the product nor its store is read.
    variants = _lock_variants((line.variant_id for line in reservation.lines), with_product=False)
    now = utcnow()
    for line in reservation.lines:
        variant = variants[line.variant_id]
        variant.stock_on_hand -= line.quantity
        variant.reserved -= line.quantity
        variant.updated_at = now
        _record(variant, -line.quantity, reason="sale", actor=f"order:{order_id}")
    _move(reservation, "committed", now)
    db.session.flush()
    # No stock.changed: on hand and reserved fell by the same units, so what shoppers can buy (the only
    # figure the event carries) is what the reserve already announced.
    return reservation


def release(order_id: str) -> Reservation | None:
    """Give held stock back (idempotent). None when no reservation of this order exists."""
    # The order's lock makes a release wait for a reserve of the same order still in flight, so the
    # stock that reserve holds is released rather than missed.
    _lock_order(order_id)
    reservation = reservation_by_order(order_id, for_update=True)
    if reservation is None:
        return None
    if reservation.status == "committed":
        raise AlreadyCommitted(f"The reservation for order {order_id} is committed: the stock is sold.")
    if reservation.status == "held":
        variants = _lock_variants(line.variant_id for line in reservation.lines)
        _give_back(reservation, variants, "released")
        db.session.flush()
        _announce(variants.values())
    return reservation


def release_expired(now: datetime | None = None, *, limit: int = 200) -> int:
    """Release held reservations past their expiry (status "expired"); returns how many. Run by the relay."""
    cutoff = now or utcnow()
    reservations = list(
        db.session.scalars(
            sa.select(Reservation)
            .where(Reservation.status == "held", Reservation.expires_at <= cutoff)
            .order_by(Reservation.expires_at)
            .limit(limit)
            .options(selectinload(Reservation.lines))
            # A reservation being committed or released right now is skipped, not waited for.
            .with_for_update(of=Reservation, skip_locked=True)
        )
    )
    if not reservations:
        return 0
    variants = _lock_variants(line.variant_id for r in reservations for line in r.lines)
    for reservation in reservations:
        _give_back(reservation, variants, "expired")
    db.session.flush()
    _announce(variants.values())
    return len(reservations)


def reservation_state(reservation: Reservation) -> dict[str, Any]:
    """A reservation as the internal API shows it now."""
    return {
        "order_id": reservation.order_id,
        "status": reservation.status,
        "expires_at": reservation.expires_at.isoformat(),
        "created_at": reservation.created_at.isoformat(),
        "settled_at": reservation.settled_at.isoformat() if reservation.settled_at else None,
        "lines": [
            {"variant_id": line.variant_id, "vendor_id": line.vendor_id, "quantity": line.quantity}
            for line in sorted(reservation.lines, key=lambda line: line.variant_id)
        ],
    }


def _locked_reservation(order_id: str) -> Reservation:
    reservation = reservation_by_order(order_id, for_update=True)
    if reservation is None:
        raise NotFound(f"There is no reservation for order {order_id}.")
    return reservation


def _lock_order(order_id: str) -> None:
    # Transaction-scoped: released at commit or rollback. A hash collision only makes two orders queue briefly.
    db.session.execute(
        sa.text("SELECT pg_advisory_xact_lock(:lock_class, hashtext(:order_id))"),
        {"lock_class": _ORDER_LOCK_CLASS, "order_id": order_id},
    )


def _give_back(reservation: Reservation, variants: Mapping[int, Variant], status: str) -> None:
    now = utcnow()
    for line in reservation.lines:
        variant = variants[line.variant_id]
        variant.reserved -= line.quantity
        variant.updated_at = now
    _move(reservation, status, now)


def _move(reservation: Reservation, status: str, now: datetime) -> None:
    if status not in TRANSITIONS[reservation.status]:
        raise InvalidTransition(
            f"A {reservation.status} reservation cannot become {status}.", current=reservation.status, requested=status
        )
    reservation.status = status
    reservation.settled_at = now
    metrics.reservation_outcome(status, session=db.session)


def _announce(variants: Iterable[Variant]) -> None:
    """stock.changed for each variant the shop lists (others are not in its copy)."""
    for variant in variants:
        if variant.is_active and variant.product.listed:
            events.stock_changed(variant)


def _answer_line(variant: Variant, quantity: int) -> dict[str, Any]:
    # Prices as they are now: the storefront checks its totals against them.
    return {
        "variant_id": variant.id,
        "vendor_id": variant.vendor_id,
        "product_id": variant.product_id,
        "sku": variant.sku,
        "title": variant.product.title,
        "options": dict(variant.options or {}),
        "quantity": quantity,
        "unit_price": str(variant.price),
        "currency": variant.product.currency,
    }


def _refusal(unavailable: list[dict[str, Any]], short: list[dict[str, Any]]) -> dict[str, Any]:
    """The 409 body of a refused reservation. Unavailable lines win: the shopper must remove those first."""
    if unavailable:
        ids = ", ".join(str(line["variant_id"]) for line in unavailable)
        return {
            "error": "unavailable",
            "message": f"Some items are not for sale any more (variants {ids}).",
            "details": {"lines": unavailable + short},
        }
    parts = "; ".join(f"variant {line['variant_id']}: {line['available']} of {line['requested']}" for line in short)
    return {
        "error": "out_of_stock",
        "message": f"Not enough stock for every line ({parts} available).",
        "details": {"lines": short},
    }


def vendor_actor(user_id: int) -> str:
    """The actor string of a vendor user in stock history."""
    return f"vendor_user:{user_id}"
