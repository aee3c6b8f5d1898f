"""The internal API of a service: a blueprint under /internal/ guarded by signatures, plus its OpenAPI.

    api = InternalAPI("vendor_portal", "Vendor portal internal API")

    @api.route("/reservations", methods=["POST"], summary="Reserve stock for an order",
               request={...json schema...}, response={...json schema...}, callers=("storefront",))
    def reserve(): ...

Routes are signed-only (401 JSON otherwise), CSRF-exempt (there is no browser), and listed in
/internal/openapi.json, which is signed like the rest.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from datetime import timedelta
from functools import wraps
from typing import Any

import sqlalchemy as sa
from flask import Blueprint, Flask, current_app, g, jsonify, request

from common_core.db import MAX_DB_INT, current_db, table, utcnow
from common_core.errors import InvalidInput
from common_core.internal.signing import HEADER_REQUEST_ID, SignatureError, verify

ERROR_SCHEMA = {
    "type": "object",
    "required": ["error", "message"],
    "properties": {"error": {"type": "string"}, "message": {"type": "string"}, "details": {"type": "object"}},
}


def _openapi_path(rule: str) -> tuple[str, list[dict[str, Any]]]:
    params = []

    def repl(match: re.Match[str]) -> str:
        converter, name = match.group(1), match.group(2)
        kind = {"int": "integer", "float": "number"}.get(converter or "", "string")
        schema: dict[str, Any] = {"type": kind}
        if converter == "uuid":
            schema["format"] = "uuid"
        if kind == "integer":
            schema["minimum"] = 0
            schema["maximum"] = MAX_DB_INT  # the URL converter refuses larger
        params.append({"name": name, "in": "path", "required": True, "schema": schema})
        return "{" + name + "}"

    return re.sub(r"<(?:(\w+):)?(\w+)>", repl, rule), params


class InternalAPI:
    """A service's internal endpoints and their OpenAPI description."""

    def __init__(self, service: str, title: str) -> None:
        self.service = service
        self.title = title
        self.blueprint = Blueprint("internal", f"{service}.internal", url_prefix="/internal")
        self.paths: dict[str, dict[str, Any]] = {}
        self.route("/openapi.json", methods=["GET"], summary="This API as OpenAPI 3.1", response={"type": "object"})(
            self._serve_openapi
        )
        self._outbox_routes()

    def route(
        self,
        rule: str,
        *,
        methods: Iterable[str],
        summary: str,
        request: dict[str, Any] | None = None,
        response: dict[str, Any] | None = None,
        query: list[dict[str, Any]] | None = None,
        callers: tuple[str, ...] | None = None,
        errors: tuple[int, ...] = (),
    ) -> Callable:
        methods = [m.upper() for m in methods]

        def decorator(view: Callable) -> Callable:
            guarded = _only_callers(callers)(view) if callers else view
            self.blueprint.add_url_rule(rule, endpoint=view.__name__, view_func=guarded, methods=methods)
            path, params = _openapi_path(self.blueprint.url_prefix + rule)
            for method in methods:
                operation: dict[str, Any] = {
                    "operationId": view.__name__,
                    "summary": summary,
                    "parameters": params + list(query or []),
                    "responses": {
                        "200": {
                            "description": "OK",
                            "content": {"application/json": {"schema": response or {"type": "object"}}},
                        },
                        "401": _error_response("Missing, stale, replayed or bad signature"),
                    },
                }
                for status in (*errors, 403, 404, 409, 422, 503):
                    operation["responses"].setdefault(str(status), _error_response("Refused"))
                if request is not None:
                    operation["requestBody"] = {"required": True, "content": {"application/json": {"schema": request}}}
                if callers:
                    operation["x-callers"] = list(callers)
                self.paths.setdefault(path, {})[method.lower()] = operation
            return view

        return decorator

    def openapi(self) -> dict[str, Any]:
        return {
            "openapi": "3.1.0",
            "info": {"title": self.title, "version": "1"},
            "paths": self.paths,
            "components": {
                "securitySchemes": {
                    "hmac": {
                        "type": "apiKey",
                        "in": "header",
                        "name": "X-Mkt-Signature",
                        "description": "HMAC-SHA256 over method, path, query, timestamp, "
                        "nonce and body hash; see X-Mkt-Caller, "
                        "X-Mkt-Timestamp, X-Mkt-Nonce.",
                    }
                },
            },
            "security": [{"hmac": []}],
        }

    def _outbox_routes(self) -> None:
        """Every service's outbox backlog and dead letters, for admin's system health page."""
        from common_core import outbox

        stats_schema = {
            "type": "object",
            "required": ["pending", "dead"],
            "properties": {
                "pending": {"type": "integer"},
                "dead": {"type": "integer"},
                "oldest_pending_due": {"type": ["string", "null"]},
            },
        }
        dead_schema = {
            "type": "object",
            "required": ["deliveries"],
            "properties": {"deliveries": {"type": "array", "items": {"type": "object"}}},
        }

        @self.route(
            "/outbox/stats", methods=["GET"], summary="Outbox backlog", response=stats_schema, callers=("admin_portal",)
        )
        def outbox_stats() -> Any:
            return jsonify(outbox.stats())

        @self.route(
            "/outbox/dead",
            methods=["GET"],
            summary="Dead deliveries, newest first",
            response=dead_schema,
            callers=("admin_portal",),
        )
        def outbox_dead() -> Any:
            return jsonify({"deliveries": outbox.dead_deliveries()})

        @self.route(
            "/outbox/dead/<int:delivery_id>/retry",
            methods=["POST"],
            summary="Retry a dead delivery",
            response={"type": "object", "required": ["retried"], "properties": {"retried": {"type": "boolean"}}},
            callers=("admin_portal",),
        )
        def outbox_retry(delivery_id: int) -> Any:
            if not outbox.retry_dead(delivery_id):
                return error_json(404, "not_found", "No dead delivery with that id.")
            return jsonify({"retried": True})

    def _serve_openapi(self) -> Any:
        return jsonify(self.openapi())

    def init_app(self, app: Flask) -> None:
        # Guard at app level so an unsigned probe of an unknown /internal/ path gets 401 too, not 404.
        @app.before_request
        def guard_internal() -> Any:
            if request.path.startswith("/internal/"):
                return _require_signature()
            return None

        app.register_blueprint(self.blueprint)
        csrf = app.extensions.get("csrf")
        if csrf is not None:
            csrf.exempt(self.blueprint)


def json_object(body: Any, schema: dict[str, Any]) -> dict[str, Any]:
    """A request body that is a JSON object with only the fields `schema` declares, or InvalidInput (422)."""
    if not isinstance(body, dict):
        raise InvalidInput("The body must be a JSON object.")
    unknown = sorted(set(body) - set(schema["properties"]))
    if unknown:
        raise InvalidInput(f"Unknown fields: {', '.join(unknown)}.", fields=unknown)
    return body


def query_int(name: str, default: int | None, *, minimum: int = 1, maximum: int = MAX_DB_INT) -> int | None:
    """A whole-number query parameter within [minimum, maximum], `default` when absent, or InvalidInput."""
    raw = request.args.get(name)
    if raw in (None, ""):
        return default
    if not (raw.isascii() and raw.isdigit()) or not minimum <= int(raw) <= maximum:
        raise InvalidInput(f"{name} must be a whole number from {minimum} to {maximum}.", field=name)
    return int(raw)


def _error_response(description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": ERROR_SCHEMA}}}


def error_json(status: int, error: str, message: str, **details: Any) -> Any:
    body: dict[str, Any] = {"error": error, "message": message}
    if details:
        body["details"] = details
    response = jsonify(body)
    response.status_code = status
    return response


def _require_signature() -> Any:
    config = current_app.config
    try:
        caller, nonce = verify(
            config["INTERNAL_SECRETS"],
            request.headers,
            request.method,
            request.path,
            request.query_string.decode("latin-1"),
            request.get_data(cache=True),
            max_skew=int(config.get("INTERNAL_MAX_SKEW", 300)),
        )
    except SignatureError as exc:
        return error_json(401, "unauthorized", str(exc))
    if not _first_use_of_nonce(caller, nonce):
        return error_json(401, "unauthorized", "replayed request")
    g.internal_caller = caller
    incoming = request.headers.get(HEADER_REQUEST_ID, "")
    if incoming and len(incoming) <= 64 and incoming.replace("-", "").isalnum():
        g.request_id = incoming  # a verified peer carries the edge's request id along
    return None


# A fixed statement: nothing to build or look up in the statement cache on every internal request.
_FIRST_USE = sa.text(
    "INSERT INTO internal_nonce (nonce, caller) VALUES (:nonce, :caller) ON CONFLICT DO NOTHING RETURNING nonce"
)


def _first_use_of_nonce(caller: str, nonce: str) -> bool:
    """Record the nonce on its own connection so the record survives the request's own rollback.

    One autocommit statement: the INSERT is its own transaction, without a BEGIN and COMMIT around it.
    """
    with current_db().engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        inserted = conn.execute(_FIRST_USE, {"nonce": nonce, "caller": caller}).first()
    return inserted is not None


def purge_nonces(max_age_seconds: int = 900) -> int:
    """Forget nonces older than any acceptable timestamp (run by the relay)."""
    nonces = table("internal_nonce")
    cutoff = utcnow() - timedelta(seconds=max_age_seconds)
    with current_db().engine.begin() as conn:
        return conn.execute(sa.delete(nonces).where(nonces.c.seen_at < cutoff)).rowcount


def _only_callers(callers: tuple[str, ...]) -> Callable:
    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if g.get("internal_caller") not in callers:
                return error_json(403, "forbidden", "This caller may not use this endpoint.")
            return view(*args, **kwargs)

        return wrapper

    return decorator
