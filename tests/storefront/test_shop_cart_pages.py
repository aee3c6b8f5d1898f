"""The cart: adding from the product page, changing and removing lines (with and without htmx), the header
count, the checks against the catalogue copy on every view, and a guest's cart joining the customer's."""

from __future__ import annotations

import html
import re

import pytest

from tests.conftest import csrf_from
from tests.storefront.checkout_fixtures import (
    PASSWORD,
    customer_fixture,  # noqa: F401 - the customer fixture
    market_fixture,  # noqa: F401 - the market fixture
    shopper_fixture,  # noqa: F401 - the shopper fixture
    sql,
)
from tests.storefront.conftest import main_of

HTMX = {"HX-Request": "true"}


@pytest.fixture
def goods(market):
    acme = market.store("Acme Audio")
    loom = market.store("Loom Tees")
    stand = market.product(acme, "Walnut headphone stand", [("39.00", 5, {})])[0]
    tee_m, tee_l = market.product(loom, "Organic Tee", [("20.00", 10, {"Size": "M"}), ("22.00", 10, {"Size": "L"})])
    return stand, tee_m, tee_l


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def count_in_header(page: str) -> str:
    return re.search(r'<span id="cart-count"[^>]*>(?:&nbsp;|\xa0)?\((\d+)', page).group(1)


def post_from_cart(guest, path: str, data: dict, **kwargs):
    token = csrf_from(guest.cart())
    return guest.client.post(path, data={**data, "csrf_token": token}, **kwargs)


def test_adding_from_the_product_page_without_javascript(storefront, shopper, goods):
    stand, _, _ = goods
    guest = shopper()
    page = guest.client.get(f"/p/{stand.product_id}", follow_redirects=True).get_data(as_text=True)
    assert '<label class="field-label" for="add-quantity">Quantity</label>' in page
    assert count_in_header(page) == "0"

    response = guest.add(stand, 2)
    assert response.status_code == 303 and f"/p/{stand.product_id}-" in response.headers["Location"]
    after = text(guest.client.get(response.headers["Location"]))
    assert "Added 2 \N{MULTIPLICATION SIGN} Walnut headphone stand to your cart." in after
    assert count_in_header(after) == "2"


def test_adding_with_htmx_answers_a_status_line_and_the_new_count(storefront, shopper, goods):
    stand, _, _ = goods
    guest = shopper()
    page = guest.client.get(f"/p/{stand.product_id}", follow_redirects=True)
    response = guest.client.post(
        "/cart/add",
        data={"variant_id": stand.variant_id, "quantity": 1, "csrf_token": csrf_from(page.get_data(as_text=True))},
        headers=HTMX,
    )
    body = text(response)
    assert response.status_code == 200
    assert "Added 1 \N{MULTIPLICATION SIGN} Walnut headphone stand to your cart." in body and "View your cart" in body
    assert '<span id="cart-count" hx-swap-oob="true">\xa0(1' in body
    assert "<html" not in body


def test_asking_for_more_than_is_available_is_refused_next_to_the_quantity(storefront, shopper, goods):
    stand, _, _ = goods
    guest = shopper()
    response = guest.add(stand, 7)
    page = text(response)
    assert response.status_code == 422
    assert 'id="add-quantity-error"' in page
    assert "Only 5 of Walnut headphone stand can be ordered. Choose a smaller quantity." in page
    assert 'value="7"' in page  # what was typed stays
    guest.add(stand, 4)
    assert "your cart already has 4" in text(guest.add(stand, 2))


def test_a_quantity_that_is_not_a_number_is_refused_next_to_the_field(storefront, shopper, goods):
    stand, _, _ = goods
    guest = shopper()
    response = guest.add(stand, "two")
    assert response.status_code == 422
    assert "Enter a whole number, like 2." in text(response) and 'value="two"' in text(response)


def test_the_cart_groups_lines_by_store_with_subtotals_and_shipping(storefront, shopper, goods):
    stand, tee_m, tee_l = goods
    guest = shopper()
    guest.add(tee_m, 2)
    guest.add(tee_l, 1)
    guest.add(stand, 1)
    page = html.unescape(main_of(guest.cart()))

    assert page.count("<h1") == 1
    assert page.index("Loom Tees") < page.index("Acme Audio")  # stores in the order they were added
    assert "Subtotal from Loom Tees: <strong>€62.00</strong>" in page
    assert "Subtotal from Acme Audio: <strong>€39.00</strong>" in page
    assert 'Standard shipping</th><td class="num">€4.90' in page  # Loom's part ships free (€50 or more)
    assert 'href="/checkout"' in page
    assert count_in_header(guest.cart()) == "4"


def test_changing_a_quantity_without_javascript(storefront, shopper, goods):
    stand, _, _ = goods
    guest = shopper()
    guest.add(stand, 1)
    response = post_from_cart(guest, f"/cart/lines/{stand.variant_id}", {"quantity": 3})
    assert response.status_code == 303 and response.headers["Location"].endswith("/cart")
    assert "€117.00" in guest.cart()


def test_changing_a_quantity_with_htmx_swaps_the_line_and_the_totals(storefront, shopper, goods):
    stand, tee_m, _ = goods
    guest = shopper()
    guest.add(stand, 1)
    guest.add(tee_m, 1)
    response = post_from_cart(guest, f"/cart/lines/{stand.variant_id}", {"quantity": 2}, headers=HTMX)
    body = text(response)
    assert response.status_code == 200
    assert body.lstrip().startswith(f'<tr id="line-{stand.variant_id}">')
    assert "€78.00" in body
    assert f'<p id="vendor-{stand.vendor_id}-subtotal" class="text-right" hx-swap-oob="true">' in body
    assert (
        '<section id="cart-summary" class="panel stack" aria-labelledby="cart-summary-title" hx-swap-oob="true">'
        in body
    )
    assert '<span id="cart-count" hx-swap-oob="true">\xa0(3' in body


def test_a_bad_quantity_is_shown_next_to_its_line_keeping_what_was_typed(storefront, shopper, goods):
    stand, _, _ = goods
    guest = shopper()
    guest.add(stand, 1)
    response = post_from_cart(guest, f"/cart/lines/{stand.variant_id}", {"quantity": 9})
    page = text(response)
    assert response.status_code == 422
    assert f'id="quantity-{stand.variant_id}-error"' in page and "Only 5 available. Choose 5 or fewer." in page
    assert 'value="9"' in page
    htmx = post_from_cart(guest, f"/cart/lines/{stand.variant_id}", {"quantity": "-1"}, headers=HTMX)
    assert htmx.status_code == 422 and "Enter a quantity from 0 to 99." in text(htmx)


def test_removing_a_line_with_and_without_javascript(storefront, shopper, goods):
    stand, tee_m, tee_l = goods
    guest = shopper()
    for item in goods:
        guest.add(item, 1)

    response = post_from_cart(guest, f"/cart/lines/{stand.variant_id}/remove", {})
    assert response.status_code == 303
    assert "Walnut headphone stand" not in main_of(guest.cart())

    htmx = post_from_cart(guest, f"/cart/lines/{tee_m.variant_id}/remove", {}, headers=HTMX)
    body = text(htmx)
    assert not body.lstrip().startswith("<tr")  # the row is replaced by nothing
    assert '<span id="cart-count" hx-swap-oob="true">\xa0(1' in body
    last = post_from_cart(guest, f"/cart/lines/{tee_l.variant_id}/remove", {}, headers=HTMX)
    assert last.headers.get("HX-Refresh") == "true"  # the empty cart page takes over
    assert "Your cart is empty" in guest.cart()


def test_a_quantity_above_what_is_left_is_reduced_with_a_notice(storefront, market, shopper, goods):
    stand, _, _ = goods
    guest = shopper()
    guest.add(stand, 4)
    market.set_stock(stand, 2)
    page = html.unescape(main_of(guest.cart()))
    assert "Only 2 of Walnut headphone stand are available now, so we changed the quantity from 4 to 2." in page
    assert 'value="2"' in page


def test_a_cart_in_two_currencies_cannot_be_checked_out_until_one_is_removed(storefront, market, shopper, goods):
    stand, _, _ = goods
    store = market.store("Yankee Goods")
    [mug] = market.product(store, "Diner mug", [("12.00", 5, {})], currency="USD")
    guest = shopper()
    guest.add(stand, 1)
    guest.add(mug, 1)
    page = html.unescape(main_of(guest.cart()))
    assert "Your cart has items priced in EUR and USD." in page
    assert 'href="/checkout"' not in page
    blocked = guest.client.get("/checkout")
    assert blocked.status_code == 303 and blocked.headers["Location"].endswith("/cart")

    post_from_cart(guest, f"/cart/lines/{mug.variant_id}/remove", {})
    assert guest.client.get("/checkout").status_code == 200


def test_a_customers_cart_is_kept_in_the_account(storefront, customer, goods):
    stand, _, _ = goods
    ada = customer("ada@shopper.example")
    ada.add(stand, 2)
    assert sql(storefront, "SELECT quantity FROM cart_line")[0].quantity == 2
    other_browser = storefront.test_client()
    page = other_browser.get("/account/signin")
    other_browser.post(
        "/account/signin",
        data={
            "email": "ada@shopper.example",
            "password": PASSWORD,
            "csrf_token": csrf_from(page.get_data(as_text=True)),
        },
    )
    assert "Walnut headphone stand" in other_browser.get("/cart").get_data(as_text=True)


def test_a_guest_cart_joins_the_customers_cart_on_sign_in_capped_at_stock(storefront, customer, shopper, goods):
    stand, tee_m, _ = goods
    ada = customer("ada@shopper.example")
    ada.add(stand, 3)
    guest = shopper()
    guest.add(stand, 4)
    guest.add(tee_m, 1)

    page = guest.client.get("/account/signin")
    guest.client.post(
        "/account/signin",
        data={
            "email": "ada@shopper.example",
            "password": PASSWORD,
            "csrf_token": csrf_from(page.get_data(as_text=True)),
        },
    )
    lines = dict(sql(storefront, "SELECT variant_id, quantity FROM cart_line"))
    assert lines == {stand.variant_id: 5, tee_m.variant_id: 1}  # 3 + 4 capped at the 5 in stock
