"""Who may open which admin page: the role guard on every route, and a menu that matches it."""

from __future__ import annotations

import pytest

from admin_portal.staff.access import roles_required
from admin_portal.staff.models import STAFF_ROLES
from tests.admin_portal.conftest import staff_rows, token_of
from tests.conftest import csrf_from

# Every admin page and the roles that may open it (anything else: 403; anonymous: sign in).
CATALOGUE = {"owner", "catalogue_manager"}
PAGES = {
    "/": set(STAFF_ROLES),
    "/staff": {"owner"},
    "/staff/new": {"owner"},
    "/categories": CATALOGUE,
    "/categories/new": CATALOGUE,
    "/vendors": CATALOGUE,
    "/vendors/queue": CATALOGUE,
    "/products": CATALOGUE,
    "/moderation": CATALOGUE,
    "/customers": {"owner", "support"},
    "/orders": {"owner", "support"},
    "/audit": {"owner"},
    "/ledger": {"owner", "analyst"},
    "/health": {"owner", "analyst"},
    "/account/two-factor": set(STAFF_ROLES),
}
# Menu label -> (its address, the roles that see it).
MENU = {
    "Dashboard": ("/", set(STAFF_ROLES)),
    "Categories": ("/categories", CATALOGUE),
    "Vendors": ("/vendors", CATALOGUE),
    "Products": ("/products", CATALOGUE),
    "Moderation": ("/moderation", CATALOGUE),
    "Customers": ("/customers", {"owner", "support"}),
    "Orders": ("/orders", {"owner", "support"}),
    "Staff": ("/staff", {"owner"}),
    "Ledger": ("/ledger", {"owner", "analyst"}),
    "Audit log": ("/audit", {"owner"}),
    "Health": ("/health", {"owner", "analyst"}),
}
# Routes that must stay open, or are guarded by signatures instead of staff sign-in.
UNGUARDED = {"staff.signin", "staff.signin_code", "staff.signout", "static", "common_ui.static", "healthz", "readyz"}


@pytest.mark.parametrize("role", STAFF_ROLES)
@pytest.mark.parametrize("path", PAGES)
def test_each_role_opens_only_the_pages_its_role_allows(signed_in, role, path):
    response = signed_in(role).get(path)
    assert response.status_code == (200 if role in PAGES[path] else 403)
    if response.status_code == 403:
        assert "You do not have access to this page." in response.get_data(as_text=True)


@pytest.mark.parametrize("role", STAFF_ROLES)
def test_menu_shows_each_section_only_to_the_roles_its_page_lets_in(signed_in, role):
    html = signed_in(role).get("/").get_data(as_text=True)
    menu = html.split('class="site-nav-main"', 1)[1].split("</div>", 1)[0]
    for label, (href, roles) in MENU.items():
        assert (f'href="{href}"' in menu) is (role in roles), label
        assert (f">{label}<" in menu or f">{label}\n" in menu) is (role in roles), label


def test_menu_marks_the_current_section(signed_in):
    html = signed_in("owner").get("/staff/new").get_data(as_text=True)
    assert '<a href="/staff" aria-current="page">Staff</a>' in html
    assert '<a href="/">Dashboard</a>' in html


@pytest.mark.parametrize("path", PAGES)
def test_anonymous_visitors_are_sent_to_sign_in(admin, path):
    response = admin.test_client().get(path)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/signin?next=")


@pytest.mark.parametrize("role", ["catalogue_manager", "support", "analyst"])
def test_only_owners_can_create_staff_even_by_posting_directly(admin, signed_in, role):
    client = signed_in(role)
    response = client.post(
        "/staff/new",
        data={
            "email": "sneaky@example.com",
            "name": "Sneaky",
            "role": "owner",
            "password": "p" * 12,
            "confirm_password": "p" * 12,
            "csrf_token": token_of(client),
        },
    )
    assert response.status_code == 403
    assert "sneaky@example.com" not in staff_rows(admin)


@pytest.mark.parametrize("action", ["disable", "enable"])
def test_only_owners_can_disable_or_re_enable_staff(admin, signed_in, make_staff, action):
    target = make_staff("target@example.com", "support", status="active" if action == "disable" else "disabled")
    client = signed_in("analyst")
    before = staff_rows(admin)["target@example.com"]
    response = client.post(f"/staff/{target}/{action}", data={"csrf_token": token_of(client)})
    assert response.status_code == 403
    assert staff_rows(admin)["target@example.com"] == before


def test_anonymous_posts_to_staff_actions_are_sent_to_sign_in(admin, make_staff):
    target = make_staff("target@example.com", "support")
    client = admin.test_client()
    token = csrf_from(client.get("/signin").get_data(as_text=True))
    response = client.post(f"/staff/{target}/disable", data={"csrf_token": token})
    assert response.status_code == 302 and response.headers["Location"].startswith("/signin")
    assert staff_rows(admin)["target@example.com"] == ("support", "active")


def test_every_admin_route_wears_the_role_guard(admin):
    unguarded = {
        rule.endpoint
        for rule in admin.url_map.iter_rules()
        if not hasattr(admin.view_functions[rule.endpoint], "allowed_roles")
        and not rule.endpoint.startswith("internal.")
    }
    assert unguarded <= UNGUARDED


def test_menu_items_take_their_roles_from_the_page_guard(admin):
    from admin_portal.navigation import NAV_ITEMS

    with admin.test_request_context():
        roles = {item.label: item.roles for item in NAV_ITEMS}
    assert roles == {label: frozenset(item_roles) for label, (_, item_roles) in MENU.items()}


@pytest.mark.parametrize("roles", [(), ("owner", "root")])
def test_guard_refuses_unknown_roles_when_the_route_is_declared(roles):
    with pytest.raises(ValueError, match="roles_required"):
        roles_required(*roles)
