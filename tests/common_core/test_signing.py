"""HMAC request signatures between services: what a receiving service accepts and what it refuses."""

from __future__ import annotations

import json

import pytest

from common_core.internal.signing import (
    HEADER_CALLER,
    HEADER_NONCE,
    HEADER_SIGNATURE,
    HEADER_TIMESTAMP,
    SignatureError,
    signed_headers,
    verify,
)

NOW = 1_750_000_000.0
SECRETS = {"storefront": ["storefront-secret"], "admin_portal": ["admin-secret"]}
BODY = json.dumps({"order_id": 42, "lines": [{"variant_id": 7, "quantity": 2}]}).encode()


def signed(
    caller="storefront",
    secret="storefront-secret",
    method="POST",
    path="/internal/reservations",
    query="expand=lines",
    body=BODY,
    at=NOW,
):
    return signed_headers(caller, secret, method, path, query, body, now=at)


def check(
    headers, *, method="POST", path="/internal/reservations", query="expand=lines", body=BODY, at=NOW, secrets=None
):
    return verify(SECRETS if secrets is None else secrets, headers, method, path, query, body, max_skew=300, now=at)


def refusal(headers, **kwargs) -> str:
    with pytest.raises(SignatureError) as excinfo:
        check(headers, **kwargs)
    return str(excinfo.value)


def test_a_signed_request_is_accepted_and_names_its_caller_and_nonce():
    headers = signed()
    assert check(headers) == ("storefront", headers[HEADER_NONCE])


def test_each_signature_carries_a_fresh_nonce():
    assert signed()[HEADER_NONCE] != signed()[HEADER_NONCE]


def test_a_get_without_body_or_query_roundtrips():
    headers = signed(method="GET", path="/internal/openapi.json", query="", body=b"")
    assert check(headers, method="get", path="/internal/openapi.json", query="", body=b"")[0] == "storefront"


@pytest.mark.parametrize(
    ("what", "changed"),
    [
        ("body", {"body": BODY.replace(b'"quantity": 2', b'"quantity": 20')}),
        ("empty body", {"body": b""}),
        ("path", {"path": "/internal/reservations/commit"}),
        ("query", {"query": "expand=lines&vendor_id=9"}),
        ("method", {"method": "PUT"}),
    ],
)
def test_a_request_altered_after_signing_is_refused(what, changed):
    assert refusal(signed(), **changed) == "bad signature"


def test_a_rewritten_timestamp_is_refused():
    headers = signed()
    headers[HEADER_TIMESTAMP] = str(int(NOW) + 1)
    assert refusal(headers) == "bad signature"


def test_a_rewritten_nonce_is_refused():
    headers = signed()
    headers[HEADER_NONCE] = "f" * 32
    assert refusal(headers) == "bad signature"


def test_a_signature_made_with_another_callers_secret_is_refused():
    headers = signed(caller="storefront", secret="admin-secret")
    assert refusal(headers) == "bad signature"


def test_a_caller_cannot_claim_to_be_another_service():
    headers = signed(caller="storefront")
    headers[HEADER_CALLER] = "admin_portal"
    assert refusal(headers) == "bad signature"


@pytest.mark.parametrize("offset", [-301, 301, -3600, 3600])
def test_a_signature_older_or_newer_than_five_minutes_is_refused(offset):
    assert refusal(signed(at=NOW + offset)) == "stale signature"


@pytest.mark.parametrize("offset", [-300, -1, 1, 300])
def test_a_signature_within_five_minutes_of_clock_skew_is_accepted(offset):
    assert check(signed(at=NOW + offset))[0] == "storefront"


def test_a_non_numeric_timestamp_is_refused():
    headers = signed()
    headers[HEADER_TIMESTAMP] = "yesterday"
    assert refusal(headers) == "bad timestamp"


def test_an_unknown_caller_is_refused_even_with_a_valid_looking_signature():
    assert refusal(signed(caller="mallory", secret="mallory-secret")) == "unknown caller"


@pytest.mark.parametrize("header", [HEADER_CALLER, HEADER_TIMESTAMP, HEADER_NONCE, HEADER_SIGNATURE])
def test_a_request_missing_a_signature_header_is_refused(header):
    headers = signed()
    del headers[header]
    assert refusal(headers) == "missing signature"


def test_an_unsigned_request_is_refused():
    assert refusal({}) == "missing signature"


@pytest.mark.parametrize("nonce", ["short", "x" * 65])
def test_a_nonce_of_implausible_length_is_refused(nonce):
    headers = signed()
    headers[HEADER_NONCE] = nonce
    assert refusal(headers) == "bad nonce"


def test_rotation_accepts_the_old_secret_while_listed_and_refuses_it_once_dropped():
    old_signed = signed(secret="storefront-old")
    new_signed = signed(secret="storefront-new")
    during = {"storefront": ["storefront-new", "storefront-old"]}
    after = {"storefront": ["storefront-new"]}

    assert check(old_signed, secrets=during)[0] == "storefront"
    assert check(new_signed, secrets=during)[0] == "storefront"
    assert refusal(old_signed, secrets=after) == "bad signature"
    assert check(new_signed, secrets=after)[0] == "storefront"


def test_a_caller_with_no_configured_secret_cannot_be_verified():
    assert refusal(signed(), secrets={"storefront": []}) == "bad signature"
