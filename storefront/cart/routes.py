"""Cart pages: add from the product page, the cart with quantity changes and removal, the header count.

Without JavaScript every action is a form post followed by a redirect; with htmx the changed line and
the totals swap in place (the partials of the same templates a full page renders).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, abort, flash, redirect, render_template, url_for
from flask_login import current_user

from common_core.errors import FieldError, NotFound
from storefront.cart import operations
from storefront.cart.forms import AddToCartForm, QuantityForm
from storefront.cart.queries import CartView, offers
from storefront.catalog import queries as catalog_queries
from storefront.catalog.routes import is_htmx
from storefront.extensions import db

bp = Blueprint("cart", __name__, template_folder="templates")


@bp.before_app_request
def keep_guest_cart_for_sign_in() -> None:
    operations.snapshot_guest_cart()


@bp.app_context_processor
def header_cart() -> dict[str, Any]:
    def header_cart_count() -> int:
        return operations.cart_count(operations.cart_for(current_user))

    return {"header_cart_count": header_cart_count}


@bp.get("/cart")
def view() -> Any:
    cart = operations.recheck(operations.cart_for(current_user))
    db.session.commit()  # price and quantity fixes are kept, so each notice is told once
    return render_template("cart/cart.html", cart=cart, errors={})


@bp.post("/cart/add")
def add() -> Any:
    form = AddToCartForm()
    owner = operations.cart_for(current_user)
    if form.validate_on_submit():
        try:
            offer = operations.add_to_cart(owner, form.variant_id.data, form.quantity.data)
        except FieldError as exc:
            form.quantity.errors = [*form.quantity.errors, exc.message]
        except NotFound as exc:
            form.form_errors.append(exc.message)
        else:
            db.session.commit()
            message = f"Added {form.quantity.data} \N{MULTIPLICATION SIGN} {offer.name} to your cart."
            if is_htmx():
                return _partial("cart/_added.html", message=message, count=operations.cart_count(owner))
            flash(message, "success")
            return redirect(offer.url, 303)
    return _add_refused(form, owner)


@bp.post("/cart/lines/<int:variant_id>")
def update(variant_id: int) -> Any:
    owner = operations.cart_for(current_user)
    form = QuantityForm()
    if form.validate_on_submit():
        try:
            operations.set_quantity(owner, variant_id, form.quantity.data)
        except FieldError as exc:
            form.quantity.errors = [*form.quantity.errors, exc.message]
        except NotFound as exc:
            flash(exc.message, "error")
            return redirect(url_for(".view"), 303)
        else:
            db.session.commit()
            if is_htmx():
                return _changed_line(owner, variant_id, _vendor_of(variant_id))
            flash("Your cart is updated.", "success")
            return redirect(url_for(".view"), 303)
    # Shown next to the line's quantity box, keeping what was typed.
    cart = operations.recheck(owner)
    db.session.commit()
    typed = form.quantity.raw_data[0] if form.quantity.raw_data else ""
    errors = {variant_id: (" ".join(form.quantity.errors) or "Please try again.", typed)}
    item = cart.item(variant_id) or abort(404)
    if is_htmx():
        vendor_id = _vendor_of(variant_id)
        return _partial("cart/_line_swap.html", cart=cart, item=item, vendor_id=vendor_id, errors=errors, status=422)
    return render_template("cart/cart.html", cart=cart, errors=errors), 422


@bp.post("/cart/lines/<int:variant_id>/remove")
def remove(variant_id: int) -> Any:
    # CSRFProtect has checked the token already; there is nothing else to validate.
    owner = operations.cart_for(current_user)
    offer = offers([variant_id]).get(variant_id)
    operations.remove_from_cart(owner, variant_id)
    db.session.commit()
    if is_htmx():
        return _changed_line(owner, variant_id, offer.vendor_id if offer else 0)
    flash(f"Removed {offer.name if offer else 'the item'} from your cart.", "success")
    return redirect(url_for(".view"), 303)


# --- helpers -----------------------------------------------------------------------------------------


def _partial(template: str, *, status: int = 200, **context: Any) -> Response:
    response = Response(render_template(template, **context), status=status)
    response.vary.add("HX-Request")
    return response


def _vendor_of(variant_id: int) -> int:
    offer = offers([variant_id]).get(variant_id)
    return offer.vendor_id if offer else 0  # 0: the group of lines no longer in the catalogue


def _changed_line(owner: operations.CartOwner, variant_id: int, vendor_id: int) -> Response:
    """For htmx: the line (or nothing, once removed) plus the totals, notices and header count out of band."""
    cart: CartView = operations.recheck(owner)
    db.session.commit()
    if not cart.items:
        response = Response("", status=200)
        response.headers["HX-Refresh"] = "true"  # the empty cart page says what to do next
        return response
    return _partial("cart/_line_swap.html", cart=cart, item=cart.item(variant_id), vendor_id=vendor_id, errors={})


def _add_refused(form: AddToCartForm, owner: operations.CartOwner) -> Any:
    """The add-to-cart form again with its errors: for htmx the status line, otherwise the product page."""
    if is_htmx():
        return _partial("cart/_added.html", form=form, message=None, count=operations.cart_count(owner), status=422)
    offer = offers([form.variant_id.data]).get(form.variant_id.data) if form.variant_id.data else None
    page = catalog_queries.product_page(offer.product_id) if offer else None
    if page is None:
        flash(" ".join(form.form_errors) or "Sorry, this product is not for sale any more.", "error")
        return redirect(url_for("catalog.home"), 303)
    variant = page.variant(offer.variant_id)
    chosen = dict(variant.options) if variant else {}
    html = render_template("catalog/detail.html", page=page, variant=variant, chosen=chosen, add_form=form)
    return html, 422
