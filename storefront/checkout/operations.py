"""Placing an order: the checkout saga of shared/FLOWS.md "Checkout".

Why this module commits several times (unlike every other operation, which only flushes): the saga
talks to two parties whose effects our transaction cannot undo, the vendor portal's stock and the
payment provider. Each step's outcome is committed before the next outside call, so whatever happens
next (a crash, a timeout, a double click) the database says how far the checkout got:

  1. the order as `pending`, with its one-time checkout_key (unique) and its uuid, which is the
     idempotency key with the vendor portal and the provider: committed before reserving, so a repeat
     of the form finds it, and the recovery chore can finish or undo what it started;
  2. a refusal (out of stock, stock service down, price changed): the order `failed` with the reason;
  3. the payment result: committed at once, so money taken is never forgotten;
  4. `placed`: status, one part per store, order.placed, the confirmation email, traffic, the cart
     emptied, all in one transaction.

The reservation is committed between 3 and 4. When the vendor portal cannot be reached for that, the
order is placed anyway (the shopper has paid and the stock is held) and an OrderEvent "commit_pending"
asks the relay chore below to retry the commit, which the vendor portal treats idempotently.

The saga keeps the order it made in memory across its commit points instead of reading it back after
each one (see _kept_across_commits): nothing else writes a pending order while its checkout runs.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from common_core.db import money, utcnow
from common_core.errors import DomainError, PeerError, PeerUnavailable
from storefront.account.models import Customer
from storefront.account.profile_models import Address
from storefront.cart import operations as cart_ops
from storefront.cart.queries import CartView
from storefront.checkout import payments
from storefront.checkout.shipping import METHODS, shipping_for_part
from storefront.checkout.stock import RESERVATION_TTL, ReservationClient
from storefront.extensions import db
from storefront.formatting import format_money
from storefront.orders import operations as orders
from storefront.orders import queries as order_queries
from storefront.orders.models import Order, OrderEvent, OrderLine, Payment
from storefront.traffic.operations import record_traffic

log = logging.getLogger("marketplace.storefront.checkout")

STOCK_DOWN = (
    "We can't reach our stock service right now, so we haven't placed your order or charged you. "
    "Your cart is saved; please try again in a few minutes."
)
# A checkout request takes seconds. A pending order that was paid this long ago was interrupted after
# payment: finish it while its stock is still held. An unpaid one is failed once its hold has lapsed
# anyway, so a request that is merely slow can never be overtaken.
PAID_STALE_AFTER = timedelta(minutes=2)
STALE_AFTER = timedelta(seconds=RESERVATION_TTL + 120)


class CheckoutRefused(DomainError):
    """The order was not placed; `message` tells the shopper why and what to do. The cart is kept."""

    status = 409
    code = "checkout_refused"

    def __init__(self, message: str, *, order: Order | None = None, problems: list[str] | None = None) -> None:
        super().__init__(message)
        self.order = order
        self.problems = problems or []


class CartChanged(CheckoutRefused):
    code = "cart_changed"


class OutOfStock(CheckoutRefused):
    code = "out_of_stock"


class PriceChanged(CheckoutRefused):
    code = "price_changed"


class StockServiceDown(CheckoutRefused):
    status = 503
    code = "stock_service_unavailable"


class PaymentRefused(CheckoutRefused):
    status = 402
    code = "payment_declined"


class StillPlacing(CheckoutRefused):
    """The same checkout is being placed by another request right now (a double click)."""

    status = 409
    code = "in_progress"


@dataclass
class CheckoutRequest:
    checkout_key: str
    email: str
    customer: Customer | None
    address: dict[str, str]
    shipping_method: str
    card: payments.Card = field(repr=False)
    save_address: bool = False


@dataclass(frozen=True)
class Quote:
    """What an order would cost now, per store and in all."""

    currency: str
    parts: list[tuple[int, str, Decimal, Decimal]]  # vendor_id, vendor_name, subtotal, shipping
    subtotal: Decimal
    shipping_total: Decimal

    @property
    def total(self) -> Decimal:
        return self.subtotal + self.shipping_total

    def shipping_of(self, vendor_id: int) -> Decimal:
        return next((shipping for vid, _, _, shipping in self.parts if vid == vendor_id), Decimal("0.00"))


def quote(cart: CartView, method: str) -> Quote | None:
    if not cart.can_checkout or method not in METHODS:
        return None
    parts = [
        (group.vendor_id, group.vendor_name, group.subtotal, shipping_for_part(method, group.subtotal))
        for group in cart.groups
        if group.orderable_items
    ]
    return Quote(
        currency=cart.currency or "",
        parts=parts,
        subtotal=money(sum((p[2] for p in parts), Decimal("0"))),
        shipping_total=money(sum((p[3] for p in parts), Decimal("0"))),
    )


def actor_of(customer: Customer | None) -> str:
    return f"customer:{customer.id}" if customer else "guest"


# --- the saga ----------------------------------------------------------------------------------------


def place_order(request: CheckoutRequest) -> Order:
    """Place the cart's order and return it, placed; or raise CheckoutRefused saying why (nothing charged
    unless the order is placed). A repeat of a checkout_key returns (or refuses) as the first one did."""
    existing = order_queries.order_by_checkout_key(request.checkout_key)
    if existing is not None:
        return replay(existing)
    owner = cart_ops.cart_for(request.customer)
    cart = cart_ops.recheck(owner)
    if cart.changes:
        db.session.commit()  # keep the updated prices and quantities, so the shopper sees them once
        raise CartChanged(
            "Your cart changed since you opened checkout. Please check the new total and place your order again.",
            problems=cart.notices,
        )
    if not cart.can_checkout:
        db.session.commit()
        raise CartChanged(" ".join(cart.blockers), problems=cart.notices)
    priced = quote(cart, request.shipping_method)
    assert priced is not None  # can_checkout and a validated method
    with _kept_across_commits():
        return _run_saga(request, owner, cart, priced)


@contextmanager
def _kept_across_commits() -> Iterator[None]:
    """Leave loaded objects as they are at each commit instead of expiring them.

    A pending order is written by its own checkout only (a repeat of the form finds it and waits; the
    recovery chore takes it up minutes later), so what the saga holds in memory is what the database
    holds, and reading the order, its lines and payment back after each commit point would cost three
    queries for nothing. A rollback still expires everything.
    """
    session = db.session()
    expiring = session.expire_on_commit
    session.expire_on_commit = False
    try:
        yield
    finally:
        session.expire_on_commit = expiring


def _run_saga(request: CheckoutRequest, owner: cart_ops.CartOwner, cart: CartView, priced: Quote) -> Order:
    order = _create_pending(request, cart, priced)  # commit point 1
    if order is None:
        return replay(order_queries.order_by_checkout_key(request.checkout_key))
    order_id = order.id
    # From here the session holds no transaction while a peer is called (what it holds is read from memory).
    ordered = [(item.variant_id, item.quantity) for item in cart.orderable_items]
    vendor_names = {group.vendor_id: group.vendor_name for group in cart.groups}
    stock = ReservationClient()

    try:
        held = stock.reserve(order_id, ordered)
    except PeerUnavailable:
        _release_quietly(stock, order_id)  # a reserve that timed out may still have been applied
        raise StockServiceDown(STOCK_DOWN, order=_fail(order_id, "stock_service_unavailable", STOCK_DOWN)) from None
    except PeerError as exc:
        message, problems = _refusal_message(exc, cart)
        raise OutOfStock(message, order=_fail(order_id, exc.code, message), problems=problems) from None

    changed = _price_changes(held, cart)
    if changed:
        _release_quietly(stock, order_id)
        message = " ".join(changed) + " We haven't charged you. Please check your cart and place your order again."
        raise PriceChanged(message, order=_fail(order_id, "price_changed", message), problems=changed)

    # The order's total is the quote it was made from (commit point 1): no need to read it back.
    result = payments.provider().charge(priced.total, priced.currency, request.card, idempotency_key=order_id)
    order.payments.append(
        Payment(
            provider=payments.provider().name,
            provider_token=result.token,
            brand=result.brand,
            last4=result.last4,
            amount=priced.total,
            currency=priced.currency,
            status=result.status,
            failure_code=result.failure_code,
        )
    )
    if not result.succeeded:
        db.session.commit()  # commit point 3: the refusal is on record
        _release_quietly(stock, order_id)
        message = result.message or "Your payment did not go through. Please try another card."
        raise PaymentRefused(message, order=_fail(order_id, result.failure_code or "payment_failed", message))
    db.session.commit()  # commit point 3: money taken is never forgotten

    commit_pending = False
    try:
        stock.commit(order_id)
    except PeerUnavailable:
        commit_pending = True  # paid and held: placed now, the relay chore commits the stock later
    except PeerError as exc:
        # The hold lapsed between reserving and paying: give the money back rather than sell unheld stock.
        _refund_unplaced(order_id, reason=f"stock hold {exc.code}")
        message = (
            "We couldn't keep your items for you while the payment went through, so we refunded it in full "
            "and haven't placed your order. Please try again."
        )
        raise OutOfStock(message, order=_fail(order_id, exc.code, message)) from None

    orders.mark_placed(order, vendor_names=vendor_names)  # commit point 4 (below): all of it or none
    if commit_pending:
        orders.note(order, "commit_pending", "The stock service was unreachable after payment; retrying.")
    if request.save_address and request.customer is not None:
        _save_address(request.customer, request.address)
    record_traffic("order_placed")
    cart_ops.remove_lines(owner, (variant_id for variant_id, _ in ordered))
    db.session.commit()
    return order


def replay(order: Order) -> Order:
    """A checkout_key seen before: the placed order again, or the same refusal; never a second charge."""
    if order.status == "failed":
        raise CheckoutRefused(order.failure_reason or "This order was not placed.", order=order)
    if order.status == "pending":
        raise StillPlacing(
            f"Your order {order.number} is still being placed. Please wait a moment and open your orders.",
            order=order,
        )
    return order


def _create_pending(request: CheckoutRequest, cart: CartView, priced: Quote) -> Order | None:
    """Commit point 1; the new order, or None when a request with the same checkout_key got there first."""
    order_id = str(uuid.uuid4())
    order = Order(
        id=order_id,
        checkout_key=request.checkout_key,
        customer_id=request.customer.id if request.customer else None,
        email=request.email,
        status="pending",
        currency=priced.currency,
        subtotal=priced.subtotal,
        shipping_total=priced.shipping_total,
        total=priced.total,
        shipping_method=request.shipping_method,
        shipping_address=dict(request.address),
        payments=[],  # a new order has none: known empty, so adding the payment reads nothing
        parts=[],
    )
    for position, item in enumerate(cart.orderable_items):
        offer = item.offer
        order.lines.append(
            OrderLine(
                id=str(uuid.uuid4()),
                position=position,
                vendor_id=offer.vendor_id,
                product_id=offer.product_id,
                variant_id=item.variant_id,
                sku=(offer.sku or f"V{item.variant_id}")[:64],
                title=offer.title[:200],
                options=offer.options,
                quantity=item.quantity,
                unit_price=item.unit_price,
                line_total=item.line_total,
            )
        )
    order.history.append(OrderEvent(status="pending", note=f"Checkout by {actor_of(request.customer)}"))
    for _ in range(5):
        order.number = orders.new_number()
        db.session.add(order)
        try:
            db.session.commit()
        except IntegrityError as exc:
            db.session.rollback()
            if "checkout_key" in str(exc.orig):
                return None
            if "uq_orders_number" not in str(exc.orig):
                raise
            continue  # the number was taken: draw another
        return order
    raise RuntimeError("Could not draw a free order number in 5 tries.")


def _fail(order_id: str, code: str, message: str) -> Order:
    """Commit point 2: the order failed, with the shopper's message kept for a repeat of the form."""
    db.session.rollback()
    order = order_queries.order_by_id(order_id, lock=True)
    if order.status == "pending":
        order.failure_reason = message
        orders.move(order, "failed", code)
    db.session.commit()
    return order


def _release_quietly(stock: ReservationClient, order_id: str) -> None:
    """Give held stock back; when the vendor portal is unreachable its hold simply expires."""
    try:
        stock.release(order_id)
    except (PeerUnavailable, PeerError) as exc:
        log.warning("reservation not released", extra={"order_id": order_id, "error": exc.message})


def _refusal_message(exc: PeerError, cart: CartView) -> tuple[str, list[str]]:
    """Which lines fell short and how many are left, in the shopper's words."""
    details = (exc.body or {}).get("details") or {}
    problems = []
    for line in details.get("lines") or []:
        item = cart.item(int(line.get("variant_id") or 0))
        name = item.name if item else f"Item {line.get('variant_id')}"
        available = int(line.get("available") or 0)
        if line.get("reason") == "unavailable":
            problems.append(f"{name} is no longer for sale.")
        elif available == 0:
            problems.append(f"{name} has just sold out (you asked for {line.get('requested')}).")
        else:
            problems.append(f"Only {available} of {name} are left (you asked for {line.get('requested')}).")
    if not problems:
        problems = [exc.message]
    return (
        "We couldn't place your order: " + " ".join(problems) + " Nothing was charged and your cart is unchanged.",
        problems,
    )


def _price_changes(held: dict[str, Any], cart: CartView) -> list[str]:
    changes = []
    for line in held.get("lines") or []:
        item = cart.item(int(line["variant_id"]))
        if item is None:
            continue
        price = money(line["unit_price"])
        if price != item.unit_price or line.get("currency", item.currency) != item.currency:
            changes.append(
                f"The price of {item.name} changed from {format_money(item.unit_price, item.currency)} "
                f"to {format_money(price, line.get('currency') or item.currency)}."
            )
    return changes


def _refund_unplaced(order_id: str, *, reason: str) -> None:
    order = order_queries.order_by_id(order_id)
    payment = order_queries.captured_payment(order)
    if payment is None:
        return
    result = payments.provider().refund(payment.provider_token, payment.amount)
    if result.succeeded:
        payment.status = "voided"
        orders.note(order, "payment_voided", f"Payment returned in full: {reason}")
    else:
        log.error("payment of an unplaced order not returned", extra={"order_id": order_id})
        orders.note(order, "payment_stuck", f"Payment could not be returned automatically: {reason}")
    db.session.commit()


def _save_address(customer: Customer, address: dict[str, str]) -> None:
    """Add the address to the customer's book unless the same one is there already."""
    fields = ("name", "line1", "line2", "city", "postcode", "country")
    existing = db.session.scalars(sa.select(Address).where(Address.customer_id == customer.id)).all()
    wanted = {key: (address.get(key) or None) for key in fields}
    if any({key: getattr(a, key) or None for key in fields} == wanted for a in existing):
        return
    db.session.add(Address(customer_id=customer.id, is_default=not existing, **wanted))


# --- relay chores: finishing what a crash or an outage interrupted -----------------------------------


def retry_pending_commits(limit: int = 20) -> int:
    """Commit the stock of placed orders whose commit could not be made after payment; returns how many."""
    done = sa.select(OrderEvent.order_id).where(OrderEvent.status.in_(("stock_committed", "commit_failed")))
    order_ids = db.session.scalars(
        sa.select(OrderEvent.order_id)
        .where(OrderEvent.status == "commit_pending", OrderEvent.order_id.not_in(done))
        .order_by(OrderEvent.id)
        .limit(limit)
    ).all()
    db.session.rollback()
    stock = ReservationClient()
    committed = 0
    for order_id in order_ids:
        try:
            stock.commit(order_id)
        except PeerUnavailable:
            break  # still down: try again on the next round
        except PeerError as exc:
            order = order_queries.order_by_id(order_id)
            orders.note(
                order, "commit_failed", f"The stock hold could not be committed ({exc.code}); staff must check."
            )
            log.error("stock commit refused for a placed order", extra={"order_id": order_id, "code": exc.code})
        else:
            order = order_queries.order_by_id(order_id)
            orders.note(order, "stock_committed", "Stock committed after a retry.")
            committed += 1
        db.session.commit()
    return committed


def recover_stale_orders(limit: int = 20) -> int:
    """Finish or undo checkouts left pending by a crash: paid ones are placed, unpaid ones failed."""
    now = utcnow()
    order_ids = db.session.scalars(
        sa.select(Order.id)
        .where(Order.status == "pending", Order.created_at < now - PAID_STALE_AFTER)
        .order_by(Order.created_at)
        .limit(limit)
    ).all()
    db.session.rollback()
    stock = ReservationClient()
    settled = 0
    for order_id in order_ids:
        order = order_queries.order_by_id(order_id, lock=True)
        payment = order_queries.captured_payment(order) if order is not None else None
        if order is None or order.status != "pending" or (payment is None and order.created_at > now - STALE_AFTER):
            db.session.rollback()
            continue
        try:
            if payment is None:
                stock.release(order_id)
                order.failure_reason = "The checkout was interrupted before payment; nothing was charged."
                orders.move(order, "failed", "interrupted")
            else:
                stock.commit(order_id)
                names = {line.vendor_id: f"Store {line.vendor_id}" for line in order.lines}
                names.update(_vendor_names(names))
                orders.mark_placed(order, vendor_names=names)
        except PeerUnavailable:
            db.session.rollback()
            break
        except PeerError as exc:
            db.session.rollback()
            if payment is not None:
                _refund_unplaced(order_id, reason=f"stock hold {exc.code}")
            _fail(
                order_id, exc.code, "We couldn't hold your items, so the order was not placed and nothing is charged."
            )
        else:
            db.session.commit()
        settled += 1
    return settled


def _vendor_names(names: dict[int, str]) -> dict[int, str]:
    from storefront.catalog.models import Vendor

    rows = db.session.execute(sa.select(Vendor.id, Vendor.store_name).where(Vendor.id.in_(names))).all()
    return {row.id: row.store_name for row in rows}


def run_chores() -> None:
    """The relay's periodic checkout work (registered in checkout/routes.py)."""
    retry_pending_commits()
    recover_stale_orders()
