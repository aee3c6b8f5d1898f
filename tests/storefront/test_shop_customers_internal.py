"""The customer endpoints admin_portal calls: list and search, one customer, suspend and reactivate."""

from __future__ import annotations

import pytest

from tests.storefront.profile_fixtures import admin_call, customer_id, order_with, scalar, sign_in, sign_up, sql


@pytest.fixture
def customers(storefront):
    sign_up(storefront, "ada@example.com", "Ada Lovelace")
    sign_up(storefront, "grace@example.com", "Grace Hopper")
    sign_up(storefront, "alan@example.org", "Alan Turing")
    return storefront


def status_call(platform, cid, status, request_id="req-1", reason="Chargebacks"):
    return admin_call(
        platform,
        "POST",
        f"/internal/customers/{cid}/status",
        {"status": status, "reason": reason, "request_id": request_id},
    )


def test_list_is_newest_first_with_totals_and_orders_count(platform, customers):
    order_with(customers, customer_id(customers, "ada@example.com"), 1)
    order_with(customers, customer_id(customers, "ada@example.com"), 2)

    status, body = admin_call(platform, "GET", "/internal/customers", per_page=2)

    assert status == 200
    assert body["total"] == 3 and body["page"] == 1 and body["per_page"] == 2
    assert [c["email"] for c in body["customers"]] == ["alan@example.org", "grace@example.com"]
    status, page2 = admin_call(platform, "GET", "/internal/customers", per_page=2, page=2)
    [ada] = page2["customers"]
    assert ada["email"] == "ada@example.com" and ada["orders_count"] == 2
    assert set(ada) == {"customer_id", "email", "name", "status", "created_at", "orders_count"}


@pytest.mark.parametrize(
    ("q", "emails"),
    [
        ("grace", ["grace@example.com"]),  # name or email
        ("TURING", ["alan@example.org"]),  # any case
        ("example.com", ["grace@example.com", "ada@example.com"]),
        ("%", []),  # wildcards are plain characters
    ],
)
def test_search_matches_email_or_name(platform, customers, q, emails):
    status, body = admin_call(platform, "GET", "/internal/customers", q=q)

    assert status == 200
    assert [c["email"] for c in body["customers"]] == emails and body["total"] == len(emails)


def test_list_filters_by_status(platform, customers):
    status_call(platform, customer_id(customers, "grace@example.com"), "suspended")

    _, suspended = admin_call(platform, "GET", "/internal/customers", status="suspended")
    _, active = admin_call(platform, "GET", "/internal/customers", status="active")

    assert [c["email"] for c in suspended["customers"]] == ["grace@example.com"]
    assert len(active["customers"]) == 2


@pytest.mark.parametrize(
    "params",
    [{"status": "banned"}, {"page": "0"}, {"per_page": "101"}, {"page": "two"}, {"q": "x" * 201}, {"q": "a\x00b"}],
)
def test_bad_list_parameters_are_refused_with_422(platform, customers, params):
    status, body = admin_call(platform, "GET", "/internal/customers", **params)

    assert status == 422 and body["error"] == "invalid"


def test_one_customer_or_404(platform, customers):
    cid = customer_id(customers, "grace@example.com")

    status, body = admin_call(platform, "GET", f"/internal/customers/{cid}")
    assert status == 200 and body["name"] == "Grace Hopper" and body["status"] == "active"
    assert admin_call(platform, "GET", "/internal/customers/99999")[0] == 404


def test_unsigned_calls_are_refused(storefront, customers):
    client = storefront.test_client()

    assert client.get("/internal/customers").status_code == 401
    assert (
        client.post("/internal/customers/1/status", json={"status": "suspended", "request_id": "x"}).status_code == 401
    )
    assert scalar(storefront, "SELECT count(*) FROM customer WHERE status = 'suspended'") == 0


def test_vendor_portal_may_not_call_them(platform, customers):
    from common_core.errors import PeerError
    from common_core.internal.client import InternalClient

    with platform.vendor.app_context(), pytest.raises(PeerError) as refused:
        InternalClient.for_peer("storefront", retries=0).get("/internal/customers")
    assert refused.value.status == 403


def test_suspending_signs_the_customer_out_at_once_and_refuses_sign_in(platform, customers):
    ada_browser, _ = sign_in(customers, "ada@example.com")
    other_device, _ = sign_in(customers, "ada@example.com")
    assert ada_browser.get("/account").status_code == 200
    cid = customer_id(customers, "ada@example.com")

    status, body = status_call(platform, cid, "suspended")

    assert status == 200 and body["status"] == "suspended"
    for browser in (ada_browser, other_device):
        response = browser.get("/account")
        assert response.status_code == 302 and "/account/signin" in response.headers["Location"]
    _, refused = sign_in(customers, "ada@example.com")
    assert refused.status_code == 422
    assert "This account is suspended" in refused.get_data(as_text=True)
    live = "SELECT count(*) FROM auth_session WHERE principal_id = :id AND revoked_at IS NULL"
    assert scalar(customers, live, id=cid) == 0


def test_suspension_publishes_one_event_and_repeating_it_changes_nothing(platform, customers):
    cid = customer_id(customers, "ada@example.com")

    assert status_call(platform, cid, "suspended", "req-1")[0] == 200
    again_status, again = status_call(platform, cid, "suspended", "req-2")

    assert again_status == 200 and again["status"] == "suspended"
    events = sql(customers, "SELECT data FROM outbox_event WHERE type = 'customer.status_changed'")
    assert [e.data for e in events] == [{"customer_id": cid, "status": "suspended"}]
    platform.drain()
    assert scalar(platform.admin, "SELECT count(*) FROM inbox_event WHERE type = 'customer.status_changed'") == 1


def test_reactivating_lets_the_customer_sign_in_again(platform, customers):
    cid = customer_id(customers, "ada@example.com")
    status_call(platform, cid, "suspended")

    status, body = status_call(platform, cid, "active", "req-2", reason=None)

    assert status == 200 and body["status"] == "active"
    _, response = sign_in(customers, "ada@example.com")
    assert response.status_code == 302
    changes = sql(
        customers, "SELECT data FROM outbox_event WHERE type = 'customer.status_changed' ORDER BY occurred_at"
    )
    assert [c.data["status"] for c in changes] == ["suspended", "active"]


@pytest.mark.parametrize(
    "body",
    [
        {"status": "banned", "request_id": "r"},
        {"status": "suspended"},
        {"status": "suspended", "request_id": ""},
        {"status": "suspended", "request_id": "r", "reason": 5},
        {"status": "suspended", "request_id": "r", "note": "x"},
        ["suspended"],
    ],
)
def test_bad_status_requests_are_refused_and_change_nothing(platform, customers, body):
    cid = customer_id(customers, "ada@example.com")
    status, answer = admin_call(platform, "POST", f"/internal/customers/{cid}/status", body)

    assert status == 422 and answer["error"] == "invalid"
    assert scalar(customers, "SELECT status FROM customer WHERE id = :id", id=cid) == "active"


def test_status_of_an_unknown_customer_is_404(platform, customers):
    assert status_call(platform, 99999, "suspended")[0] == 404
