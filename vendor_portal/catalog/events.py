"""The product events this portal publishes (contracts in common_core.contracts)."""

from __future__ import annotations

from typing import Any

from common_core.outbox import record_event
from vendor_portal.catalog.models import Product


def product_data(product: Product) -> dict[str, Any]:
    return {
        "product_id": product.id,
        "vendor_id": product.vendor_id,
        "title": product.title,
        "status": product.status,
        "currency": product.currency,
        # Variants arrive in a later slice; until then every product sells as one default variant.
        "variants": [{"sku": None, "price": str(product.price), "options": {}}],
        "description": product.description,
        "created_at": product.created_at.isoformat() if product.created_at else None,
        "updated_at": product.updated_at.isoformat() if product.updated_at else None,
    }


def product_upserted(product: Product) -> None:
    record_event("product.upserted", product_data(product))


def product_removed(product: Product, reason: str) -> None:
    record_event("product.removed", {"product_id": product.id, "vendor_id": product.vendor_id, "reason": reason})
