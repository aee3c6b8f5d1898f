"""Product images: copied from the vendor portal once per sha256, served by the shop with long-lived caching."""

from __future__ import annotations

import hashlib
import io
import re
from decimal import Decimal

import pytest
import sqlalchemy as sa
from PIL import Image

from common_core.internal.client import InternalClient
from tests.storefront.conftest import page_text, storefront_sql


def png_bytes(colour: str = "red", size: tuple[int, int] = (4, 3)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, format="PNG")
    return buffer.getvalue()


def image_meta(image_id: int, sha256: str, *, position: int = 0, is_main: bool = True) -> dict:
    return {
        "image_id": image_id,
        "sha256": sha256,
        "position": position,
        "is_main": is_main,
        "width": 4,
        "height": 3,
        "content_type": "image/png",
    }


def hold_image(app, product_id: int, image_id: int, data: bytes) -> str:
    """Put an image row in the storefront's copy directly, as if fetched earlier; returns its sha256."""
    sha = hashlib.sha256(data).hexdigest()
    with app.app_context():
        session = app.extensions["sqlalchemy"].session
        session.execute(
            sa.text(
                "INSERT INTO product_image (id, product_id, sha256, position, is_main, content_type, thumbnail, medium)"
                " VALUES (:id, :product_id, :sha, 0, true, 'image/png', :data, :data)"
            ),
            {"id": image_id, "product_id": product_id, "sha": sha, "data": data},
        )
        session.commit()
    return sha


def image_urls(html: str, size: str) -> list[str]:
    return [url.replace("&amp;", "&") for url in re.findall(rf'src="(/images/\d+/{size}\.\w+\?v=[0-9a-f]+)"', html)]


@pytest.fixture
def held(platform, shop):
    """Product 1 whose image (id 50) the shop already holds; returns the image's bytes and sha256."""
    shop.product(1, title="Desk Lamp")
    data = png_bytes()
    return data, hold_image(platform.storefront, 1, 50, data)


def test_an_image_the_shop_already_holds_is_reused_without_asking_the_vendor_portal(platform, shop, held):
    data, sha = held
    platform.adapters["vendor_portal"].down = True

    shop.product(2, title="Desk Lamp Twin", images=[image_meta(60, sha)])

    rows = storefront_sql(platform.storefront, "SELECT id, product_id, sha256, medium FROM product_image ORDER BY id")
    assert [(r.id, r.product_id, r.sha256, bytes(r.medium)) for r in rows] == [(50, 1, sha, data), (60, 2, sha, data)]


def test_the_shop_serves_its_copy_with_an_etag_and_immutable_caching(platform, shop, held):
    data, sha = held
    shop.product(1, title="Desk Lamp", images=[image_meta(50, sha)])
    client = platform.storefront.test_client()

    [url] = image_urls(page_text(client.get("/search")), "thumbnail")
    response = client.get(url)

    assert url == f"/images/50/thumbnail.png?v={sha[:16]}"
    assert response.status_code == 200 and response.data == data
    assert response.headers["Content-Type"] == "image/png"
    assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert response.headers["ETag"] == f'"{sha}-thumbnail"'
    assert client.get(url, headers={"If-None-Match": response.headers["ETag"]}).status_code == 304


def test_an_old_image_url_points_to_the_current_bytes(platform, held):
    _, sha = held
    client = platform.storefront.test_client()

    stale = client.get("/images/50/medium.png?v=0123456789abcdef")

    assert stale.status_code == 302 and stale.headers["Location"] == f"/images/50/medium.png?v={sha[:16]}"
    assert "immutable" not in stale.headers["Cache-Control"]
    assert client.get("/images/50/huge.png").status_code == 404
    assert client.get("/images/50/medium.jpg").status_code == 404
    assert client.get("/images/999/medium.png").status_code == 404


def test_images_of_an_unlisted_product_are_not_served(platform, shop, held):
    _, sha = held
    shop.suspend(1)

    assert platform.storefront.test_client().get(f"/images/50/medium.png?v={sha[:16]}").status_code == 404


def test_product_page_gallery_links_thumbnails_to_the_larger_images(platform, shop, held):
    _, sha = held
    other = hold_image(platform.storefront, 1, 51, png_bytes("blue"))
    shop.product(1, title="Desk Lamp", images=[image_meta(50, sha), image_meta(51, other, position=1, is_main=False)])

    html = page_text(platform.storefront.test_client().get("/p/1-desk-lamp"))

    assert f'<a href="/images/51/medium.png?v={other[:16]}">' in html
    assert 'alt="Desk Lamp, image 2 of 2 (opens the larger image)"' in html
    assert image_urls(html, "medium")[0].startswith("/images/50/")


def test_a_new_image_while_the_vendor_portal_is_down_leaves_the_event_for_a_retry(platform, shop):
    platform.adapters["vendor_portal"].down = True

    shop.product(3, title="Pending Picture", images=[image_meta(70, "ab" * 32)])

    assert storefront_sql(platform.storefront, "SELECT id FROM product WHERE id = 3") == []
    assert storefront_sql(platform.storefront, "SELECT 1 FROM inbox_event WHERE type = 'product.upserted'") == []
    deliveries = storefront_sql(
        platform.vendor,
        "SELECT d.status, d.attempts FROM outbox_delivery d JOIN outbox_event e ON e.id = d.event_id"
        " WHERE e.type = 'product.upserted' AND d.subscriber = 'storefront'",
    )
    [delivery] = deliveries
    assert delivery.status == "pending" and delivery.attempts >= 1  # retried with backoff, not lost

    platform.adapters["vendor_portal"].down = False
    with platform.vendor.app_context():
        from common_core.outbox import drain

        drain(include_backoff=True)
    # The vendor portal has no image 70, so the shop lists the product without it rather than never.
    assert storefront_sql(platform.storefront, "SELECT listed FROM product WHERE id = 3")[0].listed


# ---- against the vendor portal's real image endpoint -------------------------------------------


def vendor_portal_serves_images(platform) -> bool:
    with platform.storefront.app_context():
        spec = InternalClient.for_peer("vendor_portal").get("/internal/openapi.json")
    return any(path.startswith("/internal/images/") for path in spec.get("paths", {}))


def publish_with_image(platform, data: bytes) -> int:
    """A store approved and a product with one image published, through the vendor portal's own operations
    (the ones its demo data uses), so its real events and its real image endpoint are exercised."""
    from vendor_portal.accounts import operations as accounts
    from vendor_portal.catalog import images
    from vendor_portal.catalog import operations as catalog

    with platform.vendor.app_context():
        db = platform.vendor.extensions["sqlalchemy"]
        owner = accounts.register_vendor("Pixel Store", "Pia Pixel", "pia@pixel.example", "correct horse battery")
        accounts.change_status(owner.vendor, "approved", reason="test", request_id="t-approve", actor="test")
        product = catalog.create_product(
            owner.vendor,
            title="Framed Print",
            description="A print.",
            price=Decimal("30.00"),
            currency="EUR",
            actor=owner,
        )
        images.add_images(product, [images.read_upload(io.BytesIO(data), "print.png")], actor=owner)
        catalog.publish(product, actor=owner)
        db.session.commit()
        product_id = product.id
        db.session.remove()
    platform.drain()
    return product_id


def test_new_images_are_fetched_from_the_vendor_portal_once_and_served_by_the_shop(platform):
    if not vendor_portal_serves_images(platform):
        pytest.skip(
            "vendor_portal does not list GET /internal/images/<image_id> in its /internal/openapi.json yet; "
            "this test runs by itself once that endpoint lands"
        )
    original = png_bytes("green", (40, 30))
    product_id = publish_with_image(platform, original)
    client = platform.storefront.test_client()

    page = client.get(f"/p/{product_id}", follow_redirects=True)
    [medium] = image_urls(page_text(page), "medium")[:1]
    served = client.get(medium)

    assert served.status_code == 200 and served.headers["Cache-Control"].endswith("immutable")
    assert served.data[:4] in (b"\x89PNG", b"RIFF") or served.data[:3] == b"\xff\xd8\xff"
    [row] = storefront_sql(platform.storefront, "SELECT sha256 FROM product_image")
    assert row.sha256 == hashlib.sha256(original).hexdigest()

    # The same bytes again (the product re-sent, say after an edit): nothing to fetch, so no peer needed.
    platform.adapters["vendor_portal"].down = True
    with platform.vendor.app_context():
        from common_core.outbox import record_event
        from vendor_portal.catalog.events import product_data
        from vendor_portal.catalog.models import Product

        db = platform.vendor.extensions["sqlalchemy"]
        data = product_data(db.session.get(Product, product_id))
        record_event("product.upserted", data | {"title": "Framed Print, signed"})
        db.session.commit()
    platform.drain()
    assert "Framed Print, signed" in page_text(client.get(f"/p/{product_id}", follow_redirects=True))
