"""Vendor account pages: thin views over accounts.operations."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from common_core import auth
from common_core.errors import FieldError, InvalidInput, NotAllowed
from common_core.web import attach_field_error, safe_next
from vendor_portal.accounts import operations
from vendor_portal.accounts.forms import ProfileForm, SignInForm, SignUpForm
from vendor_portal.catalog import images
from vendor_portal.catalog.queries import store_logo
from vendor_portal.extensions import db

bp = Blueprint("accounts", __name__, url_prefix="/account", template_folder="templates")


@bp.route("/signup", methods=["GET", "POST"])
def signup() -> Any:
    if current_user.is_authenticated:
        return redirect(url_for("dashboard.home"))
    form = SignUpForm()
    if form.validate_on_submit():
        try:
            user = operations.register_vendor(
                form.store_name.data, form.contact_name.data, form.email.data, form.password.data
            )
        except FieldError as exc:
            attach_field_error(form, exc)
        else:
            auth.sign_in(user)
            db.session.commit()
            flash(f"Welcome, {user.vendor.store_name}. Your store has been sent for approval.", "success")
            return redirect(url_for("dashboard.home"))
    return render_template("accounts/signup.html", form=form), 422 if form.errors else 200


@bp.route("/signin", methods=["GET", "POST"])
def signin() -> Any:
    form = SignInForm(next=request.args.get("next", ""))
    if current_user.is_authenticated and request.method == "GET":
        return redirect(safe_next(form.next.data) or url_for("dashboard.home"))
    if form.validate_on_submit():
        try:
            user = operations.authenticate(form.email.data, form.password.data)
        except auth.Throttled as exc:
            form.form_errors.append(exc.message)
            return render_template("accounts/signin.html", form=form), 429
        except (InvalidInput, NotAllowed) as exc:
            db.session.commit()  # keep the failed attempt on record for throttling
            form.form_errors.append(exc.message)
        else:
            auth.sign_in(user)
            db.session.commit()
            flash(f"Signed in as {user.email}.", "success")
            return redirect(safe_next(form.next.data) or url_for("dashboard.home"))
    return render_template("accounts/signin.html", form=form), 422 if form.errors or form.form_errors else 200


@bp.post("/signout")
def signout() -> Any:
    if current_user.is_authenticated:
        auth.sign_out(current_user)
        db.session.commit()
    flash("You have signed out.", "info")
    return redirect(url_for("accounts.signin"))


@bp.route("/profile", methods=["GET", "POST"])
@login_required
def profile() -> Any:
    vendor = current_user.vendor
    form = ProfileForm(obj=vendor)
    if form.validate_on_submit():
        try:
            logo = form.logo.data
            upload = images.read_upload(logo.stream, logo.filename, field="logo") if logo and logo.filename else None
            changed = operations.update_profile(
                vendor, actor=current_user, logo=upload, remove_logo=form.remove_logo.data, **form.details()
            )
        except FieldError as exc:
            db.session.rollback()  # nothing half-saved: the page shows what was typed, the store keeps its profile
            attach_field_error(form, exc)
        else:
            db.session.commit()
            flash("Your store profile is saved." if changed else "Nothing changed.", "success")
            return redirect(url_for(".profile"))
    return render_template("accounts/profile.html", form=form, vendor=vendor, logo=store_logo(vendor)), (
        422 if form.errors else 200
    )
