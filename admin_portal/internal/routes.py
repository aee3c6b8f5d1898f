"""Signed endpoints other services call on the admin_portal."""

from __future__ import annotations

from common_core.inbox import register_event_receiver
from common_core.internal.api import InternalAPI

api = InternalAPI("admin_portal", "Admin portal internal API")

# Event handlers by type; each domain adds its own as it is built.
HANDLERS: dict = {}
register_event_receiver(api, HANDLERS)
