"""Pages of the reviews domain."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("reviews", __name__, template_folder="templates")
