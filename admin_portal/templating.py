"""Jinja helpers of the admin portal's own templates (shared markup lives in templates/_admin.html)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from flask import Flask


def utc_text(moment: datetime) -> str:
    """A moment as "2026-01-31 14:05" in UTC: staff in several time zones read the same figure."""
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M")


def money_text(amount: Decimal | int | None, currency: str | None = None) -> str:
    """An amount as "1,234.50 EUR" (or "1,234.50" without a currency); "—" for none."""
    if amount is None:
        return "—"
    text = f"{Decimal(amount):,.2f}"
    return f"{text} {currency}" if currency else text


def init_app(app: Flask) -> None:
    app.add_template_filter(utc_text, "utc_text")
    app.add_template_filter(money_text, "money_text")
