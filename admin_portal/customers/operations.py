"""Staff actions on customers. The storefront owns customers: the call comes first and the audit entry is
written only for a change it made, so a storefront that is down or refuses leaves no trace."""

from __future__ import annotations

from typing import Any

from admin_portal import audit
from admin_portal.customers.client import StorefrontCustomers
from common_core.errors import FieldError, NotAllowed

SUPPORT_ROLES = ("owner", "support")
STATUS_LABELS = {"active": "Active", "suspended": "Suspended"}
AUDIT_ACTIONS = {"suspended": "customer.suspended", "active": "customer.reactivated"}
REASON_MAX = 1000


def set_status(customer: dict[str, Any], status: str, reason: str, *, request_id: str, actor: Any) -> dict[str, Any]:
    """Suspend (the storefront ends all their sessions) or reactivate `customer` (the storefront's view of
    them, as the page showed it). Returns the customer as the storefront has them now."""
    if actor is None or actor.role not in SUPPORT_ROLES:
        raise NotAllowed("Only owners and support staff can suspend or reactivate customers.")
    if status not in STATUS_LABELS:
        raise FieldError("status", "Choose suspend or reactivate.")
    reason = (reason or "").strip()
    if not reason:
        raise FieldError("reason", "Give the reason; it is kept in the audit log.")
    if len(reason) > REASON_MAX:
        raise FieldError("reason", f"Use at most {REASON_MAX} characters.")
    answer = StorefrontCustomers().set_status(customer["customer_id"], status, reason, request_id)
    if answer["status"] != customer["status"]:
        audit.record(
            actor,
            AUDIT_ACTIONS[answer["status"]],
            "customer",
            customer["customer_id"],
            {"status": customer["status"]},
            {"status": answer["status"], "reason": reason, "request_id": request_id},
        )
    return answer
