"""Events of the orders domain: the shop's order events it consumes, and fulfilment.updated it publishes."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from common_core.outbox import record_event
from vendor_portal.internal.routes import HANDLERS
from vendor_portal.orders import operations
from vendor_portal.orders.models import VendorOrder


def fulfilment_updated(
    order: VendorOrder, *, cancelled_lines: Sequence[dict[str, Any]] = (), note: str | None = None
) -> None:
    """Tell the shop and the admin portal where a vendor's part stands.

    cancelled_lines are the units cancelled by this update only (not a running total): the shop refunds
    exactly those, and receives each event once (its inbox dedupes by event id).
    """
    record_event(
        "fulfilment.updated",
        {
            "order_id": order.order_id,
            "vendor_id": order.vendor_id,
            "status": order.status,
            "carrier": order.carrier,
            "tracking_number": order.tracking_number,
            "cancelled_lines": list(cancelled_lines),
            "note": note,
            "updated_at": order.updated_at.isoformat(),
        },
    )


def handle_order_placed(data: dict[str, Any], envelope: dict[str, Any]) -> None:
    operations.record_placed_order(data, actor=envelope.get("source") or "storefront")


def handle_order_cancelled(data: dict[str, Any], envelope: dict[str, Any]) -> None:
    operations.apply_shop_cancellation(data, actor=envelope.get("source") or "storefront")


def handle_order_refunded(data: dict[str, Any], envelope: dict[str, Any]) -> None:
    operations.apply_refund(data, actor=envelope.get("source") or "storefront")


HANDLERS["order.placed"] = handle_order_placed
HANDLERS["order.cancelled"] = handle_order_cancelled
HANDLERS["order.refunded"] = handle_order_refunded
