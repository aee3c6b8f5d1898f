"""Order pages (owners and support): search and export, one order with each store's part, its timeline,
payments and refunds, and cancelling or refunding it (each confirmed on a page of its own, so it works
without JavaScript). Thin views over orders.operations."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from admin_portal import audit
from admin_portal.audit import queries as audit_queries
from admin_portal.extensions import db
from admin_portal.orders import operations
from admin_portal.orders.client import PEER, StorefrontOrders
from admin_portal.orders.export import EXPORT_MAX, orders_csv
from admin_portal.orders.forms import CancelForm, OrderSearchForm, RefundForm
from admin_portal.peers import peer_call
from admin_portal.products.paging import PeerPage, parse_times
from admin_portal.products.queries import vendor_choices
from admin_portal.staff.access import roles_required
from common_core.errors import FieldError, PeerError
from common_core.web import attach_field_error

bp = Blueprint("orders", __name__, url_prefix="/orders", template_folder="templates")

PER_PAGE = 25
UNAVAILABLE = "The storefront is unavailable right now; nothing was changed."
READ_UNAVAILABLE = "The storefront is unavailable right now, so orders cannot be shown. Try again in a moment."
# Order numbers as the storefront makes them; anything else cannot be an order (and is not sent on).
NUMBER = re.compile(r"^[A-Z0-9][A-Z0-9-]{0,31}$")
ORDER_TIMES = ("placed_at", "created_at")
_UNSET: Any = object()


@bp.get("")
@roles_required(*operations.SUPPORT_ROLES)
def index() -> Any:
    form = OrderSearchForm(formdata=request.args).with_vendors(vendor_choices())
    if not form.validate():
        return _list_page(form, None), 422
    page = None
    try:
        with peer_call(PEER, message=READ_UNAVAILABLE):
            answer = StorefrontOrders().search(
                form.filters(), page=max(1, request.args.get("page", 1, type=int) or 1), per_page=PER_PAGE
            )
            page = PeerPage(answer, "orders", times=ORDER_TIMES)
    except PeerError as exc:
        form.form_errors.append(exc.message)
        return _list_page(form, None), 422
    return _list_page(form, page)


@bp.get("/export.csv")
@roles_required(*operations.SUPPORT_ROLES)
def export() -> Any:
    form = OrderSearchForm(formdata=request.args).with_vendors(vendor_choices())
    if not form.validate():
        return _list_page(form, None), 422
    filters = form.filters()
    orders: list[dict[str, Any]] = []
    try:
        with peer_call(PEER, message="The storefront is unavailable right now; nothing was exported.") as call:
            orders = list(StorefrontOrders().each_order(filters, limit=EXPORT_MAX))
    except PeerError as exc:
        form.form_errors.append(exc.message)
        return _list_page(form, None), 422
    if call.unavailable:
        return _list_page(form, None), 503
    # Orders carry customers' emails: who took a copy of which ones is worth keeping.
    audit.record(
        current_user,
        "orders.exported",
        "orders",
        "export",
        None,
        {**{k: v for k, v in filters.items() if v not in (None, "")}, "rows": len(orders)},
    )
    db.session.commit()
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M")
    return Response(
        orders_csv(orders),
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="orders-{stamp}.csv"',
            "Cache-Control": "no-store",
        },
    )


@bp.get("/<number>")
@roles_required(*operations.SUPPORT_ROLES)
def detail(number: str) -> Any:
    return _detail_page(number)


@bp.post("/<number>/cancel")
@roles_required(*operations.SUPPORT_ROLES)
def cancel(number: str) -> Any:
    form = CancelForm()
    order = _fetch(number)
    if order is None:
        return _detail_page(number, order=None, cancel_form=form, status=503)
    if not form.validate_on_submit():
        return _detail_page(number, order=order, cancel_form=form, status=422)
    if form.confirmed.data != "yes":
        return render_template("orders/confirm_cancel.html", form=form, order=order)
    try:
        with peer_call(PEER, message=UNAVAILABLE, rollback=True) as call:
            answer = operations.cancel(order, form.reason.data, request_id=form.request_id.data, actor=current_user)
    except FieldError as exc:
        attach_field_error(form, exc)
        return _detail_page(number, order=order, cancel_form=form, status=422)
    except PeerError as exc:
        db.session.rollback()
        form.form_errors.append(exc.message)
        return _detail_page(number, order=order, cancel_form=form, status=exc.status)
    if call.unavailable:
        return _detail_page(number, order=None, cancel_form=form, status=503)
    db.session.commit()
    if answer["status"] == order["status"]:
        flash(f"Order {number} was already {answer['status']}; nothing was changed.", "info")
    else:
        flash(f"Order {number} is cancelled; the customer is refunded {answer['refunded_total']}.", "success")
    return redirect(url_for(".detail", number=number))


@bp.post("/<number>/refund")
@roles_required(*operations.SUPPORT_ROLES)
def refund(number: str) -> Any:
    form = RefundForm()
    order = _fetch(number)
    if order is None:
        return _detail_page(number, order=None, refund_form=form, status=503)
    form.for_order(order)
    if not form.validate_on_submit():
        return _detail_page(number, order=order, refund_form=form, status=422)
    if form.confirmed.data != "yes":
        try:
            plan = operations.refund_plan(order, form.amount.data, form.line_amounts())
        except FieldError as exc:
            _attach_refund_error(form, exc.field, exc.message)
            return _detail_page(number, order=order, refund_form=form, status=422)
        return render_template("orders/confirm_refund.html", form=form, order=order, plan=plan)
    try:
        with peer_call(PEER, message=UNAVAILABLE, rollback=True) as call:
            answer = operations.refund(
                order,
                form.amount.data,
                form.reason.data,
                form.line_amounts(),
                refund_id=form.refund_id.data,
                actor=current_user,
            )
    except FieldError as exc:
        _attach_refund_error(form, exc.field, exc.message)
        return _detail_page(number, order=order, refund_form=form, status=422)
    except PeerError as exc:
        db.session.rollback()
        # "At most €73.80 can still be refunded." goes next to the amount (or the line) it is about.
        details = exc.body.get("details") or {}
        field = f"line-{details['line_id']}" if details.get("line_id") else details.get("field") or "amount"
        _attach_refund_error(form, "amount" if field == "lines" else field, exc.message)
        return _detail_page(number, order=order, refund_form=form, status=exc.status)
    if call.unavailable:
        return _detail_page(number, order=None, refund_form=form, status=503)
    db.session.commit()
    refund_row = answer["refund"]
    flash(f"{refund_row['amount']} {refund_row['currency']} is refunded on order {number}.", "success")
    return redirect(url_for(".detail", number=number))


# --- pages ---------------------------------------------------------------------------------------------------


def _fetch(number: str) -> dict[str, Any] | None:
    """The order as the storefront has it now; None when it is down (the page says so); 404 if unknown."""
    if not NUMBER.match(number):
        abort(404)
    try:
        with peer_call(PEER, message=READ_UNAVAILABLE):
            order = StorefrontOrders().order(number)
            return {
                **parse_times(order, *ORDER_TIMES),
                "parts": [parse_times(p, "updated_at") for p in order["parts"]],
                "timeline": [parse_times(step, "at") for step in order["timeline"]],
                "payments": [parse_times(p, "created_at") for p in order["payments"]],
                "refunds": [parse_times(r, "created_at") for r in order["refunds"]],
            }
    except PeerError as exc:
        if exc.status == 404:
            abort(404)
        raise
    return None


def _attach_refund_error(form: RefundForm, field: str, message: str) -> None:
    if field.startswith("line-"):
        entry = next((e for e in form.lines if e.line_id.data == field[len("line-") :]), None)
        if entry is not None:
            entry.amount.errors = [*entry.amount.errors, message]
            return
        field = "amount"
    attach_field_error(form, FieldError(field, message))


def _list_page(form: OrderSearchForm, page: PeerPage | None) -> str:
    export_args = {k: v for k, v in request.args.items() if k != "page" and v}
    return render_template("orders/list.html", form=form, page=page, export_args=export_args, export_max=EXPORT_MAX)


def _detail_page(
    number: str,
    *,
    order: dict[str, Any] | None = _UNSET,
    cancel_form: CancelForm | None = None,
    refund_form: RefundForm | None = None,
    status: int = 200,
) -> Any:
    if order is _UNSET:
        order = _fetch(number)
    if order is not None and refund_form is None:
        refund_form = RefundForm(formdata=None).for_order(order)
    parts = []
    if order is not None:
        lines_by_vendor: dict[int, list[dict[str, Any]]] = {}
        for line in order["lines"]:
            lines_by_vendor.setdefault(line["vendor_id"], []).append(line)
        parts = [{**part, "lines": lines_by_vendor.get(part["vendor_id"], [])} for part in order["parts"]]
    stores = {part["vendor_id"]: part["vendor_name"] for part in parts}
    page = render_template(
        "orders/detail.html",
        number=number,
        order=order,
        parts=parts,
        stores=stores,
        cancellable=order is not None and operations.cancellable(order),
        cancel_form=cancel_form or CancelForm(formdata=None),
        refund_form=refund_form or RefundForm(formdata=None),
        audit_entries=audit_queries.entries_for("order", number),
    )
    return page, status
