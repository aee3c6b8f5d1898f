"""The catalogue copy is built only from events, applied once, newest state winning whatever the arrival order."""

from __future__ import annotations

import pytest

from common_core.errors import PeerError
from tests.storefront.conftest import at, envelope, post_event, product_data, storefront_sql, variant


def product_row(app, product_id):
    rows = storefront_sql(
        app,
        "SELECT title, listed, status, min_price, max_price, in_stock, stock_total, vendor_name, vendor_slug,"
        " category_ids, category_path, brand, description_html FROM product WHERE id = :id",
        id=product_id,
    )
    return rows[0] if rows else None


def test_events_build_the_catalogue_copy_with_denormalised_fields(platform, shop):
    shop.category(1, "Audio")
    shop.category(2, "Headphones", parent_id=1)
    shop.product(
        1,
        title="Wireless Headphones",
        brand="Sonic",
        category_id=2,
        variants=[variant(11, "79.00", available=0), variant(12, "99.00", available=3)],
    )

    row = product_row(platform.storefront, 1)
    assert row.title == "Wireless Headphones" and row.listed and row.status == "active"
    assert (str(row.min_price), str(row.max_price)) == ("79.00", "99.00")
    assert row.in_stock and row.stock_total == 3
    assert (row.vendor_name, row.vendor_slug) == ("Acme Audio", "acme-audio")
    assert row.category_ids == [1, 2] and row.category_path == "Audio / Headphones"
    variants = storefront_sql(platform.storefront, "SELECT id, price, available FROM variant ORDER BY id")
    assert [(v.id, str(v.price), v.available) for v in variants] == [(11, "79.00", 0), (12, "99.00", 3)]


def test_an_upsert_replaces_the_whole_product_state(platform, shop):
    shop.product(1, variants=[variant(11), variant(12)], attributes={"Colour": "Red"}, updated_at=at(1))
    shop.product(1, title="Renamed", variants=[variant(13, "5.00")], attributes={}, updated_at=at(2))

    assert product_row(platform.storefront, 1).title == "Renamed"
    assert [r.id for r in storefront_sql(platform.storefront, "SELECT id FROM variant")] == [13]
    assert storefront_sql(platform.storefront, "SELECT attributes FROM product")[0].attributes == {}


def test_an_older_product_upsert_after_a_newer_one_changes_nothing(platform, shop):
    newer = envelope("product.upserted", product_data(1, title="Newer title", price="20.00", updated_at=at(10)))
    older = envelope("product.upserted", product_data(1, title="Older title", price="10.00", updated_at=at(5)))

    assert post_event(platform, newer) == {"status": "applied"}
    assert post_event(platform, older) == {"status": "applied"}  # received, and rightly ignored

    row = product_row(platform.storefront, 1)
    assert row.title == "Newer title" and str(row.min_price) == "20.00"


def test_a_duplicate_delivery_is_applied_once(platform, shop):
    body = envelope("product.upserted", product_data(1, title="Once"))

    assert post_event(platform, body) == {"status": "applied"}
    # Meanwhile a newer state arrives; the repeat of the first event must not roll it back.
    post_event(platform, envelope("product.upserted", product_data(1, title="Twice", updated_at=at(50))))
    assert post_event(platform, body) == {"status": "duplicate"}

    assert product_row(platform.storefront, 1).title == "Twice"
    inbox = storefront_sql(
        platform.storefront, "SELECT count(*) AS n FROM inbox_event WHERE event_id = :id", id=body["id"]
    )
    assert inbox[0].n == 1


def test_a_removed_product_stays_removed_when_an_older_upsert_arrives_late(platform, shop):
    shop.product(1, updated_at=at(1))
    late = envelope("product.upserted", product_data(1, title="Stale", updated_at=at(1)), occurred_at=at(2))
    shop.remove(1, updated_at=at(3))

    post_event(platform, late)

    row = product_row(platform.storefront, 1)
    assert row.status == "removed" and not row.listed and row.title == "Product 1"
    assert platform.storefront.test_client().get("/p/1-product-1").status_code == 404


def test_a_store_reapproval_republishing_the_same_state_lists_the_product_again(platform, shop):
    """Suspension withdraws listings with the product's unchanged updated_at; re-approval re-sends them."""
    shop.product(1, updated_at=at(1))
    shop.suspend(1)
    shop.remove(1, reason="vendor_suspended", updated_at=at(1))
    shop.vendor(1, "Acme Audio", status="approved", event="vendor.status_changed")
    shop.product(1, updated_at=at(1))

    assert product_row(platform.storefront, 1).listed


def test_a_removal_for_an_unknown_product_keeps_a_late_older_upsert_out(platform, shop):
    shop.remove(7, updated_at=at(5))
    post_event(platform, envelope("product.upserted", product_data(7, updated_at=at(4))))

    assert not product_row(platform.storefront, 7).listed


def test_stock_changed_updates_one_variant_and_ignores_older_news(platform, shop):
    shop.product(1, variants=[variant(11, available=4), variant(12, available=0)])

    shop.stock(1, 12, 9, updated_at=at(100))
    post_event(
        platform, envelope("stock.changed", {"product_id": 1, "variant_id": 12, "available": 1, "updated_at": at(90)})
    )

    available = {r.id: r.available for r in storefront_sql(platform.storefront, "SELECT id, available FROM variant")}
    assert available == {11: 4, 12: 9}
    assert product_row(platform.storefront, 1).stock_total == 13


def test_a_stock_count_newer_than_a_late_product_snapshot_is_kept(platform, shop):
    # Every moment is given, none read from the clock, so the outcome does not depend on when this runs.
    first = envelope("product.upserted", product_data(1, variants=[variant(11, available=5)], updated_at=at(1)))
    first["occurred_at"] = at(1)
    post_event(platform, first)
    snapshot = envelope("product.upserted", product_data(1, variants=[variant(11, available=5)], updated_at=at(2)))
    snapshot["occurred_at"] = at(3)
    shop.stock(1, 11, 0, updated_at=at(4))

    post_event(platform, snapshot)

    row = product_row(platform.storefront, 1)
    assert not row.in_stock and row.stock_total == 0


def test_a_product_arriving_before_its_store_is_listed_once_the_store_is_approved(platform, catalogue):
    catalogue.product(1, vendor_id=5, title="Early bird")
    assert not product_row(platform.storefront, 1).listed

    catalogue.vendor(5, "Late Store", status="pending")
    assert not product_row(platform.storefront, 1).listed

    catalogue.vendor(5, "Late Store", status="approved")
    row = product_row(platform.storefront, 1)
    assert row.listed and row.vendor_name == "Late Store"


def test_a_suspended_store_disappears_from_search_category_store_and_product_pages(platform, shop):
    shop.category(1, "Audio")
    shop.product(1, title="Wireless Headphones", category_id=1)
    client = platform.storefront.test_client()
    assert "Wireless Headphones" in client.get("/search?q=headphones").get_data(as_text=True)

    shop.suspend(1)

    assert "Wireless Headphones" not in client.get("/search?q=headphones").get_data(as_text=True)
    assert "Wireless Headphones" not in client.get("/c/audio").get_data(as_text=True)
    assert "Wireless Headphones" not in client.get("/").get_data(as_text=True)
    assert client.get("/p/1-wireless-headphones").status_code == 404
    assert client.get("/vendor/acme-audio").status_code == 404


def test_a_category_arriving_after_its_products_fills_in_their_path_and_search(platform, shop):
    shop.product(1, title="Studio Monitor", category_id=2)
    shop.category(2, "Speakers", parent_id=1)
    shop.category(1, "Audio Gear")

    row = product_row(platform.storefront, 1)
    assert row.category_ids == [1, 2] and row.category_path == "Audio Gear / Speakers"
    html = platform.storefront.test_client().get("/search?q=speakers").get_data(as_text=True)
    assert "Studio Monitor" in html


def test_a_renamed_category_renames_its_products_path(platform, shop):
    shop.category(1, "Audio")
    shop.product(1, category_id=1)
    shop.category(1, "Sound", slug="sound")

    assert product_row(platform.storefront, 1).category_path == "Sound"
    client = platform.storefront.test_client()
    assert client.get("/c/sound").status_code == 200
    assert client.get("/c/audio").status_code == 404


def test_a_retired_category_has_no_page_and_its_products_stay_listed(platform, shop):
    shop.category(1, "Audio")
    shop.product(1, category_id=1)
    shop.publish(platform.admin, "category.retired", {"category_id": 1})

    client = platform.storefront.test_client()
    assert client.get("/c/audio").status_code == 404
    assert client.get("/p/1-product-1").status_code == 200


def test_description_html_is_sanitised_again_when_stored(platform, shop):
    shop.product(
        1, description='<p>Fine</p><script>alert(1)</script><a href="javascript:alert(2)" onclick="x()">link</a>'
    )

    stored = product_row(platform.storefront, 1).description_html
    assert "<p>Fine</p>" in stored
    assert "<script" not in stored and "javascript:" not in stored and "onclick" not in stored


def test_a_product_event_without_variant_ids_is_refused_and_changes_nothing(platform, shop):
    data = product_data(1)
    data["variants"] = [{"price": "1.00", "options": {}}]

    with pytest.raises(PeerError) as refused:
        post_event(platform, envelope("product.upserted", data))

    assert refused.value.status == 422
    assert product_row(platform.storefront, 1) is None
