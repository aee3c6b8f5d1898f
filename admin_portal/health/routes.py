"""The system health page (owners; analysts read only) and the owners' retry of a dead delivery."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user

from admin_portal.extensions import db
from admin_portal.health import operations, queries
from admin_portal.peers import LABELS, peer_call
from admin_portal.staff.access import roles_required
from common_core.errors import NotFound

bp = Blueprint("health", __name__, url_prefix="/health", template_folder="templates")


@bp.get("")
@roles_required("owner", "analyst")
def index() -> Any:
    return render_template("health/index.html", services=queries.all_services())


@bp.post("/<service>/dead/<int:delivery_id>/retry")
@roles_required("owner")
def retry(service: str, delivery_id: int) -> Any:
    if service not in queries.SERVICES:
        abort(404)
    try:
        with peer_call(service, rollback=True) as call:
            operations.retry_dead_delivery(service, delivery_id, actor=current_user)
    except NotFound as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return redirect(url_for(".index"))
    if not call.unavailable:
        db.session.commit()
        flash(
            f"Delivery {delivery_id} of the {LABELS[service]} is queued again; its relay sends it shortly.", "success"
        )
    return redirect(url_for(".index"))
