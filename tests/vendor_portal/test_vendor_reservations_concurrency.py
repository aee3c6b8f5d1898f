"""Reservations and stock adjustments under real concurrency: real threads, real PostgreSQL row locks."""

from __future__ import annotations

import uuid
from collections import Counter

import pytest

from tests.conftest import run_together
from tests.vendor_portal.inventory_fixtures import (
    commit,
    history,
    make_stocked_fixture,  # noqa: F401 - the make_stocked fixture
    release,
    reservation_rows,
    reserve,
    variant_stock,
)


@pytest.fixture
def shop(make_store):
    return make_store("approved")


def test_thirty_shoppers_racing_for_the_last_ten_units_get_exactly_ten(platform, vendor, shop, make_stocked):
    item = make_stocked(shop.vendor_id, stock=10)

    answers = run_together([lambda: reserve(platform, [(item.variant_id, 1)]) for _ in range(30)])

    outcomes = Counter((status, body.get("status") or body.get("error")) for status, body in answers)
    assert outcomes == {(200, "held"): 10, (409, "out_of_stock"): 20}
    assert variant_stock(vendor, item.variant_id) == (10, 10)  # never oversold, nothing lost


def test_concurrent_repeats_of_one_order_reserve_once(platform, vendor, shop, make_stocked):
    item = make_stocked(shop.vendor_id, stock=10)
    order_id = uuid.uuid4().hex

    answers = run_together([lambda: reserve(platform, [(item.variant_id, 3)], order_id=order_id) for _ in range(12)])

    assert all(answer == answers[0] for answer in answers)
    assert answers[0][0] == 200
    assert variant_stock(vendor, item.variant_id) == (10, 3)
    assert reservation_rows(vendor, order_id) == [("held", 1)]


def test_orders_locking_the_same_variants_in_opposite_orders_never_deadlock(platform, vendor, shop, make_stocked):
    first = make_stocked(shop.vendor_id, stock=100)
    second = make_stocked(shop.vendor_id, stock=100)
    a, b = first.variant_id, second.variant_id

    def checkout(n: int) -> tuple[int, int, int]:
        order_id = uuid.uuid4().hex
        lines = [(a, 1), (b, 2)] if n % 2 else [(b, 2), (a, 1)]
        held, _ = reserve(platform, lines, order_id=order_id)
        # Half the checkouts pay, half are declined: commits and releases interleave with new holds.
        settled, _ = commit(platform, order_id) if n % 4 < 2 else release(platform, order_id)
        return held, settled, n % 4 < 2

    results = run_together([lambda n=n: checkout(n) for n in range(40)])

    assert all(held == 200 and settled == 200 for held, settled, _ in results)  # no deadlock, no 5xx
    paid = sum(1 for *_, committed in results if committed)
    assert variant_stock(vendor, a) == (100 - paid, 0)
    assert variant_stock(vendor, b) == (100 - 2 * paid, 0)


def test_concurrent_stock_adjustments_lose_no_update(vendor, shop, make_stocked):
    from vendor_portal.catalog.models import Variant
    from vendor_portal.inventory.operations import adjust_stock

    item = make_stocked(shop.vendor_id, stock=20)

    def adjust(delta: int, reason: str) -> None:
        with vendor.app_context():
            db = vendor.extensions["sqlalchemy"]
            variant = db.session.get(Variant, item.variant_id)  # read before the others write: a stale copy
            adjust_stock(variant, delta, reason=reason, actor="vendor_user:1")
            db.session.commit()

    run_together(
        [lambda: adjust(5, "received") for _ in range(20)] + [lambda: adjust(-1, "damaged") for _ in range(20)]
    )

    assert variant_stock(vendor, item.variant_id) == (20 + 100 - 20, 0)
    rows = history(vendor, item.variant_id)
    assert len(rows) == 40
    running = 20
    for delta, _, on_hand_after, _ in rows:  # each entry's on_hand_after follows from the one before
        running += delta
        assert on_hand_after == running


def test_a_vendor_removing_stock_while_shoppers_reserve_never_takes_held_units(vendor, platform, shop, make_stocked):
    from common_core.errors import FieldError
    from vendor_portal.catalog.models import Variant
    from vendor_portal.inventory.operations import adjust_stock

    item = make_stocked(shop.vendor_id, stock=10)

    def write_off() -> str:
        with vendor.app_context():
            db = vendor.extensions["sqlalchemy"]
            try:
                adjust_stock(db.session.get(Variant, item.variant_id), -6, reason="damaged", actor="vendor_user:1")
            except FieldError:
                return "refused"
            db.session.commit()
            return "removed"

    results = run_together([write_off] + [lambda: reserve(platform, [(item.variant_id, 1)]) for _ in range(8)])

    removed = 6 if results[0] == "removed" else 0
    held = sum(1 for status, _ in results[1:] if status == 200)
    on_hand, reserved = variant_stock(vendor, item.variant_id)
    assert (on_hand, reserved) == (10 - removed, held)
    assert reserved <= on_hand


def test_a_store_and_staff_adjusting_the_same_stock_at_once_lose_no_update(platform, vendor, shop, make_stocked):
    """The store through its stock page, staff through admin's signed endpoint, all at the same moment."""
    from common_core.internal.client import InternalClient
    from tests.conftest import csrf_from

    item = make_stocked(shop.vendor_id, stock=30)
    page = f"/inventory/variants/{item.variant_id}"
    token = csrf_from(shop.client.get(page).get_data(as_text=True))

    cookie_name = vendor.config["SESSION_COOKIE_NAME"]
    cookie = shop.client.get_cookie(cookie_name).value

    def store_receives() -> int:
        browser = vendor.test_client()  # one browser tab per thread, all signed in as the store
        browser.set_cookie(cookie_name, cookie)
        form = {"csrf_token": token, "delta": "4", "reason": "received", "note": "Pallet"}
        return browser.post(page, data=form).status_code

    def staff_writes_off() -> int:
        body = {
            "delta": -2,
            "reason": "damaged",
            "note": "Crushed in the warehouse",
            "request_id": uuid.uuid4().hex,
            "staff_email": "support@staff.example",
        }
        with platform.admin.app_context():
            InternalClient.for_peer("vendor_portal").post(f"/internal/variants/{item.variant_id}/stock", body)
        return 200

    statuses = run_together([store_receives for _ in range(10)] + [staff_writes_off for _ in range(10)])

    assert all(status in (200, 302, 303) for status in statuses), statuses
    assert variant_stock(vendor, item.variant_id) == (30 + 40 - 20, 0)
    rows = history(vendor, item.variant_id)
    assert len(rows) == 20
    assert {actor.split(":")[0] for _, _, _, actor in rows} == {"vendor_user", "staff"}
    running = 30
    for delta, _, on_hand_after, _ in rows:  # every entry follows from the one before: none was lost
        running += delta
        assert on_hand_after == running
