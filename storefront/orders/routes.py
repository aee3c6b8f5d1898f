"""Order pages: a customer's history and orders, a guest's signed link, cancelling before shipment.

Every order is loaded through a scoping helper (orders of this customer, or the order a valid signed
link names), so another customer's order, a tampered link or an expired one is simply not found.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from common_core.errors import Conflict
from storefront.extensions import db
from storefront.formatting import format_money
from storefront.orders import operations, queries
from storefront.orders.models import Order

bp = Blueprint("orders", __name__, url_prefix="/orders", template_folder="templates")

CANCEL_REASON = "Cancelled by the customer"


@bp.app_template_global()
def order_status_label(status: str) -> str:
    return queries.status_label(status)


@bp.get("")
@login_required
def history() -> Any:
    page = queries.history(current_user.id, request.args.get("page", 1, type=int) or 1)
    return render_template("orders/list.html", page=page)


@bp.get("/<number>")
@login_required
def detail(number: str) -> Any:
    order = queries.customer_order(current_user.id, number) or abort(404)
    return _detail_page(order, cancel_url=url_for(".cancel", number=number), back_url=url_for(".history"))


@bp.route("/<number>/cancel", methods=["GET", "POST"])
@login_required
def cancel(number: str) -> Any:
    order = queries.customer_order(current_user.id, number) or abort(404)
    return _cancel(order, actor=f"customer:{current_user.id}", done_url=url_for(".detail", number=number))


@bp.get("/view/<token>")
def guest_view(token: str) -> Any:
    order = queries.order_from_token(token)
    if order is None:
        return render_template("orders/link_not_found.html"), 404
    return _detail_page(order, cancel_url=url_for(".guest_cancel", token=token), back_url=None)


@bp.route("/view/<token>/cancel", methods=["GET", "POST"])
def guest_cancel(token: str) -> Any:
    order = queries.order_from_token(token)
    if order is None:
        return render_template("orders/link_not_found.html"), 404
    actor = f"customer:{order.customer_id}" if order.customer_id else f"guest:{order.email}"
    return _cancel(order, actor=actor, done_url=url_for(".guest_view", token=token))


# --- helpers -----------------------------------------------------------------------------------------


def _detail_page(order: Order, *, cancel_url: str, back_url: str | None) -> Any:
    return render_template(
        "orders/detail.html",
        order=order,
        parts=queries.parts_of(order),
        timeline=queries.order_timeline(order),
        payment=queries.captured_payment(order),
        can_cancel=queries.can_cancel(order),
        cancel_url=cancel_url,
        back_url=back_url,
    )


def _cancel(order: Order, *, actor: str, done_url: str) -> Any:
    if not queries.can_cancel(order):
        flash("This order can no longer be cancelled: part of it has been sent, or it is already closed.", "error")
        return redirect(done_url, 303)
    if request.method == "GET":
        # The confirmation step (needed without JavaScript, where no confirm() dialog can ask).
        return render_template("orders/cancel.html", order=order, refund=queries.refundable(order), back_url=done_url)
    try:
        refund = operations.cancel_order(order, actor=actor, reason=CANCEL_REASON)
    except Conflict as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return redirect(done_url, 303)
    db.session.commit()
    refunded = f" We refunded {format_money(refund.amount, refund.currency)} to your card." if refund else ""
    flash(f"Order {order.number} is cancelled.{refunded}", "success")
    return redirect(done_url, 303)
