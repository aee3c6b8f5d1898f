"""Every catalogue page issues a fixed number of statements, however many products it lists or counts."""

from __future__ import annotations

import pytest

from tests.storefront.conftest import counting_statements

# Page -> most statements allowed (the catalogue version, then the page's own queries).
BOUNDS = {
    "/": 3,  # version, counts per top-level category, both shelves with their images
    "/c/audio": 4,  # version, category tree, facets with the total, cards with their images
    "/search?q=headphones&brand=Northwind&in_stock=1": 5,  # ... and whether the words match enough
    # ... and the spelling correction, as the words typed find nothing (a brand: the first 30 products have
    # no headphones, and a correction that finds nothing needs no cards statement)
    "/search?q=nortwind": 6,
    "/vendor/northwind-audio": 5,  # version, store, category tree, facets, cards
    "/p/1": 5,  # version, product, variants, images, category trail (at its canonical URL)
}


def statements_for(app, url: str) -> list[str]:
    client = app.test_client()
    if url.startswith("/p/"):
        url = client.get(url).headers["Location"]  # the product's canonical URL, with its slug
    with counting_statements(app) as statements:
        response = client.get(url)
    assert response.status_code == 200, url
    return statements


@pytest.mark.parametrize("url", list(BOUNDS))
def test_a_page_issues_the_same_bounded_statements_for_30_or_100_products(storefront, bulk, url):
    bulk.grow_to(30)
    few = statements_for(storefront, url)

    bulk.grow_to(100)
    many = statements_for(storefront, url)

    assert len(many) == len(few) <= BOUNDS[url], many


def test_cards_and_their_images_come_from_one_statement(storefront, bulk):
    bulk.grow_to(100)

    statements = statements_for(storefront, "/search")
    html = storefront.test_client().get("/search").get_data(as_text=True)

    assert html.count('<article class="card product-card">') == 24
    assert html.count('src="/images/') == 24  # every card's image, with no query per card
    assert not [s for s in statements if "FROM product_image" in s and "product_image.product_id IN" in s]


def test_a_revalidated_page_costs_one_statement(storefront, bulk):
    bulk.grow_to(30)
    client = storefront.test_client()
    etag = client.get("/c/audio").headers["ETag"]

    with counting_statements(storefront) as statements:
        response = client.get("/c/audio", headers={"If-None-Match": etag})

    assert response.status_code == 304
    assert len(statements) == 1 and "catalog_version" in statements[0]
