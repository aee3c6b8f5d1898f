"""System health: each service's readiness and outbox, a plain "unreachable" for a service that is down,
and the owners' retry of a dead delivery, end to end."""

from __future__ import annotations

import pytest

from common_core.outbox import record_event
from tests.admin_portal.conftest import audit_entries, delivery_statuses, rows, token_of
from tests.admin_portal.test_admin_pages import assert_well_formed


def section(html: str, service_id: str) -> str:
    return html.split(f'id="service-{service_id}"', 1)[1].split("</section>", 1)[0]


def registered_customer(platform, customer_id: int = 1) -> None:
    """The storefront records a customer.registered event (admin_portal is its only subscriber)."""
    storefront = platform.storefront
    with storefront.app_context():
        data = {"customer_id": customer_id, "email": "c@example.com", "name": "C", "registered_at": None}
        record_event("customer.registered", data)
        storefront.extensions["sqlalchemy"].session.commit()


@pytest.fixture
def dead_delivery(platform, monkeypatch):
    """A customer.registered delivery from the storefront to the admin portal that died on its one attempt."""
    monkeypatch.setitem(platform.storefront.config, "OUTBOX_MAX_ATTEMPTS", 1)
    platform.adapters["admin_portal"].down = True
    registered_customer(platform)
    platform.drain()
    platform.adapters["admin_portal"].down = False
    assert delivery_statuses(platform.storefront, "customer.registered") == [("admin_portal", "dead")]
    return rows(platform.storefront, "SELECT id FROM outbox_delivery WHERE status = 'dead'")[0].id


def test_every_service_is_shown_ready_with_its_outbox(signed_in):
    response = signed_in("analyst").get("/health")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    for service in ("storefront", "vendor_portal", "admin_portal"):
        part = section(html, service)
        assert ">Ready</span>" in part and "Events waiting" in part and "No dead deliveries." in part
    assert_well_formed(html)


def test_a_service_that_is_down_shows_unreachable_and_the_page_still_renders(platform, signed_in):
    owner = signed_in("owner")
    platform.adapters["storefront"].down = True
    response = owner.get("/health")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert ">Unreachable</span>" in section(html, "storefront")
    assert "The storefront is unreachable right now." in html  # said once, at the top
    assert ">Ready</span>" in section(html, "vendor_portal") and ">Ready</span>" in section(html, "admin_portal")
    assert_well_formed(html)


def test_with_every_peer_down_the_admin_portal_still_reports_itself(platform, signed_in):
    owner = signed_in("owner")
    for adapter in platform.adapters.values():
        adapter.down = True
    html = owner.get("/health").get_data(as_text=True)
    assert ">Unreachable</span>" in section(html, "storefront") and ">Unreachable</span>" in section(
        html, "vendor_portal"
    )
    assert ">Ready</span>" in section(html, "admin_portal")


def test_an_owner_retries_a_dead_delivery_and_the_event_then_arrives(platform, signed_in, dead_delivery):
    owner = signed_in("owner")
    html = owner.get("/health").get_data(as_text=True)
    storefront = section(html, "storefront")
    assert "customer.registered" in storefront and "ConnectionError" in storefront
    assert f'action="/health/storefront/dead/{dead_delivery}/retry"' in storefront
    assert_well_formed(html)

    response = owner.post(f"/health/storefront/dead/{dead_delivery}/retry", data={"csrf_token": token_of(owner)})
    assert response.status_code == 302
    assert delivery_statuses(platform.storefront, "customer.registered") == [("admin_portal", "pending")]
    entry = audit_entries(platform.admin, "outbox_delivery")[-1]
    assert entry.action == "outbox.dead_retried" and entry.object_id == f"storefront:{dead_delivery}"

    platform.drain()
    assert delivery_statuses(platform.storefront, "customer.registered") == [("admin_portal", "delivered")]
    assert [r.customer_id for r in rows(platform.admin, "SELECT customer_id FROM analytics_customer")] == [1]
    assert "No dead deliveries." in section(owner.get("/health").get_data(as_text=True), "storefront")


def test_retrying_a_delivery_that_is_no_longer_dead_says_so(platform, signed_in, dead_delivery):
    owner = signed_in("owner")
    token = token_of(owner)
    owner.post(f"/health/storefront/dead/{dead_delivery}/retry", data={"csrf_token": token})
    response = owner.post(
        f"/health/storefront/dead/{dead_delivery}/retry", data={"csrf_token": token}, follow_redirects=True
    )
    assert "no longer dead" in response.get_data(as_text=True)
    assert len(audit_entries(platform.admin, "outbox_delivery")) == 1


def test_an_owner_retries_a_dead_delivery_of_the_admin_portals_own_outbox(
    platform, signed_in, make_category, monkeypatch
):
    monkeypatch.setitem(platform.admin.config, "OUTBOX_MAX_ATTEMPTS", 1)
    platform.adapters["vendor_portal"].down = True
    make_category("Audio")
    platform.drain()
    platform.adapters["vendor_portal"].down = False
    dead = rows(
        platform.admin, "SELECT id FROM outbox_delivery WHERE status = 'dead' AND subscriber = 'vendor_portal'"
    )[0].id
    owner = signed_in("owner")
    assert "category.upserted" in section(owner.get("/health").get_data(as_text=True), "admin_portal")

    assert (
        owner.post(f"/health/admin_portal/dead/{dead}/retry", data={"csrf_token": token_of(owner)}).status_code == 302
    )
    platform.drain()
    assert ("vendor_portal", "delivered") in delivery_statuses(platform.admin, "category.upserted")


def test_retrying_while_the_service_is_down_changes_nothing_and_says_so(platform, signed_in, dead_delivery):
    owner = signed_in("owner")
    token = token_of(owner)
    platform.adapters["storefront"].down = True
    response = owner.post(
        f"/health/storefront/dead/{dead_delivery}/retry", data={"csrf_token": token}, follow_redirects=True
    )
    assert response.status_code == 200
    assert "The storefront service is unavailable right now" in response.get_data(as_text=True)
    assert audit_entries(platform.admin, "outbox_delivery") == []
    platform.adapters["storefront"].down = False
    assert delivery_statuses(platform.storefront, "customer.registered") == [("admin_portal", "dead")]


def test_an_analyst_sees_dead_deliveries_but_cannot_retry_them(platform, signed_in, dead_delivery):
    analyst = signed_in("analyst")
    html = analyst.get("/health").get_data(as_text=True)
    assert "customer.registered" in html and "/retry" not in html
    response = analyst.post(f"/health/storefront/dead/{dead_delivery}/retry", data={"csrf_token": token_of(analyst)})
    assert response.status_code == 403
    assert delivery_statuses(platform.storefront, "customer.registered") == [("admin_portal", "dead")]


@pytest.mark.parametrize("role", ["catalogue_manager", "support"])
def test_other_roles_cannot_open_system_health(signed_in, role):
    assert signed_in(role).get("/health").status_code == 403
