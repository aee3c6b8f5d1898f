"""Pages of the orders domain."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("orders", __name__, url_prefix="/orders", template_folder="templates")
