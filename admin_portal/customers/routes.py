"""Customer pages (owners and support): search, one customer with their orders, and suspending or
reactivating them (confirmed on a page of its own, so it works without JavaScript). Thin views."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from admin_portal.audit import queries as audit_queries
from admin_portal.customers import operations
from admin_portal.customers.client import PEER, StorefrontCustomers
from admin_portal.customers.forms import CustomerSearchForm, StatusForm
from admin_portal.extensions import db
from admin_portal.orders.client import StorefrontOrders
from admin_portal.peers import peer_call
from admin_portal.products.paging import PeerPage, parse_times, peer_id
from admin_portal.staff.access import roles_required
from common_core.errors import FieldError, PeerError
from common_core.web import attach_field_error

bp = Blueprint("customers", __name__, url_prefix="/customers", template_folder="templates")

PER_PAGE = 25
ORDERS_PER_PAGE = 10
UNAVAILABLE = "The storefront is unavailable right now; nothing was changed."
READ_UNAVAILABLE = "The storefront is unavailable right now, so customers cannot be shown. Try again in a moment."
DONE = {
    "suspended": "{name} is suspended and signed out everywhere; they cannot sign in until reactivated.",
    "active": "{name} is active again and can sign in.",
}
_UNSET: Any = object()


@bp.get("")
@roles_required(*operations.SUPPORT_ROLES)
def index() -> Any:
    form = CustomerSearchForm(formdata=request.args)
    if not form.validate():
        return render_template("customers/list.html", form=form, page=None), 422
    page = None
    try:
        with peer_call(PEER, message=READ_UNAVAILABLE):
            answer = StorefrontCustomers().search(
                q=(form.q.data or "").strip() or None,
                status=form.status.data or None,
                page=max(1, request.args.get("page", 1, type=int) or 1),
                per_page=PER_PAGE,
            )
            page = PeerPage(answer, "customers", times=("created_at",))
    except PeerError as exc:
        form.form_errors.append(exc.message)
        return render_template("customers/list.html", form=form, page=None), 422
    return render_template("customers/list.html", form=form, page=page)


@bp.get("/<int:customer_id>")
@roles_required(*operations.SUPPORT_ROLES)
def detail(customer_id: int) -> Any:
    return _detail_page(customer_id)


@bp.post("/<int:customer_id>/status")
@roles_required(*operations.SUPPORT_ROLES)
def status(customer_id: int) -> Any:
    form = StatusForm()
    customer = _fetch(customer_id)
    if customer is None:
        return _detail_page(customer_id, customer=None, form=form, status=503)
    if not form.validate_on_submit():
        return _detail_page(customer_id, customer=customer, form=form, status=422)
    if form.confirmed.data != "yes":
        return render_template("customers/confirm_status.html", form=form, customer=customer)
    try:
        with peer_call(PEER, message=UNAVAILABLE, rollback=True) as call:
            answer = operations.set_status(
                customer, form.status.data, form.reason.data, request_id=form.request_id.data, actor=current_user
            )
    except FieldError as exc:
        attach_field_error(form, exc)
        return _detail_page(customer_id, customer=customer, form=form, status=422)
    except PeerError as exc:
        db.session.rollback()
        if exc.status == 404:
            abort(404)
        form.form_errors.append(exc.message)
        return _detail_page(customer_id, customer=customer, form=form, status=exc.status)
    if call.unavailable:
        return _detail_page(customer_id, customer=None, form=form, status=503)
    db.session.commit()
    if answer["status"] == customer["status"]:
        flash(f"{customer['name']} was already {answer['status']}; nothing was changed.", "info")
    else:
        flash(DONE[answer["status"]].format(name=customer["name"]), "success")
    return redirect(url_for(".detail", customer_id=customer_id))


def _fetch(customer_id: int) -> dict[str, Any] | None:
    """The customer as the storefront has them now; None when it is down (the page says so); 404 if unknown."""
    peer_id(customer_id)
    try:
        with peer_call(PEER, message=READ_UNAVAILABLE):
            return parse_times(StorefrontCustomers().customer(customer_id), "created_at")
    except PeerError as exc:
        if exc.status == 404:
            abort(404)
        raise
    return None


def _detail_page(
    customer_id: int, *, customer: dict[str, Any] | None = _UNSET, form: StatusForm | None = None, status: int = 200
) -> Any:
    if customer is _UNSET:
        customer = _fetch(customer_id)
    orders = None
    if customer is not None:
        with peer_call(PEER, message="The storefront is unavailable right now, so their orders cannot be shown."):
            answer = StorefrontOrders().search(
                {"customer_id": customer_id},
                page=max(1, request.args.get("page", 1, type=int) or 1),
                per_page=ORDERS_PER_PAGE,
            )
            orders = PeerPage(answer, "orders", times=("placed_at", "created_at"))
    if form is None and customer is not None:
        form = StatusForm(formdata=None, status="suspended" if customer["status"] == "active" else "active")
    page = render_template(
        "customers/detail.html",
        customer_id=customer_id,
        customer=customer,
        orders=orders,
        form=form or StatusForm(formdata=None),
        audit_entries=audit_queries.entries_for("customer", customer_id),
    )
    return page, status
