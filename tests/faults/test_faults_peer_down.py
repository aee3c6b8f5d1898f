"""A peer down: shoppers keep browsing, checkout fails closed, and events wait in the producers' outboxes
until their subscriber is back, then arrive once."""

from __future__ import annotations

from common_core import outbox
from tests.faults.shop import open_shop
from tests.security.world import checkout, create_product, publish, scalar, sql


def drain_all(platform, *, include_backoff: bool) -> None:
    """Deliver everything, retries included (they would otherwise wait out their backoff)."""
    for _ in range(5):
        moved = 0
        for app in platform.apps.values():
            with app.app_context():
                moved += outbox.drain(include_backoff=include_backoff)
        if not moved:
            return


def pending_to(app, subscriber: str) -> int:
    return scalar(
        app, "SELECT count(*) FROM outbox_delivery WHERE subscriber = :s AND status = 'pending'", s=subscriber
    )


def test_with_the_vendor_portal_down_shoppers_browse_and_checkout_fails_closed(platform) -> None:
    shop = open_shop(platform, 5)
    product_id, variant_id = shop.products[0]
    customer = shop.shopper("ada@shopper.example")
    assert shop.add(customer, 0, 2).status_code == 303
    platform.adapters["vendor_portal"].down = True

    for url in ("/", "/search?q=Thing", f"/p/{product_id}", "/cart", "/vendor/acme-audio"):
        response = customer.get(url, follow_redirects=True)
        assert response.status_code == 200, f"{url} answered {response.status_code} with the vendor portal down"
    assert "Thing 0" in customer.get("/cart").get_data(as_text=True)

    orders_before = scalar(platform.storefront, "SELECT count(*) FROM orders WHERE status = 'placed'")
    response = checkout(customer, email=None)
    assert response.status_code == 503, response.status_code
    assert "Your order was not placed" in response.get_data(as_text=True)
    # Fail closed: no placed order, no money taken, the cart kept, the stock untouched.
    assert scalar(platform.storefront, "SELECT count(*) FROM orders WHERE status = 'placed'") == orders_before
    assert scalar(platform.storefront, "SELECT count(*) FROM payment WHERE status = 'captured'") == 0
    assert scalar(platform.storefront, "SELECT sum(quantity) FROM cart_line") == 2
    assert sql(platform.vendor, "SELECT stock_on_hand, reserved FROM variant WHERE id = :v", v=variant_id)[0] == (5, 0)

    platform.adapters["vendor_portal"].down = False
    assert checkout(customer, email=None).status_code == 303, "checkout did not work again once the peer was back"


def test_with_the_admin_portal_down_vendors_publish_shoppers_browse_and_admins_events_wait(platform) -> None:
    shop = open_shop(platform, 3)
    drain_all(platform, include_backoff=True)
    platform.adapters["admin_portal"].down = True

    product_id = create_product(shop.store, title="Published while admin was away", description="", sku="AWAY", stock=4)
    publish(shop.store, product_id)
    customer = shop.shopper("bob@shopper.example")  # customer.registered: another event for admin
    platform.drain()
    page = customer.get(f"/p/{product_id}", follow_redirects=True)
    assert page.status_code == 200 and "Published while admin was away" in page.get_data(as_text=True)
    assert customer.get("/search?q=away").status_code == 200

    waiting_vendor = pending_to(platform.vendor, "admin_portal")
    waiting_shop = pending_to(platform.storefront, "admin_portal")
    assert waiting_vendor >= 1 and waiting_shop >= 1, (waiting_vendor, waiting_shop)
    assert pending_to(platform.vendor, "storefront") == 0  # the other subscriber was served meanwhile
    events_for_admin = scalar(
        platform.vendor, "SELECT count(DISTINCT event_id) FROM outbox_delivery WHERE subscriber = 'admin_portal'"
    ) + scalar(
        platform.storefront, "SELECT count(DISTINCT event_id) FROM outbox_delivery WHERE subscriber = 'admin_portal'"
    )

    platform.adapters["admin_portal"].down = False
    drain_all(platform, include_backoff=True)
    assert pending_to(platform.vendor, "admin_portal") == 0 and pending_to(platform.storefront, "admin_portal") == 0
    assert scalar(platform.vendor, "SELECT count(*) FROM outbox_delivery WHERE status = 'dead'") == 0
    # Each arrived exactly once: one inbox row per event the two producers addressed to admin.
    assert scalar(platform.admin, "SELECT count(*) FROM inbox_event") == events_for_admin
    title = scalar(platform.admin, "SELECT title FROM analytics_product WHERE product_id = :p", p=product_id)
    assert title == "Published while admin was away"
    assert scalar(platform.admin, "SELECT count(*) FROM analytics_customer") == 1
