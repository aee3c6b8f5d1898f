"""The audit log page (owners only): a read-only view of every recorded staff action."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template, request

from admin_portal.audit import queries
from admin_portal.audit.forms import AuditSearchForm
from admin_portal.staff.access import roles_required

bp = Blueprint("audit", __name__, template_folder="templates")


@bp.get("/audit")
@roles_required("owner")
def index() -> Any:
    form = AuditSearchForm(formdata=request.args).with_choices(queries.known_actions(), queries.known_object_types())
    if not form.validate():
        # Show what is wrong rather than a list that silently ignores part of the search.
        return render_template("audit/list.html", form=form, page=None), 422
    page = queries.search(form.criteria(), page=request.args.get("page", 1, type=int))
    return render_template("audit/list.html", form=form, page=page)
