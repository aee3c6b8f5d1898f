"""The production profile: refuse to start on unsafe settings, and harden the app when MARKETPLACE_ENV=production.

Development gets random secrets from var/ and the embedded PostgreSQL; production gets neither. Every
secret and database URL comes from the environment, and a missing, short, placeholder or shared
secret, a missing database URL or debug mode stops the process at startup with a message that names
the variable (ConfigError is a SystemExit: the message is printed and the process exits 1).

Also here: PROXY_FIX_COUNT (how many proxies in front are trusted for X-Forwarded-*), applied in
every environment, and `python -m common_core.production secrets-env SERVICE FILE` for the container entry
point (secrets generated once into a shared volume, for a deployment that sets none itself).
"""

from __future__ import annotations

import fcntl
import json
import os
import secrets
import shlex
import sys
from collections.abc import Collection, Mapping
from pathlib import Path

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from common_core.config import ENV_PREFIX, SERVICES, normalise_url
from common_core.paths import PROJECT_ROOT

MIN_SECRET_LENGTH = 32
# A random 32-character hex secret has fewer than 8 distinct characters about never; "aaaa..." always.
MIN_DISTINCT_CHARACTERS = 8
# Placeholders people paste from examples; matched after lower-casing and dropping non-alphanumerics.
PLACEHOLDER_WORDS = ("changeme", "changethis", "replaceme", "placeholder", "insecure", "devsecret", "example")
# What the test suite signs with (tests/conftest.py): public, so never good enough for production.
TEST_SECRET_PREFIXES = ("test-secret-key-", "test-internal-secret-")
FALSY = {"", "0", "false", "no", "off"}
STRONG_VALUE_ADVICE = (
    "Each secret: at least 32 random characters, a different one for every variable; "
    "make one with python -c 'import secrets; print(secrets.token_hex(32))'."
)


class ConfigError(SystemExit):
    """A setting production refuses. The message is for the person starting the service."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


def is_production(environ: Mapping[str, str] | None = None) -> bool:
    environ = os.environ if environ is None else environ
    return environ.get("MARKETPLACE_ENV", "development") == "production"


def secret_key_variable(service: str) -> str:
    return f"{ENV_PREFIX[service]}_SECRET_KEY"


def database_variable(service: str) -> str:
    return f"{ENV_PREFIX[service]}_DATABASE_URL"


def internal_secret_variables() -> tuple[str, ...]:
    return tuple(f"INTERNAL_SECRET_{ENV_PREFIX[svc]}" for svc in SERVICES)


def peer_url_variables(service: str) -> tuple[str, ...]:
    return tuple(f"{ENV_PREFIX[svc]}_INTERNAL_URL" for svc in SERVICES if svc != service)


def required_variables(service: str) -> tuple[str, ...]:
    """What a service needs set in production: its database and session key, every signing secret
    (it signs with its own and verifies the others'), and where its peers are."""
    return (
        database_variable(service),
        secret_key_variable(service),
        *internal_secret_variables(),
        *peer_url_variables(service),
    )


def generated_secret_variables() -> tuple[str, ...]:
    """The secrets the container entry point can generate once for a deployment that sets none."""
    return (*(secret_key_variable(svc) for svc in SERVICES), *internal_secret_variables())


def proxy_fix_count(environ: Mapping[str, str] | None = None) -> int:
    """PROXY_FIX_COUNT: how many proxies in front of the app set X-Forwarded-* (0: trust none)."""
    environ = os.environ if environ is None else environ
    raw = environ.get("PROXY_FIX_COUNT", "0").strip() or "0"
    try:
        count = int(raw)
    except ValueError:
        count = -1
    if not 0 <= count <= 10:
        raise ConfigError(
            f"PROXY_FIX_COUNT must be a whole number from 0 to 10 (the proxies in front of the app), not {raw!r}."
        )
    return count


def _dev_values() -> set[str]:
    """The development secrets of this checkout, if it has any (read only: nothing is created here)."""
    path = Path(os.environ.get("MARKETPLACE_VAR_DIR") or PROJECT_ROOT / "var") / "dev-secrets.json"
    try:
        return {str(value) for value in json.loads(path.read_text()).values()}
    except (OSError, ValueError, AttributeError):
        return set()


def secret_weakness(value: str, dev_values: set[str] | None = None) -> str | None:
    """Why a secret is not good enough for production, or None."""
    if len(value) < MIN_SECRET_LENGTH:
        return f"is shorter than {MIN_SECRET_LENGTH} characters"
    if value in (_dev_values() if dev_values is None else dev_values):
        return "is a development secret from var/dev-secrets.json"
    if value.startswith(TEST_SECRET_PREFIXES):
        return "is the test suite's secret"
    squashed = "".join(ch for ch in value.lower() if ch.isalnum())
    if any(word in squashed for word in PLACEHOLDER_WORDS):
        return "is a placeholder, not a secret"
    if len(set(value)) < MIN_DISTINCT_CHARACTERS:
        return "is too repetitive to be random"
    return None


def problems(service: str, environ: Mapping[str, str] | None = None, supplied: Collection[str] = ()) -> list[str]:
    """Every reason the environment is not fit to run `service` in production (empty when it is).

    `supplied`: config keys the calling code passes to create_app itself (tests, tools), which win
    over the environment (load_config's rule), so the variables they replace are not required.
    """
    environ = os.environ if environ is None else environ
    found: list[str] = []
    if "SQLALCHEMY_DATABASE_URI" not in supplied:
        found += _database_problems(service, environ)
    found += _secret_problems(service, environ, supplied)
    if "PEERS" not in supplied:
        found += _peer_problems(service, environ)
    if environ.get("FLASK_DEBUG", "").strip().lower() not in FALSY:
        found.append("FLASK_DEBUG is on: the debugger runs code for anyone who can reach it. Unset it.")
    try:
        proxy_fix_count(environ)
    except ConfigError as exc:
        found.append(exc.message)
    return found


def _database_problems(service: str, environ: Mapping[str, str]) -> list[str]:
    name = database_variable(service)
    url = environ.get(name, "").strip()
    if not url:
        return [f"{name} is not set: production never starts the embedded PostgreSQL."]
    if not normalise_url(url).startswith("postgresql"):
        return [f"{name} must be a postgresql:// URL."]
    return []


def _secret_problems(service: str, environ: Mapping[str, str], supplied: Collection[str]) -> list[str]:
    found = []
    key_name = secret_key_variable(service)
    if "SECRET_KEY" not in supplied and not environ.get(key_name, "").strip():
        shared = " (a shared SECRET_KEY is not accepted in production)" if environ.get("SECRET_KEY") else ""
        found.append(f"{key_name} is not set{shared}.")
    # Every secret visible to this process, by the variables holding it; a rotation lists two in one variable.
    dev_values = _dev_values()
    holders: dict[str, list[str]] = {}
    for name in (*(secret_key_variable(svc) for svc in SERVICES), *internal_secret_variables()):
        raw = environ.get(name, "").strip()
        if not raw:
            if name in internal_secret_variables() and "INTERNAL_SECRETS" not in supplied:
                found.append(f"{name} is not set.")
            continue
        parts = [part.strip() for part in raw.split(",")] if name.startswith("INTERNAL_SECRET_") else [raw]
        for index, part in enumerate(parts):
            label = name if len(parts) == 1 else f"{name} (secret {index + 1} of {len(parts)})"
            weakness = secret_weakness(part, dev_values) if part else "is empty"
            if weakness:
                found.append(f"{label} {weakness}.")
            elif name not in holders.setdefault(part, []):
                holders[part].append(name)
    for names in holders.values():
        if len(names) > 1:
            found.append(f"{' and '.join(names)} hold the same secret: every service and purpose needs its own.")
    return found


def _peer_problems(service: str, environ: Mapping[str, str]) -> list[str]:
    found = []
    for name in peer_url_variables(service):
        url = environ.get(name, "").strip()
        if not url:
            found.append(f"{name} is not set: the base URL where this service reaches that peer.")
        elif not url.startswith(("http://", "https://")):
            found.append(f"{name} must start with http:// or https://.")
    return found


def check_environment(service: str, environ: Mapping[str, str] | None = None, supplied: Collection[str] = ()) -> None:
    """Raise ConfigError listing every problem, before anything (a database, a secret file) is touched."""
    found = problems(service, environ, supplied)
    if found:
        lines = "\n".join(f"  - {problem}" for problem in found)
        advice = f"\n{STRONG_VALUE_ADVICE}" if any("SECRET" in problem for problem in found) else ""
        raise ConfigError(f"Refusing to start {service} with MARKETPLACE_ENV=production:\n{lines}{advice}")


def init_app(app: Flask) -> None:
    """Trust X-Forwarded-* from exactly PROXY_FIX_COUNT proxies; in production, check the final config.

    Called last by web.init_app, so ProxyFix wraps everything else (the /metrics guard included) and
    every layer sees the client's address rather than the proxy's.
    """
    count = int(app.config.get("PROXY_FIX_COUNT", 0) or 0)
    if count > 0:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=count)  # type: ignore[method-assign]
    if app.config.get("MARKETPLACE_ENV") != "production":
        return
    if app.debug or app.config.get("DEBUG"):
        raise ConfigError(
            f"Refusing to start {app.config['SERVICE']} with MARKETPLACE_ENV=production:\n"
            "  - DEBUG is on: production pages must never show the debugger or stack traces."
        )
    # Cookies only over HTTPS; HSTS follows SESSION_COOKIE_SECURE (web.py).
    app.config.update(SESSION_COOKIE_SECURE=True, REMEMBER_COOKIE_SECURE=True)


# --- Generated secrets for the container entry point -----------------------------------------------


def ensure_secrets_file(path: Path) -> dict[str, str]:
    """Create `path` with a fresh random value for every generated secret unless it exists; return its values.

    Several containers start at once on the same volume: an exclusive lock makes exactly one write it.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_name(path.name + ".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not path.exists():
            temporary = path.with_name(path.name + ".tmp")
            fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w") as handle:
                handle.write("# Generated once by common_core.production; set the variables to override.\n")
                for name in generated_secret_variables():
                    handle.write(f"{name}={secrets.token_hex(32)}\n")
            os.replace(temporary, path)
    values = {}
    for line in path.read_text().splitlines():
        name, sep, value = line.partition("=")
        if sep and not name.startswith("#"):
            values[name.strip()] = value.strip()
    return values


def secrets_env(service: str, path: Path, environ: Mapping[str, str] | None = None) -> str:
    """Shell `export` lines for the generated secrets `service` needs and the environment leaves empty.

    Only the service's own session key: a storefront container never holds the admin portal's.
    """
    environ = os.environ if environ is None else environ
    values = ensure_secrets_file(path)
    wanted = (secret_key_variable(service), *internal_secret_variables())
    return "".join(
        f"export {name}={shlex.quote(values[name])}\n"
        for name in wanted
        if name in values and not environ.get(name, "").strip()
    )


def main(argv: list[str] | None = None) -> int:
    """`python -m common_core.production secrets-env SERVICE FILE | check SERVICE`."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) == 3 and args[0] == "secrets-env" and args[1] in SERVICES:
        sys.stdout.write(secrets_env(args[1], Path(args[2])))
        return 0
    if len(args) == 2 and args[0] == "check" and args[1] in SERVICES:
        check_environment(args[1])
        print(f"{args[1]}: the environment is fit for production")
        return 0
    print("usage: python -m common_core.production secrets-env SERVICE FILE | check SERVICE", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
