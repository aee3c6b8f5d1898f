"""Following orders: a customer's history and order pages, a guest's signed link, cancelling before shipment."""

from __future__ import annotations

import html
import re
import time
from decimal import Decimal

import pytest
from itsdangerous import URLSafeTimedSerializer

from storefront.orders.operations import cancel_refund_id
from storefront.orders.queries import GUEST_LINK_SALT
from tests.storefront.checkout_fixtures import (
    customer_fixture,  # noqa: F401 - the customer fixture
    fulfilment,
    market_fixture,  # noqa: F401 - the market fixture
    order_row,
    outbox,
    placed_number,
    shopper_fixture,  # noqa: F401 - the shopper fixture
    sql,
)
from tests.storefront.conftest import main_of


@pytest.fixture
def items(market):
    acme = market.store("Acme Audio")
    loom = market.store("Loom Tees")
    stand = market.product(acme, "Walnut headphone stand", [("39.00", 10, {})])[0]
    tee = market.product(loom, "Organic Tee", [("20.00", 10, {"Size": "M"})])[0]
    return stand, tee


def shown(response) -> str:
    return html.unescape(main_of(response.get_data(as_text=True)))


def buy(shopper_, *items, email=None):
    for item in items:
        shopper_.add(item, 1)
    kwargs = {} if email is False else {"email": email or "grace@shopper.example"}
    return placed_number(shopper_.checkout(**kwargs))


def guest_link(storefront, number: str) -> str:
    body = sql(storefront, "SELECT body_text FROM outbound_email WHERE subject LIKE :s", s=f"%{number}%")[0][0]
    return re.search(r"http://[^\s]+/orders/view/[^\s]+", body).group(0).split("localhost", 1)[-1]


def test_a_customer_sees_their_orders_newest_first_and_each_stores_part(storefront, customer, items):
    stand, tee = items
    ada = customer("ada@shopper.example")
    first = buy(ada, stand, email=False)
    second = buy(ada, stand, tee, email=False)

    history = shown(ada.client.get("/orders"))
    assert history.index(second) < history.index(first)
    assert "Placed" in history
    page = shown(ada.client.get(f"/orders/{second}"))
    assert f"Order {second}" in page
    assert "From Acme Audio" in page and "From Loom Tees" in page
    assert "Back to your orders" in page and "Cancel this order" in page


def test_another_customers_order_is_not_found(storefront, customer, items):
    stand, _ = items
    ada = customer("ada@shopper.example")
    number = buy(ada, stand, email=False)
    bob = customer("bob@shopper.example")

    assert bob.client.get(f"/orders/{number}").status_code == 404
    assert bob.client.get(f"/orders/{number}/cancel").status_code == 404
    assert bob.client.post(f"/orders/{number}/cancel").status_code in (400, 404)  # no CSRF token, or not found
    assert number not in shown(bob.client.get("/orders"))


def test_orders_pages_need_sign_in(storefront, shopper):
    response = shopper().client.get("/orders")
    assert response.status_code == 302 and "/account/signin" in response.headers["Location"]


def test_a_guest_follows_the_order_with_the_signed_link_and_a_tampered_one_is_not_found(storefront, shopper, items):
    stand, _ = items
    number = buy(shopper(), stand)
    link = guest_link(storefront, number)

    stranger = shopper().client  # the link works in any browser: it is the guest's key to the order
    assert number in shown(stranger.get(link))
    tampered = link[:-3] + ("aaa" if not link.endswith("aaa") else "bbb")
    response = stranger.get(tampered)
    assert response.status_code == 404
    assert "This order link does not work" in shown(response)


def test_an_expired_guest_link_is_not_found(storefront, shopper, items, monkeypatch):
    stand, _ = items
    number = buy(shopper(), stand)
    order_id = order_row(storefront, number).id
    serializer = URLSafeTimedSerializer(storefront.config["SECRET_KEY"], salt=GUEST_LINK_SALT)
    monkeypatch.setattr(time, "time", lambda: 1_000_000_000.0)  # long ago: more than 90 days
    old_token = serializer.dumps(order_id)
    monkeypatch.undo()

    assert shopper().client.get(f"/orders/view/{old_token}").status_code == 404
    assert shopper().client.get(f"/orders/view/{serializer.dumps(order_id)}").status_code == 200


def test_cancelling_before_shipment_asks_first_then_refunds_in_full(platform, storefront, customer, items):
    stand, tee = items
    ada = customer("ada@shopper.example")
    number = buy(ada, stand, tee, email=False)
    order = order_row(storefront, number)

    confirm = ada.client.get(f"/orders/{number}/cancel")
    assert confirm.status_code == 200
    assert "Cancel order and refund €68.80" in shown(confirm)  # 39 + 20 + 2 x 4.90 shipping
    token = re.search(r'name="csrf_token" value="([^"]+)"', confirm.get_data(as_text=True)).group(1)
    done = ada.client.post(f"/orders/{number}/cancel", data={"csrf_token": token}, follow_redirects=True)

    assert f"Order {number} is cancelled. We refunded €68.80 to your card." in html.unescape(
        done.get_data(as_text=True)
    )
    row = order_row(storefront, number)
    assert row.status == "cancelled" and row.refunded_total == Decimal("68.80")
    refunds = sql(storefront, "SELECT id, amount, actor FROM refund")
    assert [tuple(r) for r in refunds] == [
        (cancel_refund_id(order.id), Decimal("68.80"), f"customer:{order.customer_id}")
    ]
    assert [e["number"] for e in outbox(storefront, "order.cancelled")] == [number]
    [refunded] = outbox(storefront, "order.refunded")
    assert refunded["amount"] == "68.80" and len(refunded["lines"]) == 2
    platform.drain()
    assert {row.status for row in sql(platform.vendor, "SELECT status FROM vendor_order")} == {"cancelled"}


def test_a_guest_can_cancel_with_the_signed_link(storefront, shopper, items):
    stand, _ = items
    number = buy(shopper(), stand)
    link = guest_link(storefront, number)
    browser = shopper().client
    confirm = browser.get(link + "/cancel")
    token = re.search(r'name="csrf_token" value="([^"]+)"', confirm.get_data(as_text=True)).group(1)
    browser.post(link + "/cancel", data={"csrf_token": token})
    assert order_row(storefront, number).status == "cancelled"


def test_after_shipment_the_order_cannot_be_cancelled(platform, storefront, customer, items):
    stand, tee = items
    ada = customer("ada@shopper.example")
    number = buy(ada, stand, tee, email=False)
    order = order_row(storefront, number)
    fulfilment(
        platform,
        {
            "order_id": order.id,
            "vendor_id": stand.vendor_id,
            "status": "shipped",
            "carrier": "DHL",
            "tracking_number": "JD0142",
            "cancelled_lines": [],
            "note": None,
            "updated_at": "2100-01-01T00:00:00+00:00",
        },
    )
    page = shown(ada.client.get(f"/orders/{number}"))
    assert "Cancel this order" not in page
    assert "Sent with DHL, tracking number JD0142" in page

    response = ada.client.get(f"/orders/{number}/cancel", follow_redirects=True)
    assert "can no longer be cancelled" in html.unescape(response.get_data(as_text=True))
    assert order_row(storefront, number).status == "placed"
    assert not sql(storefront, "SELECT 1 FROM refund")
