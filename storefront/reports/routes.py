"""The "Report this product" page: a plain form (no JavaScript needed) whose report goes to admin_portal."""

from __future__ import annotations

import uuid
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user

from common_core.errors import InvalidInput, PeerUnavailable
from common_core.web import attach_field_error
from storefront.catalog import queries as catalog_queries
from storefront.catalog.models import Product
from storefront.reports import operations
from storefront.reports.forms import ReportForm

bp = Blueprint("reports", __name__, template_folder="templates")

SENT = "Thanks — our team will review this product."
ADMIN_DOWN = "We couldn't send your report right now. Please try again in a few minutes."


def _customer() -> Any | None:
    return current_user if current_user.is_authenticated else None


def _listed_product(product_id: int) -> Product:
    page = catalog_queries.product_page(product_id) or abort(404)
    return page.product


def _page(form: ReportForm, product: Product, *, status: int = 200, notice: str | None = None) -> Any:
    if not form.report_id.data or form.report_id.errors:
        # Made once per form: a double submit, or a retry after a failure, sends the same report again.
        form.report_id.data = uuid.uuid4().hex
    return render_template("reports/report.html", form=form, product=product, notice=notice), status


@bp.get("/p/<int:product_id>/report")
def new(product_id: int) -> Any:
    product = _listed_product(product_id)
    return _page(ReportForm.for_shopper(_customer()), product)


@bp.post("/p/<int:product_id>/report")
def send(product_id: int) -> Any:
    product = _listed_product(product_id)
    customer = _customer()
    form = ReportForm.for_shopper(customer)
    if not form.validate_on_submit():
        return _page(form, product, status=422)
    try:
        operations.report_product(
            product,
            form.reason_label,
            form.details.data,
            customer=customer,
            email=form.guest_email,
            report_id=form.report_id.data,
        )
    except PeerUnavailable:
        return _page(form, product, status=503, notice=ADMIN_DOWN)
    except InvalidInput as exc:
        attach_field_error(form, exc)
        return _page(form, product, status=422)
    flash(SENT, "success")
    return redirect(url_for("catalog.product", product_id=product.id, slug=product.slug), 303)
