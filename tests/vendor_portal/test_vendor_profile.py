"""The store profile: what shoppers see of a store is announced, the logo is checked like product images,
and the status stays the marketplace team's decision."""

from __future__ import annotations

import io

import pytest

from tests.vendor_portal.catalog_fixtures import field_error, image_bytes, page, post_form, rows
from tests.vendor_portal.conftest import outbox

PROFILE = {
    "store_name": "Acme Audio",
    "description": "Hand-built speakers from Leeds.",
    "contact_name": "Ada Lovelace",
    "phone": "+44 113 496 0000",
    "email": "shop@acme.example",
    "return_policy": "30 days, free returns.",
}


def save(store, **changes):
    data = {**PROFILE, "store_name": store.store_name, **changes}
    return post_form(store, "/account/profile", "/account/profile", data, content_type="multipart/form-data")


def vendor_row(app, vendor_id):
    [row] = rows(
        app,
        "SELECT store_name, slug, description, contact_name, phone, email, return_policy, status, logo_media_id "
        "FROM vendor WHERE id = :v",
        v=vendor_id,
    )
    return row


def test_the_profile_page_shows_the_store_and_its_status(make_store):
    store = make_store("pending")
    html = page(store, "/account/profile")
    assert html.count("<h1") == 1 and "Store profile" in html
    assert f'value="{store.store_name}"' in html and 'value="' + store.email + '"' in html
    assert "awaiting approval" in html and 'name="status"' not in html
    assert 'enctype="multipart/form-data"' in html and 'accept="image/jpeg,image/png,image/webp"' in html


def test_saving_the_profile_stores_it_and_tells_the_shop(vendor, make_store):
    store = make_store("approved")
    response = save(store, store_name="Acme Sound", description="New words.")
    assert response.status_code == 302
    row = vendor_row(vendor, store.vendor_id)
    assert (row.store_name, row.description, row.phone, row.email) == (
        "Acme Sound",
        "New words.",
        "+44 113 496 0000",
        "shop@acme.example",
    )
    assert row.return_policy == "30 days, free returns." and row.slug == "store-1"  # shop addresses keep working
    event_type, data = outbox(vendor)[-1]
    assert event_type == "vendor.upserted"
    assert (data["store_name"], data["description"], data["status"]) == ("Acme Sound", "New words.", "approved")


def test_changes_shoppers_do_not_see_are_not_announced(vendor, make_store):
    store = make_store("approved")
    save(store)
    before = len(outbox(vendor))
    save(store, phone="+44 113 496 0001", return_policy="14 days.")
    assert len(outbox(vendor)) == before


def test_the_status_cannot_be_changed_from_the_profile(vendor, make_store):
    store = make_store("pending")
    save(store, status="approved")
    assert vendor_row(vendor, store.vendor_id).status == "pending"


def test_a_store_name_taken_by_another_store_is_refused_next_to_the_field(vendor, make_store):
    make_store(store_name="Globex Goods")
    store = make_store()
    response = save(store, store_name="globex goods", description="Typed text stays")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "A store with this name already exists" in field_error(html, "store_name")
    assert "Typed text stays" in html
    assert vendor_row(vendor, store.vendor_id).store_name == store.store_name


@pytest.mark.parametrize(
    ("changes", "field_id", "message"),
    [
        ({"store_name": "  "}, "store_name", "Enter your store&#39;s name."),
        ({"email": "not-an-email"}, "email", "Enter a valid email address."),
        ({"phone": "call me"}, "phone", "Enter a phone number"),
        ({"contact_name": ""}, "contact_name", "Enter a contact name."),
    ],
)
def test_bad_profile_input_is_explained_next_to_the_field(make_store, changes, field_id, message):
    response = save(make_store(), **changes)
    assert response.status_code == 422
    assert message in field_error(response.get_data(as_text=True), field_id)


def test_a_logo_is_shown_on_the_profile_and_the_dashboard_and_can_be_removed(vendor, make_store):
    store = make_store()
    response = save(store, logo=(io.BytesIO(image_bytes("PNG", (200, 200))), "logo.png"))
    assert response.status_code == 302
    media_id = vendor_row(vendor, store.vendor_id).logo_media_id
    [media] = rows(vendor, "SELECT sha256 FROM media WHERE id = :m", m=media_id)
    logo_url = f"/media/{media_id}/thumb-{media.sha256[:12]}.webp"
    assert logo_url in page(store, "/account/profile") and logo_url in page(store, "/")
    assert store.client.get(logo_url).status_code == 200

    save(store, remove_logo="y")
    assert vendor_row(vendor, store.vendor_id).logo_media_id is None
    assert rows(vendor, "SELECT id FROM media") == []


def test_a_logo_that_is_not_an_image_is_refused(vendor, make_store):
    store = make_store()
    response = save(store, logo=(io.BytesIO(b"<svg xmlns='http://www.w3.org/2000/svg'/>"), "logo.png"))
    assert response.status_code == 422
    assert "logo.png: This file is not a JPEG, PNG or WebP image." in field_error(
        response.get_data(as_text=True), "logo"
    )
    assert vendor_row(vendor, store.vendor_id).logo_media_id is None


def test_another_stores_logo_is_not_found(vendor, make_store):
    owner = make_store()
    save(owner, logo=(io.BytesIO(image_bytes("PNG")), "logo.png"))
    media_id = vendor_row(vendor, owner.vendor_id).logo_media_id
    [media] = rows(vendor, "SELECT sha256 FROM media WHERE id = :m", m=media_id)
    assert make_store().client.get(f"/media/{media_id}/thumb-{media.sha256[:12]}.webp").status_code == 404
