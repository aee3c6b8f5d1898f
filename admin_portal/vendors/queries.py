"""Read-only lookups of the vendor read model."""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort
from flask_sqlalchemy.pagination import Pagination

from admin_portal.extensions import db
from admin_portal.vendors.models import VendorSummary

PER_PAGE = 25
# Sort keys the list page offers, and the column each one orders by.
SORTS = {
    "store_name": VendorSummary.store_name,
    "email": VendorSummary.email,
    "status": VendorSummary.status,
    "signed_up_at": VendorSummary.signed_up_at,
    "commission_rate": VendorSummary.commission_rate,
}
DEFAULT_SORT = ("signed_up_at", "desc")


def sort_order(sort: str | None, direction: str | None) -> tuple[str, str]:
    """The order asked for if the list offers it, else the default (newest sign-ups first)."""
    if sort not in SORTS:
        return DEFAULT_SORT
    return sort, direction if direction in ("asc", "desc") else "asc"


def vendor_or_404(vendor_id: int) -> VendorSummary:
    vendor = db.session.get(VendorSummary, vendor_id)
    if vendor is None:
        abort(404)
    return vendor


def search(
    *,
    status: str | None = None,
    text: str | None = None,
    sort: str = DEFAULT_SORT[0],
    direction: str = DEFAULT_SORT[1],
    page: int = 1,
    per_page: int = PER_PAGE,
) -> Pagination:
    query = sa.select(VendorSummary)
    if status:
        query = query.where(VendorSummary.status == status)
    if text and text.strip():
        needle = text.strip()
        query = query.where(
            sa.or_(
                VendorSummary.store_name.icontains(needle, autoescape=True),
                VendorSummary.email.icontains(needle, autoescape=True),
            )
        )
    column = SORTS.get(sort, SORTS[DEFAULT_SORT[0]])
    ordered = column.desc().nulls_last() if direction == "desc" else column.asc().nulls_last()
    # vendor_id breaks ties, so paging never shows a row twice or skips one.
    query = query.order_by(ordered, VendorSummary.vendor_id)
    return db.paginate(query, page=page, per_page=per_page, error_out=False)


def approval_queue(page: int = 1, per_page: int = PER_PAGE) -> Pagination:
    """Pending vendors, the longest-waiting first."""
    query = (
        sa.select(VendorSummary)
        .where(VendorSummary.status == "pending")
        .order_by(VendorSummary.signed_up_at.asc().nulls_last(), VendorSummary.vendor_id)
    )
    return db.paginate(query, page=page, per_page=per_page, error_out=False)


def pending_count() -> int:
    return db.session.execute(
        sa.select(sa.func.count()).select_from(VendorSummary).where(VendorSummary.status == "pending")
    ).scalar_one()
