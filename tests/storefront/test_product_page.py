"""The product page: variants chosen with or without JavaScript, stock states, description, details, reviews."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from tests.storefront.conftest import main_of, page_text, variant

SIZES = [{"name": "Size", "values": ["S", "M", "L"]}, {"name": "Colour", "values": ["Red", "Blue"]}]


@pytest.fixture
def tee(shop):
    shop.category(1, "Clothing")
    shop.category(2, "T-shirts", parent_id=1)
    shop.product(
        1,
        title="Organic Tee",
        brand="Loom",
        category_id=2,
        options=SIZES,
        attributes={"Material": "Organic cotton", "Fit": "Regular"},
        description="<p>Soft <strong>organic</strong> cotton.</p>",
        variants=[
            variant(11, "20.00", available=0, options={"Size": "S", "Colour": "Red"}),
            variant(12, "22.00", available=3, options={"Size": "M", "Colour": "Red"}),
            variant(13, "24.00", available=40, options={"Size": "L", "Colour": "Blue"}, compare_at_price="30.00"),
        ],
    )
    return shop


def summary(html: str) -> str:
    return html.split('<div id="variant"')[1].split("</div>")[0]


def test_product_page_shows_everything_a_shopper_needs(storefront, tee):
    html = main_of(page_text(storefront.test_client().get("/p/1-organic-tee")))

    assert html.count("<h1") == 1 and ">Organic Tee</h1>" in html
    assert re.search(r'<a href="/c/clothing">Clothing</a></li>\s*<li><a href="/c/t-shirts">T-shirts</a>', html)
    assert 'Sold by <a href="/vendor/acme-audio">Acme Audio</a>' in html
    assert "<p>Soft <strong>organic</strong> cotton.</p>" in html
    assert '<th scope="row">Material</th><td>Organic cotton</td>' in html
    assert "No reviews yet." in html
    assert '<label class="field-label" for="option-0">Size</label>' in html


def test_the_first_variant_that_can_be_bought_is_shown_by_default(storefront, tee):
    html = page_text(storefront.test_client().get("/p/1-organic-tee"))

    assert "€22.00" in summary(html) and "Only 3 left" in summary(html)
    assert '<option value="M" selected>' in html and '<option value="Red" selected>' in html


@pytest.mark.parametrize(
    ("variant_id", "price", "state"),
    [(11, "€20.00", "Out of stock"), (12, "€22.00", "Only 3 left"), (13, "€24.00", "In stock")],
)
def test_a_variant_chosen_by_url_shows_its_price_and_stock_state(storefront, tee, variant_id, price, state):
    html = page_text(storefront.test_client().get(f"/p/1-organic-tee?variant={variant_id}"))

    assert price in summary(html) and state in summary(html)


def test_a_compare_at_price_is_struck_through(storefront, tee):
    html = page_text(storefront.test_client().get("/p/1-organic-tee?variant=13"))

    assert '<s class="price-was"><span class="visually-hidden">was </span>€30.00</s>' in summary(html)


def test_choosing_options_without_javascript_reloads_the_page_on_that_variant(storefront, tee):
    client = storefront.test_client()

    response = client.get("/p/1-organic-tee?option-0=L&option-1=Blue")

    assert response.status_code == 303 and response.headers["Location"] == "/p/1-organic-tee?variant=13"
    html = page_text(client.get(response.headers["Location"]))
    assert '<option value="L" selected>' in html and "€24.00" in summary(html)


def test_choosing_options_with_htmx_swaps_only_the_summary(storefront, tee):
    response = storefront.test_client().get("/p/1-organic-tee?option-0=S&option-1=Red", headers={"HX-Request": "true"})

    html = page_text(response)
    assert "<html" not in html and html.strip().startswith('<div id="variant"')
    assert "€20.00" in html and "Out of stock" in html
    assert response.headers["HX-Replace-Url"] == "/p/1-organic-tee?variant=11"


def test_a_combination_that_does_not_exist_says_so(storefront, tee):
    response = storefront.test_client().get("/p/1-organic-tee?option-0=S&option-1=Blue")

    assert response.status_code == 200
    assert "This combination is not available" in page_text(response)


def test_a_variant_of_another_product_or_nonsense_falls_back_to_the_default(storefront, tee):
    tee.product(2, title="Other")
    client = storefront.test_client()

    for query in ("variant=200", "variant=abc", "variant=-1"):
        assert "€22.00" in summary(page_text(client.get(f"/p/1-organic-tee?{query}")))


def test_a_wrong_or_missing_slug_redirects_to_the_canonical_address(storefront, tee):
    client = storefront.test_client()

    assert client.get("/p/1-old-name?variant=13").headers["Location"] == "/p/1-organic-tee?variant=13"
    assert client.get("/p/1").headers["Location"] == "/p/1-organic-tee"


def test_unknown_removed_and_unlisted_products_are_not_found(storefront, tee):
    tee.product(2, title="Gone Soon")
    tee.remove(2)
    tee.vendor(3, "Pending Store", status="pending")
    tee.product(3, title="Not Yet", vendor_id=3)
    client = storefront.test_client()

    assert client.get("/p/999-nothing").status_code == 404
    assert client.get("/p/2-gone-soon").status_code == 404
    assert client.get("/p/3-not-yet").status_code == 404


def test_the_average_rating_shows_once_there_are_reviews(platform, tee):
    # Reviews do not exist yet; set the placeholders as they will.
    with platform.storefront.app_context():
        session = platform.storefront.extensions["sqlalchemy"].session
        session.execute(sa.text("UPDATE product SET rating_avg = 4.30, rating_count = 8"))
        session.commit()

    html = page_text(platform.storefront.test_client().get("/p/1-organic-tee"))

    assert "Rated 4.3 out of 5 from 8 reviews." in html
    assert "4.3 out of 5" in page_text(platform.storefront.test_client().get("/search"))
