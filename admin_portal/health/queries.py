"""What the health page shows for each service, read live: its /readyz, its outbox backlog and dead deliveries.

A peer that does not answer is reported unreachable and the other services are still shown; calls use
short timeouts and no retries, so a page with a peer down still comes back quickly.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import requests
import sqlalchemy as sa
from flask import current_app

from admin_portal.extensions import db
from admin_portal.peers import LABELS, note_unavailable, peer_call
from common_core import migrations, outbox
from common_core.errors import PeerError
from common_core.internal.client import InternalClient

SELF = "admin_portal"
SERVICES = ("storefront", "vendor_portal", SELF)
TIMEOUT = (1.0, 2.0)  # connect, read: the page waits at most this long for a peer


@dataclass
class ServiceHealth:
    service: str
    readiness: str  # ready | not_ready | unreachable
    checks: dict[str, Any] = field(default_factory=dict)
    outbox: dict[str, Any] | None = None
    dead: list[dict[str, Any]] | None = None
    problem: str | None = None  # why the outbox figures are missing, when they are

    @property
    def label(self) -> str:
        return LABELS[self.service].capitalize()


def all_services() -> list[ServiceHealth]:
    return [own_health() if service == SELF else peer_health(service) for service in SERVICES]


def own_health() -> ServiceHealth:
    """This service, checked directly (the same checks as its /readyz)."""
    with db.engine.connect() as conn:
        conn.execute(sa.text("SELECT 1"))
        current = migrations.current_revisions(conn)
    at_head = current == migrations.head_revisions(current_app._get_current_object())
    checks = {"database": "ok", "migrations": "ok" if at_head else "pending", "revision": sorted(current)}
    return ServiceHealth(
        SELF,
        "ready" if at_head else "not_ready",
        checks,
        outbox=outbox.stats(),
        dead=outbox.dead_deliveries(),
    )


def peer_health(peer: str) -> ServiceHealth:
    checks = readiness(peer)
    if checks is None:
        note_unavailable(peer, f"The {LABELS[peer]} is unreachable right now.")
        return ServiceHealth(peer, "unreachable", problem="The service did not answer.")
    health = ServiceHealth(peer, "ready" if checks.get("status") == "ready" else "not_ready", checks)
    client = InternalClient.for_peer(peer, retries=0, timeout=TIMEOUT)
    try:
        with peer_call(peer) as call:
            health.outbox = client.get("/internal/outbox/stats")
            health.dead = client.get("/internal/outbox/dead")["deliveries"]
    except PeerError as exc:
        health.problem = f"The service refused to report its outbox: {exc.message}"
    if call.unavailable:
        health.problem = call.message
    return health


def readiness(peer: str) -> dict[str, Any] | None:
    """The peer's /readyz answer (public, unsigned), or None when it does not answer at all."""
    url = f"{current_app.config['PEERS'][peer]}/readyz"
    # In-process tests reach peers through sessions wired to their WSGI apps; production uses the network.
    session = current_app.extensions.get("internal_sessions", {}).get(peer)
    try:
        response = (session or requests).get(url, timeout=TIMEOUT, headers={"Accept": "application/json"})
    except requests.RequestException:
        return None
    try:
        body = response.json()
    except ValueError:
        body = {}
    if not isinstance(body, dict):
        body = {}
    if response.status_code != 200:
        body["status"] = "not_ready"
    return body
