"""Keeping the analytics read models from events (registered in admin_portal.internal.routes).

Each handler runs in the transaction of the event's inbox row, so an event is applied exactly once;
handlers flush and never commit. Delivery is not ordered across retries: an event about an order not
known yet is refused (InvalidInput), so the producer's relay retries it after order.placed arrives.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert

from admin_portal.analytics.models import (
    FULFILMENT_STATUSES,
    CustomerFact,
    FulfilmentPart,
    FulfilmentStep,
    OrderFact,
    OrderLineFact,
    ProductSummary,
    ProductViewDay,
    RefundFact,
    TrafficDay,
    VisitorDay,
)
from admin_portal.extensions import db
from common_core.db import money
from common_core.errors import InvalidInput

# Traffic batches are applied one at a time (see apply_traffic_batch); any constant unique in this database.
TRAFFIC_LOCK = 0x7A11_1C5
# Traffic event kind -> (event counter column, visitor flag column, distinct visitors column).
TRAFFIC_KINDS: dict[str, tuple[str, str | None, str | None]] = {
    "page_view": ("page_views", None, None),
    "product_view": ("product_views", "viewed_product", "product_viewers"),
    "add_to_cart": ("add_to_cart", "added_to_cart", "cart_adders"),
    "checkout_started": ("checkout_started", "started_checkout", "checkout_starters"),
    "order_placed": ("orders_placed", "placed_order", "buyers"),
}
VISITOR_FLAGS = tuple(flag for _, flag, _ in TRAFFIC_KINDS.values() if flag)


# --- orders ------------------------------------------------------------------------------------------------


def apply_order_placed(data: dict[str, Any], envelope: dict[str, Any]) -> None:
    """order.placed: the order and its lines; a second copy of the same order changes nothing."""
    order_id = str(data["order_id"])
    placed_at = parse_time(data["placed_at"], "placed_at")
    currency = _currency(data["currency"])
    lines = data["lines"]
    if not isinstance(lines, list) or not lines:
        raise InvalidInput(f"order.placed {data['number']}: an order needs at least one line.")
    inserted = db.session.execute(
        insert(OrderFact)
        .values(
            order_id=order_id,
            number=str(data["number"])[:32],
            placed_at=placed_at,
            placed_on=utc_day(placed_at),
            currency=currency,
            total=parse_money(data["total"], "total"),
            shipping_total=parse_money(data.get("shipping_total") or "0", "shipping_total"),
            customer_id=data.get("customer_id"),
            email=data.get("email"),
            is_new_customer=bool(data.get("is_new_customer")),
        )
        .on_conflict_do_nothing(index_elements=["order_id"])
        .returning(OrderFact.order_id)
    ).first()
    if inserted is None:
        return
    product_ids = {int(line["product_id"]) for line in lines if "product_id" in line}
    categories = dict(
        db.session.execute(
            sa.select(ProductSummary.product_id, ProductSummary.category_id).where(
                ProductSummary.product_id.in_(product_ids)
            )
        ).all()
    )
    rows = []
    for line in lines:
        missing = [
            k for k in ("line_id", "vendor_id", "product_id", "quantity", "unit_price", "line_total") if k not in line
        ]
        if missing:
            raise InvalidInput(f"order.placed {data['number']}: a line lacks {', '.join(missing)}.")
        rows.append(
            {
                "line_id": str(line["line_id"]),
                "order_id": order_id,
                "vendor_id": int(line["vendor_id"]),
                "product_id": int(line["product_id"]),
                "title": str(line.get("title") or f"Product {line['product_id']}")[:200],
                "quantity": int(line["quantity"]),
                "unit_price": parse_money(line["unit_price"], "unit_price"),
                "line_total": parse_money(line["line_total"], "line_total"),
                "category_id": categories.get(int(line["product_id"])),
                "currency": currency,
                "placed_on": utc_day(placed_at),
            }
        )
    db.session.execute(insert(OrderLineFact).on_conflict_do_nothing(index_elements=["line_id"]), rows)


def apply_order_cancelled(data: dict[str, Any], envelope: dict[str, Any]) -> None:
    """order.cancelled: count the cancelled units; the whole order when no lines are named."""
    order = _known_order(data, "order.cancelled")
    lines = {line.line_id: line for line in _lines_of(order.order_id)}
    wanted = data.get("lines")
    if wanted:
        for entry in wanted:
            line = lines.get(str(entry.get("line_id")))
            if line is None:
                raise InvalidInput(f"order.cancelled {order.number}: line {entry.get('line_id')} is not in the order.")
            line.cancelled_quantity = min(line.quantity, line.cancelled_quantity + int(entry.get("quantity") or 0))
    else:
        for line in lines.values():
            line.cancelled_quantity = line.quantity
    fully = all(line.cancelled_quantity == line.quantity for line in lines.values())
    order.status = "cancelled" if fully else "partially_cancelled"
    order.cancelled_at = order.cancelled_at or parse_time(envelope["occurred_at"], "occurred_at")
    db.session.flush()


def apply_order_refunded(data: dict[str, Any], envelope: dict[str, Any]) -> None:
    """order.refunded: a refund fact (once per refund id) and the refunded amounts of the order and lines."""
    order = _known_order(data, "order.refunded")
    amount = parse_money(data["amount"], "amount")
    if amount <= 0:
        raise InvalidInput(f"order.refunded {order.number}: the amount must be positive.")
    if _currency(data["currency"]) != order.currency:
        raise InvalidInput(f"order.refunded {order.number}: refund currency {data['currency']} is not the order's.")
    refunded_at = parse_time(envelope["occurred_at"], "occurred_at")
    entries = data.get("lines") or []
    inserted = db.session.execute(
        insert(RefundFact)
        .values(
            refund_id=str(data["refund_id"])[:64],
            order_id=order.order_id,
            amount=amount,
            currency=order.currency,
            refunded_at=refunded_at,
            refunded_on=utc_day(refunded_at),
            reason=data.get("reason"),
            lines=[{"line_id": str(e.get("line_id")), "amount": str(e.get("amount"))} for e in entries],
        )
        .on_conflict_do_nothing(index_elements=["refund_id"])
        .returning(RefundFact.id)
    ).first()
    if inserted is None:
        return  # the same refund again (a new event id for an old refund id): counted once
    order.refunded_total = money(order.refunded_total + amount)
    if entries:
        lines = {line.line_id: line for line in _lines_of(order.order_id)}
        for entry in entries:
            line = lines.get(str(entry.get("line_id")))
            if line is None:
                raise InvalidInput(f"order.refunded {order.number}: line {entry.get('line_id')} is not in the order.")
            line.refunded_amount = money(line.refunded_amount + parse_money(entry.get("amount"), "amount"))
    db.session.flush()


def apply_fulfilment_updated(data: dict[str, Any], envelope: dict[str, Any]) -> None:
    """fulfilment.updated: a step on the part's timeline, and the part's status if this update is the newest."""
    status = data["status"]
    if status not in FULFILMENT_STATUSES:
        raise InvalidInput(f"Unknown fulfilment status {status!r}.")
    at = parse_time(data.get("updated_at") or envelope["occurred_at"], "updated_at")
    values = {
        "order_id": str(data["order_id"]),
        "vendor_id": int(data["vendor_id"]),
        "status": status,
        "carrier": data.get("carrier"),
        "tracking_number": data.get("tracking_number"),
    }
    db.session.add(FulfilmentStep(**values, note=data.get("note"), at=at))
    statement = insert(FulfilmentPart).values(**values, updated_at=at)
    db.session.execute(
        statement.on_conflict_do_update(
            index_elements=["order_id", "vendor_id"],
            set_={
                "status": statement.excluded.status,
                "carrier": sa.func.coalesce(statement.excluded.carrier, FulfilmentPart.carrier),
                "tracking_number": sa.func.coalesce(statement.excluded.tracking_number, FulfilmentPart.tracking_number),
                "updated_at": statement.excluded.updated_at,
            },
            where=FulfilmentPart.updated_at <= statement.excluded.updated_at,
        )
    )
    db.session.flush()


# --- customers and products ----------------------------------------------------------------------------------


def apply_customer_registered(data: dict[str, Any], envelope: dict[str, Any]) -> None:
    """customer.registered: one row per customer, only to count new customers per day."""
    registered_at = parse_time(data.get("registered_at") or envelope["occurred_at"], "registered_at")
    db.session.execute(
        insert(CustomerFact)
        .values(customer_id=int(data["customer_id"]), registered_at=registered_at, registered_on=utc_day(registered_at))
        .on_conflict_do_nothing(index_elements=["customer_id"])
    )


def apply_product_upserted(data: dict[str, Any], envelope: dict[str, Any]) -> None:
    """product.upserted: the product's name, vendor and category, newest update wins."""
    _upsert_product(
        data,
        envelope,
        title=str(data["title"])[:200],
        category_id=data.get("category_id"),
        status="active",
    )


def apply_product_removed(data: dict[str, Any], envelope: dict[str, Any]) -> None:
    """product.removed: kept (past orders still name it), marked removed."""
    _upsert_product(data, envelope, title=f"Product {data['product_id']}", category_id=None, status="removed")


def _upsert_product(
    data: dict[str, Any], envelope: dict[str, Any], *, title: str, category_id: int | None, status: str
) -> None:
    updated_at = parse_time(data.get("updated_at") or envelope["occurred_at"], "updated_at")
    statement = insert(ProductSummary).values(
        product_id=int(data["product_id"]),
        vendor_id=int(data["vendor_id"]),
        title=title,
        category_id=category_id,
        status=status,
        updated_at=updated_at,
    )
    # A removal keeps the title and category it knew: top lists still name products no longer sold.
    keep_facts = status == "removed"
    db.session.execute(
        statement.on_conflict_do_update(
            index_elements=["product_id"],
            set_={
                "vendor_id": statement.excluded.vendor_id,
                "title": ProductSummary.title if keep_facts else statement.excluded.title,
                "category_id": ProductSummary.category_id if keep_facts else statement.excluded.category_id,
                "status": statement.excluded.status,
                "updated_at": statement.excluded.updated_at,
            },
            where=ProductSummary.updated_at <= statement.excluded.updated_at,
        )
    )


# --- traffic -----------------------------------------------------------------------------------------------


def apply_traffic_batch(data: dict[str, Any], envelope: dict[str, Any]) -> None:
    """traffic.batch: add the batch to the daily counts, counting each visitor once per day and step.

    Batches are serialised by a transaction-level advisory lock: the distinct counts are worked out from
    the visitor-day rows read before writing, which two batches running at once would both miss.
    """
    events = data["events"]
    if not isinstance(events, list):
        raise InvalidInput("traffic.batch: events must be a list.")
    counts: dict[date, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    seen: dict[tuple[date, str], set[str]] = defaultdict(set)
    product_views: dict[tuple[date, int], int] = defaultdict(int)
    for event in events:
        kind = event.get("kind") if isinstance(event, dict) else None
        try:
            day = utc_day(parse_time(event["at"], "at")) if kind in TRAFFIC_KINDS and event.get("visitor") else None
        except InvalidInput:
            day = None
        if day is None:
            continue  # one malformed event must not hold back the rest of the batch forever
        counter, flag, _ = TRAFFIC_KINDS[kind]
        counts[day][counter] += 1
        visitor = str(event["visitor"])[:64]
        seen[(day, visitor)].add(flag or "")
        if kind == "product_view" and isinstance(event.get("product_id"), int):
            product_views[(day, event["product_id"])] += 1
    if not seen:
        return
    db.session.execute(sa.select(sa.func.pg_advisory_xact_lock(TRAFFIC_LOCK)))
    _count_visitors(seen, counts)
    for day, day_counts in counts.items():
        statement = insert(TrafficDay).values(day=day, **day_counts)
        db.session.execute(
            statement.on_conflict_do_update(
                index_elements=["day"],
                set_={column: getattr(TrafficDay, column) + value for column, value in day_counts.items()},
            )
        )
    if product_views:
        statement = insert(ProductViewDay).values(
            [{"day": day, "product_id": pid, "views": n} for (day, pid), n in product_views.items()]
        )
        db.session.execute(
            statement.on_conflict_do_update(
                index_elements=["day", "product_id"], set_={"views": ProductViewDay.views + statement.excluded.views}
            )
        )


def _count_visitors(seen: dict[tuple[date, str], set[str]], counts: dict[date, dict[str, int]]) -> None:
    """Add the visitors (and steps) not seen before on their day to `counts`, and remember them."""
    keys = list(seen)
    known = {
        (row.day, row.visitor): row
        for row in db.session.execute(
            sa.select(VisitorDay).where(sa.tuple_(VisitorDay.day, VisitorDay.visitor).in_(keys))
        ).scalars()
    }
    for (day, visitor), flags in seen.items():
        row = known.get((day, visitor))
        if row is None:
            row = VisitorDay(day=day, visitor=visitor, **dict.fromkeys(VISITOR_FLAGS, False))
            db.session.add(row)
            counts[day]["visitors"] += 1
        for _, flag, distinct in TRAFFIC_KINDS.values():
            if flag and flag in flags and not getattr(row, flag):
                setattr(row, flag, True)
                counts[day][distinct] += 1
    db.session.flush()


# --- parsing -----------------------------------------------------------------------------------------------


def _known_order(data: dict[str, Any], event_type: str) -> OrderFact:
    order = db.session.get(OrderFact, str(data["order_id"]), with_for_update=True)
    if order is None:
        # order.placed may still be on its way (no ordering across retries): refuse so the relay retries.
        raise InvalidInput(f"{event_type} {data.get('number')}: the order is not known yet.")
    return order


def _lines_of(order_id: str) -> list[OrderLineFact]:
    return list(db.session.scalars(sa.select(OrderLineFact).where(OrderLineFact.order_id == order_id)))


def parse_time(text: Any, name: str) -> datetime:
    try:
        moment = datetime.fromisoformat(str(text))
    except (TypeError, ValueError):
        raise InvalidInput(f"{name}: not an ISO 8601 time: {text!r}.") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def utc_day(moment: datetime) -> date:
    return moment.astimezone(UTC).date()


def parse_money(value: Any, name: str) -> Decimal:
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        raise InvalidInput(f"{name}: not an amount: {value!r}.") from None
    if not amount.is_finite():
        raise InvalidInput(f"{name}: not an amount: {value!r}.")
    return money(amount)


def _currency(value: Any) -> str:
    text = str(value or "").upper()
    if len(text) != 3 or not text.isalpha():
        raise InvalidInput(f"Not an ISO currency code: {value!r}.")
    return text
