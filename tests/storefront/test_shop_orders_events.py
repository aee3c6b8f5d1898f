"""fulfilment.updated from the vendor portal: each store's part moves on, cancelled lines are refunded once."""

from __future__ import annotations

import html
from decimal import Decimal

import pytest

from tests.storefront.checkout_fixtures import (
    customer_fixture,  # noqa: F401 - the customer fixture
    deliver_again,
    fulfilment,
    market_fixture,  # noqa: F401 - the market fixture
    order_row,
    outbox,
    placed_number,
    sql,
)
from tests.storefront.conftest import main_of


@pytest.fixture
def order(platform, market, customer):
    """Ada's order: 2 tees from Loom Tees (€40, €4.90 shipping) and a stand from Acme Audio (€39, €4.90)."""
    acme = market.store("Acme Audio")
    loom = market.store("Loom Tees")
    stand = market.product(acme, "Walnut headphone stand", [("39.00", 10, {})])[0]
    tee = market.product(loom, "Organic Tee", [("20.00", 10, {"Size": "M"})])[0]
    ada = customer("ada@shopper.example")
    ada.add(tee, 2)
    ada.add(stand, 1)
    number = placed_number(ada.checkout(email=None))
    platform.drain()
    row = order_row(platform.storefront, number)
    lines = {r.variant_id: r.id for r in sql(platform.storefront, "SELECT id, variant_id FROM order_line")}
    return {"ada": ada, "number": number, "id": row.id, "stand": stand, "tee": tee, "lines": lines}


def update(order, item, status, *, at, cancelled=(), **extra):
    return {
        "order_id": order["id"],
        "vendor_id": item.vendor_id,
        "status": status,
        "carrier": extra.get("carrier"),
        "tracking_number": extra.get("tracking_number"),
        "cancelled_lines": [{"line_id": order["lines"][i.variant_id], "quantity": q} for i, q in cancelled],
        "note": extra.get("note"),
        "updated_at": f"2100-01-01T00:{at:02d}:00+00:00",
    }


def page_of(order) -> str:
    return html.unescape(main_of(order["ada"].client.get(f"/orders/{order['number']}").get_data(as_text=True)))


def parts(storefront):
    return {row.vendor_id: row for row in sql(storefront, "SELECT * FROM order_vendor_part")}


def test_each_part_shows_its_own_progress_and_the_order_completes_when_all_arrive(platform, storefront, order):
    stand, tee = order["stand"], order["tee"]
    fulfilment(platform, update(order, stand, "acknowledged", at=1))
    fulfilment(platform, update(order, stand, "shipped", at=2, carrier="DHL", tracking_number="JD014600"))
    page = page_of(order)
    assert "Sent with DHL, tracking number JD014600" in page
    assert parts(storefront)[stand.vendor_id].status == "shipped"
    assert parts(storefront)[tee.vendor_id].status == "placed"

    fulfilment(platform, update(order, stand, "delivered", at=3))
    assert order_row(storefront, order["number"]).status == "placed"  # Loom's part is still on its way
    fulfilment(platform, update(order, tee, "shipped", at=4, carrier="UPS", tracking_number="1Z999"))
    fulfilment(platform, update(order, tee, "delivered", at=5))
    assert order_row(storefront, order["number"]).status == "completed"
    assert "Completed" in page_of(order)


def test_an_older_update_arriving_late_does_not_set_the_part_back(platform, storefront, order):
    stand = order["stand"]
    fulfilment(platform, update(order, stand, "shipped", at=5, carrier="DHL", tracking_number="JD014600"))
    fulfilment(platform, update(order, stand, "packed", at=4))
    assert parts(storefront)[stand.vendor_id].status == "shipped"
    assert "Packed" in page_of(order)  # still on the timeline


def test_lines_cancelled_by_the_seller_are_refunded_once_even_if_the_event_comes_twice(platform, storefront, order):
    tee = order["tee"]
    event_id = fulfilment(platform, update(order, tee, "acknowledged", at=1, cancelled=[(tee, 1)], note="One torn"))

    assert deliver_again(platform, event_id) == {"status": "duplicate"}
    refunds = sql(storefront, "SELECT id, amount, actor FROM refund")
    assert [tuple(r) for r in refunds] == [(f"fulfil-{event_id}", Decimal("20.00"), f"vendor:{tee.vendor_id}")]
    row = order_row(storefront, order["number"])
    assert row.refunded_total == Decimal("20.00") and row.status == "partially_cancelled"
    line = sql(
        storefront, "SELECT cancelled_quantity, refunded_amount FROM order_line WHERE variant_id = :v", v=tee.variant_id
    )
    assert tuple(line[0]) == (1, Decimal("20.00"))
    assert "1 \N{MULTIPLICATION SIGN} Organic Tee was cancelled by the seller and refunded (€20.00)." in page_of(order)
    [event] = outbox(storefront, "order.refunded")
    assert event["lines"] == [{"line_id": order["lines"][tee.variant_id], "amount": "20.00"}]


def test_a_part_cancelled_by_its_store_refunds_its_lines_and_shipping(platform, storefront, order):
    tee, stand = order["tee"], order["stand"]
    fulfilment(platform, update(order, tee, "cancelled", at=1, cancelled=[(tee, 2)]))
    row = order_row(storefront, order["number"])
    assert row.refunded_total == Decimal("44.90")  # 2 x €20 and the part's €4.90 shipping
    assert row.status == "partially_cancelled"

    fulfilment(platform, update(order, stand, "shipped", at=2, carrier="DHL", tracking_number="JD014600"))
    fulfilment(platform, update(order, stand, "delivered", at=3))
    assert order_row(storefront, order["number"]).status == "completed"


def test_every_part_cancelled_cancels_the_order(platform, storefront, order):
    tee, stand = order["tee"], order["stand"]
    fulfilment(platform, update(order, tee, "cancelled", at=1, cancelled=[(tee, 2)]))
    fulfilment(platform, update(order, stand, "cancelled", at=2, cancelled=[(stand, 1)]))
    row = order_row(storefront, order["number"])
    assert row.status == "cancelled"
    assert row.refunded_total == row.total == Decimal("88.80")
    assert [e["number"] for e in outbox(storefront, "order.cancelled")] == [order["number"]]


def test_an_update_for_an_unknown_order_is_refused_so_the_relay_retries(platform, storefront, order):
    data = update(order, order["stand"], "shipped", at=1)
    data["order_id"] = "00000000-0000-4000-8000-000000000000"
    fulfilment(platform, data)
    [delivery] = sql(
        platform.vendor,
        "SELECT d.status, d.last_error FROM outbox_delivery d JOIN outbox_event e ON e.id = d.event_id "
        "WHERE e.type = 'fulfilment.updated' AND d.subscriber = 'storefront'",
    )
    assert delivery.status == "pending"  # retried with backoff, then dead-lettered where staff see it
    assert "is not known here" in delivery.last_error
