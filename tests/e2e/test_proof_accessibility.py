"""The main pages of each portal, with seeded data, pass axe-core's WCAG 2.0/2.1/2.2 A and AA rules in a
real browser (tests/e2e/axe.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.e2e.axe import assert_accessible
from tests.security.world import PASSWORD, World, build_world

pytestmark = pytest.mark.e2e

SIGNIN = {"storefront": "/account/signin", "vendor_portal": "/account/signin", "admin_portal": "/signin"}
WHO = {
    "customer": ("storefront", "ada@shopper.example"),
    "vendor_a": ("vendor_portal", "a@store.example"),
    "owner": ("admin_portal", "owner@staff.example"),
}


@pytest.fixture(scope="module")
def seeded(_platform, live) -> Iterator[World]:
    world = build_world(_platform)
    yield world
    _platform.reset()


@pytest.fixture(scope="module")
def browsers(browser, live, seeded) -> Iterator[dict]:
    """One browser context per visitor, signed in through the real sign-in pages; CSP bypassed for axe only."""
    contexts = {}

    def open_as(role: str):
        if role not in contexts:
            context = browser.new_context(bypass_csp=True, viewport={"width": 1280, "height": 900})
            context.set_default_timeout(15_000)
            page = context.new_page()
            if role in WHO:
                service, email = WHO[role]
                page.goto(live[service] + SIGNIN[service])
                page.fill("input[name=email]", email)
                page.fill("input[name=password]", PASSWORD)
                page.press("input[name=password]", "Enter")
                page.wait_for_load_state()
                assert SIGNIN[service] not in page.url, f"{role} could not sign in: {page.url}"
            contexts[role] = (context, page)
        return contexts[role][1]

    yield open_as
    for context, _ in contexts.values():
        context.close()


def pages(world: World) -> list[tuple[str, str, str]]:
    """(visitor, service, path) of the main pages, with the seeded objects' ids."""
    shop, store, admin = world.ids["storefront"], world.ids["vendor_portal"], world.ids["admin_portal"]
    return [
        ("anonymous", "storefront", "/"),
        ("anonymous", "storefront", "/search?q=walnut"),
        ("anonymous", "storefront", f"/p/{shop['product_id']}"),
        ("customer", "storefront", "/cart"),
        ("anonymous", "storefront", "/account/signin"),
        ("anonymous", "storefront", "/account/signup"),
        ("customer", "storefront", "/account"),
        ("customer", "storefront", f"/orders/{shop['number']}"),
        ("vendor_a", "vendor_portal", "/"),
        ("vendor_a", "vendor_portal", "/products"),
        ("vendor_a", "vendor_portal", "/products/new"),
        ("vendor_a", "vendor_portal", f"/products/{store['product_id']}/edit"),
        ("vendor_a", "vendor_portal", "/inventory"),
        ("vendor_a", "vendor_portal", "/orders"),
        ("vendor_a", "vendor_portal", f"/orders/{store['vendor_order_id']}"),
        ("owner", "admin_portal", "/"),
        ("owner", "admin_portal", "/vendors"),
        ("owner", "admin_portal", f"/vendors/{admin['vendor_id']}"),
        ("owner", "admin_portal", "/categories"),
        ("owner", "admin_portal", "/staff"),
        ("owner", "admin_portal", "/audit"),
    ]


MAIN_PAGES = [
    ("anonymous", "storefront", "home"),
    ("anonymous", "storefront", "search"),
    ("anonymous", "storefront", "product"),
    ("customer", "storefront", "cart"),
    ("anonymous", "storefront", "sign-in"),
    ("anonymous", "storefront", "sign-up"),
    ("customer", "storefront", "account"),
    ("customer", "storefront", "order"),
    ("vendor_a", "vendor_portal", "dashboard"),
    ("vendor_a", "vendor_portal", "products"),
    ("vendor_a", "vendor_portal", "new product form"),
    ("vendor_a", "vendor_portal", "product form"),
    ("vendor_a", "vendor_portal", "inventory"),
    ("vendor_a", "vendor_portal", "orders"),
    ("vendor_a", "vendor_portal", "order"),
    ("owner", "admin_portal", "dashboard"),
    ("owner", "admin_portal", "vendors"),
    ("owner", "admin_portal", "vendor"),
    ("owner", "admin_portal", "categories"),
    ("owner", "admin_portal", "staff"),
    ("owner", "admin_portal", "audit"),
]


@pytest.mark.parametrize("index", range(len(MAIN_PAGES)), ids=[f"{s}:{name}" for _, s, name in MAIN_PAGES])
def test_main_pages_meet_wcag_a_and_aa(seeded, live, browsers, index) -> None:
    role, service, path = pages(seeded)[index]
    page = browsers(role)
    if path == "/cart":
        # A cart with a line in it: the customer adds the product from its page.
        product = seeded.ids["storefront"]["product_id"]
        page.goto(live["storefront"] + f"/p/{product}")
        page.locator("form[action$='/cart/add'] [type=submit]").first.click()
        page.wait_for_load_state()
    response = page.goto(live[service] + path)
    assert response is not None and response.status == 200, f"{path} answered {response and response.status}"
    assert_accessible(page)
