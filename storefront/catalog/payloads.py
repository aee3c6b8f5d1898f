"""Reading event data for the catalogue copy: checked, normalised values or InvalidInput saying what is wrong.

An event refused here is answered 422, retried by the producer's relay and finally dead-lettered where
staff can see it, rather than half-applied.
"""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

import nh3

from common_core.errors import InvalidInput

# The vendor portal sanitises descriptions; cleaning again here means a bug or a breach there cannot
# put script on the shop's pages (defence in depth). Same allow-list as the producer.
DESCRIPTION_TAGS = {"p", "br", "strong", "em", "b", "i", "u", "ul", "ol", "li", "h3", "h4", "blockquote", "a", "code"}


def clean_description(value: str) -> str:
    return nh3.clean(
        value,
        tags=DESCRIPTION_TAGS,
        attributes={"a": {"href", "title"}},
        url_schemes={"http", "https", "mailto"},
        link_rel="nofollow noopener noreferrer",
    )


def plain_text(value: str) -> str:
    """The words of some HTML, for the search document (block ends become spaces)."""
    return " ".join(html.unescape(nh3.clean(value.replace("<", " <"), tags=set(), attributes={})).split())


def variants(raw: Any, product_compare_at: Any, *, stock_at: datetime) -> list[dict[str, Any]]:
    """Variant rows; `stock_at` is when their available counts were true (the event's occurred_at)."""
    if not isinstance(raw, list):
        raise InvalidInput("product.upserted: variants must be a list.")
    rows = []
    for position, item in enumerate(raw):
        if not isinstance(item, dict) or item.get("variant_id") is None:
            raise InvalidInput("product.upserted: every variant needs a variant_id.")
        price = money(item.get("price"), "price")
        compare_at = item.get("compare_at_price", product_compare_at)
        compare_at = money(compare_at, "compare_at_price") if compare_at is not None else None
        chosen = item.get("options") if isinstance(item.get("options"), dict) else {}
        rows.append(
            {
                "id": integer(item["variant_id"], "variant_id"),
                "sku": (str(item["sku"])[:64] if item.get("sku") else None),
                "price": price,
                "compare_at_price": compare_at if compare_at is not None and compare_at > price else None,
                "options": {str(k)[:40]: str(val)[:80] for k, val in chosen.items()},
                "available": max(0, integer(item.get("available") or 0, "available")),
                "position": position,
                "stock_at": stock_at,
            }
        )
    return rows


def images(raw: Any) -> list[dict[str, Any]]:
    if not isinstance(raw, list):
        raise InvalidInput("product.upserted: images must be a list.")
    found = []
    for position, item in enumerate(raw):
        if not isinstance(item, dict) or item.get("image_id") is None or not item.get("sha256"):
            raise InvalidInput("product.upserted: every image needs an image_id and a sha256.")
        found.append(
            {
                "id": integer(item["image_id"], "image_id"),
                "sha256": str(item["sha256"]).lower()[:64],
                "position": integer(item.get("position", position), "position"),
                "is_main": bool(item.get("is_main")),
                "width": integer(item["width"], "width") if item.get("width") is not None else None,
                "height": integer(item["height"], "height") if item.get("height") is not None else None,
            }
        )
    return found


def attributes(raw: Any) -> dict[str, str]:
    if not isinstance(raw, dict):
        return {}
    out = {}
    for key, value in raw.items():
        if value is None or value == "":
            continue
        shown = ", ".join(str(x) for x in value) if isinstance(value, list) else str(value)
        out[str(key)[:80]] = shown[:500]
    return out


def options(raw: Any) -> list[dict[str, Any]]:
    if not isinstance(raw, list):
        return []
    found = []
    for item in raw:
        if isinstance(item, dict) and item.get("name"):
            values = item.get("values") if isinstance(item.get("values"), list) else []
            found.append({"name": str(item["name"])[:40], "values": [str(x)[:80] for x in values]})
    return found


def integer(value: Any, name: str) -> int:
    if isinstance(value, bool):
        raise InvalidInput(f"{name} must be an integer.")
    try:
        return int(value)
    except (TypeError, ValueError):
        raise InvalidInput(f"{name} must be an integer.") from None


def money(value: Any, name: str) -> Decimal:
    try:
        amount = Decimal(str(value)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        raise InvalidInput(f"{name} must be a decimal amount.") from None
    if not amount.is_finite() or amount < 0 or amount >= Decimal("10000000000"):
        raise InvalidInput(f"{name} is out of range.")
    return amount


def currency(value: Any) -> str:
    code = str(value or "")
    if not re.fullmatch(r"[A-Z]{3}", code):
        raise InvalidInput(f"currency {code!r} is not an ISO 4217 code.")
    return code


def text(value: Any, max_length: int, name: str) -> str:
    cleaned = str(value or "").replace("\x00", "").strip()
    if not cleaned:
        raise InvalidInput(f"{name} must not be blank.")
    return cleaned[:max_length]


def timestamp(value: Any, name: str) -> datetime | None:
    if value in (None, ""):
        return None
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        raise InvalidInput(f"{name} must be an ISO 8601 time.") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def occurred_at(envelope: dict[str, Any]) -> datetime:
    return timestamp(envelope.get("occurred_at"), "occurred_at") or datetime.now(UTC)
