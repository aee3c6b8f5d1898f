"""Sales analytics pages of the signed-in store: figures for a period, charts, best sellers and a CSV export."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from flask import Blueprint, Response, current_app, render_template, request, url_for
from flask_login import current_user, login_required

from vendor_portal.analytics import queries
from vendor_portal.analytics.exports import order_lines_csv
from vendor_portal.analytics.queries import DEFAULT_DAYS, PERIODS, Period
from vendor_portal.orders.formatting import template_helpers

bp = Blueprint("analytics", __name__, url_prefix="/analytics", template_folder="templates")
bp.context_processor(template_helpers)


@bp.get("")
@login_required
def index() -> Any:
    period = _period()
    report = queries.sales_report(current_user.vendor, period)
    return render_template(
        "analytics/index.html",
        report=report,
        periods=PERIODS,
        change=change,
        low_stock_url=_low_stock_url(),
    )


@bp.get("/export.csv")
@login_required
def export_csv() -> Response:
    period = _period()
    body = order_lines_csv(queries.order_lines(current_user.vendor, period))
    filename = f"order-lines-{period.first.isoformat()}-to-{period.last.isoformat()}.csv"
    return Response(
        body,
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def _period() -> Period:
    # Only the offered periods: an arbitrary ?days= would let one request aggregate years of orders.
    days = request.args.get("days", DEFAULT_DAYS, type=int)
    return Period.ending_today(days if days in PERIODS else DEFAULT_DAYS)


def _low_stock_url() -> str | None:
    # The inventory pages are built alongside; link to its list once it is there.
    return url_for("inventory.low_stock") if "inventory.low_stock" in current_app.view_functions else None


def change(current: Decimal | int | None, previous: Decimal | int | None, *, points: bool = False) -> dict[str, Any]:
    """The stat macro's delta and direction for a figure against the previous period."""
    if current is None or previous is None:
        return {"delta": None, "direction": None}
    difference = Decimal(current) - Decimal(previous)
    direction = "up" if difference > 0 else "down" if difference < 0 else "flat"
    if points:
        return {"delta": f"{difference:+.1f} points", "direction": direction}
    if not difference:
        return {"delta": "No change", "direction": direction}
    if not previous:
        return {"delta": "Up from none", "direction": direction}
    percent = (difference * 100 / Decimal(previous)).quantize(Decimal("1"))
    return {"delta": f"{percent:+}%", "direction": direction}
