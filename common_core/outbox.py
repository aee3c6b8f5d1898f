"""Transactional outbox and its relay.

record_event() writes the event and one delivery row per subscriber in the caller's transaction, and
NOTIFYs the relay, which PostgreSQL only delivers on commit. The relay claims due deliveries with
SELECT ... FOR UPDATE SKIP LOCKED (two relays never send the same row at once), POSTs them signed in
one batch per subscriber to its /internal/events/batch (which answers per event), and on a failed
event or batch backs off exponentially with jitter until the attempt bound, when the delivery is
marked dead (visible in admin's system health, retryable). A subscriber whose whole batch failed (it
is down) is also paused in the running relay (Pauses), so each new event is not tried on it alone.
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
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID

from common_core import contracts
from common_core.db import current_db, table, utcnow
from common_core.errors import DomainError
from common_core.inbox import ACCEPTED, MAX_BATCH
from common_core.internal.client import InternalClient

log = logging.getLogger("marketplace.relay")
CHANNEL = "outbox"
BATCH_PATH = "/internal/events/batch"


# The event, a delivery per subscriber and the relay's wake-up in one statement: one round trip
# instead of three on every write that announces something (a reserve, a placed order ...).
_RECORD = sa.text(
    "WITH event AS ("
    " INSERT INTO outbox_event (id, type, version, occurred_at, data, request_id)"
    " VALUES (:id, :type, :version, :occurred_at, :data, :request_id) RETURNING id"
    "), delivery AS ("
    " INSERT INTO outbox_delivery (event_id, subscriber)"
    " SELECT event.id, subscriber FROM event, unnest(:subscribers) AS subscriber"
    ") SELECT pg_notify(:channel, '')"
).bindparams(
    sa.bindparam("id", type_=UUID(as_uuid=True)),
    sa.bindparam("occurred_at", type_=sa.DateTime(timezone=True)),
    sa.bindparam("data", type_=JSONB),
    sa.bindparam("subscribers", type_=ARRAY(sa.String)),
)


def record_event(event_type: str, data: dict[str, Any], *, event_id: uuid.UUID | None = None) -> uuid.UUID:
    """Add an event to the outbox in the current transaction (the caller commits)."""
    spec = contracts.validate(event_type, data)
    if spec.producer != current_app.config["SERVICE"]:
        raise ValueError(f"{current_app.config['SERVICE']} does not produce {event_type}")
    event_id = event_id or uuid.uuid4()
    current_db().session.execute(
        _RECORD,
        {
            "id": event_id,
            "type": event_type,
            "version": spec.version,
            "occurred_at": utcnow(),
            "data": data,
            "request_id": getattr(g, "request_id", None) if has_request_context() else None,
            "subscribers": list(spec.consumers),
            "channel": CHANNEL,
        },
    )
    return event_id


def backoff_seconds(attempts: int) -> float:
    """Exponential backoff with full jitter: about 1 s, 2 s, 4 s ... capped at 10 minutes."""
    ceiling = min(600.0, 2.0 ** min(max(0, attempts - 1), 10))
    return ceiling / 2 + random.random() * ceiling / 2


Sender = Callable[[str, list[dict[str, Any]]], list[dict[str, Any]]]
PAUSE_MAX = 30.0  # seconds: the longest a relay leaves a failing subscriber alone before trying again


class Pauses:
    """Subscribers a relay leaves alone for now because their last batch failed as a whole.

    Without them a subscriber that is down gets every new event tried on it at once, each a failed
    attempt to record, for as long as it is down. A pause lasts about 1 s after one failed batch and
    doubles with each failure in a row (at most PAUSE_MAX); the first batch that gets through ends
    it. Each delivery's own backoff still applies when a pause ends. One per relay process.
    """

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self._until: dict[str, float] = {}
        self._failures: dict[str, int] = {}

    def paused(self) -> list[str]:
        now = self.clock()
        return sorted(subscriber for subscriber, until in self._until.items() if until > now)

    def failed(self, subscriber: str) -> None:
        failures = self._failures[subscriber] = self._failures.get(subscriber, 0) + 1
        self._until[subscriber] = self.clock() + min(PAUSE_MAX, backoff_seconds(failures))

    def reached(self, subscriber: str) -> None:
        self._failures.pop(subscriber, None)
        self._until.pop(subscriber, None)


class BadAnswer(Exception):
    """A subscriber's answer to a batch that is not one result per event, in order."""


def deliver_due(
    limit: int = MAX_BATCH, *, now: datetime | None = None, send: Sender | None = None, pauses: Pauses | None = None
) -> int:
    """Deliver up to `limit` due deliveries, in one batch per subscriber; returns how many were attempted.

    `send(subscriber, envelopes)` delivers one subscriber's batch (at most MAX_BATCH envelopes) and
    returns its results in the same order, each {"id", "status", ...} as /internal/events/batch answers
    them; it raises when the batch as a whole failed. It defaults to batch_sender(), one signed client
    per subscriber. The claimed rows stay locked (SKIP LOCKED) until their outcome is recorded, so no
    other relay sends them meanwhile. With `pauses`, paused subscribers' deliveries wait where they are,
    and each batch's outcome pauses or releases its subscriber.
    """
    db = current_db()
    deliveries, events = table("outbox_delivery"), table("outbox_event")
    send = send or batch_sender()
    moment = now or utcnow()
    due = sa.and_(deliveries.c.status == "pending", deliveries.c.next_attempt_at <= moment)
    paused = pauses.paused() if pauses is not None else []
    if paused:
        due = sa.and_(due, deliveries.c.subscriber.not_in(paused))
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
                    .where(due)
                    .order_by(deliveries.c.next_attempt_at, events.c.occurred_at)
                    .limit(limit)
                    .with_for_update(of=deliveries, skip_locked=True)
                )
                .mappings()
                .all()
            )
            by_subscriber: dict[str, list[sa.RowMapping]] = {}
            for row in rows:
                by_subscriber.setdefault(row["subscriber"], []).append(row)
            for subscriber, group in by_subscriber.items():
                for start in range(0, len(group), MAX_BATCH):
                    reached = _deliver_batch(conn, subscriber, group[start : start + MAX_BATCH], send, moment)
                    if pauses is not None:
                        (pauses.reached if reached else pauses.failed)(subscriber)
        return len(rows)


def _deliver_batch(
    conn: sa.Connection, subscriber: str, rows: list[sa.RowMapping], send: Sender, moment: datetime
) -> bool:
    """Send one subscriber its batch and record each delivery's outcome (the caller's transaction commits).

    False when the batch failed as a whole (the subscriber is down or answered nonsense).
    """
    deliveries = table("outbox_delivery")
    envelopes = [_envelope(row) for row in rows]
    reached = True
    try:
        results = _checked(send(subscriber, envelopes), envelopes)
    except Exception as exc:  # noqa: BLE001 - any failure is a failed attempt for the whole batch, recorded below
        reached = False
        errors: list[str | None] = [f"{type(exc).__name__}: {exc}"] * len(rows)
    else:
        errors = [
            None if result["status"] in ACCEPTED else f"{result.get('code') or 'failed'}: {result.get('message')}"
            for result in results
        ]
    delivered = [row["id"] for row, error in zip(rows, errors, strict=True) if error is None]
    if delivered:
        conn.execute(
            sa.update(deliveries)
            .where(deliveries.c.id.in_(delivered))
            .values(attempts=deliveries.c.attempts + 1, status="delivered", delivered_at=utcnow(), last_error=None)
        )
    max_attempts = int(current_app.config.get("OUTBOX_MAX_ATTEMPTS", 12))
    failed = []
    for row, envelope, error in zip(rows, envelopes, errors, strict=True):
        if error is None:
            continue
        attempts = row["attempts"] + 1
        dead = attempts >= max_attempts
        failed.append(
            {
                "delivery_id": row["id"],
                "new_attempts": attempts,
                "new_error": error[:500],
                "new_status": "dead" if dead else "pending",
                "next_at": moment + timedelta(seconds=backoff_seconds(attempts)),
            }
        )
        log.warning(
            "event delivery failed",
            extra={
                "event_id": envelope["id"],
                "event_type": envelope["type"],
                "subscriber": subscriber,
                "attempts": attempts,
                "dead": dead,
            },
        )
    if failed:
        conn.execute(
            sa.update(deliveries)
            .where(deliveries.c.id == sa.bindparam("delivery_id"))
            .values(
                attempts=sa.bindparam("new_attempts"),
                last_error=sa.bindparam("new_error"),
                status=sa.bindparam("new_status"),
                next_attempt_at=sa.bindparam("next_at"),
            ),
            failed,
        )
    return reached


def _envelope(row: sa.RowMapping) -> dict[str, Any]:
    return {
        "id": str(row["event_id"]),
        "type": row["type"],
        "version": row["version"],
        "occurred_at": row["occurred_at"].isoformat(),
        "source": current_app.config["SERVICE"],
        "request_id": row["request_id"],
        "data": row["data"],
    }


def _checked(results: Any, envelopes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The subscriber's results if they are one per envelope, in order; else BadAnswer."""
    if not isinstance(results, list) or len(results) != len(envelopes):
        raise BadAnswer(f"expected {len(envelopes)} results, got {_shape(results)}")
    for result, envelope in zip(results, envelopes, strict=True):
        if not isinstance(result, dict) or result.get("id") != envelope["id"]:
            raise BadAnswer(f"result for event {envelope['id']} is {_shape(result)}")
        if result.get("status") not in (*ACCEPTED, "failed"):
            raise BadAnswer(f"event {envelope['id']} has status {str(result.get('status'))[:40]!r}")
    return results


def _shape(value: Any) -> str:
    return f"{len(value)} items" if isinstance(value, list) else str(value)[:80]


def batch_sender() -> Sender:
    """A send for deliver_due: each subscriber's batch POSTed signed to its /internal/events/batch.

    One client (one requests session, so one kept-alive connection) per subscriber for as long as
    the sender lives: run_relay keeps one for the process. Not retried here: a failed batch is a
    failed attempt of each of its deliveries, retried with backoff.
    """
    clients: dict[str, InternalClient] = {}

    def send(subscriber: str, envelopes: list[dict[str, Any]]) -> list[dict[str, Any]]:
        if subscriber not in clients:
            # A batch of 100 takes longer than one call: a read timeout to match, so a slow but
            # working subscriber is not counted as down (its retry would be all duplicates anyway).
            connect, read = current_app.config.get("INTERNAL_TIMEOUT", (2.0, 5.0))
            clients[subscriber] = InternalClient.for_peer(subscriber, retries=0, timeout=(connect, max(read, 15.0)))
        answer = clients[subscriber].post(BATCH_PATH, {"events": envelopes})
        if not isinstance(answer, dict):
            raise BadAnswer(f"expected an object with results, got {_shape(answer)}")
        return answer.get("results")

    return send


def drain(*, max_rounds: int = 100, include_backoff: bool = False) -> int:
    """Deliver everything due now (tests and CLI). With include_backoff, retries wait for nobody."""
    total = 0
    for _ in range(max_rounds):
        moment = utcnow() + timedelta(days=1) if include_backoff else None
        sent = deliver_due(MAX_BATCH, now=moment)
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


# A relay woken more often than BUSY_WAKES times a second waits LINGER seconds before it delivers, so
# a batch carries the events of several checkouts instead of one: each batch costs its subscriber a
# signed request, a nonce and a commit. A quiet relay delivers at once.
BUSY_WAKES = 10.0
LINGER = 0.05


class Pace:
    """How often a relay is woken: a moving average of the time between wake-ups."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self._last = clock()
        self._interval = float("inf")

    def woken(self) -> None:
        now = self.clock()
        interval, self._last = now - self._last, now
        self._interval = interval if self._interval == float("inf") else 0.8 * self._interval + 0.2 * interval

    @property
    def busy(self) -> bool:
        return self._interval < 1 / BUSY_WAKES


def run_relay(app: Flask, *, idle_wait: float = 5.0, stop: Callable[[], bool] = lambda: False) -> None:
    """Deliver events until stopped: wake on NOTIFY, else every idle_wait seconds for retries.

    Periodic chores registered with add_chore() (such as releasing expired reservations) run in
    app context at most once per their interval.
    """
    listener: psycopg.Connection | None = None
    last_run: dict[int, float] = {}
    send = batch_sender()  # one client per subscriber for the relay's life: its connection is kept alive
    pauses = Pauses()
    pace = Pace()
    while not stop():
        try:
            if listener is None:
                listener = psycopg.connect(_psycopg_dsn(app), autocommit=True)
                listener.execute(f"LISTEN {CHANNEL}")
            with app.app_context():
                while deliver_due(send=send, pauses=pauses) and not stop():
                    pass
                for index, (chore, interval) in enumerate(app.extensions.get("relay_chores", [])):
                    if time.monotonic() - last_run.get(index, float("-inf")) >= interval:
                        last_run[index] = time.monotonic()
                        chore()
            # Wait for a NOTIFY (an event was committed) or the idle timeout (a retry may be due).
            ready, _, _ = select.select([listener.fileno()], [], [], idle_wait)
            if ready:
                pace.woken()
                if pace.busy:
                    time.sleep(LINGER)  # the next few commits join this round's batches
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
