"""Issue #6's whole marketplace journey in a real browser, across the three portals.

A store signs up and is approved by staff, lists a product with two colours and a photo; a guest finds it
by a misspelt search, filters, buys both colours and another store's product with the test card; the
store ships its parcel, the guest sees the tracking number, staff see the order and the sale, and a
partial refund shows to staff, the guest and the store. The shopper's part runs with and without
JavaScript (the store and staff pages always with it). Every kind of page is checked with axe-core and
every step is screenshotted into tests/e2e/screenshots/<test>/.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.axe import assert_accessible
from tests.security.world import PASSWORD, create_product, make_staff, publish, scalar, vendor_sign_up, vendor_status

pytestmark = pytest.mark.e2e

OWNER = "owner@staff.example"
STORE_A, STORE_B = "Sonora Sound", "Birch Woodworks"
PRODUCT_A, PRODUCT_B = "Studio Headphones", "Walnut headphone stand"
TRACKING = "JD0146000062"
REFUND, REASON = "20.00", "Scratched headband on the white pair"


class Journey:
    """Screenshots every step; audits each kind of page with axe once (the first time it is seen)."""

    def __init__(self, browser: Any, shots: Any) -> None:
        self.browser = browser
        self.shots = shots
        self.audited: set[str] = set()
        self.no_js: set[int] = set()
        self.contexts: list[Any] = []

    def visitor(self, *, javascript: bool = True) -> Any:
        # bypass_csp lets axe in; the apps' own pages are unaffected by it.
        context = self.browser.new_context(
            java_script_enabled=javascript, bypass_csp=True, viewport={"width": 1280, "height": 900}
        )
        context.set_default_timeout(15_000)
        self.contexts.append(context)
        page = context.new_page()
        page.on("dialog", lambda dialog: dialog.accept())  # data-confirm prompts, with JavaScript
        if not javascript:
            self.no_js.add(id(page))
        return page

    def step(self, page: Any, name: str, *, kind: str | None = None) -> None:
        self.shots(page, name)
        if kind and kind not in self.audited:
            self.audited.add(kind)
            assert_accessible(page, javascript=id(page) not in self.no_js)


@pytest.fixture
def journey(browser, shots) -> Iterator[Journey]:
    journey = Journey(browser, shots)
    yield journey
    for context in journey.contexts:
        context.close()


def flash(page: Any, text: str) -> None:
    """A message the page shows (flash or status line), waited for."""
    page.get_by_text(text).first.wait_for()


def amount(text: str) -> str:
    """The figure in a money text: "€1,234.50" or "1,234.50 EUR" -> "1234.50"."""
    match = re.search(r"\d[\d,]*\.\d\d", text)
    assert match, f"no amount in {text!r}"
    return match.group(0).replace(",", "")


def tiny_png(folder: Path) -> Path:
    from PIL import Image

    path = folder / "studio-headphones.png"
    Image.new("RGB", (64, 48), (30, 30, 30)).save(path, "PNG")
    return path


def dashboard_revenue(page: Any) -> str:
    tile = page.locator(".stat").filter(has=page.get_by_text("Revenue (EUR)", exact=True))
    return amount(tile.locator(".stat-value").inner_text())


def test_store_lists_guest_buys_store_ships_staff_refund_part(platform, live, journey, js_mode, tmp_path) -> None:
    shop, store, admin = live["storefront"], live["vendor_portal"], live["admin_portal"]
    make_staff(platform.admin, OWNER, "owner", "Olive Owner")  # owners are created by other owners or the CLI

    # --- Staff sign in and add the category stores list products under --------------------------------------
    staff = journey.visitor()
    staff.goto(admin + "/signin")
    journey.step(staff, "staff sign-in", kind="admin:signin")
    staff.get_by_label("Email address").fill(OWNER)
    staff.get_by_label("Password").fill(PASSWORD)
    staff.get_by_role("button", name="Sign in").click()
    staff.get_by_role("heading", name="Dashboard").wait_for()
    journey.step(staff, "staff dashboard before any sale", kind="admin:dashboard-empty")

    staff.get_by_role("navigation", name="Main").get_by_role("link", name="Categories").click()
    staff.get_by_role("link", name="Add a category").first.click()
    staff.get_by_role("heading", name="Add a category").wait_for()
    journey.step(staff, "new category form", kind="admin:category-form")
    staff.get_by_label("Name").fill("Audio")
    staff.get_by_role("button", name="Add category").click()
    flash(staff, "Audio is added. Vendors and the shop receive it shortly.")
    journey.step(staff, "category added", kind="admin:categories")
    platform.drain()

    # --- Store A signs up; staff approve it from the queue ---------------------------------------------------
    vendor = journey.visitor()
    vendor.goto(store + "/account/signup")
    journey.step(vendor, "store sign-up form", kind="vendor:signup")
    vendor.get_by_label("Store name").fill(STORE_A)
    vendor.get_by_label("Your name").fill("Sam Sonora")
    vendor.get_by_label("Email address").fill("sam@sonora.example")
    vendor.get_by_label("Password").fill(PASSWORD)
    vendor.get_by_role("button", name="Create my store").click()
    flash(vendor, f"Welcome, {STORE_A}. Your store has been sent for approval.")
    journey.step(vendor, "store waiting for approval", kind="vendor:dashboard")
    platform.drain()

    staff.goto(admin + "/vendors/queue")
    staff.get_by_role("heading", name="Approval queue").wait_for()
    journey.step(staff, "approval queue", kind="admin:vendor-queue")
    staff.get_by_role("button", name=f"Approve {STORE_A}").click()
    flash(staff, f"{STORE_A} is approved and can publish products.")
    journey.step(staff, "store approved")
    platform.drain()

    # --- Store A lists a product in two colours with a photo, and publishes it -----------------------------
    vendor.goto(store + "/products/new")
    journey.step(vendor, "new product form", kind="vendor:product-new")
    vendor.get_by_label("Title").fill(PRODUCT_A)
    vendor.get_by_label("Description").fill("Closed-back studio headphones with a detachable cable.")
    vendor.get_by_label("Category").select_option(label="Audio")
    vendor.get_by_label("Brand").fill("Sonora")
    vendor.get_by_label("Price", exact=True).fill("89.00")
    vendor.get_by_label("SKU").fill("SON-STUDIO-BLK")
    vendor.get_by_label("Stock on hand").fill("8")
    vendor.get_by_role("button", name="Save as draft").click()
    flash(vendor, f"“{PRODUCT_A}” is saved as a draft.")

    vendor.locator("#options-0-name").fill("Colour")
    vendor.locator("#options-0-values").fill("Black, White")
    vendor.get_by_role("button", name="Save options and update variants").click()
    flash(vendor, "The options are saved: 1 new variant to check.")
    vendor.get_by_label("SKU of White").fill("SON-STUDIO-WHT")
    vendor.get_by_label("Price of White", exact=True).fill("94.00")
    vendor.get_by_label("First stock of White").fill("6")
    vendor.get_by_role("button", name="Save variants").click()
    flash(vendor, "The variants are saved.")

    vendor.get_by_label("Add images").set_input_files(str(tiny_png(tmp_path)))
    vendor.get_by_role("button", name="Upload images").click()
    vendor.get_by_role("img", name=f"{PRODUCT_A}, image 1 of 1").wait_for()
    journey.step(vendor, "product with variants and an image", kind="vendor:product-edit")
    vendor.get_by_role("button", name=f"Publish “{PRODUCT_A}”").click()
    flash(vendor, f"“{PRODUCT_A}” is published and will appear in the shop shortly.")
    journey.step(vendor, "product published")
    platform.drain()

    # Store B and its product, made through its own pages by a test client: only the shopper needs it.
    client, response = vendor_sign_up(platform, STORE_B, "bea@birch.example", "Bea Birch")
    assert response.status_code == 302
    store_b = scalar(platform.vendor, "SELECT vendor_id FROM vendor_user WHERE email = 'bea@birch.example'")
    vendor_status(platform, store_b, "approved")
    platform.drain()
    stand = create_product(
        client, title=PRODUCT_B, description="Oiled walnut, holds two pairs.", sku="BIRCH-STAND", stock=5, brand="Birch"
    )
    publish(client, stand)
    platform.drain()

    # --- The guest finds the headphones despite a typo, filters, and fills the cart --------------------------
    shopper = journey.visitor(javascript=js_mode)
    shopper.goto(shop + "/")
    journey.step(shopper, "shop home", kind="shop:home")
    shopper.get_by_label("Search products").fill("hedphones")
    shopper.get_by_label("Search products").press("Enter")
    shopper.get_by_role("heading", name="Results for “hedphones”").wait_for()
    results = shopper.locator("#results")
    assert results.get_by_role("link", name=PRODUCT_A, exact=True).is_visible()
    assert results.get_by_role("link", name=PRODUCT_B, exact=True).is_visible()
    journey.step(shopper, "search with a typo", kind="shop:search")

    shopper.get_by_role("group", name="Brand").get_by_role("checkbox", name=re.compile(r"^Sonora \(")).check()
    if not js_mode:
        shopper.get_by_role("button", name="Apply filters").click()
    shopper.get_by_role("heading", name="1 product", exact=True).wait_for()
    assert shopper.locator("#results").get_by_role("link", name=PRODUCT_B, exact=True).count() == 0
    journey.step(shopper, "filtered by brand", kind="shop:search-filtered")

    shopper.locator("#results").get_by_role("link", name=PRODUCT_A, exact=True).first.click()
    shopper.get_by_role("heading", name=PRODUCT_A, level=1).wait_for()
    assert shopper.get_by_role("img", name=PRODUCT_A).is_visible()  # the store's photo
    assert "Selected: Black" in shopper.content()
    journey.step(shopper, "product page", kind="shop:product")
    add_to_cart(shopper, f"{PRODUCT_A} (Black)")

    shopper.get_by_label("Colour").select_option("White")
    if not js_mode:
        shopper.get_by_role("button", name="Show this choice").click()
    shopper.get_by_text("Selected: White").wait_for()
    assert "€94.00" in shopper.locator("#variant").inner_text()
    journey.step(shopper, "white chosen")
    add_to_cart(shopper, f"{PRODUCT_A} (White)")
    journey.step(shopper, "two colours added")

    shopper.get_by_label("Search products").fill("walnut stand")
    shopper.get_by_label("Search products").press("Enter")
    shopper.locator("#results").get_by_role("link", name=PRODUCT_B, exact=True).first.click()
    shopper.get_by_role("heading", name=PRODUCT_B, level=1).wait_for()
    assert f"Sold by {STORE_B}" in shopper.locator(".product-summary").inner_text()
    add_to_cart(shopper, PRODUCT_B)
    journey.step(shopper, "other store's product added")

    shopper.get_by_role("navigation", name="Main").get_by_role("link", name=re.compile(r"^Cart")).click()
    cart = shopper.locator("main")
    for text in (STORE_A, STORE_B, "White", "Black", PRODUCT_B):
        assert text in cart.inner_text(), f"the cart does not show {text}"
    journey.step(shopper, "cart with two stores", kind="shop:cart")

    # --- Guest checkout with the test card --------------------------------------------------------------------
    shopper.get_by_role("link", name="Go to checkout").click()
    shopper.get_by_role("heading", name="Checkout", level=1).wait_for()
    shopper.get_by_label("Email address").fill("grace@shopper.example")
    shopper.get_by_label("Full name").fill("Grace Hopper")
    shopper.get_by_label("Address line 1").fill("1 Harbour Road")
    shopper.get_by_label("Town or city").fill("Dublin")
    shopper.get_by_label("Postcode").fill("D02 X285")
    shopper.get_by_label("Country").select_option("IE")
    shopper.get_by_label("Card number").fill("4242 4242 4242 4242")
    shopper.get_by_label("Expiry date").fill("12/39")
    shopper.get_by_label("Security code (CVC)").fill("737")
    shopper.get_by_label("Name on card").fill("GRACE HOPPER")
    journey.step(shopper, "checkout filled", kind="shop:checkout")
    shopper.get_by_role("button", name="Pay and place order").click()

    shopper.get_by_role("heading", name="Thank you, your order is placed").wait_for()
    found = re.search(r"Your order number is (\S+)\.", shopper.locator("main").inner_text())
    assert found, "the confirmation shows no order number"
    number = found.group(1)
    total = amount(shopper.locator("tr", has_text="Total paid").locator("td").inner_text())
    assert f"From {STORE_A}" in shopper.content() and f"From {STORE_B}" in shopper.content()
    order_link = shopper.get_by_role("link", name="this link to your order").get_attribute("href")
    assert order_link
    journey.step(shopper, "order confirmation", kind="shop:confirmation")
    platform.drain()

    # --- Store A ships its part with a tracking number -----------------------------------------------------------
    vendor.get_by_role("navigation", name="Main").get_by_role("link", name="Orders").click()
    vendor.get_by_role("link", name=number).wait_for()
    journey.step(vendor, "store's orders", kind="vendor:orders")
    vendor.get_by_role("link", name=number).click()
    vendor.get_by_role("heading", name=f"Order {number}").wait_for()
    items = vendor.get_by_role("region", name="Items", exact=True).first.inner_text()
    assert "Colour: Black" in items and "Colour: White" in items and PRODUCT_B not in items
    journey.step(vendor, "store's order", kind="vendor:order")
    vendor.get_by_role("button", name="Acknowledge the order").click()
    flash(vendor, f"Order {number} is acknowledged.")
    vendor.get_by_role("button", name="Mark as packed").click()
    flash(vendor, f"Order {number} is marked as packed.")
    vendor.get_by_label("Carrier", exact=True).select_option("DHL")
    vendor.get_by_label("Tracking number").fill(TRACKING)
    journey.step(vendor, "shipping form")
    vendor.get_by_role("button", name="Mark as shipped").click()
    flash(vendor, f"Order {number} is shipped. The shopper gets the tracking number.")
    journey.step(vendor, "store shipped its part")
    platform.drain()

    # --- The guest follows the order: shipped, with the tracking number ----------------------------------------
    shopper.goto(order_link if order_link.startswith("http") else shop + order_link)
    shopper.get_by_role("heading", name=f"Order {number}").wait_for()
    part_a = shopper.get_by_role("region", name=f"From {STORE_A}", exact=True).first
    assert "Shipped" in part_a.inner_text()
    assert f"Sent with DHL, tracking number {TRACKING}." in part_a.inner_text()
    part_b = shopper.get_by_role("region", name=f"From {STORE_B}", exact=True).first
    assert TRACKING not in part_b.inner_text()
    journey.step(shopper, "guest sees the parcel shipped", kind="shop:order")

    # --- Staff see the order and the sale ----------------------------------------------------------------------
    staff.get_by_role("navigation", name="Main").get_by_role("link", name="Orders").click()
    staff.get_by_role("link", name=number).wait_for()
    journey.step(staff, "staff order list", kind="admin:orders")
    staff.get_by_role("link", name=number).click()
    staff.get_by_role("heading", name=f"Order {number}").wait_for()
    main = staff.locator("main").inner_text()
    assert "grace@shopper.example (guest)" in main
    assert f"Sent with DHL, tracking {TRACKING}." in main
    assert STORE_A in main and STORE_B in main
    journey.step(staff, "staff order detail", kind="admin:order")

    staff.get_by_role("navigation", name="Main").get_by_role("link", name="Dashboard").click()
    staff.get_by_role("heading", name="Key figures").wait_for()
    assert dashboard_revenue(staff) == total, "the dashboard's revenue is not the order's total"
    orders_tile = staff.locator(".stat").filter(has=staff.get_by_text("Orders", exact=True))
    assert orders_tile.locator(".stat-value").inner_text().strip() == "1"
    assert PRODUCT_A in staff.get_by_role("region", name="Best sellers").text_content()
    journey.step(staff, "staff dashboard with the sale", kind="admin:dashboard")

    # --- Staff refund part of one line; it shows to staff, the guest and the store -----------------------------
    staff.goto(f"{admin}/orders/{number}")
    staff.get_by_label(re.compile(rf"^Refund on {PRODUCT_A} \(SON-STUDIO-WHT\)")).fill(REFUND)
    staff.get_by_label("Reason").first.fill(REASON)
    staff.get_by_role("button", name="Review the refund").click()
    staff.get_by_role("heading", name=f"Refund {REFUND} EUR on order {number}?").wait_for()
    journey.step(staff, "refund to confirm", kind="admin:refund-confirm")
    staff.get_by_role("button", name=f"Refund {REFUND} EUR").click()
    flash(staff, f"{REFUND} EUR is refunded on order {number}.")
    refunds = staff.get_by_role("region", name="Refunds", exact=True).first.inner_text()
    assert REASON in refunds and REFUND in refunds
    journey.step(staff, "staff see the refund")
    platform.drain()

    staff.get_by_role("navigation", name="Main").get_by_role("link", name="Dashboard").click()
    staff.get_by_role("heading", name="Key figures").wait_for()
    assert Decimal(dashboard_revenue(staff)) == Decimal(total) - Decimal(REFUND), "the refund is not taken off"
    journey.step(staff, "dashboard revenue net of the refund")

    shopper.reload()
    refunds = shopper.get_by_role("region", name="Refunds", exact=True).first.inner_text()
    assert REASON in refunds and f"€{REFUND}" in refunds
    assert f"€{REFUND} refunded" in part_a.inner_text()
    journey.step(shopper, "guest sees the refund")

    vendor.reload()
    summary = vendor.get_by_role("region", name="Summary", exact=True).first.inner_text()
    assert re.search(rf"Refunded\s+{re.escape(REFUND)} EUR", summary), summary
    assert REASON in vendor.get_by_role("region", name="Timeline", exact=True).first.inner_text()
    journey.step(vendor, "store sees the refund")


def add_to_cart(page: Any, name: str) -> None:
    """Add one of the chosen variant: with htmx the status line says so in place, without it the reloaded page."""
    page.get_by_role("button", name="Add to cart").click()
    flash(page, f"Added 1 \N{MULTIPLICATION SIGN} {name} to your cart.")
