"""Reads for carts: what the catalogue copy says about the variants in a cart, shaped for pages and checkout.

Nothing here calls another service: the cart works while the vendor portal is down. Prices and stock come
from the storefront's copy; checkout confirms them with the vendor portal when it reserves.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

import sqlalchemy as sa
from flask import url_for

from storefront.catalog.models import Product, Variant
from storefront.checkout.shipping import shipping_total
from storefront.extensions import db

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class StoredLine:
    """A cart line as kept (session or database): what was chosen and the price the shopper saw."""

    variant_id: int
    quantity: int
    seen_price: Decimal


@dataclass(frozen=True)
class Offer:
    """A variant as the catalogue copy has it now."""

    variant_id: int
    product_id: int
    vendor_id: int
    vendor_name: str
    title: str
    slug: str
    sku: str | None
    options: dict[str, str]
    price: Decimal
    currency: str
    available: int
    listed: bool

    @property
    def label(self) -> str:
        return " / ".join(str(v) for v in self.options.values()) if self.options else ""

    @property
    def name(self) -> str:
        """How notices name it: "Organic Tee (M / Red)"."""
        return f"{self.title} ({self.label})" if self.label else self.title

    @property
    def url(self) -> str:
        return url_for("catalog.product", product_id=self.product_id, slug=self.slug, variant=self.variant_id)


# A line's state on this view: only "ok" lines can be checked out.
OK, UNAVAILABLE, OUT_OF_STOCK = "ok", "unavailable", "out_of_stock"


@dataclass
class CartItem:
    variant_id: int
    quantity: int
    offer: Offer | None
    state: str

    @property
    def orderable(self) -> bool:
        return self.state == OK

    @property
    def name(self) -> str:
        return self.offer.name if self.offer else f"Item {self.variant_id}"

    @property
    def unit_price(self) -> Decimal:
        return self.offer.price if self.offer else ZERO

    @property
    def currency(self) -> str:
        return self.offer.currency if self.offer else ""

    @property
    def line_total(self) -> Decimal:
        return (self.unit_price * self.quantity).quantize(Decimal("0.01"))

    @property
    def max_quantity(self) -> int:
        return max(1, min(self.offer.available if self.offer else 1, MAX_QUANTITY))


MAX_QUANTITY = 99  # per line: more is a typo (and a session cookie has little room)
MAX_LINES = 50


@dataclass
class VendorGroup:
    vendor_id: int
    vendor_name: str
    items: list[CartItem] = field(default_factory=list)

    @property
    def orderable_items(self) -> list[CartItem]:
        return [item for item in self.items if item.orderable]

    @property
    def subtotal(self) -> Decimal:
        return sum((item.line_total for item in self.orderable_items), ZERO)

    @property
    def currency(self) -> str:
        return next((item.currency for item in self.orderable_items), "")


@dataclass
class CartView:
    """A cart as checked against the catalogue copy just now, with what changed since the last look."""

    items: list[CartItem]
    notices: list[str] = field(default_factory=list)
    changes: list[str] = field(default_factory=list)  # prices or quantities changed by this look

    @property
    def groups(self) -> list[VendorGroup]:
        """Lines by store, stores in the order their first line was added."""
        groups: dict[int, VendorGroup] = {}
        for item in self.items:
            vendor_id = item.offer.vendor_id if item.offer else 0
            name = item.offer.vendor_name if item.offer else "No longer sold"
            groups.setdefault(vendor_id, VendorGroup(vendor_id, name)).items.append(item)
        return list(groups.values())

    def group(self, vendor_id: int) -> VendorGroup | None:
        return next((g for g in self.groups if g.vendor_id == vendor_id), None)

    def item(self, variant_id: int) -> CartItem | None:
        return next((item for item in self.items if item.variant_id == variant_id), None)

    @property
    def orderable_items(self) -> list[CartItem]:
        return [item for item in self.items if item.orderable]

    @property
    def currencies(self) -> list[str]:
        return sorted({item.currency for item in self.orderable_items})

    @property
    def mixed_currency(self) -> bool:
        return len(self.currencies) > 1

    @property
    def currency(self) -> str | None:
        return self.currencies[0] if len(self.currencies) == 1 else None

    @property
    def subtotal(self) -> Decimal:
        return sum((item.line_total for item in self.orderable_items), ZERO)

    @property
    def standard_shipping(self) -> Decimal:
        """Standard shipping for what can be ordered now (each store's part priced on its own)."""
        return shipping_total("standard", [g.subtotal for g in self.groups if g.orderable_items])

    @property
    def count(self) -> int:
        return sum(item.quantity for item in self.items)

    @property
    def blockers(self) -> list[str]:
        """Why this cart cannot be checked out now, in words for the shopper (empty: it can)."""
        if not self.items:
            return ["Your cart is empty."]
        if not self.orderable_items:
            return ["None of the items in your cart can be ordered right now."]
        if self.mixed_currency:
            return [
                f"Your cart has items priced in {' and '.join(self.currencies)}. An order is paid in one currency, "
                "so please remove the items in one of them before checking out."
            ]
        return []

    @property
    def can_checkout(self) -> bool:
        return not self.blockers


_v, _p = Variant.__table__, Product.__table__
# Built once: read on every cart page, add and checkout, and SQLAlchemy then neither builds the
# statement nor computes its cache key each time (about a third of its cost).
_OFFERS = (
    sa.select(
        _v.c.id,
        _v.c.product_id,
        _v.c.sku,
        _v.c.options,
        _v.c.price,
        _v.c.available,
        _p.c.vendor_id,
        _p.c.vendor_name,
        _p.c.title,
        _p.c.slug,
        _p.c.currency,
        _p.c.listed,
    )
    .join(_p, _p.c.id == _v.c.product_id)
    .where(_v.c.id.in_(sa.bindparam("ids", expanding=True)))
)


def offers(variant_ids: Iterable[int]) -> dict[int, Offer]:
    """The catalogue copy's current state of these variants (missing ids are not in the copy)."""
    ids = sorted(set(variant_ids))
    if not ids:
        return {}
    rows = db.session.execute(_OFFERS, {"ids": ids}).all()
    return {
        row.id: Offer(
            variant_id=row.id,
            product_id=row.product_id,
            vendor_id=row.vendor_id,
            vendor_name=row.vendor_name or f"Store {row.vendor_id}",
            title=row.title,
            slug=row.slug,
            sku=row.sku,
            options=dict(row.options or {}),
            price=row.price,
            currency=row.currency,
            available=max(0, row.available),
            listed=row.listed,
        )
        for row in rows
    }


def state_of(offer: Offer | None) -> str:
    if offer is None or not offer.listed:
        return UNAVAILABLE
    if offer.available <= 0:
        return OUT_OF_STOCK
    return OK
