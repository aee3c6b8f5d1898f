"""Template helpers for how the storefront shows values: money with its currency, slugs for URLs."""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal

from flask import Flask

CURRENCY_SYMBOLS = {"EUR": "€", "USD": "$", "GBP": "£"}


def format_money(amount: Decimal | int | str | None, currency: str) -> str:
    """€1,234.50 for known currencies, 1,234.50 CHF for the rest; never via float."""
    if amount is None:
        return ""
    value = Decimal(amount).quantize(Decimal("0.01"))
    symbol = CURRENCY_SYMBOLS.get(currency)
    return f"{symbol}{value:,.2f}" if symbol else f"{value:,.2f} {currency}"


def slugify(text: str, *, fallback: str = "item", max_length: int = 80) -> str:
    """ASCII, lower-case, hyphenated: "Café Crème!" -> "cafe-creme"."""
    ascii_text = unicodedata.normalize("NFKD", text or "").encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:max_length].strip("-")
    return slug or fallback


def init_app(app: Flask) -> None:
    app.add_template_filter(format_money, "money")
