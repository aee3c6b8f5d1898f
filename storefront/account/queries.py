"""Read-only lookups of customers, their address book and their wishlist.

Everything a customer may see of their own is reached through a helper taking the customer
(addresses_of, address_of, wishlist_page), so another customer's ids answer 404, never their data.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask import abort, g
from flask_login import current_user

from storefront.account.models import Customer
from storefront.account.profile_models import Address, WishlistItem
from storefront.catalog import queries as catalog_queries
from storefront.catalog.models import Product, Variant
from storefront.extensions import db
from storefront.orders.models import Order

WISHLIST_PER_PAGE = 24


def customer_by_id(customer_id: int) -> Customer | None:
    return db.session.get(Customer, customer_id)


def customer_by_email(email: str) -> Customer | None:
    return db.session.scalar(sa.select(Customer).where(Customer.email == normalise_email(email)))


def normalise_email(email: str) -> str:
    return email.strip().lower()


# ---- address book -------------------------------------------------------------------------------


def addresses_of(customer: Customer) -> list[Address]:
    """The customer's addresses, the default first, then oldest first (the order they were added)."""
    return list(
        db.session.scalars(
            sa.select(Address)
            .where(Address.customer_id == customer.id)
            .order_by(Address.is_default.desc(), Address.created_at, Address.id)
        )
    )


def address_of(customer: Customer, address_id: int) -> Address:
    """One of the customer's own addresses; 404 for anyone else's (or none)."""
    address = db.session.scalar(sa.select(Address).where(Address.id == address_id, Address.customer_id == customer.id))
    if address is None:
        abort(404)
    return address


def default_address(customer: Customer) -> Address | None:
    return db.session.scalar(sa.select(Address).where(Address.customer_id == customer.id, Address.is_default))


# ---- wishlist -----------------------------------------------------------------------------------


def saved_product_ids() -> frozenset[int] | None:
    """Products the signed-in customer saved (None for a guest), read once per request for every card."""
    if not current_user.is_authenticated:
        return None
    if "saved_product_ids" not in g:
        g.saved_product_ids = frozenset(
            db.session.scalars(sa.select(WishlistItem.product_id).where(WishlistItem.customer_id == current_user.id))
        )
    return g.saved_product_ids


@dataclass
class WishlistEntry:
    product_id: int
    added_at: datetime
    card: catalog_queries.Card | None  # None: no longer listed in the shop
    variant_id: int | None = None  # what "Move to cart" adds: the first variant that can be bought
    needs_choice: bool = False  # several variants with options: the shopper picks on the product page

    @property
    def available(self) -> bool:
        return self.card is not None and self.variant_id is not None


def wishlist_page(customer: Customer, page: int = 1) -> catalog_queries.Page:
    """One page of the wishlist, newest first, each with its card and what "Move to cart" would add."""
    base = sa.select(WishlistItem).where(WishlistItem.customer_id == customer.id)
    total = db.session.scalar(sa.select(sa.func.count()).select_from(base.subquery())) or 0
    page = min(max(1, page), max(1, -(-total // WISHLIST_PER_PAGE)))  # any page number shows a real page
    items = list(
        db.session.scalars(
            base.order_by(WishlistItem.added_at.desc(), WishlistItem.product_id.desc())
            .limit(WISHLIST_PER_PAGE)
            .offset((page - 1) * WISHLIST_PER_PAGE)
        )
    )
    ids = [item.product_id for item in items]
    cards = (
        {card.id: card for card in catalog_queries.load_cards(catalog_queries.card_query().where(Product.id.in_(ids)))}
        if ids
        else {}
    )
    choices = _purchase_choices(list(cards))
    entries = []
    for item in items:
        variant_id, needs_choice = choices.get(item.product_id, (None, False))
        entries.append(
            WishlistEntry(item.product_id, item.added_at, cards.get(item.product_id), variant_id, needs_choice)
        )
    return catalog_queries.Page(entries, page, total, WISHLIST_PER_PAGE)  # type: ignore[arg-type]


def wishlist_entry(customer: Customer, product_id: int) -> WishlistEntry:
    """One saved product of the customer's; 404 when it is not in their wishlist."""
    item = db.session.get(WishlistItem, (customer.id, product_id))
    if item is None:
        abort(404)
    cards = catalog_queries.load_cards(catalog_queries.card_query().where(Product.id == product_id))
    variant_id, needs_choice = _purchase_choices([product_id]).get(product_id, (None, False))
    return WishlistEntry(product_id, item.added_at, cards[0] if cards else None, variant_id, needs_choice)


def _purchase_choices(product_ids: list[int]) -> dict[int, tuple[int | None, bool]]:
    """{product_id: (first variant in stock or None, whether the shopper must choose options)}, one query."""
    if not product_ids:
        return {}
    rows = db.session.execute(
        sa.select(Variant.product_id, Variant.id, Variant.available, Product.options)
        .join(Product, Product.id == Variant.product_id)
        .where(Variant.product_id.in_(product_ids))
        .order_by(Variant.product_id, Variant.position, Variant.id)
    ).all()
    found: dict[int, list[Any]] = {}
    for row in rows:
        found.setdefault(row.product_id, []).append(row)
    choices: dict[int, tuple[int | None, bool]] = {}
    for product_id, variants in found.items():
        in_stock = next((row.id for row in variants if row.available > 0), None)
        # Same rule as the product page's option form (ProductPage.offers_choice).
        choices[product_id] = (in_stock, len(variants) > 1 and bool(variants[0].options))
    return choices


def product_is_listed(product_id: int) -> bool:
    return db.session.scalar(sa.select(Product.listed).where(Product.id == product_id)) is True


# ---- customers for admin_portal -----------------------------------------------------------------


def _orders_count() -> sa.ScalarSelect[int]:
    return (
        sa.select(sa.func.count(Order.id)).where(Order.customer_id == Customer.id).correlate(Customer).scalar_subquery()
    )


def search_customers(
    q: str | None, status: str | None, page: int, per_page: int
) -> tuple[list[tuple[Customer, int]], int]:
    """Customers matching q (in email or name) and status, newest first, with their orders count."""
    conditions = []
    if q:
        pattern = "%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        conditions.append(sa.or_(Customer.email.ilike(pattern, escape="\\"), Customer.name.ilike(pattern, escape="\\")))
    if status:
        conditions.append(Customer.status == status)
    total = db.session.scalar(sa.select(sa.func.count()).select_from(Customer).where(*conditions)) or 0
    rows = db.session.execute(
        sa.select(Customer, _orders_count().label("orders_count"))
        .where(*conditions)
        .order_by(Customer.created_at.desc(), Customer.id.desc())
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    return [(row[0], row[1]) for row in rows], total


def customer_with_orders_count(customer_id: int) -> tuple[Customer, int] | None:
    row = db.session.execute(
        sa.select(Customer, _orders_count().label("orders_count")).where(Customer.id == customer_id)
    ).first()
    return (row[0], row[1]) if row else None
