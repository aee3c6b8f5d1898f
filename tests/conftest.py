"""Shared fixtures: real PostgreSQL databases per service, migrated once, emptied after each test.

With TEST_DATABASE_URL unset, the embedded PostgreSQL under var/ is used: the process that runs
pytest (the xdist controller, or the only process) starts it if needed and stops it at the very end
if it started it and no other run is using it. Workers never stop it, so one finishing early cannot
end another's connections.
With TEST_DATABASE_URL set to a server's maintenance database (postgresql://user:pw@host:5432/postgres),
the test databases are created there. Service
URLs such as STOREFRONT_DATABASE_URL are never touched by tests.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import psycopg
import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from common_core import devdb, migrations
from common_core.config import SERVICES
from common_core.testing import WSGIAdapter, wire_peers

TEST_SECRETS = {svc: [f"test-internal-secret-{svc}"] for svc in SERVICES}
PEERS = {svc: f"http://{svc.replace('_', '-')}.test" for svc in SERVICES}


def _factory(service: str) -> Callable[..., Flask]:
    if service == "storefront":
        from storefront import create_app
    elif service == "admin_portal":
        from admin_portal import create_app
    else:
        from vendor_portal import create_app
    return create_app


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


_STARTED_SERVER = pytest.StashKey[bool]()


def _uses_embedded_server() -> bool:
    return not os.environ.get("TEST_DATABASE_URL")


def pytest_configure(config: pytest.Config) -> None:
    if _uses_embedded_server() and not os.environ.get("PYTEST_XDIST_WORKER"):
        config.stash[_STARTED_SERVER] = devdb.ensure_running()


def pytest_unconfigure(config: pytest.Config) -> None:
    if config.stash.get(_STARTED_SERVER, False) and not _server_in_use():
        devdb.stop()


def _server_in_use() -> bool:
    """Another test run (or `make run`) connected since this one started the server: leave it running."""
    dsn = sa.engine.make_url(devdb.server_url("postgres")).set(drivername="postgresql")
    with psycopg.connect(dsn.render_as_string(hide_password=False), autocommit=True) as conn:
        clients = conn.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()"
        ).fetchone()
        test_databases = conn.execute("SELECT count(*) FROM pg_database WHERE datname LIKE 'mkt_t%'").fetchone()
    return bool(clients and clients[0]) or bool(test_databases and test_databases[0])


class Server:
    """Where test databases live: a maintenance URL and how to make databases on it."""

    def __init__(self) -> None:
        external = os.environ.get("TEST_DATABASE_URL")
        if external:
            self.maintenance = sa.engine.make_url(external.replace("postgres://", "postgresql://", 1))
        else:
            devdb.ensure_running()  # already up unless a worker raced the controller; harmless
            self.maintenance = sa.engine.make_url(devdb.server_url("postgres"))
        self.maintenance = self.maintenance.set(drivername="postgresql+psycopg")

    def _dsn(self) -> str:
        return self.maintenance.set(drivername="postgresql").render_as_string(hide_password=False)

    def fresh_database(self, name: str) -> str:
        with psycopg.connect(self._dsn(), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.maintenance.set(database=name).render_as_string(hide_password=False)

    def drop_database(self, name: str) -> None:
        with psycopg.connect(self._dsn(), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def drop_orphans(self) -> None:
        """Drop test databases left by runs that no longer exist (killed before their teardown)."""
        with psycopg.connect(self._dsn(), autocommit=True) as conn:
            rows = conn.execute("SELECT datname FROM pg_database WHERE datname LIKE 'mkt_t%'").fetchall()
            names = [row[0] for row in rows]
            for name in names:
                match = re.match(r"mkt_t(\d+)_", name)
                if match and not _alive(int(match.group(1))):
                    conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def pg_server() -> Iterator[Server]:
    yield Server()


@pytest.fixture(scope="session")
def db_prefix(pg_server: Server) -> str:
    """Test databases are named after this process, so parallel runs never drop each other's."""
    pg_server.drop_orphans()
    return f"mkt_t{os.getpid()}"


def test_config(service: str, url: str, **extra: object) -> dict:
    return {
        "TESTING": True,
        "MARKETPLACE_ENV": "test",
        "SECRET_KEY": f"test-secret-key-{service}",
        "SQLALCHEMY_DATABASE_URI": url,
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_size": 5, "max_overflow": 20},
        "INTERNAL_SECRETS": TEST_SECRETS,
        "PEERS": PEERS,
        "SERVER_NAME": None,
        "TRAFFIC_WRITE_DELAY": 0,  # views written as each page is sent; the buffered path has its own test
        **extra,
    }


@pytest.fixture(scope="session")
def service_urls(pg_server: Server, db_prefix: str) -> Iterator[dict[str, str]]:
    """One migrated database per service for the whole session."""
    urls = {}
    for service in SERVICES:
        urls[service] = pg_server.fresh_database(f"{db_prefix}_{service}")
        app = _factory(service)(test_config(service, urls[service]))
        migrations.upgrade(app)
        with app.app_context():
            app.extensions["sqlalchemy"].engine.dispose()
    yield urls
    for service in SERVICES:
        pg_server.drop_database(f"{db_prefix}_{service}")


def _truncate_all(app: Flask) -> None:
    with app.app_context():
        db = app.extensions["sqlalchemy"]
        db.session.remove()
        names = ", ".join(f'"{t.name}"' for t in db.metadata.sorted_tables)
        with db.engine.begin() as conn:
            conn.execute(sa.text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))


class Platform:
    """The three apps, wired to each other in-process through their real signed internal APIs."""

    def __init__(self, apps: dict[str, Flask]) -> None:
        self.apps = apps
        self.adapters: dict[str, WSGIAdapter] = wire_peers(apps)

    @property
    def storefront(self) -> Flask:
        return self.apps["storefront"]

    @property
    def admin(self) -> Flask:
        return self.apps["admin_portal"]

    @property
    def vendor(self) -> Flask:
        return self.apps["vendor_portal"]

    def drain(self) -> int:
        """Deliver every service's pending events until nothing moves (events can cause events)."""
        from common_core.outbox import drain

        total = 0
        for _ in range(10):
            moved = 0
            for app in self.apps.values():
                with app.app_context():
                    moved += drain()
            total += moved
            if not moved:
                break
        return total

    def reset(self) -> None:
        for adapter in self.adapters.values():
            adapter.down = False
        for app in self.apps.values():
            _truncate_all(app)
            if "page_cache" in app.extensions:  # pages of the emptied catalogue (the storefront's)
                app.extensions["page_cache"].clear()


@pytest.fixture(scope="session")
def _platform(service_urls: dict[str, str]) -> Platform:
    return Platform({svc: _factory(svc)(test_config(svc, url)) for svc, url in service_urls.items()})


@pytest.fixture
def platform(_platform: Platform) -> Iterator[Platform]:
    """All three apps with empty databases; emptied again after the test."""
    yield _platform
    _platform.reset()


@pytest.fixture
def storefront(platform: Platform) -> Flask:
    return platform.storefront


@pytest.fixture
def admin(platform: Platform) -> Flask:
    return platform.admin


@pytest.fixture
def vendor(platform: Platform) -> Flask:
    return platform.vendor


CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def run_together(jobs: list[Callable[[], Any]]) -> list[Any]:
    """Run every job in its own thread, released at the same moment; re-raises any job's exception."""
    barrier = threading.Barrier(len(jobs))

    def start(job: Callable[[], Any]) -> Any:
        barrier.wait(timeout=30)
        return job()

    with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
        futures = [pool.submit(start, job) for job in jobs]
        return [future.result(timeout=120) for future in futures]


def csrf_from(html: str) -> str:
    match = CSRF_RE.search(html)
    assert match, "page has no CSRF token"
    return match.group(1)


def submit(
    client: FlaskClient, form_url: str, data: dict, *, post_url: str | None = None, follow_redirects: bool = False
):
    """Open a page with a form, then post it with that page's CSRF token, as a browser would."""
    page = client.get(form_url)
    assert page.status_code == 200, f"{form_url} answered {page.status_code}"
    return client.post(
        post_url or form_url,
        data={**data, "csrf_token": csrf_from(page.get_data(as_text=True))},
        follow_redirects=follow_redirects,
    )
