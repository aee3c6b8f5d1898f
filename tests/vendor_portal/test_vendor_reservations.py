"""Checkout reservations as the storefront sees them: all or nothing, idempotent by order id, commit and release."""

from __future__ import annotations

import re
import uuid
from datetime import datetime, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from common_core.db import utcnow
from tests.storefront.conftest import counting_statements
from tests.vendor_portal.conftest import outbox, vendor_status_call
from tests.vendor_portal.inventory_fixtures import (
    call,
    commit,
    history,
    lookup,
    make_stocked_fixture,  # noqa: F401 - the make_stocked fixture
    release,
    reservation_rows,
    reserve,
    variant_stock,
)


@pytest.fixture
def shop(make_store):
    """An approved store, so its active products are listed."""
    return make_store("approved")


def test_a_reservation_holds_stock_and_answers_with_prices_for_the_storefront(platform, vendor, shop, make_stocked):
    item = make_stocked(shop.vendor_id, stock=[5, 2], title="Linen shirt", sku="SHIRT", price="49.90")
    order_id = uuid.uuid4().hex

    status, body = reserve(platform, [(item.variant_ids[1], 2), (item.variant_ids[0], 1)], order_id=order_id)

    assert status == 200
    assert body["order_id"] == order_id and body["status"] == "held"
    assert body["lines"] == [
        {
            "variant_id": item.variant_ids[1],
            "vendor_id": shop.vendor_id,
            "product_id": item.product_id,
            "sku": "SHIRT-M",
            "title": "Linen shirt",
            "options": {"Size": "M"},
            "quantity": 2,
            "unit_price": "49.90",
            "currency": "EUR",
        },
        {
            "variant_id": item.variant_ids[0],
            "vendor_id": shop.vendor_id,
            "product_id": item.product_id,
            "sku": "SHIRT-S",
            "title": "Linen shirt",
            "options": {"Size": "S"},
            "quantity": 1,
            "unit_price": "49.90",
            "currency": "EUR",
        },
    ]
    expires_in = (datetime.fromisoformat(body["expires_at"]) - utcnow()).total_seconds()
    assert 880 < expires_in <= 900  # the default hold is 15 minutes
    assert variant_stock(vendor, item.variant_ids[0]) == (5, 1)
    assert variant_stock(vendor, item.variant_ids[1]) == (2, 2)
    changed = [data for kind, data in outbox(vendor) if kind == "stock.changed"]
    assert {(d["variant_id"], d["available"]) for d in changed} == {(item.variant_ids[0], 4), (item.variant_ids[1], 0)}


def test_the_same_variant_on_two_lines_is_reserved_once_summed(platform, vendor, shop, make_stocked):
    item = make_stocked(shop.vendor_id, stock=5)

    status, body = reserve(platform, [(item.variant_id, 2), (item.variant_id, 3)])

    assert status == 200
    assert [(line["variant_id"], line["quantity"]) for line in body["lines"]] == [(item.variant_id, 5)]
    assert variant_stock(vendor, item.variant_id) == (5, 5)


def test_a_line_short_of_stock_reserves_nothing_and_names_the_line(platform, vendor, shop, make_stocked):
    plenty = make_stocked(shop.vendor_id, stock=10)
    scarce = make_stocked(shop.vendor_id, stock=1)
    order_id = uuid.uuid4().hex

    status, body = reserve(platform, [(plenty.variant_id, 2), (scarce.variant_id, 3)], order_id=order_id)

    assert status == 409
    assert body["error"] == "out_of_stock"
    assert body["details"]["lines"] == [
        {"variant_id": scarce.variant_id, "requested": 3, "available": 1, "reason": "out_of_stock"}
    ]
    assert variant_stock(vendor, plenty.variant_id) == (10, 0)  # all or nothing
    assert variant_stock(vendor, scarce.variant_id) == (1, 0)
    assert reservation_rows(vendor, order_id) == [("refused", 0)]


def test_a_repeated_order_id_gets_its_first_answer_even_after_stock_changed(platform, vendor, shop, make_stocked):
    item = make_stocked(shop.vendor_id, stock=3)
    held_order, refused_order = uuid.uuid4().hex, uuid.uuid4().hex
    first_held = reserve(platform, [(item.variant_id, 2)], order_id=held_order)
    first_refused = reserve(platform, [(item.variant_id, 5)], order_id=refused_order)

    _set_stock(vendor, item.variant_id, on_hand=50)  # a delivery arrives in between

    assert reserve(platform, [(item.variant_id, 2)], order_id=held_order) == first_held
    assert reserve(platform, [(item.variant_id, 5)], order_id=refused_order) == first_refused
    assert first_refused[0] == 409
    assert variant_stock(vendor, item.variant_id) == (50, 2)  # the repeat held nothing more


@pytest.mark.parametrize(
    ("make_unlisted", "label"),
    [
        (lambda make, store: make(store.vendor_id, status="draft").variant_id, "a draft"),
        (lambda make, store: make(store.vendor_id, status="archived").variant_id, "an archived product"),
        (lambda make, store: make(store.vendor_id, hidden=True).variant_id, "a product hidden by staff"),
        (lambda make, store: 999_999, "an unknown variant"),
    ],
)
def test_a_variant_that_is_not_for_sale_is_refused_as_unavailable(
    platform, vendor, shop, make_stocked, make_unlisted, label
):
    listed = make_stocked(shop.vendor_id, stock=5)
    variant_id = make_unlisted(make_stocked, shop)

    status, body = reserve(platform, [(listed.variant_id, 1), (variant_id, 1)])

    assert status == 409, label
    assert body["error"] == "unavailable"
    assert body["details"]["lines"] == [
        {"variant_id": variant_id, "requested": 1, "available": 0, "reason": "unavailable"}
    ]
    assert variant_stock(vendor, listed.variant_id) == (5, 0)


def test_a_suspended_stores_products_cannot_be_reserved(platform, vendor, shop, make_stocked):
    item = make_stocked(shop.vendor_id, stock=5)
    vendor_status_call(platform, shop.vendor_id, "suspended", "Unpaid fees")

    status, body = reserve(platform, [(item.variant_id, 1)])

    assert (status, body["error"]) == (409, "unavailable")
    assert variant_stock(vendor, item.variant_id) == (5, 0)


def test_an_inactive_variant_cannot_be_reserved(platform, vendor, shop, make_stocked):
    item = make_stocked(shop.vendor_id, stock=[5, 5])
    _run(vendor, "UPDATE variant SET is_active = false WHERE id = :id", id=item.variant_ids[1])

    status, body = reserve(platform, [(item.variant_ids[1], 1)])

    assert (status, body["error"]) == (409, "unavailable")


def test_commit_turns_held_stock_into_sold_stock_once(platform, vendor, shop, make_stocked):
    item = make_stocked(shop.vendor_id, stock=[5, 4])
    order_id = uuid.uuid4().hex
    reserve(platform, [(item.variant_ids[0], 2), (item.variant_ids[1], 1)], order_id=order_id)

    with counting_statements(vendor) as statements:
        status, body = commit(platform, order_id)
    again = commit(platform, order_id)

    # The reservation and its two lines are read (and the reservation locked) in one statement.
    reads = [s for s in statements if s.startswith("SELECT") and "reservation" in s]
    assert len(reads) == 1 and "JOIN reservation_line" in reads[0] and "FOR UPDATE OF reservation" in reads[0], reads
    # Selling moves counts only: the variants are locked and read alone, never their product or store.
    assert not [s for s in statements if re.search(r"\b(FROM|JOIN) (product|vendor)\b", s)], statements
    assert status == 200 and body["status"] == "committed" and body["settled_at"]
    assert again == (200, body)  # idempotent: a retried commit changes nothing
    assert variant_stock(vendor, item.variant_ids[0]) == (3, 0)
    assert variant_stock(vendor, item.variant_ids[1]) == (3, 0)
    assert history(vendor, item.variant_ids[0]) == [(-2, "sale", 3, f"order:{order_id}")]
    assert history(vendor, item.variant_ids[1]) == [(-1, "sale", 3, f"order:{order_id}")]
    assert lookup(platform, order_id)[1]["status"] == "committed"
    # The shop heard of the held units when they were reserved; selling them leaves what it can sell as it was.
    available = [(d["variant_id"], d["available"]) for kind, d in outbox(vendor) if kind == "stock.changed"]
    assert sorted(available) == sorted([(item.variant_ids[0], 3), (item.variant_ids[1], 3)])


def test_release_gives_held_stock_back_and_is_idempotent(platform, vendor, shop, make_stocked):
    item = make_stocked(shop.vendor_id, stock=5)
    order_id = uuid.uuid4().hex
    reserve(platform, [(item.variant_id, 3)], order_id=order_id)

    status, body = release(platform, order_id)
    again = release(platform, order_id)

    assert status == 200 and body["status"] == "released"
    assert again == (200, body)
    assert variant_stock(vendor, item.variant_id) == (5, 0)
    assert history(vendor, item.variant_id) == []  # a release is no stock movement
    available = [d["available"] for kind, d in outbox(vendor) if kind == "stock.changed"]
    assert available == [2, 5]


def test_release_after_commit_is_refused_and_changes_nothing(platform, vendor, shop, make_stocked):
    item = make_stocked(shop.vendor_id, stock=5)
    order_id = uuid.uuid4().hex
    reserve(platform, [(item.variant_id, 2)], order_id=order_id)
    commit(platform, order_id)

    status, body = release(platform, order_id)

    assert (status, body["error"]) == (409, "already_committed")
    assert variant_stock(vendor, item.variant_id) == (3, 0)


def test_commit_after_release_is_refused(platform, vendor, shop, make_stocked):
    item = make_stocked(shop.vendor_id, stock=5)
    order_id = uuid.uuid4().hex
    reserve(platform, [(item.variant_id, 2)], order_id=order_id)
    release(platform, order_id)

    status, body = commit(platform, order_id)

    assert (status, body["error"]) == (409, "reservation_released")
    assert variant_stock(vendor, item.variant_id) == (5, 0)


def test_commit_of_a_refused_reservation_is_refused(platform, vendor, shop, make_stocked):
    item = make_stocked(shop.vendor_id, stock=1)
    order_id = uuid.uuid4().hex
    reserve(platform, [(item.variant_id, 2)], order_id=order_id)

    assert commit(platform, order_id)[1]["error"] == "reservation_refused"
    assert variant_stock(vendor, item.variant_id) == (1, 0)


def test_unknown_order_ids_commit_404_and_release_harmlessly(platform):
    assert commit(platform, "never-reserved")[0] == 404
    assert lookup(platform, "never-reserved")[0] == 404
    assert release(platform, "never-reserved") == (200, {"order_id": "never-reserved", "status": "unknown"})


def test_an_expired_reservation_returns_its_stock_and_cannot_be_committed(platform, vendor, shop, make_stocked):
    from vendor_portal.inventory.operations import release_expired

    item = make_stocked(shop.vendor_id, stock=4)
    lapsing, fresh = uuid.uuid4().hex, uuid.uuid4().hex
    reserve(platform, [(item.variant_id, 3)], order_id=lapsing, ttl_seconds=60)
    reserve(platform, [(item.variant_id, 1)], order_id=fresh, ttl_seconds=3600)

    with vendor.app_context():
        released = release_expired(now=utcnow() + timedelta(minutes=2))
        vendor.extensions["sqlalchemy"].session.commit()

    assert released == 1
    assert variant_stock(vendor, item.variant_id) == (4, 1)
    assert lookup(platform, lapsing)[1]["status"] == "expired"
    assert lookup(platform, fresh)[1]["status"] == "held"
    assert commit(platform, lapsing)[1]["error"] == "reservation_released"
    assert release(platform, lapsing)[1]["status"] == "expired"  # releasing a lapsed hold is harmless


def test_the_relays_expiry_chore_releases_lapsed_holds(platform, vendor, shop, make_stocked):
    from vendor_portal.inventory.internal import _release_expired

    item = make_stocked(shop.vendor_id, stock=4)
    order_id = uuid.uuid4().hex
    reserve(platform, [(item.variant_id, 2)], order_id=order_id)
    _run(vendor, "UPDATE reservation SET expires_at = now() - interval '1 second' WHERE order_id = :o", o=order_id)
    chores = [chore for chore, _ in vendor.extensions["relay_chores"]]

    assert _release_expired in chores
    with vendor.app_context():
        _release_expired()  # the relay runs chores in app context, as here

    assert variant_stock(vendor, item.variant_id) == (4, 0)
    assert reservation_rows(vendor, order_id) == [("expired", 1)]


def test_a_paid_order_can_still_commit_a_lapsed_hold_the_sweeper_has_not_reached(platform, vendor, shop, make_stocked):
    item = make_stocked(shop.vendor_id, stock=4)
    order_id = uuid.uuid4().hex
    reserve(platform, [(item.variant_id, 2)], order_id=order_id)
    _run(vendor, "UPDATE reservation SET expires_at = now() - interval '1 second' WHERE order_id = :o", o=order_id)

    assert commit(platform, order_id)[1]["status"] == "committed"
    assert variant_stock(vendor, item.variant_id) == (2, 0)


def test_admin_may_look_a_reservation_up_but_not_reserve(platform, shop, make_stocked):
    from common_core.errors import PeerError
    from common_core.internal.client import InternalClient

    item = make_stocked(shop.vendor_id, stock=4)
    order_id = uuid.uuid4().hex
    reserve(platform, [(item.variant_id, 1)], order_id=order_id)

    with platform.admin.app_context():
        client = InternalClient.for_peer("vendor_portal")
        state = client.get(f"/internal/reservations/{order_id}")
        with pytest.raises(PeerError) as refused:
            client.post("/internal/reservations", {"order_id": "x", "lines": [{"variant_id": 1, "quantity": 1}]})

    assert state["lines"] == [{"variant_id": item.variant_id, "vendor_id": shop.vendor_id, "quantity": 1}]
    assert refused.value.status == 403


@pytest.mark.parametrize(
    "path", ["/internal/reservations", "/internal/reservations/o-1/commit", "/internal/reservations/o-1/release"]
)
def test_unsigned_reservation_calls_are_refused(vendor, path):
    response = vendor.test_client().post(path, json={"order_id": "o-1", "lines": [{"variant_id": 1, "quantity": 1}]})

    assert response.status_code == 401
    assert response.get_json()["error"] == "unauthorized"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"lines": [{"variant_id": 1, "quantity": 1}]}, "order_id"),
        ({"order_id": "", "lines": [{"variant_id": 1, "quantity": 1}]}, "order_id"),
        ({"order_id": "x" * 65, "lines": [{"variant_id": 1, "quantity": 1}]}, "order_id"),
        ({"order_id": "o", "lines": []}, "lines"),
        ({"order_id": "o", "lines": [{"variant_id": 1, "quantity": 1}] * 101}, "lines"),
        ({"order_id": "o", "lines": [{"variant_id": 1, "quantity": 0}]}, "lines"),
        ({"order_id": "o", "lines": [{"variant_id": 1, "quantity": 1.5}]}, "lines"),
        ({"order_id": "o", "lines": [{"variant_id": "1", "quantity": 1}]}, "lines"),
        ({"order_id": "o", "lines": [{"variant_id": True, "quantity": 1}]}, "lines"),
        ({"order_id": "o", "lines": [{"variant_id": 1}]}, "lines"),
        ({"order_id": "o", "lines": [{"variant_id": 1, "quantity": 1}], "ttl_seconds": 59}, "ttl_seconds"),
        ({"order_id": "o", "lines": [{"variant_id": 1, "quantity": 1}], "ttl_seconds": 3601}, "ttl_seconds"),
        ({"order_id": "o", "lines": [{"variant_id": 1, "quantity": 1}], "coupon": "X"}, "coupon"),
    ],
)
def test_a_malformed_reservation_is_refused_with_422_and_stores_nothing(platform, vendor, body, field):
    status, answer = call(platform, "POST", "/internal/reservations", body)

    assert status == 422
    assert field in (answer["details"].get("field"), *answer["details"].get("fields", []))
    assert _run(vendor, "SELECT count(*) FROM reservation")[0][0] == 0


def test_the_reservation_endpoints_are_in_the_openapi_description(platform):
    status, spec = call(platform, "GET", "/internal/openapi.json")

    assert status == 200
    reserve_op = spec["paths"]["/internal/reservations"]["post"]
    assert reserve_op["x-callers"] == ["storefront"]
    assert reserve_op["requestBody"]["content"]["application/json"]["schema"]["required"] == ["order_id", "lines"]
    assert "/internal/reservations/{order_id}/commit" in spec["paths"]
    assert spec["paths"]["/internal/reservations/{order_id}"]["get"]["x-callers"] == ["storefront", "admin_portal"]


def test_unit_prices_are_decimal_strings_with_two_places(platform, shop, make_stocked):
    item = make_stocked(shop.vendor_id, stock=2, price="7")

    _, body = reserve(platform, [(item.variant_id, 1)])

    assert body["lines"][0]["unit_price"] == "7.00"
    assert Decimal(body["lines"][0]["unit_price"]) == Decimal("7")


def _set_stock(app, variant_id, *, on_hand):
    _run(app, "UPDATE variant SET stock_on_hand = :n WHERE id = :id", n=on_hand, id=variant_id)


def _run(app, sql, **params):
    with app.app_context():
        db = app.extensions["sqlalchemy"]
        result = db.session.execute(sa.text(sql), params)
        rows = result.all() if result.returns_rows else []
        db.session.commit()
        db.session.remove()
    return rows
