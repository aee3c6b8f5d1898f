"""Writing a review from the product page, and a stable address for a product's reviews.

The reviews themselves are shown on the product page (catalog/detail.html includes this domain's
partials, which read queries.product_reviews as a template global).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from common_core.errors import FieldError
from common_core.web import attach_field_error
from storefront.catalog import queries as catalog_queries
from storefront.extensions import db
from storefront.reviews import operations, queries
from storefront.reviews.forms import ReviewForm

bp = Blueprint("reviews", __name__, template_folder="templates")

bp.add_app_template_global(queries.product_reviews)


@bp.get("/p/<int:product_id>/reviews")
def list_reviews(product_id: int) -> Any:
    """A product's reviews live on its page; this address leads there (also where sign-in comes back to)."""
    page = catalog_queries.product_page(product_id) or abort(404)
    number = request.args.get("page", type=int)
    return redirect(
        url_for("catalog.product", product_id=product_id, slug=page.product.slug, page=number, _anchor="reviews")
    )


@bp.post("/p/<int:product_id>/reviews")
@login_required
def create(product_id: int) -> Any:
    page = catalog_queries.product_page(product_id) or abort(404)
    queries.require_can_review(current_user.id, product_id)  # 403 or 409 with the reason
    form = ReviewForm()
    if form.validate_on_submit():
        try:
            operations.write_review(current_user, product_id, form.rating.data, form.body.data)
        except FieldError as exc:
            attach_field_error(form, exc)
        else:
            db.session.commit()
            flash("Thank you. Your review is published.", "success")
            return redirect(
                url_for("catalog.product", product_id=product_id, slug=page.product.slug, _anchor="reviews")
            )
    # The product page again, with the form as typed and each error next to its field.
    variant = page.variant(None)
    context = {"page": page, "variant": variant, "chosen": dict(variant.options) if variant else {}}
    return render_template("catalog/detail.html", **context, review_form=form), 422
