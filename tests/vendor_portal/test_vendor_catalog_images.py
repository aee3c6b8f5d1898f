"""Product images: judged by their content (not their name), resized without EXIF, ordered with one main image,
deleted after a confirmation, and served to their own store only, cached for good."""

from __future__ import annotations

import io
import re

import pytest
from PIL import Image

from tests.vendor_portal.catalog_fixtures import (
    field_error,
    image_bytes,
    page,
    png_claiming,
    post_form,
    published,
    rows,
    upload,
)
from tests.vendor_portal.conftest import outbox

NOT_AN_IMAGE = "This file is not a JPEG, PNG or WebP image."


def media_rows(app):
    return rows(
        app,
        "SELECT m.id, m.sha256, m.content_type, m.width, m.height, m.size_bytes, m.original, m.medium, m.thumbnail, "
        "i.position, i.is_main, i.id AS image_id FROM product_image i JOIN media m ON m.id = i.media_id "
        "ORDER BY i.product_id, i.position",
    )


def decoded(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


@pytest.mark.parametrize(
    ("name", "fmt", "original_type"),
    [("photo.png", "PNG", "image/png"), ("photo.jpg", "JPEG", "image/jpeg"), ("photo.webp", "WEBP", "image/webp")],
)
def test_a_real_image_is_accepted_and_its_shop_sizes_are_made(
    vendor, make_store, make_product, name, fmt, original_type
):
    store = make_store()
    product_id = make_product(store)
    original = image_bytes(fmt, (1200, 800))
    response = upload(store, product_id, (name, original))
    assert response.status_code == 302 and response.headers["Location"].endswith("#images")

    [media] = media_rows(vendor)
    assert bytes(media.original) == original and media.size_bytes == len(original)
    assert (media.width, media.height, media.content_type) == (1200, 800, "image/webp")
    medium, thumbnail = decoded(bytes(media.medium)), decoded(bytes(media.thumbnail))
    assert (medium.format, medium.size) == ("WEBP", (1000, 667))
    assert (thumbnail.format, thumbnail.size) == ("WEBP", (320, 213))
    assert media.is_main and media.position == 0

    html = page(store, f"/products/{product_id}/edit")
    ext = {"image/png": "png", "image/jpeg": "jpg", "image/webp": "webp"}[original_type]
    assert f"/media/{media.id}/original-{media.sha256[:12]}.{ext}" in html
    served = store.client.get(f"/media/{media.id}/original-{media.sha256[:12]}.{ext}")
    assert served.status_code == 200 and served.mimetype == original_type and served.data == original


def test_a_text_file_named_like_a_photo_is_refused_with_the_reason(vendor, make_store, make_product):
    store = make_store()
    product_id = make_product(store)
    response = upload(store, product_id, ("photo.jpg", b"just some notes, not a picture\n"))
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert f"photo.jpg: {NOT_AN_IMAGE}" in field_error(html, "images")
    assert media_rows(vendor) == []


def test_a_gif_is_refused_even_though_it_is_an_image(vendor, make_store, make_product):
    store = make_store()
    product_id = make_product(store)
    response = upload(store, product_id, ("anim.gif", image_bytes("GIF")))
    assert response.status_code == 422 and NOT_AN_IMAGE in response.get_data(as_text=True)


def test_the_content_decides_so_a_png_named_webp_is_accepted(vendor, make_store, make_product):
    store = make_store()
    product_id = make_product(store)
    assert upload(store, product_id, ("picture.webp", image_bytes("PNG"))).status_code == 302
    [media] = media_rows(vendor)
    assert bytes(media.original).startswith(b"\x89PNG")


def test_one_bad_file_in_an_upload_adds_none_of_them(vendor, make_store, make_product):
    store = make_store()
    product_id = make_product(store)
    response = upload(store, product_id, ("good.png", image_bytes("PNG")), ("bad.jpg", b"%PDF-1.7"))
    assert response.status_code == 422 and "bad.jpg:" in response.get_data(as_text=True)
    assert media_rows(vendor) == []


def test_a_file_over_8_mb_is_refused(vendor, make_store, make_product):
    store = make_store()
    product_id = make_product(store)
    big = image_bytes("PNG") + b"\0" * (8 * 1024 * 1024)  # a valid PNG with trailing bytes: only the size is wrong
    response = upload(store, product_id, ("huge.png", big))
    assert response.status_code == 422
    assert "huge.png: this file is larger than 8 MB." in field_error(response.get_data(as_text=True), "images")
    assert media_rows(vendor) == []


@pytest.mark.parametrize("size", [(8000, 6000), (50_000, 50_000)])
def test_an_image_of_too_many_pixels_is_refused_before_it_is_decoded(vendor, make_store, make_product, size):
    store = make_store()
    product_id = make_product(store)
    response = upload(store, product_id, ("bomb.png", png_claiming(*size)))
    assert response.status_code == 422
    assert "at most 40 megapixels" in field_error(response.get_data(as_text=True), "images")


def test_camera_metadata_does_not_reach_the_shop_sizes(vendor, make_store, make_product):
    store = make_store()
    product_id = make_product(store)
    exif = Image.Exif()
    exif[0x010F] = "Spy Camera Co"  # Make
    exif[0x0112] = 6  # Orientation: rotate 90° clockwise to display
    out = io.BytesIO()
    Image.new("RGB", (60, 40), (10, 120, 200)).save(out, "JPEG", exif=exif.tobytes())
    assert upload(store, product_id, ("phone.jpg", out.getvalue())).status_code == 302
    [media] = media_rows(vendor)
    medium = decoded(bytes(media.medium))
    assert not medium.getexif() and b"Spy Camera" not in bytes(media.medium) + bytes(media.thumbnail)
    assert medium.size == (40, 60) and (media.width, media.height) == (40, 60)  # shown upright


def test_images_can_be_reordered_and_one_chosen_as_main(vendor, make_store, make_product):
    store = make_store()
    product_id = make_product(store)
    red, green, blue = (image_bytes("PNG", colour=c) for c in ((255, 0, 0), (0, 255, 0), (0, 0, 255)))
    upload(store, product_id, ("red.png", red), ("green.png", green), ("blue.png", blue))
    ids = [m.image_id for m in media_rows(vendor)]
    edit = f"/products/{product_id}/edit"

    post_form(store, edit, f"/products/{product_id}/images/{ids[2]}/move", {"direction": "up"})
    assert [m.image_id for m in media_rows(vendor)] == [ids[0], ids[2], ids[1]]
    post_form(store, edit, f"/products/{product_id}/images/{ids[0]}/move", {"direction": "up"})  # already first
    post_form(store, edit, f"/products/{product_id}/images/{ids[1]}/main", {})
    state = [(m.image_id, m.position, m.is_main) for m in media_rows(vendor)]
    assert state == [(ids[0], 0, False), (ids[2], 1, False), (ids[1], 2, True)]

    html = page(store, edit)
    assert html.count("Make main") == 2 and "Move up" in html and "Move down" in html


def test_deleting_an_image_asks_first_and_the_next_becomes_main(vendor, make_store, make_product):
    store = make_store()
    product_id = make_product(store)
    upload(store, product_id, ("a.png", image_bytes("PNG", colour=(1, 2, 3))), ("b.png", image_bytes("PNG")))
    first, second = (m.image_id for m in media_rows(vendor))
    confirm = page(store, f"/products/{product_id}/images/{first}/delete")
    assert "Delete this image" in confirm and "The next image becomes the main one." in confirm

    url = f"/products/{product_id}/images/{first}/delete"
    assert post_form(store, url, url, {}).status_code == 302
    assert [(m.image_id, m.position, m.is_main) for m in media_rows(vendor)] == [(second, 0, True)]
    assert len(rows(vendor, "SELECT id FROM media")) == 1  # the deleted image's bytes went with it


def test_image_changes_of_a_listed_product_reach_the_shop(vendor, make_store, make_product):
    store, product_id = published(make_store, make_product)
    upload(store, product_id, ("a.png", image_bytes("PNG", (30, 20))))
    event_type, data = outbox(vendor)[-1]
    assert event_type == "product.upserted"
    [media] = media_rows(vendor)
    assert data["images"] == [
        {
            "image_id": media.image_id,
            "sha256": media.sha256,
            "position": 0,
            "is_main": True,
            "width": 30,
            "height": 20,
            "content_type": "image/webp",
        }
    ]


def test_media_are_served_with_a_long_lived_private_cache_and_an_etag(vendor, make_store, make_product):
    store = make_store()
    product_id = make_product(store)
    upload(store, product_id, ("a.png", image_bytes("PNG")))
    [media] = media_rows(vendor)
    url = f"/media/{media.id}/thumb-{media.sha256[:12]}.webp"
    assert url in page(store, f"/products/{product_id}/edit")

    response = store.client.get(url)
    assert response.status_code == 200 and response.mimetype == "image/webp"
    assert response.data == bytes(media.thumbnail)
    assert response.headers["Cache-Control"] == "private, max-age=31536000, immutable"
    again = store.client.get(url, headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304 and not again.data


@pytest.mark.parametrize(
    "path",
    [
        "/media/{id}/thumb-000000000000.webp",  # wrong sha256 prefix
        "/media/{id}/thumb-{sha}.png",  # the thumbnail is WebP
        "/media/{id}/poster-{sha}.webp",  # no such size
        "/media/999999/thumb-{sha}.webp",
    ],
)
def test_a_media_address_that_does_not_name_the_bytes_is_not_found(vendor, make_store, make_product, path):
    store = make_store()
    product_id = make_product(store)
    upload(store, product_id, ("a.png", image_bytes("PNG")))
    [media] = media_rows(vendor)
    assert store.client.get(path.format(id=media.id, sha=media.sha256[:12])).status_code == 404


def test_the_product_list_shows_thumbnails(vendor, make_store, make_product):
    store = make_store()
    product_id = make_product(store)
    upload(store, product_id, ("a.png", image_bytes("PNG")))
    [media] = media_rows(vendor)
    html = page(store, "/products")
    assert re.search(rf'<img class="product-thumb" src="/media/{media.id}/thumb-[0-9a-f]{{12}}\.webp"', html)
