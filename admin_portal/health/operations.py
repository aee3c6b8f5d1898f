"""Staff actions on the system: retrying a dead event delivery. Operations flush; the request commits."""

from __future__ import annotations

from typing import Any

from admin_portal import audit
from admin_portal.health.queries import SELF, SERVICES
from common_core import outbox
from common_core.errors import NotAllowed, NotFound, PeerError
from common_core.internal.client import InternalClient


def retry_dead_delivery(service: str, delivery_id: int, *, actor: Any) -> None:
    """Give a dead delivery of `service`'s outbox a fresh set of attempts; audited.

    Raises NotFound when there is no such dead delivery (already retried, say) and PeerUnavailable
    when the service cannot be reached.
    """
    if actor is None or actor.role != "owner":
        raise NotAllowed("Only an owner can retry dead deliveries.")
    if service not in SERVICES:
        raise NotFound("There is no such service.")
    gone = NotFound("That delivery is no longer dead; it may have been retried already.")
    if service == SELF:
        # outbox.retry_dead commits on its own connection: the retry stands even if this request fails later.
        if not outbox.retry_dead(delivery_id):
            raise gone
    else:
        try:
            InternalClient.for_peer(service, retries=0).post(f"/internal/outbox/dead/{delivery_id}/retry")
        except PeerError as exc:
            if exc.status == 404:
                raise gone from None
            raise
    audit.record(
        actor,
        "outbox.dead_retried",
        "outbox_delivery",
        f"{service}:{delivery_id}",
        {"status": "dead"},
        {"status": "pending"},
    )
