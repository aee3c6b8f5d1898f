"""Reads of the catalogue copy for pages: cards, the category tree, a product, its images.

Each page issues a fixed number of statements whatever it shows: cards with their main image in one
query, never one query per product. Nothing here calls another service.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from flask import current_app, g, has_request_context, url_for

from storefront.catalog.models import (
    CatalogVersion,
    Category,
    Product,
    ProductImage,
    ProductTally,
    StockState,
    Variant,
    Vendor,
    stock_state,
)
from storefront.extensions import db

p = Product.__table__
img = ProductImage.__table__

HOME_SHELF = 8
EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp"}
IMAGE_SIZES = ("thumbnail", "medium")

CARD_COLUMNS = (
    p.c.id,
    p.c.slug,
    p.c.title,
    p.c.brand,
    p.c.vendor_name,
    p.c.vendor_slug,
    p.c.currency,
    p.c.min_price,
    p.c.max_price,
    p.c.compare_at_price,
    p.c.in_stock,
    p.c.stock_total,
    p.c.rating_avg,
    p.c.rating_count,
    p.c.created_at,
)


@dataclass(frozen=True)
class ImageRef:
    id: int
    sha256: str
    content_type: str
    width: int | None = None
    height: int | None = None

    @property
    def ext(self) -> str:
        return EXTENSIONS.get(self.content_type, "bin")

    def url(self, size: str = "thumbnail") -> str:
        # The sha in the URL makes it immutable: changed bytes get a new URL, so caches never go stale.
        return url_for("catalog.image", image_id=self.id, size=size, ext=self.ext, v=self.sha256[:16])


@dataclass
class Card:
    """What a product card shows."""

    id: int
    slug: str
    title: str
    brand: str | None
    vendor_name: str | None
    vendor_slug: str | None
    currency: str
    min_price: Decimal
    max_price: Decimal
    compare_at_price: Decimal | None
    in_stock: bool
    stock_total: int
    rating_avg: Decimal | None
    rating_count: int
    created_at: datetime
    image: ImageRef | None = None

    @property
    def url(self) -> str:
        return url_for("catalog.product", product_id=self.id, slug=self.slug)

    @property
    def price_varies(self) -> bool:
        return self.max_price > self.min_price

    @property
    def stock(self) -> StockState:
        return stock_state(self.stock_total if self.in_stock else 0)


@dataclass
class Page:
    """One page of results (cards, a customer's orders), shaped for common_ui's pagination macro."""

    items: list[Any]
    page: int
    total: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def prev_num(self) -> int:
        return self.page - 1

    @property
    def next_num(self) -> int:
        return self.page + 1

    def iter_pages(
        self, *, left_edge: int = 1, left_current: int = 2, right_current: int = 3, right_edge: int = 1
    ) -> Iterator[int | None]:
        """Page numbers to link, None where a run is left out (1 2 ... 7 8 [9] 10 11 12 ... 40)."""
        last = 0
        for number in range(1, self.pages + 1):
            if (
                number <= left_edge
                or self.page - left_current <= number < self.page + right_current
                or number > self.pages - right_edge
            ):
                if last + 1 != number:
                    yield None
                yield number
                last = number


@dataclass
class CategoryTree:
    """The live categories, loaded once per page: breadcrumbs, subcategory links and facet names."""

    categories: list[Category]
    by_id: dict[int, Category] = field(init=False)
    by_slug: dict[str, Category] = field(init=False)

    def __post_init__(self) -> None:
        self.by_id = {c.id: c for c in self.categories}
        self.by_slug = {}
        for category in self.categories:
            self.by_slug.setdefault(category.slug, category)

    def children(self, category: Category | None) -> list[Category]:
        parent_id = category.id if category else None
        return [c for c in self.categories if c.parent_id == parent_id]

    def trail(self, category_id: int | None) -> list[Category]:
        """The category and its ancestors, root first (breadcrumbs)."""
        trail: list[Category] = []
        current = self.by_id.get(category_id) if category_id is not None else None
        while current is not None and current not in trail:
            trail.insert(0, current)
            current = self.by_id.get(current.parent_id) if current.parent_id is not None else None
        return trail


def category_tree() -> CategoryTree:
    rows = db.session.scalars(
        sa.select(Category).where(Category.retired.is_(False)).order_by(Category.position, Category.name, Category.id)
    ).all()
    return CategoryTree(list(rows))


VERSIONS = sa.select(CatalogVersion.version, CatalogVersion.facets_version).where(CatalogVersion.id == 1)


def catalog_version() -> int:
    """The catalogue's current version (see CatalogVersion), read once per request.

    Read before anything derived from it, so a page is never labelled newer than the rows it shows.
    """
    return _versions()[0]


def facets_version() -> int:
    """The version of what facet counts depend on (CatalogVersion.facets_version), read with the other."""
    return _versions()[1]


def _versions() -> tuple[int, int]:
    if has_request_context() and "catalog_versions" in g:
        return g.catalog_versions
    # Outside the session's transaction, in autocommit: a page served from the cache needs nothing else
    # from the database, so it pays for one statement, not a transaction around it.
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        row = conn.execute(VERSIONS).first()
    versions = (row.version, row.facets_version) if row else (0, 0)
    if has_request_context():
        g.catalog_versions = versions
    return versions


def _main_image() -> sa.ScalarSelect[Any]:
    """A card's main image as one JSON array, evaluated only for the rows a page shows."""
    return (
        sa.select(sa.func.json_build_array(img.c.id, img.c.sha256, img.c.content_type, img.c.width, img.c.height))
        .where(img.c.product_id == p.c.id)
        .order_by(img.c.is_main.desc(), img.c.position, img.c.id)
        .limit(1)
        .scalar_subquery()
    )


def card_query() -> sa.Select[Any]:
    """Listed products' card columns and main image. PostgreSQL evaluates the image subquery after the
    sort and limit (it postpones costly output columns), so a page of 24 looks up 24 images."""
    return sa.select(*CARD_COLUMNS, _main_image().label("main_image")).where(p.c.listed)


def load_cards(statement: sa.Select[Any]) -> list[Card]:
    """Run a card query: the cards and their main images in one statement."""
    return [_card(row._mapping) for row in db.session.execute(statement)]


def _card(row: Mapping[str, Any]) -> Card:
    values = dict(row)
    image = values.pop("main_image", None)
    return Card(**values, image=ImageRef(*image) if image else None)


@dataclass
class FeaturedCategory:
    name: str
    slug: str
    count: int


@dataclass
class HomePage:
    categories: list[FeaturedCategory]
    new_arrivals: list[Card]
    best_sellers: list[Card]


def featured_categories() -> list[FeaturedCategory]:
    """Top-level categories with their product counts.

    Summed from the product tally (a few hundred rows, whatever the catalogue's size) and kept per app
    by facets version: they change only when products are added, removed or moved, not when stock
    comes and goes.
    """
    version = facets_version()
    kept: dict[int, list[FeaturedCategory]] = current_app.extensions.setdefault("catalog_featured", {})
    found = kept.get(version)
    if found is None:
        top = Category.__table__
        tally = ProductTally.__table__
        top_id = tally.c.category_ids[1]
        counts = (
            sa.select(top_id.label("id"), sa.func.sum(tally.c.products).label("count"))
            .group_by(top_id)
            .having(sa.func.sum(tally.c.products) > 0)
            .subquery()
        )
        rows = db.session.execute(
            sa.select(top.c.name, top.c.slug, sa.cast(counts.c.count, sa.Integer).label("count"))
            .join(counts, counts.c.id == top.c.id)
            .where(top.c.parent_id.is_(None), top.c.retired.is_(False))
            .order_by(top.c.position, top.c.name)
        ).all()
        found = [FeaturedCategory(**row._mapping) for row in rows]
        kept.clear()  # only the current version is worth keeping
        kept[version] = found
    return list(found)


def home_page() -> HomePage:
    featured = featured_categories()
    newest = card_query().order_by(p.c.created_at.desc(), p.c.id.desc()).limit(HOME_SHELF)
    # Placeholder ordering until orders exist: most reviewed, then newest. Swap in units sold then.
    most_reviewed = (
        card_query().order_by(p.c.rating_count.desc(), p.c.created_at.desc(), p.c.id.desc()).limit(HOME_SHELF)
    )
    shelves = sa.union_all(
        sa.select(sa.literal(0).label("shelf"), newest.subquery()),
        sa.select(sa.literal(1).label("shelf"), most_reviewed.subquery()),
    )
    cards: dict[int, list[Card]] = {0: [], 1: []}
    for row in db.session.execute(shelves):  # both shelves in one statement
        values = dict(row._mapping)
        cards[values.pop("shelf")].append(_card(values))
    # UNION ALL promises no order across its branches: each shelf is put back in its own.
    new_arrivals = sorted(cards[0], key=lambda c: (c.created_at, c.id), reverse=True)
    best_sellers = sorted(cards[1], key=lambda c: (c.rating_count, c.created_at, c.id), reverse=True)
    return HomePage(featured, new_arrivals, best_sellers)


@dataclass
class ProductPage:
    product: Product
    variants: list[Variant]
    images: list[ImageRef]
    trail: list[Category]

    def variant(self, variant_id: int | None) -> Variant | None:
        """The variant asked for, else the first one that can be bought, else the first."""
        chosen = next((v for v in self.variants if v.id == variant_id), None)
        return chosen or next((v for v in self.variants if v.available > 0), None) or next(iter(self.variants), None)

    def variant_with(self, chosen: dict[str, str]) -> Variant | None:
        """The variant whose option values are exactly these."""
        return next((v for v in self.variants if v.options == chosen), None)

    @property
    def main_image(self) -> ImageRef | None:
        return self.images[0] if self.images else None

    @property
    def offers_choice(self) -> bool:
        return len(self.variants) > 1 and bool(self.product.options)


# The product page's statements, built once: the page is read on every visit a cache cannot answer
# (a shopper with a cart), and SQLAlchemy then neither builds them nor computes their cache keys.
_PRODUCT = sa.select(Product).where(Product.id == sa.bindparam("product_id"), Product.listed)
_VARIANTS = (
    sa.select(Variant).where(Variant.product_id == sa.bindparam("product_id")).order_by(Variant.position, Variant.id)
)
_IMAGES = (
    sa.select(img.c.id, img.c.sha256, img.c.content_type, img.c.width, img.c.height)
    .where(img.c.product_id == sa.bindparam("product_id"))
    .order_by(img.c.is_main.desc(), img.c.position, img.c.id)
)
_CATEGORIES = sa.select(Category).where(
    Category.id.in_(sa.bindparam("category_ids", expanding=True)), Category.retired.is_(False)
)


def product_page(product_id: int) -> ProductPage | None:
    """A listed product with its variants, images and category trail; None when shoppers cannot see it."""
    which = {"product_id": product_id}
    product = db.session.scalar(_PRODUCT, which)
    if product is None:
        return None
    variants = db.session.scalars(_VARIANTS, which).all()
    images = [
        ImageRef(row.id, row.sha256, row.content_type, row.width, row.height)
        for row in db.session.execute(_IMAGES, which)
    ]
    categories = db.session.scalars(_CATEGORIES, {"category_ids": product.category_ids or []}).all()
    trail = CategoryTree(list(categories)).trail(product.category_id)
    return ProductPage(product, list(variants), images, trail)


def listed_vendor(slug: str) -> Vendor | None:
    return db.session.scalar(
        sa.select(Vendor).where(Vendor.slug == slug, Vendor.status == "approved").order_by(Vendor.id).limit(1)
    )


@dataclass(frozen=True)
class ImageFile:
    sha256: str
    content_type: str
    data: bytes


def image_file(image_id: int, size: str) -> ImageFile | None:
    """The bytes of one size of an image of a listed product."""
    if size not in IMAGE_SIZES:
        return None
    row = db.session.execute(
        sa.select(img.c.sha256, img.c.content_type, img.c[size].label("data"))
        .join(p, p.c.id == img.c.product_id)
        .where(img.c.id == image_id, p.c.listed)
    ).first()
    return ImageFile(row.sha256, row.content_type, row.data) if row else None
