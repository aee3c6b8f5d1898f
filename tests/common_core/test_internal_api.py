"""Signed internal calls between the real services: what a peer accepts, refuses, and how callers see failures."""

from __future__ import annotations

import logging
import threading
import time

import pytest
from flask import g
from werkzeug.serving import make_server

from common_core.errors import PeerError, PeerUnavailable
from common_core.internal.client import InternalClient
from common_core.internal.signing import HEADER_REQUEST_ID
from tests.common_core.conftest import envelope, signed_request
from tests.conftest import TEST_SECRETS

SERVICE_PAIRS = [("storefront", "admin_portal"), ("admin_portal", "vendor_portal"), ("vendor_portal", "storefront")]
OPENAPI = "/internal/openapi.json"


@pytest.mark.parametrize(("caller", "callee"), SERVICE_PAIRS)
def test_a_signed_peer_reads_the_openapi_document_listing_the_event_receiver(platform, caller, callee):
    with platform.apps[caller].app_context():
        document = InternalClient.for_peer(callee).get(OPENAPI)
    assert document["openapi"].startswith("3.1")
    assert "post" in document["paths"]["/internal/events"]
    assert document["paths"]["/internal/events"]["post"]["responses"]["401"]
    assert document["security"] == [{"hmac": []}]


@pytest.mark.parametrize("service", ["storefront", "admin_portal", "vendor_portal"])
def test_an_unsigned_call_is_refused_with_a_json_401(platform, service):
    response = platform.apps[service].test_client().get(OPENAPI)
    assert response.status_code == 401
    assert response.is_json
    assert response.get_json()["error"] == "unauthorized"


def test_an_unsigned_event_is_refused_and_changes_nothing(platform, handlers):
    calls = []
    handlers("vendor_portal", "category.upserted", lambda data, env: calls.append(env["id"]))
    response = platform.vendor.test_client().post("/internal/events", json=envelope())
    assert response.status_code == 401 and response.get_json()["error"] == "unauthorized"
    assert calls == []


def test_a_stale_signature_is_refused(platform):
    headers, _ = signed_request("storefront", "GET", OPENAPI, now=time.time() - 301)
    response = platform.admin.test_client().get(OPENAPI, headers=headers)
    assert response.status_code == 401
    assert response.get_json() == {"error": "unauthorized", "message": "stale signature"}


def test_a_signature_from_the_future_is_refused(platform):
    headers, _ = signed_request("storefront", "GET", OPENAPI, now=time.time() + 301)
    response = platform.admin.test_client().get(OPENAPI, headers=headers)
    assert response.status_code == 401
    assert response.get_json()["message"] == "stale signature"


def test_a_tampered_event_body_is_refused_and_not_applied(platform, handlers):
    calls = []
    handlers("vendor_portal", "category.upserted", lambda data, env: calls.append(data))
    original = envelope()
    headers, _ = signed_request("admin_portal", "POST", "/internal/events", original)
    forged = {**original, "data": {**original["data"], "name": "Forged"}}
    response = platform.vendor.test_client().post("/internal/events", json=forged, headers=headers)
    assert response.status_code == 401
    assert response.get_json()["message"] == "bad signature"
    assert calls == []


def test_a_signature_for_one_query_is_refused_for_another(platform):
    headers, _ = signed_request("storefront", "GET", OPENAPI, query="page=1")
    response = platform.admin.test_client().get(f"{OPENAPI}?page=2", headers=headers)
    assert response.status_code == 401 and response.get_json()["message"] == "bad signature"


def test_a_replayed_request_is_refused_the_second_time(platform):
    headers, _ = signed_request("storefront", "GET", OPENAPI)
    client = platform.admin.test_client()
    first = client.get(OPENAPI, headers=headers)
    second = client.get(OPENAPI, headers=headers)
    assert first.status_code == 200
    assert second.status_code == 401
    assert second.get_json() == {"error": "unauthorized", "message": "replayed request"}


def test_a_replayed_event_is_not_applied_twice(platform, handlers):
    calls = []
    handlers("vendor_portal", "category.upserted", lambda data, env: calls.append(env["id"]))
    body = envelope()
    headers, payload = signed_request("admin_portal", "POST", "/internal/events", body)
    client = platform.vendor.test_client()
    assert client.post("/internal/events", data=payload, headers=headers).get_json() == {"status": "applied"}
    replay = client.post("/internal/events", data=payload, headers=headers)
    assert replay.status_code == 401 and replay.get_json()["message"] == "replayed request"
    assert calls == [body["id"]]


def test_a_peer_is_called_directly_even_when_the_environment_names_a_proxy(platform, monkeypatch):
    # A proxy on a closed port: a call that went through it would fail with PeerUnavailable.
    for name in ("HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.setenv(name, "http://127.0.0.1:9")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    server = make_server("127.0.0.1", 0, platform.vendor, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        client = InternalClient(
            "storefront",
            "vendor_portal",
            f"http://127.0.0.1:{server.server_port}",
            TEST_SECRETS["storefront"][0],
            retries=0,
        )
        with platform.storefront.app_context():
            document = client.get(OPENAPI)
    finally:
        server.shutdown()
    assert document["info"]["title"]


def test_a_stopped_peer_raises_peer_unavailable_after_retrying_a_get(platform, observe):
    observed = observe(platform.storefront, "vendor_portal")
    platform.adapters["vendor_portal"].down = True
    with platform.storefront.app_context(), pytest.raises(PeerUnavailable) as excinfo:
        InternalClient.for_peer("vendor_portal", backoff=0.001).get(OPENAPI)
    assert observed.attempts == 3  # the first try and two retries
    assert excinfo.value.peer == "vendor_portal"
    assert excinfo.value.status == 503
    assert "ConnectionError" in excinfo.value.message


def test_each_retry_carries_a_fresh_nonce(platform, observe):
    observed = observe(platform.storefront, "vendor_portal")
    platform.adapters["vendor_portal"].down = True
    with platform.storefront.app_context(), pytest.raises(PeerUnavailable):
        InternalClient.for_peer("vendor_portal", backoff=0.001).get(OPENAPI)
    nonces = {request.headers["X-Mkt-Nonce"] for request, _ in observed.exchanges}
    assert len(nonces) == 3


def test_a_non_idempotent_post_to_a_stopped_peer_is_tried_once(platform, observe):
    observed = observe(platform.admin, "vendor_portal")
    platform.adapters["vendor_portal"].down = True
    with platform.admin.app_context(), pytest.raises(PeerUnavailable):
        InternalClient.for_peer("vendor_portal", backoff=0.001).post("/internal/events", envelope())
    assert observed.attempts == 1


def test_a_peer_answering_503_is_retried_for_an_idempotent_call_then_unavailable(platform, handlers, observe):
    calls = []

    def overloaded(data, env):
        calls.append(env["id"])
        raise PeerUnavailable("pricing", "pricing is down")

    handlers("vendor_portal", "category.upserted", overloaded)
    observed = observe(platform.admin, "vendor_portal")
    with platform.admin.app_context(), pytest.raises(PeerUnavailable) as excinfo:
        InternalClient.for_peer("vendor_portal", backoff=0.001).post("/internal/events", envelope(), idempotent=True)
    assert [response.status_code for _, response in observed.exchanges] == [503, 503, 503]
    assert len(calls) == 3
    assert "HTTP 503" in excinfo.value.message


def test_a_peer_answering_500_becomes_peer_unavailable_without_retry(platform, handlers, observe, monkeypatch):
    def broken(data, env):
        raise RuntimeError("handler bug")

    handlers("vendor_portal", "category.upserted", broken)
    monkeypatch.setitem(platform.vendor.config, "PROPAGATE_EXCEPTIONS", False)  # answer 500 as in production
    observed = observe(platform.admin, "vendor_portal")
    with platform.admin.app_context(), pytest.raises(PeerUnavailable) as excinfo:
        InternalClient.for_peer("vendor_portal", backoff=0.001).post("/internal/events", envelope(), idempotent=True)
    assert [response.status_code for _, response in observed.exchanges] == [500]
    assert excinfo.value.peer == "vendor_portal"
    assert "HTTP 500" in excinfo.value.message


def test_a_peer_refusing_with_4xx_raises_peer_error_with_status_and_body(platform):
    impostor = envelope(source="admin_portal")  # storefront may not speak for admin_portal
    with platform.storefront.app_context(), pytest.raises(PeerError) as excinfo:
        InternalClient.for_peer("vendor_portal").post("/internal/events", impostor)
    assert excinfo.value.status == 422
    assert excinfo.value.peer == "vendor_portal"
    assert excinfo.value.body["error"] == "invalid"
    assert "source" in excinfo.value.body["message"]
    assert excinfo.value.code == "invalid"


def test_an_event_with_missing_fields_is_refused_with_the_missing_names(platform):
    incomplete = envelope(data={"category_id": 1})
    with platform.admin.app_context(), pytest.raises(PeerError) as excinfo:
        InternalClient.for_peer("vendor_portal").post("/internal/events", incomplete)
    assert excinfo.value.status == 422
    assert "missing name, slug, parent_id, position" in excinfo.value.body["message"]


def test_the_callers_request_id_reaches_the_callee(platform, observe):
    observed = observe(platform.storefront, "admin_portal")
    with platform.storefront.app_context():
        g.request_id = "trace-0123456789abcdef"
        InternalClient.for_peer("admin_portal").get(OPENAPI)
    request, response = observed.exchanges[0]
    assert request.headers[HEADER_REQUEST_ID] == "trace-0123456789abcdef"
    assert response.headers[HEADER_REQUEST_ID] == "trace-0123456789abcdef"


def test_a_browser_cannot_choose_its_request_id(platform):
    response = platform.storefront.test_client().get("/healthz", headers={HEADER_REQUEST_ID: "chosen-by-browser"})
    request_id = response.headers[HEADER_REQUEST_ID]
    assert request_id and request_id != "chosen-by-browser"


def test_an_unsigned_caller_cannot_choose_its_request_id(platform, caplog):
    """Only a verified peer may hand over a request id; a refused call must not plant one in our logs."""
    caplog.set_level(logging.INFO)
    headers = {"X-Mkt-Caller": "storefront", HEADER_REQUEST_ID: "planted-by-attacker"}
    response = platform.vendor.test_client().get(OPENAPI, headers=headers)
    assert response.status_code == 401
    assert response.headers[HEADER_REQUEST_ID] != "planted-by-attacker"
    logged = [r.request_id for r in caplog.records if r.name == "marketplace.request"]
    assert "planted-by-attacker" not in logged


def test_admin_reads_each_services_outbox_backlog_and_retries_a_dead_delivery(platform, monkeypatch):
    from common_core.outbox import deliver_due, record_event

    monkeypatch.setitem(platform.vendor.config, "OUTBOX_MAX_ATTEMPTS", 1)
    platform.adapters["storefront"].down = True
    with platform.vendor.app_context():
        record_event("product.removed", {"product_id": 1, "vendor_id": 1})
        platform.vendor.extensions["sqlalchemy"].session.commit()
        deliver_due()
    with platform.admin.app_context():
        client = InternalClient.for_peer("vendor_portal")
        stats = client.get("/internal/outbox/stats")
        assert stats["dead"] == 1
        [dead] = client.get("/internal/outbox/dead")["deliveries"]
        assert dead["subscriber"] == "storefront" and dead["type"] == "product.removed"
        platform.adapters["storefront"].down = False
        assert client.post(f"/internal/outbox/dead/{dead['id']}/retry", {}) == {"retried": True}
        assert client.get("/internal/outbox/stats")["dead"] == 0
    with platform.storefront.app_context():
        with pytest.raises(PeerError) as refused:
            InternalClient.for_peer("vendor_portal").get("/internal/outbox/stats")
        assert refused.value.status == 403
