"""Product pages of the signed-in store: thin views over catalog.operations."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from vendor_portal.catalog import operations
from vendor_portal.catalog.forms import ProductForm
from vendor_portal.catalog.queries import products_of
from vendor_portal.extensions import db

bp = Blueprint("catalog", __name__, url_prefix="/products", template_folder="templates")


@bp.get("")
@login_required
def index() -> Any:
    page = products_of(current_user.vendor).newest_first(request.args.get("page", 1, type=int))
    return render_template("catalog/list.html", page=page, vendor=current_user.vendor)


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new() -> Any:
    form = ProductForm()
    if form.validate_on_submit():
        product = operations.create_product(
            current_user.vendor,
            title=form.title.data,
            description=form.description.data,
            price=form.price.data,
            currency=form.currency.data,
            actor=current_user,
        )
        db.session.commit()
        flash(f"“{product.title}” is saved as a draft.", "success")
        return redirect(url_for(".edit", product_id=product.id))
    return render_template("catalog/form.html", form=form, product=None, vendor=current_user.vendor), (
        422 if form.errors else 200
    )


@bp.route("/<int:product_id>/edit", methods=["GET", "POST"])
@login_required
def edit(product_id: int) -> Any:
    product = products_of(current_user.vendor).get_or_404(product_id, for_update=request.method == "POST")
    form = ProductForm(obj=product, price=product.price_from)
    if form.validate_on_submit():
        operations.update_product(
            product,
            title=form.title.data,
            description=form.description.data,
            price=form.price.data,
            currency=form.currency.data,
            actor=current_user,
        )
        db.session.commit()
        flash(f"“{product.title}” is saved.", "success")
        return redirect(url_for(".edit", product_id=product.id))
    return render_template("catalog/form.html", form=form, product=product, vendor=current_user.vendor), (
        422 if form.errors else 200
    )


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
