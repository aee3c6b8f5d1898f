"""Staff actions on vendors. Operations flush; the request commits.

A status decision is made by the vendor portal, which owns vendors: the call comes first and nothing
is written here unless it succeeds, so a vendor portal that is down or refuses leaves no trace.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from admin_portal import audit
from admin_portal.extensions import db
from admin_portal.staff.access import CATALOGUE_ROLES
from admin_portal.vendors.client import VendorPortal
from admin_portal.vendors.models import COMMISSION_MAX, VendorSummary
from common_core.errors import FieldError, NotAllowed

# Staff decision -> the status the vendor portal is asked for.
DECISIONS: dict[str, str] = {
    "approve": "approved",
    "reject": "rejected",
    "suspend": "suspended",
    "reactivate": "approved",
}
AUDIT_ACTIONS = {
    "approve": "vendor.approved",
    "reject": "vendor.rejected",
    "suspend": "vendor.suspended",
    "reactivate": "vendor.reactivated",
}
NEEDS_REASON = frozenset({"reject", "suspend"})
# The decisions each status offers (the vendor portal enforces its own transition table too).
OFFERED: dict[str, tuple[str, ...]] = {
    "pending": ("approve", "reject"),
    "approved": ("suspend",),
    "suspended": ("reactivate",),
    "rejected": ("approve",),
}
REASON_MAX = 1000


def decide(vendor: VendorSummary, decision: str, reason: str | None, *, actor: Any) -> bool:
    """Approve, reject, suspend or reactivate through the vendor portal; update the read model from its answer.

    Returns False when the vendor already had that status (nothing changed, nothing audited).
    PeerUnavailable and PeerError propagate untouched, before anything is written.
    """
    _require_manager(actor)
    if decision not in DECISIONS:
        raise FieldError("decision", "Choose approve, reject, suspend or reactivate.")
    reason = (reason or "").strip() or None
    if decision in NEEDS_REASON and reason is None:
        raise FieldError("reason", reason_missing(decision))
    if reason is not None and len(reason) > REASON_MAX:
        raise FieldError("reason", f"Use at most {REASON_MAX} characters.")
    before = vendor.decision_state()
    answer = VendorPortal().set_status(vendor.vendor_id, DECISIONS[decision], reason)
    # The answer is the vendor portal's state now; the vendor.status_changed event that follows says
    # the same. last_event_at is left alone so that event (and any later one) still applies.
    vendor.store_name = answer["store_name"]
    vendor.status = answer["status"]
    vendor.reason = answer.get("reason")
    db.session.flush()
    if vendor.decision_state() == before:
        return False
    audit.record(actor, AUDIT_ACTIONS[decision], "vendor", vendor.vendor_id, before, vendor.decision_state())
    return True


def reason_missing(decision: str) -> str:
    return f"Give the reason to {decision}; the vendor is shown it."


def set_commission(vendor: VendorSummary, rate: Decimal | str, *, actor: Any) -> bool:
    """Set the vendor's commission (percent of each sale, 0 to 100, two decimals). False when unchanged."""
    _require_manager(actor)
    rate = parse_rate(rate)
    if rate == vendor.commission_rate:
        return False
    before = {"commission_rate": vendor.commission_rate}
    vendor.commission_rate = rate
    db.session.flush()
    audit.record(actor, "vendor.commission_changed", "vendor", vendor.vendor_id, before, {"commission_rate": rate})
    return True


def parse_rate(rate: Decimal | str) -> Decimal:
    try:
        value = Decimal(str(rate).strip())
    except InvalidOperation:
        raise FieldError("commission_rate", "Enter a percentage such as 10 or 12.5.") from None
    if not value.is_finite() or not Decimal(0) <= value <= COMMISSION_MAX:
        raise FieldError("commission_rate", "Enter a percentage from 0 to 100.")
    if value != value.quantize(Decimal("0.01")):
        raise FieldError("commission_rate", "Use at most two decimal places.")
    return value.quantize(Decimal("0.01"))


def _require_manager(actor: Any) -> None:
    # Routes are guarded too; this keeps the rule true for every other caller of these operations.
    if actor is None or actor.role not in CATALOGUE_ROLES:
        raise NotAllowed("Only owners and catalogue managers can decide on vendors.")
