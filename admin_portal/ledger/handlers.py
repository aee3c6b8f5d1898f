"""Ledger entries written from the storefront's order events (registered in admin_portal.internal.routes).

They run after the analytics handler of the same event, in the same transaction: that handler has
already refused an order not known yet, so here an order without sale entries has nothing to reverse.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert

from admin_portal.analytics.handlers import parse_money
from admin_portal.extensions import db
from admin_portal.ledger.models import LedgerEntry
from admin_portal.vendors.models import DEFAULT_COMMISSION, VendorSummary
from common_core.errors import InvalidInput

CENT = Decimal("0.01")
# The predicates of the ledger's partial unique indexes, as literal SQL: PostgreSQL infers the index for
# ON CONFLICT only from the same predicate, which a bound parameter would hide.
SALE_KEY = sa.text("kind IN ('sale', 'commission')")
REFUND_KEY = sa.text("kind IN ('refund', 'commission_refund')")


def commission_on(amount: Decimal, rate: Decimal) -> Decimal:
    """The marketplace's share of `amount` at `rate` percent, rounded half-up to the cent."""
    return (amount * rate / 100).quantize(CENT, rounding=ROUND_HALF_UP)


def record_sales(data: dict[str, Any], envelope: dict[str, Any]) -> None:
    """order.placed: per line, a sale credited to its vendor and the commission debited at the vendor's rate now."""
    lines = data["lines"]
    vendor_ids = {int(line["vendor_id"]) for line in lines}
    # The rate the admin had set when the order came in; a vendor not in the read model yet pays the default.
    rates = dict(
        db.session.execute(
            sa.select(VendorSummary.vendor_id, VendorSummary.commission_rate).where(
                VendorSummary.vendor_id.in_(vendor_ids)
            )
        ).all()
    )
    common = {
        "currency": str(data["currency"]).upper(),
        "order_id": str(data["order_id"]),
        "order_number": str(data["number"])[:32],
        "event_id": uuid.UUID(str(envelope["id"])),
    }
    rows = []
    for line in lines:
        amount = parse_money(line["line_total"], "line_total")
        if amount <= 0:
            continue  # a free line moves no money
        vendor_id = int(line["vendor_id"])
        rate = rates.get(vendor_id, DEFAULT_COMMISSION)
        line_common = {**common, "vendor_id": vendor_id, "line_id": str(line["line_id"])}
        rows.append({**line_common, "kind": "sale", "amount": amount, "commission_rate": None})
        commission = commission_on(amount, rate)
        if commission > 0:
            rows.append({**line_common, "kind": "commission", "amount": -commission, "commission_rate": rate})
    if rows:
        db.session.execute(
            insert(LedgerEntry).on_conflict_do_nothing(index_elements=["line_id", "kind"], index_where=SALE_KEY),
            rows,
        )


def record_refund(data: dict[str, Any], envelope: dict[str, Any]) -> None:
    """order.refunded: reverse the refunded part of each line's sale, and the same share of its commission.

    The commission returned is worked out on the line's whole refunded amount so far, so a line refunded
    in several parts gets back exactly its whole commission in the end (no cent lost to rounding).
    """
    order_id, refund_id = str(data["order_id"]), str(data["refund_id"])[:64]
    entries = db.session.scalars(
        sa.select(LedgerEntry).where(LedgerEntry.order_id == order_id, LedgerEntry.line_id.is_not(None))
    ).all()
    sales = {e.line_id: e for e in entries if e.kind == "sale"}
    if not sales or any(e.refund_id == refund_id for e in entries):
        return  # nothing sold to reverse, or this refund (sent again under a new event id) is already in
    commission = {e.line_id: -e.amount for e in entries if e.kind == "commission"}
    refunded = defaultdict(Decimal, _sums(entries, "refund", sign=-1))
    returned = defaultdict(Decimal, _sums(entries, "commission_refund", sign=1))
    remaining = {line_id: sale.amount - refunded[line_id] for line_id, sale in sales.items()}
    if data.get("lines"):
        shares: dict[str, Decimal] = defaultdict(Decimal)
        for entry in data["lines"]:
            line_id = str(entry.get("line_id"))
            if line_id not in sales:
                raise InvalidInput(f"order.refunded {data['number']}: line {line_id} has no sale in the ledger.")
            shares[line_id] += parse_money(entry.get("amount"), "amount")
    else:
        shares = _allocate(parse_money(data["amount"], "amount"), remaining)
    rows = []
    for line_id, asked in shares.items():
        amount = min(asked, remaining[line_id])
        if amount <= 0:
            continue
        sale = sales[line_id]
        common = {
            "vendor_id": sale.vendor_id,
            "currency": sale.currency,
            "order_id": order_id,
            "order_number": sale.order_number,
            "line_id": line_id,
            "refund_id": refund_id,
            "event_id": uuid.UUID(str(envelope["id"])),
        }
        rows.append({**common, "kind": "refund", "amount": -amount})
        taken = commission.get(line_id, Decimal(0))
        due = (taken * (refunded[line_id] + amount) / sale.amount).quantize(CENT, rounding=ROUND_HALF_UP)
        back = due - returned[line_id]
        if back > 0:
            rows.append({**common, "kind": "commission_refund", "amount": back})
    if rows:
        db.session.execute(
            insert(LedgerEntry).on_conflict_do_nothing(
                index_elements=["refund_id", "line_id", "kind"],
                index_where=REFUND_KEY,
            ),
            rows,
        )


def _sums(entries: Any, kind: str, *, sign: int) -> dict[str, Decimal]:
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for entry in entries:
        if entry.kind == kind:
            totals[entry.line_id] += sign * entry.amount
    return totals


def _allocate(total: Decimal, remaining: dict[str, Decimal]) -> dict[str, Decimal]:
    """A whole-order refund shared over the lines by what is still unrefunded on each.

    Capped at the lines' total: the rest of such a refund is shipping, which is not the vendors' money.
    """
    base = sum((value for value in remaining.values() if value > 0), Decimal(0))
    if base <= 0:
        return {}
    total = min(total, base)
    shares = {
        line_id: (total * value / base).quantize(CENT, rounding=ROUND_DOWN)
        for line_id, value in remaining.items()
        if value > 0
    }
    # Cents lost to rounding down go to the lines, one each, in a stable order.
    leftover = total - sum(shares.values(), Decimal(0))
    for line_id in sorted(shares):
        if leftover <= 0:
            break
        if shares[line_id] < remaining[line_id]:
            shares[line_id] += CENT
            leftover -= CENT
    return shares
