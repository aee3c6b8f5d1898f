"""Admin portal: the platform staff's back office."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask

import common_ui
from common_core import web
from common_core.config import load_config

SERVICE = "admin_portal"


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    app = Flask(__name__)
    load_config(app, SERVICE, config)
    from admin_portal.extensions import db, login_manager

    db.init_app(app)
    web.init_app(app)
    common_ui.init_app(app, portal="admin", portal_name="Marketplace Admin")

    from admin_portal import (
        account,
        audit,
        categories,
        cli,
        customers,
        dashboard,
        health,
        internal,
        ledger,
        navigation,
        orders,
        peers,
        products,
        staff,
        templating,
        vendors,
    )

    staff.init_app(app, login_manager)
    account.init_app(app)
    dashboard.init_app(app)
    categories.init_app(app)
    vendors.init_app(app)
    products.init_app(app)
    customers.init_app(app)
    orders.init_app(app)
    ledger.init_app(app)
    health.init_app(app)
    audit.init_app(app)
    peers.init_app(app)
    templating.init_app(app)
    navigation.init_app(app)
    internal.init_app(app)
    cli.init_app(app)
    return app
