"""The vendor portal's reservation endpoints, as checkout calls them (order id = idempotency key).

Each call raises PeerUnavailable when the vendor portal cannot be reached or answers 5xx, and PeerError
for a refusal (409 out_of_stock / unavailable on reserve, 409 reservation_released on commit).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from common_core.internal.client import InternalClient

RESERVATION_TTL = 900  # 15 minutes: long enough to pay, short enough that an abandoned hold frees up soon


class ReservationClient:
    def __init__(self, client: InternalClient | None = None) -> None:
        self.client = client or InternalClient.for_peer("vendor_portal")

    def reserve(
        self, order_id: str, lines: Iterable[tuple[int, int]], ttl_seconds: int = RESERVATION_TTL
    ) -> dict[str, Any]:
        """Hold every (variant_id, quantity) or none: {order_id, status: "held", expires_at, lines: [...]}."""
        body = {
            "order_id": order_id,
            "lines": [{"variant_id": variant_id, "quantity": quantity} for variant_id, quantity in lines],
            "ttl_seconds": ttl_seconds,
        }
        return self.client.post("/internal/reservations", body, idempotent=True)

    def commit(self, order_id: str) -> dict[str, Any]:
        return self.client.post(f"/internal/reservations/{order_id}/commit", {}, idempotent=True)

    def release(self, order_id: str) -> dict[str, Any]:
        return self.client.post(f"/internal/reservations/{order_id}/release", {}, idempotent=True)
