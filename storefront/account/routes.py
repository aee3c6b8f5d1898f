"""Customer account pages: thin views over account.operations."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from common_core import auth
from common_core.errors import FieldError, InvalidInput, NotAllowed
from common_core.web import attach_field_error, safe_next
from storefront.account import operations
from storefront.account.forms import PasswordChangeForm, SignInForm, SignUpForm
from storefront.extensions import db

bp = Blueprint("account", __name__, url_prefix="/account", template_folder="templates")


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
            auth.sign_in(customer)
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
            auth.sign_in(customer)
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


@bp.get("")
@login_required
def profile() -> Any:
    return render_template("account/profile.html", customer=current_user)


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
