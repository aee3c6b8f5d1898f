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


def test_demo_orders_reach_the_stores_which_move_them_on_and_the_shop_follows(platform, storefront, market):
    from storefront.demo import seed_customers, seed_demo_reviews, seed_orders
    from vendor_portal.demo import seed_fulfilment

    for name in ("Acme Audio", "Loom Tees"):
        store = market.store(name)
        market.product(store, f"{name} classic", [("19.00", 50, {}), ("29.00", 50, {})])
        market.product(store, f"{name} deluxe", [("64.00", 50, {})])
    run(storefront, seed_customers, 8)
    assert run(storefront, seed_orders, 120, 60) == "120 demo orders added, with 2000 visits"
    assert run(storefront, seed_orders, 120, 60) == "demo orders already loaded"

    # The shop knows only what its customers did: a few cancelled early, the rest wait for their stores.
    statuses = dict(sql(storefront, "SELECT status, count(*) FROM orders GROUP BY status"))
    assert set(statuses) == {"placed", "cancelled"} and sum(statuses.values()) == 120
    assert sql(storefront, "SELECT count(*) FROM orders WHERE placed_at > now()")[0][0] == 0
    assert sql(storefront, "SELECT count(*) FROM outbox_event WHERE type = 'order.placed'")[0][0] == 120
    assert not sql(storefront, "SELECT 1 FROM orders WHERE total <> subtotal + shipping_total")

    platform.drain()
    assert sql(platform.vendor, "SELECT count(DISTINCT order_id) FROM vendor_order")[0][0] == 120
    cancelled = sql(platform.vendor, "SELECT count(DISTINCT order_id) FROM vendor_order WHERE status = 'cancelled'")
    assert cancelled[0][0] == statuses["cancelled"]

    # The stores move the rest on as their age says, dated in the past; the shop follows by event.
    message = run(platform.vendor, seed_fulfilment)
    assert message.endswith("past orders moved on by their stores")
    assert run(platform.vendor, seed_fulfilment) == "no past order to move on"  # idempotent
    platform.drain()
    shop = dict(sql(storefront, "SELECT status, count(*) FROM orders GROUP BY status"))
    assert shop["completed"] > 50 and shop["cancelled"] == statuses["cancelled"]
    parts = sql(
        storefront,
        "SELECT p.status, p.tracking_number, p.updated_at < now() - interval '1 hour'"
        " FROM order_vendor_part p JOIN orders o ON o.id = p.order_id WHERE o.placed_at < now() - interval '10 days'",
    )
    assert all(status in ("delivered", "shipped", "cancelled") for status, _, _ in parts)
    assert all(tracking for status, tracking, _ in parts if status in ("delivered", "shipped"))
    assert all(in_the_past for status, _, in_the_past in parts if status != "cancelled")
    vendor_statuses = dict(sql(platform.vendor, "SELECT status, count(*) FROM vendor_order GROUP BY status"))
    shop_parts = dict(sql(storefront, "SELECT status, count(*) FROM order_vendor_part GROUP BY status"))
    assert vendor_statuses == shop_parts  # the store and the shop tell the same story

    reviews = run(storefront, seed_demo_reviews)
    assert reviews != "0 demo reviews added"
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
