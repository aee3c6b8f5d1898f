"""Keyword moderation of products as their events arrive (chained after the analytics handler of
product.upserted, in the same transaction as the event's inbox row; see products/internal.py)."""

from __future__ import annotations

from typing import Any

from admin_portal.products import operations, queries


def flag_product(data: dict[str, Any], envelope: dict[str, Any]) -> None:
    """product.upserted: put the product in the moderation queue if its title, brand or description has a
    keyword, unless staff already decided on exactly this text."""
    words = queries.keywords()
    if not words:
        return
    title = str(data["title"])
    brand = str(data.get("brand") or "")
    description = operations.plain_text(data.get("description"))
    found = queries.matching_keywords(words, title, brand, description)
    if not found:
        return
    operations.raise_keyword_flag(
        int(data["product_id"]),
        int(data["vendor_id"]),
        title,
        found,
        digest=operations.text_digest(title, brand, description),
    )
