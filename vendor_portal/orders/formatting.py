"""How order pages write money, times and option choices, shared by the orders and analytics templates."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any


def money_text(amount: Decimal | None, currency: str | None = None) -> str:
    """12345.5 -> "12,345.50 EUR": Decimal formatted as Decimal, never through float."""
    if amount is None:
        return "—"
    text = f"{amount:,.2f}"
    return f"{text} {currency}" if currency else text


def utc_text(moment: datetime | None) -> str:
    """A timestamp as "3 Mar 2025, 14:05" in UTC (pages say UTC next to it)."""
    if moment is None:
        return "—"
    return moment.astimezone(UTC).strftime("%-d %b %Y, %H:%M")


def options_text(options: Mapping[str, Any] | None) -> str:
    """{"Size": "M", "Colour": "Red"} -> "Size: M / Colour: Red"; "" for a product without options."""
    return " / ".join(f"{name}: {value}" for name, value in (options or {}).items())


def template_helpers() -> dict[str, Any]:
    return {"money_text": money_text, "utc_text": utc_text, "options_text": options_text}
