"""Storefront: where shoppers browse, search, keep a cart, check out and follow their orders."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask

import common_ui
from common_core import web
from common_core.config import load_config

SERVICE = "storefront"


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    app = Flask(__name__)
    load_config(app, SERVICE, config)
    from storefront.extensions import db, login_manager

    db.init_app(app)
    web.init_app(app)
    common_ui.init_app(app, portal="storefront", portal_name="Marketplace")

    from storefront import (  # noqa: F401 - models: the whole metadata, for Alembic
        account,
        cart,
        catalog,
        checkout,
        cli,
        formatting,
        internal,
        mail,
        models,
        orders,
        reports,
        reviews,
        traffic,
    )

    formatting.init_app(app)
    account.init_app(app, login_manager)
    catalog.init_app(app)
    cart.init_app(app)
    checkout.init_app(app)
    orders.init_app(app)
    reviews.init_app(app)
    reports.init_app(app)
    traffic.init_app(app)
    mail.init_app(app)
    internal.init_app(app)
    cli.init_app(app)
    return app
