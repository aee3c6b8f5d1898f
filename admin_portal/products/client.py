"""The admin portal's client of the vendor portal's catalogue and stock endpoints (staff's view of products)."""

from __future__ import annotations

from typing import Any

from common_core.internal.client import InternalClient

PEER = "vendor_portal"


class VendorCatalog:
    """Calls the vendor portal; raises PeerUnavailable (down, timeout, 5xx) or PeerError (4xx).

    Writes carry the staff action's request id, so the client's own retries of one call apply once.
    """

    def __init__(self) -> None:
        self.http = InternalClient.for_peer(PEER)

    def search(self, filters: dict[str, Any], *, page: int, per_page: int) -> dict[str, Any]:
        """{products, total, page, per_page}; filters: q, vendor_id, category_id, status, stock, hidden."""
        params = {key: value for key, value in filters.items() if value not in (None, "")}
        return self.http.get("/internal/products", params={**params, "page": page, "per_page": per_page})

    def product(self, product_id: int) -> dict[str, Any]:
        return self.http.get(f"/internal/products/{product_id}")

    def hide(self, product_id: int, reason: str, request_id: str) -> dict[str, Any]:
        body = {"reason": reason, "request_id": request_id}
        return self.http.post(f"/internal/products/{product_id}/hide", body, idempotent=True)

    def restore(self, product_id: int, request_id: str) -> dict[str, Any]:
        return self.http.post(f"/internal/products/{product_id}/restore", {"request_id": request_id}, idempotent=True)

    def adjust_stock(
        self, variant_id: int, *, delta: int, reason: str, note: str, request_id: str, staff_email: str
    ) -> dict[str, Any]:
        body = {"delta": delta, "reason": reason, "note": note, "request_id": request_id, "staff_email": staff_email}
        return self.http.post(f"/internal/variants/{variant_id}/stock", body, idempotent=True)
