"""Database setup shared by the services: declarative base, naming convention and plumbing tables.

Every service gets its own `SQLAlchemy` object from make_db(); its metadata carries the service's
models plus the plumbing tables below (outbox, inbox, nonces, sessions, sign-in attempts), so each
service's own Alembic history creates them in its own database.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from flask import Flask, current_app, request
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import DeclarativeBase, Session, scoped_session

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

Money = sa.Numeric(12, 2)

# The largest PostgreSQL `integer`: ids from users above it are "not found", never a database error.
MAX_DB_INT = 2**31 - 1


def utcnow() -> datetime:
    return datetime.now(UTC)


def money(value: str | int | Decimal) -> Decimal:
    """Decimal with two places; never float."""
    return Decimal(value).quantize(Decimal("0.01"))


def _plumbing_tables(metadata: sa.MetaData) -> None:
    tz = sa.DateTime(timezone=True)
    sa.Table(
        "outbox_event",
        metadata,
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        sa.Column("type", sa.String(80), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("occurred_at", tz, nullable=False),
        sa.Column("data", JSONB, nullable=False),
        sa.Column("request_id", sa.String(64)),
    )
    sa.Table(
        "outbox_delivery",
        metadata,
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("event_id", UUID(as_uuid=True), sa.ForeignKey("outbox_event.id", ondelete="CASCADE"), nullable=False),
        sa.Column("subscriber", sa.String(40), nullable=False),
        sa.Column("status", sa.String(16), nullable=False, server_default="pending"),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("next_attempt_at", tz, nullable=False, server_default=sa.func.now()),
        sa.Column("last_error", sa.Text),
        sa.Column("delivered_at", tz),
        sa.UniqueConstraint("event_id", "subscriber"),
        sa.CheckConstraint("status IN ('pending', 'delivered', 'dead')", name="status"),
        sa.Index("ix_outbox_delivery_due", "next_attempt_at", postgresql_where=sa.text("status = 'pending'")),
    )
    sa.Table(
        "inbox_event",
        metadata,
        sa.Column("event_id", UUID(as_uuid=True), primary_key=True),
        sa.Column("type", sa.String(80), nullable=False),
        sa.Column("source", sa.String(40), nullable=False),
        sa.Column("received_at", tz, nullable=False, server_default=sa.func.now()),
    )
    sa.Table(
        "internal_nonce",
        metadata,
        sa.Column("nonce", sa.String(64), primary_key=True),
        sa.Column("caller", sa.String(40), nullable=False),
        sa.Column("seen_at", tz, nullable=False, server_default=sa.func.now(), index=True),
    )
    sa.Table(
        "auth_session",
        metadata,
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("principal_id", sa.BigInteger, nullable=False, index=True),
        sa.Column("created_at", tz, nullable=False, server_default=sa.func.now()),
        sa.Column("last_seen_at", tz, nullable=False, server_default=sa.func.now()),
        sa.Column("revoked_at", tz),
        sa.Column("client_ip", sa.String(64)),
        sa.Column("user_agent", sa.String(300)),
    )
    sa.Table(
        "login_attempt",
        metadata,
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("account_key", sa.String(320), nullable=False),
        sa.Column("client_ip", sa.String(64), nullable=False),
        sa.Column("succeeded", sa.Boolean, nullable=False),
        sa.Column("at", tz, nullable=False, server_default=sa.func.now()),
        sa.Index("ix_login_attempt_account_at", "account_key", "at"),
        sa.Index("ix_login_attempt_ip_at", "client_ip", "at"),
    )


def make_db() -> SQLAlchemy:
    """A Flask-SQLAlchemy object for one service, with the shared naming convention and plumbing tables."""

    class Base(DeclarativeBase):
        metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)

    _plumbing_tables(Base.metadata)
    return SQLAlchemy(model_class=Base, engine_options={})


def current_db() -> SQLAlchemy:
    return current_app.extensions["sqlalchemy"]


_AFTER_COMMIT = "marketplace_after_commit"


def after_commit(session: Session | scoped_session | None, callback: Callable[[], Any]) -> None:
    """Run callback once the session's transaction commits; never if it rolls back. Without a session, now."""
    if session is None:
        callback()
        return
    actual = session() if isinstance(session, scoped_session) else session
    actual.info.setdefault(_AFTER_COMMIT, []).append(callback)


@sa.event.listens_for(Session, "after_commit")
def _run_after_commit(session: Session) -> None:
    for callback in session.info.pop(_AFTER_COMMIT, ()):
        callback()


@sa.event.listens_for(Session, "after_transaction_end")
def _forget_rolled_back(session: Session, transaction: Any) -> None:
    # After a commit the list is already gone; what is left when the outer transaction ends was rolled back.
    if transaction.parent is None:
        session.info.pop(_AFTER_COMMIT, None)


def violated_constraint(exc: sa.exc.IntegrityError) -> str:
    """The name of the constraint PostgreSQL refused a write for ("" when the driver does not say)."""
    return getattr(getattr(exc.orig, "diag", None), "constraint_name", "") or ""


def table(name: str) -> sa.Table:
    """A plumbing table of the current app's metadata."""
    return current_db().metadata.tables[name]


def commit_reads(app: Flask) -> None:
    """End a GET or HEAD request's transaction with COMMIT instead of the ROLLBACK its session's removal sends.

    A GET writes nothing it means to keep without committing it itself, and for PostgreSQL a COMMIT of
    a transaction that wrote nothing is the same as a ROLLBACK. For psycopg it is not: at every ROLLBACK
    it forgets the connection's prepared statements (and sends DEALLOCATE ALL), so every page that only
    read cost the next requests on its connection their prepared statements, planned afresh. A request
    that failed, any other method, and a session holding changes it has not flushed still roll back.
    """

    @app.teardown_request
    def commit_if_read(exc: BaseException | None) -> None:
        if exc is not None or request.method not in ("GET", "HEAD"):
            return
        sessions = current_db().session
        if not sessions.registry.has():
            return  # the request never used the database
        session = sessions()
        if session.in_transaction() and not (session.new or session.dirty or session.deleted):
            session.commit()


def ping_when_idle(app: Flask) -> None:
    """Check a pooled connection before lending it out, but only when it sat idle for a while.

    SQLAlchemy's pool_pre_ping pays a round trip on every checkout (several per request). A connection
    used a moment ago is almost surely alive, and if it is not, the error invalidates the whole pool
    (SQLAlchemy's disconnect handling), so the next request reconnects. After a quiet spell (the
    database restarted overnight) the ping finds the dead connection first and the pool replaces it.
    """
    idle_seconds = float(app.config.get("POOL_PING_IDLE_SECONDS", 5))
    with app.app_context():
        engines = list(current_db().engines.values())
    for engine in engines:
        _ping_after(engine, idle_seconds)


def _ping_after(engine: sa.Engine, idle_seconds: float) -> None:
    @sa.event.listens_for(engine, "checkin")
    def stamp(dbapi_connection: Any, record: Any) -> None:
        record.info["returned_at"] = time.monotonic()

    @sa.event.listens_for(engine, "checkout")
    def ping(dbapi_connection: Any, record: Any, proxy: Any) -> None:
        returned_at = record.info.get("returned_at")
        if returned_at is None or time.monotonic() - returned_at < idle_seconds:
            return  # new, or used a moment ago
        try:
            engine.dialect.do_ping(dbapi_connection)
        except Exception as exc:  # any failure means the connection is gone
            # The pool discards this connection and checks out another (or connects afresh).
            raise sa.exc.DisconnectionError(str(exc)) from exc
