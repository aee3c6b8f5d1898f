"""The shipping rule, in one place: each store sends its own parcel, so shipping is priced per store's part.

Standard €4.90, express €9.90 per store; standard is free for a store's part of €50.00 or more.
The figures are in the order's currency (the catalogue may price a product in another currency; the
same amounts apply).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

FREE_STANDARD_FROM = Decimal("50.00")


@dataclass(frozen=True)
class ShippingMethod:
    code: str
    label: str
    price: Decimal
    days: str


METHODS: dict[str, ShippingMethod] = {
    "standard": ShippingMethod("standard", "Standard", Decimal("4.90"), "3 to 5 working days"),
    "express": ShippingMethod("express", "Express", Decimal("9.90"), "1 to 2 working days"),
}
DEFAULT_METHOD = "standard"


def shipping_for_part(method: str, part_subtotal: Decimal) -> Decimal:
    """What one store's part of an order costs to send by `method` (KeyError for an unknown method)."""
    chosen = METHODS[method]
    if chosen.code == "standard" and part_subtotal >= FREE_STANDARD_FROM:
        return Decimal("0.00")
    return chosen.price


def shipping_total(method: str, part_subtotals: Iterable[Decimal]) -> Decimal:
    return sum((shipping_for_part(method, subtotal) for subtotal in part_subtotals), Decimal("0.00"))
