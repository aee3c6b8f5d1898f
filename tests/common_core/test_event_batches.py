"""Events in batches: /internal/events/batch applies each event on its own; the relay sends a batch per subscriber."""

from __future__ import annotations

import importlib
import json
import logging
import threading
import time
from collections import Counter
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from common_core import contracts, outbox
from common_core.db import current_db, utcnow
from common_core.errors import InvalidInput, PeerError
from common_core.inbox import MAX_BATCH
from common_core.internal.client import InternalClient
from tests.common_core.conftest import category_data, envelope, inbox_ids, publish_category, rows, signed_request
from tests.conftest import TEST_SECRETS, run_together

BATCH = "/internal/events/batch"
OPENAPI = "/internal/openapi.json"
CONSUMERS = sorted(contracts.subscribers_of("category.upserted"))  # storefront and vendor_portal
SERVICE_PAIRS = [("storefront", "admin_portal"), ("admin_portal", "vendor_portal"), ("vendor_portal", "storefront")]


def post_batch(platform, events: list[Any], *, to: str = "vendor_portal") -> list[dict[str, Any]]:
    """POST a batch as the admin portal's relay would (admin_portal publishes category events)."""
    with platform.admin.app_context():
        return InternalClient.for_peer(to, retries=0).post(BATCH, {"events": events})["results"]


def real_handler(service: str, event_type: str):
    return importlib.import_module(f"{service}.internal.routes").HANDLERS[event_type]


def vendor_categories(platform) -> list[int]:
    return [row.id for row in rows(platform.vendor, "SELECT id FROM category ORDER BY id")]


def deliveries_to(app, subscriber: str) -> dict[str, sa.Row]:
    """A subscriber's deliveries in the app's outbox, by event id."""
    found = rows(
        app,
        "SELECT event_id, status, attempts, last_error, next_attempt_at FROM outbox_delivery WHERE subscriber = :s",
        s=subscriber,
    )
    return {str(row.event_id): row for row in found}


def publish_categories(admin, numbers) -> list[str]:
    """Many category.upserted events in one transaction (one outbox write, one NOTIFY)."""
    with admin.app_context():
        ids = [str(outbox.record_event("category.upserted", category_data(n))) for n in numbers]
        current_db().session.commit()
    return ids


def batch_ids(observed) -> list[list[str]]:
    """The event ids of each batch a recording transport carried, in order."""
    return [[event["id"] for event in json.loads(request.body)["events"]] for request, _ in observed.exchanges]


# ---- the receiver ------------------------------------------------------------------------------


def test_a_batch_applies_each_event_once_and_answers_per_event_in_order(platform, monkeypatch):
    monkeypatch.delitem(importlib.import_module("vendor_portal.internal.routes").HANDLERS, "category.retired")
    events = [envelope(data=category_data(n)) for n in (3, 1, 2)]
    unhandled = envelope("category.retired", {"category_id": 9})
    results = post_batch(platform, [*events, unhandled])

    assert results == [
        *({"id": event["id"], "status": "applied"} for event in events),
        {"id": unhandled["id"], "status": "ignored"},
    ]
    assert vendor_categories(platform) == [1, 2, 3]
    assert sorted(inbox_ids(platform.vendor)) == sorted(event["id"] for event in [*events, unhandled])


def test_the_same_event_twice_in_one_batch_is_applied_once_and_answered_duplicate(platform, handlers):
    applied = []
    handlers("vendor_portal", "category.upserted", lambda data, env: applied.append(env["id"]))
    event, other = envelope(), envelope(data=category_data(2))
    results = post_batch(platform, [event, other, event])
    assert [(r["id"], r["status"]) for r in results] == [
        (event["id"], "applied"),
        (other["id"], "applied"),
        (event["id"], "duplicate"),
    ]
    assert applied == [event["id"], other["id"]]


def test_a_redelivered_batch_is_all_duplicate_and_changes_nothing(platform, handlers):
    real = real_handler("vendor_portal", "category.upserted")
    applied = []

    def counting(data, env):
        applied.append(env["id"])
        real(data, env)

    handlers("vendor_portal", "category.upserted", counting)
    events = [envelope(data=category_data(n)) for n in (1, 2)]
    assert [r["status"] for r in post_batch(platform, events)] == ["applied", "applied"]
    renamed = [{**event, "data": {**event["data"], "name": "Renamed"}} for event in events]  # same ids
    assert post_batch(platform, renamed) == [{"id": event["id"], "status": "duplicate"} for event in events]
    assert applied == [event["id"] for event in events]
    names = rows(platform.vendor, "SELECT name FROM category ORDER BY id")
    assert [row.name for row in names] == ["Category 1", "Category 2"]


def _division_by_zero() -> None:
    current_db().session.execute(sa.text("SELECT 1 / 0"))  # PostgreSQL aborts the (sub)transaction


def _raise(error: Exception):
    def fail() -> None:
        raise error

    return fail


@pytest.mark.parametrize(
    ("fail", "code", "message"),
    [
        (_raise(InvalidInput("parent 99 is not known yet")), "invalid", "parent 99 is not known yet"),
        (_raise(RuntimeError("replica table locked")), "handler_error", "RuntimeError: replica table locked"),
        (_division_by_zero, "handler_error", "DataError: (psycopg.errors.DivisionByZero) division by zero"),
    ],
    ids=["domain-error", "unexpected-exception", "database-error"],
)
def test_a_failing_handler_in_the_middle_rolls_back_only_its_own_event(platform, handlers, caplog, fail, code, message):
    real = real_handler("vendor_portal", "category.upserted")

    def fails_for_category_2(data, env):
        real(data, env)  # its write is made, then its savepoint takes it back
        if data["category_id"] == 2:
            fail()

    handlers("vendor_portal", "category.upserted", fails_for_category_2)
    events = [envelope(data=category_data(n)) for n in (1, 2, 3)]
    with caplog.at_level(logging.INFO, logger="marketplace.inbox"):
        results = post_batch(platform, events)

    assert results[0] == {"id": events[0]["id"], "status": "applied"}
    assert results[2] == {"id": events[2]["id"], "status": "applied"}
    assert (results[1]["id"], results[1]["status"], results[1]["code"]) == (events[1]["id"], "failed", code)
    assert results[1]["message"].startswith(message), results[1]["message"]
    assert vendor_categories(platform) == [1, 3]  # committed, without the failed event's write
    assert sorted(inbox_ids(platform.vendor)) == sorted([events[0]["id"], events[2]["id"]])  # no inbox row: retried
    failures = [r for r in caplog.records if r.name == "marketplace.inbox" and r.levelno >= logging.WARNING]
    assert [getattr(r, "event_id", None) for r in failures] == [events[1]["id"]]
    if code == "handler_error":
        assert failures[0].levelno == logging.ERROR and failures[0].exc_info, "logged without its traceback"


def test_bad_envelopes_get_failed_results_while_good_ones_apply(platform):
    good = [envelope(data=category_data(n)) for n in (1, 2)]
    no_data = {key: value for key, value in envelope().items() if key != "data"}
    cases = [
        ("not an event", None, "An event needs id, type, version, occurred_at, source and data."),
        (no_data, no_data["id"], "An event needs id, type, version, occurred_at, source and data."),
        (envelope(source="storefront"), ..., "An event's source must be its signed caller."),
        ({**envelope(), "id": "not-a-uuid"}, "not-a-uuid", "Event id must be a UUID."),
        ({**envelope(), "id": 42}, None, "Event id must be a UUID."),
        ({**envelope(), "type": ["category.upserted"]}, ..., "Event type must be a string."),
        (envelope("category.renamed"), ..., "Unknown event type 'category.renamed'"),
        ({**envelope(), "version": 2}, ..., "category.upserted version 2 is not understood (expects 1)."),
        (envelope(data={"category_id": 5}), ..., "category.upserted: missing name, slug, parent_id, position"),
    ]
    batch = [good[0], *(bad for bad, _, _ in cases), good[1]]

    results = post_batch(platform, batch)

    assert results[0] == {"id": good[0]["id"], "status": "applied"}
    assert results[-1] == {"id": good[1]["id"], "status": "applied"}
    for result, (bad, expected_id, message) in zip(results[1:-1], cases, strict=True):
        expected_id = bad["id"] if expected_id is ... else expected_id
        assert result == {"id": expected_id, "status": "failed", "code": "invalid", "message": message}
    assert vendor_categories(platform) == [1, 2]
    assert sorted(inbox_ids(platform.vendor)) == sorted(event["id"] for event in good)


def _events(n: int) -> dict[str, Any]:
    return {"events": [envelope(data=category_data(i)) for i in range(1, n + 1)]}


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (lambda: _events(0), f"events must be a list of 1 to {MAX_BATCH} events."),
        (lambda: _events(MAX_BATCH + 1), f"events must be a list of 1 to {MAX_BATCH} events."),
        (lambda: {"events": envelope()}, f"events must be a list of 1 to {MAX_BATCH} events."),
        (lambda: {"events": None}, f"events must be a list of 1 to {MAX_BATCH} events."),
        (lambda: {}, f"events must be a list of 1 to {MAX_BATCH} events."),
        (lambda: _events(1)["events"], "The body must be a JSON object."),
        (lambda: {**_events(1), "priority": "high"}, "Unknown fields: priority."),
    ],
    ids=["empty", "too-many", "object-not-list", "null", "no-events", "bare-list", "unknown-field"],
)
def test_a_batch_body_that_is_not_1_to_100_events_is_refused_with_422_and_nothing_applied(
    platform, handlers, body, message
):
    applied = []
    handlers("vendor_portal", "category.upserted", lambda data, env: applied.append(env["id"]))
    with platform.admin.app_context(), pytest.raises(PeerError) as refused:
        InternalClient.for_peer("vendor_portal").post(BATCH, body())
    assert refused.value.status == 422
    assert refused.value.body["error"] == "invalid"
    assert refused.value.body["message"] == message
    assert applied == []
    assert inbox_ids(platform.vendor) == []


def test_a_full_batch_of_100_is_accepted(platform, handlers):
    applied = []
    handlers("vendor_portal", "category.upserted", lambda data, env: applied.append(env["id"]))
    body = _events(MAX_BATCH)
    with platform.admin.app_context():
        results = InternalClient.for_peer("vendor_portal").post(BATCH, body)["results"]
    assert [r["status"] for r in results] == ["applied"] * MAX_BATCH
    assert len(applied) == len(inbox_ids(platform.vendor)) == MAX_BATCH


@pytest.mark.parametrize(
    ("how", "message"),
    [("unsigned", "missing signature headers"), ("stale", "stale signature"), ("tampered", "bad signature")],
)
def test_an_unsigned_stale_or_tampered_batch_is_refused_with_401_and_nothing_applied(platform, handlers, how, message):
    applied = []
    handlers("vendor_portal", "category.upserted", lambda data, env: applied.append(env["id"]))
    body = _events(2)
    client = platform.vendor.test_client()
    if how == "unsigned":
        response = client.post(BATCH, json=body)
    elif how == "stale":
        headers, payload = signed_request("admin_portal", "POST", BATCH, body, now=time.time() - 301)
        response = client.post(BATCH, data=payload, headers=headers)
    else:
        headers, _ = signed_request("admin_portal", "POST", BATCH, body)
        response = client.post(BATCH, json={"events": body["events"][:1]}, headers=headers)
    assert response.status_code == 401
    assert response.get_json()["error"] == "unauthorized"
    if how != "unsigned":
        assert response.get_json()["message"] == message
    assert applied == []
    assert inbox_ids(platform.vendor) == []


def test_a_replayed_batch_request_is_refused_and_not_applied_twice(platform, handlers):
    applied = []
    handlers("vendor_portal", "category.upserted", lambda data, env: applied.append(env["id"]))
    body = _events(2)
    headers, payload = signed_request("admin_portal", "POST", BATCH, body)
    client = platform.vendor.test_client()
    assert [r["status"] for r in client.post(BATCH, data=payload, headers=headers).get_json()["results"]] == [
        "applied",
        "applied",
    ]
    replay = client.post(BATCH, data=payload, headers=headers)
    assert replay.status_code == 401 and replay.get_json()["message"] == "replayed request"
    assert applied == [event["id"] for event in body["events"]]


def test_two_concurrent_deliveries_of_the_same_batch_apply_each_event_once(platform, handlers):
    """A relay that timed out may resend a batch while the first request is still being applied."""
    applied: Counter[str] = Counter()
    lock = threading.Lock()

    def slow(data, env):
        time.sleep(0.002)
        with lock:
            applied[env["id"]] += 1

    handlers("vendor_portal", "category.upserted", slow)
    body = _events(20)

    def deliver() -> list[dict[str, Any]]:
        with platform.admin.app_context():
            return InternalClient.for_peer("vendor_portal", retries=0).post(BATCH, body)["results"]

    answers = run_together([deliver, deliver])
    ids = [event["id"] for event in body["events"]]
    assert set(applied) == set(ids) and set(applied.values()) == {1}
    for position, event_id in enumerate(ids):
        assert sorted(answer[position]["status"] for answer in answers) == ["applied", "duplicate"], event_id
    assert sorted(inbox_ids(platform.vendor)) == sorted(ids)


@pytest.mark.parametrize(("caller", "callee"), SERVICE_PAIRS)
def test_every_service_lists_the_batch_receiver_in_its_openapi(platform, caller, callee):
    with platform.apps[caller].app_context():
        document = InternalClient.for_peer(callee).get(OPENAPI)
    single = document["paths"]["/internal/events"]["post"]
    batch = document["paths"][BATCH]["post"]
    request_schema = batch["requestBody"]["content"]["application/json"]["schema"]
    events = request_schema["properties"]["events"]
    assert request_schema["required"] == ["events"]
    assert (events["type"], events["minItems"], events["maxItems"]) == ("array", 1, MAX_BATCH)
    assert events["items"] == single["requestBody"]["content"]["application/json"]["schema"]  # the same envelope
    result = batch["responses"]["200"]["content"]["application/json"]["schema"]["properties"]["results"]["items"]
    assert result["required"] == ["id", "status"]
    assert result["properties"]["status"]["enum"] == ["applied", "duplicate", "ignored", "failed"]
    assert {"401", "422"} <= set(batch["responses"])


# ---- the relay ---------------------------------------------------------------------------------


def test_the_relay_sends_each_subscriber_its_due_events_in_one_batch_in_order(platform, observe):
    observed = {subscriber: observe(platform.admin, subscriber) for subscriber in CONSUMERS}
    event_ids = [publish_category(platform.admin, n) for n in range(1, 6)]

    with platform.admin.app_context():
        assert outbox.deliver_due() == 10

    for subscriber, seen in observed.items():
        assert [request.path_url for request, _ in seen.exchanges] == [BATCH], subscriber
        assert batch_ids(seen) == [event_ids], subscriber
        assert {(row.status, row.attempts) for row in deliveries_to(platform.admin, subscriber).values()} == {
            ("delivered", 1)
        }
        assert sorted(inbox_ids(platform.apps[subscriber])) == sorted(event_ids)


def test_a_round_larger_than_a_batch_is_split_and_uses_one_client_per_subscriber(platform, observe, monkeypatch):
    observed = {subscriber: observe(platform.admin, subscriber) for subscriber in CONSUMERS}
    made: Counter[str] = Counter()
    for_peer = InternalClient.for_peer.__func__

    def counting(cls, peer, **kwargs):
        made[peer] += 1
        return for_peer(cls, peer, **kwargs)

    monkeypatch.setattr(InternalClient, "for_peer", classmethod(counting))
    event_ids = publish_categories(platform.admin, range(1, 131))

    with platform.admin.app_context():
        assert outbox.deliver_due(limit=1000) == 260

    assert made == dict.fromkeys(CONSUMERS, 1)
    for subscriber, seen in observed.items():
        assert [len(batch) for batch in batch_ids(seen)] == [MAX_BATCH, 30], subscriber
        assert sorted(inbox_ids(platform.apps[subscriber])) == sorted(event_ids)


def test_drain_delivers_a_backlog_of_several_batches(platform):
    event_ids = publish_categories(platform.admin, range(1, 251))
    with platform.admin.app_context():
        assert outbox.drain() == 500
        assert outbox.stats()["pending"] == 0
    for subscriber in CONSUMERS:
        assert sorted(inbox_ids(platform.apps[subscriber])) == sorted(event_ids)


def test_one_failing_event_is_retried_alone_with_backoff_and_later_delivered(platform, handlers, observe, caplog):
    calls: Counter[int] = Counter()

    def flaky(data, env):
        calls[data["category_id"]] += 1
        if data["category_id"] == 2 and calls[2] == 1:
            raise RuntimeError("vendor database hiccup")

    handlers("vendor_portal", "category.upserted", flaky)
    observed = observe(platform.admin, "vendor_portal")
    first, middle, last = (publish_category(platform.admin, n) for n in (1, 2, 3))

    with platform.admin.app_context():
        with caplog.at_level(logging.WARNING, logger="marketplace.relay"):
            assert outbox.deliver_due() == 6
        found = deliveries_to(platform.admin, "vendor_portal")
        assert (found[first].status, found[first].attempts) == ("delivered", 1)
        assert (found[last].status, found[last].attempts) == ("delivered", 1)
        failed = found[middle]
        assert (failed.status, failed.attempts) == ("pending", 1)
        assert failed.last_error == "handler_error: RuntimeError: vendor database hiccup"
        assert failed.next_attempt_at > utcnow()  # backed off: not due again right away
        assert outbox.deliver_due() == 0
        assert outbox.deliver_due(now=utcnow() + timedelta(hours=1)) == 1

    warnings = [r for r in caplog.records if r.getMessage() == "event delivery failed"]
    assert [(r.event_id, r.subscriber, r.attempts, r.dead) for r in warnings] == [(middle, "vendor_portal", 1, False)]
    assert batch_ids(observed) == [[first, middle, last], [middle]]  # only the failed one went again
    assert calls == {1: 1, 2: 2, 3: 1}
    found = deliveries_to(platform.admin, "vendor_portal")
    assert [(found[e].status, found[e].attempts, found[e].last_error) for e in (first, middle, last)] == [
        ("delivered", 1, None),
        ("delivered", 2, None),
        ("delivered", 1, None),
    ]
    assert sorted(inbox_ids(platform.vendor)) == sorted([first, middle, last])


def test_an_event_refused_on_every_attempt_goes_dead_while_its_batch_mates_are_delivered(
    platform, handlers, monkeypatch
):
    monkeypatch.setitem(platform.admin.config, "OUTBOX_MAX_ATTEMPTS", 2)

    def refuses_category_2(data, env):
        if data["category_id"] == 2:
            raise InvalidInput("parent category 99 is not known here")

    handlers("vendor_portal", "category.upserted", refuses_category_2)
    ok, refused = publish_category(platform.admin, 1), publish_category(platform.admin, 2)
    with platform.admin.app_context():
        outbox.deliver_due()
        outbox.deliver_due(now=utcnow() + timedelta(hours=1))
        assert outbox.deliver_due(now=utcnow() + timedelta(days=30)) == 0  # dead is never retried on its own
        assert outbox.stats()["dead"] == 1
    found = deliveries_to(platform.admin, "vendor_portal")
    assert (found[ok].status, found[ok].attempts) == ("delivered", 1)
    assert (found[refused].status, found[refused].attempts) == ("dead", 2)
    assert found[refused].last_error == "invalid: parent category 99 is not known here"


def test_a_subscriber_down_fails_its_whole_batch_which_arrives_when_it_is_back(platform, caplog):
    platform.adapters["vendor_portal"].down = True
    event_ids = [publish_category(platform.admin, n) for n in (1, 2, 3)]

    with platform.admin.app_context():
        with caplog.at_level(logging.WARNING, logger="marketplace.relay"):
            assert outbox.deliver_due() == 6
        waiting = deliveries_to(platform.admin, "vendor_portal")
        assert {(row.status, row.attempts) for row in waiting.values()} == {("pending", 1)}
        assert all(row.last_error.startswith("PeerUnavailable: ") for row in waiting.values())
        assert all(row.next_attempt_at > utcnow() for row in waiting.values())
        assert {(r.status, r.attempts) for r in deliveries_to(platform.admin, "storefront").values()} == {
            ("delivered", 1)
        }  # one subscriber down holds no other back
        warnings = [r for r in caplog.records if r.getMessage() == "event delivery failed"]
        assert sorted((r.event_id, r.subscriber) for r in warnings) == sorted(
            (event_id, "vendor_portal") for event_id in event_ids
        )

        platform.adapters["vendor_portal"].down = False
        assert outbox.deliver_due(now=utcnow() + timedelta(hours=1)) == 3

    assert {(r.status, r.attempts) for r in deliveries_to(platform.admin, "vendor_portal").values()} == {
        ("delivered", 2)
    }
    assert sorted(inbox_ids(platform.vendor)) == sorted(event_ids)


def test_a_running_relay_leaves_a_subscriber_that_is_down_alone_until_its_pause_ends(platform):
    clock = [1000.0]
    pauses = outbox.Pauses(clock=lambda: clock[0])
    platform.adapters["vendor_portal"].down = True
    first = publish_category(platform.admin, 1)

    with platform.admin.app_context():
        assert outbox.deliver_due(pauses=pauses) == 2
        assert pauses.paused() == ["vendor_portal"]
        second = publish_category(platform.admin, 2)
        # The new event reaches the storefront; the paused vendor portal's copy waits, not even tried.
        assert outbox.deliver_due(pauses=pauses) == 1
        waiting = deliveries_to(platform.admin, "vendor_portal")
        assert (waiting[first].status, waiting[first].attempts) == ("pending", 1)
        assert (waiting[second].status, waiting[second].attempts, waiting[second].last_error) == ("pending", 0, None)
        assert {(r.status, r.attempts) for r in deliveries_to(platform.admin, "storefront").values()} == {
            ("delivered", 1)
        }

        platform.adapters["vendor_portal"].down = False
        clock[0] += outbox.PAUSE_MAX
        assert pauses.paused() == []
        assert outbox.deliver_due(now=utcnow() + timedelta(hours=1), pauses=pauses) == 2

    assert pauses.paused() == []
    delivered = deliveries_to(platform.admin, "vendor_portal")
    assert {key: (row.status, row.attempts) for key, row in delivered.items()} == {
        first: ("delivered", 2),
        second: ("delivered", 1),
    }
    assert sorted(inbox_ids(platform.vendor)) == sorted([first, second])


def test_a_pause_doubles_with_each_failed_batch_in_a_row_up_to_a_cap_and_ends_when_one_gets_through():
    clock = [0.0]
    pauses = outbox.Pauses(clock=lambda: clock[0])
    for failures in range(1, 4):
        pauses.failed("admin_portal")
        low, high = 2.0 ** (failures - 1) / 2, 2.0 ** (failures - 1)  # backoff_seconds' range
        clock[0] += low - 0.01
        assert pauses.paused() == ["admin_portal"], failures
        clock[0] += high - low + 0.02
        assert pauses.paused() == [], failures
    for _ in range(20):
        pauses.failed("admin_portal")
    clock[0] += outbox.PAUSE_MAX - 0.01
    assert pauses.paused() == ["admin_portal"]
    clock[0] += 0.02
    assert pauses.paused() == []
    pauses.failed("admin_portal")
    pauses.reached("admin_portal")
    assert pauses.paused() == []
    pauses.failed("admin_portal")
    clock[0] += 1.0  # after a batch got through, a new failure starts again from about 1 s
    assert pauses.paused() == []


def test_a_batch_the_subscriber_refuses_as_a_whole_fails_every_delivery_in_it(platform, monkeypatch):
    wrong = {**TEST_SECRETS, "admin_portal": ["not-the-admin-portals-secret"]}
    monkeypatch.setitem(platform.admin.config, "INTERNAL_SECRETS", wrong)
    event_ids = [publish_category(platform.admin, n) for n in (1, 2)]
    with platform.admin.app_context():
        assert outbox.deliver_due() == 4
    for subscriber in CONSUMERS:
        refused = deliveries_to(platform.admin, subscriber)
        assert {(row.status, row.attempts, row.last_error) for row in refused.values()} == {
            ("pending", 1, "PeerError: bad signature")
        }
        assert inbox_ids(platform.apps[subscriber]) == []

    monkeypatch.setitem(platform.admin.config, "INTERNAL_SECRETS", TEST_SECRETS)
    with platform.admin.app_context():
        assert outbox.deliver_due(now=utcnow() + timedelta(hours=1)) == 4
    for subscriber in CONSUMERS:
        assert sorted(inbox_ids(platform.apps[subscriber])) == sorted(event_ids)


@pytest.mark.parametrize(
    "answer",
    [
        lambda envelopes: [],
        lambda envelopes: {"results": [{"id": e["id"], "status": "applied"} for e in envelopes]},
        lambda envelopes: [{"id": e["id"], "status": "applied"} for e in reversed(envelopes)],
        lambda envelopes: [{"id": e["id"], "status": "done"} for e in envelopes],
        lambda envelopes: [None for _ in envelopes],
    ],
    ids=["too-few", "not-a-list", "out-of-order", "unknown-status", "not-objects"],
)
def test_a_malformed_answer_fails_the_whole_batch(platform, answer):
    event_ids = [publish_category(platform.admin, n) for n in (1, 2)]
    with platform.admin.app_context():
        assert outbox.deliver_due(send=lambda subscriber, envelopes: answer(envelopes)) == 4
    for subscriber in CONSUMERS:
        found = deliveries_to(platform.admin, subscriber)
        assert set(found) == set(event_ids)
        assert {(row.status, row.attempts) for row in found.values()} == {("pending", 1)}
        assert all(row.last_error.startswith("BadAnswer: ") for row in found.values())


def test_a_custom_sender_gets_each_subscribers_envelopes_in_order_and_its_results_decide(platform):
    event_ids = [publish_category(platform.admin, n) for n in (1, 2)]
    sent: dict[str, list[dict[str, Any]]] = {}

    def send(subscriber: str, envelopes: list[dict[str, Any]]) -> list[dict[str, Any]]:
        sent[subscriber] = envelopes
        return [
            {"id": envelopes[0]["id"], "status": "ignored"},
            {"id": envelopes[1]["id"], "status": "failed", "code": "invalid", "message": "not today"},
        ]

    with platform.admin.app_context():
        assert outbox.deliver_due(send=send) == 4
    assert sorted(sent) == CONSUMERS
    for subscriber, envelopes in sent.items():
        assert [e["id"] for e in envelopes] == event_ids
        assert {e["source"] for e in envelopes} == {"admin_portal"}
        assert [e["data"] for e in envelopes] == [category_data(1), category_data(2)]
        found = deliveries_to(platform.admin, subscriber)
        assert (found[event_ids[0]].status, found[event_ids[0]].last_error) == ("delivered", None)
        assert (found[event_ids[1]].status, found[event_ids[1]].last_error) == ("pending", "invalid: not today")
