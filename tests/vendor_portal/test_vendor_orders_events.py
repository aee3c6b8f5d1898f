"""The shop's order events as the vendor portal takes them in: one part per store with only its lines,
exactly once, cancellations that put stock back, refunds credited to the right store, and retries for
events that arrive before the order or name a product this portal does not have."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest
import sqlalchemy as sa

from common_core.errors import PeerError
from tests.vendor_portal.orders_fixtures import (
    SHIPPING,
    deliver,
    deliveries,
    fulfilment_events,
    inbox_status,
    make_item_fixture,  # noqa: F401 - the make_item fixture
    place_order_fixture,  # noqa: F401 - the place_order fixture
    press_step,
    record,
    shop_events_fixture,  # noqa: F401 - the shop_events fixture
    sql,
    stock_on_hand,
    vendor_order_ids,
)
from vendor_portal.orders import operations as vendor_operations


def parts(app, order_id):
    return sql(
        app,
        "SELECT vendor_id, number, status, currency, subtotal, refunded_total, shipping_name, shipping_address "
        "FROM vendor_order WHERE order_id = :o ORDER BY vendor_id",
        o=order_id,
    )


def lines_of(app, order_id, vendor_id):
    return sql(
        app,
        "SELECT l.sku, l.quantity, l.unit_price, l.line_total, l.cancelled_quantity FROM vendor_order_line l "
        "JOIN vendor_order o ON o.id = l.vendor_order_id WHERE o.order_id = :o AND o.vendor_id = :v ORDER BY l.id",
        o=order_id,
        v=vendor_id,
    )


def test_an_order_with_two_stores_lines_becomes_one_part_per_store_with_only_its_lines(
    vendor, make_store, make_item, place_order
):
    acme, brio = make_store("approved"), make_store("approved")
    stand = make_item(acme, title="Walnut stand", price="39.00")
    cable = make_item(acme, title="Braided cable", price="12.50", options={"Length": "2 m"})
    mug = make_item(brio, title="Stoneware mug", price="18.00")

    order = place_order([(stand, 1), (cable, 2), (mug, 3)])

    acme_part, brio_part = parts(vendor, order.order_id)
    assert (acme_part.vendor_id, acme_part.number, acme_part.status) == (acme.vendor_id, order.number, "placed")
    assert acme_part.subtotal == Decimal("64.00") and acme_part.currency == "EUR"
    assert [line.sku for line in lines_of(vendor, order.order_id, acme.vendor_id)] == [stand.sku, cable.sku]
    assert brio_part.subtotal == Decimal("54.00")
    assert [(line.sku, line.quantity) for line in lines_of(vendor, order.order_id, brio.vendor_id)] == [(mug.sku, 3)]
    timeline = sql(vendor, "SELECT status, actor FROM vendor_order_event ORDER BY id")
    assert [tuple(row) for row in timeline] == [("placed", "storefront"), ("placed", "storefront")]


def test_a_part_keeps_only_what_shipping_needs_and_nothing_of_the_buyers_account_or_payment(
    vendor, make_store, make_item, place_order
):
    store = make_store("approved")
    item = make_item(store)
    order = place_order([(item, 1)], shipping={**SHIPPING, "card_last4": "4242", "phone": "+1 555 0100"})

    (part,) = parts(vendor, order.order_id)
    assert part.shipping_name == "Grace Hopper"
    assert part.shipping_address == {key: SHIPPING[key] for key in ("line1", "line2", "city", "postcode", "country")}
    stored = str(sql(vendor, "SELECT row_to_json(o)::text FROM vendor_order o")[0][0])
    stored += str(sql(vendor, "SELECT json_agg(l)::text FROM vendor_order_line l")[0][0])
    for secret in ("grace@shopper.example", "4242", "555 0100", "customer"):
        assert secret not in stored
    html = store.client.get(f"/orders/{vendor_order_ids(vendor, order.order_id)[store.vendor_id]}").get_data(
        as_text=True
    )
    assert "grace@shopper.example" not in html and "1 Harbour Road" in html


def test_a_repeated_order_placed_creates_nothing_more(platform, vendor, make_store, make_item, place_order):
    store = make_store("approved")
    item = make_item(store)
    order = place_order([(item, 2)])

    # The same event delivered again is a duplicate in the inbox...
    response = deliver(platform, "order.placed", order.data, order.event_id)
    assert response == "duplicate"
    # ...and another event about the same order (a re-publish) finds the part already there.
    record(platform, "order.placed", order.data)
    platform.drain()

    assert len(parts(vendor, order.order_id)) == 1
    assert len(lines_of(vendor, order.order_id, store.vendor_id)) == 1
    assert sql(vendor, "SELECT count(*) FROM vendor_order_event")[0][0] == 1


def test_a_part_another_event_made_meanwhile_is_skipped_and_the_rest_of_the_transaction_stands(
    vendor, make_store, make_item, place_order, monkeypatch
):
    store = make_store("approved")
    item = make_item(store)
    order = place_order([(item, 2)])
    # As if a re-publish of the order committed its part after this event looked for one.
    monkeypatch.setattr(vendor_operations, "vendors_with_part", lambda order_id: set())

    with vendor.app_context():
        session = vendor.extensions["sqlalchemy"].session
        assert vendor_operations.record_placed_order(order.data) == []
        session.execute(sa.text("INSERT INTO internal_nonce (nonce, caller) VALUES ('after-the-clash', 'test')"))
        session.commit()  # the clash was rolled back to its savepoint, not the whole transaction

    assert len(parts(vendor, order.order_id)) == 1
    assert sql(vendor, "SELECT count(*) FROM vendor_order_event")[0][0] == 1
    assert sql(vendor, "SELECT caller FROM internal_nonce WHERE nonce = 'after-the-clash'")[0][0] == "test"


def test_an_order_naming_an_unknown_product_is_refused_and_retried_not_half_applied(
    platform, vendor, make_store, make_item, place_order
):
    store = make_store("approved")
    item = make_item(store)
    order = place_order([(item, 1)], publish=False)
    order.data["lines"].append({**order.data["lines"][0], "line_id": "x-2", "product_id": 999999, "variant_id": 999999})
    event_id = record(platform, "order.placed", order.data)
    platform.drain()

    assert parts(vendor, order.order_id) == []  # nothing of the order, not even the known line
    assert not inbox_status(vendor, event_id)  # so the relay delivers it again later
    rows = sql(
        platform.storefront,
        "SELECT d.status, d.attempts, d.last_error FROM outbox_delivery d "
        "WHERE d.event_id = :e AND d.subscriber = 'vendor_portal'",
        e=event_id,
    )
    assert rows[0].status == "pending" and rows[0].attempts >= 1
    assert "999999" in rows[0].last_error


@pytest.mark.parametrize(
    ("drift", "said"),
    [
        ("another product's variant", "is not in the vendor portal"),
        ("another store", "but product"),
    ],
)
def test_a_line_whose_variant_product_or_store_do_not_belong_together_is_refused_and_retried(
    platform, vendor, make_store, make_item, place_order, drift, said
):
    store, other_store = make_store("approved"), make_store("approved")
    item, other = make_item(store), make_item(other_store)
    order = place_order([(item, 1), (other, 1)], publish=False)
    if drift == "another product's variant":
        order.data["lines"][1]["product_id"] = item.product_id  # other's variant, said to be of item's product
    else:
        order.data["lines"][1]["vendor_id"] = store.vendor_id  # other's product, said to be sold by store
    event_id = record(platform, "order.placed", order.data)
    platform.drain()

    assert parts(vendor, order.order_id) == []  # neither store gets a part of an order that does not add up
    assert not inbox_status(vendor, event_id)
    error = sql(
        platform.storefront,
        "SELECT last_error FROM outbox_delivery WHERE event_id = :e AND subscriber = 'vendor_portal'",
        e=event_id,
    )[0][0]
    assert said in error


def test_the_shop_cancelling_an_order_cancels_unsent_parts_and_puts_their_stock_back(
    vendor, make_store, make_item, place_order, shop_events
):
    acme, brio = make_store("approved"), make_store("approved")
    stand = make_item(acme, stock=5)
    mug = make_item(brio, stock=5)
    order = place_order([(stand, 2), (mug, 1)])
    brio_order = vendor_order_ids(vendor, order.order_id)[brio.vendor_id]
    for step in ("acknowledge", "pack"):
        press_step(brio, brio_order, step)
    press_step(brio, brio_order, "ship", {"carrier": "DHL", "tracking_number": "JD0001"})

    shop_events("order.cancelled", {"order_id": order.order_id, "number": order.number, "reason": "Shopper asked"})

    acme_part, brio_part = parts(vendor, order.order_id)
    assert acme_part.status == "cancelled"
    assert [line.cancelled_quantity for line in lines_of(vendor, order.order_id, acme.vendor_id)] == [2]
    assert stock_on_hand(vendor, stand.variant_id) == 7
    assert brio_part.status == "shipped" and stock_on_hand(vendor, mug.variant_id) == 5
    adjustments = sql(vendor, "SELECT variant_id, delta, reason FROM stock_adjustment")
    assert [tuple(row) for row in adjustments] == [(stand.variant_id, 2, "cancelled")]
    cancelled = [e for e in fulfilment_events(vendor) if e["status"] == "cancelled"]
    # The shop asked for it: it is told the part is cancelled, with no lines to refund a second time.
    assert cancelled == [
        {
            "order_id": order.order_id,
            "vendor_id": acme.vendor_id,
            "status": "cancelled",
            "carrier": None,
            "tracking_number": None,
            "cancelled_lines": [],
            "note": "Shopper asked",
            "updated_at": cancelled[0]["updated_at"],
        }
    ]


def test_the_shop_cancelling_some_lines_cancels_only_those_units(
    vendor, make_store, make_item, place_order, shop_events
):
    store = make_store("approved")
    stand, cable = make_item(store, stock=1), make_item(store, stock=1)
    order = place_order([(stand, 3), (cable, 1)])

    shop_events(
        "order.cancelled",
        {
            "order_id": order.order_id,
            "number": order.number,
            "lines": [{"line_id": order.line_id(stand), "quantity": 2}],
        },
    )

    (part,) = parts(vendor, order.order_id)
    assert part.status == "placed"
    assert [line.cancelled_quantity for line in lines_of(vendor, order.order_id, store.vendor_id)] == [2, 0]
    assert stock_on_hand(vendor, stand.variant_id) == 3


def test_the_shop_cancelling_a_line_this_portal_does_not_have_is_refused_and_retried(
    platform, vendor, make_store, make_item, place_order
):
    store = make_store("approved")
    item = make_item(store, stock=4)
    order = place_order([(item, 2)])
    data = {"order_id": order.order_id, "number": order.number, "lines": [{"line_id": "nope", "quantity": 1}]}

    event_id = record(platform, "order.cancelled", data)
    platform.drain()

    assert not inbox_status(vendor, event_id)
    assert parts(vendor, order.order_id)[0].status == "placed" and stock_on_hand(vendor, item.variant_id) == 4


def test_a_cancellation_arriving_before_its_order_is_refused_until_the_order_is_there(
    platform, vendor, make_store, make_item, place_order
):
    store = make_store("approved")
    item = make_item(store, stock=4)
    order = place_order([(item, 1)], deliver=False)  # order.placed still waits in the shop's outbox
    cancellation, cancel_id = {"order_id": order.order_id, "number": order.number}, uuid.uuid4()

    with pytest.raises(PeerError) as refused:
        deliver(platform, "order.cancelled", cancellation, cancel_id)  # as the relay would, ahead of the order
    assert refused.value.status == 404 and not inbox_status(vendor, cancel_id)

    platform.drain()  # order.placed arrives
    assert deliver(platform, "order.cancelled", cancellation, cancel_id) == "applied"  # the relay's retry

    (part,) = parts(vendor, order.order_id)
    assert part.status == "cancelled" and stock_on_hand(vendor, item.variant_id) == 5


def test_a_refund_of_some_lines_is_added_to_the_refunded_total_of_their_stores(
    vendor, make_store, make_item, place_order, shop_events
):
    acme, brio = make_store("approved"), make_store("approved")
    stand, mug = make_item(acme, price="30.00"), make_item(brio, price="10.00")
    order = place_order([(stand, 2), (mug, 1)])

    shop_events(
        "order.refunded",
        {
            "order_id": order.order_id,
            "number": order.number,
            "refund_id": "R-1",
            "amount": "15.00",
            "currency": "EUR",
            "reason": "Scratched",
            "lines": [{"line_id": order.line_id(stand), "amount": "15.00"}],
        },
    )

    acme_part, brio_part = parts(vendor, order.order_id)
    assert acme_part.refunded_total == Decimal("15.00") and brio_part.refunded_total == Decimal("0.00")
    notes = sql(vendor, "SELECT status, note FROM vendor_order_event WHERE status = 'refunded'")
    assert [tuple(row) for row in notes] == [("refunded", "Refunded 15.00 EUR: Scratched")]


def test_a_whole_order_refund_is_shared_over_the_stores_by_what_each_sold(
    vendor, make_store, make_item, place_order, shop_events
):
    acme, brio = make_store("approved"), make_store("approved")
    stand, mug = make_item(acme, price="30.00"), make_item(brio, price="10.00")
    order = place_order([(stand, 1), (mug, 1)])

    shop_events(
        "order.refunded",
        {"order_id": order.order_id, "number": order.number, "refund_id": "R-2", "amount": "20.00", "currency": "EUR"},
    )

    acme_part, brio_part = parts(vendor, order.order_id)
    assert (acme_part.refunded_total, brio_part.refunded_total) == (Decimal("15.00"), Decimal("5.00"))


def test_fulfilment_updates_reach_the_shop(platform, vendor, make_store, make_item, place_order):
    store = make_store("approved")
    order = place_order([(make_item(store), 1)])
    press_step(store, vendor_order_ids(vendor, order.order_id)[store.vendor_id], "acknowledge")

    platform.drain()

    # The order was only announced by event here; the storefront, which owns orders, has no such order and
    # refuses the update so its relay retries it, while admin's read model takes it at once.
    assert deliveries(vendor, "fulfilment.updated") == [("admin_portal", "delivered"), ("storefront", "pending")]
