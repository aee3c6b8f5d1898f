"""The admin portal's main navigation: each item is shown only to the roles its page lets in."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Flask, request, url_for
from flask_login import current_user

from admin_portal.staff.access import allowed_roles, may_use


@dataclass(frozen=True)
class NavItem:
    label: str
    endpoint: str

    @property
    def roles(self) -> frozenset[str]:
        # Read from the page's own roles_required guard, so the menu and the guard cannot disagree.
        return allowed_roles(self.endpoint)


NAV_ITEMS: tuple[NavItem, ...] = (
    NavItem("Dashboard", "dashboard.home"),
    NavItem("Staff", "staff.index"),
)


def visible_nav(staff: Any) -> list[dict[str, Any]]:
    """The items `staff` may use, with their URL and whether the current page is in their section."""
    items = []
    for item in NAV_ITEMS:
        if not may_use(staff, item.endpoint):
            continue
        href = url_for(item.endpoint)
        current = request.path == href or (href != "/" and request.path.startswith(href.rstrip("/") + "/"))
        items.append({"label": item.label, "href": href, "current": current})
    return items


def init_app(app: Flask) -> None:
    @app.context_processor
    def navigation() -> dict[str, Any]:
        return {"nav_items": visible_nav(current_user)}
