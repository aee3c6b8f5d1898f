"""The CSV export of a period's order lines, safe to open in a spreadsheet."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from datetime import UTC
from typing import Any

from vendor_portal.orders.formatting import options_text

HEADER = (
    "Order number",
    "Placed at (UTC)",
    "Status",
    "SKU",
    "Title",
    "Options",
    "Quantity",
    "Unit price",
    "Line total",
    "Currency",
    "Cancelled quantity",
)
# A spreadsheet runs a cell starting with these as a formula (=HYPERLINK(...), +cmd|...): CSV injection.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: str) -> str:
    """Text a spreadsheet shows as text: a leading formula character is escaped with a single quote."""
    return f"'{value}" if value.startswith(FORMULA_STARTS) else value


def order_lines_csv(rows: Iterable[Any]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")  # RFC 4180
    writer.writerow(HEADER)
    for row in rows:
        writer.writerow(
            (
                safe_cell(row.number),
                row.placed_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S"),
                safe_cell(row.status),
                safe_cell(row.sku),
                safe_cell(row.title),
                safe_cell(options_text(row.options)),
                row.quantity,
                f"{row.unit_price:.2f}",
                f"{row.line_total:.2f}",
                row.currency,
                row.cancelled_quantity,
            )
        )
    return out.getvalue()
