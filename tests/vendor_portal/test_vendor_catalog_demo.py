"""The demo data: stores and products loaded once (a second run adds nothing), filed in categories when the
replica has them, and re-filed by assign-demo-categories once admin_portal's categories arrive."""

from __future__ import annotations

import re

from tests.vendor_portal.catalog_fixtures import category, rows, send_event
from tests.vendor_portal.conftest import outbox, sign_in


def counts(vendor):
    [row] = rows(
        vendor,
        "SELECT (SELECT count(*) FROM vendor) AS vendors, (SELECT count(*) FROM product) AS products, "
        "(SELECT count(*) FROM variant) AS variants, (SELECT count(*) FROM product_image) AS images, "
        "(SELECT count(*) FROM stock_adjustment) AS adjustments",
    )
    return tuple(row)


def test_the_demo_seed_loads_stores_and_products_once(vendor):
    runner = vendor.test_cli_runner()
    first = runner.invoke(args=["seed-demo", "--products", "30"])
    assert first.exit_code == 0, first.output
    assert "loaded Northwind Audio, Pending Pottery" in first.output and "30 new products" in first.output
    assert "assign-demo-categories" in first.output  # no categories yet: it says how to file them later
    loaded = counts(vendor)
    assert loaded[0] == 9 and loaded[1] == 30 and loaded[2] > 30 and loaded[3] >= 30

    again = runner.invoke(args=["seed-demo", "--products", "30"])
    assert again.exit_code == 0 and "already loaded" in again.output
    assert counts(vendor) == loaded

    stores = dict(rows(vendor, "SELECT store_name, status FROM vendor"))
    assert stores["Northwind Audio"] == "approved" and stores["Pending Pottery"] == "pending"
    assert sorted(stores.values()).count("pending") == 1
    statuses = dict(rows(vendor, "SELECT p.status, count(*) FROM product p GROUP BY 1"))
    assert statuses["active"] >= 20
    pending = rows(
        vendor, "SELECT p.status FROM product p JOIN vendor v ON v.id = p.vendor_id WHERE v.status = 'pending'"
    )
    assert pending and {row.status for row in pending} == {"draft"}
    published = [data for event_type, data in outbox(vendor) if event_type == "product.upserted"]
    assert len(published) == statuses["active"] and all(data["images"] and data["variants"] for data in published)
    stock = [row.stock_on_hand for row in rows(vendor, "SELECT stock_on_hand FROM variant WHERE is_active")]
    assert min(stock) >= 1 and max(stock) <= 80


def test_demo_stores_can_sign_in_and_see_their_products(vendor):
    vendor.test_cli_runner().invoke(args=["seed-demo", "--products", "20"])
    for email, store_name in (("vendor@example.com", "Northwind Audio"), ("vendor3@example.com", "Trailhead")):
        client = vendor.test_client()
        assert sign_in(client, email, "vendor-demo-pass").status_code == 302
        html = client.get("/products").get_data(as_text=True)
        assert store_name in html and re.search(r'class="product-thumb" src="/media/\d+/thumb-', html)
    northwind = vendor.test_client()
    sign_in(northwind, "vendor@example.com", "vendor-demo-pass")
    assert "Walnut headphone stand" in northwind.get("/products?q=walnut").get_data(as_text=True)


def test_demo_products_are_filed_in_the_replicated_categories(platform, vendor):
    send_event(platform, "category.upserted", category(1, "Audio"))
    send_event(platform, "category.upserted", {**category(2, "Headphones", 1), "slug": "headphones"})
    vendor.test_cli_runner().invoke(args=["seed-demo", "--products", "20"])
    filed = rows(
        vendor, "SELECT p.category_id FROM product p JOIN variant v ON v.product_id = p.id WHERE v.sku = 'NWA-0000'"
    )
    assert [row.category_id for row in filed] == [2]


def test_assign_demo_categories_files_products_once_categories_arrive_and_tells_the_shop(platform, vendor):
    runner = vendor.test_cli_runner()
    runner.invoke(args=["seed-demo", "--products", "20"])
    assert rows(vendor, "SELECT id FROM product WHERE category_id IS NOT NULL") == []
    assert "nothing assigned" in runner.invoke(args=["assign-demo-categories"]).output

    send_event(platform, "category.upserted", category(1, "Audio"))
    send_event(platform, "category.upserted", {**category(2, "Headphones", 1), "slug": "headphones"})
    send_event(platform, "category.upserted", {**category(3, "Speakers", 1), "slug": "speakers"})
    before = len(outbox(vendor))
    result = runner.invoke(args=["assign-demo-categories"])
    assert result.exit_code == 0 and re.search(r"\d+ demo products filed", result.output)
    filed = rows(vendor, "SELECT p.status, p.category_id FROM product p WHERE p.category_id IS NOT NULL")
    assert filed and {row.category_id for row in filed} <= {2, 3}
    announced = [data for event_type, data in outbox(vendor)[before:] if event_type == "product.upserted"]
    assert len(announced) == sum(1 for row in filed if row.status == "active")
    assert "0 demo products filed" in runner.invoke(args=["assign-demo-categories"]).output
