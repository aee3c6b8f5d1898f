"""Signed endpoints other services call on the storefront."""

from __future__ import annotations

from common_core.inbox import Handler, register_event_receiver
from common_core.internal.api import InternalAPI
from storefront.catalog import events as catalog_events

api = InternalAPI("storefront", "Storefront internal API")

# Event handlers by type; each domain adds its own as it is built.
HANDLERS: dict[str, Handler] = {
    "category.upserted": catalog_events.category_upserted,
    "category.retired": catalog_events.category_retired,
    "vendor.upserted": catalog_events.vendor_changed,
    "vendor.status_changed": catalog_events.vendor_changed,
    "product.upserted": catalog_events.product_upserted,
    "product.removed": catalog_events.product_removed,
    "stock.changed": catalog_events.stock_changed,
}
register_event_receiver(api, HANDLERS)
