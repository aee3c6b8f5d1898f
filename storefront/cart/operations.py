"""Writes on carts: add, change, remove, recheck against the catalogue, merge a guest's cart on sign-in.

The cart owner
--------------
Every operation takes a `cart_owner`, one of:

* ``GuestCart()``: a guest's lines, kept in the Flask session as
  ``{variant_id: {"quantity", "seen_price", "added"}}`` (signed cookie; nothing in the database);
* ``CustomerCart(customer)``: a signed-in customer's Cart / CartLine rows;
* a ``Customer`` itself, which is wrapped in CustomerCart for you.

``cart_for(current_user)`` picks the right one for the browser. Other domains use the public helpers:

    from storefront.cart.operations import add_to_cart, merge_guest_cart
    add_to_cart(current_user, variant_id, 1)   # "move to cart" from the wishlist; raises FieldError / NotFound
    merge_guest_cart(customer)                 # right after auth.sign_in(customer), before the commit

Operations change the session or flush; the request commits (one commit per request). None of them
calls another service: prices and stock are the storefront's catalogue copy.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from typing import Any, Protocol

import sqlalchemy as sa
from flask import g, has_request_context, session
from sqlalchemy.dialects.postgresql import insert

from common_core.db import utcnow
from common_core.errors import FieldError, NotFound
from storefront.account.models import Customer
from storefront.cart import queries
from storefront.cart.models import Cart, CartLine
from storefront.cart.queries import MAX_LINES, MAX_QUANTITY, CartItem, CartView, Offer, StoredLine
from storefront.extensions import db
from storefront.formatting import format_money
from storefront.traffic.operations import record_traffic

SESSION_KEY = "cart"
# auth.sign_in() clears the session (no fixation), so the guest's lines are copied aside at the start of
# every request that has any; merge_guest_cart() reads the copy after sign-in.
SNAPSHOT = "_guest_cart_snapshot"


class CartOwner(Protocol):
    is_guest: bool

    def lines(self) -> list[StoredLine]: ...

    def put(self, variant_id: int, quantity: int, seen_price: Decimal) -> None: ...

    def remove(self, variant_ids: Iterable[int]) -> None: ...


class GuestCart:
    """A guest's cart in the Flask session."""

    is_guest = True

    def _data(self) -> dict[str, dict[str, Any]]:
        data = session.get(SESSION_KEY)
        return dict(data) if isinstance(data, dict) else {}

    def lines(self) -> list[StoredLine]:
        return _parse_guest_lines(self._data())

    def put(self, variant_id: int, quantity: int, seen_price: Decimal) -> None:
        data = self._data()
        added = (data.get(str(variant_id)) or {}).get("added") or time.time_ns()
        data[str(variant_id)] = {"quantity": quantity, "seen_price": str(seen_price), "added": added}
        session[SESSION_KEY] = data

    def remove(self, variant_ids: Iterable[int]) -> None:
        data = self._data()
        for variant_id in variant_ids:
            data.pop(str(variant_id), None)
        if data:
            session[SESSION_KEY] = data
        else:
            session.pop(SESSION_KEY, None)


class CustomerCart:
    """A signed-in customer's cart in the database (one Cart row per customer, made on first use)."""

    is_guest = False

    def __init__(self, customer: Customer) -> None:
        self.customer_id = customer.id

    def _cart_id(self) -> int:
        # Two tabs adding at once must not make two carts: insert-or-nothing, then read.
        db.session.execute(insert(Cart).values(customer_id=self.customer_id).on_conflict_do_nothing())
        return db.session.scalar(sa.select(Cart.id).where(Cart.customer_id == self.customer_id))

    def lines(self) -> list[StoredLine]:
        rows = db.session.execute(
            sa.select(CartLine.variant_id, CartLine.quantity, CartLine.seen_price)
            .join(Cart, Cart.id == CartLine.cart_id)
            .where(Cart.customer_id == self.customer_id)
            .order_by(CartLine.added_at, CartLine.id)
        ).all()
        return [StoredLine(row.variant_id, row.quantity, row.seen_price) for row in rows]

    def put(self, variant_id: int, quantity: int, seen_price: Decimal) -> None:
        cart_id = self._cart_id()
        statement = insert(CartLine).values(
            cart_id=cart_id, variant_id=variant_id, quantity=quantity, seen_price=seen_price
        )
        db.session.execute(
            statement.on_conflict_do_update(
                index_elements=["cart_id", "variant_id"],
                set_={"quantity": statement.excluded.quantity, "seen_price": statement.excluded.seen_price},
            )
        )
        db.session.execute(sa.update(Cart).where(Cart.id == cart_id).values(updated_at=utcnow()))

    def remove(self, variant_ids: Iterable[int]) -> None:
        ids = list(variant_ids)
        if not ids:
            return
        cart_ids = sa.select(Cart.id).where(Cart.customer_id == self.customer_id).scalar_subquery()
        db.session.execute(sa.delete(CartLine).where(CartLine.cart_id == cart_ids, CartLine.variant_id.in_(ids)))


def cart_for(user: Any) -> CartOwner:
    """The cart of whoever is browsing: current_user when signed in, else the session's guest cart."""
    if user is not None and getattr(user, "is_authenticated", False):
        return CustomerCart(user)
    return GuestCart()


def as_owner(cart_owner: CartOwner | Customer) -> CartOwner:
    return CustomerCart(cart_owner) if isinstance(cart_owner, Customer) else cart_owner


# --- what shoppers do -------------------------------------------------------------------------------


def add_to_cart(cart_owner: CartOwner | Customer, variant_id: int, quantity: int) -> Offer:
    """Add units of a variant (on top of any already in the cart); returns its offer, for the message.

    Refuses, changing nothing: NotFound when the variant is not for sale, FieldError("quantity") when
    fewer are available than the cart would then hold, or the quantity is not 1 to 99.
    """
    owner = as_owner(cart_owner)
    offer = queries.offers([variant_id]).get(variant_id)
    if offer is None or not offer.listed:
        raise NotFound("Sorry, this product is not for sale any more.")
    if offer.available <= 0:
        raise FieldError("quantity", f"{offer.name} is out of stock right now.")
    if not 1 <= quantity <= MAX_QUANTITY:
        raise FieldError("quantity", f"Enter a quantity from 1 to {MAX_QUANTITY}.")
    existing = {line.variant_id: line for line in owner.lines()}
    already = existing[variant_id].quantity if variant_id in existing else 0
    if variant_id not in existing and len(existing) >= MAX_LINES:
        raise FieldError("quantity", f"A cart holds at most {MAX_LINES} different items. Check out or remove some.")
    wanted = already + quantity
    limit = min(offer.available, MAX_QUANTITY)
    if wanted > limit:
        have = f" and your cart already has {already}" if already else ""
        raise FieldError("quantity", f"Only {limit} of {offer.name} can be ordered{have}. Choose a smaller quantity.")
    owner.put(variant_id, wanted, offer.price)
    record_traffic("add_to_cart", product_id=offer.product_id, vendor_id=offer.vendor_id)
    db.session.flush()
    return offer


def set_quantity(cart_owner: CartOwner | Customer, variant_id: int, quantity: int) -> None:
    """Change a line's quantity; 0 removes it. FieldError("quantity") above what is available."""
    owner = as_owner(cart_owner)
    line = next((line for line in owner.lines() if line.variant_id == variant_id), None)
    if line is None:
        raise NotFound("That item is not in your cart any more.")
    if quantity == 0:
        owner.remove([variant_id])
        return
    if not 1 <= quantity <= MAX_QUANTITY:
        raise FieldError("quantity", f"Enter a quantity from 1 to {MAX_QUANTITY}, or 0 to remove it.")
    offer = queries.offers([variant_id]).get(variant_id)
    if offer is not None and offer.listed and quantity > offer.available:
        raise FieldError("quantity", f"Only {offer.available} available. Choose {offer.available} or fewer.")
    owner.put(variant_id, quantity, line.seen_price)
    db.session.flush()


def remove_from_cart(cart_owner: CartOwner | Customer, variant_id: int) -> None:
    as_owner(cart_owner).remove([variant_id])
    db.session.flush()


def remove_lines(cart_owner: CartOwner | Customer, variant_ids: Iterable[int]) -> None:
    """Take ordered lines out of the cart (what could not be ordered stays)."""
    as_owner(cart_owner).remove(variant_ids)
    db.session.flush()


def recheck(cart_owner: CartOwner | Customer) -> CartView:
    """The cart against the catalogue copy now, fixing what changed and saying so.

    A changed price updates the line ("The price of X changed from €A to €B."); more units than are
    available are reduced to what is; a product that left the shop or ran out is kept in the cart,
    flagged and left out of checkout. Every change is told to the shopper, none is silent.
    """
    owner = as_owner(cart_owner)
    stored = owner.lines()
    offers = queries.offers(line.variant_id for line in stored)
    view = CartView(items=[])
    for line in stored:
        offer = offers.get(line.variant_id)
        state = queries.state_of(offer)
        quantity = line.quantity
        changes = []
        if offer is not None and offer.price != line.seen_price:
            changes.append(
                f"The price of {offer.name} changed from {format_money(line.seen_price, offer.currency)} "
                f"to {format_money(offer.price, offer.currency)}."
            )
        if state == queries.OK and quantity > offer.available:
            changes.append(
                f"Only {offer.available} of {offer.name} are available now, so we changed the quantity "
                f"from {quantity} to {offer.available}."
            )
            quantity = offer.available
        if changes:
            owner.put(line.variant_id, quantity, offer.price)
        item = CartItem(line.variant_id, quantity, offer, state)
        view.changes.extend(changes)
        view.notices.extend(changes)
        if state == queries.UNAVAILABLE:
            view.notices.append(f"{item.name} is no longer sold here, so it can't be ordered. Please remove it.")
        elif state == queries.OUT_OF_STOCK:
            view.notices.append(f"{item.name} is out of stock, so it is left out of your order for now.")
        view.items.append(item)
    db.session.flush()
    return view


def merge_guest_cart(customer: Customer) -> int:
    """Move the browser's guest cart into the customer's cart; returns how many lines it brought.

    Call right after auth.sign_in(customer) (or sign-up), before the commit. Quantities of the same
    variant are summed and capped at what is available; the guest cart is emptied.
    """
    guest = _guest_lines_before_sign_in()
    if not guest:
        return 0
    owner = CustomerCart(customer)
    mine = {line.variant_id: line for line in owner.lines()}
    offers = queries.offers(line.variant_id for line in guest)
    for line in guest:
        offer = offers.get(line.variant_id)
        total = line.quantity + (mine[line.variant_id].quantity if line.variant_id in mine else 0)
        if offer is not None and offer.available > 0:
            total = min(total, offer.available)
        total = min(total, MAX_QUANTITY)
        # Keep the older seen price: the cart page then tells the shopper if it changed since.
        seen = mine[line.variant_id].seen_price if line.variant_id in mine else line.seen_price
        owner.put(line.variant_id, total, seen)
    session.pop(SESSION_KEY, None)
    if has_request_context():
        g.pop(SNAPSHOT, None)
    db.session.flush()
    return len(guest)


def cart_count(cart_owner: CartOwner | Customer) -> int:
    """Units in the cart, for the header (no catalogue lookup)."""
    owner = as_owner(cart_owner)
    if isinstance(owner, CustomerCart):
        return int(
            db.session.scalar(
                sa.select(sa.func.coalesce(sa.func.sum(CartLine.quantity), 0))
                .join(Cart, Cart.id == CartLine.cart_id)
                .where(Cart.customer_id == owner.customer_id)
            )
            or 0
        )
    return sum(line.quantity for line in owner.lines())


# --- helpers -----------------------------------------------------------------------------------------


def snapshot_guest_cart() -> None:
    """Copy the guest cart aside for this request (see SNAPSHOT); cheap when there is none."""
    data = session.get(SESSION_KEY)
    if data:
        g.setdefault(SNAPSHOT, dict(data))


def _guest_lines_before_sign_in() -> list[StoredLine]:
    data = session.get(SESSION_KEY) or (g.get(SNAPSHOT) if has_request_context() else None) or {}
    return _parse_guest_lines(data)


def _parse_guest_lines(data: dict[str, Any]) -> list[StoredLine]:
    lines = []
    for key, value in sorted(data.items(), key=lambda kv: (kv[1] or {}).get("added") or 0):
        try:
            lines.append(StoredLine(int(key), int(value["quantity"]), Decimal(str(value["seen_price"]))))
        except (KeyError, TypeError, ValueError, InvalidOperation):
            continue  # an entry in an older shape: dropped rather than breaking the page
    return [line for line in lines if line.quantity > 0]


__all__ = [
    "CartItem",
    "CartOwner",
    "CartView",
    "CustomerCart",
    "GuestCart",
    "add_to_cart",
    "cart_count",
    "cart_for",
    "merge_guest_cart",
    "recheck",
    "remove_from_cart",
    "set_quantity",
]
