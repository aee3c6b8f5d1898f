"""Helpers for the operations tests: the repository's deployment files and a complete production environment."""

from __future__ import annotations

import os
import re
import secrets
import socket
import sys
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from common_core.config import ENV_PREFIX, SERVICES

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
COMPOSE_FILE = ROOT / "docker-compose.yml"
WORKFLOW_FILE = ROOT / ".github" / "workflows" / "ci.yml"
DOCKER = ROOT / "docker"
INTERPOLATION = re.compile(r"\$\{(\w+)(?::?-([^}]*))?\}")

# Variables a test may set; each test starts with none of them in the environment.
MANAGED = (
    "MARKETPLACE_ENV",
    "SECRET_KEY",
    "FLASK_DEBUG",
    "PROXY_FIX_COUNT",
    "SECRETS_FILE",
    *(f"{ENV_PREFIX[svc]}_{kind}" for svc in SERVICES for kind in ("DATABASE_URL", "SECRET_KEY", "INTERNAL_URL")),
    *(f"INTERNAL_SECRET_{ENV_PREFIX[svc]}" for svc in SERVICES),
)


def load_compose() -> dict[str, Any]:
    from ruamel.yaml import YAML  # installed with check-jsonschema (requirements/dev.txt)

    return YAML(typ="safe").load(COMPOSE_FILE.read_text())


def interpolate(value: Any) -> str:
    """A compose value as the container gets it when the operator sets nothing: ${X:-default} -> default."""
    return INTERPOLATION.sub(lambda m: m.group(2) or "", str(value))


def libpq(url: str) -> str:
    return sa.engine.make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def production_env(service: str, database_url: str = "postgresql://app:pw@db.internal:5432/app") -> dict[str, str]:
    """A complete, safe production environment for one service, with fresh random secrets."""
    env = {
        "MARKETPLACE_ENV": "production",
        f"{ENV_PREFIX[service]}_DATABASE_URL": database_url,
        f"{ENV_PREFIX[service]}_SECRET_KEY": secrets.token_hex(32),
    }
    for svc in SERVICES:
        env[f"INTERNAL_SECRET_{ENV_PREFIX[svc]}"] = secrets.token_hex(32)
        if svc != service:
            env[f"{ENV_PREFIX[svc]}_INTERNAL_URL"] = "http://127.0.0.1:9"  # discard port: nothing answers
    return env


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """The process environment without any of the variables the production profile reads."""
    for name in MANAGED:
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def subprocess_env(**extra: str) -> dict[str, str]:
    """The current environment minus the managed variables, plus `extra` and the venv first on PATH."""
    env = {k: v for k, v in os.environ.items() if k not in MANAGED and k != "PROMETHEUS_MULTIPROC_DIR"}
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    env["PYTHONPATH"] = str(ROOT)
    env.update(extra)
    return env
