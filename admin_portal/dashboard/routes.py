"""Dashboard pages."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template
from flask_login import current_user

from admin_portal.staff.access import roles_required
from admin_portal.staff.models import STAFF_ROLES

bp = Blueprint("dashboard", __name__, template_folder="templates")


@bp.get("/")
@roles_required(*STAFF_ROLES)
def home() -> Any:
    return render_template("dashboard/home.html", staff=current_user)
