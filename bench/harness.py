"""What the benchmarks share: their own embedded PostgreSQL, gunicorn started as `make run` starts it,
wrk with a percentile report, sequential timings, worker memory and the results file.

The bench database server is separate from the development one: its data lives in var/bench/ and it
listens on BENCH_PG_PORT (default 5546), so a benchmark never touches the data `make run` shows.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from common_core.paths import PROJECT_ROOT

BIN = Path(sys.executable).parent
BENCH_DIR = PROJECT_ROOT / "bench"
RESULTS_DIR = BENCH_DIR / "results"
WRK_SCRIPT = BENCH_DIR / "wrk_report.lua"
# The settings common_core/launcher.py serves the portals with.
WORKERS = os.environ.get("WEB_CONCURRENCY", "2")
THREADS = os.environ.get("GUNICORN_THREADS", "4")


def say(message: str) -> None:
    print(f"[bench] {message}", flush=True)


def use_bench_database_server() -> bool:
    """Point devdb at var/bench and its own port, start that server. Returns True when started here."""
    os.environ["MARKETPLACE_VAR_DIR"] = str(PROJECT_ROOT / "var" / "bench")
    os.environ["MARKETPLACE_PG_PORT"] = os.environ.get("BENCH_PG_PORT", "5546")
    for name in ("STOREFRONT_DATABASE_URL", "ADMIN_DATABASE_URL", "VENDOR_DATABASE_URL"):
        os.environ.pop(name, None)
    from common_core import devdb

    return devdb.ensure_running()


def stop_bench_database_server() -> None:
    from common_core import devdb

    devdb.stop()


def database_url(name: str, *, fresh: bool = False) -> str:
    from common_core import devdb

    if fresh:
        devdb.drop_database(name)
    return devdb.ensure_database(name)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    base_url: str

    def worker_rss_mb(self) -> list[float]:
        import psutil

        master = psutil.Process(self.process.pid)
        return [round(child.memory_info().rss / 2**20, 1) for child in master.children()]


def postgres_pid() -> int | None:
    """The bench PostgreSQL's postmaster (its first postmaster.pid line), whose children are the backends."""
    from common_core.paths import var_dir  # var/bench once use_bench_database_server() has run

    pid_file = var_dir() / "pgdata" / "postmaster.pid"
    try:
        return int(pid_file.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None


class CpuMeter:
    """CPU seconds (user + system) each named process tree used between start() and stop().

    A tree is a process and all its descendants: a gunicorn master and its workers, PostgreSQL and its
    backends. The CPU of a descendant that exits in between is not lost: the kernel adds it to its
    parent's children times, which are counted too.
    """

    def __init__(self, roots: dict[str, int | None]) -> None:
        import psutil

        self.roots = {name: psutil.Process(pid) for name, pid in roots.items() if pid is not None}
        self._start: dict[str, float] = {}

    def start(self) -> None:
        self._start = self._read()

    def stop(self) -> dict[str, float]:
        end = self._read()
        return {name: end[name] - self._start.get(name, 0.0) for name in end}

    def _read(self) -> dict[str, float]:
        import psutil

        totals = {}
        for name, root in self.roots.items():
            seconds = 0.0
            try:
                tree = [root, *root.children(recursive=True)]
            except psutil.NoSuchProcess:
                continue
            for process in tree:
                try:
                    times = process.cpu_times()
                except psutil.NoSuchProcess:
                    continue
                seconds += times.user + times.system + times.children_user + times.children_system
            totals[name] = seconds
        return totals


@contextmanager
def gunicorn(
    app: str,
    env: dict[str, str],
    *,
    ready_path: str = "/healthz",
    tree: Path = PROJECT_ROOT,
    port: int | None = None,
) -> Iterator[Server]:
    """Serve `app` as `make run` does (2 workers, 4 threads, same timeouts), stop it afterwards.

    `tree` serves the code of another checkout (a baseline) with this one's virtualenv. `port` is a port
    chosen beforehand (free_port()), for services that must know each other's address before starting.
    """
    import requests

    port = port or free_port()
    log = (PROJECT_ROOT / "var" / "bench" / f"{app.split(':')[0]}.log").open("ab")  # request logs, not the table
    if tree != PROJECT_ROOT:
        env = {**env, "PYTHONPATH": str(tree)}
    process = subprocess.Popen(
        [
            str(BIN / "gunicorn"),
            app,
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            WORKERS,
            "--threads",
            THREADS,
            "--timeout",
            "30",
            "--graceful-timeout",
            "10",
            "--log-level",
            "warning",
        ],
        env={**os.environ, **env, "PYTHONUNBUFFERED": "1"},
        cwd=tree,
        stdout=log,
        stderr=log,
        start_new_session=True,
    )
    log.close()
    base_url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise SystemExit(f"{app} exited with code {process.returncode} before it was ready")
            try:
                if requests.get(base_url + ready_path, timeout=1).status_code == 200:
                    break
            except requests.RequestException:
                pass
            if time.monotonic() > deadline:
                raise SystemExit(f"{app} was not ready after 60 s")
            time.sleep(0.2)
        yield Server(process, base_url)
    finally:
        _stop_group(process)


def _stop_group(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


@contextmanager
def relay(service: str, env: dict[str, str]) -> Iterator[subprocess.Popen[bytes]]:
    """`flask --app SERVICE relay` (its outbox deliveries and chores), as `make run` starts it; stopped afterwards.

    Its log goes to var/bench/<service>_relay.log.
    """
    log = (PROJECT_ROOT / "var" / "bench" / f"{service}_relay.log").open("ab")
    process = subprocess.Popen(
        [str(BIN / "flask"), "--app", service, "relay"],
        env={**os.environ, **env, "PYTHONUNBUFFERED": "1"},
        cwd=PROJECT_ROOT,
        stdout=log,
        stderr=log,
        start_new_session=True,
    )
    log.close()
    try:
        time.sleep(0.5)
        if process.poll() is not None:
            raise SystemExit(f"the {service} relay exited with code {process.returncode}: see its log")
        yield process
    finally:
        _stop_group(process)


def wait_for_outboxes(
    apps: list[Any], to: tuple[str, ...], what: str, *, timeout: float = 120.0, every: float = 0.1
) -> float:
    """Wait until the apps' relays have delivered everything for the subscribers `to`; the seconds waited."""
    import sqlalchemy as sa

    query = sa.text("SELECT count(*) FROM outbox_delivery WHERE status = 'pending' AND subscriber = ANY(:to)")
    started = time.monotonic()
    while True:
        pending = 0
        for app in apps:
            db = app.extensions["sqlalchemy"]
            with app.app_context():
                pending += db.session.scalar(query, {"to": list(to)})
                db.session.remove()
        if not pending:
            return time.monotonic() - started
        if time.monotonic() - started > timeout:
            raise SystemExit(f"{pending} {what} still undelivered to {', '.join(to)} after {timeout:.0f} s")
        time.sleep(every)


def flask_command(service: str, *args: str, env: dict[str, str]) -> str:
    """Run `flask --app SERVICE ARGS...` (a service's own CLI, as `make run` seeds the demo); returns its output."""
    result = subprocess.run(
        [str(BIN / "flask"), "--app", service, *args],
        env={**os.environ, **env},
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode:
        raise SystemExit(f"flask --app {service} {' '.join(args)} failed:\n{result.stderr[-3000:]}")
    return result.stdout


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    if os.geteuid() == 0 and shutil.which("apt-get"):
        say("wrk is missing: installing Debian's package (apt-get install wrk)")
        subprocess.run(["apt-get", "update", "-qq"], check=False, capture_output=True)
        subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=False, capture_output=True)
        found = shutil.which("wrk")
        if found:
            return found
    raise SystemExit("wrk is needed: install it (Debian/Ubuntu: sudo apt-get install wrk) and run again")


@dataclass
class LoadResult:
    rps: float
    p50: float  # milliseconds
    p95: float
    p99: float
    requests: int
    errors: int  # socket errors, timeouts and non-2xx/3xx answers


def wrk(
    url: str, *, threads: int = 2, connections: int = 16, duration: int = 20, headers: dict[str, str] | None = None
) -> LoadResult:
    """`wrk -t2 -c16 -d20s --latency URL`, with a Lua report that adds p95 to wrk's percentiles."""
    extra = [arg for name, value in (headers or {}).items() for arg in ("-H", f"{name}: {value}")]
    result = subprocess.run(
        [
            ensure_wrk(),
            f"-t{threads}",
            f"-c{connections}",
            f"-d{duration}s",
            "--latency",
            "-s",
            str(WRK_SCRIPT),
            *extra,
            url,
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    report = dict(re.findall(r"^BENCH (\w+) ([\d.]+)$", result.stdout, re.MULTILINE))
    if not report:
        raise SystemExit(f"wrk printed no report:\n{result.stdout}\n{result.stderr}")
    return LoadResult(
        rps=float(report["rps"]),
        p50=float(report["p50"]) / 1000,
        p95=float(report["p95"]) / 1000,
        p99=float(report["p99"]) / 1000,
        requests=int(float(report["requests"])),
        errors=int(float(report["errors"])),
    )


@dataclass
class SingleResult:
    p50: float
    p95: float
    status: int
    size: int
    max: float = 0.0

    @classmethod
    def of(cls, timings: list[float], *, status: int, size: int) -> SingleResult:
        """p50, p95 and max of request times in milliseconds (in any order)."""
        ordered = sorted(timings)
        p50, p95 = statistics.median(ordered), percentile(ordered, 0.95)
        return cls(p50=p50, p95=p95, status=status, size=size, max=ordered[-1])


def percentile(ordered: list[float], fraction: float) -> float:
    """The nearest-rank percentile of sorted values (fraction 0.95 for p95)."""
    return ordered[max(0, min(len(ordered) - 1, round(fraction * len(ordered)) - 1))]


def sequential(
    url: str,
    count: int = 200,
    headers: dict[str, str] | None = None,
    *,
    session: Any = None,
    follow_redirects: bool = True,
) -> SingleResult:
    """One request at a time on a kept-alive connection: what one shopper waits for.

    `session` is a requests.Session to use (one signed in, say); by default a new, anonymous one. A first
    request, not timed, warms the connection; its status is the result's (a redirect to a sign-in page
    shows as 302 with follow_redirects=False).
    """
    import requests

    timings = []
    with requests.Session() if session is None else nullcontext(session) as client:
        first = client.get(url, headers=headers, timeout=30, allow_redirects=follow_redirects)
        for _ in range(count):
            started = time.perf_counter()
            response = client.get(url, headers=headers, timeout=30, allow_redirects=follow_redirects)
            response.content  # noqa: B018 - the whole body, as a browser waits for it
            timings.append((time.perf_counter() - started) * 1000)
    return SingleResult.of(timings, status=first.status_code, size=len(first.content))


def each_once(base_url: str, paths: list[str]) -> SingleResult:
    """Each path requested once, in turn, on a kept-alive connection: pages no cache has seen yet.

    With a different URL every time, neither the server's page cache nor its kept facet counts can
    answer: this is what the first shopper after a catalogue change, or with a new query, waits for.
    """
    import requests

    timings, statuses, size = [], set(), 0
    with requests.Session() as client:
        client.get(base_url + "/healthz", timeout=30)  # the connection, not a page
        for path in paths:
            started = time.perf_counter()
            response = client.get(base_url + path, timeout=30)
            size = len(response.content)
            timings.append((time.perf_counter() - started) * 1000)
            statuses.add(response.status_code)
    return SingleResult.of(timings, status=max(statuses), size=size)


def git_revision() -> str:
    result = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=PROJECT_ROOT, capture_output=True, text=True, check=False
    )
    # The results the benches append to are no change to the code measured.
    dirty = subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=no", "--", ".", ":(exclude)bench/results"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
    ).stdout.strip()
    return (result.stdout.strip() or "unknown") + ("+changes" if dirty else "")


def machine() -> str:
    import platform

    import psutil

    memory = psutil.virtual_memory().total / 2**30
    return f"{os.cpu_count()} CPUs, {memory:.0f} GiB RAM, Python {platform.python_version()}"


def append_results(title: str, body: str) -> Path:
    """Append a section to bench/results/<today>.md and return the file."""
    RESULTS_DIR.mkdir(exist_ok=True)
    path = RESULTS_DIR / f"{date.today().isoformat()}.md"
    heading = "" if path.exists() else f"# Benchmark results {date.today().isoformat()}\n"
    with path.open("a") as handle:
        handle.write(f"{heading}\n## {title}\n\n{body.rstrip()}\n")
    return path


def table(headers: list[str], rows: list[list[Any]]) -> str:
    """A Markdown table (it reads fine in a terminal too)."""
    cells = [[str(cell) for cell in row] for row in rows]
    widths = [max(len(h), *(len(row[i]) for row in cells)) if cells else len(h) for i, h in enumerate(headers)]
    line = "| " + " | ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)) + " |"
    rule = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    body = ["| " + " | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) + " |" for row in cells]
    return "\n".join([line, rule, *body])
