"""The transactional outbox, its relay and the receiving inbox, as the producing and subscribing services see them."""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections import Counter
from datetime import timedelta

import pytest
import requests
import sqlalchemy as sa
from requests.adapters import BaseAdapter

from common_core import contracts, outbox
from common_core.db import current_db, utcnow
from common_core.errors import InvalidInput
from common_core.internal.client import InternalClient
from tests.common_core.conftest import category_data, envelope, inbox_ids, publish_category, rows
from tests.conftest import run_together

CONSUMERS = set(contracts.subscribers_of("category.upserted"))  # vendor_portal and storefront


def deliveries(app) -> dict[str, sa.Row]:
    return {
        row.subscriber: row
        for row in rows(
            app, "SELECT id, subscriber, status, attempts, last_error, next_attempt_at FROM outbox_delivery"
        )
    }


def test_a_committed_event_gets_one_pending_delivery_per_subscriber(admin):
    event_id = publish_category(admin)
    assert [str(r.id) for r in rows(admin, "SELECT id FROM outbox_event")] == [event_id]
    found = deliveries(admin)
    assert set(found) == CONSUMERS
    assert {(r.status, r.attempts) for r in found.values()} == {("pending", 0)}


def test_a_service_cannot_publish_an_event_it_does_not_own(admin):
    data = {"product_id": 1, "vendor_id": 1}
    with admin.app_context():
        with pytest.raises(ValueError, match=r"admin_portal does not produce product\.removed"):
            outbox.record_event("product.removed", data)
        current_db().session.commit()
    assert rows(admin, "SELECT id FROM outbox_event") == []


def test_an_event_missing_a_field_is_refused_and_nothing_is_written(admin):
    data = category_data()
    del data["slug"]
    with admin.app_context():
        with pytest.raises(InvalidInput, match="missing slug"):
            outbox.record_event("category.upserted", data)
        current_db().session.commit()
    assert rows(admin, "SELECT id FROM outbox_event") == []
    assert rows(admin, "SELECT id FROM outbox_delivery") == []


def test_an_event_with_an_unknown_field_is_refused(admin):
    with admin.app_context(), pytest.raises(InvalidInput, match="unknown fields colour"):
        outbox.record_event("category.upserted", {**category_data(), "colour": "red"})


def test_an_event_in_a_rolled_back_transaction_is_never_published(admin):
    with admin.app_context():
        outbox.record_event("category.upserted", category_data())
        current_db().session.rollback()
    assert rows(admin, "SELECT id FROM outbox_event") == []
    assert rows(admin, "SELECT id FROM outbox_delivery") == []


def test_drain_delivers_the_event_to_every_subscriber_inbox(platform, handlers):
    received = []
    handlers("vendor_portal", "category.upserted", lambda data, env: received.append((data, env["source"])))
    event_id = publish_category(platform.admin, 7)

    assert platform.drain() == 2
    assert inbox_ids(platform.vendor) == [event_id]
    assert inbox_ids(platform.storefront) == [event_id]
    assert received == [(category_data(7), "admin_portal")]
    assert {(r.status, r.attempts) for r in deliveries(platform.admin).values()} == {("delivered", 1)}
    with platform.admin.app_context():
        assert outbox.stats() == {"pending": 0, "dead": 0, "oldest_pending_due": None}


def test_a_subscriber_failing_twice_receives_the_event_on_the_third_attempt_and_applies_it_once(platform, handlers):
    calls, applied = [], []

    def flaky(data, env):
        calls.append(env["id"])
        if len(calls) <= 2:
            raise RuntimeError("vendor database hiccup")
        applied.append(env["id"])

    handlers("vendor_portal", "category.upserted", flaky)
    event_id = publish_category(platform.admin)

    with platform.admin.app_context():
        outbox.deliver_due()
        first = deliveries(platform.admin)["vendor_portal"]
        assert (first.status, first.attempts) == ("pending", 1)
        assert "vendor database hiccup" in first.last_error
        assert first.next_attempt_at > utcnow()  # backed off: not due again right away
        assert outbox.deliver_due() == 0
        outbox.deliver_due(now=utcnow() + timedelta(hours=1))
        outbox.deliver_due(now=utcnow() + timedelta(days=1))
        assert outbox.deliver_due(now=utcnow() + timedelta(days=2)) == 0  # nothing left to send

    vendor_delivery = deliveries(platform.admin)["vendor_portal"]
    assert (vendor_delivery.status, vendor_delivery.attempts, vendor_delivery.last_error) == ("delivered", 3, None)
    assert applied == [event_id]
    assert inbox_ids(platform.vendor) == [event_id]  # failed attempts left no inbox row behind


def test_a_duplicate_delivery_is_answered_duplicate_and_applied_once(platform, handlers):
    applied = []
    handlers("vendor_portal", "category.upserted", lambda data, env: applied.append(env["id"]))
    event = envelope()
    with platform.admin.app_context():
        client = InternalClient.for_peer("vendor_portal")
        assert client.post("/internal/events", event) == {"status": "applied"}
        assert client.post("/internal/events", event) == {"status": "duplicate"}
    assert applied == [event["id"]]
    assert inbox_ids(platform.vendor) == [event["id"]]


def test_an_event_without_a_handler_is_acknowledged_as_ignored_and_not_redelivered(platform, monkeypatch):
    import storefront.internal.routes

    monkeypatch.delitem(storefront.internal.routes.HANDLERS, "category.upserted", raising=False)
    event = envelope()
    with platform.admin.app_context():
        client = InternalClient.for_peer("storefront")
        assert client.post("/internal/events", event) == {"status": "ignored"}
        assert client.post("/internal/events", event) == {"status": "duplicate"}


def test_a_handlers_own_value_error_is_not_reported_as_a_bad_event_id(platform, handlers):
    def picky(data, env):
        raise ValueError("position out of range")

    handlers("vendor_portal", "category.upserted", picky)
    publish_category(platform.admin)
    with platform.admin.app_context():
        outbox.deliver_due()
    error = deliveries(platform.admin)["vendor_portal"].last_error
    assert "UUID" not in error, f"operators are told the id was bad: {error}"


def test_a_delivery_failing_max_attempts_times_is_dead_counted_and_can_be_retried(platform, monkeypatch):
    monkeypatch.setitem(platform.admin.config, "OUTBOX_MAX_ATTEMPTS", 3)
    event_id = publish_category(platform.admin)
    platform.adapters["vendor_portal"].down = True

    with platform.admin.app_context():
        for day in range(4):
            outbox.deliver_due(now=utcnow() + timedelta(days=day))
        dead = deliveries(platform.admin)["vendor_portal"]
        assert (dead.status, dead.attempts) == ("dead", 3)
        assert "PeerUnavailable" in dead.last_error
        assert deliveries(platform.admin)["storefront"].status == "delivered"  # one dead subscriber blocks no other
        assert outbox.stats()["dead"] == 1 and outbox.stats()["pending"] == 0
        assert [(d["id"], d["event_id"], d["subscriber"]) for d in outbox.dead_deliveries()] == [
            (dead.id, event_id, "vendor_portal")
        ]
        assert outbox.deliver_due(now=utcnow() + timedelta(days=30)) == 0  # dead is never retried on its own

        platform.adapters["vendor_portal"].down = False
        assert outbox.retry_dead(dead.id) is True
        assert outbox.retry_dead(dead.id) is False  # no longer dead
        again = deliveries(platform.admin)["vendor_portal"]
        assert (again.status, again.attempts, again.last_error) == ("pending", 0, None)
        assert outbox.stats() == {"pending": 1, "dead": 0, "oldest_pending_due": again.next_attempt_at.isoformat()}

    platform.drain()
    assert deliveries(platform.admin)["vendor_portal"].status == "delivered"
    assert inbox_ids(platform.vendor) == [event_id]


def test_retrying_a_delivery_that_is_not_dead_changes_nothing(admin):
    publish_category(admin)
    with admin.app_context():
        pending = deliveries(admin)["vendor_portal"]
        assert outbox.retry_dead(pending.id) is False
        assert outbox.retry_dead(10**9) is False


def test_backoff_grows_with_each_attempt_and_is_capped_at_ten_minutes():
    for attempts in range(1, 10):
        ceiling = 2.0 ** (attempts - 1)
        samples = [outbox.backoff_seconds(attempts) for _ in range(50)]
        assert all(ceiling / 2 <= s <= ceiling for s in samples), attempts
        assert min(outbox.backoff_seconds(attempts + 1) for _ in range(50)) >= max(samples)
    for attempts in (11, 12, 20, 100, 1000):
        assert all(300 <= outbox.backoff_seconds(attempts) <= 600 for _ in range(20)), attempts


def test_a_relay_woken_more_than_ten_times_a_second_counts_as_busy_and_a_quiet_one_does_not():
    clock = [0.0]
    pace = outbox.Pace(clock=lambda: clock[0])
    assert not pace.busy  # never woken yet

    def wake_every(seconds: float, times: int) -> None:
        for _ in range(times):
            clock[0] += seconds
            pace.woken()

    wake_every(0.12, 10)  # about eight events a second: delivered at once
    assert not pace.busy
    wake_every(0.03, 10)  # about thirty a second: worth waiting to batch them
    assert pace.busy
    wake_every(1.0, 3)  # quiet again: prompt again after a few wake-ups
    assert not pace.busy


def test_backoff_stays_capped_for_any_attempt_count():
    """OUTBOX_MAX_ATTEMPTS comes from the environment; a large bound must not crash the relay."""
    assert 300 <= outbox.backoff_seconds(5000) <= 600


class InFlight(BaseAdapter):
    """A subscriber's transport that notes every event id it carries and any id carried twice at once."""

    def __init__(
        self, inner: BaseAdapter, service: str, lock: threading.Lock, in_flight: set, overlaps: list, received: Counter
    ) -> None:
        super().__init__()
        self.inner, self.service, self.lock = inner, service, lock
        self.in_flight, self.overlaps, self.received = in_flight, overlaps, received

    def send(self, request, **kwargs):
        body = json.loads(request.body)
        keys = [(self.service, event["id"]) for event in body.get("events", [body])]  # a batch, or one event
        with self.lock:
            for key in keys:
                if key in self.in_flight:
                    self.overlaps.append(key)
                self.in_flight.add(key)
                self.received[key] += 1
        try:
            return self.inner.send(request, **kwargs)
        finally:
            with self.lock:
                self.in_flight.difference_update(keys)

    def close(self) -> None:
        pass


def test_two_relays_on_one_outbox_deliver_each_event_exactly_once_and_never_concurrently(
    platform, handlers, monkeypatch
):
    lock = threading.Lock()
    in_flight: set[tuple[str, str]] = set()
    overlaps: list[tuple[str, str]] = []
    applied: Counter[tuple[str, str]] = Counter()

    def counting(service):
        def handler(data, env):
            key = (service, env["id"])
            with lock:
                if key in in_flight:
                    overlaps.append(key)
                in_flight.add(key)
            time.sleep(0.0005)  # widen the window two relays would need to collide
            with lock:
                in_flight.discard(key)
                applied[key] += 1

        return handler

    received: Counter[tuple[str, str]] = Counter()  # what each subscriber's /internal/events/batch was sent
    sending: set[tuple[str, str]] = set()  # on the wire now (the handler's in_flight is inside the subscriber)
    for service in CONSUMERS:
        handlers(service, "category.upserted", counting(service))
        session = requests.Session()
        transport = InFlight(platform.adapters[service], service, lock, sending, overlaps, received)
        session.mount("http://", transport)
        monkeypatch.setitem(platform.admin.extensions["internal_sessions"], service, session)
    with platform.admin.app_context():
        event_ids = [str(outbox.record_event("category.upserted", category_data(n))) for n in range(200)]
        current_db().session.commit()

    def relay() -> int:
        with platform.admin.app_context():
            total = 0
            while sent := outbox.deliver_due(limit=10):
                total += sent
            return total

    attempted = run_together([relay, relay])  # how many deliveries each relay attempted

    expected = {(service, event_id) for service in CONSUMERS for event_id in event_ids}
    assert set(applied) == expected
    assert set(applied.values()) == {1}
    assert set(received) == expected
    assert set(received.values()) == {1}  # not even a redundant send the inbox had to drop
    assert overlaps == []
    assert sum(attempted) == 400
    assert min(attempted) > 0  # both relays really worked
    statuses = rows(platform.admin, "SELECT status, attempts, count(*) AS n FROM outbox_delivery GROUP BY 1, 2")
    assert [(r.status, r.attempts, r.n) for r in statuses] == [("delivered", 1, 400)]


class RelayThread:
    """run_relay in a real thread, stopped by a flag and a NOTIFY that wakes it from its idle wait."""

    def __init__(self, app, *, idle_wait: float) -> None:
        self.app = app
        self.stopping = threading.Event()
        self.errors: list[BaseException] = []
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.idle_wait = idle_wait

    def _run(self) -> None:
        try:
            outbox.run_relay(self.app, idle_wait=self.idle_wait, stop=self.stopping.is_set)
        except BaseException as exc:  # noqa: BLE001 - surfaced by stop()
            self.errors.append(exc)

    def __enter__(self) -> RelayThread:
        self.thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self.stopping.set()
        with self.app.app_context(), current_db().engine.begin() as conn:
            conn.execute(sa.text(f"NOTIFY {outbox.CHANNEL}"))
        self.thread.join(timeout=10)
        assert not self.thread.is_alive(), "relay did not stop"
        assert self.errors == []


def relay_waiting_signal(app, monkeypatch) -> threading.Event:
    """An Event set each time the relay finishes a pass and is about to wait (via a relay chore)."""
    waiting = threading.Event()
    chores = [*app.extensions.get("relay_chores", []), (waiting.set, 0)]  # after the service's own chores
    monkeypatch.setitem(app.extensions, "relay_chores", chores)
    return waiting


def test_a_running_relay_delivers_a_new_event_at_once_woken_by_notify(platform, handlers, monkeypatch):
    delivered = threading.Event()
    handlers("vendor_portal", "category.upserted", lambda data, env: delivered.set())
    waiting = relay_waiting_signal(platform.admin, monkeypatch)

    with RelayThread(platform.admin, idle_wait=30):
        assert waiting.wait(timeout=5), "relay never finished its first pass"
        waiting.clear()
        started = time.monotonic()
        event_id = publish_category(platform.admin)
        assert delivered.wait(timeout=2), "event not delivered within 2 s: the relay did not wake on NOTIFY"
        elapsed = time.monotonic() - started

    assert elapsed < 2
    assert inbox_ids(platform.vendor) == [event_id]


def test_a_relay_pass_forgets_nonces_older_than_the_signature_window(platform, monkeypatch):
    with platform.admin.app_context(), current_db().engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO internal_nonce (nonce, caller, seen_at) VALUES "
                "(:old, 'storefront', now() - interval '1 hour'), "
                "(:new, 'storefront', now())"
            ),
            {"old": uuid.uuid4().hex, "new": uuid.uuid4().hex},
        )
    waiting = relay_waiting_signal(platform.admin, monkeypatch)

    with RelayThread(platform.admin, idle_wait=30):
        assert waiting.wait(timeout=5), "relay never finished its first pass"

    remaining = rows(
        platform.admin, "SELECT caller, seen_at > now() - interval '5 minutes' AS fresh FROM internal_nonce"
    )
    assert [(r.caller, r.fresh) for r in remaining] == [("storefront", True)], (
        "the relay never purges old nonces, so internal_nonce grows forever"
    )
