"""The database restarted under a running app: during the outage pages answer a clean 503 (never a 500),
and once it is back they work again without restarting the app (a dead connection invalidates the pool;
an idle one is pinged before use).

A throwaway embedded PostgreSQL of its own (common_core.devdb with its own MARKETPLACE_VAR_DIR and a free
MARKETPLACE_PG_PORT, driven in subprocesses) is stopped and started: the shared test server is never touched.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from common_core import migrations
from tests.conftest import _factory, csrf_from
from tests.conftest import test_config as config_for

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class ThrowawayServer:
    def __init__(self, folder: Path) -> None:
        self.env = {**os.environ, "MARKETPLACE_VAR_DIR": str(folder), "MARKETPLACE_PG_PORT": str(free_port())}

    def devdb(self, *args: str) -> str:
        result = subprocess.run(
            [sys.executable, "-m", "common_core.devdb", *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=180,
        )
        assert result.returncode == 0, result.stderr[-2000:]
        return result.stdout.strip()

    def start(self) -> None:
        self.devdb("start")

    def stop(self) -> None:
        self.devdb("stop")


@pytest.fixture
def throwaway() -> Iterator[ThrowawayServer]:
    # Not pytest's tmp_path: PostgreSQL runs as its own system user, which must be able to reach the folder.
    folder = Path(tempfile.mkdtemp(prefix="mkt-pg-restart-", dir="/tmp"))
    folder.chmod(0o755)
    server = ThrowawayServer(folder)
    server.start()
    try:
        yield server
    finally:
        server.stop()
        shutil.rmtree(folder, ignore_errors=True)


@pytest.mark.slow
def test_pages_answer_503_while_the_database_is_down_and_recover_without_a_restart(throwaway) -> None:
    url = throwaway.devdb("url", "mkt_restart_storefront")
    app = _factory("storefront")(config_for("storefront", url, INTERNAL_TIMEOUT=(0.5, 0.5)))
    migrations.upgrade(app)
    client = app.test_client()
    pages = ["/", "/search?q=lamp", "/cart", "/account/signin", "/account/signup"]
    for page in pages:
        assert client.get(page).status_code == 200, page
    token = csrf_from(client.get("/account/signin").get_data(as_text=True))

    throwaway.stop()
    try:
        statuses = {}
        for page in pages:
            response = client.get(page)
            statuses[page] = response.status_code
            # A page that needs no database (a guest's empty cart lives in the cookie) may still answer 200.
            assert response.status_code in (200, 503), f"{page} answered {response.status_code} with the database down"
            if response.status_code == 503:
                assert "cannot reach our database" in response.get_data(as_text=True), page
        assert statuses["/"] == statuses["/search?q=lamp"] == 503, statuses
        signin = client.post(
            "/account/signin", data={"csrf_token": token, "email": "a@b.example", "password": "x" * 10}
        )
        assert signin.status_code == 503, f"a sign-in answered {signin.status_code} with the database down"
        ready = client.get("/readyz")
        assert ready.status_code == 503 and ready.get_json()["database"] == "unreachable"
    finally:
        throwaway.start()

    for page in pages:
        response = client.get(page)
        assert response.status_code == 200, f"{page} answered {response.status_code} after the database came back"
    assert client.get("/readyz").status_code == 200
    with app.app_context():
        app.extensions["sqlalchemy"].engine.dispose()


@pytest.mark.slow
def test_after_a_quiet_spell_the_first_request_after_a_restart_is_served(throwaway) -> None:
    # Connections idle longer than POOL_PING_IDLE_SECONDS are pinged before use, so a restart while the
    # shop was quiet costs no shopper an error page: the dead connection is replaced before the query.
    url = throwaway.devdb("url", "mkt_restart_quiet")
    app = _factory("storefront")(config_for("storefront", url, POOL_PING_IDLE_SECONDS=0.2))
    migrations.upgrade(app)
    client = app.test_client()
    assert client.get("/search?q=lamp").status_code == 200  # leaves a connection in the pool

    throwaway.stop()
    throwaway.start()
    time.sleep(0.3)

    response = client.get("/search?q=lamp")
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    with app.app_context():
        app.extensions["sqlalchemy"].engine.dispose()
