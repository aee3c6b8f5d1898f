"""What peers see of the catalogue: product.upserted in its contract's shape, and the images endpoint the
storefront and admin portal fetch image bytes from."""

from __future__ import annotations

import base64
import io

import pytest
from PIL import Image

from common_core import contracts
from common_core.errors import PeerError
from common_core.internal.client import InternalClient
from tests.vendor_portal.catalog_fixtures import (
    category,
    image_bytes,
    post_form,
    published,
    rows,
    save_options,
    send_event,
    upload,
    variant_table_data,
)
from tests.vendor_portal.conftest import outbox


def _full_product(platform, vendor, make_store, make_product):
    send_event(platform, "category.upserted", category(10, "Audio"))
    send_event(platform, "category.upserted", category(11, "Headphones", parent_id=10))
    store, product_id = published(
        make_store,
        make_product,
        title="Studio headphones",
        sku="HP",
        price="149",
        description="<p>Closed <strong>back</strong>.</p><script>alert(1)</script>",
        brand="Northwind",
        category_id="11",
        weight_grams="380",
        **{"attributes-0-name": "Driver", "attributes-0-value": "40 mm"},
    )
    upload(store, product_id, ("front.png", image_bytes("PNG", (64, 48))), ("side.jpg", image_bytes("JPEG")))
    save_options(store, product_id, ("Colour", "Black, Silver"))
    data = variant_table_data(vendor, product_id, **{"HP-SILVER": {"compare_at_price": "199"}})
    post_form(store, f"/products/{product_id}/edit", f"/products/{product_id}/variants", data)
    return store, product_id


def test_product_upserted_carries_the_whole_product_as_the_contract_says(platform, vendor, make_store, make_product):
    store, product_id = _full_product(platform, vendor, make_store, make_product)
    event_type, data = outbox(vendor)[-1]
    assert event_type == "product.upserted"
    contracts.validate("product.upserted", data)  # no field the consumers do not know, none missing

    assert (data["product_id"], data["vendor_id"], data["status"]) == (product_id, store.vendor_id, "active")
    assert (data["brand"], data["category_id"], data["weight_grams"]) == ("Northwind", 11, 380)
    assert data["attributes"] == {"Driver": "40 mm"}
    assert data["description"] == "<p>Closed <strong>back</strong>.</p>"  # sanitised: safe for the shop to render
    assert data["options"] == [{"name": "Colour", "values": ["Black", "Silver"]}]
    assert [(v["sku"], v["price"], v["compare_at_price"], v["options"], v["available"]) for v in data["variants"]] == [
        ("HP", "149.00", None, {"Colour": "Black"}, 0),
        ("HP-SILVER", "149.00", "199.00", {"Colour": "Silver"}, 0),
    ]
    images = data["images"]
    assert [(i["position"], i["is_main"], i["width"], i["height"]) for i in images] == [
        (0, True, 64, 48),
        (1, False, 40, 30),
    ]
    assert all(
        set(i) == {"image_id", "sha256", "position", "is_main", "width", "height", "content_type"} for i in images
    )
    assert {i["content_type"] for i in images} == {"image/webp"}
    assert data["created_at"] and data["updated_at"] >= data["created_at"]


def test_the_shop_and_the_admin_portal_receive_the_product_and_its_images(platform, vendor, make_store, make_product):
    _full_product(platform, vendor, make_store, make_product)
    platform.drain()
    undelivered = rows(
        vendor,
        "SELECT d.subscriber, d.last_error FROM outbox_delivery d JOIN outbox_event e ON e.id = d.event_id "
        "WHERE e.type LIKE 'product.%' AND d.status <> 'delivered'",
    )
    assert undelivered == []


def _image(vendor):
    [image] = rows(
        vendor,
        "SELECT i.id, m.sha256, m.width, m.height, m.thumbnail, m.medium "
        "FROM product_image i JOIN media m ON m.id = i.media_id",
    )
    return image


@pytest.mark.parametrize("caller", ["storefront", "admin_portal"])
def test_the_images_endpoint_answers_the_documented_shape(platform, vendor, make_store, make_product, caller):
    store = make_store()
    product_id = make_product(store)
    upload(store, product_id, ("a.png", image_bytes("PNG", (500, 250))))
    image = _image(vendor)
    with platform.apps[caller].app_context():
        answer = InternalClient.for_peer("vendor_portal").get(f"/internal/images/{image.id}")
    assert set(answer) == {"image_id", "sha256", "content_type", "width", "height", "thumbnail", "medium"}
    assert (answer["image_id"], answer["sha256"], answer["content_type"]) == (image.id, image.sha256, "image/webp")
    assert (answer["width"], answer["height"]) == (500, 250)
    thumbnail = base64.b64decode(answer["thumbnail"], validate=True)
    assert thumbnail == bytes(image.thumbnail) and Image.open(io.BytesIO(thumbnail)).size == (320, 160)
    assert base64.b64decode(answer["medium"]) == bytes(image.medium)


def test_the_images_endpoint_refuses_unsigned_callers_and_unknown_images(platform, vendor):
    response = vendor.test_client().get("/internal/images/1")
    assert response.status_code == 401 and response.get_json()["error"] == "unauthorized"
    with platform.storefront.app_context(), pytest.raises(PeerError) as missing:
        InternalClient.for_peer("vendor_portal").get("/internal/images/424242")
    assert missing.value.status == 404


def test_the_images_endpoint_is_in_the_openapi_description(platform):
    with platform.storefront.app_context():
        spec = InternalClient.for_peer("vendor_portal").get("/internal/openapi.json")
    operation = spec["paths"]["/internal/images/{image_id}"]["get"]
    assert operation["x-callers"] == ["storefront", "admin_portal"]
    assert operation["responses"]["200"]["content"]["application/json"]["schema"]["required"] == [
        "image_id",
        "sha256",
        "content_type",
        "width",
        "height",
        "thumbnail",
        "medium",
    ]
