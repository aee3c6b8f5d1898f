"""Who may open which page: every GET route of every portal, for every kind of visitor, against a small
table of expectations per URL prefix.

Routes are read from the apps' url_maps, so a new page is checked as soon as it exists; one under a
prefix nobody has classified fails with a message asking to add it to the table below. Admin pages take
their allowed roles from the roles_required guard itself (admin_portal/staff/access.py), so an admin
GET route without a guard fails too. Parameterised routes are filled with the first principal's objects
(tests/security/world.py); the second principal of the same portal must get 404 for them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from tests.security.routes import allowed_roles, page_routes
from tests.security.world import ROLES, World

SIGNIN = "signin"  # 302 to the portal's sign-in page
REDIRECT = "redirect"  # any 301/302/303 elsewhere
OWNER_ONLY = "owner-only"  # 200 for the owner of the ids; 404 for the other principal when the rule has ids


@dataclass(frozen=True)
class Expect:
    prefix: str  # a rule equal to this, or starting with it when it ends in "*"
    by_role: dict[str, Any]

    def matches(self, rule: str) -> bool:
        if self.prefix.endswith("*"):
            return rule.startswith(self.prefix[:-1])
        return rule == self.prefix


def everyone(status: Any, service: str) -> dict[str, Any]:
    return dict.fromkeys(ROLES[service], status)


# First match wins: exact rules before the prefixes that contain them.
STOREFRONT = [
    Expect("/healthz", everyone(200, "storefront")),
    Expect("/readyz", everyone(200, "storefront")),
    Expect("/", everyone(200, "storefront")),
    Expect("/search", everyone(200, "storefront")),
    Expect("/search/suggest", everyone(REDIRECT, "storefront")),  # without htmx: to the results page
    Expect("/c/<slug>", everyone(200, "storefront")),
    Expect("/vendor/<slug>", everyone(200, "storefront")),
    Expect("/p/<int:product_id>", everyone(REDIRECT, "storefront")),  # to the canonical slug
    Expect("/p/<int:product_id>-<slug>", everyone(200, "storefront")),
    Expect("/p/<int:product_id>/reviews", everyone(REDIRECT, "storefront")),  # to the product page's reviews
    Expect("/p/<int:product_id>/report", everyone(200, "storefront")),  # the report form
    Expect("/images/*", everyone(REDIRECT, "storefront")),  # to the versioned, cacheable address
    Expect("/cart", everyone(200, "storefront")),
    Expect("/checkout", everyone(REDIRECT, "storefront")),  # an empty cart goes back to the cart
    Expect("/checkout/summary", everyone(REDIRECT, "storefront")),  # without htmx: the checkout page
    Expect("/checkout/done/<number>", {"anonymous": 404, "customer": 200, "other_customer": 404}),
    Expect("/account/signin", {"anonymous": 200, "customer": REDIRECT, "other_customer": REDIRECT}),
    Expect("/account/signup", {"anonymous": 200, "customer": REDIRECT, "other_customer": REDIRECT}),
    Expect("/account", {"anonymous": SIGNIN, "customer": 200, "other_customer": 200}),
    Expect("/account/*", {"anonymous": SIGNIN, "customer": OWNER_ONLY, "other_customer": OWNER_ONLY}),
    Expect("/orders/view/*", everyone(200, "storefront")),  # the signed link is the key
    Expect("/orders", {"anonymous": SIGNIN, "customer": 200, "other_customer": 200}),
    Expect("/orders/*", {"anonymous": SIGNIN, "customer": OWNER_ONLY, "other_customer": OWNER_ONLY}),
]

VENDOR = [
    Expect("/healthz", everyone(200, "vendor_portal")),
    Expect("/readyz", everyone(200, "vendor_portal")),
    Expect("/account/signin", {"anonymous": 200, "vendor_a": REDIRECT, "vendor_b": REDIRECT}),
    Expect("/account/signup", {"anonymous": 200, "vendor_a": REDIRECT, "vendor_b": REDIRECT}),
    # The progress region is for htmx; a plain request is sent to the job's page.
    Expect("/imports/<int:job_id>/progress", {"anonymous": SIGNIN, "vendor_a": REDIRECT, "vendor_b": 404}),
    # Every other page is the signed-in store's own.
    Expect("/*", {"anonymous": SIGNIN, "vendor_a": OWNER_ONLY, "vendor_b": OWNER_ONLY}),
]

ADMIN_PUBLIC = [
    Expect("/healthz", everyone(200, "admin_portal")),
    Expect("/readyz", everyone(200, "admin_portal")),
    Expect("/signin", {"anonymous": 200, **dict.fromkeys(ROLES["admin_portal"][1:], REDIRECT)}),
    # Nobody half-way through a two-factor sign-in: back to the password step (or home, signed in).
    Expect("/signin/code", everyone(REDIRECT, "admin_portal")),
]

SIGNIN_PATHS = {"storefront": "/account/signin", "vendor_portal": "/account/signin", "admin_portal": "/signin"}
OWNER = {"storefront": "customer", "vendor_portal": "vendor_a"}


def expectations(service: str, rule: str, endpoint: str) -> dict[str, Any]:
    if service == "admin_portal":
        roles = allowed_roles(service, endpoint)
        if roles is not None:
            return {"anonymous": SIGNIN, **{role: 200 if role in roles else 403 for role in ROLES[service][1:]}}
        table = ADMIN_PUBLIC
        hint = "it has no roles_required guard: guard it, or list it in ADMIN_PUBLIC if it is meant for everyone"
    else:
        table = STOREFRONT if service == "storefront" else VENDOR
        hint = "add its prefix to the table with the status each visitor should get"
    for expect in table:
        if expect.matches(rule):
            return expect.by_role
    pytest.fail(f"Unclassified {service} route {rule} ({endpoint}): {hint} in {__file__}.")


ROUTES = [route for service in ("storefront", "vendor_portal", "admin_portal") for route in page_routes(service)]


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: r.id)
def test_every_page_answers_each_visitor_as_the_table_says(world: World, route) -> None:
    service = route.service
    url = route.url(world.ids[service], world.endpoint_ids[service])
    expected_by_role = expectations(service, route.rule, route.endpoint)
    problems = []
    for role in ROLES[service]:
        expected = expected_by_role[role]
        if expected == OWNER_ONLY:
            owns = role == OWNER[service] or not route.params
            expected = 200 if owns else 404
        response = world.client(service, role).get(url)
        status, location = response.status_code, response.headers.get("Location", "")
        if expected == SIGNIN:
            ok = status == 302 and SIGNIN_PATHS[service] in location
        elif expected == REDIRECT:
            ok = status in (301, 302, 303)
        else:
            ok = status == expected
        if not ok:
            problems.append(f"{role}: expected {expected}, got {status} {location}".rstrip())
    assert not problems, f"GET {url}\n" + "\n".join(problems)


SIGNED_IN = {"storefront": "customer", "vendor_portal": "vendor_a", "admin_portal": "owner"}


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: r.id)
def test_opening_a_page_changes_nothing_in_any_database(world: World, route) -> None:
    """A GET never writes: every table of the three databases hashes the same before and after it, for an
    anonymous visitor and a signed-in one (left out: the signed calls' nonces and the shop's page-view
    counter, which are written by reads on purpose; see world.VOLATILE)."""
    from tests.security.world import changed_tables, platform_fingerprint

    service = route.service
    url = route.url(world.ids[service], world.endpoint_ids[service])
    # Staff downloads of personal data are audited on purpose: the one write a read may make.
    ignore = {"admin_portal": {"audit_entry"}} if service == "admin_portal" and route.rule.endswith(".csv") else {}
    for role in ("anonymous", SIGNED_IN[service]):
        before = platform_fingerprint(world.platform, **ignore)
        status = world.client(service, role).get(url).status_code
        after = platform_fingerprint(world.platform, **ignore)
        assert not changed_tables(before, after), (
            f"GET {url} as {role} ({status}) wrote to {changed_tables(before, after)}"
        )


INT_ROUTES = [route for route in ROUTES if "<int:" in route.rule]


@pytest.mark.parametrize("route", INT_ROUTES, ids=lambda r: r.id)
def test_an_id_beyond_the_databases_integer_range_is_not_found_rather_than_a_server_error(world: World, route) -> None:
    """/products/2147483648/edit is a page that does not exist (404), not a crash in PostgreSQL's int4 (500)."""
    import re

    service = route.service
    ints = re.findall(r"<int:(\w+)>", route.rule)
    ids = {**world.ids[service], **dict.fromkeys(ints, 2**31)}
    url = route.url(ids, world.endpoint_ids[service])
    try:
        status = world.client(service, SIGNED_IN[service]).get(url).status_code
    except Exception as exc:  # noqa: BLE001 - the test app re-raises what would be a 500
        pytest.fail(f"GET {url}: 500 ({type(exc).__name__}: {str(exc).splitlines()[0][:200]})")
    assert status == 404, f"GET {url} answered {status}"


@pytest.mark.parametrize("role", ROLES["admin_portal"][1:])
def test_the_admin_menu_offers_each_role_exactly_the_pages_its_guards_let_it_open(world: World, role: str) -> None:
    """navigation.NAV_ITEMS is shown per role from the guards: every link shown opens (200), and every
    menu page hidden from the role is one its guard refuses (403)."""
    from admin_portal.navigation import NAV_ITEMS
    from tests.security.routes import offline_app

    client = world.client("admin_portal", role)
    html = client.get("/").get_data(as_text=True)
    with offline_app("admin_portal").test_request_context():
        from flask import url_for

        hrefs = [url_for(item.endpoint) for item in NAV_ITEMS]
    menu = html.split('<ul class="nav-list">', 1)[1].split("</ul>", 1)[0] if '<ul class="nav-list">' in html else ""
    for href in hrefs:
        shown = f'href="{href}"' in menu
        status = client.get(href).status_code
        assert status == (200 if shown else 403), (
            f"{role}: menu {'shows' if shown else 'hides'} {href}, it answers {status}"
        )
