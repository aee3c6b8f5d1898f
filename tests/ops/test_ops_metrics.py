"""/metrics: the named series for Prometheus, served to the inside network only, counting what services report."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from prometheus_client.parser import text_string_to_metric_families

from common_core import metrics
from common_core.db import current_db
from tests.storefront.checkout_fixtures import market_fixture, shopper_fixture  # noqa: F401 - fixtures

INSIDE = {"REMOTE_ADDR": "127.0.0.1"}
SERIES = (
    "marketplace_http_requests_total",
    "marketplace_http_request_duration_seconds",
    "marketplace_outbox_pending",
    "marketplace_outbox_dead",
    "marketplace_orders_placed_total",
    "marketplace_reservations_total",
)


def scrape(app, addr: str = "127.0.0.1") -> str:
    response = app.test_client().get("/metrics", environ_base={"REMOTE_ADDR": addr})
    assert response.status_code == 200, response.status_code
    assert response.content_type.startswith("text/plain")
    return response.get_data(as_text=True)


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def value(text: str, name: str, **labels: str) -> float:
    return samples(text).get((name, tuple(sorted(labels.items()))), 0.0)


def test_metrics_from_loopback_lists_every_named_series(storefront):
    storefront.test_client().get("/healthz", environ_base=INSIDE)
    text = scrape(storefront)
    for name in SERIES:
        assert f"\n{name}" in f"\n{text}", f"{name} missing from /metrics"
    assert "marketplace_http_request_duration_seconds_bucket" in text


@pytest.mark.parametrize("service", ["storefront", "admin_portal", "vendor_portal"])
def test_every_service_serves_metrics_inside_and_404_outside(platform, service):
    app = platform.apps[service]
    assert "marketplace_outbox_pending" in scrape(app)
    outside = app.test_client().get("/metrics", environ_base={"REMOTE_ADDR": "203.0.113.5"})
    assert outside.status_code == 404
    assert "marketplace_" not in outside.get_data(as_text=True)


@pytest.mark.parametrize("addr", ["10.1.2.3", "172.20.0.5", "192.168.1.10", "::1", "fd12:3456::1", "::ffff:10.0.0.7"])
def test_private_and_loopback_addresses_may_scrape(storefront, addr):
    assert "marketplace_http_requests_total" in scrape(storefront, addr)


@pytest.mark.parametrize("addr", ["203.0.113.5", "8.8.8.8", "172.32.0.1", "2001:db8::1", "::ffff:203.0.113.5", ""])
def test_public_addresses_get_the_ordinary_404(storefront, addr):
    response = storefront.test_client().get("/metrics", environ_base={"REMOTE_ADDR": addr})
    assert response.status_code == 404
    assert "Page not found" in response.get_data(as_text=True)


def test_behind_the_proxy_the_client_address_is_checked_not_the_proxy_address(storefront, monkeypatch):
    from common_core import production

    monkeypatch.setattr(storefront, "wsgi_app", storefront.wsgi_app)  # restored after the test
    storefront.config["PROXY_FIX_COUNT"] = 1
    try:
        production.init_app(storefront)  # as web.init_app does with PROXY_FIX_COUNT=1
        proxy = {"REMOTE_ADDR": "10.0.0.2"}  # nginx on the compose network
        client = storefront.test_client()
        public = client.get("/metrics", headers={"X-Forwarded-For": "203.0.113.5"}, environ_base=proxy)
        assert public.status_code == 404
        spoofed = client.get("/metrics", headers={"X-Forwarded-For": "10.9.9.9, 203.0.113.5"}, environ_base=proxy)
        assert spoofed.status_code == 404
        inside = client.get("/metrics", headers={"X-Forwarded-For": "10.0.0.7"}, environ_base=proxy)
        assert inside.status_code == 200
    finally:
        storefront.config["PROXY_FIX_COUNT"] = 0


def test_requests_are_counted_by_endpoint_name_method_and_status(storefront):
    client = storefront.test_client()
    before = scrape(storefront)
    client.get("/healthz", environ_base=INSIDE)
    client.get("/healthz", environ_base=INSIDE)
    client.get("/no/such/page/12345", environ_base=INSIDE)
    after = scrape(storefront)
    labels = {"service": "storefront", "method": "GET"}
    assert value(after, "marketplace_http_requests_total", endpoint="healthz", status="200", **labels) - value(
        before, "marketplace_http_requests_total", endpoint="healthz", status="200", **labels
    ) == pytest.approx(2)
    assert value(after, "marketplace_http_requests_total", endpoint="unmatched", status="404", **labels) > value(
        before, "marketplace_http_requests_total", endpoint="unmatched", status="404", **labels
    )
    assert "/no/such/page" not in after  # raw paths never become labels
    assert value(
        after, "marketplace_http_request_duration_seconds_count", endpoint="healthz", status="200", **labels
    ) >= value(after, "marketplace_http_requests_total", endpoint="healthz", status="200", **labels)


def test_an_odd_method_is_folded_into_other(storefront):
    storefront.test_client().open("/healthz", method="BREW", environ_base=INSIDE)
    assert 'method="BREW"' not in scrape(storefront)


def test_an_order_placed_shows_on_metrics_after_its_transaction_commits(storefront):
    """The line checkout adds: metrics.order_placed(session=db.session) next to record_event("order.placed")."""
    before = value(scrape(storefront), "marketplace_orders_placed_total")
    with storefront.app_context():
        session = current_db().session
        session.execute(sa.text("SELECT 1"))
        metrics.order_placed(session=session)
        assert value(scrape(storefront), "marketplace_orders_placed_total") == before  # not yet committed
        session.commit()
    assert value(scrape(storefront), "marketplace_orders_placed_total") == before + 1


def test_a_rolled_back_order_is_not_counted(storefront):
    before = value(scrape(storefront), "marketplace_orders_placed_total")
    with storefront.app_context():
        session = current_db().session
        session.execute(sa.text("SELECT 1"))
        metrics.order_placed(session=session)
        session.rollback()
        session.execute(sa.text("SELECT 1"))
        session.commit()  # a later commit does not resurrect the rolled-back count
    assert value(scrape(storefront), "marketplace_orders_placed_total") == before


def test_reservation_outcomes_are_counted_by_outcome(vendor):
    before = scrape(vendor)
    with vendor.app_context():
        session = current_db().session
        metrics.reservation_outcome("held", session=session)
        metrics.reservation_outcome("refused", session=session)
        metrics.reservation_outcome("expired", count=3, session=session)
        session.commit()
    metrics.reservation_outcome("released")  # no session: counted at once
    after = scrape(vendor)
    for outcome, added in {"held": 1, "refused": 1, "expired": 3, "released": 1, "committed": 0}.items():
        gained = value(after, "marketplace_reservations_total", outcome=outcome) - value(
            before, "marketplace_reservations_total", outcome=outcome
        )
        assert gained == added, outcome
    with pytest.raises(ValueError, match="unknown reservation outcome"):
        metrics.reservation_outcome("lost")


def test_outbox_backlog_and_dead_deliveries_are_read_at_scrape_time(admin):
    event_id = "00000000-0000-4000-8000-000000000001"
    with admin.app_context(), current_db().engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO outbox_event (id, type, version, occurred_at, data)"
                " VALUES (:id, 'category.retired', 1, now(), '{}')"
            ),
            {"id": event_id},
        )
        conn.execute(
            sa.text(
                "INSERT INTO outbox_delivery (event_id, subscriber, status, next_attempt_at) VALUES"
                " (:id, 'storefront', 'pending', now() - interval '90 seconds'),"
                " (:id, 'vendor_portal', 'dead', now())"
            ),
            {"id": event_id},
        )
    text = scrape(admin)
    assert value(text, "marketplace_outbox_pending", service="admin_portal") == 1
    assert value(text, "marketplace_outbox_dead", service="admin_portal") == 1
    assert value(text, "marketplace_outbox_oldest_pending_seconds", service="admin_portal") >= 90
    assert value(text, "marketplace_database_up", service="admin_portal") == 1


def test_a_scrape_still_answers_when_the_database_is_down(storefront, monkeypatch):
    from common_core import outbox

    def unreachable():
        raise sa.exc.OperationalError("SELECT", {}, Exception("connection refused"))

    monkeypatch.setattr(outbox, "stats", unreachable)
    text = scrape(storefront)
    assert value(text, "marketplace_database_up", service="storefront") == 0
    assert "marketplace_http_requests_total" in text


def test_after_a_real_checkout_metrics_show_the_order_and_its_reservation(platform, market, shopper):
    """The acceptance of the operations issue: a shopper checks out, and /metrics says so."""
    store = market.store("Acme Audio")
    item = market.product(store)[0]
    before_shop, before_vendor = scrape(platform.storefront), scrape(platform.vendor)

    buyer = shopper()
    buyer.add(item)
    assert buyer.checkout().status_code == 303

    shop, vendor = scrape(platform.storefront), scrape(platform.vendor)
    assert value(shop, "marketplace_orders_placed_total") == value(before_shop, "marketplace_orders_placed_total") + 1
    for outcome in ("held", "committed"):
        before = value(before_vendor, "marketplace_reservations_total", outcome=outcome)
        assert value(vendor, "marketplace_reservations_total", outcome=outcome) == before + 1
    requests = {"service": "storefront", "endpoint": "checkout.place", "method": "POST", "status": "303"}
    assert value(shop, "marketplace_http_requests_total", **requests) >= 1
