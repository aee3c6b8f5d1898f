"""Event handlers that keep the storefront's catalogue copy (registered in storefront/internal/routes.py).

Delivery is at least once and unordered: the inbox drops repeats by event id, and every handler here
applies a state only when it is newer than the stored one (products by the vendor's updated_at, with
the event's occurred_at breaking ties; categories and stores by occurred_at; stock by its own time).
Handlers flush; the inbox commits the changes together with the event id.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert

from common_core.errors import InvalidInput
from storefront.catalog import images, payloads
from storefront.catalog.models import VENDOR_STATUSES, Category, Product, ProductImage, SearchWord, Variant, Vendor
from storefront.extensions import db
from storefront.formatting import slugify

MAX_DESCRIPTION_SEARCH_CHARS = 20_000  # a tsvector is capped at 1 MB; the opening says what a product is
ENGLISH = sa.literal_column("'english'::regconfig")

p = Product.__table__
v = Variant.__table__
img = ProductImage.__table__


# ---- categories ---------------------------------------------------------------------------------


def category_upserted(data: dict[str, Any], envelope: dict[str, Any]) -> None:
    category_id = payloads.integer(data["category_id"], "category_id")
    event_at = payloads.occurred_at(envelope)
    category = db.session.get(Category, category_id, with_for_update=True)
    if category is not None and category.event_at > event_at:
        return  # older news
    if category is None:
        category = Category(id=category_id)
        db.session.add(category)
    category.name = payloads.text(data["name"], 120, "name")
    category.slug = payloads.text(data["slug"], 140, "slug")
    category.parent_id = payloads.integer(data["parent_id"], "parent_id") if data["parent_id"] is not None else None
    category.position = payloads.integer(data["position"] or 0, "position")
    category.retired = False
    category.event_at = event_at
    db.session.flush()
    _refresh_category_paths(category_id)


def category_retired(data: dict[str, Any], envelope: dict[str, Any]) -> None:
    category_id = payloads.integer(data["category_id"], "category_id")
    event_at = payloads.occurred_at(envelope)
    category = db.session.get(Category, category_id, with_for_update=True)
    if category is not None and category.event_at > event_at:
        return
    if category is None:
        # Remember the retirement so a late, older upsert cannot bring the category back.
        category = Category(id=category_id, name="", slug="", position=0)
        db.session.add(category)
    category.retired = True
    category.event_at = event_at
    db.session.flush()


def category_path(category_id: int | None) -> tuple[list[int], list[str]]:
    """Ids (root first) and names of a category and its ancestors, as far as they are known."""
    ids: list[int] = []
    names: list[str] = []
    current = category_id
    while current is not None and current not in ids and len(ids) < 5:
        ids.insert(0, current)
        category = db.session.get(Category, current)
        if category is None:
            break
        if category.name:
            names.insert(0, category.name)
        current = category.parent_id
    return ids, names


def _refresh_category_paths(category_id: int) -> None:
    """A category was named, renamed or moved: its products' paths and search documents follow."""
    affected = db.session.scalars(
        sa.select(p.c.category_id)
        .where(sa.or_(p.c.category_id == category_id, p.c.category_ids.contains([category_id])))
        .distinct()
    ).all()
    for leaf in affected:
        ids, names = category_path(leaf)
        db.session.execute(
            sa.update(p).where(p.c.category_id == leaf).values(category_ids=ids, category_path=" / ".join(names))
        )
        _refresh_search(p.c.category_id == leaf)


# ---- stores -------------------------------------------------------------------------------------


def vendor_changed(data: dict[str, Any], envelope: dict[str, Any]) -> None:
    """vendor.upserted and vendor.status_changed: a store's name, page and whether it may sell."""
    vendor_id = payloads.integer(data["vendor_id"], "vendor_id")
    status = data["status"]
    if status not in VENDOR_STATUSES:
        raise InvalidInput(f"Unknown vendor status {status!r}.")
    event_at = payloads.occurred_at(envelope)
    vendor = db.session.get(Vendor, vendor_id, with_for_update=True)
    if vendor is not None and vendor.event_at > event_at:
        return
    if vendor is None:
        vendor = Vendor(id=vendor_id, description="")
        db.session.add(vendor)
    vendor.store_name = payloads.text(data["store_name"], 120, "store_name")
    vendor.status = status
    if data.get("slug"):
        vendor.slug = payloads.text(data["slug"], 140, "slug")
    elif not vendor.slug:
        # vendor.status_changed may come first and carries no slug; the id keeps this one unique.
        vendor.slug = f"{slugify(vendor.store_name, fallback='store')}-{vendor_id}"
    if "description" in data:
        vendor.description = str(data["description"] or "")[:5000]
    vendor.event_at = event_at
    db.session.flush()
    # Suspension hides every product of the store in the same transaction: no page shows them after.
    _sync_vendor_fields(p.c.vendor_id == vendor_id)


# ---- products -----------------------------------------------------------------------------------


def product_upserted(data: dict[str, Any], envelope: dict[str, Any]) -> None:
    """Replace a product's whole shopper-visible state, unless the stored one is newer."""
    product_id = payloads.integer(data["product_id"], "product_id")
    event_at = payloads.occurred_at(envelope)
    updated_at = payloads.timestamp(data.get("updated_at"), "updated_at") or event_at
    current = db.session.execute(
        sa.select(p.c.updated_at, p.c.event_at, p.c.created_at).where(p.c.id == product_id).with_for_update()
    ).first()
    if current is not None and (updated_at, event_at) < (current.updated_at, current.event_at):
        return  # older news: nothing to fetch or write

    currency = payloads.currency(data["currency"])
    variant_rows = payloads.variants(data["variants"], data.get("compare_at_price"), stock_at=event_at)
    pictures = payloads.images(data.get("images") or [])
    # Fetched before anything is written; a stopped vendor portal fails the event, which is retried.
    fetched = images.fetch_new_images(pictures)

    description_html = payloads.clean_description(str(data.get("description") or ""))
    category_id = payloads.integer(data["category_id"], "category_id") if data.get("category_id") is not None else None
    category_ids, category_names = category_path(category_id)
    title = payloads.text(data["title"], 200, "title")
    created_at = payloads.timestamp(data.get("created_at"), "created_at") or (
        current.created_at if current else event_at
    )
    values = {
        "vendor_id": payloads.integer(data["vendor_id"], "vendor_id"),
        "title": title,
        "slug": slugify(title, fallback="product"),
        "brand": (str(data.get("brand") or "").strip()[:80] or None),
        "description_html": description_html,
        "description_text": payloads.plain_text(description_html),
        "currency": currency,
        "category_id": category_id,
        "category_ids": category_ids,
        "category_path": " / ".join(category_names),
        "attributes": payloads.attributes(data.get("attributes")),
        "options": payloads.options(data.get("options")),
        "status": "active" if data["status"] == "active" else "removed",
        "listed": False,  # decided by _sync_vendor_fields below
        "created_at": created_at,
        "updated_at": updated_at,
        "event_at": event_at,
    }
    statement = insert(p).values(id=product_id, **values)
    newest_first = sa.tuple_(p.c.updated_at, p.c.event_at) <= sa.tuple_(
        statement.excluded.updated_at, statement.excluded.event_at
    )
    written = db.session.execute(
        # The guard again, atomically: the check above takes no lock on a product not stored yet.
        statement.on_conflict_do_update(index_elements=[p.c.id], set_=values, where=newest_first).returning(p.c.id)
    ).first()
    if written is None:
        return

    _replace_variants(product_id, variant_rows)
    images.replace_images(product_id, pictures, fetched)
    _refresh_figures(product_id)
    _refresh_search(p.c.id == product_id)
    _sync_vendor_fields(p.c.id == product_id)


def product_removed(data: dict[str, Any], envelope: dict[str, Any]) -> None:
    """Unlist a product. The row stays as a tombstone so a late, older upsert cannot bring it back."""
    product_id = payloads.integer(data["product_id"], "product_id")
    event_at = payloads.occurred_at(envelope)
    current = db.session.execute(
        sa.select(p.c.updated_at, p.c.event_at).where(p.c.id == product_id).with_for_update()
    ).first()
    if current is None:
        moment = payloads.timestamp(data.get("updated_at"), "updated_at") or event_at
        db.session.execute(
            insert(p).values(
                id=product_id,
                vendor_id=payloads.integer(data["vendor_id"], "vendor_id"),
                title="",
                slug="removed",
                currency="XXX",
                status="removed",
                listed=False,
                created_at=moment,
                updated_at=moment,
                event_at=event_at,
            )
        )
        return
    # Without its own updated_at a removal ties with the stored state and occurred_at decides.
    updated_at = payloads.timestamp(data.get("updated_at"), "updated_at") or current.updated_at
    if (updated_at, event_at) < (current.updated_at, current.event_at):
        return
    db.session.execute(
        sa.update(p)
        .where(p.c.id == product_id)
        .values(status="removed", listed=False, updated_at=updated_at, event_at=event_at)
    )
    if data.get("reason") == "deleted":
        # Gone for good: drop the copies. Other removals (unpublished, store suspended) often come back.
        db.session.execute(sa.delete(img).where(img.c.product_id == product_id))
        db.session.execute(sa.delete(v).where(v.c.product_id == product_id))


# Built once (stock.changed arrives with every sale): SQLAlchemy neither builds these statements nor
# computes their cache keys on each event.
_STOCK_CHANGED = (
    sa.update(v)
    .where(
        v.c.id == sa.bindparam("variant_id"),
        v.c.product_id == sa.bindparam("of_product"),
        v.c.stock_at <= sa.bindparam("moment"),
    )
    .values(available=sa.bindparam("new_available"), stock_at=sa.bindparam("moment"))
    .returning(v.c.id)
)


def stock_changed(data: dict[str, Any], envelope: dict[str, Any]) -> None:
    """One variant's available count, if this news is newer than what the variant holds."""
    product_id = payloads.integer(data["product_id"], "product_id")
    moment = payloads.timestamp(data.get("updated_at"), "updated_at") or payloads.occurred_at(envelope)
    changed = db.session.execute(
        _STOCK_CHANGED,
        {
            "variant_id": payloads.integer(data["variant_id"], "variant_id"),
            "of_product": product_id,
            "moment": moment,
            "new_available": max(0, payloads.integer(data["available"], "available")),
        },
    ).first()
    # An unknown variant is ignored: its product.upserted brings the count with it.
    if changed is not None:
        _refresh_figures(product_id)


# ---- the pieces of a product --------------------------------------------------------------------


def _replace_variants(product_id: int, variants: list[dict[str, Any]]) -> None:
    db.session.execute(sa.delete(v).where(v.c.product_id == product_id, v.c.id.not_in([row["id"] for row in variants])))
    if not variants:
        return
    statement = insert(v).values([{**row, "product_id": product_id} for row in variants])
    new = statement.excluded
    db.session.execute(
        statement.on_conflict_do_update(
            index_elements=[v.c.id],
            set_={
                "product_id": new.product_id,
                "sku": new.sku,
                "price": new.price,
                "compare_at_price": new.compare_at_price,
                "options": new.options,
                "position": new.position,
                # A stock.changed newer than this event's snapshot keeps its count.
                "available": sa.case((v.c.stock_at > new.stock_at, v.c.available), else_=new.available),
                "stock_at": sa.func.greatest(v.c.stock_at, new.stock_at),
            },
        )
    )


def _of_variants(value: sa.ColumnElement[Any]) -> sa.ScalarSelect[Any]:
    return sa.select(value).where(v.c.product_id == sa.bindparam("of_product")).scalar_subquery()


# Prices and stock of a product, from its variants (built once: see _STOCK_CHANGED).
_REFRESH_FIGURES = (
    sa.update(p)
    .where(p.c.id == sa.bindparam("of_product"))
    .values(
        min_price=_of_variants(sa.func.min(v.c.price)),
        max_price=_of_variants(sa.func.max(v.c.price)),
        in_stock=_of_variants(sa.func.coalesce(sa.func.bool_or(v.c.available > 0), False)),
        stock_total=_of_variants(sa.func.coalesce(sa.func.sum(v.c.available), 0)),
        compare_at_price=sa.select(v.c.compare_at_price)
        .where(v.c.product_id == sa.bindparam("of_product"))
        .order_by(v.c.price, v.c.position)
        .limit(1)
        .scalar_subquery(),
    )
)


def _refresh_figures(product_id: int) -> None:
    """Prices and stock of a product, from its variants."""
    db.session.execute(_REFRESH_FIGURES, {"of_product": product_id})


def search_document() -> sa.ColumnElement[Any]:
    """Title A, brand B, category names C, description D, accents folded so "cafe" finds "café"."""

    def weighted(column: sa.ColumnElement[Any], weight: str) -> sa.ColumnElement[Any]:
        assert weight in "ABCD"  # a constant of this module, never input
        text = sa.func.unaccent(sa.func.coalesce(column, ""))
        return sa.func.setweight(sa.func.to_tsvector(ENGLISH, text), sa.literal_column(f"'{weight}'::\"char\""))

    description = sa.func.left(p.c.description_text, MAX_DESCRIPTION_SEARCH_CHARS)
    return (
        weighted(p.c.title, "A")
        .op("||")(weighted(p.c.brand, "B"))
        .op("||")(weighted(p.c.category_path, "C"))
        .op("||")(weighted(description, "D"))
    )


def search_name() -> sa.ColumnElement[str]:
    """Title and brand, lower-cased and accents folded: the spelling dictionary's words (search_word)
    come from it, and the search box's suggestions match it with the trigram index."""
    return sa.func.lower(sa.func.unaccent(p.c.title.concat(" ").concat(sa.func.coalesce(p.c.brand, ""))))


def _refresh_search(where: sa.ColumnElement[bool]) -> None:
    """Rewrite the search document and name, and add the name's words to the spelling dictionary.

    One statement: the words come from the names just written (UPDATE ... RETURNING), so the dictionary
    never misses a word shoppers can find, and no product is read twice.
    """
    written = (
        sa.update(p)
        .where(where)
        .values(search_document=search_document(), search_name=search_name())
        .returning(p.c.search_name)
        .cte("written")
    )
    db.session.execute(add_search_words(written).add_cte(written))


def add_search_words(names: sa.Subquery | sa.CTE) -> sa.Insert:
    """INSERT the dictionary words of these search names (column `search_name`) that it lacks.

    In word order, so two handlers adding the same new words take their locks in the same order and
    cannot deadlock. bench/seed.py's bulk path uses this statement too.
    """
    words = SearchWord.words_of(names.c.search_name).render_derived("w")
    found = (
        sa.select(words.c.word)
        .select_from(names.join(words, sa.true()))
        .where(SearchWord.is_word(words.c.word))
        .distinct()
        .order_by(words.c.word)
    )
    return insert(SearchWord.__table__).from_select(["word"], found).on_conflict_do_nothing()


def _sync_vendor_fields(where: sa.ColumnElement[bool]) -> None:
    """Copy the store's name and page onto its products and decide which are listed."""
    stores = Vendor.__table__
    db.session.execute(
        sa.update(p)
        .where(p.c.vendor_id == stores.c.id, where)
        .values(
            vendor_name=stores.c.store_name,
            vendor_slug=stores.c.slug,
            listed=sa.and_(p.c.status == "active", p.c.min_price.is_not(None), stores.c.status == "approved"),
        )
    )
