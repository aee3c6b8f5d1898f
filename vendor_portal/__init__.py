"""Vendor portal: where sellers run their shop on the platform."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask

import common_ui
from common_core import web
from common_core.config import load_config

SERVICE = "vendor_portal"


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    app = Flask(__name__)
    load_config(app, SERVICE, config)
    # Image uploads: up to 10 files of 8 MB each plus the form (each file is also checked in code).
    app.config.setdefault("MAX_CONTENT_LENGTH", 81 * 1024 * 1024)
    from vendor_portal.extensions import db, login_manager

    db.init_app(app)
    web.init_app(app)
    common_ui.init_app(app, portal="vendor", portal_name="Marketplace Vendors")

    from vendor_portal import (  # noqa: F401 - models: the whole metadata, for Alembic
        accounts,
        analytics,
        catalog,
        cli,
        dashboard,
        imports,
        internal,
        inventory,
        models,
        navigation,
        orders,
    )

    accounts.init_app(app, login_manager)
    dashboard.init_app(app)
    catalog.init_app(app)
    inventory.init_app(app)
    orders.init_app(app)
    analytics.init_app(app)
    imports.init_app(app)
    navigation.init_app(app)
    internal.init_app(app)
    cli.init_app(app)
    return app
