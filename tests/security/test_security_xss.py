"""Stored and reflected XSS: every user-entered text that is shown carries the payloads
`<script>alert(1)</script>`, `"><img src=x onerror=alert(1)>` and `javascript:alert(1)`, entered through the
real forms (store names, product title and description, category names, staff name, customer name,
address, review), and every page of every portal, for every visitor, renders them inert; so do the
search and filter fields of every GET form, which get the payloads typed in.

"Inert" is judged by an HTML parser (tests/security/htmlcheck.py): no raw payload tag, no <script> with
the payload, no on* attribute and no javascript: URL carrying it.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.security.forms import query_inputs
from tests.security.htmlcheck import PAYLOADS, injected
from tests.security.routes import page_routes
from tests.security.world import ROLES, World, add_to_cart, build_world, plain

PAYLOAD = " ".join(PAYLOADS)
SHORT_BASE = {"category": "Au", "subcategory": "Hp"}  # category names allow 80 characters


def xss_text(kind: str) -> str:
    base = SHORT_BASE.get(kind, plain(kind))
    text = f"{base} {PAYLOAD}"
    if kind == "description":
        text += ' <a href="javascript:alert(1)">link</a> <p onclick="alert(1)">p</p> <img src=x onerror=alert(1)>'
    return text


@pytest.fixture(scope="module")
def xss_world(_platform) -> Iterator[World]:
    built = build_world(_platform, text=xss_text)
    # A cart and a checkout page that show the product: the other customer adds it.
    other = built.client("storefront", "other_customer")
    add_to_cart(other, built.facts["product_a"], built.facts["variant_a"], 1)
    yield built
    _platform.reset()


def test_every_user_entered_text_was_accepted_so_the_pages_below_really_show_it(xss_world: World) -> None:
    """The forms took the payloads (a refusal would be inert too, but would leave the page checks empty)."""
    assert xss_world.refused == {}


ROUTES = [route for service in ("storefront", "vendor_portal", "admin_portal") for route in page_routes(service)]


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: r.id)
def test_stored_payloads_render_inert_on_every_page_for_every_visitor(xss_world: World, route) -> None:
    service = route.service
    url = route.url(xss_world.ids[service], xss_world.endpoint_ids[service])
    problems = []
    for role in ROLES[service]:
        response = xss_world.client(service, role).get(url, follow_redirects=True)
        if response.mimetype != "text/html":
            continue
        problems += [f"{role}: {found}" for found in injected(response.get_data(as_text=True))]
    assert not problems, f"GET {url}\n" + "\n".join(problems)


SEARCH_PAGES = {
    "storefront": ("customer", ["/", "/search", "/cart", "/account/wishlist", "/orders"]),
    "vendor_portal": ("vendor_a", ["/products", "/inventory", "/orders", "/imports", "/analytics"]),
    "admin_portal": ("owner", ["/", "/vendors", "/audit", "/ledger", "/staff", "/categories"]),
}


@pytest.mark.parametrize("service", sorted(SEARCH_PAGES))
def test_typed_search_and_filter_text_is_reflected_inert(xss_world: World, service: str) -> None:
    role, pages = SEARCH_PAGES[service]
    client = xss_world.client(service, role)
    targets: dict[str, set[str]] = {}
    for page in pages:
        response = client.get(page, follow_redirects=True)
        if response.status_code == 200:
            for path, names in query_inputs(page, response.get_data(as_text=True)).items():
                targets.setdefault(path, set()).update(names)
    assert targets, f"no GET form found on {pages}"
    problems = []
    for path, names in sorted(targets.items()):
        for name in sorted(names):
            response = client.get(path, query_string={name: PAYLOAD})
            if response.mimetype == "text/html":
                problems += [f"{path}?{name}=: {found}" for found in injected(response.get_data(as_text=True))]
    assert not problems, "\n".join(problems)
