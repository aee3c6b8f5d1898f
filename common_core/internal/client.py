"""The signed JSON client every service uses to call a peer's /internal/ endpoints.

Timeouts are always set; idempotent calls are retried a bounded number of times with backoff;
connection failures, timeouts and 5xx answers become PeerUnavailable so callers can fail closed.
"""

from __future__ import annotations

import json
import random
import threading
import time
from typing import Any
from urllib.parse import urlencode

import requests
from flask import current_app, g, has_app_context, has_request_context

from common_core.errors import PeerError, PeerUnavailable
from common_core.internal.signing import HEADER_REQUEST_ID, signed_headers

RETRY_STATUSES = {502, 503, 504}


_per_thread = threading.local()


def _kept_session() -> requests.Session:
    """This thread's session for peer calls: its pooled keep-alive connections are reused from one call
    to the next (a new TCP connection per call costs both sides more than many small requests do).
    A requests.Session is not safe to share between threads, hence one per thread."""
    session = getattr(_per_thread, "session", None)
    if session is None:
        session = _per_thread.session = direct_session()
    return session


def direct_session() -> requests.Session:
    """A session that calls peers directly at their configured addresses.

    Never through a proxy named in the environment (HTTP_PROXY and the like), which would route one
    service's calls to its neighbour out of the host, and without reading that environment and ~/.netrc
    again on every call, which cost a peer call about as much CPU as signing and sending it.
    """
    session = requests.Session()
    session.trust_env = False
    return session


class InternalClient:
    """Calls one peer service as one caller service."""

    def __init__(
        self,
        caller: str,
        peer: str,
        base_url: str,
        secret: str,
        *,
        timeout: tuple[float, float] = (2.0, 5.0),
        retries: int = 2,
        backoff: float = 0.2,
        session: requests.Session | None = None,
    ) -> None:
        self.caller = caller
        self.peer = peer
        self.base_url = base_url.rstrip("/")
        self.secret = secret
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff
        self.session = session or direct_session()

    @classmethod
    def for_peer(cls, peer: str, **kwargs: Any) -> InternalClient:
        """A client configured from the current app: its name, its secret, the peer's URL.

        Tests may wire peers without sockets by putting a requests.Session in
        app.extensions["internal_sessions"][peer] (see common_core.testing.wire_peers).
        """
        config = current_app.config
        caller = config["SERVICE"]
        kwargs.setdefault("session", current_app.extensions.get("internal_sessions", {}).get(peer) or _kept_session())
        kwargs.setdefault("timeout", tuple(config.get("INTERNAL_TIMEOUT", (2.0, 5.0))))
        return cls(caller, peer, config["PEERS"][peer], config["INTERNAL_SECRETS"][caller][0], **kwargs)

    def get(self, path: str, params: dict[str, Any] | None = None) -> Any:
        return self.request("GET", path, params=params)

    def post(self, path: str, body: Any = None, *, idempotent: bool = False) -> Any:
        return self.request("POST", path, body=body, idempotent=idempotent)

    def request(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        body: Any = None,
        idempotent: bool | None = None,
    ) -> Any:
        """Send a signed request and return the decoded JSON answer.

        idempotent defaults to True for GET; a POST is retried only when the caller says the
        endpoint is idempotent (it takes an idempotency key such as an order id).
        """
        method = method.upper()
        if idempotent is None:
            idempotent = method in ("GET", "HEAD")
        query = urlencode(sorted((params or {}).items()), doseq=True)
        payload = b"" if body is None else json.dumps(body, separators=(",", ":"), default=str).encode()
        url = f"{self.base_url}{path}" + (f"?{query}" if query else "")
        attempts = 1 + (self.retries if idempotent else 0)
        last_error = "no attempt"
        for attempt in range(attempts):
            if attempt:
                time.sleep(self.backoff * (2 ** (attempt - 1)) * (1 + random.random()))
            # A fresh signature per attempt: each carries its own nonce.
            headers = signed_headers(self.caller, self.secret, method, path, query, payload)
            headers["Content-Type"] = "application/json"
            headers["Accept"] = "application/json"
            request_id = _request_id()
            if request_id:
                headers[HEADER_REQUEST_ID] = request_id
            try:
                response = self.session.request(
                    method, url, data=payload or None, headers=headers, timeout=self.timeout
                )
            except requests.RequestException as exc:
                last_error = type(exc).__name__
                continue
            if response.status_code in RETRY_STATUSES or response.status_code >= 500:
                last_error = f"HTTP {response.status_code}"
                if response.status_code in RETRY_STATUSES:
                    continue
                break
            body_json = _decode(response)
            if response.status_code >= 400:
                raise PeerError(self.peer, response.status_code, body_json if isinstance(body_json, dict) else {})
            return body_json
        raise PeerUnavailable(
            self.peer, f"The {self.peer.replace('_', ' ')} service is unavailable right now ({last_error})."
        )


def _decode(response: requests.Response) -> Any:
    if not response.content:
        return None
    try:
        return response.json()
    except ValueError:
        return {"error": "bad_response", "message": response.text[:200]}


def _request_id() -> str | None:
    if has_request_context():
        return getattr(g, "request_id", None)
    if has_app_context():
        return getattr(g, "request_id", None)
    return None
