"""Dashboard page."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template
from flask_login import current_user, login_required

from vendor_portal.catalog.models import PRODUCT_STATUSES
from vendor_portal.catalog.queries import products_of, store_logo

bp = Blueprint("dashboard", __name__, template_folder="templates")


@bp.get("/")
@login_required
def home() -> Any:
    vendor = current_user.vendor
    products = products_of(vendor)
    counts = products.count_by_status()
    return render_template(
        "dashboard/home.html",
        vendor=vendor,
        logo=store_logo(vendor),
        counts={status: counts.get(status, 0) for status in PRODUCT_STATUSES},
        low_stock=products.low_stock_count(),
    )
