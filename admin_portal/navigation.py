"""The admin portal's main navigation: each item is shown only to the roles its page lets in."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Flask, request, url_for
from flask_login import current_user

from admin_portal.account.queries import must_enrol
from admin_portal.staff.access import allowed_roles, may_use


def _pending_vendors() -> int:
    from admin_portal.vendors.queries import pending_count

    return pending_count()


def _products_to_review() -> int:
    from admin_portal.products.queries import products_waiting

    return products_waiting()


@dataclass(frozen=True)
class NavItem:
    label: str
    endpoint: str
    # A number worth a glance (e.g. vendors waiting for approval), counted only for staff who see the item.
    count: Callable[[], int] | None = None
    count_label: str = ""

    @property
    def roles(self) -> frozenset[str]:
        # Read from the page's own roles_required guard, so the menu and the guard cannot disagree.
        return allowed_roles(self.endpoint)


NAV_ITEMS: tuple[NavItem, ...] = (
    NavItem("Dashboard", "dashboard.home"),
    NavItem("Categories", "categories.index"),
    NavItem("Vendors", "vendors.index", count=_pending_vendors, count_label="waiting for approval"),
    NavItem("Products", "products.index"),
    NavItem("Moderation", "moderation.index", count=_products_to_review, count_label="waiting for review"),
    NavItem("Customers", "customers.index"),
    NavItem("Orders", "orders.index"),
    NavItem("Ledger", "ledger.index"),
    NavItem("Staff", "staff.index"),
    NavItem("Audit log", "audit.index"),
    NavItem("Health", "health.index"),
)


def visible_nav(staff: Any) -> list[dict[str, Any]]:
    """The items `staff` may use, with their URL, whether the current page is in their section, and a count."""
    if staff.is_authenticated and must_enrol(staff):
        return []  # an owner made to set up two-factor sign-in can open nothing else yet
    items = []
    for item in NAV_ITEMS:
        if not may_use(staff, item.endpoint):
            continue
        href = url_for(item.endpoint)
        current = request.path == href or (href != "/" and request.path.startswith(href.rstrip("/") + "/"))
        count = item.count() if item.count else None
        items.append(
            {"label": item.label, "href": href, "current": current, "count": count, "count_label": item.count_label}
        )
    return items


def init_app(app: Flask) -> None:
    @app.context_processor
    def navigation() -> dict[str, Any]:
        # may_use(endpoint): show a button only to staff the endpoint's own guard lets in.
        return {
            "nav_items": visible_nav(current_user),
            "may_use": lambda endpoint: may_use(current_user, endpoint),
        }
