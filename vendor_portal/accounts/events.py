"""The vendor events this portal publishes (contracts in common_core.contracts)."""

from __future__ import annotations

from common_core.outbox import record_event
from vendor_portal.accounts.models import Vendor


def _iso(vendor: Vendor) -> str | None:
    return vendor.created_at.isoformat() if vendor.created_at else None


def vendor_upserted(vendor: Vendor) -> None:
    record_event(
        "vendor.upserted",
        {
            "vendor_id": vendor.id,
            "store_name": vendor.store_name,
            "status": vendor.status,
            "slug": vendor.slug,
            "description": vendor.description,
            "email": vendor.email,
            "created_at": _iso(vendor),
        },
    )


def vendor_status_changed(vendor: Vendor) -> None:
    record_event(
        "vendor.status_changed",
        {
            "vendor_id": vendor.id,
            "store_name": vendor.store_name,
            "status": vendor.status,
            "reason": vendor.status_reason,
        },
    )
