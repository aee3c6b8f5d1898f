"""Reading the shop's order events: amounts, ids and times checked, refused with InvalidInput when malformed.

A refused event is retried by the relay and then dead-lettered for staff to see, so every message names
the order and the field that is wrong.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from decimal import ROUND_DOWN, Decimal, InvalidOperation
from typing import Any

from common_core.db import money
from common_core.errors import InvalidInput

ZERO = Decimal("0.00")


def amount(value: Any, name: str, number: str) -> Decimal:
    """A money string such as "12.50" as a Decimal of two places (never through float)."""
    try:
        parsed = money(str(value))
    except (InvalidOperation, ValueError):
        raise InvalidInput(f"{number}: {name} must be a decimal amount, not {value!r}.") from None
    if not parsed.is_finite() or parsed < 0:
        raise InvalidInput(f"{number}: {name} must be a decimal amount of at least 0, not {value!r}.")
    return parsed


def integer(line: Mapping[str, Any], name: str, number: str) -> int:
    try:
        return int(line[name])
    except (KeyError, TypeError, ValueError):
        raise InvalidInput(f"{number}: every line needs an integer {name}.") from None


def positive_integer(line: Mapping[str, Any], name: str, number: str) -> int:
    value = integer(line, name, number)
    if value <= 0:
        raise InvalidInput(f"{number}: {name} must be at least 1.")
    return value


def timestamp(value: Any, number: str) -> datetime:
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        raise InvalidInput(f"{number}: placed_at must be an ISO 8601 time, not {value!r}.") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def allocate(total: Decimal, weights: Sequence[Decimal]) -> list[Decimal]:
    """Split `total` over weights in proportion, in cents, never beyond a weight; the shares add up exactly."""
    weights = [max(w, ZERO) for w in weights]
    whole = sum(weights, ZERO)
    if whole <= 0:
        return [ZERO for _ in weights]
    if total >= whole:
        return list(weights)
    shares = [(total * w / whole).quantize(Decimal("0.01"), rounding=ROUND_DOWN) for w in weights]
    leftover = total - sum(shares, ZERO)
    for i, weight in enumerate(weights):  # the rounding cents go to the first parts with room for them
        extra = min(leftover, weight - shares[i])
        shares[i] += extra
        leftover -= extra
    return shares
