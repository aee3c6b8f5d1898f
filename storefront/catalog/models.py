"""The storefront's read copy of the catalogue, shaped for browsing and search, fed only by events.

Ids are the owners' ids (admin_portal for categories, vendor_portal for the rest). There are no foreign
keys to vendors or categories: events arrive in any order, so a product may name a store or a category
the storefront has not heard of yet. Denormalised columns (vendor name, category path, prices, stock)
are kept current by the event handlers in catalog/events.py so pages read one table.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, TSVECTOR
from sqlalchemy.orm import Mapped, deferred, mapped_column

from common_core.db import Money
from storefront.extensions import db

TZ = sa.DateTime(timezone=True)
VENDOR_STATUSES = ("pending", "approved", "suspended", "rejected")
PRODUCT_STATUSES = ("active", "removed")
LOW_STOCK = 5  # "only N left" at or below this
# The spelling dictionary's words (SearchWord): runs of letters and digits, at least this long.
WORD_SEPARATORS = "[^[:alnum:]]+"
MIN_WORD_LENGTH = 3


@dataclass(frozen=True)
class StockState:
    key: str  # matches common_ui's badge classes: in-stock, low-stock, out-of-stock
    label: str


def stock_state(available: int) -> StockState:
    if available <= 0:
        return StockState("out-of-stock", "Out of stock")
    if available <= LOW_STOCK:
        return StockState("low-stock", f"Only {available} left")
    return StockState("in-stock", "In stock")


class Category(db.Model):
    """admin_portal's two-level category tree."""

    __tablename__ = "category"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    parent_id: Mapped[int | None] = mapped_column(index=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    # Not unique: two categories may swap slugs across events that arrive out of order.
    slug: Mapped[str] = mapped_column(sa.String(140), index=True)
    position: Mapped[int] = mapped_column(default=0, server_default="0")
    retired: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    event_at: Mapped[datetime] = mapped_column(TZ)  # occurred_at of the newest event applied


class Vendor(db.Model):
    """A store: its public name and page, and whether its products may be listed."""

    __tablename__ = "vendor"
    __table_args__ = (sa.CheckConstraint(f"status IN {VENDOR_STATUSES}", name="status"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    store_name: Mapped[str] = mapped_column(sa.String(120))
    slug: Mapped[str] = mapped_column(sa.String(140), index=True)
    status: Mapped[str] = mapped_column(sa.String(16))
    description: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    event_at: Mapped[datetime] = mapped_column(TZ)


class Product(db.Model):
    """One listable product with everything a card, a facet or a search needs, in one row."""

    __tablename__ = "product"
    __table_args__ = (
        sa.CheckConstraint(f"status IN {PRODUCT_STATUSES}", name="status"),
        sa.CheckConstraint("currency ~ '^[A-Z]{3}$'", name="currency_iso"),
        sa.CheckConstraint("min_price IS NULL OR min_price >= 0", name="min_price_not_negative"),
        sa.CheckConstraint("rating_count >= 0", name="rating_count_not_negative"),
        sa.Index(
            "ix_product_search_name_trgm",
            "search_name",
            postgresql_using="gin",
            postgresql_ops={"search_name": "gin_trgm_ops"},
        ),
        sa.Index("ix_product_category_ids", "category_ids", postgresql_using="gin"),
        # Listings sort only listed products: partial indexes keep the sort keys small.
        sa.Index("ix_product_listed_created_at", "created_at", "id", postgresql_where=sa.text("listed")),
        sa.Index("ix_product_listed_min_price", "min_price", "id", postgresql_where=sa.text("listed")),
        # The home page's "best sellers" shelf (most reviewed, then newest) without sorting every product.
        sa.Index(
            "ix_product_listed_rating_count", "rating_count", "created_at", "id", postgresql_where=sa.text("listed")
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    vendor_id: Mapped[int] = mapped_column(index=True)
    vendor_name: Mapped[str | None] = mapped_column(sa.String(120))
    vendor_slug: Mapped[str | None] = mapped_column(sa.String(140))
    title: Mapped[str] = mapped_column(sa.String(200))
    slug: Mapped[str] = mapped_column(sa.String(100))
    brand: Mapped[str | None] = mapped_column(sa.String(80))
    description_html: Mapped[str] = mapped_column(sa.Text, default="", server_default="")  # nh3-cleaned here too
    description_text: Mapped[str] = mapped_column(sa.Text, default="", server_default="")  # for the search document
    currency: Mapped[str] = mapped_column(sa.CHAR(3))
    category_id: Mapped[int | None] = mapped_column(index=True)
    category_ids: Mapped[list[int]] = mapped_column(ARRAY(sa.Integer), default=list, server_default="{}")  # root first
    category_path: Mapped[str] = mapped_column(sa.Text, default="", server_default="")  # "Audio / Headphones"
    attributes: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict, server_default="{}")
    options: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, default=list, server_default="[]")
    min_price: Mapped[Decimal | None] = mapped_column(Money)
    max_price: Mapped[Decimal | None] = mapped_column(Money)
    compare_at_price: Mapped[Decimal | None] = mapped_column(Money)  # of the cheapest variant, when above it
    in_stock: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    stock_total: Mapped[int] = mapped_column(default=0, server_default="0")
    # Filled by reviews later; until then every product is unrated.
    rating_avg: Mapped[Decimal | None] = mapped_column(sa.Numeric(3, 2))
    rating_count: Mapped[int] = mapped_column(default=0, server_default="0")
    status: Mapped[str] = mapped_column(sa.String(16), default="active", server_default="active")
    # Shown to shoppers: active, priced, and its store approved. Kept by the handlers.
    listed: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    created_at: Mapped[datetime] = mapped_column(TZ)
    updated_at: Mapped[datetime] = mapped_column(TZ)  # the vendor's updated_at: newer state wins
    event_at: Mapped[datetime] = mapped_column(TZ)  # breaks updated_at ties (remove, then republish)
    # Searched in product_search, the copy triggers keep; its full-text index is there.
    search_document: Mapped[Any | None] = deferred(mapped_column(TSVECTOR))
    search_name: Mapped[str] = mapped_column(sa.Text, default="", server_default="")  # lower(unaccent(title brand))


# The listed products' columns a search filters, counts and sorts on, with a category's products together:
# partitioned by a hash of the product's category (16 partitions), a word's matches, which mostly share
# a category, fill a few pages instead of each taking a page of product. Kept by triggers on product
# (migration 0009) in the transaction that changes the product; written by nothing else. A Core table:
# nothing loads it as objects, and it has a unique index rather than a primary key because pg_restore
# --clean cannot drop a partitioned primary key (it drops each partition's first, which PostgreSQL refuses).
product_search = sa.Table(
    "product_search",
    db.metadata,
    sa.Column("id", sa.Integer, nullable=False, autoincrement=False),
    sa.Column("category_key", sa.Integer, nullable=False, autoincrement=False),  # category_id, 0 for none
    sa.Column("search_document", TSVECTOR),
    sa.Column("category_ids", ARRAY(sa.Integer), nullable=False),
    sa.Column("vendor_id", sa.Integer, nullable=False),
    sa.Column("vendor_slug", sa.String(140)),
    sa.Column("vendor_name", sa.String(120)),
    sa.Column("brand", sa.String(80)),
    sa.Column("min_price", Money),
    sa.Column("rating_avg", sa.Numeric(3, 2)),
    sa.Column("rating_count", sa.Integer, nullable=False),
    sa.Column("in_stock", sa.Boolean, nullable=False),
    sa.Column("created_at", TZ, nullable=False),
    # The product's combination in product_tally (never deleted but with the products): a search groups
    # its matches by this one number and reads the combination's values from the tally afterwards.
    sa.Column("tally_id", sa.BigInteger, nullable=False),
    sa.Index("ux_product_search_key", "category_key", "id", unique=True),
    sa.Index("ix_product_search_search_document", "search_document", postgresql_using="gin"),
    postgresql_partition_by="HASH (category_key)",
)


class ProductTally(db.Model):
    """How many listed products share one combination of what listings without words filter and count.

    A category page, a store page or "all products" counts its facets from these rows (a few hundred
    for a million products) instead of reading every product in scope. Kept by statement-level triggers
    on product (migration 0007) in the transaction that changes the products, so the counts are never
    behind the rows; a combination whose products all went keeps its row with 0.
    """

    __tablename__ = "product_tally"
    # No CHECK (products >= 0): PostgreSQL checks the row an upsert proposes (a -1) before finding the
    # row it updates instead.
    __table_args__ = (
        sa.Index(
            "ux_product_tally_key",
            "category_ids",
            "vendor_id",
            "vendor_slug",
            "vendor_name",
            "brand",
            "price_bucket",
            "rating_floor",
            "in_stock",
            unique=True,
            postgresql_nulls_not_distinct=True,
        ),
    )

    id: Mapped[int] = mapped_column(sa.BigInteger, sa.Identity(always=False), primary_key=True)
    category_ids: Mapped[list[int]] = mapped_column(ARRAY(sa.Integer))
    vendor_id: Mapped[int]
    vendor_slug: Mapped[str | None] = mapped_column(sa.String(140))
    vendor_name: Mapped[str | None] = mapped_column(sa.String(120))
    brand: Mapped[str | None] = mapped_column(sa.String(80))
    price_bucket: Mapped[int] = mapped_column(sa.SmallInteger)  # catalog_price_bucket(min_price)
    rating_floor: Mapped[int | None] = mapped_column(sa.SmallInteger)  # whole stars of rating_avg
    in_stock: Mapped[bool]
    products: Mapped[int]


class SearchWord(db.Model):
    """A word of some product's title or brand: the dictionary misspelt search words are corrected against.

    Kept by the catalogue handlers as they write `product.search_name` (words are added, never taken
    away), so a word of a renamed or removed product lingers. That is harmless: a search corrected to it
    finds what the corrected words find, the original words still count, and nothing found shows the
    empty state as before. A few thousand words in a real catalogue, against which the trigram index
    answers a correction in a millisecond, where matching typos against every product's name did not.
    """

    __tablename__ = "search_word"
    __table_args__ = (
        # fastupdate off: new words go straight into the index rather than into a pending list every
        # search would read in full until a vacuum (words are added rarely; searches are constant).
        sa.Index(
            "ix_search_word_trgm",
            "word",
            postgresql_using="gin",
            postgresql_ops={"word": "gin_trgm_ops"},
            postgresql_with={"fastupdate": "off"},
        ),
    )

    word: Mapped[str] = mapped_column(sa.Text, primary_key=True)  # lower-case, accents folded

    @staticmethod
    def words_of(text: sa.ColumnElement[str], with_ordinality: str | None = None) -> sa.TableValuedAlias:
        """The runs of letters and digits of already folded text, one row each (column `word`, and the
        word's position in `with_ordinality` when named); an empty string where the text starts or ends
        with a separator.

        Filter them with `is_word()`; a search's words are split the same way, so a typed word and a
        dictionary word are compared like for like.
        """
        split = sa.func.regexp_split_to_table(text, sa.literal_column(f"'{WORD_SEPARATORS}'"))
        return split.table_valued("word", with_ordinality=with_ordinality)

    @staticmethod
    def is_word(word: sa.ColumnElement[str]) -> sa.ColumnElement[bool]:
        """Long enough to have a spelling (three characters give trigrams to compare), with a letter in it:
        a number (a model number, a size) is typed exactly and is never corrected into another number."""
        return sa.and_(sa.func.length(word) >= MIN_WORD_LENGTH, word.regexp_match("[[:alpha:]]"))


class Variant(db.Model):
    """What is sold: a price, its option values and how many can be bought now."""

    __tablename__ = "variant"
    __table_args__ = (
        sa.CheckConstraint("price >= 0", name="price_not_negative"),
        sa.CheckConstraint("available >= 0", name="available_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    product_id: Mapped[int] = mapped_column(sa.ForeignKey("product.id", ondelete="CASCADE"), index=True)
    sku: Mapped[str | None] = mapped_column(sa.String(64))
    price: Mapped[Decimal] = mapped_column(Money)
    compare_at_price: Mapped[Decimal | None] = mapped_column(Money)
    options: Mapped[dict[str, str]] = mapped_column(JSONB, default=dict, server_default="{}")
    available: Mapped[int] = mapped_column(default=0, server_default="0")
    position: Mapped[int] = mapped_column(default=0, server_default="0")
    stock_at: Mapped[datetime] = mapped_column(TZ)  # as of when `available` was true: newer counts win

    @property
    def label(self) -> str:
        return " / ".join(str(v) for v in self.options.values()) if self.options else "Standard"

    @property
    def stock(self) -> StockState:
        return stock_state(self.available)


class ProductImage(db.Model):
    """An image's metadata and the two sizes the shop serves, copied from the vendor portal."""

    __tablename__ = "product_image"
    __table_args__ = (
        sa.CheckConstraint("content_type IN ('image/jpeg', 'image/png', 'image/webp')", name="content_type"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)  # the vendor portal's image_id
    product_id: Mapped[int] = mapped_column(sa.ForeignKey("product.id", ondelete="CASCADE"), index=True)
    sha256: Mapped[str] = mapped_column(sa.String(64), index=True)
    position: Mapped[int] = mapped_column(default=0, server_default="0")
    is_main: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    width: Mapped[int | None]
    height: Mapped[int | None]
    content_type: Mapped[str] = mapped_column(sa.String(32))
    thumbnail: Mapped[bytes] = deferred(mapped_column(sa.LargeBinary))
    medium: Mapped[bytes] = deferred(mapped_column(sa.LargeBinary))


class CatalogVersion(db.Model):
    """One row whose version changes whenever anything shoppers see in the catalogue changes.

    Bumped by a deferred trigger on product, variant, product_image, category and vendor (migration
    0004), once per transaction and as it commits, so a reader sees the new version exactly when it sees
    the new rows, whoever wrote them. Pages shared by anonymous shoppers derive their ETag from it.
    A stock count moves it only where a page would show the difference (migration 0008): a variant's
    units up to MAX_QUANTITY, a product's up to LOW_STOCK + 1, so selling the 10,000th unit of a
    plentiful product keeps every cached page.
    """

    __tablename__ = "catalog_version"
    __table_args__ = (sa.CheckConstraint("id = 1", name="single_row"),)

    id: Mapped[int] = mapped_column(sa.SmallInteger, primary_key=True, autoincrement=False)
    version: Mapped[int] = mapped_column(sa.BigInteger)
    changed_at: Mapped[datetime] = mapped_column(TZ)
    # Bumped (migration 0006) only when what facet counts depend on changes: a product added or removed,
    # or any of its columns but the units in stock and timestamps. Kept facet counts follow this one.
    facets_version: Mapped[int] = mapped_column(sa.BigInteger, server_default="0")
