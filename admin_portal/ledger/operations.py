"""Staff writes on the ledger: recording a payout. Operations flush; the request commits."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

import sqlalchemy as sa

from admin_portal import audit
from admin_portal.extensions import db
from admin_portal.ledger.models import REFERENCE_MAX, LedgerEntry
from admin_portal.ledger.queries import balance_owed, vendor_name
from common_core.errors import FieldError, NotAllowed

# Payouts to one vendor are recorded one at a time (advisory lock keyed by this and the vendor id).
PAYOUT_LOCK = 4401


def record_payout(vendor_id: int, currency: str, amount: Decimal | str, reference: str, *, actor: Any) -> LedgerEntry:
    """Record money paid to a vendor: more than zero, at most what is owed to them in that currency."""
    if actor is None or actor.role != "owner":
        # Routes are guarded too; this keeps the rule true for every other caller.
        raise NotAllowed("Only an owner can record payouts.")
    amount = parse_amount(amount)
    reference = " ".join((reference or "").split())
    if not reference:
        raise FieldError("reference", "Enter the payment's reference, such as the bank transfer id.")
    if len(reference) > REFERENCE_MAX:
        raise FieldError("reference", f"Use at most {REFERENCE_MAX} characters.")
    # Two owners paying the same vendor at once must not both pass the balance check.
    db.session.execute(sa.select(sa.func.pg_advisory_xact_lock(PAYOUT_LOCK, vendor_id)))
    owed = balance_owed(vendor_id, currency)
    name = vendor_name(vendor_id)
    if owed <= 0:
        raise FieldError("amount", f"Nothing is owed to {name} in {currency}.")
    if amount > owed:
        raise FieldError(
            "amount", f"That is more than the {owed:.2f} {currency} owed to {name}. Enter at most {owed:.2f}."
        )
    entry = LedgerEntry(
        vendor_id=vendor_id,
        kind="payout",
        amount=-amount,
        currency=currency,
        reference=reference,
        staff_id=actor.id,
    )
    db.session.add(entry)
    db.session.flush()
    audit.record(
        actor,
        "ledger.payout_recorded",
        "vendor",
        vendor_id,
        {"balance_owed": owed, "currency": currency},
        {"balance_owed": owed - amount, "currency": currency, "payout": amount, "reference": reference},
    )
    return entry


def parse_amount(value: Decimal | str) -> Decimal:
    try:
        amount = Decimal(str(value).strip().replace(",", ""))
    except InvalidOperation:
        raise FieldError("amount", "Enter an amount such as 125.50.") from None
    if not amount.is_finite() or amount <= 0:
        raise FieldError("amount", "Enter an amount more than zero.")
    if amount != amount.quantize(Decimal("0.01")):
        raise FieldError("amount", "Use at most two decimal places.")
    if amount >= Decimal("10000000000"):
        raise FieldError("amount", "That amount is too large.")
    return amount.quantize(Decimal("0.01"))
