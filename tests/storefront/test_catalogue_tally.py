"""The product tally and the search copy: listings count their facets from them, so they must always
equal the products.

Every kind of catalogue change goes through the real event handlers (or, for ratings, the column the
reviews write); after each one the tally must equal a count of the listed products, the search copy
(product_search) must hold exactly the listed products as they are, and a page's facet counts must
equal the same selection counted product by product.
"""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from werkzeug.datastructures import MultiDict

from storefront.catalog import search
from storefront.catalog.forms import SORTS, ListingParams
from storefront.catalog.queries import category_tree
from tests.conftest import run_together
from tests.storefront.conftest import (
    at,
    envelope,
    main_of,
    page_text,
    product_data,
    storefront_execute,
    storefront_sql,
    variant,
)

KEY = "category_ids, vendor_id, vendor_slug, vendor_name, brand, price_bucket, rating_floor, in_stock"
# Each listed product's tally key, worked out from its own columns.
LISTED_KEYS = """
    SELECT id, category_ids, vendor_id, vendor_slug, vendor_name, brand,
           catalog_price_bucket(min_price) AS price_bucket, floor(rating_avg)::smallint AS rating_floor, in_stock
    FROM product WHERE listed
"""
COUNTED = f"SELECT {KEY}, count(*) AS products FROM ({LISTED_KEYS}) AS listed GROUP BY {KEY}"
TALLIED = f"SELECT {KEY}, products FROM product_tally WHERE products <> 0"
COPIED = (
    "search_document::text, category_ids, vendor_id, vendor_slug, vendor_name, brand, min_price, rating_avg, "
    "rating_count, in_stock, created_at"
)


def assert_tally_matches(app) -> None:
    counted = sorted(map(tuple, storefront_sql(app, COUNTED)), key=repr)
    tallied = sorted(map(tuple, storefront_sql(app, TALLIED)), key=repr)
    assert tallied == counted
    assert storefront_sql(app, "SELECT count(*) FROM product_tally WHERE products < 0")[0][0] == 0


def assert_search_copy_matches(app) -> None:
    """The search copy holds the listed products as they are, each naming its own tally combination."""
    listed = storefront_sql(app, f"SELECT id, coalesce(category_id, 0), {COPIED} FROM product WHERE listed ORDER BY id")
    copied = storefront_sql(app, f"SELECT id, category_key, {COPIED} FROM product_search ORDER BY id")
    assert list(map(tuple, copied)) == list(map(tuple, listed))
    keys = storefront_sql(app, f"{LISTED_KEYS} ORDER BY id")
    tallied = ", ".join(f"t.{column}" for column in KEY.split(", "))
    named = storefront_sql(
        app,
        f"SELECT s.id, {tallied} FROM product_search AS s JOIN product_tally AS t ON t.id = s.tally_id ORDER BY s.id",
    )
    assert list(map(tuple, named)) == list(map(tuple, keys))


def rate(app, product_id: int, rating: str | None) -> None:
    """The rating the reviews would write (reviews.operations keeps rating_avg)."""
    sql = "UPDATE product SET rating_avg = :rating, rating_count = 1 WHERE id = :id"
    storefront_execute(app, sql, rating=rating, id=product_id)


@pytest.fixture
def stocked(shop):
    shop.vendor(2, "Garden Goods")
    shop.category(1, "Audio", position=1)
    shop.category(2, "Headphones", parent_id=1)
    shop.category(3, "Speakers", parent_id=1)
    shop.category(4, "Garden", position=2)
    with shop.batch():
        shop.product(1, title="Studio Headphones", brand="Northwind", category_id=2, price="24.99")
        shop.product(2, title="Travel Headphones", brand="Northwind", category_id=2, price="25.00")
        shop.product(3, title="Bookshelf Speaker", brand="Boom", category_id=3, price="149.00", available=0)
        shop.product(4, title="Unfiled Gadget", price="500.00")
        shop.product(5, vendor_id=2, title="Hose Reel", brand="Greenline", category_id=4, price="49.99")
        shop.product(
            6,
            vendor_id=2,
            title="Garden Lamp",
            category_id=4,
            variants=[variant(600, "99.99", available=0), variant(601, "250.00", available=3)],
        )
    return shop


def test_the_tally_and_the_search_copy_follow_every_kind_of_catalogue_change(storefront, stocked):
    shop = stocked
    assert_tally_matches(storefront)
    assert_search_copy_matches(storefront)
    assert storefront_sql(storefront, "SELECT sum(products) FROM product_tally")[0][0] == 6

    steps = [
        lambda: shop.product(1, title="Studio Headphones", brand="Northwind", category_id=2, price="60.00"),  # band
        lambda: shop.stock(2, 200, 0),  # sold out: leaves "in stock"
        lambda: shop.stock(3, 300, 7),  # back in stock
        lambda: shop.stock(1, 100, 3),  # fewer units, still in stock: the same combination
        lambda: shop.product(5, vendor_id=2, title="Hose Reel", brand="Greenway", category_id=4, price="49.99"),
        lambda: shop.product(2, title="Travel Earbuds", brand="Northwind", category_id=2, price="25.00"),  # words
        lambda: shop.product(4, title="Unfiled Gadget", category_id=3, price="500.00"),  # filed under Speakers
        lambda: shop.category(3, "Speakers", parent_id=4),  # the subcategory moves to another root
        lambda: rate(storefront, 1, "4.00"),
        lambda: rate(storefront, 2, "3.99"),
        lambda: rate(storefront, 1, None),
        lambda: shop.remove(6, vendor_id=2),
        lambda: shop.suspend(2, "Garden Goods"),  # every product of the store unlisted at once
        lambda: shop.vendor(2, "Garden Goods", slug="garden-goods-co"),  # back, under a new address
        lambda: shop.product(7, title="Desk Fan", brand="Boom", category_id=2, price="0.00"),
    ]
    for step in steps:
        step()
        assert_tally_matches(storefront)
        assert_search_copy_matches(storefront)


def expected_counts(app, selection: dict, scope: str, words: str | None) -> dict:
    """The facet counts of a selection, counted in Python from the listed products one by one."""
    rows = storefront_sql(
        app,
        "SELECT id, category_ids, vendor_id, vendor_slug, brand, min_price, rating_avg, in_stock, "
        "search_document @@ websearch_to_tsquery('english', :words) AS matches FROM product WHERE listed",
        words=words or "",
    )
    ids = {slug: id_ for id_, slug in storefront_sql(app, "SELECT id, slug FROM category")}
    low = Decimal(selection["price_min"]) if "price_min" in selection else None
    high = Decimal(selection["price_max"]) if "price_max" in selection else None
    found: dict = {}

    def add(key) -> None:
        found[key] = found.get(key, 0) + 1

    for row in rows:
        if (scope == "store" and row.vendor_id != 2) or (scope in ids and ids[scope] not in row.category_ids):
            continue
        if words and not row.matches:
            continue
        rating = row.rating_avg or Decimal(0)
        chosen = {
            "category": "category" not in selection or ids[selection["category"]] in row.category_ids,
            "brand": row.brand in selection.get("brand", [row.brand]),
            "vendor": row.vendor_slug in selection.get("vendor", [row.vendor_slug]),
            "price": (low is None or row.min_price >= low) and (high is None or row.min_price <= high),
            "rating": rating >= int(selection.get("rating", 0)),
            "in_stock": row.in_stock or "in_stock" not in selection,
        }

        def but(group: str | None, chosen: dict[str, bool] = chosen) -> bool:
            return all(value for name, value in chosen.items() if name != group)

        if but(None):
            add(("total", None))
        if but("in_stock") and row.in_stock:
            add(("in_stock", None))
        for stars in (4, 3):
            if but("rating") and rating >= stars:
                add(("rating", str(stars)))
        if but("brand") and row.brand:
            add(("brand", row.brand))
        if but("vendor"):
            add(("vendor", row.vendor_slug))
        if but("price"):
            add(("price", str(sum(row.min_price >= edge for edge in search.PRICE_EDGES))))
        if but("category"):
            for category_id in row.category_ids:
                add(("category", str(category_id)))
    return found


SELECTIONS = [
    {},
    {"brand": ["Northwind"]},
    {"brand": ["Northwind", "Boom"], "in_stock": "1"},
    {"vendor": ["garden-goods"]},
    {"price_min": "25", "price_max": "49.99"},
    {"price_min": "250"},
    {"price_max": "24.99", "in_stock": "1"},
    {"price_min": "20", "price_max": "60"},  # off the bands
    {"rating": "4"},
    {"rating": "3", "brand": ["Northwind"]},
    {"category": "headphones", "in_stock": "1"},
]


@pytest.mark.parametrize("words", [None, "headphones", "headphones lamp gadget hose speaker"])
@pytest.mark.parametrize("scope", ["all", "audio", "garden", "store"])
def test_facet_counts_equal_the_products_counted_one_by_one(storefront, stocked, scope, words):
    stocked.product(8, title="Spare Headphones", brand="Boom", category_id=2, price="59.99", available=0)
    rate(storefront, 1, "4.50")
    rate(storefront, 2, "3.99")
    rate(storefront, 8, "3.00")
    for selection in SELECTIONS:
        with storefront.test_request_context():
            tree = category_tree()
            where = search.Scope(category=tree.by_slug.get(scope), vendor_id=2 if scope == "store" else None)
            params = ListingParams.from_args(MultiDict({**selection, **({"q": words} if words else {})}))
            match = search.text_match(words) if words else None
            counts, _ = search.facet_counts(params, tree, where, match)

        expected = expected_counts(storefront, selection, scope, words)
        assert {key: n for key, n in counts.counts.items() if n} == expected, selection


def test_a_price_range_off_the_bands_lists_what_it_covers(storefront, stocked):
    html = main_of(page_text(storefront.test_client().get("/c/audio?price_min=20&price_max=30")))

    assert "Studio Headphones" in html and "Travel Headphones" in html and "Bookshelf Speaker" not in html


def test_the_databases_price_bands_are_the_pages_bands(storefront):
    for index, edge in enumerate(search.PRICE_EDGES):
        below, at_edge = storefront_sql(
            storefront,
            "SELECT catalog_price_bucket(:below), catalog_price_bucket(:edge)",
            below=edge - Decimal("0.01"),
            edge=edge,
        )[0]
        assert (below, at_edge) == (index, index + 1)
    assert storefront_sql(storefront, "SELECT catalog_price_bucket(0)")[0][0] == 0


def test_the_home_page_counts_each_top_level_category_from_the_tally(storefront, stocked):
    stocked.suspend(2, "Garden Goods")
    html = main_of(page_text(storefront.test_client().get("/")))

    assert 'category-tile-count">3 products' in html  # Audio: 1, 2 and 3; product 4 is unfiled
    assert "/c/garden" not in html  # both its products' store is suspended


@pytest.mark.parametrize("sort", list(SORTS))
@pytest.mark.parametrize("query", ["q=lamp", "q=lamp&brand=Lumen&price_min=20&price_max=80", "q=lamp&page=2"])
def test_a_searchs_first_render_lists_the_cards_a_later_render_does(storefront, shop, sort, query):
    """The first visitor's page comes from the statement that counts the facets, later ones from their own."""
    with shop.batch():
        for n in range(1, 31):
            shop.product(
                n,
                title=f"Lamp {n}" + (" lamp lamp" if n % 7 == 0 else ""),  # some rank higher
                brand="Lumen" if n % 3 else "Glow",
                price=f"{10 + (n * 37) % 90}.00",
                created_at=at(n % 11),
            )
    for n in range(1, 31, 4):
        rate(storefront, n, f"{1 + n % 4}.{n % 10}0")
    url = f"/search?{query}&sort={sort}"

    def listed() -> list[str]:
        storefront.extensions["page_cache"].clear()
        html = page_text(storefront.test_client().get(url))
        return re.findall(r'class="card-title"><a href="[^"]+">([^<]+)</a>', html)

    storefront.extensions.pop("catalog_facets", None)
    first = listed()  # counts the facets and picks the cards in one statement
    later = listed()  # facets kept: the cards' own statement

    assert first == later and first


def test_products_written_at_the_same_moment_are_all_tallied(storefront, stocked):
    """Writers that add to and take from the same tally rows at once lose no count and wait for no deadlock."""
    from storefront.catalog import events

    writers = 12

    def write(n: int) -> None:
        # Half add new products, half move existing ones between two combinations, all in one category.
        data = product_data(100 + n, title=f"Parallel Lamp {n}", brand="Northwind", category_id=2, price="30.00")
        if n % 2:
            data = product_data(1 + n // 2 % 3, title="Moved Lamp", brand="Boom", category_id=2, price="30.00")
            data["updated_at"] = at(100 + n)
        with storefront.app_context():
            db = storefront.extensions["sqlalchemy"]
            events.product_upserted(data, envelope("product.upserted", data))
            db.session.commit()
            db.session.remove()

    run_together([lambda n=n: write(n) for n in range(writers)])  # re-raises any writer's error
    assert_tally_matches(storefront)
    assert_search_copy_matches(storefront)  # each copy names its combination, made by whichever writer came first
    assert storefront_sql(storefront, "SELECT sum(products) FROM product_tally")[0][0] == 6 + writers // 2


def test_the_search_copy_loses_deleted_and_truncated_products(storefront, stocked):
    storefront_execute(storefront, "DELETE FROM product WHERE id IN (1, 5)")
    assert_search_copy_matches(storefront)
    assert [row[0] for row in storefront_sql(storefront, "SELECT id FROM product_search ORDER BY id")] == [2, 3, 4, 6]

    storefront_execute(storefront, "TRUNCATE product CASCADE")
    assert storefront_sql(storefront, "SELECT count(*) FROM product_search")[0][0] == 0
