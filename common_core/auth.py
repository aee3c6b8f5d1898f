"""Accounts plumbing shared by the portals: argon2id passwords, sign-in throttling, server-side sessions.

A signed-in browser holds a random session token (inside Flask's signed cookie); the database keeps
only its SHA-256. Signing out or suspending an account revokes the row, so a copied cookie stops
working at once. Each portal supplies its own principal model and loader.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from datetime import timedelta
from typing import Any, Protocol, TypeVar

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app, request, session
from flask_login import LoginManager, login_user, logout_user
from wtforms.validators import Length

from common_core.db import current_db, table, utcnow
from common_core.errors import DomainError, InvalidInput

PASSWORD_MIN = 8
PASSWORD_MAX = 128
_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters


class Throttled(DomainError):
    status = 429
    code = "throttled"


def password_length() -> Length:
    """The one password rule: 8 to 128 characters, no composition rules (NIST SP 800-63B)."""
    return Length(
        min=PASSWORD_MIN, max=PASSWORD_MAX, message=f"Use between {PASSWORD_MIN} and {PASSWORD_MAX} characters."
    )


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    if not password_hash:
        # Burn comparable time so an unknown email is not revealed by a faster answer.
        _hasher.hash(password)
        return False
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def client_ip() -> str:
    return (request.remote_addr or "unknown")[:64]


def check_throttle(account_key: str) -> None:
    """Refuse a sign-in attempt once an account or a client address has too many recent failures."""
    attempts = table("login_attempt")
    config = current_app.config
    window_start = utcnow() - timedelta(seconds=int(config.get("LOGIN_THROTTLE_WINDOW", 300)))
    limit = int(config.get("LOGIN_THROTTLE_LIMIT", 5))
    failed = sa.and_(attempts.c.succeeded.is_(False), attempts.c.at >= window_start)
    session_db = current_db().session
    by_account = session_db.execute(
        sa.select(sa.func.count()).where(failed, attempts.c.account_key == account_key.lower())
    ).scalar_one()
    by_ip = session_db.execute(
        sa.select(sa.func.count()).where(failed, attempts.c.client_ip == client_ip())
    ).scalar_one()
    if by_account >= limit or by_ip >= limit:
        minutes = max(1, int(config.get("LOGIN_THROTTLE_WINDOW", 300)) // 60)
        raise Throttled(f"Too many failed sign-in attempts. Please wait {minutes} minutes and try again.")


def record_attempt(account_key: str, succeeded: bool) -> None:
    current_db().session.execute(
        sa.insert(table("login_attempt")).values(
            account_key=account_key.lower()[:320], client_ip=client_ip(), succeeded=succeeded
        )
    )


class HasPassword(Protocol):
    password_hash: str


AccountT = TypeVar("AccountT", bound=HasPassword)


def check_credentials(email: str, password: str, lookup: Callable[[str], AccountT | None]) -> AccountT:
    """The account `lookup` finds for these credentials, or InvalidInput; every outcome is recorded for
    throttling, and an unknown email takes as long as a wrong password. Status checks are the caller's."""
    check_throttle(email)
    account = lookup(email)
    ok = verify_password(account.password_hash if account else None, password)
    record_attempt(email, succeeded=ok)
    if not ok or account is None:
        raise InvalidInput("The email or password is not right.")
    return account


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class Principal(Protocol):
    id: int
    auth_token: str | None


def sign_in(principal: Any) -> str:
    """Start a fresh server-side session for the principal and log them in (the caller commits)."""
    session.clear()  # nothing from before sign-in survives: no session fixation
    token = secrets.token_urlsafe(32)
    current_db().session.execute(
        sa.insert(table("auth_session")).values(
            token_hash=_token_hash(token),
            principal_id=principal.id,
            client_ip=client_ip(),
            user_agent=(request.user_agent.string or "")[:300],
        )
    )
    principal.auth_token = token
    login_user(principal)
    return token


def sign_out(principal: Any) -> None:
    """End this browser's session server-side (the caller commits)."""
    token = getattr(principal, "auth_token", None)
    if token:
        sessions = table("auth_session")
        current_db().session.execute(
            sa.update(sessions)
            .where(sessions.c.token_hash == _token_hash(token), sessions.c.revoked_at.is_(None))
            .values(revoked_at=utcnow())
        )
    logout_user()
    session.clear()


def end_all_sessions(principal_id: int) -> int:
    """Revoke every session of a principal (suspension, password change elsewhere)."""
    sessions = table("auth_session")
    return (
        current_db()
        .session.execute(
            sa.update(sessions)
            .where(sessions.c.principal_id == principal_id, sessions.c.revoked_at.is_(None))
            .values(revoked_at=utcnow())
        )
        .rowcount
    )


def end_other_sessions(principal: Any) -> None:
    """Revoke every session but this browser's (after a password change)."""
    sessions = table("auth_session")
    current_db().session.execute(
        sa.update(sessions)
        .where(
            sessions.c.principal_id == principal.id,
            sessions.c.revoked_at.is_(None),
            sessions.c.token_hash != _token_hash(principal.auth_token or ""),
        )
        .values(revoked_at=utcnow())
    )


def setup_login(
    app: Any, login_manager: LoginManager, load_principal: Callable[[int], Any | None], login_view: str
) -> None:
    """Wire Flask-Login to server-side sessions: the cookie holds a token, the row says who and if still valid."""
    login_manager.login_view = login_view
    login_manager.login_message = "Please sign in to continue."
    login_manager.login_message_category = "info"
    login_manager.session_protection = None  # the server-side session row is the protection
    login_manager.init_app(app)

    @login_manager.user_loader
    def load_user(token: str) -> Any | None:
        sessions = table("auth_session")
        row = (
            current_db()
            .session.execute(
                sa.select(sessions.c.id, sessions.c.principal_id, sessions.c.last_seen_at).where(
                    sessions.c.token_hash == _token_hash(token), sessions.c.revoked_at.is_(None)
                )
            )
            .first()
        )
        if row is None:
            return None
        principal = load_principal(row.principal_id)
        if principal is None or not principal.is_active:
            return None
        principal.auth_token = token
        return principal


class SessionPrincipalMixin:
    """For principal models: Flask-Login identifies the browser's session token, not the account id."""

    auth_token = None  # set per request by the loader; not a column
    is_authenticated = True
    is_anonymous = False

    @property
    def is_active(self) -> bool:
        return getattr(self, "status", "active") not in ("suspended", "disabled")

    def get_id(self) -> str | None:
        return self.auth_token
