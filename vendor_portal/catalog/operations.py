"""Writes on products. Operations take the acting vendor user, flush, and leave the commit to the request."""

from __future__ import annotations

import html
from decimal import Decimal

import nh3

from common_core.db import money
from common_core.errors import InvalidTransition, NotAllowed
from vendor_portal.accounts.models import Vendor, VendorUser
from vendor_portal.catalog import events
from vendor_portal.catalog.models import Product, Variant
from vendor_portal.catalog.queries import products_of
from vendor_portal.extensions import db

# The moves a product may make; anything else is refused with InvalidTransition.
TRANSITIONS: dict[str, frozenset[str]] = {
    "draft": frozenset({"active", "archived"}),
    "active": frozenset({"draft", "archived"}),
    "archived": frozenset({"draft"}),
}
_ACTION = {"active": "published", "draft": "moved back to draft", "archived": "archived"}

NOT_APPROVED = "Your store must be approved before you can publish products."


def create_product(
    vendor: Vendor,
    *,
    title: str,
    description: str,
    price: Decimal,
    currency: str,
    actor: VendorUser,
    sku: str | None = None,
) -> Product:
    """A new draft selling as one default variant: nothing reaches shoppers until it is published."""
    _ensure_member(vendor.id, actor)
    product = Product(vendor=vendor, title=title.strip(), currency=currency, status="draft")
    _set_description(product, description)
    db.session.add(product)
    db.session.flush()
    product.variants.append(
        Variant(vendor_id=vendor.id, sku=(sku or "").strip() or f"P{product.id}", price=money(price), position=0)
    )
    db.session.flush()
    return product


def update_product(
    product: Product, *, title: str, description: str, price: Decimal, currency: str, actor: VendorUser
) -> None:
    _ensure_member(product.vendor_id, actor)
    product.title = title.strip()
    _set_description(product, description)
    product.variants[0].price = money(price)
    product.currency = currency
    db.session.flush()
    if product.listed:
        events.product_upserted(product)  # keep the shop's copy current


def publish(product: Product, *, actor: VendorUser) -> None:
    _ensure_member(product.vendor_id, actor)
    if not product.vendor.can_publish:
        raise NotAllowed(NOT_APPROVED)
    _move(product, "active")
    events.product_upserted(product)


def unpublish(product: Product, *, actor: VendorUser) -> None:
    _ensure_member(product.vendor_id, actor)
    was_listed = product.listed
    _move(product, "draft")
    if was_listed:
        events.product_removed(product, reason="unpublished")


def archive(product: Product, *, actor: VendorUser) -> None:
    _ensure_member(product.vendor_id, actor)
    was_listed = product.listed
    _move(product, "archived")
    if was_listed:
        events.product_removed(product, reason="archived")


def restore(product: Product, *, actor: VendorUser) -> None:
    """An archived product back to draft, to be edited and published again."""
    _ensure_member(product.vendor_id, actor)
    _move(product, "draft")


def withdraw_listings(vendor: Vendor, *, reason: str) -> int:
    """Take a store's active products out of the shop; they stay active here so reactivation brings them back."""
    products = products_of(vendor).with_status("active")
    for product in products:
        events.product_removed(product, reason=reason)
    return len(products)


def republish_listings(vendor: Vendor) -> int:
    """Put a (re)approved store's active products back in the shop."""
    products = products_of(vendor).with_status("active")
    for product in products:
        events.product_upserted(product)
    return len(products)


def _move(product: Product, status: str) -> None:
    if status not in TRANSITIONS[product.status]:
        raise InvalidTransition(
            f"This product is {product.status}; it cannot be {_ACTION[status]}.",
            current=product.status,
            requested=status,
        )
    product.status = status
    db.session.flush()


def sanitise_description(text: str) -> str:
    """Vendor text as safe HTML: markup limited to a small allow-list; plain text keeps its paragraphs."""
    text = (text or "").strip()
    if not text:
        return ""
    if "<" not in text:
        paragraphs = [p.strip() for p in text.replace("\r\n", "\n").split("\n\n") if p.strip()]
        return "".join(f"<p>{html.escape(p).replace(chr(10), '<br>')}</p>" for p in paragraphs)
    return nh3.clean(text, tags=ALLOWED_TAGS, attributes={"a": {"href", "title"}}, link_rel="nofollow noopener")


ALLOWED_TAGS = {"p", "br", "strong", "em", "b", "i", "u", "ul", "ol", "li", "h3", "h4", "blockquote", "a", "code"}


def _set_description(product: Product, description: str) -> None:
    product.description = (description or "").strip()
    product.description_html = sanitise_description(product.description)


def _ensure_member(vendor_id: int, actor: VendorUser) -> None:
    # Pages already scope lookups to the signed-in store; this guards other callers of these operations.
    if actor.vendor_id != vendor_id:
        raise NotAllowed("You can only change your own store's products.")
