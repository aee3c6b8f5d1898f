"""Pages anonymous shoppers share are rendered once per catalogue version and URL, then served from the
worker's page cache: without the page's queries, with each visitor's own CSRF token, never stale."""

from __future__ import annotations

import re

import pytest

from storefront.catalog.caching import CachedPage, PageCache
from tests.conftest import csrf_from
from tests.storefront.conftest import counting_statements, page_text, variant

PAGES = ["/", "/search?q=lamp", "/c/lighting", "/vendor/acme-audio", "/p/1-desk-lamp"]


@pytest.fixture
def lamp(shop):
    shop.category(1, "Lighting")
    shop.product(1, title="Desk Lamp", price="30.00", category_id=1, variants=[variant(100, "30.00", available=8)])
    return shop


@pytest.mark.parametrize("url", PAGES)
def test_the_second_visitor_gets_the_same_page_without_its_queries(storefront, lamp, url):
    first = storefront.test_client().get(url)
    with counting_statements(storefront) as statements:
        second = storefront.test_client().get(url)

    assert second.status_code == 200
    assert len(statements) == 1, statements  # the catalogue version, which names the page
    assert second.headers["ETag"] == first.headers["ETag"]
    without_tokens = re.compile(r'value="[^"]*" name="csrf_token"|name="csrf_token"[^>]*value="[^"]*"')
    assert without_tokens.sub("", page_text(second)) == without_tokens.sub("", page_text(first))


def test_each_visitor_gets_a_csrf_token_of_their_own_that_works(storefront, lamp):
    storefront.test_client().get("/p/1-desk-lamp")  # rendered and kept
    guests = [storefront.test_client() for _ in range(2)]
    pages = [guest.get("/p/1-desk-lamp").get_data(as_text=True) for guest in guests]
    tokens = [csrf_from(page) for page in pages]

    assert tokens[0] != tokens[1]
    assert "\x00" not in pages[0]
    for guest, token in zip(guests, tokens, strict=True):
        added = guest.post("/cart/add", data={"variant_id": 100, "quantity": 1, "csrf_token": token})
        assert added.status_code in (302, 303), added.status_code  # the token checked out for its own session
    someone_elses = guests[1].post("/cart/add", data={"variant_id": 100, "quantity": 1, "csrf_token": tokens[0]})
    assert someone_elses.status_code == 400


@pytest.mark.parametrize("url", PAGES)
def test_a_price_change_is_shown_to_the_next_visitor_at_once(storefront, lamp, url):
    assert "€30.00" in page_text(storefront.test_client().get(url))

    lamp.product(1, title="Desk Lamp", price="25.00", category_id=1, variants=[variant(100, "25.00", available=8)])
    fresh = storefront.test_client().get(url)

    assert "€25.00" in page_text(fresh) and "€30.00" not in page_text(fresh)


def test_a_stock_change_is_shown_to_the_next_visitor_at_once(storefront, lamp):
    storefront.test_client().get("/p/1-desk-lamp")
    lamp.stock(1, 100, available=2)

    assert "Only 2 left" in page_text(storefront.test_client().get("/p/1-desk-lamp"))


def test_a_shopper_with_a_cart_sees_their_own_page_not_the_shared_one(storefront, lamp):
    storefront.test_client().get("/p/1-desk-lamp")
    guest = storefront.test_client()
    token = csrf_from(guest.get("/p/1-desk-lamp").get_data(as_text=True))
    guest.post("/cart/add", data={"variant_id": 100, "quantity": 2, "csrf_token": token})

    mine = guest.get("/p/1-desk-lamp")

    assert "ETag" not in mine.headers
    assert re.search(r'<span id="cart-count"[^>]*>(?:&nbsp;|\xa0)?\(2', mine.get_data(as_text=True))


def test_a_product_page_served_from_the_cache_still_counts_as_a_product_view(storefront, lamp):
    for _ in range(2):  # rendered, then served from the cache
        storefront.test_client().get("/p/1-desk-lamp").close()  # the view is written once the body is sent

    with storefront.app_context():
        db = storefront.extensions["sqlalchemy"]
        kinds = db.session.execute(
            db.text("SELECT kind, product_id, vendor_id FROM traffic_event WHERE path = '/p/1-desk-lamp'")
        ).all()
        db.session.remove()
    assert [tuple(row) for row in kinds] == [("product_view", 1, 1), ("product_view", 1, 1)]


def test_the_cache_keeps_within_its_byte_budget_dropping_the_least_recently_used():
    cache = PageCache(max_bytes=8 * 1200)
    page = CachedPage(b"x" * 1000, "text/html", None)
    for n in range(8):
        cache.put(f"page-{n}", page)
    cache.get("page-0")  # used again: kept
    cache.put("page-8", page)

    assert cache.used <= cache.max_bytes
    assert cache.get("page-0") is not None and cache.get("page-1") is None
    cache.put("huge", CachedPage(b"x" * 5000, "text/html", None))  # over an eighth of the budget: not kept
    assert cache.get("huge") is None


def test_visitors_who_miss_the_same_page_together_wait_for_one_rendering(storefront, lamp):
    import threading
    import time

    import sqlalchemy as sa

    statements: list[str] = []

    def slow_cards(_conn, _cursor, statement, *_args):
        statements.append(statement)
        if "product.slug" in statement and "LIMIT" in statement:
            time.sleep(0.3)  # a slow page: every visitor below arrives while it renders

    with storefront.app_context():
        engine = storefront.extensions["sqlalchemy"].engine
    sa.event.listen(engine, "before_cursor_execute", slow_cards)
    answers: list[int] = []
    try:
        visitors = [
            threading.Thread(target=lambda: answers.append(storefront.test_client().get("/c/lighting").status_code))
            for _ in range(5)
        ]
        for visitor in visitors:
            visitor.start()
        for visitor in visitors:
            visitor.join(timeout=30)
    finally:
        sa.event.remove(engine, "before_cursor_execute", slow_cards)

    assert answers == [200] * 5
    assert len([s for s in statements if "product.slug" in s and "LIMIT" in s]) == 1  # the cards, once
