"""Orders in the admin portal: searched, read and exported live from the storefront's signed API; cancelled
and refunded through it (never more than was paid), each confirmed and audited; the ledger follows by event."""

from __future__ import annotations

import csv
import html as html_lib
import io
import re
import uuid
from decimal import Decimal

import pytest

from admin_portal.orders.export import orders_csv, safe_cell
from tests.admin_portal.conftest import audit_entries, rows
from tests.admin_portal.test_admin_customers import (  # noqa: F401 - fixtures
    customer_fixture,
    guest_fixture,
    market_fixture,
)
from tests.admin_portal.test_admin_products import hidden_inputs
from tests.storefront.checkout_fixtures import fulfilment, placed_number, scalar, sql


@pytest.fixture
def placed(platform, market, customer, guest):
    """Ada's order of a €39 stand (Acme Audio) and 2 x €20 tees (Loom Tees): €88.80 with shipping; and a
    guest's order of one stand: €43.90."""
    acme = market.store("Acme Audio")
    loom = market.store("Loom Tees")
    [stand] = market.product(acme, "Walnut headphone stand", [("39.00", 10, {})])
    [tee] = market.product(loom, "Organic Tee", [("20.00", 10, {"Size": "M"})])
    ada = customer("ada@shopper.example")
    ada.add(stand, 1)
    ada.add(tee, 2)
    number = placed_number(ada.checkout(email=None))
    someone = guest()
    someone.add(stand, 1)
    guest_number = placed_number(someone.checkout(email="guest@shopper.example"))
    platform.drain()  # order.placed reaches the admin's read models and ledger
    lines = {
        r.variant_id: r.id
        for r in sql(
            platform.storefront,
            "SELECT l.id, l.variant_id FROM order_line l JOIN orders o ON o.id = l.order_id WHERE o.number = :n",
            n=number,
        )
    }
    return {"ada": ada, "number": number, "guest_number": guest_number, "stand": stand, "tee": tee, "lines": lines}


def numbers(client, query: str = "") -> list[str]:
    response = client.get(f"/orders?{query}")
    assert response.status_code == 200, response.get_data(as_text=True)
    return re.findall(r'<a href="/orders/(MP-[A-Z0-9]+)">', response.get_data(as_text=True))


def refund_form(client, number: str, **fields: str):
    """The refund form of the order's page with its hidden inputs, the line amounts keyed by line id."""
    page = client.get(f"/orders/{number}").get_data(as_text=True)
    data = hidden_inputs(page, f"/orders/{number}/refund")
    lines = fields.pop("lines", {})
    for key, line_id in list(data.items()):
        if key.endswith("-line_id"):
            data[key.replace("-line_id", "-amount")] = lines.get(line_id, "")
    return {**data, **fields}


def refund(client, number: str, **fields):
    """Fill in the refund form, then confirm on the page that asks; returns (preview, answer)."""
    action = f"/orders/{number}/refund"
    preview = client.post(action, data=refund_form(client, number, **fields))
    if preview.status_code != 200:
        return preview, None
    return preview, client.post(action, data=hidden_inputs(preview.get_data(as_text=True), action))


def test_support_filters_orders_by_status_store_email_amount_and_customer(platform, signed_in, placed):
    support = signed_in("support")
    ada_id = scalar(platform.storefront, "SELECT id FROM customer WHERE email = 'ada@shopper.example'")

    assert sorted(numbers(support)) == sorted([placed["number"], placed["guest_number"]])
    assert numbers(support, "q=guest@") == [placed["guest_number"]]
    assert numbers(support, f"q={placed['number']}") == [placed["number"]]
    assert numbers(support, f"vendor={placed['tee'].vendor_id}") == [placed["number"]]
    assert numbers(support, "min_total=50") == [placed["number"]]
    assert numbers(support, "max_total=50.00") == [placed["guest_number"]]
    assert numbers(support, f"customer_id={ada_id}") == [placed["number"]]
    assert numbers(support, "status=cancelled") == []
    bad = support.get("/orders?min_total=lots&date_from=2026-02-01&date_to=2026-01-01")
    assert bad.status_code == 422
    assert "Choose a date on or after the start date." in bad.get_data(as_text=True)


def test_order_page_shows_each_stores_part_the_timeline_and_the_card_as_brand_and_last_four(
    platform, signed_in, placed
):
    page = html_lib.unescape(signed_in("owner").get(f"/orders/{placed['number']}").get_data(as_text=True))

    assert f"Order {placed['number']}" in page
    assert "Acme Audio" in page and "Loom Tees" in page and "Organic Tee" in page and "Walnut headphone stand" in page
    assert "Visa ending 4242" in page and "88.80 EUR" in page
    assert "4242 4242" not in page and "test_ch_" not in page
    assert "Timeline" in page and "Placed" in page
    assert "At most <strong>88.80 EUR</strong> can still be refunded." in page


def test_a_refund_larger_than_what_was_paid_is_refused_with_a_clear_message_next_to_the_amount(
    platform, signed_in, placed
):
    support = signed_in("support")

    preview, answer = refund(support, placed["number"], amount="88.81", reason="Goodwill")

    assert preview.status_code == 200 and answer.status_code == 409
    html = answer.get_data(as_text=True)
    error = html.split('id="amount-error"', 1)[1].split("</p>", 1)[0]
    assert "At most €88.80 can still be refunded." in html_lib.unescape(error)
    assert not sql(platform.storefront, "SELECT 1 FROM refund")
    assert audit_entries(platform.admin, "order") == []


def test_a_partial_line_refund_shows_on_the_customers_order_and_returns_commission_in_the_ledger(
    platform, signed_in, placed
):
    support = signed_in("support")
    tee_line = placed["lines"][placed["tee"].variant_id]

    preview, answer = refund(
        support, placed["number"], amount="", reason="Colour not as shown", lines={tee_line: "15.00"}
    )

    assert "Refund 15.00 EUR on order" in html_lib.unescape(preview.get_data(as_text=True))
    assert answer.status_code == 302 and answer.headers["Location"] == f"/orders/{placed['number']}"
    [stored] = sql(platform.storefront, "SELECT id, amount, lines, actor FROM refund")
    assert stored.amount == Decimal("15.00") and stored.lines == [{"line_id": tee_line, "amount": "15.00"}]
    assert stored.actor == "staff:support@example.com"
    [entry] = audit_entries(platform.admin, "order")
    assert (entry.action, entry.object_id, entry.after["refund_id"]) == ("order.refunded", placed["number"], stored.id)
    uuid.UUID(stored.id)  # a fresh uuid per staff action, kept in the audit entry
    customer_page = html_lib.unescape(placed["ada"].client.get(f"/orders/{placed['number']}").get_data(as_text=True))
    assert "Colour not as shown" in customer_page and "€15.00 refunded" in customer_page

    platform.drain()
    ledger = rows(
        platform.admin,
        "SELECT kind, amount FROM ledger_entry WHERE vendor_id = :v AND kind IN ('commission', 'commission_refund') "
        "ORDER BY id",
        v=placed["tee"].vendor_id,
    )
    # 10 % commission on the €40 line; €15 of it refunded gives back 15/40 of the €4.00.
    assert [(e.kind, e.amount) for e in ledger] == [
        ("commission", Decimal("-4.00")),
        ("commission_refund", Decimal("1.50")),
    ]


def test_posting_the_same_confirmed_refund_twice_refunds_once(platform, signed_in, placed):
    support = signed_in("support")
    action = f"/orders/{placed['number']}/refund"
    preview = support.post(action, data=refund_form(support, placed["number"], amount="10.00", reason="Late"))
    confirmed = hidden_inputs(preview.get_data(as_text=True), action)

    assert support.post(action, data=confirmed).status_code == 302
    assert support.post(action, data=confirmed).status_code == 302

    assert len(sql(platform.storefront, "SELECT 1 FROM refund")) == 1
    assert len(audit_entries(platform.admin, "order")) == 1


def test_cancelling_before_shipment_refunds_everything_and_is_audited(platform, signed_in, placed):
    support = signed_in("support")
    action = f"/orders/{placed['number']}/cancel"
    page = support.get(f"/orders/{placed['number']}").get_data(as_text=True)
    asked = support.post(action, data={**hidden_inputs(page, action), "reason": "Customer asked by phone"})
    assert asked.status_code == 200 and f"Cancel order {placed['number']}?" in asked.get_data(as_text=True)

    response = support.post(action, data=hidden_inputs(asked.get_data(as_text=True), action))

    assert response.status_code == 302
    assert scalar(platform.storefront, "SELECT status FROM orders WHERE number = :n", n=placed["number"]) == "cancelled"
    assert scalar(platform.storefront, "SELECT sum(amount) FROM refund") == Decimal("88.80")
    [entry] = audit_entries(platform.admin, "order")
    assert entry.action == "order.cancelled" and entry.before["status"] == "placed"
    assert entry.after["status"] == "cancelled" and entry.after["reason"] == "Customer asked by phone"
    uuid.UUID(entry.after["request_id"])


def test_an_order_with_a_part_sent_cannot_be_cancelled(platform, signed_in, placed):
    order_id = scalar(platform.storefront, "SELECT id FROM orders WHERE number = :n", n=placed["number"])
    fulfilment(
        platform,
        {
            "order_id": order_id,
            "vendor_id": placed["stand"].vendor_id,
            "status": "shipped",
            "carrier": "DHL",
            "tracking_number": "JD0001",
        },
    )
    page = signed_in("support").get(f"/orders/{placed['number']}").get_data(as_text=True)
    assert "Part of this order has been sent, so it can no longer be cancelled" in page
    assert f'action="/orders/{placed["number"]}/cancel"' not in page


def test_csv_export_has_the_filtered_rows(platform, signed_in, placed):
    support = signed_in("support")

    response = support.get(f"/orders/export.csv?vendor={placed['tee'].vendor_id}")

    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith('attachment; filename="orders-')
    table = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert table[0][:4] == ["Order", "Status", "Placed (UTC)", "Email"]
    assert [(row[0], row[3], row[5], row[10]) for row in table[1:]] == [
        (placed["number"], "ada@shopper.example", "Acme Audio; Loom Tees", "88.80")
    ]
    everything = support.get("/orders/export.csv").get_data(as_text=True)
    assert len(list(csv.reader(io.StringIO(everything)))) == 3
    entries = audit_entries(platform.admin, "orders")
    assert [(e.action, e.after["rows"]) for e in entries] == [("orders.exported", 1), ("orders.exported", 2)]
    assert entries[0].after["vendor_id"] == str(placed["tee"].vendor_id)


def test_csv_cells_that_a_spreadsheet_would_run_as_formulas_are_defused():
    assert [safe_cell(v) for v in ("=HYPERLINK(1)", "+1", "-2", "@SUM(A1)", "\tx", "plain", None, 3)] == [
        "'=HYPERLINK(1)",
        "'+1",
        "'-2",
        "'@SUM(A1)",
        "'\tx",
        "plain",
        "",
        "3",
    ]
    text = orders_csv([{"number": "MP-1", "email": '=cmd|" /C calc"!A0', "parts": [{"vendor_name": "@evil"}]}])
    [_, row] = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert row[3] == '\'=cmd|" /C calc"!A0' and row[5] == "'@evil"


def test_with_the_storefront_down_orders_say_so_and_a_refund_changes_nothing(platform, signed_in, placed):
    support = signed_in("support")
    action = f"/orders/{placed['number']}/refund"
    preview = support.post(action, data=refund_form(support, placed["number"], amount="5.00", reason="Late"))

    platform.adapters["storefront"].down = True
    listing = support.get("/orders")
    confirmed = support.post(action, data=hidden_inputs(preview.get_data(as_text=True), action))
    exported = support.get("/orders/export.csv")

    assert listing.status_code == 200
    assert "The storefront is unavailable right now" in listing.get_data(as_text=True)
    assert confirmed.status_code == 503 and exported.status_code == 503
    platform.adapters["storefront"].down = False
    assert not sql(platform.storefront, "SELECT 1 FROM refund")
    assert audit_entries(platform.admin, "order") == [] and audit_entries(platform.admin, "orders") == []
