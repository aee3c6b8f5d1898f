"""The vendor_portal's internal API (signed JSON under /internal/) and the events it consumes."""

from flask import Flask


def init_app(app: Flask) -> None:
    from vendor_portal.internal.routes import api

    api.init_app(app)
