"""Writes on customer accounts, address books and wishlists. Operations flush; the request (or command) commits.

Self-service operations act for the customer they are given; status changes name their actor (the
calling service) for the log.
"""

from __future__ import annotations

import logging
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.exc import IntegrityError

from common_core import auth
from common_core.errors import Conflict, DomainError, FieldError, InvalidInput, NotAllowed, NotFound
from common_core.outbox import record_event
from storefront.account.models import CUSTOMER_STATUSES, Customer
from storefront.account.profile_models import Address, WishlistItem
from storefront.account.queries import customer_by_email, normalise_email, product_is_listed, wishlist_entry
from storefront.extensions import db

log = logging.getLogger("marketplace.storefront.account")

WISHLIST_MAX = 500  # a wishlist, not a catalogue mirror


class NeedsChoice(DomainError):
    """A saved product has options: the shopper picks a size or colour on its page first."""

    status = 409
    code = "needs_choice"


def register_customer(name: str, email: str, password: str) -> Customer:
    if customer_by_email(email) is not None:
        raise FieldError("email", "An account with this email already exists. Sign in instead.")
    customer = Customer(name=name.strip(), email=normalise_email(email), password_hash=auth.hash_password(password))
    db.session.add(customer)
    db.session.flush()
    record_event(
        "customer.registered",
        {
            "customer_id": customer.id,
            "email": customer.email,
            "name": customer.name,
            "registered_at": customer.created_at.isoformat() if customer.created_at else None,
        },
    )
    return customer


def authenticate(email: str, password: str) -> Customer:
    """The customer these credentials belong to; records the attempt whatever the outcome."""
    customer = auth.check_credentials(email, password, customer_by_email)
    if customer.status == "suspended":
        raise NotAllowed("This account is suspended. Contact support if you think this is a mistake.")
    return customer


def change_password(customer: Customer, current_password: str, new_password: str) -> None:
    if not auth.verify_password(customer.password_hash, current_password):
        raise FieldError("current_password", "Your current password is not right.")
    customer.password_hash = auth.hash_password(new_password)
    auth.end_other_sessions(customer)


# ---- profile ------------------------------------------------------------------------------------


def update_name(customer: Customer, name: str) -> None:
    if not name.strip():
        raise FieldError("name", "Enter your name.")
    customer.name = name.strip()
    db.session.flush()


def change_email(customer: Customer, new_email: str, current_password: str) -> None:
    """Move the account to another address, after the current password proves it is the customer."""
    if not auth.verify_password(customer.password_hash, current_password):
        raise FieldError("current_password", "Your current password is not right.")
    email = normalise_email(new_email)
    if email == customer.email:
        raise FieldError("email", "This is already your email address.")
    if customer_by_email(email) is not None:
        raise FieldError("email", "Another account uses this email address.")
    try:
        # The unique index settles a race with a sign-up. The change is made inside the savepoint:
        # begin_nested() flushes what is pending before its SAVEPOINT, out of the savepoint's reach.
        with db.session.begin_nested():
            customer.email = email
            db.session.flush()
    except IntegrityError:
        raise FieldError("email", "Another account uses this email address.") from None


# ---- address book -------------------------------------------------------------------------------


def add_address(customer: Customer, values: dict[str, Any], *, make_default: bool = False) -> Address:
    """Add an address; the first one becomes the default whatever was asked."""
    _lock_address_book(customer)
    has_default = (
        db.session.scalar(sa.select(Address.id).where(Address.customer_id == customer.id, Address.is_default))
        is not None
    )
    address = Address(customer_id=customer.id, **values, is_default=False)
    db.session.add(address)
    db.session.flush()
    if make_default or not has_default:
        _make_default(customer, address)
    return address


def update_address(address: Address, values: dict[str, Any], *, make_default: bool = False) -> None:
    for key, value in values.items():
        setattr(address, key, value)
    db.session.flush()
    if make_default and not address.is_default:
        set_default_address(address)


def set_default_address(address: Address) -> None:
    customer = db.session.get(Customer, address.customer_id)
    _lock_address_book(customer)
    _make_default(customer, address)


def delete_address(address: Address) -> None:
    """Forget an address. Orders keep their own copy of where they went, so nothing else changes."""
    db.session.delete(address)
    db.session.flush()


def _lock_address_book(customer: Customer | None) -> None:
    # Two tabs setting different defaults at once queue up here instead of tripping the unique index.
    if customer is not None:
        db.session.execute(sa.select(Customer.id).where(Customer.id == customer.id).with_for_update())


def _make_default(customer: Customer, address: Address) -> None:
    # The old default is unset before the new one is set, both in this transaction: at most one default
    # (partial unique index uq_address_default) at every moment.
    db.session.execute(
        sa.update(Address)
        .where(Address.customer_id == customer.id, Address.is_default, Address.id != address.id)
        .values(is_default=False)
        .execution_options(synchronize_session="fetch")
    )
    db.session.execute(
        sa.update(Address)
        .where(Address.id == address.id)
        .values(is_default=True)
        .execution_options(synchronize_session="fetch")
    )
    db.session.flush()


# ---- wishlist -----------------------------------------------------------------------------------


def save_to_wishlist(customer: Customer, product_id: int) -> None:
    """Save a listed product (saving it again changes nothing)."""
    if not product_is_listed(product_id):
        raise NotFound("This product is not in the shop any more.")
    count = db.session.scalar(
        sa.select(sa.func.count()).select_from(WishlistItem).where(WishlistItem.customer_id == customer.id)
    )
    if (count or 0) >= WISHLIST_MAX:
        raise Conflict(f"Your wishlist is full ({WISHLIST_MAX} products). Remove some to save more.")
    db.session.execute(
        insert(WishlistItem).values(customer_id=customer.id, product_id=product_id).on_conflict_do_nothing()
    )


def remove_from_wishlist(customer: Customer, product_id: int) -> None:
    """Remove a saved product (removing one that is not there changes nothing)."""
    db.session.execute(
        sa.delete(WishlistItem).where(WishlistItem.customer_id == customer.id, WishlistItem.product_id == product_id)
    )


def move_to_cart(customer: Customer, product_id: int) -> None:
    """Put a saved product in the cart (one of its first variant in stock) and take it off the wishlist."""
    from storefront.cart.operations import add_to_cart  # the cart domain owns carts

    entry = wishlist_entry(customer, product_id)
    if entry.card is None:
        raise Conflict("This product is not in the shop any more.")
    if entry.needs_choice:
        raise NeedsChoice("Choose the options you want on the product page, then add it to your cart.")
    if entry.variant_id is None:
        raise Conflict(f"{entry.card.title} is out of stock.")
    add_to_cart(customer, entry.variant_id, 1)
    remove_from_wishlist(customer, product_id)


# ---- status (admin_portal's calls) --------------------------------------------------------------


def set_status(customer: Customer, status: str, *, reason: str | None, request_id: str, actor: str) -> bool:
    """Suspend or reactivate a customer; returns False when they already had that status (nothing recorded).

    Suspending ends every session at once, so the customer's next request is signed out; sign-in is then
    refused (see authenticate).
    """
    if status not in CUSTOMER_STATUSES:
        raise InvalidInput(f"status must be one of {', '.join(CUSTOMER_STATUSES)}.", field="status")
    if customer.status == status:
        return False
    previous, customer.status = customer.status, status
    ended = auth.end_all_sessions(customer.id) if status == "suspended" else 0
    db.session.flush()
    record_event("customer.status_changed", {"customer_id": customer.id, "status": status})
    # The reason lives in admin's audit log; here it only goes to the log with the request that carried it.
    log.info(
        "customer status changed",
        extra={
            "customer_id": customer.id,
            "from_status": previous,
            "to_status": status,
            "reason": reason,
            "request_id": request_id,
            "actor": actor,
            "sessions_ended": ended,
        },
    )
    return True
