"""The storefront's calls to its peers, one client per peer, on the shared signed client.

Each raises PeerUnavailable when the peer is down (the caller fails closed or, in an event handler,
lets the event be retried) and PeerError for a refusal.
"""

from __future__ import annotations

from typing import Any

from common_core.internal.client import InternalClient


class VendorPortalClient:
    """What the storefront asks the vendor portal for."""

    def __init__(self, client: InternalClient | None = None) -> None:
        self.client = client or InternalClient.for_peer("vendor_portal")

    def image(self, image_id: int) -> dict[str, Any]:
        """An image's sizes: {image_id, sha256, content_type, width, height, thumbnail, medium} (base64)."""
        return self.client.get(f"/internal/images/{int(image_id)}")


class AdminPortalClient:
    """What the storefront tells admin_portal."""

    def __init__(self, client: InternalClient | None = None) -> None:
        self.client = client or InternalClient.for_peer("admin_portal")

    def report_product(self, product_id: int, reason: str, reporter: str | None, report_id: str) -> dict[str, Any]:
        """A shopper's report joins the moderation queue: {flag_id, product_id, status, duplicate}.

        Idempotent by report_id (a repeat answers the first report with duplicate: true), so it is retried.
        """
        body = {"product_id": product_id, "reason": reason, "reporter": reporter, "report_id": report_id}
        return self.client.post("/internal/moderation/reports", body, idempotent=True)
