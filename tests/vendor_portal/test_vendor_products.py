"""A store's products: drafting, validation, publishing only once approved, and no reach into another store."""

from __future__ import annotations

from decimal import Decimal

import pytest
import sqlalchemy as sa

from tests.conftest import csrf_from, submit
from tests.vendor_portal.conftest import outbox, press


def product_row(app, product_id):
    with app.app_context():
        db = app.extensions["sqlalchemy"]
        row = db.session.execute(
            sa.text(
                "SELECT p.title, p.description, v.price, p.currency, p.status FROM product p "
                "JOIN variant v ON v.product_id = p.id AND v.position = 0 WHERE p.id = :id"
            ),
            {"id": product_id},
        ).one_or_none()
        db.session.remove()
    return row


def deliveries(app, event_type):
    with app.app_context():
        db = app.extensions["sqlalchemy"]
        rows = db.session.execute(
            sa.text(
                "SELECT d.subscriber, d.status FROM outbox_delivery d JOIN outbox_event e ON e.id = d.event_id "
                "WHERE e.type = :t ORDER BY d.subscriber"
            ),
            {"t": event_type},
        ).all()
        db.session.remove()
    return [tuple(row) for row in rows]


def test_a_new_store_sees_an_empty_product_list_with_a_new_product_action(make_store):
    html = make_store().client.get("/products").get_data(as_text=True)
    assert "No products yet" in html
    assert 'href="/products/new"' in html
    assert html.count("<h1") == 1


def test_a_new_product_is_saved_as_a_draft_and_listed_newest_first(vendor, make_store, make_product):
    store = make_store()
    first = make_product(store, title="Walnut headphone stand", price="39")
    make_product(store, title="Braided cable", price="12.5", currency="GBP")
    assert product_row(vendor, first) == ("Walnut headphone stand", "Solid walnut.", Decimal("39.00"), "EUR", "draft")

    html = store.client.get("/products").get_data(as_text=True)
    assert html.index("Braided cable") < html.index("Walnut headphone stand")
    assert "12.50 GBP" in html and "39.00 EUR" in html
    assert [event_type for event_type, _ in outbox(vendor)] == ["vendor.upserted"]  # drafts are nobody's business


@pytest.mark.parametrize(
    ("fields", "field_id", "message"),
    [
        ({"title": "", "price": "10"}, "title", "Enter a title."),
        ({"title": "   ", "price": "10"}, "title", "Enter a title."),
        ({"title": "x" * 201, "price": "10"}, "title", "Use at most 200 characters."),
        ({"title": "Stand", "price": ""}, "price", "Enter a price."),
        ({"title": "Stand", "price": "-1"}, "price", "The price cannot be negative."),
        ({"title": "Stand", "price": "twelve"}, "price", "Enter the price as a number, like 12.50."),
        ({"title": "Stand", "price": "NaN"}, "price", "Enter the price as a number, like 12.50."),
        ({"title": "Stand", "price": "1.999"}, "price", "Use at most two decimal places"),
        ({"title": "Stand", "price": "100000000000"}, "price", "The price is too large."),
        ({"title": "Stand", "price": "10", "currency": "XYZ"}, "currency", "Not a valid choice"),
    ],
)
def test_a_bad_product_form_explains_the_field_and_keeps_the_input(vendor, make_store, fields, field_id, message):
    store = make_store()
    data = {"description": "Kept as typed", "currency": "EUR", **fields}
    response = submit(store.client, "/products/new", data)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    error = html.split(f'id="{field_id}-error"', 1)[1].split("</p>", 1)[0]
    assert message in error
    assert html.count('class="field-error"') == 1  # one clear message, no noise from checks that cannot apply
    assert "Kept as typed" in html
    with vendor.app_context():
        assert vendor.extensions["sqlalchemy"].session.execute(sa.text("SELECT count(*) FROM product")).scalar() == 0


def test_a_pending_store_can_draft_but_publishing_is_refused_and_nothing_is_announced(vendor, make_store, make_product):
    store = make_store("pending")
    product_id = make_product(store)
    edit_page = store.client.get(f"/products/{product_id}/edit").get_data(as_text=True)
    assert "Publishing opens once an admin approves your store." in edit_page
    assert f"/products/{product_id}/publish" not in edit_page  # no button that can only fail

    response = press(store.client, f"/products/{product_id}/edit", f"/products/{product_id}/publish")
    assert response.status_code == 403
    assert "Your store must be approved before you can publish products." in response.get_data(as_text=True)
    assert product_row(vendor, product_id).status == "draft"
    assert [event_type for event_type, _ in outbox(vendor)] == ["vendor.upserted"]


def test_refused_publishing_from_the_page_returns_there_with_the_reason(make_store, make_product):
    store = make_store("pending")
    product_id = make_product(store)
    page = f"http://localhost/products/{product_id}/edit"
    response = store.client.post(
        f"/products/{product_id}/publish",
        headers={"Referer": page},
        data={"csrf_token": csrf_from(store.client.get(page).get_data(as_text=True))},
        follow_redirects=True,
    )
    assert response.status_code == 200
    assert "Your store must be approved before you can publish products." in response.get_data(as_text=True)


def test_an_approved_store_publishes_and_the_event_reaches_the_other_services(
    platform, vendor, make_store, make_product
):
    store = make_store("approved")
    product_id = make_product(store, title="Walnut headphone stand", price="39.5")
    response = press(
        store.client, f"/products/{product_id}/edit", f"/products/{product_id}/publish", follow_redirects=True
    )
    assert response.status_code == 200 and "is published" in response.get_data(as_text=True)
    assert product_row(vendor, product_id).status == "active"

    [data] = [data for event_type, data in outbox(vendor) if event_type == "product.upserted"]
    assert data["product_id"] == product_id and data["vendor_id"] == store.vendor_id
    assert data["status"] == "active" and data["currency"] == "EUR" and data["title"] == "Walnut headphone stand"
    [variant] = data["variants"]
    assert variant["price"] == "39.50" and variant["options"] == {} and variant["compare_at_price"] is None
    assert variant["sku"] == f"P{product_id}" and variant["available"] == 0
    assert data["created_at"] and data["updated_at"]

    assert platform.drain() > 0
    assert deliveries(vendor, "product.upserted") == [("admin_portal", "delivered"), ("storefront", "delivered")]


def test_unpublishing_takes_the_product_out_of_the_shop(vendor, make_store, make_product):
    store = make_store("approved")
    product_id = make_product(store)
    press(store.client, f"/products/{product_id}/edit", f"/products/{product_id}/publish")
    press(store.client, f"/products/{product_id}/edit", f"/products/{product_id}/unpublish")
    assert product_row(vendor, product_id).status == "draft"
    event_type, data = outbox(vendor)[-1]
    assert event_type == "product.removed" and data.pop("updated_at")
    assert data == {"product_id": product_id, "vendor_id": store.vendor_id, "reason": "unpublished"}


def test_editing_a_product_for_sale_updates_the_shops_copy(vendor, make_store, make_product):
    store = make_store("approved")
    product_id = make_product(store)
    press(store.client, f"/products/{product_id}/edit", f"/products/{product_id}/publish")
    response = submit(
        store.client,
        f"/products/{product_id}/edit",
        {"title": "Oak headphone stand", "description": "Oak now.", "price": "42", "currency": "EUR"},
    )
    assert response.status_code == 302
    event_type, data = outbox(vendor)[-1]
    assert event_type == "product.upserted" and data["title"] == "Oak headphone stand"
    assert data["variants"][0]["price"] == "42.00"


def test_an_archived_product_cannot_be_published_until_restored(vendor, make_store, make_product):
    store = make_store("approved")
    product_id = make_product(store)
    press(store.client, f"/products/{product_id}/edit", f"/products/{product_id}/archive")
    response = press(store.client, f"/products/{product_id}/edit", f"/products/{product_id}/publish")
    assert response.status_code == 409
    assert "This product is archived; it cannot be published." in response.get_data(as_text=True)
    press(store.client, f"/products/{product_id}/edit", f"/products/{product_id}/restore")
    press(store.client, f"/products/{product_id}/edit", f"/products/{product_id}/publish")
    assert product_row(vendor, product_id).status == "active"


@pytest.mark.parametrize(
    ("method", "action"),
    [
        ("GET", "edit"),
        ("POST", "edit"),
        ("POST", "publish"),
        ("POST", "unpublish"),
        ("POST", "archive"),
        ("POST", "restore"),
    ],
)
def test_another_stores_product_is_not_found(vendor, make_store, make_product, method, action):
    owner = make_store("approved")
    product_id = make_product(owner)
    intruder = make_store("approved")
    url = f"/products/{product_id}/{action}"
    if method == "GET":
        response = intruder.client.get(url)
    else:
        response = submit(intruder.client, "/products/new", {"title": "Mine now", "price": "1"}, post_url=url)
    assert response.status_code == 404
    assert product_row(vendor, product_id) == (
        "Walnut headphone stand",
        "Solid walnut.",
        Decimal("39.00"),
        "EUR",
        "draft",
    )


def test_the_product_list_pages_through_many_products(vendor, make_store):
    store = make_store()
    with vendor.app_context():
        db = vendor.extensions["sqlalchemy"]
        db.session.execute(
            sa.text(
                "INSERT INTO product (vendor_id, title, created_at) SELECT :v, 'Product ' || n, "
                "now() - make_interval(mins => 30 - n) FROM generate_series(1, 25) AS n"
            ),
            {"v": store.vendor_id},
        )
        db.session.commit()
    first = store.client.get("/products").get_data(as_text=True)
    assert "Showing 1\u201320 of 25" in first and "Product 25" in first and "Product 5<" not in first
    second = store.client.get("/products?page=2").get_data(as_text=True)
    assert "Showing 21\u201325 of 25" in second and "Product 5<" in second and "Product 1<" in second
