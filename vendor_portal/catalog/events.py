"""The product events this portal publishes, and the category events it applies to its replica
(contracts in common_core.contracts)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from common_core.errors import InvalidInput
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


# ---- categories, from admin_portal --------------------------------------------------------------


def handle_category_upserted(data: dict[str, Any], envelope: dict[str, Any]) -> None:
    from vendor_portal.catalog import operations  # operations import this module: resolved at call time

    parent_id = data["parent_id"]
    operations.replicate_category(
        _int(data["category_id"], "category_id"),
        name=str(data["name"])[:120],
        slug=str(data["slug"])[:140],
        parent_id=_int(parent_id, "parent_id") if parent_id is not None else None,
        position=_int(data["position"], "position"),
        at=_occurred_at(envelope),
    )


def handle_category_retired(data: dict[str, Any], envelope: dict[str, Any]) -> None:
    from vendor_portal.catalog import operations

    operations.retire_category(_int(data["category_id"], "category_id"), at=_occurred_at(envelope))


def _int(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInput(f"{name} must be an integer.")
    return value


def _occurred_at(envelope: dict[str, Any]) -> datetime:
    try:
        moment = datetime.fromisoformat(str(envelope["occurred_at"]))
    except ValueError:
        raise InvalidInput("occurred_at must be an ISO 8601 time.") from None
    if moment.tzinfo is None:
        raise InvalidInput("occurred_at must carry its time zone.")
    return moment


# Registered in catalog/internal.py: this module is imported by the operations, which the internal
# API's own module reaches (through accounts), so it cannot import that module back.
CATEGORY_HANDLERS = {"category.upserted": handle_category_upserted, "category.retired": handle_category_retired}
