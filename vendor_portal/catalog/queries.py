"""Read-only lookups of products, their images and media, always scoped to one vendor so no page can reach
another store's rows; and the category replica as vendors choose from it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import sqlalchemy as sa
from flask import abort
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy.orm import selectinload
from wtforms.fields.choices import SelectChoice

from vendor_portal.accounts.models import Vendor
from vendor_portal.catalog.images import original_type
from vendor_portal.catalog.models import PRODUCT_STATUSES, Category, Media, Product, ProductImage, Variant
from vendor_portal.extensions import db
from vendor_portal.inventory.models import ReservationLine
from vendor_portal.orders.models import VendorOrderLine

SortKey = Literal["title", "updated", "price"]
SORT_KEYS: tuple[SortKey, ...] = ("title", "updated", "price")
PER_PAGE = 20


@dataclass(frozen=True)
class ProductSearch:
    """What the product list shows: a title/SKU search, filters and a sort."""

    text: str | None = None
    status: str | None = None
    category_id: int | None = None
    sort: SortKey = "updated"
    direction: Literal["asc", "desc"] = "desc"


@dataclass(frozen=True)
class StockFigures:
    """A product's stock across its active variants, for lists."""

    on_hand: int
    available: int
    low: bool  # some active variant is at or below the product's threshold

    @property
    def out(self) -> bool:
        return self.available <= 0


def stock_figures(product: Product) -> StockFigures:
    live = product.active_variants
    return StockFigures(
        on_hand=sum(v.stock_on_hand for v in live),
        available=sum(v.available for v in live),
        low=any(v.available <= product.low_stock_threshold for v in live),
    )


_lowest_price = (
    sa.select(sa.func.min(Variant.price))
    .where(Variant.product_id == Product.id, Variant.is_active.is_(True))
    .correlate(Product)
    .scalar_subquery()
)


class VendorProducts:
    """The products of one vendor; the only way pages look products up."""

    def __init__(self, vendor_id: int) -> None:
        self.vendor_id = vendor_id

    def select(self) -> sa.Select[tuple[Product]]:
        return sa.select(Product).where(Product.vendor_id == self.vendor_id)

    def get_or_404(self, product_id: int, *, for_update: bool = False) -> Product:
        """The product if it is this vendor's; 404 otherwise (another store's id looks like a missing one)."""
        query = self.select().where(Product.id == product_id)
        if for_update:
            query = query.with_for_update()  # changes to one product happen one at a time
        product = db.session.scalar(query)
        if product is None:
            abort(404)
        return product

    def image_or_404(self, product: Product, image_id: int) -> ProductImage:
        """One of this product's images; 404 for any other id."""
        image = next((i for i in product.images if i.id == image_id), None)
        if image is None:
            abort(404)
        return image

    def search(self, search: ProductSearch, page: int, per_page: int = PER_PAGE) -> Pagination:
        query = self.select().options(selectinload(Product.variants), selectinload(Product.images))
        if search.text:
            pattern = f"%{escape_like(search.text)}%"
            has_sku = sa.exists().where(Variant.product_id == Product.id, Variant.sku.ilike(pattern, escape="\\"))
            query = query.where(sa.or_(Product.title.ilike(pattern, escape="\\"), has_sku))
        if search.status in PRODUCT_STATUSES:
            query = query.where(Product.status == search.status)
        if search.category_id is not None:
            query = query.where(Product.category_id == search.category_id)
        column = {"title": sa.func.lower(Product.title), "updated": Product.updated_at, "price": _lowest_price}
        primary = column[search.sort]
        primary = primary.desc().nulls_last() if search.direction == "desc" else primary.asc().nulls_last()
        # Ties keep a stable order across pages.
        query = query.order_by(primary, Product.id.desc())
        return db.paginate(query, page=page, per_page=per_page, error_out=False)

    def with_status(self, status: str) -> list[Product]:
        return list(db.session.scalars(self.select().where(Product.status == status).order_by(Product.id)))

    def count_by_status(self) -> dict[str, int]:
        query = sa.select(Product.status, sa.func.count()).where(Product.vendor_id == self.vendor_id)
        return dict(db.session.execute(query.group_by(Product.status)).all())

    def low_stock_count(self) -> int:
        """Products for sale or in draft with some active variant at or below their threshold."""
        low = (
            sa.select(Variant.product_id)
            .join(Product, Product.id == Variant.product_id)
            .where(
                Product.vendor_id == self.vendor_id,
                Product.status != "archived",
                Variant.is_active.is_(True),
                Variant.stock_on_hand - Variant.reserved <= Product.low_stock_threshold,
            )
            .distinct()
            .subquery()
        )
        return db.session.scalar(sa.select(sa.func.count()).select_from(low)) or 0


def products_of(vendor: Vendor) -> VendorProducts:
    return VendorProducts(vendor.id)


def escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


# ---- media --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MediaFile:
    sha256: str
    data: bytes


def media_bytes(vendor_id: int, media_id: int, column: str) -> MediaFile | None:
    """One stored size of one of the vendor's media (only that column is read)."""
    row = db.session.execute(
        sa.select(Media.sha256, getattr(Media, column)).where(Media.id == media_id, Media.vendor_id == vendor_id)
    ).first()
    return MediaFile(row[0], row[1]) if row else None


def media_sha256(vendor_id: int, media_id: int) -> str | None:
    return db.session.scalar(sa.select(Media.sha256).where(Media.id == media_id, Media.vendor_id == vendor_id))


def store_logo(vendor: Vendor) -> Media | None:
    """The store's logo (its bytes stay deferred: pages link to them)."""
    return db.session.get(Media, vendor.logo_media_id) if vendor.logo_media_id else None


def original_types(media_ids: list[int]) -> dict[int, str]:
    """The content type of each media's original upload, from its first bytes (not the whole blob)."""
    if not media_ids:
        return {}
    rows = db.session.execute(
        sa.select(Media.id, sa.func.substring(Media.original, 1, 12)).where(Media.id.in_(media_ids))
    ).all()
    return {media_id: original_type(bytes(head)) for media_id, head in rows}


def image_for_peer(image_id: int) -> tuple[ProductImage, Media, bytes, bytes] | None:
    """A product image with both shop sizes, for the internal API."""
    row = db.session.execute(
        sa.select(ProductImage, Media, Media.thumbnail, Media.medium)
        .join(Media, Media.id == ProductImage.media_id)
        .where(ProductImage.id == image_id)
    ).first()
    return (row[0], row[1], row[2], row[3]) if row else None


# ---- orders and checkouts that pin a product ------------------------------------------------------


def ever_ordered(product_id: int) -> bool:
    return bool(db.session.scalar(sa.select(sa.exists().where(VendorOrderLine.product_id == product_id))))


def in_checkout(product_id: int) -> bool:
    held = sa.exists().where(
        ReservationLine.variant_id == Variant.id,
        Variant.product_id == product_id,
    )
    return bool(db.session.scalar(sa.select(held)))


# ---- categories ---------------------------------------------------------------------------------


def category_by_id(category_id: int) -> Category | None:
    return db.session.get(Category, category_id)


def live_categories() -> list[Category]:
    """Categories a product may be put in: not retired, and not under a retired parent."""
    rows = list(db.session.scalars(sa.select(Category).order_by(Category.position, Category.name)))
    retired = {c.id for c in rows if c.retired}
    return [c for c in rows if not c.retired and c.parent_id not in retired]


def category_choices(blank: str = "No category") -> list[SelectChoice]:
    """Choices for a category select, grouped under their top-level category (optgroups).

    A top-level category with no subcategories is offered under its own name.
    """
    categories = live_categories()
    tops = [c for c in categories if c.parent_id is None]
    children: dict[int, list[Category]] = {}
    for category in categories:
        if category.parent_id is not None:
            children.setdefault(category.parent_id, []).append(category)
    choices = [SelectChoice("", blank)]
    for top in tops:
        members = children.get(top.id) or [top]
        choices.extend(SelectChoice(str(c.id), c.name, optgroup=top.name) for c in members)
    return choices


def category_names(category_ids: set[int]) -> dict[int, str]:
    """Display names ("Audio / Headphones") of these categories, retired ones included."""
    if not category_ids:
        return {}
    rows = {c.id: c for c in db.session.scalars(sa.select(Category).where(Category.id.in_(category_ids)))}
    parent_ids = {c.parent_id for c in rows.values() if c.parent_id is not None} - set(rows)
    if parent_ids:
        rows.update({c.id: c for c in db.session.scalars(sa.select(Category).where(Category.id.in_(parent_ids)))})
    names = {}
    for category_id in category_ids:
        category = rows.get(category_id)
        if category is None:
            continue
        parent = rows.get(category.parent_id) if category.parent_id else None
        names[category_id] = f"{parent.name} / {category.name}" if parent else category.name
    return names
