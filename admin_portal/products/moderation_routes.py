"""The moderation queue (owners and catalogue managers): products flagged by keywords or reported by shoppers,
approved here or hidden through the product pages' hide action; and the keywords that flag them."""

from __future__ import annotations

import uuid
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from admin_portal.extensions import db
from admin_portal.products import operations, queries
from admin_portal.products.forms import KeywordsForm
from admin_portal.products.paging import peer_id
from admin_portal.staff.access import CATALOGUE_ROLES, roles_required
from common_core.errors import FieldError
from common_core.web import attach_field_error

bp = Blueprint("moderation", __name__, url_prefix="/moderation", template_folder="templates")


@bp.get("")
@roles_required(*CATALOGUE_ROLES)
def index() -> Any:
    return _moderation_page()


@bp.post("/<int:product_id>/approve")
@roles_required(*CATALOGUE_ROLES)
def approve(product_id: int) -> Any:
    peer_id(product_id)
    closed = operations.approve(product_id, actor=current_user)
    db.session.commit()
    if closed:
        cleared = "its flag is" if closed == 1 else f"its {closed} flags are"
        flash(f"Product {product_id} is approved; {cleared} cleared.", "success")
    else:
        flash(f"Product {product_id} has no open flags; nothing was changed.", "info")
    return redirect(url_for(".index"))


@bp.post("/keywords")
@roles_required(*CATALOGUE_ROLES)
def keywords() -> Any:
    form = KeywordsForm()
    if form.validate_on_submit():
        try:
            words = operations.set_keywords(form.keywords.data, actor=current_user)
        except FieldError as exc:
            db.session.rollback()
            attach_field_error(form, exc)
        else:
            db.session.commit()
            flash(f"{len(words)} keyword{'s' if len(words) != 1 else ''} saved.", "success")
            return redirect(url_for(".index"))
    return _moderation_page(keywords_form=form), 422


def _moderation_page(*, keywords_form: KeywordsForm | None = None) -> str:
    page, entries = queries.moderation_queue(page=request.args.get("page", 1, type=int))
    return render_template(
        "products/moderation.html",
        page=page,
        entries=entries,
        keywords_form=keywords_form or KeywordsForm(formdata=None, keywords="\n".join(queries.keywords())),
        new_request_id=lambda: str(uuid.uuid4()),
    )
