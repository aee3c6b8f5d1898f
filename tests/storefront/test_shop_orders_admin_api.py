"""The order endpoints admin_portal calls: search, detail, cancel and refunds, through the real signed client."""

from __future__ import annotations

import html
import uuid
from decimal import Decimal

import pytest

from common_core.errors import PeerError
from tests.storefront.checkout_fixtures import (
    admin_call,
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
def placed(platform, market, customer, shopper):
    """Ada's order (a €39 stand and 2 x €20 tees: €88.80 with shipping) and a guest's (€39 + €4.90)."""
    acme = market.store("Acme Audio")
    loom = market.store("Loom Tees")
    stand = market.product(acme, "Walnut headphone stand", [("39.00", 10, {})])[0]
    tee = market.product(loom, "Organic Tee", [("20.00", 10, {"Size": "M"})])[0]
    ada = customer("ada@shopper.example")
    ada.add(stand, 1)
    ada.add(tee, 2)
    number = placed_number(ada.checkout(email=None))
    guest = shopper()
    guest.add(stand, 1)
    guest_number = placed_number(guest.checkout(email="guest@shopper.example"))
    lines = {
        r.variant_id: r.id
        for r in sql(
            platform.storefront,
            "SELECT l.id, l.variant_id FROM order_line l JOIN orders o ON o.id = l.order_id WHERE o.number = :n",
            n=number,
        )
    }
    return {"ada": ada, "number": number, "guest_number": guest_number, "stand": stand, "tee": tee, "lines": lines}


def refused(call) -> PeerError:
    with pytest.raises(PeerError) as caught:
        call()
    return caught.value


def test_staff_search_orders_by_number_email_store_and_status(platform, placed):
    everything = admin_call(platform, "GET", "/internal/orders")
    assert everything["total"] == 2 and everything["page"] == 1
    assert {o["number"] for o in everything["orders"]} == {placed["number"], placed["guest_number"]}

    by_email = admin_call(platform, "GET", "/internal/orders", q="GUEST@shopper")
    assert [o["number"] for o in by_email["orders"]] == [placed["guest_number"]]
    by_number = admin_call(platform, "GET", "/internal/orders", q=placed["number"][-4:])
    assert placed["number"] in [o["number"] for o in by_number["orders"]]
    by_store = admin_call(platform, "GET", "/internal/orders", vendor_id=placed["tee"].vendor_id)
    assert [o["number"] for o in by_store["orders"]] == [placed["number"]]
    assert admin_call(platform, "GET", "/internal/orders", min_total="50.00")["total"] == 1
    assert admin_call(platform, "GET", "/internal/orders", status="cancelled")["total"] == 0
    paged = admin_call(platform, "GET", "/internal/orders", per_page=1, page=2)
    assert len(paged["orders"]) == 1 and paged["total"] == 2
    assert refused(lambda: admin_call(platform, "GET", "/internal/orders", status="lost")).status == 422


def test_order_detail_shows_payments_as_brand_and_last_four_only(platform, placed):
    detail = admin_call(platform, "GET", f"/internal/orders/{placed['number']}")
    assert detail["total"] == "88.80" and detail["refundable"] == "88.80"
    assert len(detail["lines"]) == 2 and len(detail["parts"]) == 2
    [payment] = detail["payments"]
    assert payment["brand"] == "visa" and payment["last4"] == "4242"
    assert "token" not in str(detail) and "test_ch_" not in str(detail)
    assert refused(lambda: admin_call(platform, "GET", "/internal/orders/MP-NOPE00")).status == 404


def test_only_admin_portal_may_call_the_order_endpoints(platform, placed):
    from common_core.internal.client import InternalClient

    with platform.vendor.app_context():
        client = InternalClient.for_peer("storefront", retries=0)
        with pytest.raises(PeerError) as caught:
            client.get("/internal/orders")
    assert caught.value.status == 403


def test_a_refund_above_what_was_paid_is_refused_with_what_is_left(platform, storefront, placed):
    path = f"/internal/orders/{placed['number']}/refunds"
    error = refused(
        lambda: admin_call(platform, "POST", path, {"refund_id": "r-1", "amount": "88.81", "reason": "Too much"})
    )
    assert error.status == 409
    assert error.body["error"] == "refund_exceeds_paid"
    assert error.body["message"] == "At most €88.80 can still be refunded."
    assert not sql(storefront, "SELECT 1 FROM refund")


def test_a_partial_refund_is_recorded_idempotent_and_shown_to_the_customer(platform, storefront, placed):
    path = f"/internal/orders/{placed['number']}/refunds"
    tee_line = placed["lines"][placed["tee"].variant_id]
    body = {
        "refund_id": "r-42",
        "amount": "15.00",
        "reason": "Colour not as shown",
        "lines": [{"line_id": tee_line, "amount": "15.00"}],
        "actor": "staff:ops@marketplace.example",
    }
    first = admin_call(platform, "POST", path, body)
    again = admin_call(platform, "POST", path, {**body, "amount": "30.00"})  # a retry: the first answer

    assert first["refund"]["refund_id"] == "r-42" and first["refund"]["amount"] == "15.00"
    assert again["refund"] == first["refund"]
    assert first["order"]["refunded_total"] == "15.00" and first["order"]["refundable"] == "73.80"
    assert len(sql(storefront, "SELECT 1 FROM refund")) == 1
    [event] = outbox(storefront, "order.refunded")
    assert event["refund_id"] == "r-42" and event["lines"] == [{"line_id": tee_line, "amount": "15.00"}]

    page = html.unescape(main_of(placed["ada"].client.get(f"/orders/{placed['number']}").get_data(as_text=True)))
    assert "Colour not as shown" in page and "€15.00 refunded" in page

    error = refused(lambda: admin_call(platform, "POST", path, {"refund_id": "r-43", "amount": "74.00", "reason": "x"}))
    assert error.body["message"] == "At most €73.80 can still be refunded."


def test_a_line_refund_cannot_exceed_the_lines_remainder(platform, placed):
    path = f"/internal/orders/{placed['number']}/refunds"
    stand_line = placed["lines"][placed["stand"].variant_id]
    error = refused(
        lambda: admin_call(
            platform,
            "POST",
            path,
            {
                "refund_id": "r-9",
                "amount": "40.00",
                "reason": "x",
                "lines": [{"line_id": stand_line, "amount": "40.00"}],
            },
        )
    )
    assert error.status == 409 and "€39.00" in error.body["message"]


def test_staff_cancel_refunds_in_full_and_a_repeat_answers_the_same(platform, storefront, placed):
    path = f"/internal/orders/{placed['number']}/cancel"
    request_id = uuid.uuid4().hex
    first = admin_call(
        platform, "POST", path, {"request_id": request_id, "reason": "Fraud check", "actor": "staff:ops@x"}
    )
    again = admin_call(platform, "POST", path, {"request_id": request_id, "reason": "Fraud check"})

    assert first["status"] == "cancelled" and first["refunded_total"] == "88.80"
    assert again["status"] == "cancelled" and again["refunds"] == first["refunds"]
    assert len(sql(storefront, "SELECT 1 FROM refund")) == 1
    assert any(request_id in (step["note"] or "") for step in first["timeline"])
    assert order_row(storefront, placed["number"]).status == "cancelled"


def test_staff_cannot_cancel_once_a_part_has_shipped(platform, storefront, placed):
    order = order_row(storefront, placed["number"])
    fulfilment(
        platform,
        {
            "order_id": order.id,
            "vendor_id": placed["stand"].vendor_id,
            "status": "shipped",
            "carrier": "DHL",
            "tracking_number": "JD0146",
            "cancelled_lines": [],
            "note": None,
            "updated_at": "2100-01-01T00:00:00+00:00",
        },
    )
    path = f"/internal/orders/{placed['number']}/cancel"
    error = refused(lambda: admin_call(platform, "POST", path, {"request_id": "c-1", "reason": "Asked"}))
    assert error.status == 409 and error.body["error"] == "already_shipped"
    assert order_row(storefront, placed["number"]).refunded_total == Decimal("0.00")
