"""Customers in the admin portal: searched and read live from the storefront's signed API, with their orders;
suspending (which ends their storefront sessions) and reactivating, each confirmed and audited."""

from __future__ import annotations

import html as html_lib
import re
import uuid

import pytest

from tests.admin_portal.conftest import audit_entries
from tests.admin_portal.test_admin_products import hidden_inputs
from tests.storefront import checkout_fixtures as shop
from tests.storefront.checkout_fixtures import customer_id, placed_number, scalar


@pytest.fixture(name="market")
def market_fixture(platform) -> shop.Market:
    """Stores and products made in the vendor portal and published to the shop by their events."""
    return shop.Market(platform)


@pytest.fixture(name="customer")
def customer_fixture(storefront):
    """customer(email): a shopper signed up (and so signed in) on the storefront's own page."""

    def make(email: str) -> shop.Shopper:
        shopper = shop.Shopper(storefront.test_client())
        shop.sign_up(shopper.client, email)
        return shopper

    return make


@pytest.fixture(name="guest")
def guest_fixture(storefront):
    """guest(): a shopper's browser with no account."""
    return lambda: shop.Shopper(storefront.test_client())


def change_status(client, cid: int, reason: str):
    """Fill in the suspend/reactivate form on the customer's page, then confirm on the page that asks."""
    action = f"/customers/{cid}/status"
    page = client.get(f"/customers/{cid}").get_data(as_text=True)
    asked = client.post(action, data={**hidden_inputs(page, action), "reason": reason})
    assert asked.status_code == 200, asked.get_data(as_text=True)
    return client.post(action, data=hidden_inputs(asked.get_data(as_text=True), action))


def names(response) -> list[str]:
    assert response.status_code == 200, response.get_data(as_text=True)
    return re.findall(r'<a href="/customers/\d+">([^<]+)</a>', response.get_data(as_text=True))


def test_support_finds_customers_by_email_or_name_and_status(platform, signed_in, customer):
    customer("ada@shopper.example")
    customer("grace@shopper.example")
    support = signed_in("support")
    grace = customer_id(platform.storefront, "grace@shopper.example")
    assert change_status(support, grace, "Chargebacks").status_code == 302

    assert len(names(support.get("/customers"))) == 2
    page = support.get("/customers?q=GRACE@").get_data(as_text=True)
    assert "grace@shopper.example" in page and "ada@shopper.example" not in page
    suspended = support.get("/customers?status=suspended").get_data(as_text=True)
    assert "grace@shopper.example" in suspended and "ada@shopper.example" not in suspended
    assert "Showing 1\u20132 of 2" in support.get("/customers").get_data(as_text=True)


def test_suspending_a_customer_ends_their_storefront_sessions_and_is_audited(platform, signed_in, customer):
    ada = customer("ada@shopper.example")
    assert ada.client.get("/account").status_code == 200
    cid = customer_id(platform.storefront, "ada@shopper.example")
    support = signed_in("support")

    response = change_status(support, cid, "Repeated chargebacks")

    assert response.status_code == 302 and response.headers["Location"] == f"/customers/{cid}"
    assert scalar(platform.storefront, "SELECT status FROM customer WHERE id = :i", i=cid) == "suspended"
    signed_out = ada.client.get("/account")
    assert signed_out.status_code == 302 and "/account/signin" in signed_out.headers["Location"]
    [entry] = audit_entries(platform.admin, "customer")
    assert (entry.staff_email, entry.action, entry.object_id, entry.before) == (
        "support@example.com",
        "customer.suspended",
        str(cid),
        {"status": "active"},
    )
    assert entry.after["status"] == "suspended" and entry.after["reason"] == "Repeated chargebacks"
    uuid.UUID(entry.after["request_id"])
    page = html_lib.unescape(support.get(f"/customers/{cid}").get_data(as_text=True))
    assert "is suspended and signed out everywhere" in page and "Reactivate this customer" in page

    assert change_status(support, cid, "Bank confirmed the payments").status_code == 302
    assert scalar(platform.storefront, "SELECT status FROM customer WHERE id = :i", i=cid) == "active"
    assert [e.action for e in audit_entries(platform.admin, "customer")] == [
        "customer.suspended",
        "customer.reactivated",
    ]


def test_suspending_asks_for_a_reason_and_confirmation_first(platform, signed_in, customer):
    customer("ada@shopper.example")
    cid = customer_id(platform.storefront, "ada@shopper.example")
    support = signed_in("owner")
    action = f"/customers/{cid}/status"
    page = support.get(f"/customers/{cid}").get_data(as_text=True)

    missing = support.post(action, data={**hidden_inputs(page, action), "reason": ""})
    asked = support.post(action, data={**hidden_inputs(page, action), "reason": "Fraud"})

    assert missing.status_code == 422 and "Give the reason; it is kept in the audit log." in missing.get_data(
        as_text=True
    )
    assert asked.status_code == 200 and "Suspend Ada Customer?" in asked.get_data(as_text=True)
    assert scalar(platform.storefront, "SELECT status FROM customer WHERE id = :i", i=cid) == "active"
    assert audit_entries(platform.admin, "customer") == []


def test_customer_page_lists_their_orders(platform, signed_in, market, customer):
    acme = market.store("Acme Audio")
    [stand] = market.product(acme, "Walnut headphone stand", [("39.00", 10, {})])
    ada = customer("ada@shopper.example")
    ada.add(stand, 1)
    number = placed_number(ada.checkout(email=None))
    cid = customer_id(platform.storefront, "ada@shopper.example")

    page = signed_in("support").get(f"/customers/{cid}").get_data(as_text=True)

    assert f'<a href="/orders/{number}">{number}</a>' in page
    assert "43.90 EUR" in page  # €39 and standard shipping


def test_with_the_storefront_down_customer_pages_say_so_and_nothing_changes(platform, signed_in, customer):
    customer("ada@shopper.example")
    cid = customer_id(platform.storefront, "ada@shopper.example")
    support = signed_in("support")
    action = f"/customers/{cid}/status"
    page = support.get(f"/customers/{cid}").get_data(as_text=True)
    asked = support.post(action, data={**hidden_inputs(page, action), "reason": "Fraud"}).get_data(as_text=True)

    platform.adapters["storefront"].down = True
    listing = support.get("/customers")
    confirmed = support.post(action, data=hidden_inputs(asked, action))

    assert listing.status_code == 200
    assert "The storefront is unavailable right now" in listing.get_data(as_text=True)
    assert confirmed.status_code == 503
    platform.adapters["storefront"].down = False
    assert scalar(platform.storefront, "SELECT status FROM customer WHERE id = :i", i=cid) == "active"
    assert audit_entries(platform.admin, "customer") == []


@pytest.mark.parametrize("role", ["catalogue_manager", "analyst"])
def test_only_support_and_owners_may_suspend_customers(platform, signed_in, customer, role):
    customer("ada@shopper.example")
    cid = customer_id(platform.storefront, "ada@shopper.example")
    client = signed_in(role)
    token = hidden_inputs(client.get("/").get_data(as_text=True), "/signout")["csrf_token"]
    response = client.post(
        f"/customers/{cid}/status",
        data={
            "csrf_token": token,
            "status": "suspended",
            "reason": "x",
            "request_id": str(uuid.uuid4()),
            "confirmed": "yes",
        },
    )
    assert response.status_code == 403
    assert scalar(platform.storefront, "SELECT status FROM customer WHERE id = :i", i=cid) == "active"
