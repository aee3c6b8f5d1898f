"""Writes on products and on the category replica. Operations take the acting vendor user, flush, and leave
the commit to the request (or the event handler, or the command)."""

from __future__ import annotations

import html
from datetime import datetime
from decimal import Decimal
from typing import Any

import nh3
from sqlalchemy.dialects.postgresql import insert

from common_core.db import money, utcnow
from common_core.errors import Conflict, FieldError, InvalidTransition, NotAllowed
from vendor_portal.accounts.models import Vendor, VendorUser
from vendor_portal.catalog import events, images, variants
from vendor_portal.catalog.models import Category, Product, Variant
from vendor_portal.catalog.queries import category_by_id, ever_ordered, in_checkout, products_of
from vendor_portal.extensions import db

# The moves a product may make; anything else is refused with InvalidTransition.
TRANSITIONS: dict[str, frozenset[str]] = {
    "draft": frozenset({"active", "archived"}),
    "active": frozenset({"draft", "archived"}),
    "archived": frozenset({"draft"}),
}
_ACTION = {"active": "published", "draft": "moved back to draft", "archived": "archived"}

NOT_APPROVED = "Your store must be approved before you can publish products."
NO_ACTIVE_VARIANT = "Make at least one variant active before publishing: shoppers need something to buy."
DEFAULT_THRESHOLD = 5
ATTRIBUTE_NAME_MAX = 60
ATTRIBUTE_VALUE_MAX = 200
MAX_ATTRIBUTES = 30


def create_product(
    vendor: Vendor,
    *,
    title: str,
    description: str,
    price: Decimal,
    currency: str,
    actor: VendorUser,
    sku: str | None = None,
    compare_at_price: Decimal | None = None,
    brand: str | None = None,
    category_id: int | None = None,
    weight_grams: int | None = None,
    attributes: dict[str, str] | None = None,
    low_stock_threshold: int = DEFAULT_THRESHOLD,
    initial_stock: int = 0,
) -> Product:
    """A new draft selling as one default variant: nothing reaches shoppers until it is published."""
    _ensure_member(vendor.id, actor)
    sku = variants.clean_sku(sku) if (sku or "").strip() else None
    if sku is not None:
        variants.check_sku_free(vendor.id, sku)
    _check_compare_at(price, compare_at_price)
    _check_category(category_id, current=None)
    product = Product(vendor=vendor, status="draft")
    _set_details(
        product,
        title=title,
        description=description,
        currency=currency,
        brand=brand,
        category_id=category_id,
        weight_grams=weight_grams,
        attributes=attributes,
        low_stock_threshold=low_stock_threshold,
    )
    db.session.add(product)
    db.session.flush()
    variant = Variant(
        vendor_id=vendor.id,
        sku=sku or variants.suggest_sku(vendor.id, f"P{product.id}", [], set()),
        price=money(price),
        compare_at_price=money(compare_at_price) if compare_at_price is not None else None,
        position=0,
    )
    product.variants.append(variant)
    variants.flush_skus()
    variants.receive_initial_stock(variant, initial_stock, actor=actor)
    return product


def update_product(
    product: Product,
    *,
    title: str,
    description: str,
    currency: str,
    actor: VendorUser,
    price: Decimal | None = None,
    sku: str | None = None,
    compare_at_price: Decimal | None = None,
    brand: str | None = None,
    category_id: int | None = None,
    weight_grams: int | None = None,
    attributes: dict[str, str] | None = None,
    low_stock_threshold: int | None = None,
) -> bool:
    """Save the product's details (and, with no options, its default variant's price, SKU and compare-at).

    Returns whether anything shoppers see changed; only then is the shop's copy refreshed.
    """
    _ensure_member(product.vendor_id, actor)
    before = _visible_state(product)
    default = variants.default_variant(product) if not product.options else None
    if default is not None and price is not None:
        _check_compare_at(price, compare_at_price)
        if sku is not None:
            sku = variants.clean_sku(sku)
            variants.check_sku_free(product.vendor_id, sku, besides=(default.id,))
            default.sku = sku
        default.price = money(price)
        default.compare_at_price = money(compare_at_price) if compare_at_price is not None else None
    _check_category(category_id, current=product.category_id)
    _set_details(
        product,
        title=title,
        description=description,
        currency=currency,
        brand=brand,
        category_id=category_id,
        weight_grams=weight_grams,
        attributes=attributes,
        low_stock_threshold=product.low_stock_threshold if low_stock_threshold is None else low_stock_threshold,
    )
    variants.flush_skus()
    changed = _visible_state(product) != before
    if changed:
        product.updated_at = utcnow()
        db.session.flush()
        if product.listed:
            events.product_upserted(product)  # keep the shop's copy current
    return changed


def publish(product: Product, *, actor: VendorUser) -> None:
    _ensure_member(product.vendor_id, actor)
    if not product.vendor.can_publish:
        raise NotAllowed(NOT_APPROVED)
    if product.status != "active" and not product.active_variants:
        raise Conflict(NO_ACTIVE_VARIANT)
    _move(product, "active")
    if product.listed:  # a product staff have hidden stays out of the shop until they restore it
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


def assign_category(product: Product, category_id: int | None, *, actor: VendorUser) -> bool:
    """File a product in a category (the demo's re-filing, bulk tools); returns whether it moved."""
    _ensure_member(product.vendor_id, actor)
    if product.category_id == category_id:
        return False
    product.category_id = category_id
    product.updated_at = utcnow()
    db.session.flush()
    if product.listed:
        events.product_upserted(product)
    return True


def delete_problem(product: Product) -> str | None:
    """Why this product cannot be deleted, or None. Orders point at their products, so those stay."""
    if ever_ordered(product.id):
        return (
            f"“{product.title}” has been ordered, so it cannot be deleted: its orders still refer to it. "
            "Archive it instead to take it out of the shop and off your list."
        )
    if in_checkout(product.id):
        return f"A shopper is checking out “{product.title}” right now. Try again in a few minutes, or archive it."
    return None


def delete_product(product: Product, *, actor: VendorUser) -> None:
    """Delete a product that was never ordered, with its variants, images and stock history."""
    _ensure_member(product.vendor_id, actor)
    problem = delete_problem(product)
    if problem:
        raise Conflict(problem)
    media_ids = {image.media_id for image in product.images}
    # Always announced: a copy made while it was listed must go, whatever its status is now.
    events.product_removed(product, reason="deleted")
    db.session.delete(product)
    db.session.flush()
    for media_id in media_ids:
        images.discard_media_if_unused(media_id)


def withdraw_listings(vendor: Vendor, *, reason: str) -> int:
    """Take a store's active products out of the shop; they stay active here so reactivation brings them back."""
    products = products_of(vendor).with_status("active")
    for product in products:
        events.product_removed(product, reason=reason)
    return len(products)


def republish_listings(vendor: Vendor) -> int:
    """Put a (re)approved store's active products back in the shop."""
    products = products_of(vendor).with_status("active")
    listed = [product for product in products if product.hidden_at is None]
    for product in listed:
        events.product_upserted(product)
    return len(listed)


def _move(product: Product, status: str) -> None:
    if status not in TRANSITIONS[product.status]:
        raise InvalidTransition(
            f"This product is {product.status}; it cannot be {_ACTION[status]}.",
            current=product.status,
            requested=status,
        )
    product.status = status
    db.session.flush()


# ---- details ------------------------------------------------------------------------------------


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


def clean_attributes(pairs: dict[str, str] | list[tuple[str, str]] | None) -> dict[str, str]:
    """Name/value pairs as stored: trimmed, blank rows dropped, in the order given."""
    items = pairs.items() if isinstance(pairs, dict) else (pairs or [])
    cleaned: dict[str, str] = {}
    for name, value in items:
        name, value = " ".join((name or "").split()), " ".join((value or "").split())
        if name and value:
            cleaned[name[:ATTRIBUTE_NAME_MAX]] = value[:ATTRIBUTE_VALUE_MAX]
    if len(cleaned) > MAX_ATTRIBUTES:
        raise FieldError("attributes", f"Use at most {MAX_ATTRIBUTES} attributes.")
    return cleaned


def _set_details(
    product: Product,
    *,
    title: str,
    description: str,
    currency: str,
    brand: str | None,
    category_id: int | None,
    weight_grams: int | None,
    attributes: dict[str, str] | None,
    low_stock_threshold: int,
) -> None:
    product.title = " ".join((title or "").split())
    product.description = (description or "").strip()
    product.description_html = sanitise_description(product.description)
    product.currency = currency
    product.brand = " ".join((brand or "").split()) or None
    product.category_id = category_id
    product.weight_grams = weight_grams
    product.attributes = clean_attributes(attributes)
    product.low_stock_threshold = low_stock_threshold


def _visible_state(product: Product) -> dict[str, Any]:
    """What shoppers see of a product, without its timestamps (to tell whether a save changed anything)."""
    data = events.product_data(product)
    data.pop("updated_at", None)
    return data


def _check_compare_at(price: Decimal, compare_at_price: Decimal | None) -> None:
    if compare_at_price is not None and compare_at_price <= price:
        raise FieldError("compare_at_price", variants.COMPARE_AT_RULE)


def _check_category(category_id: int | None, *, current: int | None) -> None:
    if category_id is None or category_id == current:
        return
    category = category_by_id(category_id)
    if category is not None and category.retired:
        raise FieldError("category_id", f"{category.name} was retired by the marketplace. Choose another category.")


def _ensure_member(vendor_id: int, actor: VendorUser) -> None:
    # Pages already scope lookups to the signed-in store; this guards other callers of these operations.
    if actor.vendor_id != vendor_id:
        raise NotAllowed("You can only change your own store's products.")


# ---- the category replica (fed by admin_portal's events) ----------------------------------------


def replicate_category(
    category_id: int, *, name: str, slug: str, parent_id: int | None, position: int, at: datetime
) -> None:
    """Insert or update a category from category.upserted, unless a newer event was applied already."""
    values = {
        "name": name,
        "slug": slug,
        "parent_id": parent_id,
        "position": position,
        "retired": False,
        "source_updated_at": at,
    }
    _upsert_category(category_id, values)


def retire_category(category_id: int, *, at: datetime) -> None:
    """Mark a category retired. An unknown one is kept as a retired placeholder, so a late, older
    category.upserted cannot bring it back."""
    _upsert_category(
        category_id,
        {"retired": True, "source_updated_at": at},
        placeholder={"name": f"Category {category_id}", "slug": f"category-{category_id}", "position": 0},
    )


def _upsert_category(category_id: int, values: dict[str, Any], placeholder: dict[str, Any] | None = None) -> None:
    table = Category.__table__
    statement = insert(table).values(id=category_id, **(placeholder or {}), **values)
    # One statement, so two deliveries racing on a new id cannot both insert; the WHERE drops older news.
    db.session.execute(
        statement.on_conflict_do_update(
            index_elements=[table.c.id],
            set_=values,
            where=table.c.source_updated_at <= statement.excluded.source_updated_at,
        )
    )
