"""Events of the inventory domain: the stock.changed events it publishes (contract in common_core.contracts)."""

from __future__ import annotations

from common_core.outbox import record_event
from vendor_portal.catalog.models import Variant


def stock_changed(variant: Variant) -> None:
    """Tell the shop a variant's available stock; consumers keep the newest updated_at, so send it fresh."""
    record_event(
        "stock.changed",
        {
            "product_id": variant.product_id,
            "variant_id": variant.id,
            "available": variant.available,
            "updated_at": variant.updated_at.isoformat(),
        },
    )
