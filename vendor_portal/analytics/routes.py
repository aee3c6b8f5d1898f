"""Pages of the analytics domain."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("analytics", __name__, url_prefix="/analytics", template_folder="templates")
