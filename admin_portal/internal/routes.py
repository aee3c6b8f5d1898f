"""Signed endpoints other services call on the admin_portal, and the events it consumes."""

from __future__ import annotations

from typing import Any

from admin_portal.analytics import handlers as analytics
from admin_portal.ledger import handlers as ledger
from admin_portal.vendors.handlers import apply_vendor_event
from common_core.inbox import Handler, register_event_receiver
from common_core.internal.api import InternalAPI

api = InternalAPI("admin_portal", "Admin portal internal API")


def both(*handlers: Handler) -> Handler:
    """One event feeding several read models, in order, in the one transaction of its inbox row."""

    def handle(data: dict[str, Any], envelope: dict[str, Any]) -> None:
        for handler in handlers:
            handler(data, envelope)

    return handle


# Event handlers by type; each domain adds its own as it is built.
HANDLERS: dict[str, Handler] = {
    "vendor.upserted": apply_vendor_event,
    "vendor.status_changed": apply_vendor_event,
    # The analytics handler goes first: it refuses an event about an order not known yet (retried later).
    "order.placed": both(analytics.apply_order_placed, ledger.record_sales),
    "order.cancelled": analytics.apply_order_cancelled,
    "order.refunded": both(analytics.apply_order_refunded, ledger.record_refund),
    "fulfilment.updated": analytics.apply_fulfilment_updated,
    "customer.registered": analytics.apply_customer_registered,
    "product.upserted": analytics.apply_product_upserted,
    "product.removed": analytics.apply_product_removed,
    "traffic.batch": analytics.apply_traffic_batch,
}
register_event_receiver(api, HANDLERS)
