"""Product pages (owners and catalogue managers): every store's products read live from the vendor portal,
one product's stock and history, hiding and restoring it, adjusting stock on the vendor's behalf. Thin
views over products.operations; the moderation queue is in moderation_routes.py."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from admin_portal.audit import queries as audit_queries
from admin_portal.extensions import db
from admin_portal.peers import peer_call
from admin_portal.products import operations, queries
from admin_portal.products.client import PEER, VendorCatalog
from admin_portal.products.forms import HideForm, ProductSearchForm, RestoreForm, StockForm
from admin_portal.products.paging import PeerPage, parse_times, peer_id
from admin_portal.staff.access import CATALOGUE_ROLES, roles_required
from common_core.errors import FieldError, PeerError
from common_core.web import attach_field_error

bp = Blueprint("products", __name__, url_prefix="/products", template_folder="templates")

PER_PAGE = 25
UNAVAILABLE = "The vendor portal is unavailable right now; nothing was changed."
READ_UNAVAILABLE = "The vendor portal is unavailable right now, so products cannot be shown. Try again in a moment."
ROW_TIMES = ("updated_at", "hidden_at")
_UNSET: Any = object()


@bp.get("")
@roles_required(*CATALOGUE_ROLES)
def index() -> Any:
    form = ProductSearchForm(formdata=request.args).with_choices(queries.vendor_choices(), queries.category_choices())
    if not form.validate():
        return _list_page(form, None), 422
    page = None
    try:
        with peer_call(PEER, message=READ_UNAVAILABLE):
            answer = VendorCatalog().search(
                form.filters(), page=max(1, request.args.get("page", 1, type=int) or 1), per_page=PER_PAGE
            )
            page = PeerPage(answer, "products", times=ROW_TIMES)
    except PeerError as exc:
        form.form_errors.append(exc.message)
        return _list_page(form, None), 422
    # With the vendor portal down the page still answers, saying so (peer_call's notice) with no rows.
    return _list_page(form, page)


@bp.get("/<int:product_id>")
@roles_required(*CATALOGUE_ROLES)
def detail(product_id: int) -> Any:
    return _detail_page(product_id)


@bp.post("/<int:product_id>/hide")
@roles_required(*CATALOGUE_ROLES)
def hide(product_id: int) -> Any:
    peer_id(product_id)
    form = HideForm()
    if not form.validate_on_submit():
        return _detail_page(product_id, hide_form=form, status=422)
    if form.confirmed.data != "yes":
        product = _fetch(product_id)
        if product is None:
            return _detail_page(product_id, product=None, hide_form=form, status=503)
        return render_template("products/confirm_hide.html", form=form, product=product)
    try:
        with peer_call(PEER, message=UNAVAILABLE, rollback=True) as call:
            answer = operations.hide_product(
                product_id, form.reason.data, request_id=form.request_id.data, actor=current_user
            )
    except FieldError as exc:
        attach_field_error(form, exc)
        return _detail_page(product_id, hide_form=form, status=422)
    except PeerError as exc:
        return _refused(product_id, exc, form, hide_form=form)
    if call.unavailable:
        return _detail_page(product_id, product=None, hide_form=form, status=503)
    db.session.commit()
    if answer["changed"]:
        flash(f"“{answer['title']}” is hidden from shoppers. Its vendor is shown your reason.", "success")
    else:
        flash(f"“{answer['title']}” was already hidden for that reason; nothing else was changed.", "info")
    if form.back.data == "moderation":
        return redirect(url_for("moderation.index"))
    return redirect(url_for(".detail", product_id=product_id))


@bp.post("/<int:product_id>/restore")
@roles_required(*CATALOGUE_ROLES)
def restore(product_id: int) -> Any:
    peer_id(product_id)
    form = RestoreForm()
    if not form.validate_on_submit():
        return _detail_page(product_id, restore_form=form, status=422)
    try:
        with peer_call(PEER, message=UNAVAILABLE, rollback=True) as call:
            answer = operations.restore_product(product_id, request_id=form.request_id.data, actor=current_user)
    except PeerError as exc:
        return _refused(product_id, exc, form, restore_form=form)
    if call.unavailable:
        return _detail_page(product_id, product=None, restore_form=form, status=503)
    db.session.commit()
    if not answer["changed"]:
        flash(f"“{answer['title']}” was not hidden; nothing was changed.", "info")
    elif answer["listed"]:
        flash(f"“{answer['title']}” is restored and back in the shop.", "success")
    else:
        flash(f"“{answer['title']}” is restored; shoppers see it once its vendor publishes it.", "success")
    return redirect(url_for(".detail", product_id=product_id))


@bp.post("/<int:product_id>/stock")
@roles_required(*CATALOGUE_ROLES)
def stock(product_id: int) -> Any:
    form = StockForm()
    product = _fetch(product_id)
    if product is None:
        return _detail_page(product_id, product=None, stock_form=form, status=503)
    form.with_variants(product["variants"])
    if not form.validate_on_submit():
        return _detail_page(product_id, product=product, stock_form=form, status=422)
    try:
        with peer_call(PEER, message=UNAVAILABLE, rollback=True) as call:
            answer = operations.adjust_stock(
                product,
                form.variant_id.data,
                form.delta.data,
                reason=form.reason.data,
                note=form.note.data,
                request_id=form.request_id.data,
                actor=current_user,
            )
    except FieldError as exc:
        attach_field_error(form, exc)
        return _detail_page(product_id, product=product, stock_form=form, status=422)
    except PeerError as exc:
        return _refused(product_id, exc, form, field="delta", product=product, stock_form=form)
    if call.unavailable:
        return _detail_page(product_id, product=None, stock_form=form, status=503)
    db.session.commit()
    if answer["replayed"]:
        flash("That stock change was already made; nothing was changed again.", "info")
    else:
        flash(f"{answer['sku']}: {answer['delta']:+d}, now {answer['stock_on_hand']} on hand.", "success")
    return redirect(url_for(".detail", product_id=product_id, _anchor="stock"))


# --- pages ---------------------------------------------------------------------------------------------------


def _fetch(product_id: int) -> dict[str, Any] | None:
    """The product as the vendor portal has it now; None when it is down (the page says so); 404 if unknown."""
    peer_id(product_id)
    try:
        with peer_call(PEER, message=READ_UNAVAILABLE):
            return parse_times(VendorCatalog().product(product_id), "updated_at", "created_at", "hidden_at")
    except PeerError as exc:
        if exc.status == 404:
            abort(404)
        raise
    return None


def _refused(product_id: int, exc: PeerError, form: Any, *, field: str | None = None, **page_args: Any) -> Any:
    """The vendor portal understood and refused: its message goes next to the field it names, else on top."""
    db.session.rollback()
    if exc.status == 404:
        abort(404)
    named = (exc.body.get("details") or {}).get("field") or field
    attach_field_error(form, FieldError(named or "", exc.message))
    return _detail_page(product_id, **page_args, status=exc.status if exc.status in (409, 422) else 422)


def _list_page(form: ProductSearchForm, page: PeerPage | None) -> str:
    return render_template("products/list.html", form=form, page=page, categories=queries.category_names())


def _detail_page(
    product_id: int,
    *,
    product: dict[str, Any] | None = _UNSET,
    hide_form: HideForm | None = None,
    restore_form: RestoreForm | None = None,
    stock_form: StockForm | None = None,
    status: int = 200,
) -> Any:
    if product is _UNSET:
        product = _fetch(product_id)
    stock_form = stock_form or StockForm(formdata=None)
    if product is not None:
        stock_form.with_variants(product["variants"])
        product = {**product, "history": [parse_times(entry, "created_at") for entry in product["history"]]}
    page = render_template(
        "products/detail.html",
        product_id=product_id,
        product=product,
        hide_form=hide_form or HideForm(formdata=None),
        restore_form=restore_form or RestoreForm(formdata=None),
        stock_form=stock_form,
        reasons=operations.STOCK_REASONS,
        categories=queries.category_names(),
        flags=queries.flag_history(product_id),
        audit_entries=audit_queries.entries_for("product", product_id),
    )
    return page, status
