"""The vendor portal's main navigation: one list, shown to signed-in sellers.

An entry appears only once its page exists (its endpoint is registered), so domains can be added
one at a time without touching the layout.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from flask import Flask, current_app, request, url_for


class NavItem(NamedTuple):
    label: str
    endpoint: str
    blueprint: str


NAV = (
    NavItem("Dashboard", "dashboard.home", "dashboard"),
    NavItem("Products", "catalog.index", "catalog"),
    NavItem("Inventory", "inventory.index", "inventory"),
    NavItem("Orders", "orders.index", "orders"),
    NavItem("Analytics", "analytics.index", "analytics"),
    NavItem("Import", "imports.index", "imports"),
    NavItem("Store profile", "accounts.profile", "accounts"),
)


def nav_items() -> list[dict[str, Any]]:
    return [
        {"label": item.label, "href": url_for(item.endpoint), "current": request.blueprint == item.blueprint}
        for item in NAV
        if item.endpoint in current_app.view_functions
    ]


def init_app(app: Flask) -> None:
    app.jinja_env.globals["vendor_nav_items"] = nav_items
