"""Product pages of the signed-in store: thin views over catalog.operations and catalog.variants.

Every page finds products through products_of(current_user.vendor), so another store's ids are 404.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from common_core.errors import FieldError, InvalidInput
from common_core.web import attach_field_error
from vendor_portal.catalog import operations, variants
from vendor_portal.catalog.forms import ImageUploadForm, ProductFilterForm, ProductForm, product_form, unposted
from vendor_portal.catalog.models import Product
from vendor_portal.catalog.queries import (
    SORT_KEYS,
    ProductSearch,
    category_choices,
    category_names,
    original_types,
    products_of,
    stock_figures,
)
from vendor_portal.catalog.variant_forms import OptionsForm, VariantsForm, options_form, variants_form
from vendor_portal.extensions import db

bp = Blueprint("catalog", __name__, url_prefix="/products", template_folder="templates", static_folder="static")


@bp.get("")
@login_required
def index() -> Any:
    filters = ProductFilterForm(request.args)
    filters.category.choices = category_choices(blank="Any category")
    sort = request.args.get("sort") if request.args.get("sort") in SORT_KEYS else "updated"
    direction = request.args.get("dir") if request.args.get("dir") in ("asc", "desc") else None
    search = ProductSearch(
        text=(filters.q.data or "").strip()[:100] or None,
        status=filters.status.data or None,
        category_id=filters.category.data,
        sort=sort,
        direction=direction or ("desc" if sort == "updated" else "asc"),
    )
    page = products_of(current_user.vendor).search(search, request.args.get("page", 1, type=int))
    return render_template(
        "catalog/list.html",
        page=page,
        vendor=current_user.vendor,
        filters=filters,
        search=search,
        figures={p.id: stock_figures(p) for p in page.items},
        categories=category_names({p.category_id for p in page.items if p.category_id is not None}),
    )


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new() -> Any:
    form = product_form(None)
    if form.validate_on_submit():
        try:
            product = operations.create_product(current_user.vendor, actor=current_user, **form.details())
        except FieldError as exc:
            attach_field_error(form, exc)
        else:
            db.session.commit()
            flash(f"“{product.title}” is saved as a draft.", "success")
            return redirect(url_for(".edit", product_id=product.id))
    form.pad_attributes()
    return render_template("catalog/new.html", form=form, vendor=current_user.vendor), 422 if form.errors else 200


@bp.route("/<int:product_id>/edit", methods=["GET", "POST"])
@login_required
def edit(product_id: int) -> Any:
    product = products_of(current_user.vendor).get_or_404(product_id, for_update=request.method == "POST")
    form = product_form(product)
    if form.validate_on_submit():
        try:
            operations.update_product(product, actor=current_user, **form.details())
        except FieldError as exc:
            attach_field_error(form, exc)
        else:
            db.session.commit()
            flash(f"“{product.title}” is saved.", "success")
            return redirect(url_for(".edit", product_id=product.id))
    return render_edit_page(product, form=form)


@bp.post("/<int:product_id>/options")
@login_required
def save_options(product_id: int) -> Any:
    product = products_of(current_user.vendor).get_or_404(product_id, for_update=True)
    form = OptionsForm()
    if not form.validate_on_submit():
        return render_edit_page(product, options=form)
    outcome = variants.set_options(product, form.specs(), actor=current_user)
    db.session.commit()
    flash(_options_message(outcome), "success")
    return redirect(url_for(".edit", product_id=product.id, _anchor="variants"))


@bp.post("/<int:product_id>/variants")
@login_required
def save_variants(product_id: int) -> Any:
    product = products_of(current_user.vendor).get_or_404(product_id, for_update=True)
    form = VariantsForm()
    if form.validate_on_submit():
        try:
            variants.update_variants(product, form.changes(), actor=current_user)
        except variants.RowErrors as exc:
            form.attach_row_errors(exc.errors)
        except InvalidInput as exc:
            form.form_errors.append(exc.message)
        else:
            db.session.commit()
            flash("The variants are saved.", "success")
            return redirect(url_for(".edit", product_id=product.id, _anchor="variants"))
    else:
        # The store's other SKUs are only known here: show those clashes along with the form's own errors.
        form.attach_row_errors(variants.sku_problems(product, form.changes()))
    return render_edit_page(product, variants_table=form)


@bp.post("/<int:product_id>/publish")
@login_required
def publish(product_id: int) -> Any:
    product = products_of(current_user.vendor).get_or_404(product_id, for_update=True)
    operations.publish(product, actor=current_user)
    db.session.commit()
    flash(f"“{product.title}” is published and will appear in the shop shortly.", "success")
    return redirect(url_for(".edit", product_id=product.id))


@bp.post("/<int:product_id>/unpublish")
@login_required
def unpublish(product_id: int) -> Any:
    product = products_of(current_user.vendor).get_or_404(product_id, for_update=True)
    operations.unpublish(product, actor=current_user)
    db.session.commit()
    flash(f"“{product.title}” is back to draft and no longer for sale.", "success")
    return redirect(url_for(".edit", product_id=product.id))


@bp.post("/<int:product_id>/archive")
@login_required
def archive(product_id: int) -> Any:
    product = products_of(current_user.vendor).get_or_404(product_id, for_update=True)
    operations.archive(product, actor=current_user)
    db.session.commit()
    flash(f"“{product.title}” is archived.", "success")
    return redirect(url_for(".index"))


@bp.post("/<int:product_id>/restore")
@login_required
def restore(product_id: int) -> Any:
    product = products_of(current_user.vendor).get_or_404(product_id, for_update=True)
    operations.restore(product, actor=current_user)
    db.session.commit()
    flash(f"“{product.title}” is back to draft.", "success")
    return redirect(url_for(".edit", product_id=product.id))


@bp.route("/<int:product_id>/delete", methods=["GET", "POST"])
@login_required
def delete(product_id: int) -> Any:
    """GET asks for confirmation (or says why it cannot be deleted); POST deletes."""
    product = products_of(current_user.vendor).get_or_404(product_id, for_update=request.method == "POST")
    if request.method == "GET":
        return render_template(
            "catalog/delete.html",
            product=product,
            problem=operations.delete_problem(product),
            vendor=current_user.vendor,
        )
    title = product.title
    operations.delete_product(product, actor=current_user)
    db.session.commit()
    flash(f"“{title}” is deleted.", "success")
    return redirect(url_for(".index"))


def render_edit_page(
    product: Product,
    *,
    form: ProductForm | None = None,
    options: OptionsForm | None = None,
    variants_table: VariantsForm | None = None,
    upload: ImageUploadForm | None = None,
) -> Any:
    """The product page with all its sections; a refused section shows its errors (422), the others as saved."""
    live, kept = variants.split_variants(product)
    # The sections not posted show the product as saved, whatever this request carried.
    form = form or product_form(product, posted=False)
    form.pad_attributes()
    forms = {
        "form": form,
        "options_form": options or options_form(product, **unposted()),
        "variants_form": variants_table or variants_form(live, **unposted()),
        "upload_form": upload or ImageUploadForm(**unposted()),
    }
    refused = any(f.errors or f.form_errors for f in forms.values())
    return render_template(
        "catalog/edit.html",
        product=product,
        vendor=current_user.vendor,
        variants_by_id={v.id: v for v in product.variants},
        kept_variants=kept,
        stocked=variants.stocked_variant_ids(product),
        original_types=original_types([image.media_id for image in product.images]),
        **forms,
    ), (422 if refused else 200)


def _options_message(outcome: variants.OptionsOutcome) -> str:
    parts = []
    if outcome.created:
        parts.append(f"{outcome.created} new variant{'s' if outcome.created != 1 else ''} to check")
    if outcome.deleted:
        parts.append(f"{outcome.deleted} removed")
    if outcome.deactivated:
        parts.append(f"{outcome.deactivated} kept for past orders but no longer sold")
    return "The options are saved" + (f": {', '.join(parts)}." if parts else ".")
