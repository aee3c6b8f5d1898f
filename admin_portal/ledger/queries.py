"""Reading the ledger: balances owed per vendor and one vendor's entries, newest first."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from flask import abort
from flask_sqlalchemy.pagination import Pagination

from admin_portal.extensions import db
from admin_portal.ledger.models import LedgerEntry
from admin_portal.vendors.models import VendorSummary

PER_PAGE = 50


class RowPagination(Pagination):
    """Flask-SQLAlchemy's pagination for a select of plain rows (its own returns only the first column)."""

    def _query_items(self) -> list[Any]:
        select = self._query_args["select"].limit(self.per_page).offset(self._query_offset)
        return list(db.session.execute(select).all())

    def _query_count(self) -> int:
        sub = self._query_args["select"].order_by(None).subquery()
        return db.session.execute(sa.select(sa.func.count()).select_from(sub)).scalar_one()


def _sum_of(*kinds: str) -> Any:
    return sa.func.coalesce(sa.func.sum(LedgerEntry.amount).filter(LedgerEntry.kind.in_(kinds)), 0)


def balances(page: int = 1, per_page: int = PER_PAGE) -> Pagination:
    """Per vendor and currency: sales, commission (net of returns), refunds, payouts and the balance owed."""
    balance = sa.func.sum(LedgerEntry.amount)
    select = (
        sa.select(
            LedgerEntry.vendor_id,
            LedgerEntry.currency,
            sa.func.coalesce(VendorSummary.store_name, sa.literal("")).label("store_name"),
            _sum_of("sale").label("sales"),
            _sum_of("commission", "commission_refund").label("commission"),
            _sum_of("refund").label("refunds"),
            _sum_of("payout").label("payouts"),
            balance.label("balance"),
        )
        .outerjoin(VendorSummary, VendorSummary.vendor_id == LedgerEntry.vendor_id)
        .group_by(LedgerEntry.vendor_id, LedgerEntry.currency, VendorSummary.store_name)
        .order_by(balance.desc(), LedgerEntry.vendor_id, LedgerEntry.currency)
    )
    return RowPagination(select=select, page=page, per_page=per_page, error_out=False)


def totals_owed() -> dict[str, Decimal]:
    """What the marketplace owes all vendors together, per currency."""
    rows = db.session.execute(
        sa.select(LedgerEntry.currency, sa.func.sum(LedgerEntry.amount))
        .group_by(LedgerEntry.currency)
        .order_by(LedgerEntry.currency)
    ).all()
    return dict(rows)


def balance_of(vendor_id: int) -> dict[str, Decimal]:
    """One vendor's balance owed, per currency it has entries in."""
    rows = db.session.execute(
        sa.select(LedgerEntry.currency, sa.func.sum(LedgerEntry.amount))
        .where(LedgerEntry.vendor_id == vendor_id)
        .group_by(LedgerEntry.currency)
        .order_by(LedgerEntry.currency)
    ).all()
    return dict(rows)


def balance_owed(vendor_id: int, currency: str) -> Decimal:
    return db.session.execute(
        sa.select(sa.func.coalesce(sa.func.sum(LedgerEntry.amount), 0)).where(
            LedgerEntry.vendor_id == vendor_id, LedgerEntry.currency == currency
        )
    ).scalar_one()


def entries_of(vendor_id: int, page: int = 1, per_page: int = PER_PAGE) -> Pagination:
    query = (
        sa.select(LedgerEntry)
        .where(LedgerEntry.vendor_id == vendor_id)
        .order_by(LedgerEntry.id.desc())  # ids grow with time, and never tie
    )
    return db.paginate(query, page=page, per_page=per_page, error_out=False)


def vendor_name(vendor_id: int) -> str:
    name = db.session.scalar(sa.select(VendorSummary.store_name).where(VendorSummary.vendor_id == vendor_id))
    return name or f"Vendor {vendor_id}"


def ledger_vendor_or_404(vendor_id: int) -> str:
    """The vendor's name, if the ledger or the vendor read model knows the vendor."""
    known = db.session.scalar(
        sa.select(
            sa.exists().where(LedgerEntry.vendor_id == vendor_id)
            | sa.exists().where(VendorSummary.vendor_id == vendor_id)
        )
    )
    if not known:
        abort(404)
    return vendor_name(vendor_id)
