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
