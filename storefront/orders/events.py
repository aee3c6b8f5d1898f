"""Events of the orders domain: fulfilment.updated from the vendor portal (registered in the inbox here).

The order events the storefront publishes (order.placed / cancelled / refunded) are recorded by
orders.operations in the transaction of the change they announce.
"""

from __future__ import annotations

from typing import Any

from storefront.catalog import payloads
from storefront.internal.routes import HANDLERS
from storefront.orders import operations


def handle_fulfilment_updated(data: dict[str, Any], envelope: dict[str, Any]) -> None:
    """A store's part moved on; lines it cancelled are refunded once (the refund id comes from the event id)."""
    operations.apply_fulfilment(data, event_id=str(envelope["id"]), occurred_at=payloads.occurred_at(envelope))


HANDLERS["fulfilment.updated"] = handle_fulfilment_updated
