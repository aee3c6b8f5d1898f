"""Stock pages of the signed-in store: the overview, the low-stock list and each variant's stock and history.

History is append-only: there are deliberately no routes to edit or delete an adjustment; a mistake is
put right with a correction, which is itself recorded.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from common_core.errors import FieldError
from common_core.web import attach_field_error
from vendor_portal.catalog.models import Variant
from vendor_portal.extensions import db
from vendor_portal.inventory import operations, queries
from vendor_portal.inventory.forms import StockAdjustForm, StockSearchForm
from vendor_portal.inventory.internal import register_chores
from vendor_portal.inventory.queries import stock_of

bp = Blueprint("inventory", __name__, url_prefix="/inventory", template_folder="templates")
# Reservations expire through the relay; this hook is how the domain reaches the app it is registered on.
bp.record_once(lambda state: register_chores(state.app))


@bp.context_processor
def _helpers() -> dict[str, Any]:
    return {"utc_text": _utc_text}


def _utc_text(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%-d %b %Y, %H:%M")


@bp.get("")
@login_required
def index() -> Any:
    vendor = current_user.vendor
    form = StockSearchForm(formdata=request.args)
    valid = form.validate()
    search = form.search() if valid else queries.StockSearch()
    # A search that cannot be run says why rather than showing a list that silently ignores part of it.
    page = stock_of(vendor).overview(search, request.args.get("page", 1, type=int)) if valid else None
    partial = request.headers.get("HX-Request") and not request.headers.get("HX-History-Restore-Request")
    return render_template(
        "inventory/_results.html" if partial else "inventory/index.html",
        form=form,
        page=page,
        search=search,
        vendor=vendor,
        low_count=queries.low_stock_count(vendor),
    ), 200 if valid else 422


@bp.get("/low-stock")
@login_required
def low_stock() -> Any:
    vendor = current_user.vendor
    page = stock_of(vendor).low_stock(request.args.get("page", 1, type=int))
    return render_template("inventory/low_stock.html", page=page, vendor=vendor)


@bp.route("/variants/<int:variant_id>", methods=["GET", "POST"])
@login_required
def variant(variant_id: int) -> Any:
    variant = stock_of(current_user.vendor).get_or_404(variant_id)
    form = StockAdjustForm()
    if form.validate_on_submit():
        try:
            operations.adjust_stock(
                variant,
                form.delta.data,
                reason=form.reason.data,
                note=form.note.data,
                actor=operations.vendor_actor(current_user.id),
            )
        except FieldError as exc:
            attach_field_error(form, exc)  # e.g. removing more than is in stock: said next to the number
        else:
            db.session.commit()
            flash(
                f"Stock of “{variant.product.title}” ({variant.label}) is now {variant.stock_on_hand} on hand, "
                f"{variant.available} available.",
                "success",
            )
            return redirect(url_for(".variant", variant_id=variant.id))
    return _variant_page(variant, form), 422 if form.errors else 200


def _variant_page(variant: Variant, form: StockAdjustForm) -> str:
    history = queries.history(variant, request.args.get("page", 1, type=int))
    return render_template(
        "inventory/variant.html",
        variant=variant,
        product=variant.product,
        form=form,
        history=history,
        actors=queries.actor_labels(history.items),
        reason_labels=operations.REASON_LABELS,
        vendor=current_user.vendor,
    )
