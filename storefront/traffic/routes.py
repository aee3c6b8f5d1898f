"""Pages of the traffic domain."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("traffic", __name__, template_folder="templates")
