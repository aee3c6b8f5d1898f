"""The admin portal's client of the vendor portal's internal API."""

from __future__ import annotations

import uuid
from typing import Any

from common_core.internal.client import InternalClient

PEER = "vendor_portal"


class VendorPortal:
    """Calls the vendor portal; raises PeerUnavailable (down, timeout, 5xx) or PeerError (4xx)."""

    def __init__(self) -> None:
        self.http = InternalClient.for_peer(PEER)

    def set_status(self, vendor_id: int, status: str, reason: str | None) -> dict[str, Any]:
        """Ask the vendor portal to move a store to `status`; returns its answer (vendor_id, store_name,
        status, reason). One fresh request id per staff action, so the client's retries of this call
        are applied once, while a second click is a decision of its own."""
        body = {"status": status, "reason": reason, "request_id": str(uuid.uuid4())}
        return self.http.post(f"/internal/vendors/{vendor_id}/status", body, idempotent=True)
