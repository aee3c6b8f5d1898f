"""Structured logs: one JSON object per line, one line per request, request ids carried across services."""

from __future__ import annotations

import json
import logging
import re
import sys
import time
import uuid
from typing import Any

from flask import Flask, Response, g, request

from common_core.internal.signing import HEADER_REQUEST_ID

# Attributes every LogRecord has; anything else was passed in `extra` and goes into the JSON line.
_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}
# Signed links carry their token in the path (/orders/view/<token>): it is a credential, never logged.
_SIGNED_LINK = re.compile(r"(/view/)[^/]+")
# Never written, whatever a caller passes by mistake.
_REDACT = {
    "password",
    "password_confirm",
    "current_password",
    "new_password",
    "card_number",
    "cvc",
    "secret",
    "token",
    "csrf_token",
}


class JsonFormatter(logging.Formatter):
    def __init__(self, service: str) -> None:
        super().__init__()
        self.service = service

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "service": self.service,
            "logger": record.name,
            "msg": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_"):
                line[key] = "[redacted]" if key.lower() in _REDACT else value
        if record.exc_info:
            line["exc"] = self.formatException(record.exc_info)
        return json.dumps(line, default=str)


def configure(service: str, level: str = "INFO") -> None:
    """Send every logger's records to stderr as JSON lines (idempotent)."""
    root = logging.getLogger()
    if any(getattr(h, "_marketplace", False) for h in root.handlers):
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter(service))
    handler._marketplace = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(level)
    logging.getLogger("werkzeug").setLevel(logging.WARNING)


def init_app(app: Flask) -> None:
    configure(app.config["SERVICE"], app.config.get("LOG_LEVEL", "INFO"))
    access = logging.getLogger("marketplace.request")

    @app.before_request
    def start_request() -> None:
        g.request_started = time.perf_counter()
        # The edge makes the id; the internal guard adopts a verified peer's id (internal/api.py).
        g.request_id = uuid.uuid4().hex

    @app.after_request
    def log_request(response: Response) -> Response:
        started = g.get("request_started")
        duration = round((time.perf_counter() - started) * 1000, 2) if started else None
        response.headers[HEADER_REQUEST_ID] = g.get("request_id", "")
        # The path only: query strings may carry signed links or search text we need not keep.
        access.info(
            "request",
            extra={
                "method": request.method,
                "path": _SIGNED_LINK.sub(r"\1[token]", request.path),
                "status": response.status_code,
                "duration_ms": duration,
                "request_id": g.get("request_id"),
                "service": app.config["SERVICE"],
            },
        )
        return response
