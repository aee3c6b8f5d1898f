"""Customer account pages: thin views over account.operations.

Sign-up and sign-in, the profile (name, email, password), the address book and the wishlist. Every
address or wishlist entry is loaded through a helper scoped to the signed-in customer (queries.address_of,
queries.wishlist_entry), so another customer's ids answer 404.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from common_core import auth
from common_core.errors import Conflict, DomainError, FieldError, InvalidInput, NotAllowed, NotFound
from common_core.web import attach_field_error, safe_next
from storefront.account import operations, queries
from storefront.account.countries import country_name
from storefront.account.forms import (
    AddressForm,
    ConfirmForm,
    EmailChangeForm,
    PasswordChangeForm,
    ProfileForm,
    SignInForm,
    SignUpForm,
    WishlistForm,
)
from storefront.account.models import Customer
from storefront.cart.operations import merge_guest_cart
from storefront.catalog.models import Product
from storefront.catalog.routes import is_htmx
from storefront.extensions import db
from storefront.traffic import operations as traffic

bp = Blueprint("account", __name__, url_prefix="/account", template_folder="templates")

bp.add_app_template_global(queries.saved_product_ids)
bp.add_app_template_filter(country_name)


def _start_session(customer: Customer) -> None:
    """Sign the customer in on a fresh session, bringing along what the guest had in the old one."""
    visitor = traffic.visitor_id(create=False)
    auth.sign_in(customer)  # clears the session: no fixation
    merge_guest_cart(customer)  # the cart domain kept a copy of the guest's cart for this request
    traffic.keep_visitor(visitor)  # the same shopper before and after signing in, for the funnel


@bp.route("/signup", methods=["GET", "POST"])
def signup() -> Any:
    if current_user.is_authenticated:
        return redirect(url_for("account.profile"))
    form = SignUpForm()
    if form.validate_on_submit():
        try:
            customer = operations.register_customer(form.name.data, form.email.data, form.password.data)
        except FieldError as exc:
            attach_field_error(form, exc)
        else:
            _start_session(customer)
            db.session.commit()
            flash(f"Welcome, {customer.name}. Your account is ready.", "success")
            return redirect(url_for("catalog.home"))
    return render_template("account/signup.html", form=form), 422 if form.errors else 200


@bp.route("/signin", methods=["GET", "POST"])
def signin() -> Any:
    form = SignInForm(next=request.args.get("next", ""))
    if current_user.is_authenticated and request.method == "GET":
        return redirect(safe_next(form.next.data) or url_for("account.profile"))
    if form.validate_on_submit():
        try:
            customer = operations.authenticate(form.email.data, form.password.data)
        except auth.Throttled as exc:
            form.form_errors.append(exc.message)
            return render_template("account/signin.html", form=form), 429
        except (InvalidInput, NotAllowed) as exc:
            db.session.commit()  # keep the failed attempt on record for throttling
            form.form_errors.append(exc.message)
        else:
            _start_session(customer)
            db.session.commit()
            flash(f"Signed in as {customer.email}.", "success")
            return redirect(safe_next(form.next.data) or url_for("catalog.home"))
    return render_template("account/signin.html", form=form), 422 if form.errors or form.form_errors else 200


@bp.post("/signout")
def signout() -> Any:
    if current_user.is_authenticated:
        auth.sign_out(current_user)
        db.session.commit()
    flash("You have signed out.", "info")
    return redirect(url_for("catalog.home"))


# ---- profile ------------------------------------------------------------------------------------


@bp.route("", methods=["GET", "POST"])
@login_required
def profile() -> Any:
    form = ProfileForm(obj=current_user)  # a post's own values win over the stored ones
    if form.validate_on_submit():
        try:
            operations.update_name(current_user, form.name.data)
        except FieldError as exc:
            attach_field_error(form, exc)
        else:
            db.session.commit()
            flash("Your name has been saved.", "success")
            return redirect(url_for("account.profile"))
    return render_template("account/profile.html", customer=current_user, form=form), 422 if form.errors else 200


@bp.route("/email", methods=["GET", "POST"])
@login_required
def email() -> Any:
    form = EmailChangeForm()
    if form.validate_on_submit():
        try:
            operations.change_email(current_user, form.email.data, form.current_password.data)
        except FieldError as exc:
            attach_field_error(form, exc)
        else:
            db.session.commit()
            flash(f"Your email address is now {current_user.email}.", "success")
            return redirect(url_for("account.profile"))
    return render_template("account/email.html", form=form), 422 if form.errors else 200


@bp.route("/password", methods=["GET", "POST"])
@login_required
def password() -> Any:
    form = PasswordChangeForm()
    if form.validate_on_submit():
        try:
            operations.change_password(current_user, form.current_password.data, form.new_password.data)
        except FieldError as exc:
            attach_field_error(form, exc)
        else:
            db.session.commit()
            flash("Your password has been changed. Other devices have been signed out.", "success")
            return redirect(url_for("account.profile"))
    return render_template("account/password.html", form=form), 422 if form.errors else 200


# ---- address book -------------------------------------------------------------------------------


@bp.get("/addresses")
@login_required
def addresses() -> Any:
    return render_template("account/addresses.html", addresses=queries.addresses_of(current_user))


@bp.route("/addresses/new", methods=["GET", "POST"])
@login_required
def new_address() -> Any:
    form = AddressForm()
    if form.validate_on_submit():
        operations.add_address(current_user, form.values(), make_default=form.is_default.data)
        db.session.commit()
        flash("The address has been added.", "success")
        return redirect(url_for("account.addresses"))
    return render_template("account/address_form.html", form=form, address=None), 422 if form.errors else 200


@bp.route("/addresses/<int:address_id>/edit", methods=["GET", "POST"])
@login_required
def edit_address(address_id: int) -> Any:
    address = queries.address_of(current_user, address_id)
    form = AddressForm(obj=address)
    if form.validate_on_submit():
        operations.update_address(address, form.values(), make_default=form.is_default.data)
        db.session.commit()
        flash("The address has been saved.", "success")
        return redirect(url_for("account.addresses"))
    return render_template("account/address_form.html", form=form, address=address), 422 if form.errors else 200


@bp.route("/addresses/<int:address_id>/delete", methods=["GET", "POST"])
@login_required
def delete_address(address_id: int) -> Any:
    """GET asks for confirmation (works without JS); POST deletes."""
    address = queries.address_of(current_user, address_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        operations.delete_address(address)
        db.session.commit()
        flash("The address has been deleted.", "success")
        return redirect(url_for("account.addresses"))
    return render_template("account/address_delete.html", form=form, address=address)


@bp.post("/addresses/<int:address_id>/default")
@login_required
def default_address(address_id: int) -> Any:
    address = queries.address_of(current_user, address_id)
    if ConfirmForm().validate_on_submit():
        operations.set_default_address(address)
        db.session.commit()
        flash("That is now your default address.", "success")
    return redirect(url_for("account.addresses"))


# ---- wishlist -----------------------------------------------------------------------------------


@bp.get("/wishlist")
@login_required
def wishlist() -> Any:
    page = request.args.get("page", 1, type=int) or 1
    return render_template("account/wishlist.html", entries=queries.wishlist_page(current_user, page))


@bp.post("/wishlist/<int:product_id>")
def save(product_id: int) -> Any:
    return _wishlist_toggle(product_id, saved=True)


@bp.post("/wishlist/<int:product_id>/remove")
def remove(product_id: int) -> Any:
    return _wishlist_toggle(product_id, saved=False)


def _wishlist_toggle(product_id: int, *, saved: bool) -> Any:
    """Save or remove, then the button again (htmx) or a redirect back where the shopper was."""
    form = WishlistForm()
    back = safe_next(form.next.data) or url_for("catalog.product", product_id=product_id)
    if not current_user.is_authenticated:
        return _redirect(url_for("account.signin", next=back))
    if not form.validate_on_submit():
        return _redirect(back)
    try:
        if saved:
            operations.save_to_wishlist(current_user, product_id)
        else:
            operations.remove_from_wishlist(current_user, product_id)
    except DomainError as exc:
        if not is_htmx():
            raise  # the app's handler takes the shopper back with the reason
        flash(exc.message, "error")  # htmx: reload the page so the message shows where it belongs
        return _redirect(back)
    db.session.commit()
    if is_htmx():
        product = db.session.get(Product, product_id)
        return render_template(
            "account/_wishlist_button.html",
            product_id=product_id,
            title=product.title if product else "",
            saved=saved,
            back=back,
            autofocus=True,  # the new button takes the focus of the one it replaces
        )
    flash("Saved to your wishlist." if saved else "Removed from your wishlist.", "success")
    return redirect(back)


def _redirect(target: str) -> Response:
    """A redirect; for htmx, a whole-page one (a swapped-in sign-in page would be no use)."""
    if is_htmx():
        response = Response(status=204)
        response.headers["HX-Redirect"] = target
        return response
    return redirect(target)


@bp.post("/wishlist/<int:product_id>/move")
@login_required
def move_to_cart(product_id: int) -> Any:
    entry = queries.wishlist_entry(current_user, product_id)
    if not ConfirmForm().validate_on_submit():
        return redirect(url_for("account.wishlist"))
    try:
        operations.move_to_cart(current_user, product_id)
    except operations.NeedsChoice as exc:
        flash(exc.message, "info")
        return redirect(entry.card.url if entry.card else url_for("account.wishlist"))
    except (Conflict, InvalidInput, NotFound) as exc:  # out of stock, gone, cart full: said on the wishlist
        flash(exc.message, "error")
        return redirect(url_for("account.wishlist"))
    db.session.commit()
    flash(f"{entry.card.title if entry.card else 'The product'} is in your cart.", "success")
    return redirect(url_for("account.wishlist"))
