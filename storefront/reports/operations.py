"""Sending a shopper's report of a product to admin_portal's moderation queue.

Nothing is written to the storefront's database: the report lives in admin_portal, and the report_id the
form carries makes a repeat (a double submit, a retry after admin was down) the same report.
"""

from __future__ import annotations

from dataclasses import dataclass

from common_core.errors import InvalidInput, PeerError
from storefront.account.models import Customer
from storefront.catalog.models import Product
from storefront.internal.peers import AdminPortalClient

REASON_MAX = 1000  # what admin_portal's endpoint accepts


@dataclass(frozen=True)
class ReportReceipt:
    flag_id: int
    duplicate: bool


def report_text(reason: str, details: str | None) -> str:
    """What admin's moderators read: the reason chosen, then the shopper's words, within admin's limit."""
    details = (details or "").strip()
    return (f"{reason}: {details}" if details else reason)[:REASON_MAX].strip()


def report_product(
    product: Product,
    reason: str,
    details: str | None,
    *,
    customer: Customer | None,
    email: str | None,
    report_id: str,
    client: AdminPortalClient | None = None,
) -> ReportReceipt:
    """Report a listed product as `customer` (None for a guest, who may leave an email).

    Raises PeerUnavailable when admin_portal cannot be reached, and InvalidInput when it refuses the report.
    """
    reporter = f"customer:{customer.id}" if customer is not None else (email or None)
    try:
        answer = (client or AdminPortalClient()).report_product(
            product.id, report_text(reason, details), reporter, report_id
        )
    except PeerError as exc:
        if exc.status != 422:
            raise
        raise InvalidInput(
            "Our team's system did not accept this report. Please check what you wrote and send it again."
        ) from exc
    return ReportReceipt(flag_id=answer["flag_id"], duplicate=answer["duplicate"])
