"""Alembic, driven from each service's app: every service has its own history in <service>/migrations.

`flask --app <service> db upgrade|downgrade|current|revision -m MSG [--autogenerate]` wrap these.
"""

from __future__ import annotations

from pathlib import Path

import click
import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Flask, current_app
from flask.cli import AppGroup

from common_core.db import current_db


def alembic_config(app: Flask) -> Config:
    config = Config()
    config.set_main_option("script_location", str(Path(app.root_path) / "migrations"))
    config.attributes["app"] = app
    return config


def upgrade(app: Flask, revision: str = "head") -> None:
    with app.app_context():
        command.upgrade(alembic_config(app), revision)


def downgrade(app: Flask, revision: str) -> None:
    with app.app_context():
        command.downgrade(alembic_config(app), revision)


def head_revisions(app: Flask) -> set[str]:
    cache = app.extensions.setdefault("alembic_heads", set())
    if not cache:
        cache.update(ScriptDirectory.from_config(alembic_config(app)).get_heads())
    return cache


def current_revisions(connection: sa.Connection) -> set[str]:
    return set(MigrationContext.configure(connection).get_current_heads())


def run_env() -> None:
    """The body of every service's migrations/env.py: migrate the app's database online."""
    from alembic import context

    app = context.config.attributes.get("app") or current_app._get_current_object()
    db = app.extensions["sqlalchemy"]
    with app.app_context(), db.engine.connect() as connection:
        context.configure(
            connection=connection, target_metadata=db.metadata, compare_type=True, transaction_per_migration=True
        )
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()


def cli_group() -> AppGroup:
    group = AppGroup("db", help="Database migrations of this service.")

    @group.command("upgrade")
    @click.argument("revision", default="head")
    def upgrade_cmd(revision: str) -> None:
        """Migrate to REVISION (default: head)."""
        upgrade(current_app._get_current_object(), revision)
        click.echo(f"{current_app.config['SERVICE']}: at {revision}")

    @group.command("downgrade")
    @click.argument("revision")
    def downgrade_cmd(revision: str) -> None:
        """Migrate down to REVISION."""
        downgrade(current_app._get_current_object(), revision)

    @group.command("current")
    def current_cmd() -> None:
        with current_db().engine.connect() as conn:
            click.echo(", ".join(sorted(current_revisions(conn))) or "empty")

    @group.command("revision")
    @click.option("-m", "--message", required=True)
    @click.option("--autogenerate", is_flag=True)
    def revision_cmd(message: str, autogenerate: bool) -> None:
        """Write a new migration (with --autogenerate, from the models' difference to the database)."""
        config = alembic_config(current_app._get_current_object())
        # Sequential ids (0001, 0002 ...) read better in a per-service history than random hashes.
        versions = Path(config.get_main_option("script_location")) / "versions"
        next_id = f"{len(list(versions.glob('[0-9][0-9][0-9][0-9]_*.py'))) + 1:04d}"
        command.revision(config, message=message, autogenerate=autogenerate, rev_id=next_id)

    return group
