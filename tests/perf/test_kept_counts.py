"""Counts kept per facets version (facets, home tiles) are recounted the moment what they count changes,
and kept through stock changes that leave every count as it was."""

from __future__ import annotations

import re

import sqlalchemy as sa

from tests.storefront.conftest import counting_statements, page_text, variant


def in_stock_count(html: str) -> str:
    return html.split('<label for="in_stock">In stock only <span class="facet-count">', 1)[1].split("<", 1)[0]


def test_a_stock_change_is_counted_in_the_facets_at_once(storefront, shop):
    shop.category(1, "Lighting")
    shop.product(1, title="Desk Lamp", category_id=1, variants=[variant(100, "30.00", available=3)])
    shop.product(2, title="Floor Lamp", category_id=1, variants=[variant(200, "80.00", available=1)])
    client = storefront.test_client()
    assert in_stock_count(page_text(client.get("/c/lighting"))) == "(2)"

    shop.stock(2, 200, available=0)

    assert in_stock_count(page_text(client.get("/c/lighting"))) == "(1)"
    assert in_stock_count(page_text(client.get("/c/lighting?sort=price_asc"))) == "(1)"


def test_the_same_selection_sorted_or_paged_otherwise_is_not_counted_again(storefront, shop):
    shop.category(1, "Lighting")
    shop.product(1, title="Desk Lamp", category_id=1)
    client = storefront.test_client()
    client.get("/c/lighting")

    with counting_statements(storefront) as statements:
        client.get("/c/lighting?sort=price_desc")

    assert not [s for s in statements if "GROUPING SETS" in s]


def test_signed_in_shoppers_see_current_counts_too(storefront, shop):
    shop.category(1, "Lighting")
    shop.product(1, title="Desk Lamp", category_id=1)
    client = storefront.test_client()
    client.get("/c/lighting")
    with client.session_transaction() as session:
        session["_flashes"] = [("info", "Welcome back")]  # a personal session: no ETag, still kept counts

    shop.product(2, title="Floor Lamp", category_id=1)

    assert '<h2 id="results-title" class="results-title">\n        2 products' in page_text(client.get("/c/lighting"))


def test_the_home_page_tiles_count_a_new_product_at_once(storefront, shop):
    shop.category(1, "Lighting")
    shop.category(2, "Desk lamps", parent_id=1)
    shop.product(1, title="Desk Lamp", category_id=2)
    client = storefront.test_client()
    assert "1 product<" in page_text(client.get("/"))

    shop.product(2, title="Reading Lamp", category_id=2)

    assert "2 products<" in page_text(client.get("/"))


def test_a_repeated_typo_search_reuses_the_counts_of_its_corrected_words(storefront, shop):
    shop.product(1, title="Desk Lamp", brand="Lumen")
    shop.product(2, title="Floor Lamp", brand="Lumen")
    client = storefront.test_client()
    first = page_text(client.get("/search?q=lammp"))

    with counting_statements(storefront) as statements:
        again = page_text(client.get("/search?q=lammp&sort=price_desc"))

    assert not [s for s in statements if "GROUPING SETS" in s]
    assert [s for s in statements if "search_word" in s]  # the words are corrected again, then counts reused
    assert 'value="Lumen"' in again and in_stock_count(again) == in_stock_count(first) == "(2)"

    # Now a word of the catalogue, so no longer corrected: the same words, other products, other counts.
    shop.product(3, title="Lammp Sign", brand="Neon")
    html = page_text(client.get("/search?q=lammp"))
    assert in_stock_count(html) == "(1)" and "Showing results for" not in html


def test_stock_that_comes_and_goes_without_selling_out_re_renders_the_page_but_keeps_the_counts(storefront, shop):
    shop.category(1, "Lighting")
    shop.product(1, title="Desk Lamp", category_id=1, variants=[variant(100, "30.00", available=9)])
    shop.product(2, title="Floor Lamp", category_id=1, variants=[variant(200, "80.00", available=1)])
    client = storefront.test_client()
    client.get("/c/lighting")

    shop.stock(1, 100, available=2)  # still in stock: no count can change
    with counting_statements(storefront) as statements:
        html = page_text(client.get("/c/lighting"))

    assert "Only 2 left" in html  # the page itself is current
    assert not [s for s in statements if "GROUPING SETS" in s]
    assert in_stock_count(html) == "(2)"


def test_a_price_change_moves_the_product_to_its_new_price_band_at_once(storefront, shop):
    shop.category(1, "Lighting")
    shop.product(1, title="Desk Lamp", category_id=1, variants=[variant(100, "30.00", available=9)])
    client = storefront.test_client()
    assert re.search(r">25 to 50</a>\s*<span class=\"facet-count\">\(1\)", page_text(client.get("/c/lighting")))

    shop.product(1, title="Desk Lamp", category_id=1, variants=[variant(100, "60.00", available=9)])

    html = page_text(client.get("/c/lighting"))
    assert re.search(r">50 to 100</a>\s*<span class=\"facet-count\">\(1\)", html)
    assert not re.search(r">25 to 50</a>\s*<span class=\"facet-count\">", html)


def test_the_facets_version_moves_with_what_counts_and_not_with_units_in_stock(storefront, shop):
    shop.category(1, "Lighting")
    shop.product(1, title="Desk Lamp", category_id=1, variants=[variant(100, "30.00", available=9)])

    def versions() -> tuple[int, int]:
        with storefront.app_context():
            engine = storefront.extensions["sqlalchemy"].engine
            with engine.connect() as conn:
                return tuple(conn.execute(sa.text("SELECT version, facets_version FROM catalog_version")).one())

    before = versions()
    shop.stock(1, 100, available=4)
    after_units = versions()
    shop.stock(1, 100, available=0)
    after_sold_out = versions()
    shop.product(1, title="Desk Lamp Mk II", category_id=1, variants=[variant(100, "30.00", available=0)])
    after_rename = versions()

    assert after_units[0] > before[0] and after_units[1] == before[1]
    assert after_sold_out[0] > after_units[0] and after_sold_out[1] > after_units[1]
    assert after_rename[0] > after_sold_out[0] and after_rename[1] > after_sold_out[1]
