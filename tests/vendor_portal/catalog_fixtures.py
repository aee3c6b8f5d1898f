"""Helpers for the catalog tests: real image bytes, uploads and forms posted as a browser would, category
events sent as admin_portal sends them, and orders placed straight into the database."""

from __future__ import annotations

import io
import uuid
import zlib
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from flask import Flask
from PIL import Image

from common_core.internal.client import InternalClient
from tests.conftest import Platform, csrf_from
from tests.vendor_portal.conftest import Store


def image_bytes(
    fmt: str = "PNG", size: tuple[int, int] = (40, 30), colour: tuple[int, int, int] = (200, 60, 40)
) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, fmt)
    return out.getvalue()


def png_claiming(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims these dimensions (a decompression bomb's signature)."""
    data = bytearray(image_bytes("PNG", (1, 1)))
    ihdr = 8 + 8  # signature, then the IHDR chunk's length and type
    data[ihdr : ihdr + 8] = width.to_bytes(4, "big") + height.to_bytes(4, "big")
    crc = zlib.crc32(bytes(data[12 : ihdr + 13]))
    data[ihdr + 13 : ihdr + 17] = crc.to_bytes(4, "big")
    return bytes(data)


def rows(app: Flask, sql: str, **params: Any) -> list[Any]:
    with app.app_context():
        db = app.extensions["sqlalchemy"]
        result = db.session.execute(sa.text(sql), params).all()
        db.session.remove()
    return result


def page(store: Store, url: str) -> str:
    response = store.client.get(url)
    assert response.status_code == 200, f"{url} answered {response.status_code}"
    return response.get_data(as_text=True)


def post_form(store: Store, form_url: str, post_url: str, data: dict[str, Any], **kwargs: Any) -> Any:
    """Post data to post_url with the CSRF token of the page at form_url (multipart when files are given)."""
    token = csrf_from(page(store, form_url))
    return store.client.post(post_url, data={**data, "csrf_token": token}, **kwargs)


def upload(store: Store, product_id: int, *files: tuple[str, bytes]) -> Any:
    """Upload images to a product through its page's upload form."""
    data = {"images": [(io.BytesIO(content), name) for name, content in files]}
    return post_form(
        store,
        f"/products/{product_id}/edit",
        f"/products/{product_id}/images",
        data,
        content_type="multipart/form-data",
    )


def save_options(store: Store, product_id: int, *options: tuple[str, str]) -> Any:
    data: dict[str, str] = {}
    for index in range(3):
        name, values = options[index] if index < len(options) else ("", "")
        data[f"options-{index}-name"] = name
        data[f"options-{index}-values"] = values
    return post_form(store, f"/products/{product_id}/edit", f"/products/{product_id}/options", data)


def variants_of(app: Flask, product_id: int) -> list[Any]:
    return rows(
        app,
        "SELECT id, sku, price, compare_at_price, options, is_active, stock_on_hand, position FROM variant "
        "WHERE product_id = :p ORDER BY position, id",
        p=product_id,
    )


def variant_table_data(app: Flask, product_id: int, **changes: dict[str, Any]) -> dict[str, Any]:
    """The variants table as the page would post it, with changes per SKU ({sku: {field: value}})."""
    data: dict[str, Any] = {}
    live = [v for v in variants_of(app, product_id) if v.is_active]
    for index, variant in enumerate(live):
        row = {
            "variant_id": str(variant.id),
            "sku": variant.sku,
            "price": str(variant.price),
            "compare_at_price": str(variant.compare_at_price or ""),
            "is_active": "y",
            **changes.get(variant.sku, {}),
        }
        if row.get("is_active") in (False, None):
            row.pop("is_active")
        data.update({f"variants-{index}-{key}": value for key, value in row.items()})
    return data


def field_error(html: str, field_id: str) -> str:
    """The error message shown under a field (empty when there is none)."""
    marker = f'id="{field_id}-error"'
    if marker not in html:
        return ""
    return html.split(marker, 1)[1].split("</p>", 1)[0]


def send_event(
    platform: Platform, event_type: str, data: dict[str, Any], *, occurred_at: datetime | None = None
) -> dict[str, Any]:
    """Deliver an event to the vendor portal as admin_portal's relay does (signed, with an envelope)."""
    envelope = {
        "id": str(uuid.uuid4()),
        "type": event_type,
        "version": 1,
        "occurred_at": (occurred_at or datetime.now(UTC)).isoformat(),
        "source": "admin_portal",
        "request_id": None,
        "data": data,
    }
    with platform.admin.app_context():
        return InternalClient.for_peer("vendor_portal").post("/internal/events", envelope)


def category(category_id: int, name: str, parent_id: int | None = None, position: int = 1) -> dict[str, Any]:
    slug = name.lower().replace(" ", "-").replace("&", "and")
    return {"category_id": category_id, "name": name, "slug": slug, "parent_id": parent_id, "position": position}


def place_order(app: Flask, vendor_id: int, product_id: int, variant_id: int | None = None) -> None:
    """A vendor order with one line of this product, as the orders domain records it on order.placed."""
    from vendor_portal.catalog.models import Variant
    from vendor_portal.orders.models import VendorOrder, VendorOrderLine

    with app.app_context():
        db = app.extensions["sqlalchemy"]
        variant = db.session.get(Variant, variant_id) if variant_id else None
        if variant is None:
            variant = db.session.scalars(sa.select(Variant).where(Variant.product_id == product_id)).first()
        order = VendorOrder(
            order_id=str(uuid.uuid4()),
            number="MP-000001",
            vendor_id=vendor_id,
            currency="EUR",
            subtotal=variant.price,
            placed_at=datetime.now(UTC),
            shipping_name="Grace Hopper",
            shipping_address={"line1": "1 Main St", "city": "Arlington", "postcode": "22201", "country": "US"},
        )
        order.lines.append(
            VendorOrderLine(
                line_id=str(uuid.uuid4()),
                product_id=product_id,
                variant_id=variant.id,
                sku=variant.sku,
                title="Ordered item",
                options=variant.options,
                quantity=1,
                unit_price=variant.price,
                line_total=variant.price,
            )
        )
        db.session.add(order)
        db.session.commit()
        db.session.remove()


def published(
    make_store: Callable[..., Store], make_product: Callable[..., int], store: Store | None = None, **product: Any
) -> tuple[Store, int]:
    """(store, product_id): an approved store's product, created and published through its pages."""
    store = store or make_store("approved")
    product_id = make_product(store, **product)
    response = post_form(store, f"/products/{product_id}/edit", f"/products/{product_id}/publish", {})
    assert response.status_code == 302
    return store, product_id
