"""Pages that need a peer service say so plainly when it is down, and the rest of the page keeps working.

    with peer_call("vendor_portal") as call:
        stats = client.get("/internal/outbox/stats")
    if call.unavailable:
        ...  # show what the page has without it

PeerUnavailable inside the block becomes a flash (shown on this page, or the next after a redirect)
plus an entry in `unavailable_peers`, which templates read to mark the sections that needed the peer.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from flask import Flask, flash, g

from admin_portal.extensions import db
from common_core.errors import PeerUnavailable

LABELS = {"storefront": "storefront", "vendor_portal": "vendor portal", "admin_portal": "admin portal"}


@dataclass
class PeerCall:
    peer: str
    unavailable: bool = False
    message: str | None = None


@contextmanager
def peer_call(peer: str, *, message: str | None = None, rollback: bool = False) -> Iterator[PeerCall]:
    """Run the block; if `peer` is unavailable, note it (flash once per peer and request) and carry on.

    rollback: for writes, so nothing half-done is committed after the peer failed.
    """
    call = PeerCall(peer)
    try:
        yield call
    except PeerUnavailable as exc:
        if rollback:
            db.session.rollback()
        call.unavailable = True
        call.message = message or exc.message
        note_unavailable(peer, call.message)


def note_unavailable(peer: str, message: str | None = None) -> None:
    noted: dict[str, str] = g.setdefault("unavailable_peers", {})
    if peer in noted:
        return
    noted[peer] = message or f"The {LABELS.get(peer, peer)} is unavailable right now."
    flash(noted[peer], "warning")


def init_app(app: Flask) -> None:
    @app.context_processor
    def unavailable_peers() -> dict[str, dict[str, str]]:
        return {"unavailable_peers": g.get("unavailable_peers", {})}
