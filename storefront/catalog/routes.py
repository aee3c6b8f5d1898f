"""Catalogue pages."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template

bp = Blueprint("catalog", __name__, template_folder="templates")


@bp.get("/")
def home() -> Any:
    return render_template("catalog/home.html")
