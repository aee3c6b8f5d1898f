"""Pages of the imports domain."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("imports", __name__, url_prefix="/imports", template_folder="templates")
