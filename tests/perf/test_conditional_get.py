"""Pages anonymous shoppers share answer conditional GETs, and never with a stale price or stock count."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from storefront.cart.queries import MAX_QUANTITY
from storefront.catalog.models import LOW_STOCK
from tests.storefront.conftest import page_text, variant

PAGES = ["/", "/search?q=lamp", "/c/lighting", "/vendor/acme-audio", "/p/1-desk-lamp"]


@pytest.fixture
def lamp(shop):
    shop.category(1, "Lighting")
    shop.product(1, title="Desk Lamp", price="30.00", category_id=1, variants=[variant(100, "30.00", available=8)])
    return shop


@pytest.mark.parametrize("url", PAGES)
def test_a_revalidation_gets_304_with_the_same_etag(storefront, lamp, url):
    client = storefront.test_client()
    first = client.get(url)
    assert first.status_code == 200
    etag = first.headers["ETag"]
    assert first.headers["Cache-Control"] == "private, no-cache"  # kept by the browser, revalidated each time

    again = client.get(url, headers={"If-None-Match": etag})

    assert again.status_code == 304
    assert again.headers["ETag"] == etag
    assert again.get_data() == b""


@pytest.mark.parametrize("url", PAGES)
def test_a_price_change_changes_the_etag_at_once(storefront, lamp, url):
    client = storefront.test_client()
    etag = client.get(url).headers["ETag"]

    lamp.product(1, title="Desk Lamp", price="25.00", category_id=1, variants=[variant(100, "25.00", available=8)])
    fresh = client.get(url, headers={"If-None-Match": etag})

    assert fresh.status_code == 200
    assert fresh.headers["ETag"] != etag
    assert "€25.00" in page_text(fresh) and "€30.00" not in page_text(fresh)


def test_a_stock_change_changes_the_product_pages_etag(storefront, lamp):
    client = storefront.test_client()
    etag = client.get("/p/1-desk-lamp").headers["ETag"]

    lamp.stock(1, 100, available=2)
    fresh = client.get("/p/1-desk-lamp", headers={"If-None-Match": etag})

    assert fresh.status_code == 200 and fresh.headers["ETag"] != etag
    assert "Only 2 left" in page_text(fresh)


def test_each_url_and_the_htmx_partial_have_their_own_etag(storefront, lamp):
    client = storefront.test_client()

    tags = {
        client.get("/search?q=lamp").headers["ETag"],
        client.get("/search?q=lamp&sort=price_asc").headers["ETag"],
        client.get("/search?q=lamp", headers={"HX-Request": "true"}).headers["ETag"],
    }

    assert len(tags) == 3


@pytest.mark.parametrize(
    "session_data",
    [{"_user_id": "1"}, {"cart": {"100": {"quantity": 1, "seen_price": "30.00"}}}, {"_flashes": [("info", "Hi")]}],
    ids=["signed in", "guest with a cart", "message to show"],
)
def test_a_personal_session_gets_a_fresh_page_and_no_etag(storefront, lamp, session_data):
    client = storefront.test_client()
    etag = client.get("/p/1-desk-lamp").headers["ETag"]
    with client.session_transaction() as session:
        session.update(session_data)

    response = client.get("/p/1-desk-lamp", headers={"If-None-Match": etag})

    assert response.status_code == 200
    assert "ETag" not in response.headers
    assert response.headers["Cache-Control"] in ("no-store", "private, no-cache")


def test_pages_that_are_not_found_or_redirect_get_no_etag(storefront, lamp):
    client = storefront.test_client()

    assert "ETag" not in client.get("/p/1").headers  # redirects to the canonical URL
    assert "ETag" not in client.get("/p/999-nothing").headers
    assert "ETag" not in client.get("/c/no-such-aisle").headers


def test_any_write_to_the_catalogue_changes_the_etag_whoever_makes_it(storefront, lamp):
    """The version is bumped by a trigger, so a writer outside the catalogue's handlers (reviews) counts too."""
    client = storefront.test_client()
    etag = client.get("/p/1-desk-lamp").headers["ETag"]
    with storefront.app_context():
        session = storefront.extensions["sqlalchemy"].session
        session.execute(sa.text("UPDATE product SET rating_avg = 4.5, rating_count = 2 WHERE id = 1"))
        session.commit()

    fresh = client.get("/p/1-desk-lamp", headers={"If-None-Match": etag})

    assert fresh.status_code == 200 and fresh.headers["ETag"] != etag
    assert "4.5 out of 5" in page_text(fresh)


def test_an_uncommitted_change_keeps_the_old_etag(storefront, lamp):
    client = storefront.test_client()
    etag = client.get("/p/1-desk-lamp").headers["ETag"]
    with storefront.app_context():
        engine = storefront.extensions["sqlalchemy"].engine
        with engine.connect() as writer:
            writer.execute(sa.text("UPDATE variant SET available = 1 WHERE id = 100"))
            # Not committed yet: shoppers still see 8 in stock, and their copies stay valid.
            assert client.get("/p/1-desk-lamp", headers={"If-None-Match": etag}).status_code == 304
            writer.rollback()


WITHOUT_TOKENS = re.compile(r'value="[^"]*" name="csrf_token"|name="csrf_token"[^>]*value="[^"]*"')
# Units in stock, one stock.changed after another: across the quantity field's 99, "Only N left" from
# 5 down, sold out and back. Some changes show on a page, others (120 -> 100, 50 -> 7) show nowhere.
STOCK_STEPS = [120, 100, 99, 98, 50, 7, 6, 5, 4, 1, 0, 3, 150]


def test_a_stock_change_moves_the_etags_exactly_when_a_page_changes(storefront, lamp):
    """Never a stale page from the cache, and no page thrown away for a count no page shows.

    The product page shows the variant's count (up to the quantity field's 99, "Only N left" from 5);
    the category and home pages show the product's card. One version names them all, so their ETags
    move together: when any of them shows something new.
    """
    # The counts migration 0008 compares: a change of either constant needs a migration changing them there.
    assert (MAX_QUANTITY, LOW_STOCK + 1) == (99, 6)
    client, cache = storefront.test_client(), storefront.extensions["page_cache"]
    urls = ["/p/1-desk-lamp", "/c/lighting", "/"]

    def fresh() -> dict[str, tuple[str, str]]:
        cache.clear()  # rendered now, from the rows
        responses = {url: client.get(url) for url in urls}
        return {url: (r.headers["ETag"], WITHOUT_TOKENS.sub("", page_text(r))) for url, r in responses.items()}

    before = fresh()
    changes = 0
    for available in STOCK_STEPS:
        lamp.stock(1, 100, available=available)
        served = {url: WITHOUT_TOKENS.sub("", page_text(client.get(url))) for url in urls}  # cached if still named
        after = fresh()

        for url in urls:
            assert served[url] == after[url][1], f"{url}: a stale page at {available} in stock"
        shown = any(after[url][1] != before[url][1] for url in urls)
        moved = {after[url][0] != before[url][0] for url in urls}
        assert moved == {shown}, f"at {available} in stock: a page changed {shown}, the ETags moved {moved}"
        changes += shown
        before = after
    assert 0 < changes < len(STOCK_STEPS)  # the steps cover both kinds of change
