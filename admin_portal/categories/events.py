"""The category events this portal publishes (contracts in common_core.contracts)."""

from __future__ import annotations

from admin_portal.categories.models import Category
from common_core.outbox import record_event


def category_upserted(category: Category) -> None:
    record_event(
        "category.upserted",
        {
            "category_id": category.id,
            "name": category.name,
            "slug": category.slug,
            "parent_id": category.parent_id,
            "position": category.position,
        },
    )


def category_retired(category: Category) -> None:
    record_event("category.retired", {"category_id": category.id})
