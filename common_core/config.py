"""Configuration for every service, read from the environment with safe development defaults.

Each service has a name ("storefront", "admin_portal", "vendor_portal") and an environment prefix
(STOREFRONT, ADMIN, VENDOR). With no database URL set, the embedded PostgreSQL under var/ is used.
"""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Mapping
from typing import Any

from flask import Flask

from common_core.paths import var_dir

SERVICES = ("storefront", "admin_portal", "vendor_portal")
ENV_PREFIX = {"storefront": "STOREFRONT", "admin_portal": "ADMIN", "vendor_portal": "VENDOR"}
DEFAULT_PORTS = {"storefront": 8001, "admin_portal": 8002, "vendor_portal": 8003}
DEFAULT_DATABASES = {
    "storefront": "marketplace_storefront",
    "admin_portal": "marketplace_admin",
    "vendor_portal": "marketplace_vendor",
}


def _dev_secrets() -> dict[str, str]:
    """Random secrets generated once per checkout so development needs no environment."""
    path = var_dir() / "dev-secrets.json"
    if path.exists():
        return json.loads(path.read_text())
    values = {f"{svc}_{kind}": secrets.token_hex(32) for svc in SERVICES for kind in ("secret_key", "internal")}
    path.write_text(json.dumps(values, indent=2))
    path.chmod(0o600)
    return values


def database_url(service: str) -> str:
    """The service's database URL: <PREFIX>_DATABASE_URL, else a database on the embedded server."""
    url = os.environ.get(f"{ENV_PREFIX[service]}_DATABASE_URL")
    if url:
        return normalise_url(url)
    from common_core import devdb

    return devdb.ensure_database(DEFAULT_DATABASES[service])


def normalise_url(url: str) -> str:
    """Accept plain postgres:// URLs and use the psycopg 3 driver for them."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def internal_secrets() -> dict[str, list[str]]:
    """Per calling service, the secrets accepted for its signatures; the first one signs.

    INTERNAL_SECRET_<PREFIX> may hold several comma-separated secrets so a secret can be rotated
    without downtime (new first, old second, until every caller has the new one).
    """
    dev = None
    result: dict[str, list[str]] = {}
    for svc in SERVICES:
        raw = os.environ.get(f"INTERNAL_SECRET_{ENV_PREFIX[svc]}")
        if raw:
            result[svc] = [part.strip() for part in raw.split(",") if part.strip()]
        else:
            dev = dev or _dev_secrets()
            result[svc] = [dev[f"{svc}_internal"]]
    return result


def peer_urls() -> dict[str, str]:
    return {
        svc: os.environ.get(f"{ENV_PREFIX[svc]}_INTERNAL_URL", f"http://127.0.0.1:{DEFAULT_PORTS[svc]}").rstrip("/")
        for svc in SERVICES
    }


def load_config(app: Flask, service: str, overrides: Mapping[str, Any] | None = None) -> None:
    """Fill app.config for a service; overrides (tests, CLI) win over the environment."""
    from common_core import production  # imported here: production imports this module

    overrides = dict(overrides or {})
    env = os.environ.get("MARKETPLACE_ENV", "development")
    if env == "production":
        # Before anything reads a dev secret or starts the embedded database: refuse unsafe settings.
        production.check_environment(service, supplied=overrides.keys())
    prefix = ENV_PREFIX[service]
    secret_key = os.environ.get(f"{prefix}_SECRET_KEY") or os.environ.get("SECRET_KEY")
    app.config.update(
        SERVICE=service,
        MARKETPLACE_ENV=env,
        SECRET_KEY=secret_key or None,
        SESSION_COOKIE_NAME=f"mkt_{service}",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=env == "production",
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SECURE=env == "production",
        REMEMBER_COOKIE_SAMESITE="Lax",
        PERMANENT_SESSION_LIFETIME=60 * 60 * 24 * 14,
        WTF_CSRF_TIME_LIMIT=None,  # the token lives as long as the session; no surprise expiry mid-checkout
        SQLALCHEMY_ENGINE_OPTIONS={"pool_size": 5, "max_overflow": 10, "pool_recycle": 1800},
        POOL_PING_IDLE_SECONDS=5,  # common_core.db.ping_when_idle: checked before use after this long idle
        INTERNAL_TIMEOUT=(2.0, 5.0),
        INTERNAL_MAX_SKEW=300,
        LOGIN_THROTTLE_LIMIT=5,
        LOGIN_THROTTLE_WINDOW=300,
        OUTBOX_MAX_ATTEMPTS=int(os.environ.get("OUTBOX_MAX_ATTEMPTS", "12")),
        LOG_LEVEL=os.environ.get("LOG_LEVEL", "INFO"),
        PROXY_FIX_COUNT=production.proxy_fix_count(),  # proxies trusted for X-Forwarded-*; 0 trusts none
    )
    if "SQLALCHEMY_DATABASE_URI" not in overrides:
        app.config["SQLALCHEMY_DATABASE_URI"] = database_url(service)
    if "INTERNAL_SECRETS" not in overrides:
        app.config["INTERNAL_SECRETS"] = internal_secrets()
    if "PEERS" not in overrides:
        app.config["PEERS"] = peer_urls()
    app.config.update(overrides)
    if not app.config["SECRET_KEY"]:
        app.config["SECRET_KEY"] = _dev_secrets()[f"{service}_secret_key"]
