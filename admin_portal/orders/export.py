"""The CSV export of an order search, safe to open in a spreadsheet."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

EXPORT_MAX = 10_000
COLUMNS: tuple[tuple[str, str], ...] = (
    ("number", "Order"),
    ("status", "Status"),
    ("placed_at", "Placed (UTC)"),
    ("email", "Email"),
    ("customer_id", "Customer id"),
    ("stores", "Stores"),
    ("item_count", "Items"),
    ("currency", "Currency"),
    ("subtotal", "Subtotal"),
    ("shipping_total", "Shipping"),
    ("total", "Total"),
    ("refunded_total", "Refunded"),
)
# A cell starting with one of these is a formula to a spreadsheet (=HYPERLINK(...), +cmd|..., @SUM ...).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> str:
    """A value as CSV text that a spreadsheet shows as text: a leading ' defuses a would-be formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def orders_csv(orders: Iterable[dict[str, Any]]) -> str:
    """The orders as CSV (UTF-8 with a byte order mark, so spreadsheets read accents right)."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([label for _, label in COLUMNS])
    for order in orders:
        row = {
            **order,
            "placed_at": _utc(order.get("placed_at") or order.get("created_at")),
            "stores": "; ".join(part["vendor_name"] for part in order.get("parts") or []),
        }
        writer.writerow([safe_cell(row.get(key)) for key, _ in COLUMNS])
    return out.getvalue()


def _utc(moment: str | None) -> str:
    return datetime.fromisoformat(moment).astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S") if moment else ""
