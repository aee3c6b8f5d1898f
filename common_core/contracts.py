"""Event contracts: the one place that says which events exist, their version, fields and consumers.

Producers validate before writing to the outbox and consumers validate on receipt, so both sides
read the same definition and cannot drift. Add a field: keep it optional for one version, or bump
the version and teach consumers both.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from common_core.errors import InvalidInput


@dataclass(frozen=True)
class EventSpec:
    type: str
    version: int
    producer: str
    consumers: tuple[str, ...]
    required: tuple[str, ...]
    optional: tuple[str, ...] = field(default=())


# Shapes (all money as decimal strings with two places, all times ISO 8601 UTC, ids as ints unless said):
#   category.upserted  category_id, name, slug, parent_id (null for a top-level category), position
#   vendor.*           vendor_id, store_name, status (pending|approved|suspended|rejected), reason, slug,
#                      description, email, created_at, commission_rate ("10.00" percent)
#   product.upserted   a listable product's whole shopper-visible state (sent again on any change):
#                      product_id, vendor_id, title, status ("active"), currency, description (sanitised
#                      HTML, safe to render), brand, category_id, attributes {name: value},
#                      options [{name, values: [..]}], weight_grams,
#                      images [{image_id, sha256, position, is_main, width, height, content_type}]
#                      (bytes fetched with GET /internal/images/<image_id> on the vendor portal),
#                      variants [{variant_id, sku, price, compare_at_price|null, options {name: value},
#                      available}], created_at, updated_at (consumers keep the newest updated_at)
#   product.removed    product_id, vendor_id, reason (unpublished|archived|deleted|vendor_suspended|hidden)
#   stock.changed      product_id, variant_id, available, updated_at
#   order.placed       order_id (uuid string), number, placed_at, currency, total, shipping_total,
#                      customer_id|null, email, is_new_customer, shipping_address {name, line1, line2, city,
#                      postcode, country}, lines [{line_id, vendor_id, product_id, variant_id, sku, title,
#                      options, quantity, unit_price, line_total}]
#   order.cancelled    order_id, number, reason, lines [{line_id, quantity}] (absent: whole order)
#   order.refunded     order_id, number, refund_id, amount, currency, reason, lines [{line_id, amount}]
#   fulfilment.updated order_id, vendor_id, status (acknowledged|packed|shipped|delivered|cancelled),
#                      carrier, tracking_number, cancelled_lines [{line_id, quantity}], note, updated_at
#   traffic.batch      events [{kind: page_view|product_view|add_to_cart|checkout_started|order_placed,
#                      visitor (session-scoped random id), at, path, product_id|null, vendor_id|null}]
EVENTS: dict[str, EventSpec] = {
    spec.type: spec
    for spec in (
        EventSpec(
            "category.upserted",
            1,
            "admin_portal",
            ("vendor_portal", "storefront"),
            ("category_id", "name", "slug", "parent_id", "position"),
        ),
        EventSpec("category.retired", 1, "admin_portal", ("vendor_portal", "storefront"), ("category_id",)),
        EventSpec(
            "vendor.status_changed",
            1,
            "vendor_portal",
            ("storefront", "admin_portal"),
            ("vendor_id", "store_name", "status"),
            ("reason", "slug", "email", "created_at", "description", "commission_rate"),
        ),
        EventSpec(
            "vendor.upserted",
            1,
            "vendor_portal",
            ("storefront", "admin_portal"),
            ("vendor_id", "store_name", "status"),
            ("reason", "slug", "description", "email", "created_at", "commission_rate"),
        ),
        EventSpec(
            "product.upserted",
            1,
            "vendor_portal",
            ("storefront", "admin_portal"),
            ("product_id", "vendor_id", "title", "status", "currency", "variants"),
            (
                "description",
                "brand",
                "category_id",
                "images",
                "attributes",
                "options",
                "weight_grams",
                "compare_at_price",
                "created_at",
                "updated_at",
            ),
        ),
        EventSpec(
            "product.removed",
            1,
            "vendor_portal",
            ("storefront", "admin_portal"),
            ("product_id", "vendor_id"),
            ("reason", "updated_at"),
        ),
        EventSpec(
            "stock.changed",
            1,
            "vendor_portal",
            ("storefront",),
            ("product_id", "variant_id", "available"),
            ("updated_at",),
        ),
        EventSpec(
            "order.placed",
            1,
            "storefront",
            ("vendor_portal", "admin_portal"),
            ("order_id", "number", "placed_at", "currency", "total", "lines"),
            ("customer_id", "email", "shipping_address", "shipping_total", "is_new_customer"),
        ),
        EventSpec(
            "order.cancelled",
            1,
            "storefront",
            ("vendor_portal", "admin_portal"),
            ("order_id", "number"),
            ("reason", "lines"),
        ),
        EventSpec(
            "order.refunded",
            1,
            "storefront",
            ("vendor_portal", "admin_portal"),
            ("order_id", "number", "refund_id", "amount", "currency"),
            ("lines", "reason"),
        ),
        EventSpec(
            "fulfilment.updated",
            1,
            "vendor_portal",
            ("storefront", "admin_portal"),
            ("order_id", "vendor_id", "status"),
            ("carrier", "tracking_number", "cancelled_lines", "note", "updated_at"),
        ),
        EventSpec("traffic.batch", 1, "storefront", ("admin_portal", "vendor_portal"), ("events",)),
        EventSpec(
            "customer.registered", 1, "storefront", ("admin_portal",), ("customer_id", "email", "name", "registered_at")
        ),
        EventSpec("customer.status_changed", 1, "storefront", ("admin_portal",), ("customer_id", "status")),
    )
}


def spec_for(event_type: str) -> EventSpec:
    try:
        return EVENTS[event_type]
    except KeyError:
        raise InvalidInput(f"Unknown event type {event_type!r}") from None


def validate(event_type: str, data: dict[str, Any]) -> EventSpec:
    """Check an event's data against its contract; raises InvalidInput naming what is wrong."""
    spec = spec_for(event_type)
    if not isinstance(data, dict):
        raise InvalidInput(f"{event_type}: data must be an object")
    missing = [key for key in spec.required if key not in data]
    if missing:
        raise InvalidInput(f"{event_type}: missing {', '.join(missing)}")
    unknown = set(data) - set(spec.required) - set(spec.optional)
    if unknown:
        raise InvalidInput(f"{event_type}: unknown fields {', '.join(sorted(unknown))}")
    return spec


def subscribers_of(event_type: str) -> tuple[str, ...]:
    return spec_for(event_type).consumers
