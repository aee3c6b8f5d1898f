"""Sessions end for real: after sign-out a copied session cookie opens nothing, and neither does one of a
customer suspended through the storefront's internal endpoint, of a store admin suspended, or of a staff
member an owner disabled.

A suspended store may sign in again (vendor_portal/accounts/operations.py): it is then told why on every
page and publishing is refused, which is what the last test holds it to.
"""

from __future__ import annotations

import uuid

from flask import Flask
from flask.testing import FlaskClient

from common_core.internal.client import InternalClient
from tests.conftest import csrf_from
from tests.security.world import (
    PASSWORD,
    create_product,
    customer_sign_up,
    make_staff,
    post_with_token,
    scalar,
    staff_sign_in,
    vendor_sign_up,
    vendor_status,
)


def cookie_of(client: FlaskClient, app: Flask) -> str:
    cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"])
    assert cookie is not None, "no session cookie"
    return cookie.value


def browser_with(app: Flask, cookie: str) -> FlaskClient:
    """Another browser holding a copy of the cookie (as a thief would)."""
    client = app.test_client()
    client.set_cookie(app.config["SESSION_COOKIE_NAME"], cookie)
    return client


def signed_out_of(client: FlaskClient, url: str, signin: str) -> bool:
    response = client.get(url)
    return response.status_code == 302 and signin in response.headers["Location"]


def test_a_customers_copied_cookie_stops_working_when_they_sign_out(platform) -> None:
    storefront = platform.storefront
    client, _ = customer_sign_up(storefront, "ada@shopper.example", "Ada Lovelace")
    stolen = cookie_of(client, storefront)
    assert browser_with(storefront, stolen).get("/account").status_code == 200
    page = client.get("/account").get_data(as_text=True)
    assert client.post("/account/signout", data={"csrf_token": csrf_from(page)}).status_code == 302
    assert signed_out_of(client, "/account", "/account/signin")
    assert signed_out_of(browser_with(storefront, stolen), "/account", "/account/signin")
    assert signed_out_of(browser_with(storefront, stolen), "/orders", "/account/signin")


def test_a_suspended_customers_sessions_end_at_once(platform) -> None:
    storefront = platform.storefront
    client, _ = customer_sign_up(storefront, "ada@shopper.example", "Ada Lovelace")
    phone = browser_with(storefront, cookie_of(client, storefront))
    customer_id = scalar(storefront, "SELECT id FROM customer WHERE email = 'ada@shopper.example'")
    with platform.admin.app_context():
        answer = InternalClient.for_peer("storefront").post(
            f"/internal/customers/{customer_id}/status", {"status": "suspended", "request_id": uuid.uuid4().hex}
        )
    assert answer["status"] == "suspended"
    assert signed_out_of(client, "/account", "/account/signin")
    assert signed_out_of(phone, "/account/addresses", "/account/signin")
    again = storefront.test_client()
    response = post_with_token(
        again,
        "/account/signin",
        "/account/signin",
        {"email": "ada@shopper.example", "password": "correct horse battery"},
    )
    assert response.status_code != 302, "a suspended customer could sign in again"


def test_a_vendors_copied_cookie_stops_working_when_they_sign_out(platform) -> None:
    vendor = platform.vendor
    client, _ = vendor_sign_up(platform, "Acme Audio", "a@store.example")
    stolen = cookie_of(client, vendor)
    assert browser_with(vendor, stolen).get("/products").status_code == 200
    page = client.get("/products").get_data(as_text=True)
    assert client.post("/account/signout", data={"csrf_token": csrf_from(page)}).status_code == 302
    assert signed_out_of(browser_with(vendor, stolen), "/products", "/account/signin")
    assert signed_out_of(browser_with(vendor, stolen), "/", "/account/signin")


def test_a_disabled_staff_members_sessions_end_at_once(platform) -> None:
    admin = platform.admin
    make_staff(admin, "owner@staff.example", "owner", "Olive Owner")
    support_id = make_staff(admin, "support@staff.example", "support", "Sam Support")
    owner = staff_sign_in(admin, "owner@staff.example")
    support = staff_sign_in(admin, "support@staff.example")
    second_device = browser_with(admin, cookie_of(support, admin))
    assert support.get("/").status_code == 200
    response = post_with_token(owner, "/staff", f"/staff/{support_id}/disable", {})
    assert response.status_code == 302
    assert signed_out_of(support, "/", "/signin")
    assert signed_out_of(second_device, "/", "/signin")


def test_a_staff_members_copied_cookie_stops_working_when_they_sign_out(platform) -> None:
    admin = platform.admin
    make_staff(admin, "analyst@staff.example", "analyst", "Ann Analyst")
    client = staff_sign_in(admin, "analyst@staff.example")
    stolen = cookie_of(client, admin)
    page = client.get("/").get_data(as_text=True)
    assert client.post("/signout", data={"csrf_token": csrf_from(page)}).status_code == 302
    assert signed_out_of(browser_with(admin, stolen), "/", "/signin")


def test_a_suspended_store_is_told_why_and_cannot_publish(platform) -> None:
    client, _ = vendor_sign_up(platform, "Acme Audio", "a@store.example")
    vendor_id = scalar(platform.vendor, "SELECT vendor_id FROM vendor_user WHERE email = 'a@store.example'")
    vendor_status(platform, vendor_id, "approved")
    product_id = create_product(client, title="Stand", description="", sku="S-1", stock=3)
    phone = browser_with(platform.vendor, cookie_of(client, platform.vendor))
    vendor_status(platform, vendor_id, "suspended", "Unpaid fees")
    assert signed_out_of(client, "/products", "/account/signin")
    assert signed_out_of(phone, "/", "/account/signin")
    response = post_with_token(
        client, "/account/signin", "/account/signin", {"email": "a@store.example", "password": PASSWORD}
    )
    assert response.status_code == 302
    page = client.get("/products")
    assert page.status_code == 200 and "Unpaid fees" in page.get_data(as_text=True)
    post_with_token(client, f"/products/{product_id}/edit", f"/products/{product_id}/publish", {})
    assert scalar(platform.vendor, "SELECT status FROM product WHERE id = :p", p=product_id) != "active"
