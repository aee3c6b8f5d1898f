"""Browsing: the home page, category and store pages, product cards and paging, all from the shop's own copy."""

from __future__ import annotations

import re

import pytest

from tests.storefront.conftest import at, counting_statements, main_of, page_text, variant


def titles(html: str) -> list[str]:
    return re.findall(r'class="card-title"><a href="[^"]+">([^<]+)</a>', html)


def one_h1(html: str) -> bool:
    return html.count("<h1") == 1


@pytest.fixture
def aisles(shop):
    shop.category(1, "Audio", position=1)
    shop.category(2, "Headphones", parent_id=1)
    shop.category(3, "Speakers", parent_id=1)
    shop.category(4, "Garden", position=2)
    with shop.batch():
        shop.product(1, title="Wireless Headphones", category_id=2, price="99.00")
        shop.product(2, title="Bookshelf Speaker", category_id=3, price="149.00")
        shop.product(3, title="Unfiled Gadget", price="5.00")
    return shop


def test_an_empty_shop_says_so(storefront):
    html = page_text(storefront.test_client().get("/"))

    assert "No products yet" in html and one_h1(html)


def test_home_shows_categories_with_counts_new_arrivals_and_best_sellers(storefront, aisles):
    html = main_of(page_text(storefront.test_client().get("/")))

    assert one_h1(html)
    assert re.search(r'href="/c/audio">Audio\s*<span class="category-tile-count">2 products</span>', html)
    assert "/c/garden" not in html  # nothing to see there yet
    new_arrivals = html.split('id="new-title"')[1].split('id="best-title"')[0]
    assert titles(new_arrivals) == ["Unfiled Gadget", "Bookshelf Speaker", "Wireless Headphones"]
    assert len(titles(html.split('id="best-title"')[1])) == 3


def test_category_page_has_breadcrumbs_subcategories_and_products_of_subcategories(storefront, aisles):
    html = main_of(page_text(storefront.test_client().get("/c/audio")))

    assert one_h1(html) and "<h1>Audio</h1>" in html
    assert '<nav class="breadcrumbs" aria-label="Breadcrumb">' in html
    assert 'href="/c/headphones"' in html and 'href="/c/speakers"' in html
    assert sorted(titles(html)) == ["Bookshelf Speaker", "Wireless Headphones"]

    sub = main_of(page_text(storefront.test_client().get("/c/headphones")))
    assert re.search(r'<a href="/c/audio">Audio</a></li>\s*<li><a href="/c/headphones" aria-current="page">', sub)
    assert titles(sub) == ["Wireless Headphones"]


def test_an_empty_category_shows_an_empty_state(storefront, aisles):
    html = page_text(storefront.test_client().get("/c/garden"))

    assert "No products here yet" in html


def test_unknown_category_is_not_found(storefront, aisles):
    assert storefront.test_client().get("/c/nowhere").status_code == 404


def test_store_page_lists_that_stores_products(storefront, aisles):
    aisles.vendor(2, "Bolt Electrics")
    aisles.product(9, title="Bolt Torch", vendor_id=2)

    html = main_of(page_text(storefront.test_client().get("/vendor/bolt-electrics")))

    assert "<h1>Bolt Electrics</h1>" in html and titles(html) == ["Bolt Torch"]
    assert storefront.test_client().get("/vendor/nobody").status_code == 404


def test_cards_show_from_price_compare_at_price_stock_and_rating(storefront, shop):
    shop.product(
        1,
        title="Multi Variant",
        variants=[variant(11, "20.00", compare_at_price="25.00", available=2), variant(12, "30.00")],
    )
    shop.product(2, title="Sold Out", available=0)
    shop.product(3, title="Plenty", available=50)

    html = main_of(page_text(storefront.test_client().get("/search")))

    card = html.split("Multi Variant")[1].split("</article>")[0]
    assert '<span class="price-from">from</span> <span class="price-now">€20.00</span>' in card
    assert '<s class="price-was"><span class="visually-hidden">was </span>€25.00</s>' in card
    assert "Only 12 left" not in card and "In stock" in card  # 2 + 10 across variants
    assert "No reviews yet" in card
    assert (
        '<span class="badge badge-out-of-stock">Out of stock</span>' in html.split("Sold Out")[1].split("</article>")[0]
    )


def test_low_stock_card_says_how_many_are_left(storefront, shop):
    shop.product(1, title="Last Few", available=3)

    assert '<span class="badge badge-low-stock">Only 3 left</span>' in page_text(
        storefront.test_client().get("/search")
    )


def test_pagination_shows_24_a_page_and_keeps_the_filters(storefront, shop):
    with shop.batch():
        for n in range(1, 31):
            shop.product(n, title=f"Lamp {n:02d}", brand="Lumen", created_at=at(n))
    client = storefront.test_client()

    first = page_text(client.get("/search?brand=Lumen&sort=newest"))
    second = page_text(client.get("/search?brand=Lumen&sort=newest&page=2"))

    assert titles(first)[:2] == ["Lamp 30", "Lamp 29"] and len(titles(first)) == 24
    assert titles(second) == [f"Lamp {n:02d}" for n in range(6, 0, -1)]
    assert "Showing 25\N{EN DASH}30 of 30" in second
    assert 'href="/search?brand=Lumen&amp;sort=newest&amp;page=2" rel="next"' in first


def test_category_page_issues_a_bounded_number_of_statements_whatever_the_page_size(platform, aisles):
    client = platform.storefront.test_client()
    with counting_statements(platform.storefront) as few:
        client.get("/c/audio")

    with aisles.batch():
        for n in range(10, 40):
            aisles.product(n, title=f"Speaker {n}", category_id=3)
    with counting_statements(platform.storefront) as many:
        html = page_text(client.get("/c/audio"))

    assert len(titles(html)) == 24
    assert len(many) == len(few) <= 4, many


@pytest.mark.parametrize(
    "url", ["/", "/search?q=headphones", "/c/audio", "/p/1-wireless-headphones", "/vendor/acme-audio"]
)
def test_pages_work_while_the_vendor_portal_is_down(platform, aisles, url):
    platform.adapters["vendor_portal"].down = True

    response = platform.storefront.test_client().get(url)

    assert response.status_code == 200
    assert "Wireless Headphones" in page_text(response)


def test_home_issues_a_bounded_number_of_statements(platform, aisles):
    with counting_statements(platform.storefront) as statements:
        platform.storefront.test_client().get("/")

    assert len(statements) <= 4
