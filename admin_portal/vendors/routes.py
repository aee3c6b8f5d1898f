"""Vendor pages (owners and catalogue managers): the list, the approval queue, a vendor's detail and
the staff actions on it. Thin views over vendors.operations."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from admin_portal.extensions import db
from admin_portal.peers import peer_call
from admin_portal.staff.access import CATALOGUE_ROLES, roles_required
from admin_portal.vendors import operations, queries
from admin_portal.vendors.client import PEER
from admin_portal.vendors.forms import CommissionForm, DecisionForm, VendorSearchForm
from admin_portal.vendors.models import VendorSummary
from common_core.errors import FieldError, PeerError
from common_core.web import attach_field_error

bp = Blueprint("vendors", __name__, url_prefix="/vendors", template_folder="templates")

UNAVAILABLE = "The vendor portal is unavailable right now; nothing was changed."
DONE = {
    "approve": "{name} is approved and can publish products.",
    "reject": "{name} is rejected. They are shown your reason.",
    "suspend": "{name} is suspended; its products are withdrawn from the shop.",
    "reactivate": "{name} is active again.",
}


@bp.get("")
@roles_required(*CATALOGUE_ROLES)
def index() -> Any:
    form = VendorSearchForm(formdata=request.args)
    valid = form.validate()
    sort, direction = queries.sort_order(request.args.get("sort"), request.args.get("dir"))
    page = queries.search(
        status=form.status.data if valid else None,
        text=form.q.data if valid else None,
        sort=sort,
        direction=direction,
        page=request.args.get("page", 1, type=int),
    )
    return render_template("vendors/list.html", form=form, page=page, sort=sort, direction=direction), (
        200 if valid else 422
    )


@bp.get("/queue")
@roles_required(*CATALOGUE_ROLES)
def queue() -> Any:
    page = queries.approval_queue(page=request.args.get("page", 1, type=int))
    return render_template("vendors/queue.html", page=page)


@bp.get("/<int:vendor_id>")
@roles_required(*CATALOGUE_ROLES)
def detail(vendor_id: int) -> Any:
    return _detail_page(queries.vendor_or_404(vendor_id))


@bp.post("/<int:vendor_id>/decision")
@roles_required(*CATALOGUE_ROLES)
def decide(vendor_id: int) -> Any:
    vendor = queries.vendor_or_404(vendor_id)
    form = DecisionForm()
    if not form.validate_on_submit():
        return _detail_page(vendor, decision_form=form), 422
    decision = form.decision.data
    try:
        with peer_call(PEER, message=UNAVAILABLE, rollback=True) as call:
            changed = operations.decide(vendor, decision, form.reason.data, actor=current_user)
    except FieldError as exc:
        attach_field_error(form, exc)
        return _detail_page(vendor, decision_form=form), 422
    except PeerError as exc:
        # The vendor portal understood and refused (409: that move is not allowed from its status now).
        db.session.rollback()
        form.form_errors.append(exc.message)
        return _detail_page(vendor, decision_form=form), exc.status
    if call.unavailable:
        # The page says so (peer_call's notice) and shows the vendor as it was: nothing was changed.
        return _detail_page(vendor, decision_form=form), 503
    db.session.commit()
    if changed:
        flash(DONE[decision].format(name=vendor.store_name), "success")
    else:
        flash(f"{vendor.store_name} is already {vendor.status}; nothing was changed.", "info")
    if form.back.data == "queue":
        return redirect(url_for(".queue"))
    return redirect(url_for(".detail", vendor_id=vendor.vendor_id))


@bp.post("/<int:vendor_id>/commission")
@roles_required(*CATALOGUE_ROLES)
def commission(vendor_id: int) -> Any:
    vendor = queries.vendor_or_404(vendor_id)
    form = CommissionForm()
    if form.validate_on_submit():
        try:
            changed = operations.set_commission(vendor, form.commission_rate.data, actor=current_user)
        except FieldError as exc:
            attach_field_error(form, exc)
        else:
            db.session.commit()
            if changed:
                flash(f"{vendor.store_name}'s commission is now {vendor.commission_rate:.2f} %.", "success")
            else:
                flash("The commission rate was already that; nothing was changed.", "info")
            return redirect(url_for(".detail", vendor_id=vendor.vendor_id))
    return _detail_page(vendor, commission_form=form), 422


def _detail_page(
    vendor: VendorSummary,
    *,
    decision_form: DecisionForm | None = None,
    commission_form: CommissionForm | None = None,
) -> str:
    return render_template(
        "vendors/detail.html",
        vendor=vendor,
        offered=operations.OFFERED[vendor.status],
        needs_reason=operations.NEEDS_REASON,
        decision_form=decision_form or DecisionForm(formdata=None),
        commission_form=commission_form
        or CommissionForm(formdata=None, commission_rate=f"{vendor.commission_rate:.2f}"),
    )
