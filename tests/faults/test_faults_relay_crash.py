"""A relay killed in the middle of a round, then started again: every event is applied exactly once.

The relay (common_core.outbox.run_relay, the loop `flask --app storefront relay` runs) works in a thread
here, on the storefront's real outbox, delivering through the platform's in-process adapters. Its sender
is wrapped to die (an exception no handler catches, as a SIGKILL would stop it) after one subscriber's
batch of the round has reached it but before the round's bookkeeping commits: those deliveries stay
pending and are sent again after the restart, and the subscribers' inboxes must make the repeats no-ops.
"""

from __future__ import annotations

import threading
import time
import uuid
from datetime import UTC, datetime

import pytest

from common_core import outbox
from common_core.outbox import record_event
from tests.faults.shop import open_shop
from tests.security.world import scalar, sql

ORDERS = 8


class Killed(BaseException):
    """Not an Exception: nothing in the relay catches it, so the thread dies on the spot."""


def order_placed(shop, n: int) -> dict:
    product_id, variant_id = shop.products[0]
    order_id = str(uuid.uuid4())
    return {
        "order_id": order_id,
        "number": f"MP-K{n:05d}",
        "placed_at": datetime.now(UTC).isoformat(),
        "currency": "EUR",
        "total": "44.90",
        "shipping_total": "5.90",
        "customer_id": None,
        "email": "grace@shopper.example",
        "is_new_customer": True,
        "shipping_address": {
            "name": "Grace Hopper",
            "line1": "1 Harbour Road",
            "line2": "",
            "city": "Dublin",
            "postcode": "D02",
            "country": "IE",
        },
        "lines": [
            {
                "line_id": f"{order_id[:8]}-1",
                "vendor_id": shop.vendor_id,
                "product_id": product_id,
                "variant_id": variant_id,
                "sku": f"{shop.vendor_id}-T-0",
                "title": "Thing 0",
                "options": {},
                "quantity": 1,
                "unit_price": "39.00",
                "line_total": "39.00",
            }
        ],
    }


def run_relay_thread(app, *, die_after: int | None, stop: threading.Event) -> tuple[threading.Thread, list]:
    """The relay loop in a thread; with die_after, its sender raises Killed once that many deliveries were sent."""
    sent: list[str] = []
    outcome: list[BaseException] = []
    real_sender = outbox.batch_sender

    def sender():
        real_send = real_sender()

        def send(subscriber, envelopes):
            if die_after is not None and len(sent) >= die_after:
                raise Killed(f"relay killed after {len(sent)} deliveries")
            results = real_send(subscriber, envelopes)
            sent.extend(envelope["id"] for envelope in envelopes)
            return results

        return send

    def loop() -> None:
        try:
            outbox.batch_sender = sender
            try:
                outbox.run_relay(app, idle_wait=0.2, stop=stop.is_set)
            finally:
                outbox.batch_sender = real_sender
        except BaseException as exc:  # noqa: BLE001 - the "kill" ends the thread; the test reads it
            outcome.append(exc)

    thread = threading.Thread(target=loop, daemon=True)
    thread.start()
    return thread, sent, outcome


def wait_until(condition, timeout: float = 60.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


@pytest.mark.slow
def test_a_relay_killed_mid_batch_and_restarted_applies_every_event_exactly_once(platform) -> None:
    shop = open_shop(platform, 50)
    storefront = platform.storefront
    with storefront.app_context():
        db = storefront.extensions["sqlalchemy"]
        events = [str(record_event("order.placed", order_placed(shop, n))) for n in range(ORDERS)]
        db.session.commit()
        db.session.remove()
    deliveries = ORDERS * 2  # vendor_portal and admin_portal each get every order

    stop = threading.Event()
    # One round claims all 16 deliveries: a batch of 8 for each subscriber; the relay dies after the first.
    thread, sent, outcome = run_relay_thread(storefront, die_after=1, stop=stop)
    thread.join(timeout=60)
    assert not thread.is_alive() and outcome and isinstance(outcome[0], Killed), outcome
    placed = "SELECT count(*) FROM inbox_event WHERE type = 'order.placed'"
    applied_before_restart = scalar(platform.vendor, placed) + scalar(platform.admin, placed)
    assert applied_before_restart == ORDERS, "the killed relay should have got one subscriber's batch through"
    # The round died before its bookkeeping committed: every delivery is still pending, so 8 will repeat.
    assert scalar(storefront, "SELECT count(*) FROM outbox_delivery WHERE status = 'pending'") == deliveries

    stop = threading.Event()
    thread, sent, outcome = run_relay_thread(storefront, die_after=None, stop=stop)
    try:
        done = wait_until(
            lambda: scalar(storefront, "SELECT count(*) FROM outbox_delivery WHERE status = 'delivered'") == deliveries
        )
    finally:
        stop.set()
        thread.join(timeout=30)
    assert done, sql(storefront, "SELECT subscriber, status, attempts, last_error FROM outbox_delivery")
    assert not outcome, outcome
    assert len(sent) == deliveries, "the restarted relay sends every delivery, the 8 repeats included"

    # Exactly once: one inbox row per event at each subscriber, one vendor order and one sale per order.
    for app in (platform.vendor, platform.admin):
        received = {str(row[0]) for row in sql(app, "SELECT event_id FROM inbox_event WHERE type = 'order.placed'")}
        assert received == set(events)
    assert scalar(platform.vendor, "SELECT count(*) FROM vendor_order") == ORDERS
    assert scalar(platform.admin, "SELECT count(*) FROM analytics_order") == ORDERS
    # The ledger's entries for these orders: each order's line booked once, not once per delivery.
    booked = sql(
        platform.admin, "SELECT order_id, count(DISTINCT line_id), count(*) FROM ledger_entry GROUP BY order_id"
    )
    assert len(booked) == ORDERS
    assert all(lines * 2 >= rows for _, lines, rows in booked), booked  # at most a sale and its commission
    repeated = sql(
        platform.admin, "SELECT line_id, kind, count(*) FROM ledger_entry GROUP BY line_id, kind HAVING count(*) > 1"
    )
    assert not repeated, f"ledger entries booked twice: {repeated}"
