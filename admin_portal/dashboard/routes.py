"""The dashboard (every role, read only): platform figures for a period against the one before."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template, request
from flask_login import current_user

from admin_portal.dashboard import queries
from admin_portal.dashboard.forms import PeriodForm
from admin_portal.staff.access import roles_required
from admin_portal.staff.models import STAFF_ROLES

bp = Blueprint("dashboard", __name__, template_folder="templates")


@bp.get("/")
@roles_required(*STAFF_ROLES)
def home() -> Any:
    form = PeriodForm(formdata=request.args)
    if not form.validate():
        return render_template("dashboard/home.html", staff=current_user, form=form, board=None), 422
    board = queries.dashboard(form.chosen())
    return render_template(
        "dashboard/home.html", staff=current_user, form=form, board=board, tiles=queries.tiles(board)
    )
