"""Domain errors shared by every service; each app maps them to HTTP once (see web.register_error_handlers)."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """An expected failure a user or peer can be told about. Subclasses set the HTTP status."""

    status = 400
    code = "bad_request"

    def __init__(self, message: str, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.details = details


class NotFound(DomainError):
    status = 404
    code = "not_found"


class NotAllowed(DomainError):
    status = 403
    code = "not_allowed"


class Conflict(DomainError):
    status = 409
    code = "conflict"


class InvalidInput(DomainError):
    status = 422
    code = "invalid"


class InvalidTransition(Conflict):
    code = "invalid_transition"


class PeerUnavailable(DomainError):
    """A peer service could not be reached or answered 5xx; the caller fails closed."""

    status = 503
    code = "peer_unavailable"

    def __init__(self, peer: str, message: str | None = None) -> None:
        super().__init__(message or f"The {peer.replace('_', ' ')} service is unavailable right now.", peer=peer)
        self.peer = peer


class PeerError(DomainError):
    """A peer answered with a 4xx: the request was understood and refused."""

    def __init__(self, peer: str, status: int, body: dict[str, Any]) -> None:
        super().__init__(str(body.get("message") or body.get("error") or f"{peer} refused the request"), peer=peer)
        self.peer = peer
        self.status = status
        self.body = body
        self.code = str(body.get("error") or "peer_error")


class FieldError(InvalidInput):
    """A refusal that belongs next to one form field (views attach it to that field)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message, field=field)
        self.field = field
