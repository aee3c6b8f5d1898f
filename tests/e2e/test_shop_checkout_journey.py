"""A guest buys a product in a real browser, with and without JavaScript, and sees the confirmation."""

from __future__ import annotations

import re

import pytest

from tests.e2e.conftest import new_page
from tests.storefront.checkout_fixtures import market_fixture  # noqa: F401 - the market fixture

pytestmark = pytest.mark.e2e


def test_guest_adds_to_cart_and_checks_out_with_the_success_card(platform, live, browser, shots, js_mode, market):
    store = market.store("Acme Audio")
    [stand] = market.product(store, "Walnut headphone stand", [("39.00", 5, {})])
    page = new_page(browser, javascript=js_mode)
    base = live["storefront"]

    page.goto(f"{base}/p/{stand.product_id}")
    shots(page, "product")
    page.get_by_label("Quantity").fill("2")
    page.get_by_role("button", name="Add to cart").click()
    if js_mode:
        # htmx answers in place: a status line and the header count, no page load.
        page.get_by_text("Added 2 \N{MULTIPLICATION SIGN} Walnut headphone stand to your cart.").wait_for()
        assert page.locator("#cart-count").inner_text().strip().startswith("(2")
    else:
        assert "Added 2 \N{MULTIPLICATION SIGN} Walnut headphone stand to your cart." in page.content()
    shots(page, "added")

    page.get_by_role("navigation", name="Main").get_by_role("link", name=re.compile(r"^Cart")).click()
    assert page.locator("#line-" + str(stand.variant_id)).is_visible()
    shots(page, "cart")
    page.get_by_role("link", name="Go to checkout").click()
    shots(page, "checkout")

    page.get_by_label("Email address").fill("grace@shopper.example")
    page.get_by_label("Full name").fill("Grace Hopper")
    page.get_by_label("Address line 1").fill("1 Harbour Road")
    page.get_by_label("Town or city").fill("Dublin")
    page.get_by_label("Postcode").fill("D02 X285")
    page.get_by_label("Country").select_option("IE")
    page.get_by_label("Card number").fill("4242 4242 4242 4242")
    page.get_by_label("Expiry date").fill("12/39")
    page.get_by_label("Security code (CVC)").fill("737")
    page.get_by_label("Name on card").fill("GRACE HOPPER")
    shots(page, "checkout-filled")
    page.get_by_role("button", name="Pay and place order").click()

    page.get_by_role("heading", name="Thank you, your order is placed").wait_for()
    shots(page, "confirmation")
    assert "From Acme Audio" in page.content()
    assert page.get_by_role("link", name="this link to your order").is_visible()
    page.context.close()
