"""A populated platform for the security, fault and accessibility suites: every kind of object each portal
shows, made through the portals' own pages and signed calls, and a signed-in client per role.

    world = build_world(platform)              # plain texts
    world = build_world(platform, text=XSS)    # every user-entered text carries the XSS payloads

`world.ids[service]` maps URL parameter names to the ids of objects owned by the "first" principal of
that portal (customer, vendor A); `world.endpoint_ids` overrides them per endpoint where one name means
different things (a slug of a category, a store or a product). Route suites fill every rule from these,
so a new route only needs an entry here when it introduces a parameter nobody has seen before.
"""

from __future__ import annotations

import io
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from common_core.internal.client import InternalClient
from tests.conftest import Platform, csrf_from, submit

PASSWORD = "correct horse battery"
GOOD_CARD = "4242 4242 4242 4242"
ADDRESS = {
    "name": "Grace Hopper",
    "line1": "1 Harbour Road",
    "line2": "Flat 2",
    "city": "Dublin",
    "postcode": "D02 X285",
    "country": "IE",
}

STOREFRONT_ROLES = ("anonymous", "customer", "other_customer")
VENDOR_ROLES = ("anonymous", "vendor_a", "vendor_b")
STAFF_ROLES = ("owner", "catalogue_manager", "support", "analyst")
ADMIN_ROLES = ("anonymous", *STAFF_ROLES)
ROLES = {"storefront": STOREFRONT_ROLES, "vendor_portal": VENDOR_ROLES, "admin_portal": ADMIN_ROLES}


def plain(kind: str) -> str:
    """The text a field gets in an ordinary world."""
    return {
        "store_a": "Acme Audio",
        "store_b": "Birch Books",
        "product_title": "Walnut headphone stand",
        "product_b_title": "Oak bookend",
        "description": "Solid walnut, oiled by hand.",
        "category": "Audio",
        "subcategory": "Headphones",
        "customer_name": "Ada Lovelace",
        "staff_name": "Grace Staff",
        "review": "Sturdy and handsome, holds two pairs.",
        "address_name": "Grace Hopper",
        "address_line": "1 Harbour Road",
        "city": "Dublin",
    }[kind]


def sql(app: Flask, query: str, **params: Any) -> list[Any]:
    with app.app_context():
        db = app.extensions["sqlalchemy"]
        rows = db.session.execute(sa.text(query), params).all()
        db.session.remove()
    return rows


def scalar(app: Flask, query: str, **params: Any) -> Any:
    rows = sql(app, query, **params)
    return rows[0][0] if rows else None


def post_with_token(client: FlaskClient, page_url: str, post_url: str, data: dict[str, Any], **kw: Any) -> Any:
    page = client.get(page_url, follow_redirects=True)
    assert page.status_code == 200, f"{page_url} answered {page.status_code}"
    return client.post(post_url, data={**data, "csrf_token": csrf_from(page.get_data(as_text=True))}, **kw)


def png_bytes(size: tuple[int, int] = (40, 30)) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", size, (200, 60, 40)).save(out, "PNG")
    return out.getvalue()


@dataclass
class World:
    platform: Platform
    clients: dict[str, dict[str, FlaskClient]] = field(default_factory=dict)
    ids: dict[str, dict[str, Any]] = field(default_factory=dict)
    endpoint_ids: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    facts: dict[str, Any] = field(default_factory=dict)  # anything else a suite wants to know (emails, names)
    refused: dict[str, str] = field(default_factory=dict)  # texts a form refused (inert by refusal)

    def client(self, service: str, role: str) -> FlaskClient:
        return self.clients[service][role]

    def app(self, service: str) -> Flask:
        return self.platform.apps[service]


# --- building blocks ------------------------------------------------------------------------------------


def vendor_sign_up(platform: Platform, store_name: str, email: str, contact: str = "Ada Lovelace") -> Any:
    client = platform.vendor.test_client()
    response = submit(
        client,
        "/account/signup",
        {"store_name": store_name, "contact_name": contact, "email": email, "password": PASSWORD},
    )
    return client, response


def vendor_status(platform: Platform, vendor_id: int, status: str, reason: str | None = None) -> dict[str, Any]:
    body = {"status": status, "reason": reason, "request_id": uuid.uuid4().hex}
    with platform.admin.app_context():
        return InternalClient.for_peer("vendor_portal").post(f"/internal/vendors/{vendor_id}/status", body)


def staff_sign_in(admin: Flask, email: str, password: str = PASSWORD) -> FlaskClient:
    client = admin.test_client()
    response = submit(client, "/signin", {"email": email, "password": password})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return client


def make_staff(admin: Flask, email: str, role: str, name: str) -> int:
    from admin_portal.extensions import db
    from admin_portal.staff import operations

    with admin.app_context():
        staff = operations.create_staff(email, name, role, PASSWORD, actor=None)
        db.session.commit()
        staff_id = staff.id
        db.session.remove()
    return staff_id


def customer_sign_up(storefront: Flask, email: str, name: str) -> tuple[FlaskClient, Any]:
    client = storefront.test_client()
    response = submit(client, "/account/signup", {"name": name, "email": email, "password": PASSWORD})
    return client, response


def add_to_cart(client: FlaskClient, product_id: int, variant_id: int, quantity: int = 1) -> Any:
    page = client.get(f"/p/{product_id}?variant={variant_id}", follow_redirects=True)
    assert page.status_code == 200, page.status_code
    return client.post(
        "/cart/add",
        data={"variant_id": variant_id, "quantity": quantity, "csrf_token": csrf_from(page.get_data(as_text=True))},
    )


KEY_RE = re.compile(r'name="checkout_key"[^>]*value="([^"]+)"')


def checkout(client: FlaskClient, *, email: str | None, card: str = GOOD_CARD, cvc: str = "737", **extra: str) -> Any:
    page = client.get("/checkout")
    assert page.status_code == 200, page.status_code
    html = page.get_data(as_text=True)
    key = KEY_RE.search(html)
    assert key, "the checkout form has no checkout_key"
    data = {
        "csrf_token": csrf_from(html),
        "checkout_key": key.group(1),
        **ADDRESS,
        "shipping_method": "standard",
        "card_number": card,
        "card_expiry": "12/39",
        "card_cvc": cvc,
        "card_name": "GRACE HOPPER",
        **extra,
    }
    if email:
        data["email"] = email
    return client.post("/checkout", data=data)


def create_product(client: FlaskClient, *, title: str, description: str, sku: str, stock: int, **fields: str) -> int:
    response = submit(
        client,
        "/products/new",
        {
            "title": title,
            "description": description,
            "price": "39.00",
            "currency": "EUR",
            "sku": sku,
            "initial_stock": str(stock),
            **fields,
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    match = re.search(r"/products/(\d+)/edit$", response.headers["Location"])
    assert match, response.headers["Location"]
    return int(match.group(1))


def publish(client: FlaskClient, product_id: int) -> None:
    response = post_with_token(client, f"/products/{product_id}/edit", f"/products/{product_id}/publish", {})
    assert response.status_code == 302, response.status_code


# --- the world ------------------------------------------------------------------------------------------


def build_world(platform: Platform, text: Callable[[str], str] = plain) -> World:
    """Everything each portal can show, owned by known principals; see the module docstring."""
    platform.reset()
    world = World(platform)
    storefront, admin, vendor = platform.storefront, platform.admin, platform.vendor

    # Staff: one per role, the owner first (it creates categories through its own form).
    staff_ids = {}
    for role in STAFF_ROLES:
        staff_ids[role] = make_staff(admin, f"{role}@staff.example", role, f"{role.replace('_', ' ').title()} Staff")
    world.clients["admin_portal"] = {"anonymous": admin.test_client()}
    for role in STAFF_ROLES:
        world.clients["admin_portal"][role] = staff_sign_in(admin, f"{role}@staff.example")
    owner = world.clients["admin_portal"]["owner"]

    # A staff member named by the text under test, made through the owner's form.
    response = post_with_token(
        owner,
        "/staff/new",
        "/staff/new",
        {
            "email": "named@staff.example",
            "name": text("staff_name"),
            "role": "support",
            "password": PASSWORD,
            "confirm_password": PASSWORD,
        },
    )
    if response.status_code != 302:
        world.refused["staff_name"] = f"/staff/new answered {response.status_code}"

    # Categories through the form (text under test), delivered to both copies.
    for name, parent in ((text("category"), None), (text("subcategory"), "top")):
        data = {"name": name, "slug": ""}
        if parent:
            data["parent"] = str(scalar(admin, "SELECT min(id) FROM category"))
        response = post_with_token(owner, "/categories/new", "/categories/new", data)
        if response.status_code != 302:
            world.refused[f"category:{name}"] = f"/categories/new answered {response.status_code}"
            from admin_portal.categories import operations as category_operations
            from admin_portal.extensions import db as admin_db

            with admin.app_context():
                category_operations.create_category(
                    plain("category") if parent is None else plain("subcategory"),
                    parent_id=scalar(admin, "SELECT min(id) FROM category") if parent else None,
                    slug=None,
                    actor=None,
                )
                admin_db.session.commit()
                admin_db.session.remove()
    platform.drain()
    category_id = scalar(admin, "SELECT max(id) FROM category")

    # Two approved stores, signed in through their sign-up pages.
    world.clients["vendor_portal"] = {"anonymous": vendor.test_client()}
    vendor_ids = {}
    for role, kind, email in (("vendor_a", "store_a", "a@store.example"), ("vendor_b", "store_b", "b@store.example")):
        client, response = vendor_sign_up(platform, text(kind), email)
        if response.status_code != 302:
            world.refused[kind] = f"vendor sign-up answered {response.status_code}"
            client, response = vendor_sign_up(platform, plain(kind), email)
            assert response.status_code == 302, response.get_data(as_text=True)[:2000]
        vendor_ids[role] = scalar(vendor, "SELECT vendor_id FROM vendor_user WHERE email = :e", e=email)
        vendor_status(platform, vendor_ids[role], "approved")
        world.clients["vendor_portal"][role] = client
    platform.drain()
    vendor_a, vendor_b = world.clients["vendor_portal"]["vendor_a"], world.clients["vendor_portal"]["vendor_b"]

    # Vendor A's product, with an image, in the subcategory; vendor B's own product.
    product_a = create_product(
        vendor_a,
        title=text("product_title"),
        description=text("description"),
        sku="A-STAND",
        stock=20,
        category_id=str(category_id),
    )
    response = post_with_token(
        vendor_a,
        f"/products/{product_a}/edit",
        f"/products/{product_a}/images",
        {"images": [(io.BytesIO(png_bytes()), "stand.png")]},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    publish(vendor_a, product_a)
    product_b = create_product(
        vendor_b, title=text("product_b_title"), description=text("description"), sku="B-BOOKEND", stock=5
    )
    publish(vendor_b, product_b)
    platform.drain()
    variant_a = scalar(vendor, "SELECT id FROM variant WHERE product_id = :p ORDER BY id LIMIT 1", p=product_a)
    variant_b = scalar(vendor, "SELECT id FROM variant WHERE product_id = :p ORDER BY id LIMIT 1", p=product_b)
    vendor_image_id = scalar(vendor, "SELECT id FROM product_image WHERE product_id = :p", p=product_a)

    # Vendor A's import job (queued, not run).
    from vendor_portal.imports.csvfile import COLUMNS

    header = ",".join(COLUMNS)
    row = ",".join(
        {"handle": "p-1", "title": "Imported", "sku": "IMP-1", "price": "10.00", "stock": "5"}.get(c, "")
        for c in COLUMNS
    )
    response = post_with_token(
        vendor_a,
        "/imports",
        "/imports",
        {"file": (io.BytesIO(f"{header}\n{row}\n".encode()), "products.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    job_id = int(response.headers["Location"].rstrip("/").rsplit("/", 1)[1])

    # Shoppers: a customer with an order, a saved address and a wishlist entry; another customer; a guest order.
    world.clients["storefront"] = {"anonymous": storefront.test_client()}
    customer, response = customer_sign_up(storefront, "ada@shopper.example", text("customer_name"))
    if response.status_code != 302:
        world.refused["customer_name"] = f"sign-up answered {response.status_code}"
        customer, response = customer_sign_up(storefront, "ada@shopper.example", plain("customer_name"))
        assert response.status_code == 302
    other, response = customer_sign_up(storefront, "bob@shopper.example", "Bob Other")
    assert response.status_code == 302
    world.clients["storefront"]["customer"] = customer
    world.clients["storefront"]["other_customer"] = other

    assert add_to_cart(customer, product_a, variant_a, 2).status_code in (302, 303)
    placed = checkout(
        customer,
        email=None,
        name=text("address_name"),
        line1=text("address_line"),
        city=text("city"),
    )
    if placed.status_code != 303:
        world.refused["checkout_address"] = f"checkout answered {placed.status_code}"
        placed = checkout(customer, email=None)
    assert placed.status_code == 303, placed.get_data(as_text=True)[:3000]
    number = placed.headers["Location"].rsplit("/", 1)[1]

    guest = storefront.test_client()
    assert add_to_cart(guest, product_a, variant_a, 1).status_code in (302, 303)
    guest_placed = checkout(guest, email="guest@shopper.example")
    assert guest_placed.status_code == 303, guest_placed.get_data(as_text=True)[:3000]
    confirmation = guest.get(guest_placed.headers["Location"]).get_data(as_text=True)
    token_match = re.search(r"/orders/view/([^\"/<\s]+)\"", confirmation)
    assert token_match, "the guest's confirmation has no order link"
    token = token_match.group(1)
    platform.drain()

    response = post_with_token(
        customer,
        "/account/addresses/new",
        "/account/addresses/new",
        {
            "name": text("address_name"),
            "line1": text("address_line"),
            "line2": "",
            "city": text("city"),
            "postcode": "D02 X285",
            "country": "IE",
            "phone": "",
        },
    )
    if response.status_code != 302:
        world.refused["address"] = f"/account/addresses/new answered {response.status_code}"
        response = post_with_token(
            customer,
            "/account/addresses/new",
            "/account/addresses/new",
            {**ADDRESS, "phone": ""},
        )
        assert response.status_code == 302
    address_id = scalar(storefront, "SELECT max(id) FROM address")
    response = post_with_token(
        customer, f"/p/{product_a}", f"/account/wishlist/{product_a}", {}, follow_redirects=False
    )
    assert response.status_code in (302, 303), response.status_code

    # A review: the customer's delivered order of vendor B's product, written straight as checkout leaves it.
    customer_id = scalar(storefront, "SELECT id FROM customer WHERE email = 'ada@shopper.example'")
    _delivered_order(storefront, customer_id, product_b, vendor_ids["vendor_b"])
    page = customer.get(f"/p/{product_b}", follow_redirects=True)
    response = customer.post(
        f"/p/{product_b}/reviews",
        data={"rating": "4", "body": text("review"), "csrf_token": csrf_from(page.get_data(as_text=True))},
    )
    if response.status_code not in (302, 303):
        world.refused["review"] = f"review answered {response.status_code}"

    # Ids each portal's routes are filled with.
    vendor_order_id = scalar(
        vendor, "SELECT id FROM vendor_order WHERE vendor_id = :v ORDER BY id LIMIT 1", v=vendor_ids["vendor_a"]
    )
    assert vendor_order_id, "order.placed did not reach the vendor portal"
    edit_page = vendor_a.get(f"/products/{product_a}/edit").get_data(as_text=True)
    media = re.search(r"/media/(\d+)/(thumb|medium|original)-([0-9a-f]+)\.(webp|jpg|png)", edit_page)
    assert media, "the product page shows no image"
    product_page = storefront.test_client().get(f"/p/{product_a}", follow_redirects=True).get_data(as_text=True)
    shop_image = re.search(r"/images/(\d+)/(\w+)\.(\w+)", product_page)
    assert shop_image, "the shop's product page shows no image"
    product_slug = scalar(storefront, "SELECT slug FROM product WHERE id = :p", p=product_a)
    store_slug = scalar(storefront, "SELECT slug FROM vendor WHERE id = :v", v=vendor_ids["vendor_a"])
    category_slug = scalar(storefront, "SELECT slug FROM category WHERE id = :c", c=category_id)
    dead_delivery = _dead_delivery(platform)

    world.ids["storefront"] = {
        "product_id": product_a,
        "variant_id": variant_a,
        "number": number,
        "token": token,
        "address_id": address_id,
        "image_id": int(shop_image.group(1)),
        "size": shop_image.group(2),
        "ext": shop_image.group(3),
    }
    world.endpoint_ids["storefront"] = {
        "catalog.category": {"slug": category_slug},
        "catalog.vendor": {"slug": store_slug},
        "catalog.product": {"slug": product_slug},
    }
    world.ids["vendor_portal"] = {
        "product_id": product_a,
        "image_id": vendor_image_id,
        "variant_id": variant_a,
        "vendor_order_id": vendor_order_id,
        "job_id": job_id,
        "media_id": int(media.group(1)),
        "size": media.group(2),
        "prefix": media.group(3),
        "ext": media.group(4),
    }
    world.endpoint_ids["vendor_portal"] = {}
    world.ids["admin_portal"] = {
        "category_id": category_id,
        "vendor_id": vendor_ids["vendor_a"],
        "customer_id": customer_id,
        "number": number,
        "product_id": product_a,
        "staff_id": staff_ids["support"],
        "service": "vendor_portal",
        "delivery_id": dead_delivery,
        "direction": "up",
    }
    world.endpoint_ids["admin_portal"] = {}
    world.facts.update(
        vendor_ids=vendor_ids,
        staff_ids=staff_ids,
        product_a=product_a,
        product_b=product_b,
        variant_a=variant_a,
        variant_b=variant_b,
        customer_id=customer_id,
        number=number,
        category_id=category_id,
    )
    return world


def _delivered_order(storefront: Flask, customer_id: int, product_id: int, vendor_id: int) -> None:
    from decimal import Decimal

    from storefront.extensions import db
    from storefront.orders.models import Order, OrderLine, OrderVendorPart

    with storefront.app_context():
        order_id = str(uuid.uuid4())
        price = Decimal("10.00")
        variant_id = db.session.execute(
            sa.text("SELECT id FROM variant WHERE product_id = :p ORDER BY id LIMIT 1"), {"p": product_id}
        ).scalar()
        order = Order(
            id=order_id,
            number=f"MP-{order_id[:6].upper()}",
            checkout_key=order_id,
            customer_id=customer_id,
            email="ada@shopper.example",
            status="placed",
            currency="EUR",
            subtotal=price,
            shipping_total=Decimal("0.00"),
            total=price,
            shipping_method="standard",
            shipping_address={"name": "Ada Lovelace", "line1": "1 Road", "city": "London", "country": "GB"},
            placed_at=sa.func.now(),
        )
        order.lines.append(
            OrderLine(
                id=str(uuid.uuid4()),
                position=1,
                vendor_id=vendor_id,
                product_id=product_id,
                variant_id=variant_id or product_id * 100,
                sku="B-BOOKEND",
                title="Oak bookend",
                quantity=1,
                unit_price=price,
                line_total=price,
            )
        )
        order.parts.append(OrderVendorPart(vendor_id=vendor_id, vendor_name="Birch Books", status="delivered"))
        db.session.add(order)
        db.session.commit()
        db.session.remove()


def _dead_delivery(platform: Platform) -> int:
    """A delivery id in the vendor portal's outbox marked dead (for the health page's retry route)."""
    app = platform.vendor
    with app.app_context():
        db = app.extensions["sqlalchemy"]
        delivery_id = db.session.execute(sa.text("SELECT min(id) FROM outbox_delivery")).scalar()
        db.session.remove()
    return delivery_id or 1


# --- database fingerprints --------------------------------------------------------------------------------

# Written on purpose by reads, and so left out of "nothing changed": signed calls' nonces (replay guard) and
# the storefront's page-view counter (one row per shopper page, written after the response).
VOLATILE = {
    "storefront": {"internal_nonce", "traffic_event"},
    "admin_portal": {"internal_nonce"},
    "vendor_portal": {"internal_nonce"},
}


def fingerprint(app: Flask, service: str, *, ignore: set[str] | None = None) -> dict[str, str]:
    """{table: md5 of its rows} for every table of the app's metadata but the volatile ones."""
    skip = VOLATILE[service] | (ignore or set())
    with app.app_context():
        db = app.extensions["sqlalchemy"]
        names = [t.name for t in db.metadata.sorted_tables if t.name not in skip]
        parts = [
            f"SELECT '{name}' AS tbl, (SELECT md5(coalesce(string_agg(md5(x::text), ',' ORDER BY md5(x::text)), '')) "
            f'FROM "{name}" x) AS digest'
            for name in names
        ]
        rows = db.session.execute(sa.text(" UNION ALL ".join(parts))).all()
        db.session.remove()
    return {row.tbl: row.digest for row in rows}


def platform_fingerprint(platform: Platform, **ignore: set[str]) -> dict[str, dict[str, str]]:
    return {svc: fingerprint(app, svc, ignore=ignore.get(svc)) for svc, app in platform.apps.items()}


def changed_tables(before: dict[str, dict[str, str]], after: dict[str, dict[str, str]]) -> list[str]:
    return sorted(
        f"{svc}.{table}"
        for svc in before
        for table in set(before[svc]) | set(after[svc])
        if before[svc].get(table) != after[svc].get(table)
    )
