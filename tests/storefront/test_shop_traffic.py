"""Traffic: page and product views counted without personal data, and published in batches for analytics.

A view is written once the response has been sent (when the server closes it), so these tests close
each response as a WSGI server does.
"""

from __future__ import annotations

import logging
import re

import pytest
import sqlalchemy as sa

from storefront.traffic import internal as traffic_internal
from storefront.traffic import routes as traffic_routes
from tests.conftest import run_together, submit
from tests.storefront.profile_fixtures import PASSWORD, scalar, sign_up, sql

HTMX = {"HX-Request": "true"}


@pytest.fixture
def headphones(shop):
    shop.product(1, title="Wireless Headphones", vendor_id=1)
    return shop


def view(client, url, **kw):
    response = client.get(url, **kw)
    response.close()  # what the server does once the body is sent
    return response


def rows(app) -> list:
    return sql(app, "SELECT kind, visitor, path, product_id, vendor_id, at FROM traffic_event ORDER BY id")


def relay(app) -> int:
    with app.app_context():
        return traffic_internal.relay_traffic()


def batches(app) -> list[list[dict]]:
    return [row.data["events"] for row in sql(app, "SELECT data FROM outbox_event WHERE type = 'traffic.batch'")]


def add_rows(app, count: int) -> None:
    with app.app_context():
        db = app.extensions["sqlalchemy"]
        db.session.execute(
            sa.text(
                "INSERT INTO traffic_event (kind, visitor, path)"
                " SELECT 'page_view', 'v', '/p' || n FROM generate_series(1, :c) n"
            ),
            {"c": count},
        )
        db.session.commit()


def test_a_product_page_view_is_recorded_with_the_product_and_nothing_personal(storefront, headphones):
    client = sign_up(storefront)
    assert view(client, "/p/1-wireless-headphones").status_code == 200

    [row] = [r for r in rows(storefront) if r.kind == "product_view"]
    assert (row.path, row.product_id, row.vendor_id) == ("/p/1-wireless-headphones", 1, 1)
    assert re.fullmatch(r"[0-9a-f]{32}", row.visitor)
    columns = {
        c.name
        for c in sql(
            storefront, "SELECT column_name AS name FROM information_schema.columns WHERE table_name = 'traffic_event'"
        )
    }
    assert columns == {"id", "kind", "visitor", "path", "product_id", "vendor_id", "at"}  # no IP, agent, customer
    assert "ada@example.com" not in str(rows(storefront))


def test_other_pages_are_page_views_and_one_browser_is_one_visitor(storefront, headphones):
    browser, other = storefront.test_client(), storefront.test_client()
    view(browser, "/")
    view(browser, "/search?q=headphones")
    view(other, "/")

    recorded = rows(storefront)
    assert [(r.kind, r.path, r.product_id) for r in recorded] == [
        ("page_view", "/", None),
        ("page_view", "/search", None),
        ("page_view", "/", None),
    ]
    assert recorded[0].visitor == recorded[1].visitor != recorded[2].visitor
    with browser.session_transaction() as session:
        assert session["visitor"] == recorded[0].visitor


def test_a_repeat_view_answered_not_modified_still_counts_as_a_product_view(storefront, headphones):
    browser = storefront.test_client()
    first = view(browser, "/p/1-wireless-headphones")
    again = view(browser, "/p/1-wireless-headphones", headers={"If-None-Match": first.headers["ETag"]})

    assert again.status_code == 304
    assert [(r.kind, r.product_id, r.vendor_id) for r in rows(storefront)] == [("product_view", 1, 1)] * 2


def test_the_visitor_stays_the_same_across_sign_in(storefront, headphones):
    sign_up(storefront)
    browser = storefront.test_client()
    view(browser, "/p/1-wireless-headphones")
    assert submit(browser, "/account/signin", {"email": "ada@example.com", "password": PASSWORD}).status_code == 302
    view(browser, "/p/1-wireless-headphones")

    visitors = {r.visitor for r in rows(storefront) if r.kind == "product_view"}
    assert len(visitors) == 1


@pytest.mark.parametrize(
    ("url", "headers"),
    [
        ("/search?q=head", HTMX),  # an htmx partial
        ("/p/1-wireless-headphones?option-0=x", HTMX),
        ("/static/ui/css/marketplace.css", {}),
        ("/static/css/storefront.css", {}),
        ("/healthz", {}),
        ("/readyz", {}),
        ("/p/999", {}),  # not found
        ("/p/1", {}),  # a redirect to the canonical address
        ("/internal/customers", {}),  # refused, and not a page anyway
    ],
)
def test_partials_assets_health_checks_and_failures_are_not_counted(storefront, headphones, url, headers):
    view(storefront.test_client(), url, headers=headers)

    assert rows(storefront) == []


def test_a_boosted_navigation_is_a_whole_page_and_counts(storefront, headphones):
    view(storefront.test_client(), "/search", headers={**HTMX, "HX-Boosted": "true"})

    assert [r.kind for r in rows(storefront)] == ["page_view"]


def test_a_failed_write_is_logged_and_the_page_is_unharmed(storefront, headphones, monkeypatch, caplog):
    bad = {"kind": "not-a-kind", "visitor": "v", "path": "/", "product_id": None, "vendor_id": None, "at": None}
    monkeypatch.setattr(traffic_routes.operations, "traffic_row", lambda *a, **k: bad)

    with caplog.at_level(logging.WARNING, logger="marketplace.storefront.traffic"):
        response = view(storefront.test_client(), "/")

    assert response.status_code == 200 and "Shop independent stores" in response.get_data(as_text=True)
    assert "traffic views not recorded" in caplog.text
    assert rows(storefront) == []


def test_views_gathered_by_a_worker_are_written_together_soon_after(storefront, headphones, monkeypatch):
    monkeypatch.setitem(storefront.config, "TRAFFIC_WRITE_DELAY", 60)  # the thread will not flush during the test
    monkeypatch.delitem(storefront.extensions, "traffic_views", raising=False)
    client = storefront.test_client()
    for url in ("/", "/p/1-wireless-headphones", "/search?q=headphones"):
        assert view(client, url).status_code == 200
    assert rows(storefront) == []  # waiting in this process

    assert storefront.extensions["traffic_views"].flush() == 3
    kinds = [(row.kind, row.path, row.product_id, row.vendor_id) for row in rows(storefront)]
    assert kinds == [
        ("page_view", "/", None, None),
        ("product_view", "/p/1-wireless-headphones", 1, 1),
        ("page_view", "/search", None, None),
    ]
    assert len({row.visitor for row in rows(storefront)}) == 1


def test_a_full_buffer_is_written_at_once(storefront, headphones, monkeypatch):
    from storefront.traffic.operations import ViewBuffer

    buffer = ViewBuffer(storefront, delay=60, limit=2)
    monkeypatch.setitem(storefront.config, "TRAFFIC_WRITE_DELAY", 60)
    monkeypatch.setitem(storefront.extensions, "traffic_views", buffer)
    client = storefront.test_client()
    view(client, "/")
    assert rows(storefront) == []
    view(client, "/p/1-wireless-headphones")
    assert len(rows(storefront)) == 2


def test_a_shoppers_action_is_kept_once_its_change_commits_and_never_when_it_rolls_back(storefront, headphones):
    from storefront.traffic.operations import record_traffic

    db = storefront.extensions["sqlalchemy"]
    with storefront.test_request_context("/cart/add", method="POST"):
        db.session.execute(sa.text("SELECT 1"))
        record_traffic("add_to_cart", product_id=1, vendor_id=1)
        db.session.rollback()
    assert rows(storefront) == []

    with storefront.test_request_context("/cart/add", method="POST"):
        db.session.execute(sa.text("SELECT 1"))
        record_traffic("add_to_cart", product_id=1, vendor_id=1)
        assert rows(storefront) == []  # not before its transaction commits
        db.session.commit()
    assert [(row.kind, row.path, row.product_id, row.vendor_id) for row in rows(storefront)] == [
        ("add_to_cart", "/cart/add", 1, 1)
    ]


def test_the_relay_chore_is_registered_every_ten_seconds(storefront):
    chores = dict(storefront.extensions["relay_chores"])
    assert chores[traffic_internal.relay_traffic] == 10


def test_the_chore_publishes_a_traffic_batch_empties_the_table_and_analytics_receive_it(
    platform, storefront, headphones
):
    view(storefront.test_client(), "/p/1-wireless-headphones")
    view(storefront.test_client(), "/")

    assert relay(storefront) == 2
    assert rows(storefront) == []
    [events] = batches(storefront)
    assert [e["kind"] for e in events] == ["product_view", "page_view"]
    product_view = events[0]
    assert set(product_view) == {"kind", "visitor", "at", "path", "product_id", "vendor_id"}
    assert (product_view["product_id"], product_view["vendor_id"], product_view["path"]) == (
        1,
        1,
        "/p/1-wireless-headphones",
    )
    assert events[1]["product_id"] is None and events[1]["vendor_id"] is None

    platform.drain()
    for peer in (platform.admin, platform.vendor):
        assert scalar(peer, "SELECT count(*) FROM inbox_event WHERE type = 'traffic.batch'") == 1
    assert relay(storefront) == 0 and len(batches(storefront)) == 1  # nothing left, nothing sent again


def test_batches_hold_at_most_500_views(storefront):
    add_rows(storefront, 1201)

    assert relay(storefront) == 1201
    assert sorted(len(events) for events in batches(storefront)) == [201, 500, 500]
    assert rows(storefront) == []


def test_rows_another_relay_has_claimed_are_skipped_not_sent_twice(storefront):
    add_rows(storefront, 10)
    with storefront.app_context():
        engine = storefront.extensions["sqlalchemy"].engine
    with engine.connect() as other_relay, other_relay.begin():
        other_relay.execute(sa.text("SELECT id FROM traffic_event WHERE id <= 4 FOR UPDATE"))
        assert relay(storefront) == 6  # does not wait for, nor send, the claimed rows
    assert relay(storefront) == 4
    paths = [e["path"] for events in batches(storefront) for e in events]
    assert sorted(paths) == sorted(f"/p{n}" for n in range(1, 11))


def test_two_relays_at_once_publish_every_view_exactly_once(storefront):
    add_rows(storefront, 3000)

    def run() -> None:
        with storefront.app_context():
            traffic_internal.relay_traffic()
            storefront.extensions["sqlalchemy"].session.remove()

    run_together([run, run])  # re-raises what either relay raised
    paths = [e["path"] for events in batches(storefront) for e in events]
    assert len(paths) == 3000 and len(set(paths)) == 3000
    assert rows(storefront) == []
