"""Category pages (owners and catalogue managers): thin views over categories.operations."""

from __future__ import annotations

from typing import Any, Literal

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from admin_portal.categories import operations, queries
from admin_portal.categories.forms import CategoryCreateForm, CategoryMoveForm, CategoryRenameForm
from admin_portal.categories.models import Category
from admin_portal.extensions import db
from admin_portal.staff.access import CATALOGUE_ROLES, roles_required
from common_core.errors import Conflict, FieldError
from common_core.web import attach_field_error

bp = Blueprint("categories", __name__, url_prefix="/categories", template_folder="templates")


@bp.get("")
@roles_required(*CATALOGUE_ROLES)
def index() -> Any:
    return render_template("categories/list.html", tree=queries.tree(), retired=queries.retired())


@bp.route("/new", methods=["GET", "POST"])
@roles_required(*CATALOGUE_ROLES)
def new() -> Any:
    form = CategoryCreateForm(parent=request.args.get("parent", ""))
    form.set_parents(queries.top_level_choices())
    if form.validate_on_submit():
        try:
            category = operations.create_category(
                form.name.data, parent_id=form.parent_id, slug=form.slug.data, actor=current_user
            )
        except FieldError as exc:
            attach_field_error(form, exc)
        else:
            db.session.commit()
            flash(f"{category.name} is added. Vendors and the shop receive it shortly.", "success")
            return redirect(url_for(".index"))
    return render_template("categories/new.html", form=form), _status(form)


@bp.route("/<int:category_id>/edit", methods=["GET", "POST"])
@roles_required(*CATALOGUE_ROLES)
def edit(category_id: int) -> Any:
    category = _active_or_404(category_id)
    rename_form = CategoryRenameForm(obj=category)
    if rename_form.validate_on_submit():
        try:
            changed = operations.rename_category(
                category, rename_form.name.data, rename_form.slug.data, actor=current_user
            )
        except FieldError as exc:
            attach_field_error(rename_form, exc)
        else:
            db.session.commit()
            flash(f"{category.name} is saved." if changed else "Nothing was changed.", "success" if changed else "info")
            return redirect(url_for(".index"))
    return _edit_page(category, rename_form=rename_form), _status(rename_form)


@bp.post("/<int:category_id>/move")
@roles_required(*CATALOGUE_ROLES)
def move(category_id: int) -> Any:
    category = _active_or_404(category_id)
    move_form = _move_form(category)
    if move_form.validate_on_submit():
        try:
            moved = operations.move_category(category, move_form.parent_id, actor=current_user)
        except FieldError as exc:
            attach_field_error(move_form, exc)
        else:
            db.session.commit()
            where = f"under {category.parent.name}" if category.parent else "to the top level"
            flash(
                f"{category.name} is moved {where}." if moved else "It is already there.",
                "success" if moved else "info",
            )
            return redirect(url_for(".index"))
    return _edit_page(category, move_form=move_form), _status(move_form)


@bp.post("/<int:category_id>/<any(up, down):direction>")
@roles_required(*CATALOGUE_ROLES)
def reorder(category_id: int, direction: Literal["up", "down"]) -> Any:
    category = _active_or_404(category_id)
    operations.reorder_category(category, direction, actor=current_user)
    db.session.commit()
    if request.headers.get("HX-Request"):
        # htmx swaps the tree in place; without JS the browser follows the redirect to the full page.
        return render_template("categories/_tree.html", tree=queries.tree())
    flash(f"{category.name} is moved {direction}.", "success")
    return redirect(url_for(".index", _anchor=f"category-{category.id}"))


@bp.route("/<int:category_id>/retire", methods=["GET", "POST"])
@roles_required(*CATALOGUE_ROLES)
def retire(category_id: int) -> Any:
    category = _active_or_404(category_id)
    if request.method == "POST":
        operations.retire_category(category, actor=current_user)
        db.session.commit()
        flash(f"{category.name} is retired. Vendors and shoppers no longer see it.", "success")
        return redirect(url_for(".index"))
    return render_template("categories/retire.html", category=category, children=category.active_children)


def _active_or_404(category_id: int) -> Category:
    category = queries.category_or_404(category_id)
    if not category.is_active:
        # An old link to a retired category: say so (the app's error mapping renders it) rather than 404.
        raise Conflict(f"{category.name} is retired and can no longer be changed.")
    return category


def _move_form(category: Category) -> CategoryMoveForm:
    form = CategoryMoveForm(prefix="move", parent=str(category.parent_id or ""))
    form.set_parents(queries.top_level_choices(exclude=category))
    return form


def _edit_page(
    category: Category, *, rename_form: CategoryRenameForm | None = None, move_form: CategoryMoveForm | None = None
) -> str:
    return render_template(
        "categories/edit.html",
        category=category,
        rename_form=rename_form or CategoryRenameForm(obj=category, formdata=None),
        move_form=move_form or _move_form(category),
        children=category.active_children,
    )


def _status(form: Any) -> int:
    return 422 if form.errors or form.form_errors else 200
