"""What the relay chores finish after an outage or a crash in the middle of placing an order."""

from __future__ import annotations

import pytest

from common_core.errors import PeerUnavailable
from storefront.checkout import operations
from storefront.checkout.stock import ReservationClient
from tests.storefront.checkout_fixtures import (
    market_fixture,  # noqa: F401 - the market fixture
    order_row,
    outbox,
    placed_number,
    shopper_fixture,  # noqa: F401 - the shopper fixture
    sql,
)
from tests.storefront.conftest import storefront_execute


@pytest.fixture
def stand(market):
    store = market.store("Acme Audio")
    return market.product(store, "Walnut headphone stand", [("39.00", 5, {})])[0]


def run_chore(app, chore):
    with app.app_context():
        result = chore()
        app.extensions["sqlalchemy"].session.remove()
    return result


def steps(app, number):
    rows = sql(
        app, "SELECT e.status FROM order_event e JOIN orders o ON o.id = e.order_id WHERE o.number = :n", n=number
    )
    return [row.status for row in rows]


def test_a_paid_order_whose_stock_commit_failed_is_placed_and_committed_later(
    storefront, market, shopper, stand, monkeypatch
):
    def unreachable(self, order_id):
        raise PeerUnavailable("vendor_portal")

    guest = shopper()
    guest.add(stand, 2)
    with monkeypatch.context() as patch:
        patch.setattr(ReservationClient, "commit", unreachable)
        number = placed_number(guest.checkout())

    assert order_row(storefront, number).status == "placed"  # the shopper paid and the stock is held
    assert "commit_pending" in steps(storefront, number)
    assert market.stock(stand) == (5, 2)
    assert outbox(storefront, "order.placed")

    assert run_chore(storefront, operations.retry_pending_commits) == 1
    assert market.stock(stand) == (3, 0)
    assert "stock_committed" in steps(storefront, number)
    assert run_chore(storefront, operations.retry_pending_commits) == 0  # done once


def make_older(app, number, minutes):
    sql = "UPDATE orders SET created_at = created_at - make_interval(mins => :m) WHERE number = :n"
    storefront_execute(app, sql, n=number, m=minutes)


def pending_number(app):
    rows = sql(app, "SELECT number FROM orders WHERE status = 'pending'")
    assert len(rows) == 1
    return rows[0].number


def test_a_checkout_interrupted_before_payment_is_failed_and_its_stock_released(
    storefront, market, shopper, stand, monkeypatch
):
    from storefront.checkout import payments

    def crash(*args, **kwargs):
        raise RuntimeError("the process died here")

    guest = shopper()
    guest.add(stand, 1)
    with monkeypatch.context() as patch:
        patch.setattr(payments.TestProvider, "charge", crash)
        with pytest.raises(RuntimeError):
            guest.checkout()
    number = pending_number(storefront)
    assert market.stock(stand) == (5, 1)

    assert run_chore(storefront, operations.recover_stale_orders) == 0  # not stale yet
    make_older(storefront, number, 3)
    assert run_chore(storefront, operations.recover_stale_orders) == 0  # unpaid: its request may just be slow
    make_older(storefront, number, 60)
    assert run_chore(storefront, operations.recover_stale_orders) == 1
    assert order_row(storefront, number).status == "failed"
    assert market.stock(stand) == (5, 0)
    assert not sql(storefront, "SELECT 1 FROM payment")


def test_a_checkout_interrupted_after_payment_is_placed_by_the_chore(storefront, market, shopper, stand, monkeypatch):
    def crash(self, order_id):
        raise RuntimeError("the process died here")

    guest = shopper()
    guest.add(stand, 1)
    with monkeypatch.context() as patch:
        patch.setattr(ReservationClient, "commit", crash)
        with pytest.raises(RuntimeError):
            guest.checkout()
    number = pending_number(storefront)
    make_older(storefront, number, 3)  # paid minutes ago: finished while its stock is still held

    assert run_chore(storefront, operations.recover_stale_orders) == 1
    row = order_row(storefront, number)
    assert row.status == "placed" and row.placed_at is not None
    assert market.stock(stand) == (4, 0)
    assert [e["number"] for e in outbox(storefront, "order.placed")] == [number]
    assert sql(storefront, "SELECT count(*) FROM order_vendor_part")[0][0] == 1
