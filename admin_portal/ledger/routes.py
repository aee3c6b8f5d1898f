"""Ledger pages: balances owed (owners; analysts read only), one vendor's entries, and recording a payout
(owners only, confirmed on a page of its own so it works without JavaScript). Thin views."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from admin_portal.extensions import db
from admin_portal.ledger import operations, queries
from admin_portal.ledger.forms import PayoutForm
from admin_portal.staff.access import roles_required
from common_core.errors import FieldError
from common_core.web import attach_field_error

bp = Blueprint("ledger", __name__, url_prefix="/ledger", template_folder="templates")

READERS = ("owner", "analyst")


@bp.get("")
@roles_required(*READERS)
def index() -> Any:
    page = queries.balances(page=request.args.get("page", 1, type=int))
    return render_template("ledger/index.html", page=page, totals=queries.totals_owed())


@bp.get("/vendors/<int:vendor_id>")
@roles_required(*READERS)
def vendor(vendor_id: int) -> Any:
    return _vendor_page(vendor_id, queries.ledger_vendor_or_404(vendor_id))


@bp.post("/vendors/<int:vendor_id>/payout")
@roles_required("owner")
def payout(vendor_id: int) -> Any:
    name = queries.ledger_vendor_or_404(vendor_id)
    form = PayoutForm().with_currencies(list(queries.balance_of(vendor_id)))
    if not form.validate_on_submit():
        return _vendor_page(vendor_id, name, form=form), 422
    if form.confirmed.data != "yes":
        try:
            amount = operations.parse_amount(form.amount.data)
        except FieldError as exc:
            attach_field_error(form, exc)
            return _vendor_page(vendor_id, name, form=form), 422
        return render_template("ledger/confirm_payout.html", form=form, vendor_id=vendor_id, name=name, amount=amount)
    try:
        entry = operations.record_payout(
            vendor_id, form.currency.data, form.amount.data, form.reference.data, actor=current_user
        )
    except FieldError as exc:
        db.session.rollback()
        attach_field_error(form, exc)
        return _vendor_page(vendor_id, name, form=form), 422
    db.session.commit()
    flash(f"Payout of {-entry.amount:.2f} {entry.currency} to {name} is recorded.", "success")
    return redirect(url_for(".vendor", vendor_id=vendor_id))


def _vendor_page(vendor_id: int, name: str, *, form: PayoutForm | None = None) -> str:
    balance = queries.balance_of(vendor_id)
    if form is None:
        form = PayoutForm(formdata=None).with_currencies(list(balance))
    return render_template(
        "ledger/vendor.html",
        vendor_id=vendor_id,
        name=name,
        balance=balance,
        page=queries.entries_of(vendor_id, page=request.args.get("page", 1, type=int)),
        form=form,
    )
