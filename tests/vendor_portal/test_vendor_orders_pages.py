"""A store's order pages: the list with status tabs, search and sort; the fulfilment steps the shop hears
about; cancelling items with a confirmation, stock put back; and no reach into another store's orders."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.conftest import csrf_from
from tests.vendor_portal.orders_fixtures import (
    fulfilment_events,
    make_item_fixture,  # noqa: F401 - the make_item fixture
    open_order,
    place_order_fixture,  # noqa: F401 - the place_order fixture
    press_step,
    sql,
    stock_on_hand,
    vendor_order_ids,
)


@pytest.fixture
def shop(vendor, make_store, make_item, place_order):
    """An approved store with one order of two lines (2 stands, 1 cable) and its vendor order id."""
    store = make_store("approved")
    stand = make_item(store, title="Walnut stand", price="39.00", stock=5, options={"Finish": "Oiled"})
    cable = make_item(store, title="Braided cable", price="12.50", stock=5)
    order = place_order([(stand, 2), (cable, 1)], number="MP-240017")
    return store, order, vendor_order_ids(vendor, order.order_id)[store.vendor_id], stand, cable


def status_of(vendor, vendor_order_id):
    return sql(vendor, "SELECT status FROM vendor_order WHERE id = :id", id=vendor_order_id)[0][0]


def order_numbers(html):
    import re

    return re.findall(r'<th scope="row"><a href="/orders/\d+">([^<]+)</a>', html)


def test_a_store_without_orders_sees_an_empty_list_that_says_so(make_store):
    html = make_store("approved").client.get("/orders").get_data(as_text=True)
    assert "No orders yet" in html and html.count("<h1") == 1


def test_the_order_page_shows_lines_address_and_the_next_step(shop):
    store, _, part_id, *_ = shop
    html = open_order(store, part_id)
    assert "Order MP-240017" in html and html.count("<h1") == 1
    assert "Walnut stand" in html and "Finish: Oiled" in html and "Braided cable" in html
    assert "90.50 EUR" in html  # 2 x 39.00 + 12.50
    assert "1 Harbour Road" in html and "Grace Hopper" in html
    assert "Acknowledge the order" in html and 'href="/orders"' in html


def test_a_store_takes_an_order_from_placed_to_delivered_and_the_shop_hears_each_step(platform, vendor, shop):
    store, order, part_id, *_ = shop
    for step in ("acknowledge", "pack"):
        assert press_step(store, part_id, step).status_code == 302
    response = press_step(
        store, part_id, "ship", {"carrier": "other", "carrier_other": "Bike courier", "tracking_number": "AB-1234"}
    )
    assert response.status_code == 302
    assert press_step(store, part_id, "deliver").status_code == 302

    updates = fulfilment_events(vendor)
    assert [u["status"] for u in updates] == ["acknowledged", "packed", "shipped", "delivered"]
    shipped = updates[2]
    assert {k: shipped[k] for k in ("order_id", "vendor_id", "carrier", "tracking_number", "cancelled_lines")} == {
        "order_id": order.order_id,
        "vendor_id": store.vendor_id,
        "carrier": "Bike courier",
        "tracking_number": "AB-1234",
        "cancelled_lines": [],
    }
    html = open_order(store, part_id)
    assert "Delivered" in html and "Bike courier, tracking number AB-1234" in html

    platform.drain()
    statuses = sql(
        vendor,
        "SELECT DISTINCT d.status FROM outbox_delivery d JOIN outbox_event e ON e.id = d.event_id "
        "WHERE e.type = 'fulfilment.updated' AND d.subscriber = 'admin_portal'",
    )
    assert [row[0] for row in statuses] == ["delivered"]
    # admin_portal follows every step (the storefront, which never had this event-only order, retries them).
    received = sql(
        platform.admin,
        "SELECT count(*) FROM inbox_event WHERE type = 'fulfilment.updated' AND source = 'vendor_portal'",
    )
    assert received[0][0] == 4


@pytest.mark.parametrize(
    ("fields", "field_id", "message"),
    [
        ({"carrier": "", "tracking_number": "JD0001"}, "carrier", "Choose the carrier."),
        ({"carrier": "DHL", "tracking_number": ""}, "tracking_number", "Enter the tracking number."),
        ({"carrier": "DHL", "tracking_number": "AB1"}, "tracking_number", "Use 4 to 40 characters."),
        ({"carrier": "DHL", "tracking_number": "A" * 41}, "tracking_number", "Use 4 to 40 characters."),
        ({"carrier": "DHL", "tracking_number": "AB 12<34"}, "tracking_number", "Use only letters, digits and dashes."),
        (
            {"carrier": "other", "carrier_other": "", "tracking_number": "JD0001"},
            "carrier_other",
            "Enter the carrier's name.",
        ),
        ({"carrier": "Pigeon", "tracking_number": "JD0001"}, "carrier", "Not a valid choice"),
    ],
)
def test_a_bad_shipping_form_explains_the_field_and_keeps_what_was_typed(vendor, shop, fields, field_id, message):
    store, _, part_id, *_ = shop
    press_step(store, part_id, "acknowledge")
    press_step(store, part_id, "pack")

    response = press_step(store, part_id, "ship", fields)

    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert f'id="{field_id}-error"' in html and message.replace("'", "&#39;") in html
    if fields["tracking_number"]:
        assert f'value="{fields["tracking_number"]}"'.replace("<", "&lt;") in html
    assert status_of(vendor, part_id) == "packed"
    assert [u["status"] for u in fulfilment_events(vendor)] == ["acknowledged", "packed"]


def test_a_step_out_of_order_is_refused_with_a_clear_message(vendor, shop):
    store, _, part_id, *_ = shop
    for step in ("acknowledge", "pack"):
        press_step(store, part_id, step)
    press_step(store, part_id, "ship", {"carrier": "UPS", "tracking_number": "1Z999"})
    press_step(store, part_id, "deliver")

    response = press_step(store, part_id, "pack")

    assert response.status_code == 302
    html = store.client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Order MP-240017 is delivered; it cannot be marked as packed." in html
    assert status_of(vendor, part_id) == "delivered"
    assert [u["status"] for u in fulfilment_events(vendor)][-1] == "delivered"


def test_shipping_before_packing_is_refused(vendor, shop):
    store, _, part_id, *_ = shop
    response = press_step(store, part_id, "ship", {"carrier": "UPS", "tracking_number": "1Z999"})
    html = store.client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Order MP-240017 is placed; it cannot be shipped." in html
    assert status_of(vendor, part_id) == "placed" and fulfilment_events(vendor) == []


def cancel(store, part_id, quantities, *, note="", step="review"):
    page = store.client.get(f"/orders/{part_id}")
    data = {f"line_{line_pk}": q for line_pk, q in quantities.items()}
    return store.client.post(
        f"/orders/{part_id}/cancel",
        data={**data, "note": note, "step": step, "csrf_token": csrf_from(page.get_data(as_text=True))},
    )


def line_pks(vendor, part_id):
    return [
        row[0]
        for row in sql(vendor, "SELECT id FROM vendor_order_line WHERE vendor_order_id = :p ORDER BY id", p=part_id)
    ]


def test_cancelling_a_line_asks_for_confirmation_first_and_changes_nothing_until_then(vendor, shop):
    store, _, part_id, stand, _ = shop
    stand_line, cable_line = line_pks(vendor, part_id)

    response = cancel(store, part_id, {stand_line: 1, cable_line: 0}, note="Out of walnut")

    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert (
        "Cancel these items of order MP-240017?" in html
        and "1 \N{MULTIPLICATION SIGN} Walnut stand (Finish: Oiled)" in html
    )
    assert "Yes, cancel these items" in html and "Out of walnut" in html
    # "Change the quantities" goes back to the form with what was entered.
    html = cancel(store, part_id, {stand_line: 1, cable_line: 0}, note="Out of walnut", step="edit").get_data(
        as_text=True
    )
    assert f'id="line_{stand_line}"' in html and 'value="1"' in html and "Out of walnut</textarea>" in html
    assert stock_on_hand(vendor, stand.variant_id) == 5 and fulfilment_events(vendor) == []


def test_cancelling_a_line_puts_its_stock_back_and_tells_the_shop_which_units(vendor, shop):
    store, order, part_id, stand, cable = shop
    stand_line, cable_line = line_pks(vendor, part_id)

    response = cancel(store, part_id, {stand_line: 1, cable_line: 0}, note="Out of walnut", step="confirm")

    assert response.status_code == 302
    assert stock_on_hand(vendor, stand.variant_id) == 6 and stock_on_hand(vendor, cable.variant_id) == 5
    history = sql(vendor, "SELECT variant_id, delta, reason, note FROM stock_adjustment")
    assert [tuple(row) for row in history] == [(stand.variant_id, 1, "cancelled", "Order MP-240017")]
    (update,) = fulfilment_events(vendor)
    assert (update["status"], update["cancelled_lines"], update["note"]) == (
        "placed",
        [{"line_id": order.line_id(stand), "quantity": 1}],
        "Out of walnut",
    )
    assert status_of(vendor, part_id) == "placed"
    html = store.client.get(response.headers["Location"]).get_data(as_text=True)
    assert "1 item of order MP-240017 cancelled and back in stock." in html
    assert "Cancelled 1 \N{MULTIPLICATION SIGN} Walnut stand (Finish: Oiled): Out of walnut" in html


def test_cancelling_every_remaining_unit_cancels_the_order(vendor, shop):
    store, order, part_id, stand, cable = shop
    stand_line, cable_line = line_pks(vendor, part_id)
    cancel(store, part_id, {stand_line: 1, cable_line: 0}, step="confirm")

    page = store.client.get(f"/orders/{part_id}/cancel?all=1").get_data(as_text=True)
    assert f'name="line_{stand_line}"' in page and 'value="1"' in page
    response = cancel(store, part_id, {stand_line: 1, cable_line: 1}, step="confirm")

    assert response.status_code == 302 and status_of(vendor, part_id) == "cancelled"
    last = fulfilment_events(vendor)[-1]
    assert last["status"] == "cancelled"
    assert last["cancelled_lines"] == [
        {"line_id": order.line_id(stand), "quantity": 1},
        {"line_id": order.line_id(cable), "quantity": 1},
    ]
    assert stock_on_hand(vendor, stand.variant_id) == 7 and stock_on_hand(vendor, cable.variant_id) == 6
    response = store.client.get(f"/orders/{part_id}/cancel")
    assert response.status_code == 302  # nothing left to cancel: back to the order, which says why


@pytest.mark.parametrize(
    ("quantities", "message"),
    [
        ({0: 0, 1: 0}, "Enter a quantity to cancel for at least one item."),
        ({0: 3, 1: 0}, "Enter a number from 0 to 2."),
        ({0: -1, 1: 0}, "Enter a number from 0 to 2."),
        ({0: "two", 1: 0}, "Enter a whole number, like 1."),
        ({0: "", 1: 1}, "Enter how many to cancel, or 0 to send them all."),
    ],
)
def test_a_bad_cancellation_is_explained_and_changes_nothing(vendor, shop, quantities, message):
    store, _, part_id, stand, _ = shop
    pks = line_pks(vendor, part_id)
    response = cancel(store, part_id, {pks[i]: q for i, q in quantities.items()}, step="confirm")

    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert stock_on_hand(vendor, stand.variant_id) == 5 and fulfilment_events(vendor) == []


def test_a_shipped_order_cannot_be_cancelled(vendor, shop):
    store, _, part_id, *_ = shop
    for step in ("acknowledge", "pack"):
        press_step(store, part_id, step)
    press_step(store, part_id, "ship", {"carrier": "UPS", "tracking_number": "1Z999"})
    stand_line, _ = line_pks(vendor, part_id)

    response = cancel(store, part_id, {stand_line: 1}, step="confirm")

    assert response.status_code == 302
    assert "it can no longer be cancelled" in store.client.get(response.headers["Location"]).get_data(as_text=True)
    assert status_of(vendor, part_id) == "shipped"


ROUTES_WITH_AN_ID = [
    ("get", "/orders/{id}"),
    ("post", "/orders/{id}/acknowledge"),
    ("post", "/orders/{id}/pack"),
    ("post", "/orders/{id}/ship"),
    ("post", "/orders/{id}/deliver"),
    ("get", "/orders/{id}/cancel"),
    ("post", "/orders/{id}/cancel"),
]


@pytest.mark.parametrize(("method", "path"), ROUTES_WITH_AN_ID)
def test_another_stores_order_is_not_found_on_every_route(vendor, make_store, shop, method, path):
    _, _, part_id, *_ = shop
    intruder = make_store("approved")
    token = csrf_from(intruder.client.get("/orders").get_data(as_text=True))
    url = path.format(id=part_id)
    data = {"csrf_token": token, "carrier": "DHL", "tracking_number": "JD0001", "step": "confirm"}

    response = intruder.client.get(url) if method == "get" else intruder.client.post(url, data=data)

    assert response.status_code == 404
    assert status_of(vendor, part_id) == "placed" and fulfilment_events(vendor) == []


@pytest.mark.parametrize(("method", "path"), [*ROUTES_WITH_AN_ID, ("get", "/orders")])
def test_order_pages_need_a_signed_in_store(vendor, method, path):
    client = vendor.test_client()
    response = getattr(client, method)(path.format(id=1))
    assert response.status_code in (302, 400)  # to sign-in (GET) or refused for want of a CSRF token (POST)
    if response.status_code == 302:
        assert "/account/signin" in response.headers["Location"]


@pytest.fixture
def many_orders(vendor, make_store, make_item, place_order):
    store = make_store("approved")
    item = make_item(store, price="10.00", stock=100)
    now = datetime.now(UTC)
    numbers = []
    for n in range(1, 24):
        order = place_order([(item, n)], number=f"MP-1{n:02d}", placed_at=now - timedelta(hours=n))
        numbers.append(order.number)
    return store, numbers


def test_the_list_is_newest_first_and_pages_through_every_order(many_orders):
    store, numbers = many_orders
    first = store.client.get("/orders").get_data(as_text=True)
    second = store.client.get("/orders?page=2").get_data(as_text=True)
    assert order_numbers(first) == numbers[:20] and order_numbers(second) == numbers[20:]
    assert "Showing 1\N{EN DASH}20 of 23" in first


def test_the_list_sorts_by_total(many_orders):
    store, _ = many_orders
    html = store.client.get("/orders?sort=total&dir=desc").get_data(as_text=True)
    assert order_numbers(html)[:3] == ["MP-123", "MP-122", "MP-121"]
    html = store.client.get("/orders?sort=total&dir=asc").get_data(as_text=True)
    assert order_numbers(html)[:3] == ["MP-101", "MP-102", "MP-103"]


def test_the_list_filters_by_status_and_searches_by_number(vendor, many_orders):
    store, _ = many_orders
    target = sql(vendor, "SELECT id FROM vendor_order WHERE number = 'MP-105'")[0][0]
    press_step(store, target, "acknowledge")

    html = store.client.get("/orders?status=acknowledged").get_data(as_text=True)
    assert order_numbers(html) == ["MP-105"] and "Acknowledged (1)" in html
    assert order_numbers(store.client.get("/orders?status=placed").get_data(as_text=True))[0] == "MP-101"
    assert order_numbers(store.client.get("/orders?q=mp-11").get_data(as_text=True)) == [
        f"MP-1{n}" for n in range(10, 20)
    ]
    assert order_numbers(store.client.get("/orders?q=105&status=placed").get_data(as_text=True)) == []
    html = store.client.get("/orders?q=%25_").get_data(as_text=True)  # LIKE wildcards are searched as text
    assert "No matching orders" in html


def test_a_store_only_lists_its_own_orders(vendor, make_store, make_item, place_order, many_orders):
    store, _ = many_orders
    other = make_store("approved")
    place_order([(make_item(other), 1)], number="MP-999")
    assert order_numbers(store.client.get("/orders?q=MP-999").get_data(as_text=True)) == []
    assert order_numbers(other.client.get("/orders").get_data(as_text=True)) == ["MP-999"]


def test_the_shipping_form_appears_once_the_parcel_is_packed(shop):
    store, _, part_id, *_ = shop
    assert 'name="tracking_number"' not in open_order(store, part_id)
    press_step(store, part_id, "acknowledge")
    press_step(store, part_id, "pack")
    html = open_order(store, part_id)
    assert 'name="tracking_number"' in html and '<label class="field-label" for="carrier">' in html
