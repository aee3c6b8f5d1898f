"""Uploaded files that lie about their type are refused, and nothing of them is stored: product images and
store logos are judged by their bytes (not their name or Content-Type), CSV imports by being text CSV."""

from __future__ import annotations

import io
import zipfile

import pytest

from tests.security.world import (
    create_product,
    png_bytes,
    post_with_token,
    scalar,
    vendor_sign_up,
    vendor_status,
)

HTML = b"<html><body><script>alert(1)</script></body></html>"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><rect width="10" height="10"/></svg>'
PNG_HEADER_THEN_JUNK = b"\x89PNG\r\n\x1a\n" + b"\x00" * 40 + b"not really an image" * 20
PE = b"MZ\x90\x00" + b"\x00" * 200  # a Windows executable's start
PHP = b"\xff\xd8\xff\xe0<?php system($_GET['c']); ?>"  # a JPEG's magic bytes in front of a script


def gif_bytes() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (10, 10), (0, 0, 0)).save(out, "GIF")
    return out.getvalue()


def zip_bytes() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("products.csv", "handle,title,sku,price,stock\np-1,Thing,SKU-1,10.00,5\n")
    return out.getvalue()


LYING_IMAGES = [
    ("page.png", HTML),
    ("drawing.png", SVG),
    ("photo.jpg", PNG_HEADER_THEN_JUNK),
    ("setup.png", PE),
    ("shell.jpg", PHP),
    ("anim.png", gif_bytes()),  # a real image, but not one of the accepted formats
]


@pytest.fixture
def store(platform):
    client, response = vendor_sign_up(platform, "Acme Audio", "a@store.example")
    assert response.status_code == 302
    vendor_id = scalar(platform.vendor, "SELECT vendor_id FROM vendor_user WHERE email = 'a@store.example'")
    vendor_status(platform, vendor_id, "approved")
    return client


def stored_files(platform) -> tuple[int, int, int]:
    app = platform.vendor
    return (
        scalar(app, "SELECT count(*) FROM media"),
        scalar(app, "SELECT count(*) FROM product_image"),
        scalar(app, "SELECT count(*) FROM import_job"),
    )


@pytest.mark.parametrize(("name", "content"), LYING_IMAGES, ids=[name for name, _ in LYING_IMAGES])
def test_a_product_image_that_is_not_an_accepted_image_is_refused(platform, store, name, content) -> None:
    product_id = create_product(store, title="Stand", description="", sku="S-1", stock=1)
    response = post_with_token(
        store,
        f"/products/{product_id}/edit",
        f"/products/{product_id}/images",
        {"images": [(io.BytesIO(content), name, "image/png")]},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422, response.status_code
    assert "not" in response.get_data(as_text=True).lower()
    assert stored_files(platform)[:2] == (0, 0)
    # The same form takes a real PNG: the refusal was about the bytes.
    response = post_with_token(
        store,
        f"/products/{product_id}/edit",
        f"/products/{product_id}/images",
        {"images": [(io.BytesIO(png_bytes()), "real.png", "image/png")]},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302 and stored_files(platform)[:2] == (1, 1)


PROFILE = {
    "store_name": "Acme Audio",
    "description": "",
    "contact_name": "Ada Lovelace",
    "phone": "",
    "email": "a@store.example",
    "return_policy": "",
}


@pytest.mark.parametrize(("name", "content"), LYING_IMAGES, ids=[name for name, _ in LYING_IMAGES])
def test_a_store_logo_that_is_not_an_accepted_image_is_refused(platform, store, name, content) -> None:
    response = post_with_token(
        store,
        "/account/profile",
        "/account/profile",
        {**PROFILE, "logo": (io.BytesIO(content), name, "image/png")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422, response.status_code
    assert stored_files(platform)[0] == 0
    assert scalar(platform.vendor, "SELECT logo_media_id FROM vendor") is None


LYING_CSVS = [
    ("products.csv", png_bytes()),
    ("products.csv", zip_bytes()),  # what an .xlsx is, too
    ("products.csv", PE),
    ("products.csv", "handle,title,sku,price,stock\np-1,Thing,SKU-1,10.00,5\n".encode("utf-16")),
    ("products.png", b"handle,title,sku,price,stock\np-1,Thing,SKU-1,10.00,5\n"),  # a CSV that says it is not
]


@pytest.mark.parametrize(("name", "content"), LYING_CSVS, ids=["png", "zip", "exe", "utf16", "named-png"])
def test_an_import_file_that_is_not_a_text_csv_is_refused(platform, store, name, content) -> None:
    response = post_with_token(
        store,
        "/imports",
        "/imports",
        {"file": (io.BytesIO(content), name, "text/csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422, response.status_code
    assert stored_files(platform)[2] == 0
