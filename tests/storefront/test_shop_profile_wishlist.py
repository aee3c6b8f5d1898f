"""The wishlist: Save / Saved on cards and the product page (with and without htmx), the list with the shop's
current price and stock, Move to cart, and guests sent to sign in first."""

from __future__ import annotations

import pytest

from tests.conftest import csrf_from
from tests.storefront.conftest import variant
from tests.storefront.profile_fixtures import customer_id, post_form, scalar, sign_up, sql

HTMX = {"HX-Request": "true"}


@pytest.fixture
def goods(shop):
    shop.product(1, title="Wireless Headphones", price="99.00", available=3)
    shop.product(
        2,
        title="Organic Tee",
        options=[{"name": "Size", "values": ["S", "M"]}],
        variants=[
            variant(21, "20.00", available=5, options={"Size": "S"}),
            variant(22, "20.00", available=5, options={"Size": "M"}),
        ],
    )
    return shop


def save(client, product_id=1, page="/search", **kw):
    return post_form(client, page, f"/account/wishlist/{product_id}", {"next": page}, **kw)


def saved(app) -> list[int]:
    return [row.product_id for row in sql(app, "SELECT product_id FROM wishlist_item ORDER BY product_id")]


def test_cards_offer_a_save_form_to_customers_and_a_sign_in_link_to_guests(storefront, goods):
    guest = storefront.test_client().get("/search").get_data(as_text=True)
    assert 'href="/account/signin?next=/search"' in guest and "Save<span" in guest

    html = sign_up(storefront).get("/search").get_data(as_text=True)
    assert 'action="/account/wishlist/1"' in html and 'hx-post="/account/wishlist/1"' in html


def test_saving_without_javascript_redirects_back_and_the_card_says_saved(storefront, goods):
    client = sign_up(storefront)
    response = save(client)

    assert response.status_code == 302 and response.headers["Location"] == "/search"
    assert saved(storefront) == [1]
    html = client.get("/search").get_data(as_text=True)
    assert 'action="/account/wishlist/1/remove"' in html and "Saved<span" in html
    assert save(client).status_code == 302 and saved(storefront) == [1]  # saving twice keeps one


def test_htmx_toggles_the_button_in_place(storefront, goods):
    client = sign_up(storefront)
    response = save(client, headers=HTMX)

    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert html.lstrip().startswith('<form class="card-actions wishlist"')
    assert 'action="/account/wishlist/1/remove"' in html and "autofocus" in html and "Saved" in html

    removed = post_form(client, "/search", "/account/wishlist/1/remove", {"next": "/search"}, headers=HTMX)
    assert 'action="/account/wishlist/1"' in removed.get_data(as_text=True)
    assert saved(storefront) == []


def test_the_product_page_has_the_button_too(storefront, goods):
    client = sign_up(storefront)
    save(client, page="/p/1-wireless-headphones")

    html = client.get("/p/1-wireless-headphones").get_data(as_text=True)
    assert 'action="/account/wishlist/1/remove"' in html
    assert 'name="next" value="/p/1-wireless-headphones"' in html


def test_a_guest_who_clicks_save_is_sent_to_sign_in_and_back(storefront, goods):
    guest = storefront.test_client()
    response = save(guest, page="/p/1-wireless-headphones")
    assert response.status_code == 302
    assert response.headers["Location"] == "/account/signin?next=/p/1-wireless-headphones"

    htmx = save(guest, page="/p/1-wireless-headphones", headers=HTMX)
    assert htmx.headers["HX-Redirect"] == "/account/signin?next=/p/1-wireless-headphones"
    assert saved(storefront) == []


def test_next_cannot_send_the_shopper_off_site(storefront, goods):
    client = sign_up(storefront)
    response = post_form(client, "/search", "/account/wishlist/1", {"next": "//evil.example/"})

    assert response.headers["Location"] == "/p/1"


def test_saving_a_product_that_is_not_in_the_shop_is_not_found(storefront, goods):
    client = sign_up(storefront)
    response = post_form(client, "/search", "/account/wishlist/999", {"next": "/search"})

    assert response.status_code == 404
    assert saved(storefront) == []


def test_wishlist_lists_the_current_price_and_stock_newest_first(storefront, goods):
    client = sign_up(storefront)
    save(client, 1)
    save(client, 2)
    goods.product(1, title="Wireless Headphones", price="79.00", available=0, updated_at="2099-01-01T00:00:00+00:00")

    html = client.get("/account/wishlist").get_data(as_text=True)
    assert html.index("Organic Tee") < html.index("Wireless Headphones")
    assert "€79.00" in html and "€99.00" not in html
    assert "Out of stock" in html


def test_a_product_gone_from_the_shop_says_so_and_can_be_removed(storefront, goods):
    client = sign_up(storefront)
    save(client, 1)
    goods.remove(1)

    html = client.get("/account/wishlist").get_data(as_text=True)
    assert "no longer sold" in html and "Move to cart" not in html
    response = post_form(client, "/account/wishlist", "/account/wishlist/1/remove", {"next": "/account/wishlist"})
    assert response.headers["Location"] == "/account/wishlist" and saved(storefront) == []


def test_an_empty_wishlist_says_so(storefront, goods):
    html = sign_up(storefront).get("/account/wishlist").get_data(as_text=True)
    assert "Your wishlist is empty" in html


def test_move_to_cart_adds_the_first_variant_in_stock_and_takes_it_off_the_wishlist(storefront, goods):
    client = sign_up(storefront)
    save(client, 1)

    response = post_form(client, "/account/wishlist", "/account/wishlist/1/move")
    assert response.status_code == 302 and response.headers["Location"] == "/account/wishlist"
    assert saved(storefront) == []
    assert sql(storefront, "SELECT variant_id, quantity FROM cart_line") == [(100, 1)]


def test_a_product_with_options_asks_to_choose_on_its_page(storefront, goods):
    client = sign_up(storefront)
    save(client, 2)

    html = client.get("/account/wishlist").get_data(as_text=True)
    assert "Choose options" in html and 'href="/p/2-organic-tee"' in html
    response = post_form(client, "/account/wishlist", "/account/wishlist/2/move")
    assert response.headers["Location"] == "/p/2-organic-tee"
    assert saved(storefront) == [2] and scalar(storefront, "SELECT count(*) FROM cart_line") == 0


def test_moving_what_another_customer_saved_is_not_found(storefront, goods):
    grace = sign_up(storefront, "grace@example.com", "Grace Hopper")
    save(grace, 1)
    ada = sign_up(storefront)

    response = post_form(ada, "/account/wishlist", "/account/wishlist/1/move")
    assert response.status_code == 404
    assert [r.customer_id for r in sql(storefront, "SELECT customer_id FROM wishlist_item")] == [
        customer_id(storefront, "grace@example.com")
    ]


def test_saving_with_htmx_a_product_that_just_left_the_shop_reloads_the_page_with_the_reason(storefront, goods):
    client = sign_up(storefront)
    page = client.get("/search").get_data(as_text=True)
    goods.remove(1)

    response = client.post("/account/wishlist/1", data={"next": "/search", "csrf_token": csrf_from(page)}, headers=HTMX)
    assert response.status_code == 204 and response.headers["HX-Redirect"] == "/search"
    assert "This product is not in the shop any more." in client.get("/search").get_data(as_text=True)
    assert saved(storefront) == []


def test_moving_a_product_that_sold_out_says_so_and_keeps_it_saved(storefront, goods):
    client = sign_up(storefront)
    save(client, 1)
    goods.stock(1, 100, 0)

    html = client.get("/account/wishlist").get_data(as_text=True)
    assert "Out of stock" in html and "Move to cart" not in html
    response = post_form(client, "/account/wishlist", "/account/wishlist/1/move", follow_redirects=True)
    assert "out of stock" in response.get_data(as_text=True)
    assert saved(storefront) == [1] and scalar(storefront, "SELECT count(*) FROM cart_line") == 0
