"""`make run`: one command that brings up the whole platform on a laptop and takes it all down on Ctrl-C.

Starts the embedded PostgreSQL when no database URLs are set, migrates each service, loads demo
data the first time, then serves the three apps under gunicorn with one relay each. Services are
driven only through their own CLIs (`flask --app <service> ...`), never imported here.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from common_core import devdb
from common_core.config import DEFAULT_DATABASES, DEFAULT_PORTS, ENV_PREFIX, SERVICES
from common_core.paths import PROJECT_ROOT, var_dir

BIN = Path(sys.executable).parent
# Demo data depends on what others publish: categories (admin) before products (vendor) before orders
# (storefront) before their fulfilment (vendor) before reviews of what was delivered (storefront).
# Each step waits, in its own database, for the events it needs from the one before.
SEED_STEPS = (
    ("admin_portal", "seed-demo"),
    ("vendor_portal", "seed-demo", "--wait-for-categories", "30"),
    ("storefront", "seed-demo"),
    ("storefront", "seed-demo-orders", "--wait-for-catalogue", "180"),
    ("vendor_portal", "seed-demo-fulfilment", "--wait-for-orders", "600"),
    ("storefront", "seed-demo-reviews", "--wait-for-deliveries", "600"),
)
DEMO_LOGINS = {
    "storefront": "shopper@example.com / shopper-demo-pass",
    "admin_portal": "admin@example.com / admin-demo-pass (owner)",
    "vendor_portal": "vendor@example.com / vendor-demo-pass (approved), pending@example.com / vendor-demo-pass",
}


def say(message: str) -> None:
    print(f"[marketplace] {message}", flush=True)


def prepare_environment() -> tuple[dict[str, str], bool]:
    """Environment for the children, and whether this launcher started the embedded database."""
    env = dict(os.environ)
    env.setdefault("MARKETPLACE_ENV", "development")
    env["PYTHONUNBUFFERED"] = "1"
    started = False
    if not any(env.get(f"{ENV_PREFIX[svc]}_DATABASE_URL") for svc in SERVICES):
        say("no database URLs set: using the embedded PostgreSQL under var/")
        started = devdb.ensure_running()
        for svc in SERVICES:
            env[f"{ENV_PREFIX[svc]}_DATABASE_URL"] = devdb.ensure_database(DEFAULT_DATABASES[svc])
    return env, started


def flask(service: str, *args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BIN / "flask"), "--app", service, *args], env=env, cwd=PROJECT_ROOT, capture_output=True, text=True
    )


def migrate(env: dict[str, str]) -> None:
    with ThreadPoolExecutor(len(SERVICES)) as pool:
        results = dict(zip(SERVICES, pool.map(lambda svc: flask(svc, "db", "upgrade", env=env), SERVICES), strict=True))
    for svc, result in results.items():
        if result.returncode:
            raise SystemExit(f"migrating {svc} failed:\n{result.stderr[-3000:]}")
    say("databases migrated")


def seed(env: dict[str, str]) -> None:
    for svc, command, *args in SEED_STEPS:
        marker = var_dir() / f"demo-loaded-{svc}-{command}"
        if marker.exists() and env.get("MARKETPLACE_RESEED") != "1":
            continue
        say(f"{svc}: {command} (first run only) ...")
        result = flask(svc, command, *args, env=env)
        if result.returncode:
            raise SystemExit(f"loading demo data for {svc} failed:\n{result.stderr[-3000:]}")
        say(f"{svc}: {result.stdout.strip().splitlines()[-1] if result.stdout.strip() else 'demo data loaded'}")
        marker.write_text(time.strftime("%Y-%m-%dT%H:%M:%S"))


def start_processes(env: dict[str, str]) -> list[tuple[str, subprocess.Popen[bytes]]]:
    processes = []
    workers = env.get("WEB_CONCURRENCY", "2")
    for svc in SERVICES:
        port = env.get(f"{ENV_PREFIX[svc]}_PORT", str(DEFAULT_PORTS[svc]))
        web = subprocess.Popen(
            [
                str(BIN / "gunicorn"),
                f"{svc}:create_app()",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                workers,
                "--threads",
                env.get("GUNICORN_THREADS", "4"),
                "--timeout",
                "30",
                "--graceful-timeout",
                "10",
                "--log-level",
                "warning",
            ],
            env=env,
            cwd=PROJECT_ROOT,
            start_new_session=True,
        )
        processes.append((f"{svc} web :{port}", web))
        relay = subprocess.Popen(
            [str(BIN / "flask"), "--app", svc, "relay"], env=env, cwd=PROJECT_ROOT, start_new_session=True
        )
        processes.append((f"{svc} relay", relay))
    return processes


def wait_until_ready(env: dict[str, str], timeout: float = 60.0) -> None:
    import requests

    deadline = time.monotonic() + timeout
    pending = {
        svc: f"http://127.0.0.1:{env.get(f'{ENV_PREFIX[svc]}_PORT', DEFAULT_PORTS[svc])}/readyz" for svc in SERVICES
    }
    while pending and time.monotonic() < deadline:
        for svc, url in list(pending.items()):
            try:
                if requests.get(url, timeout=1).status_code == 200:
                    del pending[svc]
            except requests.RequestException:
                pass
        time.sleep(0.3)
    if pending:
        raise SystemExit(f"not ready after {timeout:.0f} s: {', '.join(pending)}")


def stop_processes(processes: list[tuple[str, subprocess.Popen[bytes]]]) -> None:
    for _, process in processes:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
    deadline = time.monotonic() + 15
    for name, process in processes:
        try:
            process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            say(f"{name} did not stop in time: killing it")
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def main() -> None:
    env, started_db = prepare_environment()
    processes: list[tuple[str, subprocess.Popen[bytes]]] = []
    stopping = {"now": False}

    def request_stop(*_: object) -> None:
        stopping["now"] = True

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)
    try:
        migrate(env)
        # Serve first: demo data travels between services as events, which need the peers up.
        processes = start_processes(env)
        wait_until_ready(env)
        seed(env)
        lines = [
            f"  {svc:<14} http://127.0.0.1:{env.get(f'{ENV_PREFIX[svc]}_PORT', DEFAULT_PORTS[svc])}/"
            f"   sign in: {DEMO_LOGINS[svc]}"
            for svc in SERVICES
        ]
        say("the marketplace is running (Ctrl-C stops everything):\n" + "\n".join(lines))
        while not stopping["now"]:
            for name, process in processes:
                if process.poll() is not None:
                    say(f"{name} exited with code {process.returncode}: stopping everything")
                    stopping["now"] = True
            time.sleep(0.5)
    finally:
        say("stopping ...")
        stop_processes(processes)
        if started_db:
            devdb.stop()
            say("embedded PostgreSQL stopped")
        say("stopped")


if __name__ == "__main__":
    main()
