"""Every /internal/ operation of every service's OpenAPI refuses unsigned, unknown-caller, stale, future,
tampered (body, path, query, secret) and replayed requests with 401, and a signed caller not listed in the
operation's x-callers with 403. Operations are read from each service's own OpenAPI description.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator

import pytest

from common_core.internal.signing import HEADER_TIMESTAMP, signed_headers
from tests.conftest import TEST_SECRETS
from tests.security.routes import internal_operations

SERVICES = ("storefront", "vendor_portal", "admin_portal")
OPERATIONS = [(service, *op) for service in SERVICES for op in internal_operations(service)]


@pytest.fixture(scope="module")
def apps(_platform) -> Iterator[dict]:
    _platform.reset()
    yield _platform.apps
    _platform.reset()


def concrete(path: str, operation: dict) -> str:
    kinds = {p["name"]: p["schema"].get("type") for p in operation.get("parameters", []) if p["in"] == "path"}
    return re.sub(r"\{(\w+)\}", lambda m: "1" if kinds.get(m.group(1)) == "integer" else "x-1", path)


def caller_for(operation: dict) -> str:
    return (operation.get("x-callers") or ["admin_portal"])[0]


def send(app, method: str, path: str, *, headers: dict, body: bytes, query: str = ""):
    client = app.test_client()
    return client.open(
        path + (f"?{query}" if query else ""),
        method=method,
        data=body,
        headers={**headers, "Content-Type": "application/json"},
    )


def refused(response, message: str) -> str | None:
    body = response.get_json(silent=True) or {}
    if response.status_code != 401 or body.get("error") != "unauthorized" or body.get("message") != message:
        return f"expected 401 {message!r}, got {response.status_code} {body}"
    return None


@pytest.mark.parametrize(
    ("service", "method", "path", "operation"), OPERATIONS, ids=lambda v: v if isinstance(v, str) else ""
)
def test_an_internal_operation_refuses_every_request_that_is_not_freshly_signed_by_its_caller(
    apps, service, method, path, operation
) -> None:
    app = apps[service]
    url = concrete(path, operation)
    caller = caller_for(operation)
    secret = TEST_SECRETS[caller][0]
    body = b"" if method == "GET" else json.dumps({"probe": True}).encode()
    problems: dict[str, str | None] = {}

    def signed(**overrides) -> dict:
        return signed_headers(
            overrides.get("caller", caller),
            overrides.get("secret", secret),
            method,
            overrides.get("path", url),
            overrides.get("query", ""),
            overrides.get("body", body),
            now=overrides.get("now"),
        )

    problems["unsigned"] = refused(send(app, method, url, headers={}, body=body), "missing signature")
    unknown = signed(caller="stranger")
    problems["unknown caller"] = refused(send(app, method, url, headers=unknown, body=body), "unknown caller")
    problems["stale"] = refused(
        send(app, method, url, headers=signed(now=time.time() - 301), body=body), "stale signature"
    )
    problems["from the future"] = refused(
        send(app, method, url, headers=signed(now=time.time() + 301), body=body), "stale signature"
    )
    problems["tampered body"] = refused(
        send(app, method, url, headers=signed(body=b'{"probe": false}'), body=b'{"probe": true }'), "bad signature"
    )
    problems["tampered path"] = refused(
        send(app, method, url, headers=signed(path=url + "x"), body=body), "bad signature"
    )
    problems["tampered query"] = refused(
        send(app, method, url, headers=signed(), body=body, query="status=all"), "bad signature"
    )
    problems["wrong secret"] = refused(
        send(app, method, url, headers=signed(secret="not-the-secret"), body=body), "bad signature"
    )
    edited = signed()
    edited[HEADER_TIMESTAMP] = str(int(edited[HEADER_TIMESTAMP]) - 1)  # re-dated after signing
    problems["re-dated"] = refused(send(app, method, url, headers=edited, body=body), "bad signature")

    once = signed()
    first = send(app, method, url, headers=once, body=body)
    problems["first use accepted"] = (
        f"a freshly signed request was refused: {first.status_code} {first.get_json(silent=True)}"
        if first.status_code == 401
        else None
    )
    problems["replayed"] = refused(send(app, method, url, headers=once, body=body), "replayed request")

    callers = operation.get("x-callers")
    if callers:
        outsider = next((s for s in SERVICES if s not in callers), None)
        if outsider is not None:
            response = send(
                app, method, url, headers=signed(caller=outsider, secret=TEST_SECRETS[outsider][0]), body=body
            )
            problems["caller not allowed"] = (
                None if response.status_code == 403 else f"expected 403 for {outsider}, got {response.status_code}"
            )
    found = {name: problem for name, problem in problems.items() if problem}
    assert not found, f"{method} {url}: " + "; ".join(f"{name}: {problem}" for name, problem in found.items())
