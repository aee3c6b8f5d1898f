"""Schemathesis against every service's internal OpenAPI: generated requests, each signed by a caller the
operation allows, never get a 5xx and always get an answer that conforms to the schema (status code,
content type, body).

The schema is fetched signed through InternalClient, as a peer would read it; operations are read at
collection time from each service's InternalAPI, so new endpoints are fuzzed as soon as they exist. The
signing happens in the requests transport (SigningAdapter), after schemathesis has serialised the body,
so the signature covers exactly the bytes sent; requests then reach the app in-process through the
platform's WSGIAdapter. Bounded: MAX_EXAMPLES per operation, no deadline.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from requests.adapters import BaseAdapter
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)
from urllib3 import HTTPHeaderDict

from common_core import contracts
from common_core.internal.client import InternalClient
from common_core.internal.signing import signed_headers
from tests.conftest import PEERS, TEST_SECRETS
from tests.security.routes import internal_operations

SERVICES = ("storefront", "vendor_portal", "admin_portal")
MAX_EXAMPLES = 20
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
OPERATIONS = [(service, method, path) for service in SERVICES for method, path, _ in internal_operations(service)]


class _Raw:
    version = 11

    def __init__(self, headers: HTTPHeaderDict) -> None:
        self.headers = headers


class SigningAdapter(BaseAdapter):
    """Signs each prepared request as `caller()` says, then hands it to the app's in-process adapter."""

    def __init__(self, target: BaseAdapter, caller_for: callable) -> None:
        super().__init__()
        self.target = target
        self.caller_for = caller_for

    def send(self, request: requests.PreparedRequest, **kwargs):
        parts = urlsplit(request.url)
        body = request.body or b""
        if isinstance(body, str):
            body = body.encode()
        caller = self.caller_for(request.method, parts.path, body)
        request.headers.update(
            signed_headers(caller, TEST_SECRETS[caller][0], request.method, parts.path, parts.query, body)
        )
        response = self.target.send(request, **kwargs)
        if response.raw is None:
            # schemathesis reads headers from the raw urllib3 response, which an in-process call has not got.
            response.raw = _Raw(HTTPHeaderDict(dict(response.headers)))
        return response

    def close(self) -> None:
        pass


@pytest.fixture(scope="module")
def fuzzing(_platform) -> Iterator[dict]:
    """Each service's schema, fetched signed by a peer, loaded into schemathesis."""
    _platform.reset()
    schemas = {}
    for service in SERVICES:
        reader = "storefront" if service == "admin_portal" else "admin_portal"
        with _platform.apps[reader].app_context():
            document = InternalClient.for_peer(service, retries=0).get("/internal/openapi.json")
        schemas[service] = schemathesis.openapi.from_dict(document)
    yield {"schemas": schemas, "platform": _platform}
    _platform.reset()


def caller_of(operation: dict, body: bytes) -> str:
    """The operation's allowed caller; for events, the producer of the event type named in the body."""
    try:
        event_type = json.loads(body or b"{}").get("type") if body else None
    except (ValueError, AttributeError):
        event_type = None
    if isinstance(event_type, str) and event_type in contracts.EVENTS:
        return contracts.spec_for(event_type).producer
    return (operation.get("x-callers") or ["admin_portal"])[0]


@pytest.mark.parametrize(("service", "method", "path"), OPERATIONS, ids=[f"{s}:{m}:{p}" for s, m, p in OPERATIONS])
def test_generated_requests_get_schema_conforming_answers_and_never_a_server_error(
    fuzzing, service: str, method: str, path: str
) -> None:
    schema = fuzzing["schemas"][service]
    platform = fuzzing["platform"]
    operation = schema.find_operation_by_path(method.lower(), path)
    assert operation is not None, f"{method} {path} is in the app's API but not in the schema it serves"
    definition = operation.definition.raw if hasattr(operation.definition, "raw") else operation.definition

    session = requests.Session()
    adapter = SigningAdapter(platform.adapters[service], lambda m, p, body: caller_of(definition, body))
    session.mount("http://", adapter)
    session.mount("https://", adapter)

    @settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
        # No shrinking: a failure is reported as found, so a broken endpoint costs seconds, not minutes.
        phases=[Phase.explicit, Phase.reuse, Phase.generate],
        report_multiple_bugs=False,
    )
    @given(case=operation.as_strategy(), data=st.data())
    def fuzz(case, data) -> None:
        if path.endswith("/events") and isinstance(case.body, dict):
            # Events whose source is their signed producer get past the envelope check into the handlers.
            event_type = case.body.get("type")
            if isinstance(event_type, str) and event_type in contracts.EVENTS:
                case.body["source"] = contracts.spec_for(event_type).producer
        response = case.call(base_url=PEERS[service], session=session)
        case.validate_response(response, checks=CHECKS)

    fuzz()
