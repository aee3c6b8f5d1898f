"""Order pages of the signed-in store: thin views over orders.operations, every lookup scoped by orders_of()."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from common_core.errors import FieldError, InvalidInput, InvalidTransition
from common_core.web import attach_field_error
from vendor_portal.extensions import db
from vendor_portal.orders import operations
from vendor_portal.orders.formatting import template_helpers
from vendor_portal.orders.forms import ShipForm, cancel_form_for
from vendor_portal.orders.models import VendorOrder
from vendor_portal.orders.queries import STATUS_FILTERS, OrderListing, actor_names, orders_of

bp = Blueprint("orders", __name__, url_prefix="/orders", template_folder="templates")
bp.context_processor(template_helpers)


@bp.get("")
@login_required
def index() -> Any:
    orders = orders_of(current_user.vendor)
    listing = OrderListing.from_args(request.args)
    page = orders.search(listing, request.args.get("page", 1, type=int))
    return render_template(
        "orders/list.html", page=page, listing=listing, counts=orders.count_by_status(), filters=STATUS_FILTERS
    )


@bp.get("/<int:vendor_order_id>")
@login_required
def detail(vendor_order_id: int) -> Any:
    order = orders_of(current_user.vendor).get_or_404(vendor_order_id)
    return _detail_page(order, ShipForm())


@bp.post("/<int:vendor_order_id>/acknowledge")
@login_required
def acknowledge(vendor_order_id: int) -> Any:
    return _step(vendor_order_id, operations.acknowledge, "Order {number} is acknowledged.")


@bp.post("/<int:vendor_order_id>/pack")
@login_required
def pack(vendor_order_id: int) -> Any:
    return _step(vendor_order_id, operations.mark_packed, "Order {number} is marked as packed.")


@bp.post("/<int:vendor_order_id>/deliver")
@login_required
def deliver(vendor_order_id: int) -> Any:
    return _step(vendor_order_id, operations.mark_delivered, "Order {number} is marked as delivered.")


@bp.post("/<int:vendor_order_id>/ship")
@login_required
def ship(vendor_order_id: int) -> Any:
    order = orders_of(current_user.vendor).get_or_404(vendor_order_id, for_update=True)
    form = ShipForm()
    if form.validate_on_submit():
        try:
            operations.ship(
                order, carrier=form.carrier_name(), tracking_number=form.tracking_number.data, actor=current_user
            )
        except InvalidTransition as exc:
            return _refused(order, exc)
        except FieldError as exc:
            db.session.rollback()
            attach_field_error(form, exc)
        else:
            db.session.commit()
            flash(f"Order {order.number} is shipped. The shopper gets the tracking number.", "success")
            return redirect(url_for(".detail", vendor_order_id=order.id))
    return _detail_page(order, form), 422


@bp.route("/<int:vendor_order_id>/cancel", methods=["GET", "POST"])
@login_required
def cancel(vendor_order_id: int) -> Any:
    """Choose what to cancel, confirm on a second page (no JavaScript needed), then cancel."""
    order = orders_of(current_user.vendor).get_or_404(vendor_order_id, for_update=request.method == "POST")
    if not operations.can_cancel(order):
        flash(f"Order {order.number} is {order.status}; it can no longer be cancelled.", "error")
        return redirect(url_for(".detail", vendor_order_id=order.id))
    form = cancel_form_for(order, fill_all=request.args.get("all") == "1")
    step = request.form.get("step", "review")
    if request.method == "POST" and step != "edit" and form.validate_on_submit():
        if step != "confirm":
            return render_template("orders/cancel.html", order=order, form=form, confirming=True)
        try:
            cancelled = operations.cancel_lines(order, form.quantities(), note=form.note.data, actor=current_user)
        except FieldError as exc:
            db.session.rollback()
            attach_field_error(form, exc)
        except InvalidInput as exc:
            db.session.rollback()
            form.form_errors.append(exc.message)
        else:
            db.session.commit()
            units = sum(c.quantity for c in cancelled)
            flash(
                f"Order {order.number} is cancelled; its stock is back on sale."
                if order.status == "cancelled"
                else f"{units} item{'s' if units != 1 else ''} of order {order.number} cancelled and back in stock.",
                "success",
            )
            return redirect(url_for(".detail", vendor_order_id=order.id))
    status = 422 if form.errors or form.form_errors else 200
    return render_template("orders/cancel.html", order=order, form=form, confirming=False), status


def _step(vendor_order_id: int, operation: Callable[..., None], done: str) -> Any:
    order = orders_of(current_user.vendor).get_or_404(vendor_order_id, for_update=True)
    try:
        operation(order, actor=current_user)
    except InvalidTransition as exc:
        return _refused(order, exc)
    db.session.commit()
    flash(done.format(number=order.number), "success")
    return redirect(url_for(".detail", vendor_order_id=order.id))


def _refused(order: VendorOrder, exc: InvalidTransition) -> Any:
    target = url_for(".detail", vendor_order_id=order.id)
    db.session.rollback()
    flash(exc.message, "error")
    return redirect(target)


def _detail_page(order: VendorOrder, ship_form: ShipForm) -> str:
    return render_template(
        "orders/detail.html",
        order=order,
        ship_form=ship_form,
        allowed=operations.TRANSITIONS[order.status],
        actors=actor_names(order.history),
    )
