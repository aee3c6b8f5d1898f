"""Staff sign-in and sign-out, and the owners' staff management pages: thin views over staff.operations."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from admin_portal.account import operations as two_factor
from admin_portal.account import signin as half_signed_in
from admin_portal.account.forms import CodeForm
from admin_portal.account.queries import must_enrol
from admin_portal.extensions import db
from admin_portal.staff import operations
from admin_portal.staff.access import roles_required
from admin_portal.staff.forms import SignInForm, StaffCreateForm
from admin_portal.staff.models import Staff
from admin_portal.staff.queries import all_staff, staff_by_id
from common_core import auth
from common_core.errors import Conflict, FieldError, InvalidInput, NotAllowed
from common_core.web import attach_field_error, safe_next

bp = Blueprint("staff", __name__, template_folder="templates")


@bp.route("/signin", methods=["GET", "POST"])
def signin() -> Any:
    form = SignInForm(next=request.args.get("next", ""))
    if current_user.is_authenticated and request.method == "GET":
        return redirect(safe_next(form.next.data) or url_for("dashboard.home"))
    if form.validate_on_submit():
        try:
            staff = operations.authenticate(form.email.data, form.password.data)
        except auth.Throttled as exc:
            form.form_errors.append(exc.message)
            return render_template("staff/signin.html", form=form), 429
        except (InvalidInput, NotAllowed) as exc:
            db.session.commit()  # keep the failed attempt on record for throttling
            form.form_errors.append(exc.message)
        else:
            if staff.two_factor_enabled:
                # Password right: ask for the code before anyone is signed in.
                half_signed_in.begin(staff, safe_next(form.next.data))
                db.session.commit()
                return redirect(url_for("staff.signin_code"))
            return _signed_in(staff, form.next.data)
    return render_template("staff/signin.html", form=form), 422 if form.errors or form.form_errors else 200


@bp.route("/signin/code", methods=["GET", "POST"])
def signin_code() -> Any:
    """The second step of a two-factor sign-in: the 6-digit code."""
    if current_user.is_authenticated:
        return redirect(url_for("dashboard.home"))
    staff, next_url = half_signed_in.pending()
    if staff is None:
        flash("Please sign in again: the code was not entered in time, or sign-in was not started.", "info")
        return redirect(url_for("staff.signin"))
    form = CodeForm()
    if form.validate_on_submit():
        try:
            two_factor.verify_code(staff, form.code.data)
        except auth.Throttled as exc:
            db.session.rollback()
            half_signed_in.end()  # start again from the password once the wait is over
            form.form_errors.append(exc.message)
            return render_template("staff/signin_code.html", form=form), 429
        except FieldError as exc:
            db.session.commit()  # keep the failed attempt on record for throttling
            attach_field_error(form, exc)
        else:
            return _signed_in(staff, next_url)
    return render_template("staff/signin_code.html", form=form), 422 if form.errors or form.form_errors else 200


@bp.post("/signout")
def signout() -> Any:
    if current_user.is_authenticated:
        auth.sign_out(current_user)
        db.session.commit()
    flash("You have signed out.", "info")
    return redirect(url_for("staff.signin"))


@bp.get("/staff")
@roles_required("owner")
def index() -> Any:
    return render_template("staff/list.html", members=all_staff())


@bp.route("/staff/new", methods=["GET", "POST"])
@roles_required("owner")
def new() -> Any:
    form = StaffCreateForm()
    if form.validate_on_submit():
        try:
            staff = operations.create_staff(
                form.email.data, form.name.data, form.role.data, form.password.data, actor=current_user
            )
        except FieldError as exc:
            attach_field_error(form, exc)
        else:
            db.session.commit()
            flash(f"{staff.name} can now sign in as {staff.role_label.lower()}.", "success")
            return redirect(url_for("staff.index"))
    return render_template("staff/new.html", form=form), 422 if form.errors or form.form_errors else 200


@bp.post("/staff/<int:staff_id>/disable")
@roles_required("owner")
def disable(staff_id: int) -> Any:
    staff = _staff_or_404(staff_id)
    try:
        operations.disable_staff(staff, actor=current_user)
    except (Conflict, NotAllowed) as exc:
        db.session.rollback()
        flash(exc.message, "error")
    else:
        db.session.commit()
        flash(f"{staff.name} is disabled and has been signed out everywhere.", "success")
    return redirect(url_for("staff.index"))


@bp.post("/staff/<int:staff_id>/enable")
@roles_required("owner")
def enable(staff_id: int) -> Any:
    staff = _staff_or_404(staff_id)
    try:
        operations.enable_staff(staff, actor=current_user)
    except (Conflict, NotAllowed) as exc:
        db.session.rollback()
        flash(exc.message, "error")
    else:
        db.session.commit()
        flash(f"{staff.name} can sign in again.", "success")
    return redirect(url_for("staff.index"))


def _signed_in(staff: Staff, next_url: str | None) -> Any:
    auth.sign_in(staff)
    db.session.commit()
    flash(f"Signed in as {staff.email}.", "success")
    if must_enrol(staff):
        return redirect(url_for("account.two_factor"))
    return redirect(safe_next(next_url) or url_for("dashboard.home"))


def _staff_or_404(staff_id: int) -> Staff:
    staff = staff_by_id(staff_id)
    if staff is None:
        abort(404)
    return staff
