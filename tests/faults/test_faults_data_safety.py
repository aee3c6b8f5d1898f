"""Nothing is lost or made up: after a concurrency run and a fault run, the books balance.

Stock, per variant: received (positive adjustments: initial, received, returned, cancelled, import and
upward corrections) - written off (damaged, downward corrections) - sold (sale) == stock_on_hand, and
reserved == the units of held reservations. Money, per order: what was captured is the order's total for
every order that was placed (nothing for one that failed), refunds add up to refunded_total and never
exceed what was captured, and a cancelled order is refunded in full. Across services: every placed order's
reservation is committed in the vendor portal with the same lines.
"""

from __future__ import annotations

import random
import threading
import uuid
from decimal import Decimal

import pytest
import requests

from common_core.errors import PeerError
from common_core.internal.client import InternalClient
from tests.faults.shop import open_shop
from tests.security.world import checkout, post_with_token, scalar, sql

THREADS = 6
ROUNDS = 8
UP = ("initial", "received", "returned", "cancelled", "import")


def reservations_client(platform) -> InternalClient:
    """The storefront's signed client for the vendor portal, on a session of its own (one per thread)."""
    session = requests.Session()
    session.mount("http://", platform.adapters["vendor_portal"])
    with platform.storefront.app_context():
        return InternalClient.for_peer("vendor_portal", session=session, retries=0)


def concurrency_run(platform, variants: list[int]) -> dict[str, int]:
    """Threads reserve random lines, then commit or release; some repeat a call (idempotency)."""
    outcomes = {"committed": 0, "released": 0, "refused": 0, "unavailable": 0}
    lock = threading.Lock()
    errors: list[BaseException] = []

    def worker(seed: int) -> None:
        rng = random.Random(seed)
        client = reservations_client(platform)
        try:
            with platform.storefront.app_context():
                for _ in range(ROUNDS):
                    order_id = uuid.uuid4().hex
                    lines = [
                        {"variant_id": v, "quantity": rng.randint(1, 3)}
                        for v in rng.sample(variants, rng.randint(1, 2))
                    ]
                    try:
                        client.post("/internal/reservations", {"order_id": order_id, "lines": lines}, idempotent=True)
                    except PeerError:
                        with lock:
                            outcomes["refused"] += 1
                        continue
                    action = "commit" if rng.random() < 0.6 else "release"
                    for _ in range(rng.choice((1, 2))):  # a retried call must change nothing more
                        client.post(f"/internal/reservations/{order_id}/{action}", idempotent=True)
                    with lock:
                        outcomes["committed" if action == "commit" else "released"] += 1
        except BaseException as exc:  # noqa: BLE001 - reported by the test below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(seed,)) for seed in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    return outcomes


def fault_run(platform, shop) -> None:
    """Checkouts that succeed, are declined, meet a stopped vendor portal; a cancellation; stock written off."""
    buyers = [shop.shopper(f"buyer{n}@shopper.example") for n in range(3)]
    for n, buyer in enumerate(buyers):
        assert shop.add(buyer, 3 + n % 2, 2).status_code == 303  # the products the threads left alone
    assert checkout(buyers[0], email=None).status_code == 303
    assert checkout(buyers[1], email=None, card="4000 0000 0000 0002").status_code != 303  # declined
    platform.adapters["vendor_portal"].down = True
    assert checkout(buyers[2], email=None).status_code == 503  # fails closed
    platform.adapters["vendor_portal"].down = False
    assert checkout(buyers[2], email=None).status_code == 303
    assert checkout(buyers[1], email=None).status_code == 303
    platform.drain()
    # The first buyer cancels: refunded, and the vendor puts the stock back when the event arrives.
    number = scalar(
        platform.storefront, "SELECT number FROM orders WHERE email = 'buyer0@shopper.example' AND status = 'placed'"
    )
    response = post_with_token(buyers[0], f"/orders/{number}/cancel", f"/orders/{number}/cancel", {})
    assert response.status_code == 303, response.status_code
    platform.drain()
    # The store writes some off and receives some, through its stock page.
    _, variant_id = shop.products[3]
    for delta, reason in (("-1", "damaged"), ("4", "received"), ("-2", "correction")):
        post_with_token(
            shop.store,
            f"/inventory/variants/{variant_id}",
            f"/inventory/variants/{variant_id}",
            {"delta": delta, "reason": reason, "note": "count"},
        )
    platform.drain()


def stock_books(platform) -> list[str]:
    rows = sql(
        platform.vendor,
        """
        SELECT v.id, v.stock_on_hand, v.reserved,
               coalesce(sum(a.delta) FILTER (WHERE a.reason IN :up OR (a.reason = 'correction' AND a.delta > 0)), 0),
               coalesce(-sum(a.delta) FILTER (WHERE a.reason = 'damaged'
                                              OR (a.reason = 'correction' AND a.delta < 0)), 0),
               coalesce(-sum(a.delta) FILTER (WHERE a.reason = 'sale'), 0),
               coalesce((SELECT sum(l.quantity) FROM reservation_line l JOIN reservation r ON r.id = l.reservation_id
                         WHERE l.variant_id = v.id AND r.status = 'held'), 0)
        FROM variant v LEFT JOIN stock_adjustment a ON a.variant_id = v.id
        GROUP BY v.id ORDER BY v.id
        """.replace(":up", str(UP)),
    )
    problems = []
    for variant_id, on_hand, reserved, received, written_off, sold, held in rows:
        if received - written_off - sold != on_hand:
            problems.append(
                f"variant {variant_id}: received {received} - written off {written_off} - sold {sold} "
                f"= {received - written_off - sold}, but {on_hand} on hand"
            )
        if reserved != held:
            problems.append(f"variant {variant_id}: reserved {reserved}, held reservations {held}")
    return problems


def money_books(platform) -> list[str]:
    rows = sql(
        platform.storefront,
        """
        SELECT o.number, o.status, o.total, o.refunded_total,
               coalesce((SELECT sum(p.amount) FROM payment p WHERE p.order_id = o.id AND p.status = 'captured'), 0),
               coalesce((SELECT sum(r.amount) FROM refund r WHERE r.order_id = o.id), 0)
        FROM orders o ORDER BY o.number
        """,
    )
    problems = []
    paid_statuses = {"placed", "cancelled", "partially_cancelled", "completed"}
    for number, status, total, refunded_total, captured, refunds in rows:
        expected = total if status in paid_statuses else Decimal("0.00")
        if captured != expected:
            problems.append(f"{number} ({status}): captured {captured}, expected {expected}")
        if refunds != refunded_total:
            problems.append(f"{number}: refunds add up to {refunds}, refunded_total says {refunded_total}")
        if refunds > captured:
            problems.append(f"{number}: refunded {refunds}, more than the {captured} captured")
        if status == "cancelled" and refunds != captured:
            problems.append(f"{number}: cancelled but only {refunds} of {captured} refunded")
        if captured - refunds != expected - refunded_total:
            problems.append(
                f"{number}: captured - refunds = {captured - refunds}, total - refunded = {expected - refunded_total}"
            )
    return problems


def reservations_match_orders(platform) -> list[str]:
    orders = sql(
        platform.storefront,
        "SELECT o.id, o.number, l.variant_id, sum(l.quantity) FROM orders o JOIN order_line l ON l.order_id = o.id "
        "WHERE o.status IN ('placed', 'cancelled', 'partially_cancelled', 'completed') "
        "GROUP BY o.id, o.number, l.variant_id",
    )
    held = {
        (order_id, variant_id): (status, quantity)
        for order_id, status, variant_id, quantity in sql(
            platform.vendor,
            "SELECT r.order_id, r.status, l.variant_id, l.quantity FROM reservation r "
            "JOIN reservation_line l ON l.reservation_id = r.id",
        )
    }
    problems = []
    for order_id, number, variant_id, quantity in orders:
        found = held.get((order_id, variant_id))
        if found != ("committed", quantity):
            problems.append(f"{number}: variant {variant_id} x{quantity} placed, vendor portal has {found}")
    return problems


@pytest.mark.slow
def test_after_a_concurrency_run_and_a_fault_run_stock_and_money_add_up(platform) -> None:
    shop = open_shop(platform, 20, 15, 10, 20, 20)
    variants = [variant_id for _, variant_id in shop.products[:3]]
    outcomes = concurrency_run(platform, variants)
    assert outcomes["committed"] and outcomes["released"], outcomes
    platform.drain()
    fault_run(platform, shop)

    problems = stock_books(platform) + money_books(platform) + reservations_match_orders(platform)
    assert not problems, "\n".join(problems)
    # And the shop's copy agrees with the truth about what can be sold.
    truth = dict(sql(platform.vendor, "SELECT id, stock_on_hand - reserved FROM variant"))
    copy = dict(sql(platform.storefront, "SELECT id, available FROM variant"))
    assert copy == truth
