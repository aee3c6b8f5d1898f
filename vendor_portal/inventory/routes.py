"""Pages of the inventory domain."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("inventory", __name__, url_prefix="/inventory", template_folder="templates")
