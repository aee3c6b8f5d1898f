"""The admin portal's client of the storefront's customer endpoints."""

from __future__ import annotations

from typing import Any

from common_core.internal.client import InternalClient

PEER = "storefront"


class StorefrontCustomers:
    """Calls the storefront; raises PeerUnavailable (down, timeout, 5xx) or PeerError (4xx)."""

    def __init__(self) -> None:
        self.http = InternalClient.for_peer(PEER)

    def search(self, *, q: str | None, status: str | None, page: int, per_page: int) -> dict[str, Any]:
        """{customers: [{customer_id, email, name, status, created_at, orders_count}], total, page, per_page}."""
        params: dict[str, Any] = {"page": page, "per_page": per_page}
        if q:
            params["q"] = q
        if status:
            params["status"] = status
        return self.http.get("/internal/customers", params=params)

    def customer(self, customer_id: int) -> dict[str, Any]:
        return self.http.get(f"/internal/customers/{customer_id}")

    def set_status(self, customer_id: int, status: str, reason: str, request_id: str) -> dict[str, Any]:
        """Suspend (ends every session of the customer) or reactivate; the same status again changes nothing."""
        body = {"status": status, "reason": reason, "request_id": request_id}
        return self.http.post(f"/internal/customers/{customer_id}/status", body, idempotent=True)
