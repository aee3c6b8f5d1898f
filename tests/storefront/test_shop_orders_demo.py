"""The demo's past orders: made from the catalogue copy, idempotent, announced to the other portals."""

from __future__ import annotations

from tests.storefront.checkout_fixtures import market_fixture, sql  # noqa: F401 - the market fixture


def run(app, function, *args, **kwargs):
    with app.app_context():
        result = function(*args, **kwargs)
        app.extensions["sqlalchemy"].session.remove()
    return result


def test_without_a_catalogue_no_orders_are_made_and_the_command_says_what_to_run_later(storefront):
    from storefront.demo import seed_orders

    message = run(storefront, seed_orders, 10)
    assert "flask --app storefront seed-demo-orders" in message
    assert not sql(storefront, "SELECT 1 FROM orders")


def test_demo_orders_are_history_with_realistic_statuses_and_reach_the_vendor_portal(platform, storefront, market):
    from storefront.demo import seed_customers, seed_orders

    for name in ("Acme Audio", "Loom Tees"):
        store = market.store(name)
        market.product(store, f"{name} classic", [("19.00", 50, {}), ("29.00", 50, {})])
        market.product(store, f"{name} deluxe", [("64.00", 50, {})])
    run(storefront, seed_customers, 8)
    assert run(storefront, seed_orders, 120, 60) == "120 demo orders added, with 2000 visits"
    assert run(storefront, seed_orders, 120, 60) == "demo orders already loaded"

    statuses = dict(sql(storefront, "SELECT status, count(*) FROM orders GROUP BY status"))
    assert sum(statuses.values()) == 120
    assert statuses["completed"] > 50 and "cancelled" in statuses
    assert sql(storefront, "SELECT count(*) FROM orders WHERE placed_at > now()")[0][0] == 0
    assert sql(storefront, "SELECT count(*) FROM outbox_event WHERE type = 'order.placed'")[0][0] == 120
    assert not sql(storefront, "SELECT 1 FROM orders WHERE total <> subtotal + shipping_total")

    platform.drain()
    assert sql(platform.vendor, "SELECT count(DISTINCT order_id) FROM vendor_order")[0][0] == 120
    pending = sql(storefront, "SELECT count(*) FROM outbox_delivery WHERE status <> 'delivered'")[0][0]
    assert pending == 0


def test_demo_orders_come_with_the_browsing_that_led_to_them_for_the_dashboards(platform, storefront, market):
    from storefront.demo import seed_orders

    store = market.store("Acme Audio")
    market.product(store, "Acme classic", [("19.00", 50, {}), ("29.00", 50, {})])
    market.product(store, "Acme deluxe", [("64.00", 50, {})])
    run(storefront, seed_orders, 60, 30)
    # Published as the live shop publishes traffic: batches of rows, none left behind.
    assert not sql(storefront, "SELECT 1 FROM traffic_event")
    assert sql(storefront, "SELECT count(*) FROM outbox_event WHERE type = 'traffic.batch'")[0][0] >= 1

    platform.drain()
    totals = sql(
        platform.admin,
        "SELECT sum(visitors), sum(product_viewers), sum(cart_adders), sum(checkout_starters), sum(buyers)"
        " FROM analytics_traffic_day",
    )[0]
    visitors, viewers, adders, starters, buyers = totals
    # 60 orders are 6 of every 100 visitors; one whose visit crosses midnight counts on both days.
    assert 1000 <= visitors <= 1050
    assert buyers == 60
    assert visitors > viewers > adders > starters > buyers  # a funnel, narrowing at every step
