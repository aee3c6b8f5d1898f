"""What every service answer carries: security headers, safe session cookies and one clean JSON log line."""

from __future__ import annotations

import json
import logging

import pytest

from common_core.config import SERVICES
from common_core.log import JsonFormatter
from tests import conftest
from tests.conftest import submit

PASSWORD = "Plum-tree-Wicket-4417"
SAFE_REFERRER_POLICIES = {"no-referrer", "same-origin", "strict-origin", "strict-origin-when-cross-origin"}

RESPONSES = [
    ("storefront", "/", 200),
    ("storefront", "/account/signin", 200),
    ("storefront", "/static/ui/css/marketplace.css", 200),
    *[(service, "/no-such-page", 404) for service in SERVICES],
    *[(service, "/healthz", 200) for service in SERVICES],
    *[(service, "/internal/openapi.json", 401) for service in SERVICES],
]


def csp_directives(header: str) -> dict[str, list[str]]:
    directives = {}
    for part in header.split(";"):
        name, *values = part.split()
        directives[name.lower()] = values
    return directives


@pytest.mark.parametrize(("service", "path", "status"), RESPONSES)
def test_every_answer_carries_the_security_headers(platform, service, path, status):
    response = platform.apps[service].test_client().get(path)
    assert response.status_code == status
    csp = csp_directives(response.headers["Content-Security-Policy"])
    script_src = csp.get("script-src", csp.get("default-src"))
    assert script_src and "'unsafe-inline'" not in script_src and "'unsafe-eval'" not in script_src
    assert "'unsafe-inline'" not in csp.get("style-src", csp.get("default-src"))
    assert csp["frame-ancestors"] == ["'none'"]
    assert csp["object-src"] == ["'none'"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] in SAFE_REFERRER_POLICIES


def test_the_404_page_is_a_page_for_people(storefront):
    response = storefront.test_client().get("/no-such-page")
    assert response.status_code == 404
    assert response.mimetype == "text/html"
    assert "We could not find that page" in response.get_data(as_text=True)


def test_an_unknown_internal_path_answers_json(platform):
    response = platform.vendor.test_client().get("/internal/no-such-endpoint")
    assert response.status_code in (401, 404)
    assert response.is_json


def sign_up(client, email="ada@example.com", password=PASSWORD):
    return submit(client, "/account/signup", {"name": "Ada Lovelace", "email": email, "password": password})


def session_cookie_header(response, name="mkt_storefront") -> str:
    headers = [h for h in response.headers.getlist("Set-Cookie") if h.startswith(f"{name}=")]
    assert headers, f"no {name} cookie was set"
    return headers[-1]


def test_the_session_cookie_is_http_only_and_same_site_lax(storefront):
    response = sign_up(storefront.test_client())
    assert response.status_code == 302
    attributes = [part.strip().lower() for part in session_cookie_header(response).split(";")]
    assert "httponly" in attributes
    assert "samesite=lax" in attributes
    assert "secure" not in attributes  # plain http in tests; production below


def test_signed_in_pages_are_never_stored_by_caches(storefront):
    client = storefront.test_client()
    assert client.get("/account/signin").headers["Cache-Control"] == "private, no-cache"
    sign_up(client)
    assert client.get("/account").headers["Cache-Control"] == "no-store"


def test_in_production_the_session_cookie_is_secure_and_hsts_is_sent(service_urls, monkeypatch):
    monkeypatch.setenv("MARKETPLACE_ENV", "production")
    config = conftest.test_config("storefront", service_urls["storefront"])
    del config["MARKETPLACE_ENV"]
    app = conftest._factory("storefront")(config)
    try:
        response = app.test_client().get("/account/signin")
        assert "secure" in [p.strip().lower() for p in session_cookie_header(response).split(";")]
        assert response.headers["Strict-Transport-Security"].startswith("max-age=")
    finally:
        with app.app_context():
            app.extensions["sqlalchemy"].engine.dispose()


def marketplace_formatter() -> logging.Formatter:
    """The formatter of the JSON handler log.configure() installs: what really reaches stderr."""
    handler = next(h for h in logging.getLogger().handlers if getattr(h, "_marketplace", False))
    return handler.formatter


def request_lines(caplog) -> list[dict]:
    formatter = marketplace_formatter()
    return [json.loads(formatter.format(r)) for r in caplog.records if r.name == "marketplace.request"]


def test_each_request_is_logged_once_as_a_json_line(storefront, caplog):
    caplog.set_level(logging.INFO)
    response = storefront.test_client().get("/healthz")
    lines = request_lines(caplog)
    assert len(lines) == 1
    line = lines[0]
    assert {"service", "method", "path", "status", "duration_ms", "request_id"} <= set(line)
    assert (line["method"], line["path"], line["status"]) == ("GET", "/healthz", 200)
    assert isinstance(line["duration_ms"], float) and line["duration_ms"] >= 0
    assert line["request_id"] == response.headers["X-Request-Id"]
    assert line["level"] == "info" and line["msg"] == "request"


@pytest.mark.parametrize("service", SERVICES)
def test_the_request_log_line_names_the_service_that_answered(platform, service, caplog):
    """All three apps share one process in tests and benchmarks; each line must still say who served it."""
    caplog.set_level(logging.INFO)
    platform.apps[service].test_client().get("/healthz")
    assert [line["service"] for line in request_lines(caplog)] == [service]


def test_logs_hold_no_password_and_no_query_string(storefront, caplog):
    caplog.set_level(logging.DEBUG)
    client = storefront.test_client()
    sign_up(client)
    client.post("/account/signout", data={"csrf_token": conftest.csrf_from(client.get("/account").text)})
    submit(client, "/account/signin", {"email": "ada@example.com", "password": PASSWORD})
    submit(storefront.test_client(), "/account/signin", {"email": "ada@example.com", "password": PASSWORD + "x"})
    client.get("/?q=private-search-words&token=abc123secret")

    lines = request_lines(caplog)
    assert ("POST", "/account/signin") in {(line["method"], line["path"]) for line in lines}
    assert ("GET", "/") in {(line["method"], line["path"]) for line in lines}
    formatter = JsonFormatter("storefront")
    everything = caplog.text + "\n".join(formatter.format(record) for record in caplog.records)
    for secret in (PASSWORD, "private-search-words", "abc123secret"):
        assert secret not in everything
