"""Checkout pages: one form (works without JavaScript), the order confirmation, the relay chore.

The form carries a one-time checkout_key made when the page renders; placing the order is one call to
checkout.operations.place_order, which documents its own commit points.
"""

from __future__ import annotations

import secrets
from typing import Any

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from flask.blueprints import BlueprintSetupState
from flask_login import current_user

from common_core.outbox import add_chore
from storefront.account.countries import country_name as _country_name
from storefront.account.profile_models import Address
from storefront.cart import operations as cart_ops
from storefront.catalog.routes import render
from storefront.checkout import operations, payments
from storefront.checkout.forms import CheckoutForm
from storefront.checkout.shipping import DEFAULT_METHOD, FREE_STANDARD_FROM, METHODS
from storefront.extensions import db
from storefront.orders import queries as order_queries
from storefront.traffic.operations import record_traffic

bp = Blueprint("checkout", __name__, template_folder="templates")

CHORE_SECONDS = 30
RECENT_ORDERS = "placed_orders"  # this browser's latest orders, so a guest can see its confirmation


@bp.record_once
def register_chores(state: BlueprintSetupState) -> None:
    add_chore(state.app, operations.run_chores, CHORE_SECONDS)


@bp.app_template_global()
def country_name(code: str) -> str:
    return _country_name(code)


def _customer() -> Any:
    return current_user if current_user.is_authenticated else None


def _form(**kwargs: Any) -> CheckoutForm:
    form = CheckoutForm(**kwargs)
    customer = _customer()
    if customer is not None:
        del form.email  # the account's address is used
        form.set_saved_addresses(_addresses_of(customer))
    else:
        del form.save_address
        del form.address_choice
        form.require_new_address()
    return form


def _addresses_of(customer: Any) -> list[Address]:
    return list(
        db.session.scalars(
            sa.select(Address)
            .where(Address.customer_id == customer.id)
            .order_by(Address.is_default.desc(), Address.created_at, Address.id)
        )
    )


def _page(form: CheckoutForm, cart: Any, *, status: int = 200, failure: Any = None) -> Any:
    method = form.shipping_method.data if form.shipping_method.data in METHODS else DEFAULT_METHOD
    form.checkout_key.data = secrets.token_urlsafe(24)  # a fresh key for every rendering of the form
    form.forget_card()
    html = render_template(
        "checkout/checkout.html",
        form=form,
        cart=cart,
        quote=operations.quote(cart, method),
        quotes={code: operations.quote(cart, code) for code in METHODS},
        methods=METHODS,
        free_from=FREE_STANDARD_FROM,
        test_cards=payments.TEST_CARDS if payments.test_mode() else (),
        failure=failure,
    )
    return html, status


@bp.get("/checkout")
def start() -> Any:
    cart = cart_ops.recheck(cart_ops.cart_for(current_user))
    if not cart.can_checkout:
        db.session.commit()
        for reason in cart.blockers:
            flash(reason, "error")
        return redirect(url_for("cart.view"), 303)
    form = _form()
    record_traffic("checkout_started")
    db.session.commit()
    return _page(form, cart)


@bp.post("/checkout")
def place() -> Any:
    form = _form()
    customer = _customer()
    if not form.validate_on_submit():
        cart = cart_ops.recheck(cart_ops.cart_for(current_user))
        db.session.commit()
        return _page(form, cart, status=422)
    try:
        order = operations.place_order(
            operations.CheckoutRequest(
                checkout_key=form.checkout_key.data,
                email=customer.email if customer else form.email.data.strip().lower(),
                customer=customer,
                address=_chosen_address(form, customer),
                shipping_method=form.shipping_method.data,
                card=form.card(),
                save_address=bool(customer and form.uses_new_address and form.save_address.data),
            )
        )
    except operations.CheckoutRefused as exc:
        db.session.rollback()
        cart = cart_ops.recheck(cart_ops.cart_for(current_user))
        db.session.commit()
        return _page(form, cart, status=exc.status, failure=exc)
    _remember(order)
    return redirect(url_for(".confirmation", number=order.number), 303)


@bp.get("/checkout/summary")
def summary() -> Any:
    """The order summary for another shipping method: htmx swaps it; without JS the page itself does."""
    if not request.headers.get("HX-Request"):
        return redirect(url_for(".start"), 303)
    cart = cart_ops.recheck(cart_ops.cart_for(current_user))
    db.session.commit()
    method = request.args.get("shipping_method", DEFAULT_METHOD)
    method = method if method in METHODS else DEFAULT_METHOD
    return render(
        "checkout/checkout.html",
        "checkout/_summary.html",
        cart=cart,
        quote=operations.quote(cart, method),
        method=METHODS[method],
    )


@bp.get("/checkout/done/<number>")
def confirmation(number: str) -> Any:
    order = _recent_order(number) or abort(404)
    guest_link = order_queries.guest_link(order) if order.customer_id is None else None
    return render_template(
        "checkout/confirmation.html",
        order=order,
        parts=order_queries.parts_of(order, timelines=False),
        payment=order_queries.captured_payment(order),
        guest_link=guest_link,
        link_days=order_queries.GUEST_LINK_MAX_AGE.days,
    )


# --- helpers -----------------------------------------------------------------------------------------


def _chosen_address(form: CheckoutForm, customer: Any) -> dict[str, str]:
    if form.uses_new_address:
        return form.address()
    saved = next((a for a in _addresses_of(customer) if str(a.id) == form.address_choice.data), None)
    if saved is None:
        abort(400)
    return {
        "name": saved.name,
        "line1": saved.line1,
        "line2": saved.line2 or "",
        "city": saved.city,
        "postcode": saved.postcode,
        "country": saved.country,
    }


def _remember(order: Any) -> None:
    recent = [oid for oid in session.get(RECENT_ORDERS, []) if oid != order.id]
    session[RECENT_ORDERS] = [order.id, *recent][:10]


def _recent_order(number: str) -> Any:
    """An order this browser placed (guests) or the customer's own; never anyone else's."""
    customer = _customer()
    if customer is not None:
        found = order_queries.customer_order(customer.id, number)
        if found is not None:
            return found
    order = order_queries.order_by_number(number, summary_only=True)
    if order is not None and order.id in session.get(RECENT_ORDERS, []) and order.status != "failed":
        return order
    return None
