"""The receiving side of events: /internal/events, idempotent by event id.

The inbox row and the handler's changes commit together, so an event is applied exactly once
however often the relay delivers it; a handler that raises rolls both back and the relay retries.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from typing import Any

from flask import current_app, g, request
from sqlalchemy.dialects.postgresql import insert

from common_core import contracts
from common_core.db import current_db, table
from common_core.errors import DomainError, InvalidInput
from common_core.internal.api import InternalAPI, error_json

log = logging.getLogger("marketplace.inbox")

Handler = Callable[[dict[str, Any], dict[str, Any]], None]

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
    inbox = table("inbox_event")
    inserted = session.execute(
        insert(inbox)
        .values(event_id=uuid.UUID(str(envelope["id"])), type=event_type, source=envelope["source"])
        .on_conflict_do_nothing()
        .returning(inbox.c.event_id)
    ).first()
    if inserted is None:
        return "duplicate"
    handler = handlers.get(event_type)
    if handler is None:
        return "ignored"
    handler(envelope["data"], envelope)
    return "applied"


def register_event_receiver(api: InternalAPI, handlers: dict[str, Handler]) -> None:
    """Add POST /internal/events to a service's internal API, dispatching to `handlers` by type."""

    @api.route(
        "/events",
        methods=["POST"],
        summary="Receive an event (idempotent by event id)",
        request=ENVELOPE_SCHEMA,
        response={
            "type": "object",
            "required": ["status"],
            "properties": {"status": {"type": "string", "enum": ["applied", "duplicate", "ignored"]}},
        },
    )
    def receive_event() -> Any:
        envelope = request.get_json(silent=True)
        if not isinstance(envelope, dict) or not all(k in envelope for k in ENVELOPE_SCHEMA["required"]):
            return error_json(422, "invalid", "An event needs id, type, version, occurred_at, source and data.")
        if envelope.get("source") != g.internal_caller:
            return error_json(422, "invalid", "An event's source must be its signed caller.")
        try:
            uuid.UUID(str(envelope["id"]))
        except ValueError:
            return error_json(422, "invalid", "Event id must be a UUID.")
        try:
            status = apply_event(envelope, handlers)
        except DomainError as exc:
            current_db().session.rollback()
            return error_json(exc.status, exc.code, exc.message)
        current_db().session.commit()
        log.info(
            "event received",
            extra={
                "event_id": envelope["id"],
                "event_type": envelope["type"],
                "status": status,
                "service": current_app.config["SERVICE"],
            },
        )
        return {"status": status}
