"""Events of the analytics domain: the shop's traffic batches, counted as product views per day."""

from __future__ import annotations

from typing import Any

from common_core.errors import InvalidInput
from vendor_portal.analytics import operations
from vendor_portal.internal.routes import HANDLERS


def handle_traffic_batch(data: dict[str, Any], envelope: dict[str, Any]) -> None:
    if not isinstance(data["events"], list):
        raise InvalidInput("traffic.batch: events must be a list.")
    operations.record_product_views(data["events"])


HANDLERS["traffic.batch"] = handle_traffic_batch
