"""Payment providers: the interface checkout and refunds use, and the built-in TestProvider.

Card numbers and CVCs live only in a `Card` for the length of one charge call: they are never stored,
logged or shown again. What is kept is the provider's token, the card brand and the last four digits.
`provider()` returns the one configured by PAYMENT_PROVIDER ("test" is the only one for now).
"""

from __future__ import annotations

import hashlib
import os
import re
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Protocol

from flask import current_app

APPROVED, DECLINED, FAILED = "captured", "declined", "failed"


@dataclass(frozen=True)
class Card:
    """What the shopper typed. repr() shows only the last four digits, so a stray log line leaks nothing."""

    number: str = field(repr=False)
    exp_month: int
    exp_year: int  # four digits
    cvc: str = field(repr=False)
    name: str

    @property
    def last4(self) -> str:
        return self.number[-4:]

    @property
    def brand(self) -> str:
        return card_brand(self.number)

    def __repr__(self) -> str:
        return f"Card(brand={self.brand!r}, last4={self.last4!r}, exp={self.exp_month:02d}/{self.exp_year})"

    __str__ = __repr__


@dataclass(frozen=True)
class PaymentResult:
    status: str  # captured | declined | failed
    token: str | None
    brand: str | None
    last4: str | None
    failure_code: str | None = None
    message: str | None = None  # for the shopper when the payment did not go through

    @property
    def succeeded(self) -> bool:
        return self.status == APPROVED


@dataclass(frozen=True)
class RefundResult:
    status: str  # succeeded | failed
    token: str | None
    message: str | None = None

    @property
    def succeeded(self) -> bool:
        return self.status == "succeeded"


class PaymentProvider(Protocol):
    name: str

    def charge(self, amount: Decimal, currency: str, card: Card, idempotency_key: str) -> PaymentResult:
        """Take `amount`; a repeat with the same idempotency key returns the first result, charging once."""
        ...

    def refund(self, token: str, amount: Decimal) -> RefundResult:
        """Give back `amount` of the charge `token`."""
        ...


# --- card checks shared by the form and providers ----------------------------------------------------


def digits_only(number: str) -> str:
    return re.sub(r"[\s-]", "", number or "")


def luhn_ok(number: str) -> bool:
    if not number.isdigit() or not 12 <= len(number) <= 19:
        return False
    total = 0
    for index, char in enumerate(reversed(number)):
        digit = int(char)
        if index % 2 == 1:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return total % 10 == 0


def card_brand(number: str) -> str:
    if number.startswith("4"):
        return "visa"
    if re.match(r"^(5[1-5]|2[2-7])", number):
        return "mastercard"
    if re.match(r"^3[47]", number):
        return "amex"
    return "card"


def expired(exp_month: int, exp_year: int, today: datetime | None = None) -> bool:
    """A card is good until the end of its expiry month."""
    now = today or datetime.now(UTC)
    return (exp_year, exp_month) < (now.year, now.month)


# --- the built-in test provider ----------------------------------------------------------------------

TEST_CARDS: tuple[tuple[str, str], ...] = (
    ("4242 4242 4242 4242", "Payment succeeds"),
    ("4000 0000 0000 0002", "Declined by the bank"),
    ("4000 0000 0000 9995", "Declined: insufficient funds"),
)


class TestProvider:
    """Behaves like a card processor for development and tests; keeps its charges in memory.

    4242 4242 4242 4242 succeeds, 4000 0000 0000 0002 is declined, 4000 0000 0000 9995 is declined for
    insufficient funds; any future expiry and any 3 or 4 digit CVC.
    """

    __test__ = False  # not a pytest test class
    name = "test"

    def __init__(self) -> None:
        self.charges: dict[str, PaymentResult] = {}
        self.refunds: list[tuple[str, Decimal]] = []

    def charge(self, amount: Decimal, currency: str, card: Card, idempotency_key: str) -> PaymentResult:
        first = self.charges.get(idempotency_key)
        if first is not None:
            return first
        result = self._decide(amount, card)
        self.charges[idempotency_key] = result
        return result

    def _decide(self, amount: Decimal, card: Card) -> PaymentResult:
        number = card.number
        brand, last4 = card_brand(number), number[-4:]

        def refused(code: str, message: str, status: str = DECLINED) -> PaymentResult:
            return PaymentResult(status, None, brand, last4, code, message)

        if not luhn_ok(number):
            return refused("invalid_number", "The card number is not valid. Please check it and try again.")
        if expired(card.exp_month, card.exp_year):
            return refused("expired_card", "Your card has expired. Please use another card.")
        if not re.fullmatch(r"\d{3,4}", card.cvc):
            return refused("invalid_cvc", "The security code (CVC) is not valid.")
        if amount <= 0:
            return refused("invalid_amount", "The amount to pay is not valid.", FAILED)
        if number == "4000000000000002":
            return refused("card_declined", "Your card was declined. Please use another card or contact your bank.")
        if number == "4000000000009995":
            return refused(
                "insufficient_funds", "Your card was declined for insufficient funds. Please use another card."
            )
        # The token names the charge, never the card.
        return PaymentResult(APPROVED, f"test_ch_{secrets.token_hex(12)}", brand, last4)

    def refund(self, token: str, amount: Decimal) -> RefundResult:
        self.refunds.append((token, amount))
        return RefundResult(
            "succeeded", f"test_re_{hashlib.sha256(f'{token}{amount}{len(self.refunds)}'.encode()).hexdigest()[:24]}"
        )


PROVIDERS = {"test": TestProvider}


def provider() -> PaymentProvider:
    """The app's configured provider (one instance per app, so idempotency keys hold across requests)."""
    name = current_app.config.get("PAYMENT_PROVIDER") or os.environ.get("PAYMENT_PROVIDER", "test")
    instances = current_app.extensions.setdefault("payment_providers", {})
    if name not in instances:
        try:
            instances[name] = PROVIDERS[name]()
        except KeyError:
            raise RuntimeError(f"PAYMENT_PROVIDER={name!r} is not known; use one of {sorted(PROVIDERS)}.") from None
    return instances[name]


def test_mode() -> bool:
    return provider().name == "test"


test_mode.__test__ = False  # type: ignore[attr-defined]
