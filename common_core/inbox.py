"""The receiving side of events: /internal/events and /internal/events/batch, idempotent by event id.

The inbox row and the handler's changes commit together, so an event is applied exactly once
however often the relay delivers it; a handler that raises rolls both back and the relay retries.
In a batch each event is applied in its own SAVEPOINT, so one failing event rolls back only itself
and the request still commits the others once.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from flask import current_app, g, request
from sqlalchemy.dialects.postgresql import UUID

from common_core import contracts
from common_core.db import current_db
from common_core.errors import DomainError, InvalidInput
from common_core.internal.api import InternalAPI, error_json, json_object

log = logging.getLogger("marketplace.inbox")

Handler = Callable[[dict[str, Any], dict[str, Any]], None]

MAX_BATCH = 100  # events per /internal/events/batch request; the relay sends no more
ACCEPTED = ("applied", "duplicate", "ignored")  # what the relay may mark delivered

ENVELOPE_SCHEMA = {
    "type": "object",
    "required": ["id", "type", "version", "occurred_at", "source", "data"],
    "properties": {
        "id": {"type": "string", "format": "uuid"},
        "type": {"type": "string", "enum": sorted(contracts.EVENTS)},
        "version": {"type": "integer"},
        "occurred_at": {"type": "string", "format": "date-time"},
        "source": {"type": "string"},
        "request_id": {"type": ["string", "null"]},
        "data": {"type": "object"},
    },
}
BATCH_SCHEMA = {
    "type": "object",
    "required": ["events"],
    "properties": {"events": {"type": "array", "minItems": 1, "maxItems": MAX_BATCH, "items": ENVELOPE_SCHEMA}},
}
RESULT_SCHEMA = {
    "type": "object",
    "required": ["id", "status"],
    "properties": {
        "id": {"type": ["string", "null"], "description": "The event's id as sent (null when it had none)."},
        "status": {"type": "string", "enum": [*ACCEPTED, "failed"]},
        "code": {
            "type": "string",
            "description": "Only when failed: invalid, handler_error, or the handler's own error code.",
        },
        "message": {"type": "string", "description": "Only when failed: why."},
    },
}


def check_envelope(envelope: Any, caller: str) -> dict[str, Any]:
    """The envelope, if it is one `caller` may send (apply_event checks type, version and data); else InvalidInput."""
    if not isinstance(envelope, dict) or not all(k in envelope for k in ENVELOPE_SCHEMA["required"]):
        raise InvalidInput("An event needs id, type, version, occurred_at, source and data.")
    if envelope["source"] != caller:
        raise InvalidInput("An event's source must be its signed caller.")
    try:
        uuid.UUID(str(envelope["id"]))
    except ValueError:
        raise InvalidInput("Event id must be a UUID.") from None
    if not isinstance(envelope["type"], str):
        raise InvalidInput("Event type must be a string.")
    return envelope


# A fixed statement: nothing to build or look up in the statement cache for every event received.
_FIRST_DELIVERY = sa.text(
    "INSERT INTO inbox_event (event_id, type, source) VALUES (:event_id, :type, :source)"
    " ON CONFLICT DO NOTHING RETURNING event_id"
).bindparams(sa.bindparam("event_id", type_=UUID(as_uuid=True)))


def apply_event(envelope: dict[str, Any], handlers: dict[str, Handler]) -> str:
    """Apply one event once; returns "applied", "duplicate" or "ignored". The caller commits."""
    event_type = envelope["type"]
    spec = contracts.validate(event_type, envelope["data"])
    if envelope.get("version") != spec.version:
        # Refused (and so retried, then dead-lettered) until this consumer learns the new version.
        raise InvalidInput(
            f"{event_type} version {envelope.get('version')} is not understood (expects {spec.version})."
        )
    session = current_db().session
    event_id = uuid.UUID(str(envelope["id"]))
    inserted = session.execute(
        _FIRST_DELIVERY, {"event_id": event_id, "type": event_type, "source": envelope["source"]}
    ).first()
    if inserted is None:
        return "duplicate"
    handler = handlers.get(event_type)
    if handler is None:
        return "ignored"
    handler(envelope["data"], envelope)
    return "applied"


def _apply_in_savepoint(envelope: Any, caller: str, handlers: dict[str, Handler]) -> dict[str, Any]:
    """Check and apply one event of a batch in its own SAVEPOINT; a failure rolls back only this event.

    Returns the event's result: {"id", "status"}, plus "code" and "message" when it failed.
    """
    event_id = envelope.get("id") if isinstance(envelope, dict) else None
    result: dict[str, Any] = {"id": event_id if isinstance(event_id, str) else None}
    try:
        check_envelope(envelope, caller)
        with current_db().session.begin_nested():
            return {**result, "status": apply_event(envelope, handlers)}
    except DomainError as exc:
        log.warning(
            "event refused",
            extra={"event_id": result["id"], "code": exc.code, "error": exc.message[:200], "service": _service()},
        )
        return {**result, "status": "failed", "code": exc.code, "message": exc.message}
    except Exception as exc:  # one broken handler must not sink the batch: logged, reported, retried
        log.exception(
            "event handler failed",
            extra={"event_id": result["id"], "event_type": envelope["type"], "service": _service()},
        )
        return {**result, "status": "failed", "code": "handler_error", "message": f"{type(exc).__name__}: {exc}"[:500]}


def register_event_receiver(api: InternalAPI, handlers: dict[str, Handler]) -> None:
    """Add POST /internal/events and /internal/events/batch to a service's internal API, dispatching by type."""

    @api.route(
        "/events",
        methods=["POST"],
        summary="Receive an event (idempotent by event id)",
        request=ENVELOPE_SCHEMA,
        response={
            "type": "object",
            "required": ["status"],
            "properties": {"status": {"type": "string", "enum": list(ACCEPTED)}},
        },
    )
    def receive_event() -> Any:
        envelope = request.get_json(silent=True)
        try:
            check_envelope(envelope, g.internal_caller)
            status = apply_event(envelope, handlers)
        except DomainError as exc:
            current_db().session.rollback()
            return error_json(exc.status, exc.code, exc.message)
        current_db().session.commit()
        _log_received(envelope, status)
        return {"status": status}

    @api.route(
        "/events/batch",
        methods=["POST"],
        summary=f"Receive up to {MAX_BATCH} events, each applied or failed on its own (idempotent by event id)",
        request=BATCH_SCHEMA,
        response={
            "type": "object",
            "required": ["results"],
            "properties": {
                "results": {"type": "array", "items": RESULT_SCHEMA, "description": "One per event, in order."}
            },
        },
    )
    def receive_event_batch() -> Any:
        body = json_object(request.get_json(silent=True), BATCH_SCHEMA)
        events = body.get("events")
        if not isinstance(events, list) or not 1 <= len(events) <= MAX_BATCH:
            raise InvalidInput(f"events must be a list of 1 to {MAX_BATCH} events.", field="events")
        results = [_apply_in_savepoint(envelope, g.internal_caller, handlers) for envelope in events]
        current_db().session.commit()
        for envelope, result in zip(events, results, strict=True):
            if result["status"] != "failed":
                _log_received(envelope, result["status"])
        return {"results": results}


def _log_received(envelope: dict[str, Any], status: str) -> None:
    log.info(
        "event received",
        extra={"event_id": envelope["id"], "event_type": envelope["type"], "status": status, "service": _service()},
    )


def _service() -> str:
    return current_app.config["SERVICE"]
