"""The product events this portal publishes (contracts in common_core.contracts)."""

from __future__ import annotations

from typing import Any

from common_core.outbox import record_event
from vendor_portal.catalog.models import Product, Variant


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def variant_data(variant: Variant) -> dict[str, Any]:
    return {
        "variant_id": variant.id,
        "sku": variant.sku,
        "price": str(variant.price),
        "compare_at_price": str(variant.compare_at_price) if variant.compare_at_price is not None else None,
        "options": variant.options,
        "available": variant.available,
    }


def product_data(product: Product) -> dict[str, Any]:
    """The whole shopper-visible state of a product; the storefront replaces its copy with it."""
    return {
        "product_id": product.id,
        "vendor_id": product.vendor_id,
        "title": product.title,
        "status": product.status,
        "currency": product.currency,
        "description": product.description_html,
        "brand": product.brand,
        "category_id": product.category_id,
        "attributes": product.attributes or {},
        "options": [{"name": o.name, "values": list(o.values)} for o in product.options],
        "weight_grams": product.weight_grams,
        "images": [
            {
                "image_id": image.id,
                "sha256": image.media.sha256,
                "position": image.position,
                "is_main": image.is_main,
                "width": image.media.width,
                "height": image.media.height,
                "content_type": image.media.content_type,
            }
            for image in product.images
        ],
        "variants": [variant_data(v) for v in product.active_variants],
        "created_at": _iso(product.created_at),
        "updated_at": _iso(product.updated_at),
    }


def product_upserted(product: Product) -> None:
    record_event("product.upserted", product_data(product))


def product_removed(product: Product, reason: str) -> None:
    record_event(
        "product.removed",
        {
            "product_id": product.id,
            "vendor_id": product.vendor_id,
            "reason": reason,
            "updated_at": _iso(product.updated_at),
        },
    )
