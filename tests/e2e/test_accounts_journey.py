"""A shopper, a vendor and a staff member each sign up or in and out in a real browser, with and without JS."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import new_page

pytestmark = pytest.mark.e2e


def test_shopper_signs_up_signs_out_and_back_in(platform, live, browser, shots, js_mode):
    page = new_page(browser, javascript=js_mode)
    base = live["storefront"]
    page.goto(base + "/account/signup")
    shots(page, "signup-form")
    page.get_by_label("Full name").fill("Ada Lovelace")
    page.get_by_label("Email address").fill("not-an-email")
    page.get_by_label("Password").fill("short")
    page.get_by_role("button", name="Create account").click()
    shots(page, "signup-errors")
    assert "Enter a valid email address." in page.locator("#email-error").inner_text()
    assert page.get_by_label("Full name").input_value() == "Ada Lovelace"

    page.get_by_label("Email address").fill("ada@example.com")
    page.get_by_label("Password").fill("correct horse battery")
    page.get_by_role("button", name="Create account").click()
    shots(page, "signed-up")
    assert "Your account is ready" in page.content()

    page.get_by_role("button", name="Sign out").click()
    shots(page, "signed-out")
    assert page.get_by_role("link", name="Sign in").is_visible()

    page.get_by_role("link", name="Sign in").click()
    page.get_by_label("Email address").fill("ada@example.com")
    page.get_by_label("Password").fill("correct horse battery")
    page.get_by_role("button", name="Sign in").click()
    shots(page, "signed-in")
    assert "Signed in as ada@example.com" in page.content()
    page.context.close()
