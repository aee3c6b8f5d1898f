"""The analytics read models kept from events: applied once, in any arrival order, without calling any peer."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from common_core.errors import PeerError
from tests.admin_portal.conftest import deliver, order_data, rows

PLACED = datetime(2026, 3, 14, 23, 30, tzinfo=UTC)


def test_an_order_and_its_lines_are_kept_once_with_the_category_known_then(platform, make_category):
    audio = make_category("Audio")
    product = {
        "product_id": 1,
        "vendor_id": 7,
        "title": "Headphones",
        "status": "active",
        "currency": "EUR",
        "variants": [],
        "category_id": audio,
    }
    deliver(platform, "product.upserted", product)
    order = order_data(PLACED, [(7, 1, 2, "19.99"), (8, 2, 1, "5.00")], shipping="3.50")
    assert deliver(platform, "order.placed", order) == "applied"
    # The storefront publishing the same order again (a new event id) changes nothing.
    assert deliver(platform, "order.placed", order) == "applied"

    found = rows(platform.admin, "SELECT number, placed_on, total, shipping_total, status FROM analytics_order")
    assert [(r.number, r.placed_on.isoformat(), r.total, r.shipping_total, r.status) for r in found] == [
        (order["number"], "2026-03-14", Decimal("48.48"), Decimal("3.50"), "placed")
    ]
    lines = rows(
        platform.admin,
        "SELECT product_id, vendor_id, quantity, line_total, category_id FROM analytics_order_line ORDER BY product_id",
    )
    assert [tuple(r) for r in lines] == [(1, 7, 2, Decimal("39.98"), audio), (2, 8, 1, Decimal("5.00"), None)]


def test_a_repeated_delivery_of_the_same_event_is_a_duplicate(platform):
    event_id = str(uuid.uuid4())
    order = order_data(PLACED, [(7, 1, 1, "10.00")])
    assert deliver(platform, "order.placed", order, event_id=event_id) == "applied"
    assert deliver(platform, "order.placed", order, event_id=event_id) == "duplicate"
    assert len(rows(platform.admin, "SELECT 1 FROM ledger_entry WHERE kind = 'sale'")) == 1


def test_a_cancellation_arriving_before_its_order_is_refused_until_the_order_is_known(platform):
    order = order_data(PLACED, [(7, 1, 2, "10.00"), (7, 2, 1, "4.00")])
    cancel = {
        "order_id": order["order_id"],
        "number": order["number"],
        "reason": "changed mind",
        "lines": [{"line_id": order["lines"][0]["line_id"], "quantity": 1}],
    }
    with pytest.raises(PeerError) as refused:
        deliver(platform, "order.cancelled", cancel)
    assert refused.value.status == 422 and "not known yet" in refused.value.message

    deliver(platform, "order.placed", order)
    assert deliver(platform, "order.cancelled", cancel) == "applied"
    assert rows(platform.admin, "SELECT status FROM analytics_order")[0].status == "partially_cancelled"
    whole = {"order_id": order["order_id"], "number": order["number"], "reason": "out of stock"}
    deliver(platform, "order.cancelled", whole)
    assert rows(platform.admin, "SELECT status FROM analytics_order")[0].status == "cancelled"
    assert [
        r.cancelled_quantity
        for r in rows(platform.admin, "SELECT cancelled_quantity FROM analytics_order_line ORDER BY product_id")
    ] == [2, 1]


def test_a_refund_is_counted_once_per_refund_id(platform):
    order = order_data(PLACED, [(7, 1, 1, "50.00")])
    deliver(platform, "order.placed", order)
    refund = {
        "order_id": order["order_id"],
        "number": order["number"],
        "refund_id": "rf-1",
        "amount": "20.00",
        "currency": "EUR",
        "reason": "scratched",
        "lines": [{"line_id": order["lines"][0]["line_id"], "amount": "20.00"}],
    }
    deliver(platform, "order.refunded", refund)
    deliver(platform, "order.refunded", refund)  # a new event for the same refund
    assert rows(platform.admin, "SELECT refunded_total FROM analytics_order")[0].refunded_total == Decimal("20.00")
    assert rows(platform.admin, "SELECT refunded_amount FROM analytics_order_line")[0].refunded_amount == Decimal(
        "20.00"
    )
    assert len(rows(platform.admin, "SELECT 1 FROM analytics_refund")) == 1


def test_fulfilment_keeps_the_newest_status_and_every_step_on_the_timeline(platform):
    base = {"order_id": str(uuid.uuid4()), "vendor_id": 7}
    shipped = {
        **base,
        "status": "shipped",
        "carrier": "DHL",
        "tracking_number": "JD01",
        "updated_at": (PLACED + timedelta(hours=5)).isoformat(),
    }
    packed = {**base, "status": "packed", "updated_at": (PLACED + timedelta(hours=2)).isoformat()}
    deliver(platform, "fulfilment.updated", shipped)
    deliver(platform, "fulfilment.updated", packed)  # late, older: the timeline gets it, the status stays
    part = rows(platform.admin, "SELECT status, carrier, tracking_number FROM analytics_fulfilment")
    assert [tuple(r) for r in part] == [("shipped", "DHL", "JD01")]
    steps = rows(platform.admin, "SELECT status FROM analytics_fulfilment_step ORDER BY at")
    assert [r.status for r in steps] == ["packed", "shipped"]


def test_traffic_counts_each_visitor_once_per_day_across_batches(platform):
    day = "2026-03-14T10:00:00+00:00"
    next_day = "2026-03-15T10:00:00+00:00"

    def event(kind: str, visitor: str, at: str = day, product_id: int | None = None) -> dict:
        return {"kind": kind, "visitor": visitor, "at": at, "path": "/p", "product_id": product_id, "vendor_id": None}

    deliver(platform, "traffic.batch", {"events": [event("page_view", "a"), event("product_view", "a", product_id=5)]})
    deliver(
        platform,
        "traffic.batch",
        {
            "events": [
                event("page_view", "a"),
                event("product_view", "a", product_id=5),
                event("page_view", "b"),
                event("page_view", "a", at=next_day),
                {"kind": "bogus"},
            ]
        },
    )
    found = rows(
        platform.admin,
        "SELECT day, visitors, page_views, product_views, product_viewers FROM analytics_traffic_day ORDER BY day",
    )
    assert [(r.day.isoformat(), r.visitors, r.page_views, r.product_views, r.product_viewers) for r in found] == [
        ("2026-03-14", 2, 3, 2, 1),
        ("2026-03-15", 1, 1, 0, 0),
    ]
    assert [tuple(r) for r in rows(platform.admin, "SELECT product_id, views FROM analytics_product_view_day")] == [
        (5, 2)
    ]


def test_an_older_product_update_does_not_undo_a_newer_one(platform):
    product = {"product_id": 1, "vendor_id": 7, "status": "active", "currency": "EUR", "variants": []}
    deliver(platform, "product.upserted", {**product, "title": "New name", "updated_at": "2026-03-14T10:00:00+00:00"})
    deliver(platform, "product.upserted", {**product, "title": "Old name", "updated_at": "2026-03-13T10:00:00+00:00"})
    deliver(
        platform,
        "product.removed",
        {"product_id": 1, "vendor_id": 7, "reason": "archived", "updated_at": "2026-03-15T10:00:00+00:00"},
    )
    found = rows(platform.admin, "SELECT title, status FROM analytics_product")
    assert [tuple(r) for r in found] == [("New name", "removed")]
