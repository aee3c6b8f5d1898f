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
            ("reason", "email", "created_at"),
        ),
        EventSpec(
            "vendor.upserted",
            1,
            "vendor_portal",
            ("storefront", "admin_portal"),
            ("vendor_id", "store_name", "status"),
            ("slug", "description", "email", "created_at"),
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
            ("reason",),
        ),
        EventSpec("stock.changed", 1, "vendor_portal", ("storefront",), ("product_id", "variant_id", "available")),
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
            ("carrier", "tracking_number", "cancelled_lines", "note"),
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
