"""Signed endpoints other services call on the admin_portal."""

from __future__ import annotations

from admin_portal.vendors.handlers import apply_vendor_event
from common_core.inbox import Handler, register_event_receiver
from common_core.internal.api import InternalAPI

api = InternalAPI("admin_portal", "Admin portal internal API")

# Event handlers by type; each domain adds its own as it is built.
HANDLERS: dict[str, Handler] = {
    "vendor.upserted": apply_vendor_event,
    "vendor.status_changed": apply_vendor_event,
}
register_event_receiver(api, HANDLERS)
