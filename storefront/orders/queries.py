"""Reads of orders: scoped to their customer (no one sees another's order), guests' signed links, admin search.

Customers reach their orders through orders_of(customer); guests through a signed, expiring link whose
token names the order id. Both answer None (a 404 for the page) for anything else.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from flask import current_app, has_request_context, url_for
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy.orm import joinedload, selectinload

from storefront.catalog.queries import Page
from storefront.extensions import db
from storefront.orders.models import Order, OrderEvent, OrderLine, OrderVendorPart, Payment

GUEST_LINK_SALT = "storefront.orders.guest-view"
GUEST_LINK_MAX_AGE = timedelta(days=90)
# What customers see in their history: orders that were placed (not checkouts that failed or never finished).
VISIBLE_STATUSES = ("placed", "partially_cancelled", "cancelled", "completed")
STATUS_LABELS = {
    "pending": "Being placed",
    "placed": "Placed",
    "failed": "Not placed",
    "cancelled": "Cancelled",
    "partially_cancelled": "Partly cancelled",
    "completed": "Completed",
    "acknowledged": "Seen by the store",
    "packed": "Packed",
    "shipped": "Shipped",
    "delivered": "Delivered",
    "refunded": "Refunded",
}
PER_PAGE = 10


def status_label(status: str) -> str:
    return STATUS_LABELS.get(status, status.replace("_", " ").capitalize())


def _detail_options() -> tuple[Any, ...]:
    return (*_summary_options(), selectinload(Order.history), selectinload(Order.refunds))


def _summary_options() -> tuple[Any, ...]:
    """What an order's summary shows (parts, lines, payment): the confirmation page and email.

    The stores' parts and the payment (one or two of each) come joined to the order's row, the lines in
    a second statement; read with _one_order.
    """
    return (joinedload(Order.parts), joinedload(Order.payments), selectinload(Order.lines))


def _one_order(statement: sa.Select[tuple[Order]], params: dict[str, Any] | None = None) -> Order | None:
    # Joined collections repeat the order's row: unique() folds them into one order, loaded whole.
    return db.session.scalars(statement, params).unique().one_or_none()


def orders_of(customer_id: int) -> sa.Select[tuple[Order]]:
    """The one scoping helper: a customer's own placed orders (newest first)."""
    return (
        sa.select(Order)
        .where(Order.customer_id == customer_id, Order.status.in_(VISIBLE_STATUSES))
        .order_by(Order.placed_at.desc(), Order.created_at.desc())
    )


def customer_order(customer_id: int, number: str) -> Order | None:
    return _one_order(orders_of(customer_id).where(Order.number == number).options(*_detail_options()))


def history(customer_id: int, page: int = 1, per_page: int = PER_PAGE) -> Page:
    base = orders_of(customer_id)
    total = db.session.scalar(sa.select(sa.func.count()).select_from(base.order_by(None).subquery())) or 0
    pages = max(1, math.ceil(total / per_page))
    page = min(max(1, page), pages)
    items = db.session.scalars(
        base.options(selectinload(Order.parts), selectinload(Order.lines)).limit(per_page).offset((page - 1) * per_page)
    ).all()
    return Page(list(items), page, total, per_page)


def order_by_id(order_id: str, *, lock: bool = False) -> Order | None:
    statement = sa.select(Order).where(Order.id == order_id)
    if lock:
        statement = statement.with_for_update().execution_options(populate_existing=True)
    return db.session.scalar(statement)


# Built once: every checkout and its confirmation read these, and SQLAlchemy then neither builds the
# statements nor computes their cache keys each time.
_BY_NUMBER = sa.select(Order).where(Order.number == sa.bindparam("number"))
_BY_NUMBER_SUMMARY = _BY_NUMBER.options(*_summary_options())
_BY_NUMBER_DETAIL = _BY_NUMBER.options(*_detail_options())
_BY_CHECKOUT_KEY = sa.select(Order).where(Order.checkout_key == sa.bindparam("checkout_key"))


def order_by_number(number: str, *, summary_only: bool = False) -> Order | None:
    return _one_order(_BY_NUMBER_SUMMARY if summary_only else _BY_NUMBER_DETAIL, {"number": number})


def order_by_checkout_key(checkout_key: str) -> Order | None:
    return db.session.scalar(_BY_CHECKOUT_KEY, {"checkout_key": checkout_key})


def captured_payment(order: Order) -> Payment | None:
    return next((p for p in order.payments if p.status == "captured"), None)


# --- guests' signed links ----------------------------------------------------------------------------


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=GUEST_LINK_SALT)


def guest_token(order: Order) -> str:
    return _serializer().dumps(order.id)


def order_from_token(token: str) -> Order | None:
    """The order a guest link names, or None when the token is tampered with, expired or unknown."""
    try:
        order_id = _serializer().loads(token, max_age=int(GUEST_LINK_MAX_AGE.total_seconds()))
    except BadSignature:  # SignatureExpired is a BadSignature too
        return None
    if not isinstance(order_id, str):
        return None
    return _one_order(
        sa.select(Order).where(Order.id == order_id, Order.status.in_(VISIBLE_STATUSES)).options(*_detail_options())
    )


def guest_link(order: Order) -> str:
    """The absolute signed link to a guest's order (for emails and the confirmation page)."""
    return external_url("orders.guest_view", token=guest_token(order))


def external_url(endpoint: str, **values: Any) -> str:
    if has_request_context():
        return url_for(endpoint, _external=True, **values)
    # Relay chores run without a request: build the link on the shop's public address.
    base = current_app.config.get("PUBLIC_URL") or "http://127.0.0.1:8001"
    with current_app.test_request_context(base_url=base):
        return url_for(endpoint, _external=True, **values)


# --- what a page shows of an order -------------------------------------------------------------------


@dataclass
class PartView:
    part: OrderVendorPart
    lines: list[OrderLine]
    timeline: list[OrderEvent]

    @property
    def subtotal(self) -> Decimal:
        return sum((line.line_total for line in self.lines), Decimal("0.00"))


def parts_of(order: Order, *, timelines: bool = True) -> list[PartView]:
    """Each store's part with its lines and, unless the page shows none, its own timeline (oldest first)."""
    views = []
    for part in order.parts:
        lines = [line for line in order.lines if line.vendor_id == part.vendor_id]
        timeline = [event for event in order.history if event.vendor_id == part.vendor_id] if timelines else []
        views.append(PartView(part, lines, timeline))
    return views


def order_timeline(order: Order) -> list[OrderEvent]:
    """The order's own steps (not a single store's), without bookkeeping the shopper need not see."""
    hidden = {"pending", "commit_pending", "stock_committed", "commit_failed"}
    return [event for event in order.history if event.vendor_id is None and event.status not in hidden]


def can_cancel(order: Order) -> bool:
    """Before shipment: placed (or partly cancelled) and no store has sent its part yet."""
    return order.status in ("placed", "partially_cancelled") and not any(
        part.status in ("shipped", "delivered") for part in order.parts
    )


def refundable(order: Order) -> Decimal:
    return order.total - order.refunded_total


# --- for admin_portal --------------------------------------------------------------------------------


@dataclass(frozen=True)
class OrderFilters:
    status: str | None = None
    vendor_id: int | None = None
    q: str | None = None
    date_from: date | None = None
    date_to: date | None = None
    min_total: Decimal | None = None
    max_total: Decimal | None = None
    customer_id: int | None = None


def search(filters: OrderFilters, page: int, per_page: int) -> tuple[list[Order], int]:
    """Orders for staff, newest first; q matches the number or the email (case-insensitive)."""
    statement = sa.select(Order).where(Order.status != "pending")
    if filters.status:
        statement = statement.where(Order.status == filters.status)
    if filters.vendor_id is not None:
        statement = statement.where(
            sa.exists().where(OrderLine.order_id == Order.id, OrderLine.vendor_id == filters.vendor_id)
        )
    if filters.q:
        escaped = filters.q.strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        like = f"%{escaped}%"
        statement = statement.where(sa.or_(Order.number.ilike(like, escape="\\"), Order.email.ilike(like, escape="\\")))
    moment = sa.func.coalesce(Order.placed_at, Order.created_at)
    if filters.date_from:
        statement = statement.where(moment >= datetime.combine(filters.date_from, time.min, tzinfo=UTC))
    if filters.date_to:
        statement = statement.where(
            moment < datetime.combine(filters.date_to + timedelta(days=1), time.min, tzinfo=UTC)
        )
    if filters.min_total is not None:
        statement = statement.where(Order.total >= filters.min_total)
    if filters.max_total is not None:
        statement = statement.where(Order.total <= filters.max_total)
    if filters.customer_id is not None:
        statement = statement.where(Order.customer_id == filters.customer_id)
    total = db.session.scalar(sa.select(sa.func.count()).select_from(statement.subquery())) or 0
    items = db.session.scalars(
        statement.order_by(moment.desc(), Order.id)
        .options(selectinload(Order.parts), selectinload(Order.lines))
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    return list(items), total


# --- for reviews -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DeliveredLine:
    customer_id: int
    product_id: int
    order_line_id: str
    delivered_at: datetime | None


def delivered_lines(customer_id: int | None = None, product_id: int | None = None) -> list[DeliveredLine]:
    """(customer, product, order line) for every line a customer received: its store's part is delivered
    and not every unit was cancelled. For the reviews domain (who may review what)."""
    statement = (
        sa.select(Order.customer_id, OrderLine.product_id, OrderLine.id, OrderVendorPart.updated_at)
        .join(OrderLine, OrderLine.order_id == Order.id)
        .join(
            OrderVendorPart,
            sa.and_(OrderVendorPart.order_id == Order.id, OrderVendorPart.vendor_id == OrderLine.vendor_id),
        )
        .where(
            Order.customer_id.is_not(None),
            OrderVendorPart.status == "delivered",
            OrderLine.cancelled_quantity < OrderLine.quantity,
        )
        .order_by(OrderVendorPart.updated_at.desc())
    )
    if customer_id is not None:
        statement = statement.where(Order.customer_id == customer_id)
    if product_id is not None:
        statement = statement.where(OrderLine.product_id == product_id)
    return [DeliveredLine(*row) for row in db.session.execute(statement)]
