"""The two-factor page of each staff member's own account, and the owners' platform rule. Thin views."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user

from admin_portal.account import operations, queries
from admin_portal.account.forms import CodeForm, OwnersRuleForm
from admin_portal.extensions import db
from admin_portal.staff.access import roles_required
from admin_portal.staff.models import STAFF_ROLES
from common_core import auth
from common_core.errors import FieldError
from common_core.web import attach_field_error

bp = Blueprint("account", __name__, url_prefix="/account", template_folder="templates")


@bp.get("/two-factor")
@roles_required(*STAFF_ROLES)
def two_factor() -> Any:
    return _page()


@bp.post("/two-factor/start")
@roles_required(*STAFF_ROLES)
def start() -> Any:
    operations.start_enrolment(current_user, actor=current_user)
    db.session.commit()
    flash("Add the key below to your authenticator app, then enter the code it shows.", "info")
    return redirect(url_for(".two_factor"))


@bp.post("/two-factor/confirm")
@roles_required(*STAFF_ROLES)
def confirm() -> Any:
    form = CodeForm(prefix="confirm")
    if form.validate_on_submit():
        status = _with_code(
            form, lambda: operations.confirm_enrolment(current_user, form.code.data, actor=current_user)
        )
        if status is None:
            flash("Two-factor sign-in is on. You will be asked for a code each time you sign in.", "success")
            return redirect(url_for("dashboard.home"))
        return _page(confirm_form=form), status
    return _page(confirm_form=form), 422


@bp.post("/two-factor/disable")
@roles_required(*STAFF_ROLES)
def disable() -> Any:
    form = CodeForm(prefix="disable")
    if form.validate_on_submit():
        status = _with_code(
            form, lambda: operations.disable_two_factor(current_user, form.code.data, actor=current_user)
        )
        if status is None:
            flash("Two-factor sign-in is off. Signing in now needs only your password.", "success")
            return redirect(url_for(".two_factor"))
        return _page(disable_form=form), status
    return _page(disable_form=form), 422


@bp.post("/two-factor/owners")
@roles_required("owner")
def owners_rule() -> Any:
    form = OwnersRuleForm()
    if not form.validate_on_submit():
        flash("Choose whether owners must use two-factor sign-in.", "error")
        return redirect(url_for(".two_factor"))
    required = form.required.data == "on"
    changed = operations.set_owners_requirement(required, actor=current_user)
    db.session.commit()
    if not changed:
        flash("The setting was already that; nothing was changed.", "info")
    elif required:
        flash("Owners must now use two-factor sign-in; those without it set it up at their next page.", "success")
    else:
        flash("Owners may now sign in without two-factor.", "success")
    return redirect(url_for(".two_factor"))


def _with_code(form: CodeForm, action: Any) -> int | None:
    """Run an action that checks a code: None when done (committed), else the status to answer with."""
    try:
        action()
    except auth.Throttled as exc:
        db.session.rollback()
        form.form_errors.append(exc.message)
        return 429
    except FieldError as exc:
        db.session.commit()  # keep the failed attempt on record for throttling
        attach_field_error(form, exc)
        return 422
    db.session.commit()
    return None


def _page(*, confirm_form: CodeForm | None = None, disable_form: CodeForm | None = None) -> str:
    staff = current_user
    pending = staff.totp_secret is not None and not staff.two_factor_enabled
    return render_template(
        "account/two_factor.html",
        staff=staff,
        pending=pending,
        secret=queries.grouped_secret(staff.totp_secret) if pending else None,
        uri=queries.provisioning_uri(staff) if pending else None,
        confirm_form=confirm_form or CodeForm(prefix="confirm", formdata=None),
        disable_form=disable_form or CodeForm(prefix="disable", formdata=None),
        owners_required=queries.owners_must_use_two_factor(),
        must_enrol=queries.must_enrol(staff),
    )
