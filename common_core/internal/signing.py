"""HMAC-SHA256 request signatures between services.

The signature covers method, path, query string, timestamp, a one-time nonce and the SHA-256 of the
body, so a captured request cannot be altered, replayed later (timestamp) or replayed now (nonce).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from collections.abc import Iterable, Mapping

HEADER_CALLER = "X-Mkt-Caller"
HEADER_TIMESTAMP = "X-Mkt-Timestamp"
HEADER_NONCE = "X-Mkt-Nonce"
HEADER_SIGNATURE = "X-Mkt-Signature"
HEADER_REQUEST_ID = "X-Request-Id"


class SignatureError(Exception):
    """Why a request's signature was refused (missing, stale, unknown caller, bad)."""


def canonical(method: str, path: str, query: str, timestamp: str, nonce: str, body: bytes) -> bytes:
    body_hash = hashlib.sha256(body or b"").hexdigest()
    return "\n".join((method.upper(), path, query, timestamp, nonce, body_hash)).encode()


def sign(secret: str, method: str, path: str, query: str, timestamp: str, nonce: str, body: bytes) -> str:
    message = canonical(method, path, query, timestamp, nonce, body)
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def signed_headers(
    caller: str, secret: str, method: str, path: str, query: str, body: bytes, now: float | None = None
) -> dict[str, str]:
    timestamp = str(int(now if now is not None else time.time()))
    nonce = secrets.token_hex(16)
    return {
        HEADER_CALLER: caller,
        HEADER_TIMESTAMP: timestamp,
        HEADER_NONCE: nonce,
        HEADER_SIGNATURE: sign(secret, method, path, query, timestamp, nonce, body),
    }


def verify(
    secrets_by_caller: Mapping[str, Iterable[str]],
    headers: Mapping[str, str],
    method: str,
    path: str,
    query: str,
    body: bytes,
    *,
    max_skew: int = 300,
    now: float | None = None,
) -> tuple[str, str]:
    """Check a request's signature; return (caller, nonce) or raise SignatureError."""
    caller = headers.get(HEADER_CALLER, "")
    timestamp = headers.get(HEADER_TIMESTAMP, "")
    nonce = headers.get(HEADER_NONCE, "")
    signature = headers.get(HEADER_SIGNATURE, "")
    if not (caller and timestamp and nonce and signature):
        raise SignatureError("missing signature")
    if caller not in secrets_by_caller:
        raise SignatureError("unknown caller")
    try:
        age = abs((now if now is not None else time.time()) - int(timestamp))
    except ValueError:
        raise SignatureError("bad timestamp") from None
    if age > max_skew:
        raise SignatureError("stale signature")
    if not 16 <= len(nonce) <= 64:
        raise SignatureError("bad nonce")
    # Every accepted secret is checked so the timing does not reveal which one matched.
    matched = False
    for secret in secrets_by_caller[caller]:
        expected = sign(secret, method, path, query, timestamp, nonce, body)
        matched |= hmac.compare_digest(expected, signature)
    if not matched:
        raise SignatureError("bad signature")
    return caller, nonce
