"""Pages of the mail domain."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("mail", __name__, template_folder="templates")
