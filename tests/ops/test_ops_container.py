"""The container image's parts that can run without Docker: the Dockerfile's shape, gunicorn's settings,
the entry point (generated secrets, migrate, seed, relay) and gunicorn serving an app with metrics
counted across its workers."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time

import psycopg
import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

from common_core import production
from tests.ops.conftest import BIN, DOCKER, ROOT, free_port, libpq, production_env, subprocess_env

# --- Dockerfile ----------------------------------------------------------------------------------


def instructions() -> list[tuple[str, str]]:
    text = re.sub(r"\\\n\s*", " ", (DOCKER / "Dockerfile").read_text())
    return [
        (line.split(None, 1)[0].upper(), line.split(None, 1)[1] if " " in line.strip() else "")
        for line in text.splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]


def index_of(predicate) -> int:
    return next(i for i, instruction in enumerate(instructions()) if predicate(*instruction))


def test_the_image_is_python_3_11_slim():
    assert instructions()[0] == ("FROM", "python:3.11-slim")


def test_dependencies_are_installed_in_a_layer_before_the_code():
    copy_requirements = index_of(lambda op, arg: op == "COPY" and arg.startswith("requirements/"))
    install = index_of(lambda op, arg: op == "RUN" and "pip install" in arg)
    copy_code = index_of(lambda op, arg: op == "COPY" and arg.split()[0] == ".")
    assert copy_requirements < install < copy_code
    assert "--no-cache-dir" in instructions()[install][1]
    assert "-r requirements/base.txt" in instructions()[install][1]


def test_the_app_runs_as_an_unprivileged_user_through_the_entry_point():
    ops = instructions()
    user = index_of(lambda op, arg: op == "USER")
    assert ops[user][1] not in ("root", "0")
    assert user > index_of(lambda op, arg: op == "RUN" and "chown" in arg)
    entrypoint = index_of(lambda op, arg: op == "ENTRYPOINT")
    assert user < entrypoint
    assert json.loads(ops[entrypoint][1]) == ["/app/docker/entrypoint.sh"]  # exec form: signals reach the app
    assert json.loads(ops[index_of(lambda op, arg: op == "CMD")][1]) == ["web"]
    assert not any(op == "ADD" for op, _ in ops)


def test_the_build_context_leaves_out_state_and_tooling():
    ignored = (DOCKER / "Dockerfile.dockerignore").read_text().split()
    for entry in (".git", ".venv", "var", "tests"):
        assert entry in ignored


def test_the_entry_point_serves_with_gunicorn_and_the_config():
    script = (DOCKER / "entrypoint.sh").read_text()
    assert 'exec gunicorn --config docker/gunicorn.conf.py "$SERVICE:create_app()"' in script
    assert 'exec flask --app "$SERVICE" relay "$@"' in script
    assert os.access(DOCKER / "entrypoint.sh", os.X_OK)


@pytest.mark.skipif(shutil.which("shellcheck") is None, reason="shellcheck is not installed")
def test_the_entry_point_passes_shellcheck():
    result = subprocess.run(["shellcheck", str(DOCKER / "entrypoint.sh")], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout


# --- gunicorn.conf.py ----------------------------------------------------------------------------

SETTINGS = (
    "bind",
    "workers",
    "threads",
    "worker_class",
    "timeout",
    "graceful_timeout",
    "keepalive",
    "worker_tmp_dir",
    "accesslog",
    "forwarded_allow_ips",
    "METRICS_DIR",
)


def gunicorn_settings(**env: str) -> dict:
    code = (
        "import json, runpy; ns = runpy.run_path('docker/gunicorn.conf.py');"
        f"print(json.dumps({{k: ns[k] for k in {list(SETTINGS)!r}}}))"
    )
    base = {k: v for k, v in subprocess_env().items() if not k.startswith(("GUNICORN_", "WEB_", "FORWARDED_"))}
    base.pop("PORT", None)
    result = subprocess.run(
        [sys.executable, "-c", code], env={**base, **env}, cwd=ROOT, capture_output=True, text=True, check=True
    )
    return json.loads(result.stdout)


def test_gunicorn_defaults():
    settings = gunicorn_settings()
    assert settings["bind"] == "0.0.0.0:8000"
    assert (settings["workers"], settings["threads"], settings["worker_class"]) == (2, 4, "gthread")
    assert settings["worker_tmp_dir"] == "/dev/shm"  # noqa: S108 - tmpfs, where gunicorn's heartbeats belong
    assert settings["accesslog"] is None
    assert settings["forwarded_allow_ips"] == "127.0.0.1,::1"
    assert settings["graceful_timeout"] < 30  # inside compose's stop_grace_period
    assert settings["keepalive"] > 30  # outlives nginx's upstream keepalive_timeout


def test_gunicorn_is_tuned_by_the_environment():
    settings = gunicorn_settings(
        PORT="9001",
        WEB_CONCURRENCY="5",
        GUNICORN_THREADS="8",
        GUNICORN_TIMEOUT="45",
        GUNICORN_GRACEFUL_TIMEOUT="12",
        GUNICORN_KEEPALIVE="75",
        FORWARDED_ALLOW_IPS="10.0.0.2",
        PROMETHEUS_MULTIPROC_DIR="/run/metrics",
    )
    assert settings == {
        "bind": "0.0.0.0:9001",
        "workers": 5,
        "threads": 8,
        "worker_class": "gthread",
        "timeout": 45,
        "graceful_timeout": 12,
        "keepalive": 75,
        "worker_tmp_dir": "/dev/shm",  # noqa: S108 - tmpfs, where gunicorn's heartbeats belong
        "accesslog": None,
        "forwarded_allow_ips": "10.0.0.2",
        "METRICS_DIR": "/run/metrics",
    }


# --- The entry point, run for real ---------------------------------------------------------------


@pytest.fixture
def fresh_storefront_db(pg_server, db_prefix):
    name = f"{db_prefix}_entrypoint"
    url = pg_server.fresh_database(name)
    yield url
    pg_server.drop_database(name)


def entrypoint(*args: str, env: dict[str, str], timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["sh", str(DOCKER / "entrypoint.sh"), *args], env=env, cwd=ROOT, capture_output=True, text=True, timeout=timeout
    )


def container_env(tmp_path, database_url: str, **extra: str) -> dict[str, str]:
    env = production_env("storefront", database_url)
    for name in production.generated_secret_variables():
        env.pop(name, None)  # as in compose when the operator sets none: the entry point generates them
    return subprocess_env(**env, SERVICE="storefront", SECRETS_FILE=str(tmp_path / "secrets" / "secrets.env"), **extra)


def test_an_unknown_service_is_refused():
    result = entrypoint("web", env=subprocess_env(SERVICE="shop"))
    assert result.returncode == 64
    assert "SERVICE must be storefront, admin_portal or vendor_portal" in result.stderr


def test_the_entry_point_generates_secrets_migrates_seeds_and_relays_in_production(tmp_path, fresh_storefront_db):
    # No vendor portal here: the past orders do not wait for a catalogue that cannot come.
    env = container_env(
        tmp_path,
        fresh_storefront_db,
        MIGRATE_ON_START="1",
        SEED_DEMO="1",
        SEED_WAIT_FOR_CATALOGUE="0",
        SEED_WAIT_FOR_EVENTS="0",
    )
    first = entrypoint("relay", "--once", env=env)
    assert first.returncode == 0, first.stderr[-3000:]
    assert "storefront: at head" in first.stdout
    assert "storefront demo data:" in first.stdout
    assert "no demo orders: the catalogue copy is still empty" in first.stdout
    assert re.search(r"delivered [1-9]\d* event\(s\)", first.stdout)  # customer.registered, to a peer that is down

    secrets_file = tmp_path / "secrets" / "secrets.env"
    assert secrets_file.stat().st_mode & 0o777 == 0o600
    written = secrets_file.read_text()
    with psycopg.connect(libpq(fresh_storefront_db)) as conn:
        assert conn.execute("SELECT count(*) FROM customer WHERE email = 'shopper@example.com'").fetchone()[0] == 1
        assert conn.execute("SELECT count(*) FROM alembic_version").fetchone()[0] == 1
        customers = conn.execute("SELECT count(*) FROM customer").fetchone()[0]

    again = entrypoint("relay", "--once", env=env)
    assert again.returncode == 0, again.stderr[-3000:]
    with psycopg.connect(libpq(fresh_storefront_db)) as conn:
        assert conn.execute("SELECT count(*) FROM customer").fetchone()[0] == customers  # demo data is loaded once
    assert secrets_file.read_text() == written  # generated once, then kept


def test_the_entry_point_stops_on_an_unsafe_production_environment(tmp_path):
    env = subprocess_env(**production_env("storefront"), SERVICE="storefront", MIGRATE_ON_START="1")
    env["INTERNAL_SECRET_VENDOR"] = "weak"
    result = entrypoint("web", env=env, timeout=120)
    assert result.returncode == 1
    assert "INTERNAL_SECRET_VENDOR is shorter than 32 characters" in result.stderr


# --- gunicorn, run for real ----------------------------------------------------------------------


def wait_for(url: str, deadline: float) -> None:
    while time.monotonic() < deadline:
        try:
            if requests.get(url, timeout=1).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise AssertionError(f"{url} did not answer in time")


def healthz_count(text: str) -> float:
    return sum(
        sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == "marketplace_http_requests_total" and sample.labels.get("endpoint") == "healthz"
    )


def stop(process: subprocess.Popen) -> str:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
    try:
        _, err = process.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        _, err = process.communicate()
    return err


def test_gunicorn_serves_the_app_and_metrics_add_up_across_workers(tmp_path, service_urls):
    port = free_port()
    env = subprocess_env(
        **production_env("storefront", service_urls["storefront"]),
        SERVICE="storefront",
        PORT=str(port),
        WEB_CONCURRENCY="2",
        GUNICORN_THREADS="2",
        PROMETHEUS_MULTIPROC_DIR=str(tmp_path / "metrics"),
    )
    process = subprocess.Popen(
        [str(BIN / "gunicorn"), "--config", "docker/gunicorn.conf.py", "storefront:create_app()"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        wait_for(f"{base}/healthz", deadline)
        while len(list((tmp_path / "metrics").glob("counter_*.db"))) < 2:  # one counts file per booted worker
            assert time.monotonic() < deadline, "the second worker did not boot"
            time.sleep(0.2)
        for _ in range(20):  # a new connection each time: the kernel hands them to either worker
            response = requests.get(f"{base}/healthz", timeout=5)
            assert response.status_code == 200
        assert response.headers["Strict-Transport-Security"].startswith("max-age=")
        # Whichever worker answers a scrape, it reports every worker's requests.
        for _ in range(6):
            text = requests.get(f"{base}/metrics", timeout=5).text
            assert healthz_count(text) >= 21  # the start-up probe(s) and the 20 above
            assert "marketplace_outbox_pending" in text
    finally:
        stop(process)


def test_gunicorn_refuses_an_unsafe_production_environment_once_and_exits(tmp_path):
    env = subprocess_env(
        **production_env("storefront"),
        SERVICE="storefront",
        PORT=str(free_port()),
        PROMETHEUS_MULTIPROC_DIR=str(tmp_path / "metrics"),
    )
    del env["STOREFRONT_SECRET_KEY"]
    result = subprocess.run(
        [str(BIN / "gunicorn"), "--config", "docker/gunicorn.conf.py", "storefront:create_app()"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert result.stderr.count("STOREFRONT_SECRET_KEY is not set") == 1
