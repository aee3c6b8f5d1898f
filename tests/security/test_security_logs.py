"""Passwords and card data never reach the logs: every record of every logger, at DEBUG, is captured while
people sign up, sign in and change passwords in the three portals and a shopper pays by card, and both
the records and the JSON lines the apps write (common_core/log.py) are searched for the secrets."""

from __future__ import annotations

import logging
import re

from common_core.log import JsonFormatter
from tests.security.world import (
    add_to_cart,
    checkout,
    create_product,
    post_with_token,
    scalar,
    staff_sign_in,
    vendor_sign_up,
    vendor_status,
)

SHOPPER_PASSWORD = "shopper-Secret-pw-1"
NEW_PASSWORD = "shopper-Changed-pw-2"
VENDOR_PASSWORD = "correct horse battery"  # world.vendor_sign_up's
STAFF_PASSWORD = "staff-Secret-pw-3"
CARD = "4242 4242 4242 4242"
CVC = "123"


class Everything(logging.Handler):
    """Keeps each record and the line the apps' formatter would write for it."""

    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.lines: list[str] = []
        self.formatter_ = JsonFormatter("test")

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.formatter_.format(record))
        self.lines.append(repr(vars(record)))


def leaks(text: str) -> list[str]:
    found = []
    for secret in (SHOPPER_PASSWORD, NEW_PASSWORD, VENDOR_PASSWORD, STAFF_PASSWORD):
        if secret in text:
            found.append(f"password {secret!r}")
    digits = re.sub(r"[ -]", "", CARD)
    if re.search(r"4242[ -]?4242[ -]?4242[ -]?4242", text) or digits in text:
        found.append("the card number")
    if re.search(r"cvc\W{0,8}123|card_cvc\W{0,8}123", text, re.IGNORECASE):
        found.append("the CVC")
    return found


def test_no_password_or_card_data_is_ever_logged(platform, caplog) -> None:
    handler = Everything()
    root = logging.getLogger()
    root.addHandler(handler)
    caplog.set_level(logging.DEBUG)
    try:
        storefront, admin, vendor = platform.storefront, platform.admin, platform.vendor

        # Shopper: sign up, a failed and a good sign-in, a password change, a checkout by card.
        client = storefront.test_client()
        response = post_with_token(
            client,
            "/account/signup",
            "/account/signup",
            {"name": "Ada Lovelace", "email": "ada@shopper.example", "password": SHOPPER_PASSWORD},
        )
        assert response.status_code == 302
        page = client.get("/account").get_data(as_text=True)
        from tests.conftest import csrf_from

        client.post("/account/signout", data={"csrf_token": csrf_from(page)})
        client = storefront.test_client()
        post_with_token(
            client,
            "/account/signin",
            "/account/signin",
            {"email": "ada@shopper.example", "password": "wrong-" + SHOPPER_PASSWORD},
        )
        response = post_with_token(
            client, "/account/signin", "/account/signin", {"email": "ada@shopper.example", "password": SHOPPER_PASSWORD}
        )
        assert response.status_code == 302
        response = post_with_token(
            client,
            "/account/password",
            "/account/password",
            {"current_password": SHOPPER_PASSWORD, "new_password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD},
        )
        assert response.status_code == 302, response.status_code

        # A store with a product to buy.
        store, response = vendor_sign_up(platform, "Acme Audio", "a@store.example")
        assert response.status_code == 302
        vendor_id = scalar(vendor, "SELECT vendor_id FROM vendor_user WHERE email = 'a@store.example'")
        vendor_status(platform, vendor_id, "approved")
        product_id = create_product(store, title="Stand", description="", sku="S-1", stock=5)
        post_with_token(store, f"/products/{product_id}/edit", f"/products/{product_id}/publish", {})
        platform.drain()
        variant_id = scalar(vendor, "SELECT id FROM variant WHERE product_id = :p", p=product_id)
        assert add_to_cart(client, product_id, variant_id, 1).status_code in (302, 303)
        declined = checkout(client, email=None, card="4000 0000 0000 0002", cvc=CVC)  # a refusal is logged too
        assert declined.status_code != 303
        placed = checkout(client, email=None, card=CARD, cvc=CVC)
        assert placed.status_code == 303, placed.get_data(as_text=True)[:2000]
        platform.drain()

        # Staff: an owner creates a colleague, who signs in (and once with a wrong password).
        from admin_portal.extensions import db as admin_db
        from admin_portal.staff import operations

        with admin.app_context():
            operations.create_staff("owner@staff.example", "Olive Owner", "owner", STAFF_PASSWORD, actor=None)
            admin_db.session.commit()
            admin_db.session.remove()
        owner = staff_sign_in(admin, "owner@staff.example", STAFF_PASSWORD)
        response = post_with_token(
            owner,
            "/staff/new",
            "/staff/new",
            {
                "email": "sam@staff.example",
                "name": "Sam Support",
                "role": "support",
                "password": STAFF_PASSWORD,
                "confirm_password": STAFF_PASSWORD,
            },
        )
        assert response.status_code == 302
        post_with_token(
            admin.test_client(), "/signin", "/signin", {"email": "sam@staff.example", "password": "x" + STAFF_PASSWORD}
        )
        staff_sign_in(admin, "sam@staff.example", STAFF_PASSWORD)
        # And a vendor's wrong then right sign-in.
        post_with_token(
            vendor.test_client(),
            "/account/signin",
            "/account/signin",
            {"email": "a@store.example", "password": "nope-nope-nope"},
        )
        post_with_token(
            vendor.test_client(),
            "/account/signin",
            "/account/signin",
            {"email": "a@store.example", "password": VENDOR_PASSWORD},
        )
    finally:
        root.removeHandler(handler)

    assert handler.lines, "nothing was logged: the capture is not working"
    everything = "\n".join(handler.lines) + "\n" + caplog.text
    found = leaks(everything)
    where = [line[:300] for line in handler.lines if leaks(line)][:5]
    assert not found, f"logs contain {found}, e.g.:\n" + "\n".join(where)
