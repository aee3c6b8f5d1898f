"""A guest's whole purchase without JavaScript: search, cart, checkout, confirmation, and the vendor portal's parts."""

from __future__ import annotations

from decimal import Decimal

import pytest

from common_core import contracts
from tests.storefront.checkout_fixtures import (
    CVC,
    customer_fixture,  # noqa: F401 - the customer fixture
    market_fixture,  # noqa: F401 - the market fixture
    order_row,
    outbox,
    placed_number,
    shopper_fixture,  # noqa: F401 - the shopper fixture
    sql,
)
from tests.storefront.conftest import counting_statements, main_of


@pytest.fixture
def two_stores(market):
    acme = market.store("Acme Audio")
    loom = market.store("Loom Tees")
    tees = market.product(
        loom,
        "Organic Tee",
        [("20.00", 10, {"Size": "M"}), ("22.00", 10, {"Size": "L"})],
    )
    stand = market.product(acme, "Walnut headphone stand", [("39.00", 5, {})])
    return tees, stand[0]


def test_guest_buys_from_two_stores_and_each_store_gets_its_part(platform, storefront, vendor, shopper, two_stores):
    (tee_m, tee_l), stand = two_stores
    guest = shopper()
    results = main_of(guest.client.get("/search?q=tee").get_data(as_text=True))
    assert "Organic Tee" in results

    assert guest.add(tee_m, 2).status_code == 303
    assert guest.add(tee_l, 1).status_code == 303
    assert guest.add(stand, 1).status_code == 303
    cart = main_of(guest.cart())
    assert "Loom Tees" in cart and "Acme Audio" in cart
    assert "Subtotal from Loom Tees: <strong>€62.00</strong>" in cart  # 2 x 20 + 22
    assert "Subtotal from Acme Audio: <strong>€39.00</strong>" in cart

    response = guest.checkout()
    number = placed_number(response)
    with counting_statements(storefront) as statements:
        confirmation = guest.client.get(response.headers["Location"])
    page = main_of(confirmation.get_data(as_text=True))
    assert confirmation.status_code == 200
    assert f"<strong>{number}</strong>" in page
    assert "From Loom Tees" in page and "From Acme Audio" in page
    assert page.count("Organic Tee") == 2 and "Walnut headphone stand" in page and "4242" in page
    # The order with its stores' parts and payment in one statement, its three lines in another.
    assert len(statements) == 2, statements
    assert "/orders/view/" in page  # the guest's signed link

    order = order_row(storefront, number)
    # Each store's part ships on its own: Loom's €62 reaches the free-shipping €50, Acme's €39 pays €4.90.
    assert order.status == "placed"
    assert order.subtotal == Decimal("101.00")
    assert order.shipping_total == Decimal("4.90")
    assert order.total == Decimal("105.90")
    payment = sql(storefront, "SELECT status, brand, last4, amount FROM payment WHERE order_id = :o", o=order.id)
    assert [tuple(p) for p in payment] == [("captured", "visa", "4242", Decimal("105.90"))]
    assert "Your cart is empty" in guest.cart()

    platform.drain()
    parts = sql(
        vendor,
        "SELECT vendor_id, status, subtotal FROM vendor_order WHERE order_id = :o ORDER BY vendor_id",
        o=order.id,
    )
    assert {(row.vendor_id, row.status, row.subtotal) for row in parts} == {
        (tee_m.vendor_id, "placed", Decimal("62.00")),
        (stand.vendor_id, "placed", Decimal("39.00")),
    }
    assert sql(vendor, "SELECT stock_on_hand, reserved FROM variant WHERE id = :v", v=tee_m.variant_id)[0] == (8, 0)


def test_placing_an_order_records_the_full_order_placed_event_email_and_traffic(storefront, shopper, two_stores):
    (tee_m, _), stand = two_stores
    guest = shopper()
    guest.add(tee_m, 1)
    guest.add(stand, 1)
    number = placed_number(guest.checkout())

    [event] = outbox(storefront, "order.placed")
    contracts.validate("order.placed", event)
    assert set(event) == {*contracts.spec_for("order.placed").required, *contracts.spec_for("order.placed").optional}
    assert event["number"] == number and event["email"] == "grace@shopper.example"
    assert event["is_new_customer"] is True and event["customer_id"] is None
    assert event["shipping_address"]["country"] == "IE"
    assert {line["variant_id"] for line in event["lines"]} == {tee_m.variant_id, stand.variant_id}
    assert all(
        set(line) >= {"line_id", "vendor_id", "sku", "title", "unit_price", "line_total"} for line in event["lines"]
    )

    [email] = sql(storefront, "SELECT to_address, subject, body_text, body_html FROM outbound_email")
    assert email.to_address == "grace@shopper.example" and number in email.subject
    assert "Organic Tee" in email.body_text and "/orders/view/" in email.body_text
    assert "From Loom Tees" in email.body_html
    kinds = [row.kind for row in sql(storefront, "SELECT kind FROM traffic_event ORDER BY id")]
    assert kinds.count("add_to_cart") == 2 and "checkout_started" in kinds and kinds[-1] == "order_placed"


def test_the_confirmation_is_only_for_the_browser_that_placed_the_order(storefront, shopper, two_stores):
    _, stand = two_stores
    guest = shopper()
    guest.add(stand, 1)
    location = guest.checkout().headers["Location"]
    assert shopper().client.get(location).status_code == 404


def test_a_customer_can_save_the_address_and_pick_it_next_time(storefront, customer, two_stores):
    _, stand = two_stores
    ada = customer("ada@shopper.example")
    ada.add(stand, 1)
    placed_number(ada.checkout(email=None, save_address="y"))
    saved = sql(storefront, "SELECT name, city, country, is_default FROM address")
    assert [tuple(row) for row in saved] == [("Grace Hopper", "Dublin", "IE", True)]

    ada.add(stand, 1)
    page = ada.open_checkout()
    assert "Grace Hopper, 1 Harbour Road, Flat 2, D02 X285 Dublin, Ireland" in page
    fields = ada.checkout_fields(page)
    address_id = sql(storefront, "SELECT id FROM address")[0].id
    response = ada.checkout(
        email=None,
        fields=fields,
        address_choice=str(address_id),
        name="",
        line1="",
        city="",
        postcode="",
        country="",
    )
    number = placed_number(response)
    assert order_row(storefront, number).shipping_address["city"] == "Dublin"
    assert len(sql(storefront, "SELECT id FROM address")) == 1  # the same address is not saved twice


def test_checkout_form_errors_keep_what_was_typed_but_never_the_card(storefront, shopper, two_stores):
    _, stand = two_stores
    guest = shopper()
    guest.add(stand, 1)
    response = guest.checkout(email="not-an-email", postcode="", card_expiry="13/30")
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Enter a valid email address" in page and "Enter the postcode." in page
    assert "Enter the expiry date as MM/YY" in page
    assert 'value="not-an-email"' in page and 'value="1 Harbour Road"' in page
    assert "4242" not in page.replace("4242 4242 4242 4242</code>", "")  # only the test-card list shows it
    assert CVC not in page
    assert not sql(storefront, "SELECT id FROM orders")


def test_an_expired_card_is_refused_next_to_its_field(storefront, shopper, two_stores):
    _, stand = two_stores
    guest = shopper()
    guest.add(stand, 1)
    page = guest.checkout(card_expiry="01/20").get_data(as_text=True)
    assert "Your card has expired" in page
    assert not sql(storefront, "SELECT id FROM orders")


def test_placing_an_order_issues_the_same_statements_for_one_line_or_three_from_two_stores(
    storefront, shopper, two_stores
):
    (tee_m, tee_l), stand = two_stores

    def statements_placing(cart):
        guest = shopper()
        for item, quantity in cart:
            guest.add(item, quantity)
        fields = guest.checkout_fields()
        with counting_statements(storefront) as statements:
            response = guest.checkout(fields=fields)
        assert response.status_code == 303, response.status_code
        return statements

    one = statements_placing([(stand, 1)])
    three = statements_placing([(tee_m, 2), (tee_l, 1), (stand, 1)])

    assert len(one) == len(three) <= 16, three
    # Nothing the saga writes is read back: not to append to it (the timeline, the stores' parts), and
    # not after a commit point (the order, its lines and its payment stay as the saga made them).
    read_back = ("FROM order_event", "FROM order_vendor_part", "FROM order_line", "FROM payment")
    assert not [s for s in three if s.startswith("SELECT") and any(table in s for table in read_back)], three
    assert len([s for s in three if s.startswith("SELECT") and "FROM orders" in s]) == 2, three
