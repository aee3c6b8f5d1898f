"""Products in the admin portal: every store's catalogue read live from the vendor portal's signed API, hiding
and restoring a product (the shop's copy follows by events), stock adjustments on a vendor's behalf, each
staff action audited; and what happens when the vendor portal is down."""

from __future__ import annotations

import html as html_lib
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

import pytest
import sqlalchemy as sa

from common_core.errors import PeerError
from common_core.internal.client import InternalClient
from tests.admin_portal.conftest import PASSWORD, audit_entries, rows
from tests.conftest import csrf_from, submit

UNAVAILABLE = "The vendor portal is unavailable right now; nothing was changed."
INPUT = re.compile(r"<input\b[^>]*>")
ATTR = re.compile(r'(\w+)="([^"]*)"')


@dataclass(frozen=True)
class Listed:
    """A product created and published through the vendor portal's own operations."""

    product_id: int
    variant_id: int
    vendor_id: int
    title: str
    store_email: str


@pytest.fixture(name="list_product")
def list_product_fixture(platform, make_pending_vendor) -> Callable[..., Listed]:
    """list_product(title, stock=10, store="Acme Audio", description=..., brand=None, publish=True): a store
    signed up on the vendor portal's page and approved by admin's signed call, and a product made by the
    vendor portal's catalogue operations; its events are drained, so the shop and admin's read model have it."""
    from vendor_portal.accounts.models import VendorUser
    from vendor_portal.catalog import operations as catalog
    from vendor_portal.extensions import db as vendor_db

    stores: dict[str, tuple[int, str]] = {}

    def make(
        title: str = "Walnut headphone stand",
        *,
        stock: int = 10,
        store: str = "Acme Audio",
        description: str = "Solid walnut.",
        brand: str | None = None,
        price: str = "39.00",
        publish: bool = True,
    ) -> Listed:
        if store not in stores:
            email = re.sub(r"[^a-z]+", "-", store.lower()) + "@store.example"
            vendor_id = make_pending_vendor(store, email)
            with platform.admin.app_context():
                InternalClient.for_peer("vendor_portal").post(
                    f"/internal/vendors/{vendor_id}/status",
                    {"status": "approved", "reason": None, "request_id": uuid.uuid4().hex},
                )
            stores[store] = (vendor_id, email)
        vendor_id, email = stores[store]
        with platform.vendor.app_context():
            user = vendor_db.session.scalar(sa.select(VendorUser).where(VendorUser.vendor_id == vendor_id))
            product = catalog.create_product(
                user.vendor,
                title=title,
                description=description,
                price=Decimal(price),
                currency="EUR",
                brand=brand,
                actor=user,
                initial_stock=stock,
            )
            if publish:
                catalog.publish(product, actor=user)
            vendor_db.session.commit()
            listed = Listed(product.id, product.variants[0].id, vendor_id, title, email)
            vendor_db.session.remove()
        platform.drain()
        return listed

    return make


def hidden_inputs(page: str, action: str) -> dict[str, str]:
    """The hidden inputs (CSRF token, request id ...) of the form posting to `action`, as a browser keeps them."""
    match = re.search(r'<form\b[^>]*action="' + re.escape(action) + r'"[^>]*>(.*?)</form>', page, re.S)
    assert match, f"no form posting to {action}"
    fields = {}
    for tag in INPUT.findall(match.group(1)):
        attrs = dict(ATTR.findall(tag))
        if attrs.get("type") == "hidden" and "name" in attrs:
            fields[attrs["name"]] = html_lib.unescape(attrs.get("value", ""))
    return fields


def hide(client, product_id: int, reason: str, *, page_url: str | None = None, back: str = "detail"):
    """Fill in the hide form on the product's page, then confirm on the page that asks; returns the answer."""
    action = f"/products/{product_id}/hide"
    page = client.get(page_url or f"/products/{product_id}").get_data(as_text=True)
    confirm = client.post(action, data={**hidden_inputs(page, action), "reason": reason, "back": back})
    assert confirm.status_code == 200, confirm.get_data(as_text=True)
    confirm_page = confirm.get_data(as_text=True)
    assert "from shoppers?" in confirm_page and reason in html_lib.unescape(confirm_page)
    return client.post(action, data=hidden_inputs(confirm_page, action))


def adjust(client, product_id: int, fields: dict, *, request_id: str | None = None):
    """Post the stock form of the product's page (its own request id unless one is given)."""
    action = f"/products/{product_id}/stock"
    page = client.get(f"/products/{product_id}").get_data(as_text=True)
    hidden = hidden_inputs(page, action)
    if request_id:
        hidden["request_id"] = request_id
    return client.post(action, data={**hidden, **fields}), hidden["request_id"]


def vendor_product(platform, product_id: int):
    return rows(platform.vendor, "SELECT status, hidden_reason, hidden_at FROM product WHERE id = :id", id=product_id)[
        0
    ]


def shop_listed(platform, product_id: int) -> bool:
    found = rows(platform.storefront, "SELECT listed FROM product WHERE id = :id", id=product_id)
    return bool(found and found[0].listed)


def shop_search(platform, text: str) -> str:
    return platform.storefront.test_client().get(f"/search?q={text}").get_data(as_text=True)


# --- hiding and restoring ------------------------------------------------------------------------------------


def test_catalogue_manager_hides_a_product_the_shop_stops_listing_it_and_the_vendor_sees_why(
    platform, signed_in, list_product
):
    stand = list_product("Walnut headphone stand")
    assert shop_listed(platform, stand.product_id) and "Walnut headphone stand" in shop_search(platform, "walnut")
    manager = signed_in("catalogue_manager")

    response = hide(manager, stand.product_id, "Uses another brand's logo")

    assert response.status_code == 302 and response.headers["Location"] == f"/products/{stand.product_id}"
    product = vendor_product(platform, stand.product_id)
    assert product.status == "active" and product.hidden_reason == "Uses another brand's logo"
    assert product.hidden_at is not None
    removed = rows(platform.vendor, "SELECT data FROM outbox_event WHERE type = 'product.removed'")
    assert [r.data["reason"] for r in removed] == ["hidden"]
    [entry] = audit_entries(platform.admin, "product")
    assert (entry.staff_email, entry.action, entry.object_id) == (
        "catalogue_manager@example.com",
        "product.hidden",
        str(stand.product_id),
    )
    assert entry.before == {"hidden_reason": None, "listed": True}
    assert entry.after["hidden_reason"] == "Uses another brand's logo" and entry.after["listed"] is False
    uuid.UUID(entry.after["request_id"])

    platform.drain()
    assert not shop_listed(platform, stand.product_id)
    assert "Walnut headphone stand" not in shop_search(platform, "walnut")
    page = html_lib.unescape(manager.get(f"/products/{stand.product_id}").get_data(as_text=True))
    assert "is hidden from shoppers. Its vendor is shown your reason." in page
    assert "Hidden by staff" in page and "Uses another brand's logo" in page

    vendor_client = platform.vendor.test_client()
    assert (
        submit(vendor_client, "/account/signin", {"email": stand.store_email, "password": PASSWORD}).status_code == 302
    )
    edit = html_lib.unescape(vendor_client.get(f"/products/{stand.product_id}/edit").get_data(as_text=True))
    assert "Uses another brand's logo" in edit


def test_restoring_a_hidden_product_brings_it_back_to_the_shop(platform, signed_in, list_product):
    stand = list_product("Walnut headphone stand")
    manager = signed_in("owner")
    assert hide(manager, stand.product_id, "Check the listing").status_code == 302
    platform.drain()
    assert not shop_listed(platform, stand.product_id)

    page = manager.get(f"/products/{stand.product_id}").get_data(as_text=True)
    action = f"/products/{stand.product_id}/restore"
    response = manager.post(action, data=hidden_inputs(page, action))

    assert response.status_code == 302
    product = vendor_product(platform, stand.product_id)
    assert product.hidden_reason is None and product.hidden_at is None
    platform.drain()
    assert shop_listed(platform, stand.product_id)
    assert "Walnut headphone stand" in shop_search(platform, "walnut")
    assert [e.action for e in audit_entries(platform.admin, "product")] == ["product.hidden", "product.restored"]
    assert "is restored and back in the shop." in html_lib.unescape(
        manager.get(response.headers["Location"]).get_data(as_text=True)
    )


def test_hiding_needs_a_reason_and_a_confirmation_before_anything_changes(platform, signed_in, list_product):
    stand = list_product()
    manager = signed_in("catalogue_manager")
    action = f"/products/{stand.product_id}/hide"
    page = manager.get(f"/products/{stand.product_id}").get_data(as_text=True)

    no_reason = manager.post(action, data={**hidden_inputs(page, action), "reason": "  "})
    assert no_reason.status_code == 422
    assert "Give the reason for hiding it; the vendor is shown it." in no_reason.get_data(as_text=True)

    asked = manager.post(action, data={**hidden_inputs(page, action), "reason": "Replica"})
    assert asked.status_code == 200 and "Hide “Walnut headphone stand” from shoppers?" in asked.get_data(as_text=True)
    assert vendor_product(platform, stand.product_id).hidden_at is None
    assert audit_entries(platform.admin, "product") == []


def test_hiding_twice_with_the_same_reason_changes_nothing_more(platform, signed_in, list_product):
    stand = list_product()
    manager = signed_in("catalogue_manager")
    assert hide(manager, stand.product_id, "Replica").status_code == 302
    first = vendor_product(platform, stand.product_id).hidden_at

    with platform.admin.app_context():
        again = InternalClient.for_peer("vendor_portal").post(
            f"/internal/products/{stand.product_id}/hide", {"reason": "Replica", "request_id": "x-1"}
        )
    assert again["changed"] is False and again["hidden_reason"] == "Replica"
    assert vendor_product(platform, stand.product_id).hidden_at == first
    assert len(rows(platform.vendor, "SELECT 1 FROM outbox_event WHERE type = 'product.removed'")) == 1


# --- stock on the vendor's behalf ------------------------------------------------------------------------------


def test_staff_stock_adjustment_changes_vendor_stock_as_staff_and_is_applied_once(platform, signed_in, list_product):
    stand = list_product(stock=10)
    manager = signed_in("catalogue_manager")
    fields = {
        "variant_id": stand.variant_id,
        "delta": "5",
        "reason": "received",
        "note": "Vendor emailed a delivery note",
    }

    response, request_id = adjust(manager, stand.product_id, fields)
    again, _ = adjust(manager, stand.product_id, fields, request_id=request_id)  # the same form posted twice

    assert response.status_code == 302 and again.status_code == 302
    assert rows(platform.vendor, "SELECT stock_on_hand FROM variant WHERE id = :v", v=stand.variant_id)[0][0] == 15
    history = rows(
        platform.vendor,
        "SELECT delta, reason, note, actor FROM stock_adjustment WHERE variant_id = :v ORDER BY id",
        v=stand.variant_id,
    )
    assert [(h.delta, h.reason, h.actor) for h in history] == [
        (10, "initial", history[0].actor),
        (5, "received", "staff:catalogue_manager@example.com"),
    ]
    assert history[1].note == f"[req:{request_id}] Vendor emailed a delivery note"
    [entry] = audit_entries(platform.admin, "product")
    assert entry.action == "product.stock_adjusted"
    assert entry.before == {"variant_id": stand.variant_id, "stock_on_hand": 10}
    assert entry.after["stock_on_hand"] == 15 and entry.after["request_id"] == request_id
    page = html_lib.unescape(manager.get(again.headers["Location"]).get_data(as_text=True))
    assert "That stock change was already made; nothing was changed again." in page
    assert "Vendor emailed a delivery note" in page and "catalogue_manager@example.com" in page  # the history

    platform.drain()
    available = rows(platform.storefront, "SELECT available FROM variant WHERE id = :v", v=stand.variant_id)
    assert available[0].available == 15


def test_a_stock_change_the_vendor_portal_refuses_is_shown_next_to_the_change(platform, signed_in, list_product):
    stand = list_product(stock=3)
    manager = signed_in("owner")
    fields = {"variant_id": stand.variant_id, "delta": "-5", "reason": "damaged", "note": "Water damage"}

    response, _ = adjust(manager, stand.product_id, fields)

    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="delta-error"' in html and "Only 3 in stock; you cannot remove 5." in html_lib.unescape(html)
    assert rows(platform.vendor, "SELECT stock_on_hand FROM variant WHERE id = :v", v=stand.variant_id)[0][0] == 3
    assert audit_entries(platform.admin, "product") == []


def test_a_stock_change_needs_a_note(platform, signed_in, list_product):
    stand = list_product()
    response, _ = adjust(
        signed_in("owner"), stand.product_id, {"variant_id": stand.variant_id, "delta": "2", "reason": "received"}
    )
    assert response.status_code == 422
    assert "Say why; the vendor sees this note in their stock history." in response.get_data(as_text=True)


# --- the list ---------------------------------------------------------------------------------------------------


def test_product_list_searches_every_store_and_filters_by_store_stock_and_hidden(platform, signed_in, list_product):
    stand = list_product("Walnut headphone stand", stock=10, brand="Grain")
    list_product("Oak headphone stand", stock=0, store="Loom Tees")
    list_product("Cable organiser", stock=2, store="Loom Tees", publish=False)
    manager = signed_in("catalogue_manager")
    assert hide(manager, stand.product_id, "Check").status_code == 302

    def titles(query: str) -> list[str]:
        response = manager.get(f"/products?{query}")
        assert response.status_code == 200, response.get_data(as_text=True)
        return re.findall(r'<a href="/products/\d+">([^<]+)</a>', response.get_data(as_text=True))

    assert sorted(titles("")) == ["Cable organiser", "Oak headphone stand", "Walnut headphone stand"]
    assert sorted(titles("q=headphone")) == ["Oak headphone stand", "Walnut headphone stand"]
    assert titles("q=grain") == ["Walnut headphone stand"]  # brand
    assert titles(f"vendor={stand.vendor_id}") == ["Walnut headphone stand"]
    assert titles("stock=out") == ["Oak headphone stand"]
    assert sorted(titles("stock=low")) == ["Cable organiser", "Oak headphone stand"]
    assert titles("hidden=true") == ["Walnut headphone stand"]
    assert titles("status=draft") == ["Cable organiser"]
    assert "Showing 1\u20133 of 3" in manager.get("/products").get_data(as_text=True)


def test_vendor_portal_product_endpoints_answer_only_the_admin_portal(platform, list_product):
    stand = list_product()
    with platform.storefront.app_context():
        client = InternalClient.for_peer("vendor_portal", retries=0)
        for call in (
            lambda: client.get("/internal/products"),
            lambda: client.post(f"/internal/products/{stand.product_id}/hide", {"reason": "x", "request_id": "r"}),
            lambda: client.post(
                f"/internal/variants/{stand.variant_id}/stock",
                {"delta": 1, "reason": "received", "note": "x", "request_id": "r", "staff_email": "a@b.c"},
            ),
        ):
            with pytest.raises(PeerError) as refused:
                call()
            assert refused.value.status == 403
    with platform.admin.app_context():
        client = InternalClient.for_peer("vendor_portal", retries=0)
        with pytest.raises(PeerError) as missing:
            client.get("/internal/products/999999")
        assert missing.value.status == 404
        with pytest.raises(PeerError) as invalid:
            client.post(
                f"/internal/variants/{stand.variant_id}/stock",
                {"delta": 1, "reason": "sale", "note": "x", "request_id": "r", "staff_email": "a@b.c"},
            )
        assert invalid.value.status == 422 and invalid.value.body["details"]["field"] == "reason"
        detail = client.get(f"/internal/products/{stand.product_id}")
    assert detail["variants"][0]["available"] == 10 and detail["history"][0]["reason"] == "initial"
    assert detail["store_name"] == "Acme Audio" and detail["listed"] is True


# --- a peer down, and who may use the pages ----------------------------------------------------------------


def test_with_the_vendor_portal_down_the_pages_say_so_and_hiding_changes_nothing(platform, signed_in, list_product):
    stand = list_product()
    manager = signed_in("catalogue_manager")
    page = manager.get(f"/products/{stand.product_id}").get_data(as_text=True)
    confirm = manager.post(
        f"/products/{stand.product_id}/hide",
        data={**hidden_inputs(page, f"/products/{stand.product_id}/hide"), "reason": "Replica"},
    ).get_data(as_text=True)

    platform.adapters["vendor_portal"].down = True
    listing = manager.get("/products")
    assert listing.status_code == 200
    assert "The vendor portal is unavailable right now" in listing.get_data(as_text=True)
    assert "Products cannot be shown right now" in listing.get_data(as_text=True)
    response = manager.post(
        f"/products/{stand.product_id}/hide", data=hidden_inputs(confirm, f"/products/{stand.product_id}/hide")
    )

    assert response.status_code == 503
    assert UNAVAILABLE in response.get_data(as_text=True)
    platform.adapters["vendor_portal"].down = False
    assert vendor_product(platform, stand.product_id).hidden_at is None
    assert audit_entries(platform.admin, "product") == []
    assert manager.get(f"/products/{stand.product_id}").status_code == 200


CATALOGUE_PAGES = ("/products", "/moderation")
SUPPORT_PAGES = ("/customers", "/orders", "/orders/export.csv")


@pytest.mark.parametrize("role", ["support", "analyst"])
def test_staff_without_a_catalogue_role_cannot_open_products_or_moderation(platform, signed_in, list_product, role):
    stand = list_product()
    client = signed_in(role)
    for path in (*CATALOGUE_PAGES, f"/products/{stand.product_id}"):
        assert client.get(path).status_code == 403, path
    token = csrf_from(client.get("/").get_data(as_text=True))
    response = client.post(
        f"/products/{stand.product_id}/hide",
        data={"csrf_token": token, "reason": "x", "request_id": str(uuid.uuid4()), "confirmed": "yes"},
    )
    assert response.status_code == 403
    assert vendor_product(platform, stand.product_id).hidden_at is None


@pytest.mark.parametrize("role", ["catalogue_manager", "analyst"])
def test_staff_without_a_support_role_cannot_open_customers_or_orders(signed_in, role):
    client = signed_in(role)
    for path in (*SUPPORT_PAGES, "/customers/1", "/orders/MP-ABC234"):
        assert client.get(path).status_code == 403, path


@pytest.mark.parametrize(
    ("role", "sections"),
    [
        ("owner", {"Products", "Moderation", "Customers", "Orders"}),
        ("catalogue_manager", {"Products", "Moderation"}),
        ("support", {"Customers", "Orders"}),
        ("analyst", set()),
    ],
)
def test_menu_offers_products_customers_and_orders_to_the_roles_their_pages_let_in(signed_in, role, sections):
    html = signed_in(role).get("/").get_data(as_text=True)
    menu = html.split('class="site-nav-main"', 1)[1].split("</div>", 1)[0]
    for label, href in (
        ("Products", "/products"),
        ("Moderation", "/moderation"),
        ("Customers", "/customers"),
        ("Orders", "/orders"),
    ):
        assert (f'href="{href}"' in menu) is (label in sections), label
