"""Staff actions on orders: cancel and refund, made by the storefront (which owns orders and payments).

The call comes first and the audit entry is written only for what the storefront did, so a storefront
that is down or refuses leaves no trace. Money never moves beyond what was paid: the storefront refuses
(409 refund_exceeds_paid) and its message is shown next to the amount.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from admin_portal import audit
from admin_portal.orders.client import StorefrontOrders
from common_core.errors import FieldError, NotAllowed

SUPPORT_ROLES = ("owner", "support")
CANCELLABLE = ("placed", "partially_cancelled")
SENT = ("shipped", "delivered")
REASON_MAX = 500  # the storefront keeps at most 500 characters of a cancel reason
REFUND_REASON_MAX = 1000
CENT = Decimal("0.01")


def cancellable(order: dict[str, Any]) -> bool:
    """Whether the page offers cancelling: placed and nothing sent yet (the storefront checks again)."""
    return order["status"] in CANCELLABLE and not any(part["status"] in SENT for part in order["parts"])


def cancel(order: dict[str, Any], reason: str, *, request_id: str, actor: Any) -> dict[str, Any]:
    """Cancel the whole order (the storefront refunds what is left of the payment); returns the order now."""
    _require_support(actor)
    reason = (reason or "").strip()
    if not reason:
        raise FieldError("reason", "Give the reason; the customer's order history shows it.")
    if len(reason) > REASON_MAX:
        raise FieldError("reason", f"Use at most {REASON_MAX} characters.")
    answer = StorefrontOrders().cancel(order["number"], reason=reason, request_id=request_id, actor=_actor(actor))
    if answer["status"] != order["status"]:
        audit.record(
            actor,
            "order.cancelled",
            "order",
            order["number"],
            {"status": order["status"], "refunded_total": order["refunded_total"]},
            {
                "status": answer["status"],
                "refunded_total": answer["refunded_total"],
                "reason": reason,
                "request_id": request_id,
            },
        )
    return answer


def refund(
    order: dict[str, Any],
    amount: str | None,
    reason: str,
    line_amounts: dict[str, str | None],
    *,
    refund_id: str,
    actor: Any,
) -> dict[str, Any]:
    """Refund part or all of an order, optionally spread over chosen lines; returns the storefront's
    {refund, order}. Without an amount, the lines' amounts add up to it. A refund_id the storefront has
    already applied answers the first refund and is not audited again."""
    _require_support(actor)
    plan = refund_plan(order, amount, line_amounts)
    reason = (reason or "").strip()
    if not reason:
        raise FieldError("reason", "Give the reason; the customer sees it on their order.")
    if len(reason) > REFUND_REASON_MAX:
        raise FieldError("reason", f"Use at most {REFUND_REASON_MAX} characters.")
    known = any(r["refund_id"] == refund_id for r in order["refunds"])
    answer = StorefrontOrders().refund(
        order["number"],
        refund_id=refund_id,
        amount=f"{plan['amount']:.2f}",
        reason=reason,
        lines=[{"line_id": line_id, "amount": f"{share:.2f}"} for line_id, share in plan["lines"].items()],
        actor=_actor(actor),
    )
    if not known:
        audit.record(
            actor,
            "order.refunded",
            "order",
            order["number"],
            {"refunded_total": order["refunded_total"]},
            {
                "refunded_total": answer["order"]["refunded_total"],
                "refund_id": refund_id,
                "amount": answer["refund"]["amount"],
                "reason": reason,
                "lines": ", ".join(f"{line_id}: {share:.2f}" for line_id, share in plan["lines"].items()) or None,
            },
        )
    return answer


def refund_plan(order: dict[str, Any], amount: str | None, line_amounts: dict[str, str | None]) -> dict[str, Any]:
    """{amount, lines: {line_id: amount}} of a refund form, or FieldError naming the field that is wrong.

    Only the form's shape is checked here; what may still be refunded is the storefront's to say.
    """
    known = {line["line_id"] for line in order["lines"]}
    lines: dict[str, Decimal] = {}
    for line_id, raw in line_amounts.items():
        if raw is None or not str(raw).strip():
            continue
        if line_id not in known:
            raise FieldError("amount", "That line is not part of this order. Reload the page.")
        lines[line_id] = parse_amount(raw, f"line-{line_id}")
    if amount is not None and str(amount).strip():
        total = parse_amount(amount, "amount")
    elif lines:
        total = sum(lines.values(), Decimal("0.00"))
    else:
        raise FieldError("amount", "Enter the amount to refund, or amounts on the lines to refund.")
    if sum(lines.values(), Decimal("0.00")) > total:
        raise FieldError("amount", "The lines' amounts add up to more than the amount to refund.")
    return {"amount": total, "lines": lines}


def parse_amount(value: str, field: str) -> Decimal:
    try:
        amount = Decimal(str(value).strip().replace(",", ""))
    except InvalidOperation:
        raise FieldError(field, "Enter an amount such as 12.50.") from None
    if not amount.is_finite() or amount <= 0:
        raise FieldError(field, "Enter an amount more than zero.")
    if amount != amount.quantize(CENT):
        raise FieldError(field, "Use at most two decimal places.")
    if amount >= Decimal("10000000000"):
        raise FieldError(field, "That amount is too large.")
    return amount.quantize(CENT)


def _actor(actor: Any) -> str:
    return f"staff:{actor.email}"


def _require_support(actor: Any) -> None:
    # Routes are guarded too; this keeps the rule true for every other caller of these operations.
    if actor is None or actor.role not in SUPPORT_ROLES:
        raise NotAllowed("Only owners and support staff can cancel or refund orders.")
