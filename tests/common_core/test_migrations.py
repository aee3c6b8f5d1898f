"""Each service's own Alembic history on a fresh database, and the health and readiness answers operators see."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from flask import Flask

from common_core import migrations
from common_core.config import SERVICES
from tests import conftest

PLUMBING = {"outbox_event", "outbox_delivery", "inbox_event", "internal_nonce", "auth_session", "login_attempt"}


@pytest.fixture
def fresh_app(pg_server, db_prefix) -> Iterator[Callable[[str], Flask]]:
    """fresh_app(service): the service's app on a brand-new empty database, dropped after the test."""
    made: list[tuple[Flask, str]] = []

    def make(service: str) -> Flask:
        name = f"{db_prefix}_mig_{service}"
        app = conftest._factory(service)(conftest.test_config(service, pg_server.fresh_database(name)))
        made.append((app, name))
        return app

    yield make
    for app, name in made:
        with app.app_context():
            app.extensions["sqlalchemy"].engine.dispose()
        pg_server.drop_database(name)


def tables(app: Flask) -> set[str]:
    with app.app_context():
        return set(sa.inspect(app.extensions["sqlalchemy"].engine).get_table_names())


def revisions(app: Flask) -> set[str]:
    with app.app_context(), app.extensions["sqlalchemy"].engine.connect() as conn:
        return migrations.current_revisions(conn)


@pytest.mark.parametrize("service", SERVICES)
def test_a_fresh_database_migrates_to_head_down_to_base_and_up_again(fresh_app, service):
    app = fresh_app(service)
    assert tables(app) == set()
    heads = migrations.head_revisions(app)
    assert len(heads) == 1, f"{service} has several migration heads: {heads}"

    migrations.upgrade(app)
    assert tables(app) >= PLUMBING
    assert revisions(app) == heads

    migrations.downgrade(app, "base")
    assert tables(app) == {"alembic_version"}
    assert revisions(app) == set()

    migrations.upgrade(app)
    assert tables(app) >= PLUMBING
    assert revisions(app) == heads


@pytest.mark.parametrize("service", SERVICES)
def test_the_migrated_schema_matches_the_models(fresh_app, service):
    app = fresh_app(service)
    migrations.upgrade(app)
    with app.app_context():
        db = app.extensions["sqlalchemy"]
        with db.engine.connect() as conn:
            # A partitioned table is one model; its partitions are the migration's business.
            partitions = set(conn.scalars(sa.text("SELECT relname FROM pg_class WHERE relispartition")))

            def include_name(name: str | None, kind: str, _parent: dict) -> bool:
                return not (kind in ("table", "index") and name in partitions)

            options = {"compare_type": True, "include_name": include_name}
            differences = compare_metadata(MigrationContext.configure(conn, opts=options), db.metadata)
    assert differences == [], f"{service}: models and migrations disagree; write a migration"


@pytest.mark.parametrize("service", SERVICES)
def test_a_migrated_service_is_ready(platform, service):
    response = platform.apps[service].test_client().get("/readyz")
    assert response.status_code == 200
    body = response.get_json()
    assert (body["database"], body["migrations"], body["status"]) == ("ok", "ok", "ready")
    assert body["service"] == service
    assert set(body["revision"]) == migrations.head_revisions(platform.apps[service])


@pytest.mark.parametrize("service", SERVICES)
def test_a_service_on_an_unmigrated_database_is_not_ready_until_migrated(fresh_app, service):
    app = fresh_app(service)
    client = app.test_client()
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.get_json()
    assert (body["database"], body["migrations"], body["status"]) == ("ok", "pending", "not_ready")

    migrations.upgrade(app)
    assert client.get("/readyz").status_code == 200

    migrations.downgrade(app, "base")
    assert client.get("/readyz").get_json()["migrations"] == "pending"


def test_a_service_whose_database_is_missing_is_not_ready_but_alive(pg_server, db_prefix):
    name = f"{db_prefix}_never_created"
    pg_server.drop_database(name)
    url = pg_server.maintenance.set(database=name).render_as_string(hide_password=False)
    app = conftest._factory("vendor_portal")(conftest.test_config("vendor_portal", url))
    client = app.test_client()
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.get_json()
    assert (body["database"], body["migrations"], body["status"]) == ("unreachable", "unknown", "not_ready")
    assert client.get("/healthz").status_code == 200


@pytest.mark.parametrize("service", SERVICES)
def test_healthz_answers_ok_naming_the_service(platform, service):
    response = platform.apps[service].test_client().get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "service": service}
