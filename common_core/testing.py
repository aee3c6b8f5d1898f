"""Test support: wire services to each other in one process without sockets, through real WSGI calls.

Used by tests and benchmarks only. A peer is reached through a requests adapter that hands the
signed request to the peer app's WSGI callable, so signatures, guards and JSON are all exercised.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

import requests
from flask import Flask
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict
from werkzeug.test import EnvironBuilder, run_wsgi_app


class WSGIAdapter(BaseAdapter):
    """A requests transport that calls a WSGI app in-process. down=True simulates a stopped peer."""

    def __init__(self, app: Flask) -> None:
        super().__init__()
        self.app = app
        self.down = False

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        if self.down:
            raise requests.ConnectionError(f"{self.app.name} is down")
        parts = urlsplit(request.url)
        body = request.body or b""
        if isinstance(body, str):
            body = body.encode()
        builder = EnvironBuilder(
            method=request.method,
            path=parts.path,
            query_string=parts.query,
            headers=dict(request.headers),
            input_stream=io.BytesIO(body),
            content_length=len(body),
        )
        environ = builder.get_environ()
        app_iter, status, headers = run_wsgi_app(self.app.wsgi_app, environ, buffered=True)
        response = requests.Response()
        response.status_code = int(status.split(" ", 1)[0])
        response.headers = CaseInsensitiveDict(headers)
        response._content = b"".join(app_iter)
        response.url = request.url
        response.request = request
        return response

    def close(self) -> None:
        pass


def wire_peers(apps: Mapping[str, Flask]) -> dict[str, WSGIAdapter]:
    """Make every app call every other app in-process; returns the adapters (set .down to stop a peer)."""
    adapters = {name: WSGIAdapter(app) for name, app in apps.items()}
    for name, app in apps.items():
        sessions = app.extensions.setdefault("internal_sessions", {})
        for peer, adapter in adapters.items():
            if peer == name:
                continue
            session = requests.Session()
            session.mount("http://", adapter)
            session.mount("https://", adapter)
            sessions[peer] = session
    return adapters
