"""The admin portal's client of the storefront's order endpoints."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from common_core.internal.client import InternalClient

PEER = "storefront"
PAGE_MAX = 100  # the storefront's largest page


class StorefrontOrders:
    """Calls the storefront; raises PeerUnavailable (down, timeout, 5xx) or PeerError (4xx).

    Cancels carry the staff action's request id and refunds its refund id, so the client's own retries of
    one call are applied once.
    """

    def __init__(self) -> None:
        self.http = InternalClient.for_peer(PEER)

    def search(self, filters: dict[str, Any], *, page: int, per_page: int) -> dict[str, Any]:
        """{orders, total, page, per_page}; filters: status, vendor_id, q, date_from, date_to, min_total,
        max_total, customer_id."""
        params = {key: value for key, value in filters.items() if value not in (None, "")}
        return self.http.get("/internal/orders", params={**params, "page": page, "per_page": per_page})

    def each_order(self, filters: dict[str, Any], *, limit: int) -> Iterator[dict[str, Any]]:
        """Every order matching `filters`, newest first, at most `limit`, a page of 100 at a time."""
        page, seen = 1, 0
        while seen < limit:
            answer = self.search(filters, page=page, per_page=PAGE_MAX)
            for order in answer["orders"][: limit - seen]:
                seen += 1
                yield order
            if not answer["orders"] or page * PAGE_MAX >= answer["total"]:
                return
            page += 1

    def order(self, number: str) -> dict[str, Any]:
        return self.http.get(f"/internal/orders/{number}")

    def cancel(self, number: str, *, reason: str, request_id: str, actor: str) -> dict[str, Any]:
        body = {"request_id": request_id, "reason": reason, "actor": actor}
        return self.http.post(f"/internal/orders/{number}/cancel", body, idempotent=True)

    def refund(
        self, number: str, *, refund_id: str, amount: str, reason: str, lines: list[dict[str, str]], actor: str
    ) -> dict[str, Any]:
        """{refund, order}; 409 refund_exceeds_paid (with the storefront's message) above what is left."""
        body: dict[str, Any] = {"refund_id": refund_id, "amount": amount, "reason": reason, "actor": actor}
        if lines:
            body["lines"] = lines
        return self.http.post(f"/internal/orders/{number}/refunds", body, idempotent=True)
