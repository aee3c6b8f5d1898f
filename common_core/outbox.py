"""Transactional outbox and its relay.

record_event() writes the event and one delivery row per subscriber in the caller's transaction, and
NOTIFYs the relay, which PostgreSQL only delivers on commit. The relay claims due deliveries with
SELECT ... FOR UPDATE SKIP LOCKED (two relays never send the same row at once), POSTs them signed to
the subscriber's /internal/events, and on failure backs off exponentially with jitter until the
attempt bound, when the delivery is marked dead (visible in admin's system health, retryable).
Delivery is at least once: subscribers dedupe by event id (see inbox.py).
"""

from __future__ import annotations

import logging
import random
import select
import time
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import psycopg
import sqlalchemy as sa
from flask import Flask, current_app, g, has_request_context

from common_core import contracts
from common_core.db import current_db, table, utcnow
from common_core.errors import DomainError
from common_core.internal.client import InternalClient

log = logging.getLogger("marketplace.relay")
CHANNEL = "outbox"


def record_event(event_type: str, data: dict[str, Any], *, event_id: uuid.UUID | None = None) -> uuid.UUID:
    """Add an event to the outbox in the current transaction (the caller commits)."""
    spec = contracts.validate(event_type, data)
    if spec.producer != current_app.config["SERVICE"]:
        raise ValueError(f"{current_app.config['SERVICE']} does not produce {event_type}")
    session = current_db().session
    event_id = event_id or uuid.uuid4()
    request_id = getattr(g, "request_id", None) if has_request_context() else None
    session.execute(
        sa.insert(table("outbox_event")).values(
            id=event_id,
            type=event_type,
            version=spec.version,
            occurred_at=utcnow(),
            data=data,
            request_id=request_id,
        )
    )
    session.execute(
        sa.insert(table("outbox_delivery")),
        [{"event_id": event_id, "subscriber": subscriber} for subscriber in spec.consumers],
    )
    session.execute(sa.text(f"NOTIFY {CHANNEL}"))
    return event_id


def backoff_seconds(attempts: int) -> float:
    """Exponential backoff with full jitter: about 1 s, 2 s, 4 s ... capped at 10 minutes."""
    ceiling = min(600.0, 2.0 ** min(max(0, attempts - 1), 10))
    return ceiling / 2 + random.random() * ceiling / 2


def deliver_due(
    limit: int = 20, *, now: datetime | None = None, send: Callable[[str, dict[str, Any]], None] | None = None
) -> int:
    """Deliver up to `limit` due deliveries; returns how many were attempted."""
    db = current_db()
    deliveries, events = table("outbox_delivery"), table("outbox_event")
    max_attempts = int(current_app.config.get("OUTBOX_MAX_ATTEMPTS", 12))
    send = send or _send
    moment = now or utcnow()
    with db.engine.connect() as conn:
        with conn.begin():
            rows = (
                conn.execute(
                    sa.select(
                        deliveries.c.id,
                        deliveries.c.subscriber,
                        deliveries.c.attempts,
                        events.c.id.label("event_id"),
                        events.c.type,
                        events.c.version,
                        events.c.occurred_at,
                        events.c.data,
                        events.c.request_id,
                    )
                    .join(events, events.c.id == deliveries.c.event_id)
                    .where(deliveries.c.status == "pending", deliveries.c.next_attempt_at <= moment)
                    .order_by(deliveries.c.next_attempt_at, events.c.occurred_at)
                    .limit(limit)
                    .with_for_update(of=deliveries, skip_locked=True)
                )
                .mappings()
                .all()
            )
            for row in rows:
                envelope = {
                    "id": str(row["event_id"]),
                    "type": row["type"],
                    "version": row["version"],
                    "occurred_at": row["occurred_at"].isoformat(),
                    "source": current_app.config["SERVICE"],
                    "request_id": row["request_id"],
                    "data": row["data"],
                }
                try:
                    send(row["subscriber"], envelope)
                except Exception as exc:  # noqa: BLE001 - any failure is a failed attempt, recorded below
                    attempts = row["attempts"] + 1
                    dead = attempts >= max_attempts
                    conn.execute(
                        sa.update(deliveries)
                        .where(deliveries.c.id == row["id"])
                        .values(
                            attempts=attempts,
                            last_error=f"{type(exc).__name__}: {exc}"[:500],
                            status="dead" if dead else "pending",
                            next_attempt_at=moment + timedelta(seconds=backoff_seconds(attempts)),
                        )
                    )
                    log.warning(
                        "event delivery failed",
                        extra={
                            "event_id": envelope["id"],
                            "event_type": envelope["type"],
                            "subscriber": row["subscriber"],
                            "attempts": attempts,
                            "dead": dead,
                        },
                    )
                else:
                    conn.execute(
                        sa.update(deliveries)
                        .where(deliveries.c.id == row["id"])
                        .values(
                            attempts=row["attempts"] + 1,
                            status="delivered",
                            delivered_at=utcnow(),
                            last_error=None,
                        )
                    )
        return len(rows)


def _send(subscriber: str, envelope: dict[str, Any]) -> None:
    client = InternalClient.for_peer(subscriber, retries=0)
    client.post("/internal/events", envelope)


def drain(*, max_rounds: int = 100, include_backoff: bool = False) -> int:
    """Deliver everything due now (tests and CLI). With include_backoff, retries wait for nobody."""
    total = 0
    for _ in range(max_rounds):
        moment = utcnow() + timedelta(days=1) if include_backoff else None
        sent = deliver_due(100, now=moment)
        total += sent
        if not sent:
            break
    return total


def stats() -> dict[str, Any]:
    """Backlog figures for health pages and metrics."""
    deliveries = table("outbox_delivery")
    with current_db().engine.connect() as conn:
        rows = conn.execute(
            sa.select(deliveries.c.status, sa.func.count(), sa.func.min(deliveries.c.next_attempt_at))
            .where(deliveries.c.status != "delivered")
            .group_by(deliveries.c.status)
        ).all()
    counts = {status: count for status, count, _ in rows}
    oldest = next((oldest for status, _, oldest in rows if status == "pending"), None)
    return {
        "pending": counts.get("pending", 0),
        "dead": counts.get("dead", 0),
        "oldest_pending_due": oldest.isoformat() if oldest else None,
    }


def dead_deliveries(limit: int = 100) -> list[dict[str, Any]]:
    deliveries, events = table("outbox_delivery"), table("outbox_event")
    with current_db().engine.connect() as conn:
        rows = (
            conn.execute(
                sa.select(
                    deliveries.c.id,
                    deliveries.c.subscriber,
                    deliveries.c.attempts,
                    deliveries.c.last_error,
                    events.c.id.label("event_id"),
                    events.c.type,
                    events.c.occurred_at,
                )
                .join(events, events.c.id == deliveries.c.event_id)
                .where(deliveries.c.status == "dead")
                .order_by(events.c.occurred_at.desc())
                .limit(limit)
            )
            .mappings()
            .all()
        )
    return [{**row, "event_id": str(row["event_id"]), "occurred_at": row["occurred_at"].isoformat()} for row in rows]


def retry_dead(delivery_id: int) -> bool:
    """Give a dead delivery a fresh set of attempts."""
    deliveries = table("outbox_delivery")
    with current_db().engine.begin() as conn:
        updated = conn.execute(
            sa.update(deliveries)
            .where(deliveries.c.id == delivery_id, deliveries.c.status == "dead")
            .values(status="pending", attempts=0, next_attempt_at=utcnow(), last_error=None)
        )
        conn.execute(sa.text(f"NOTIFY {CHANNEL}"))
    return updated.rowcount == 1


def add_chore(app: Flask, chore: Callable[[], object], every_seconds: float) -> None:
    """Have the relay run `chore` (in app context) at most once per `every_seconds`."""
    app.extensions.setdefault("relay_chores", []).append((chore, every_seconds))


def _psycopg_dsn(app: Flask) -> str:
    url = sa.engine.make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


def run_relay(app: Flask, *, idle_wait: float = 5.0, stop: Callable[[], bool] = lambda: False) -> None:
    """Deliver events until stopped: wake on NOTIFY, else every idle_wait seconds for retries.

    Periodic chores registered with add_chore() (such as releasing expired reservations) run in
    app context at most once per their interval.
    """
    listener: psycopg.Connection | None = None
    last_run: dict[int, float] = {}
    while not stop():
        try:
            if listener is None:
                listener = psycopg.connect(_psycopg_dsn(app), autocommit=True)
                listener.execute(f"LISTEN {CHANNEL}")
            with app.app_context():
                while deliver_due() and not stop():
                    pass
                for index, (chore, interval) in enumerate(app.extensions.get("relay_chores", [])):
                    if time.monotonic() - last_run.get(index, float("-inf")) >= interval:
                        last_run[index] = time.monotonic()
                        chore()
            # Wait for a NOTIFY (an event was committed) or the idle timeout (a retry may be due).
            ready, _, _ = select.select([listener.fileno()], [], [], idle_wait)
            if ready:
                for _ in listener.notifies(timeout=0):
                    pass
        except (psycopg.OperationalError, sa.exc.OperationalError, sa.exc.DBAPIError) as exc:
            log.warning(
                "relay lost the database, retrying", extra={"error": str(exc)[:200], "service": app.config["SERVICE"]}
            )
            if listener is not None:
                listener.close()
                listener = None
            time.sleep(min(idle_wait, 2.0))
        except DomainError as exc:
            log.error("relay chore failed", extra={"error": exc.message})
            time.sleep(1.0)
    if listener is not None:
        listener.close()
