"""What every service's Flask app gets: CSRF, security headers, request logs, error mapping,
health and readiness endpoints, and the migration and relay commands."""

from __future__ import annotations

import logging
from typing import Any

import click
import sqlalchemy as sa
from flask import Flask, Response, current_app, flash, jsonify, redirect, render_template, request
from flask_wtf.csrf import CSRFError, CSRFProtect
from werkzeug.routing import IntegerConverter, Map

from common_core import log, metrics, migrations, outbox, production
from common_core.db import MAX_DB_INT, commit_reads, current_db, ping_when_idle
from common_core.errors import DomainError, PeerUnavailable
from common_core.internal.api import purge_nonces

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'self'; object-src 'none'"
)

errors_log = logging.getLogger("marketplace.errors")


def init_app(app: Flask) -> None:
    """Install the shared behaviour on a service app whose config and db are already set up."""
    # Ids in URLs are PostgreSQL integers: a larger number is a 404, never a database error.
    app.url_map.converters["int"] = BoundedIntConverter
    ping_when_idle(app)
    commit_reads(app)
    CSRFProtect(app)
    log.init_app(app)
    _refuse_nul_bytes(app)
    metrics.init_app(app)
    _security_headers(app)
    _error_handlers(app)
    _health(app)
    app.cli.add_command(migrations.cli_group())
    app.cli.add_command(_relay_command())
    # Nonces only need keeping while their timestamps could still be accepted.
    outbox.add_chore(app, lambda: purge_nonces(2 * int(app.config.get("INTERNAL_MAX_SKEW", 300))), 300)
    # Last: ProxyFix must wrap every other WSGI layer (the /metrics guard reads the client's address).
    production.init_app(app)


class BoundedIntConverter(IntegerConverter):
    def __init__(self, map: Map, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", MAX_DB_INT)
        super().__init__(map, *args, **kwargs)


def _refuse_nul_bytes(app: Flask) -> None:
    """PostgreSQL text cannot hold NUL: such input is refused here, with one clear message."""

    @app.before_request
    def refuse() -> Any:
        values = [v for vs in request.args.listvalues() for v in vs]
        if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
            values += [v for vs in request.form.listvalues() for v in vs]
        nul_in_json = request.is_json and b"\\u0000" in request.get_data(cache=True)
        if nul_in_json or any("\x00" in value for value in values):
            message = "The request contains a character that is not allowed (NUL)."
            if request.path.startswith("/internal/"):  # the internal APIs document 422 for bad input
                return jsonify({"error": "invalid", "message": message}), 422
            return _error_page(400, "Bad request", message)
        return None


def _security_headers(app: Flask) -> None:
    @app.after_request
    def headers(response: Response) -> Response:
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        if app.config.get("SESSION_COOKIE_SECURE"):
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        if request.endpoint and not request.endpoint.endswith("static") and "Cache-Control" not in response.headers:
            # Pages can carry personal data: never stored by shared caches unless a view says otherwise.
            response.headers["Cache-Control"] = "no-store" if _signed_in() else "private, no-cache"
        return response


def _signed_in() -> bool:
    from flask_login import current_user

    try:
        return bool(current_user and current_user.is_authenticated)
    except Exception:  # noqa: BLE001 - no login manager on this app or no request user: treat as anonymous
        return False


def wants_json() -> bool:
    return request.path.startswith("/internal/") or request.accept_mimetypes.best == "application/json"


def _error_page(status: int, title: str, message: str) -> Any:
    if wants_json():
        return jsonify({"error": title.lower().replace(" ", "_"), "message": message}), status
    return render_template("common_ui/error.html", status=status, title=title, message=message), status


def _error_handlers(app: Flask) -> None:
    @app.errorhandler(DomainError)
    def domain_error(exc: DomainError) -> Any:
        if wants_json():
            body: dict[str, Any] = {"error": exc.code, "message": exc.message}
            if exc.details:
                body["details"] = exc.details
            return jsonify(body), exc.status
        if request.method == "POST" and request.referrer and not isinstance(exc, PeerUnavailable):
            # A refused action goes back where it came from with the reason shown.
            flash(exc.message, "error")
            return redirect(request.referrer)
        return _error_page(
            exc.status,
            "Service unavailable" if isinstance(exc, PeerUnavailable) else "Something is not right",
            exc.message,
        )

    @app.errorhandler(CSRFError)
    def csrf_error(exc: CSRFError) -> Any:
        return _error_page(
            400,
            "Form expired",
            "This form was missing its security token or it expired. Go back, reload the page and try again.",
        )

    for status, title, message in (
        (400, "Bad request", "The request could not be understood."),
        (403, "Not allowed", "You do not have access to this page."),
        (404, "Page not found", "We could not find that page. Check the address or go back to the start."),
        (405, "Method not allowed", "That action is not available here."),
        (413, "Too large", "The upload is larger than allowed."),
        (429, "Too many requests", "Please slow down and try again in a moment."),
    ):
        app.register_error_handler(status, _make_handler(status, title, message))

    @app.errorhandler(sa.exc.OperationalError)
    def database_down(exc: Exception) -> Any:
        from flask import g
        from flask_login import AnonymousUserMixin

        current_db().session.rollback()
        # The error page must not touch the database again: render it as for an anonymous visitor.
        g._login_user = AnonymousUserMixin()
        errors_log.error("database unavailable", extra={"error": str(exc)[:300]})
        return _error_page(
            503, "Service unavailable", "We cannot reach our database right now. Please try again in a moment."
        )

    @app.errorhandler(500)
    def server_error(exc: Exception) -> Any:
        return _error_page(
            500, "Something went wrong", "An unexpected error happened. It has been logged; please try again."
        )


def _make_handler(status: int, title: str, message: str) -> Any:
    def handler(exc: Exception) -> Any:
        description = getattr(exc, "description", None)
        custom = description if description and not str(description).startswith(("The ", "You don")) else None
        return _error_page(status, title, custom or message)

    return handler


def _health(app: Flask) -> None:
    @app.get("/healthz")
    def healthz() -> Any:
        return {"status": "ok", "service": app.config["SERVICE"]}

    @app.get("/readyz")
    def readyz() -> Any:
        checks: dict[str, Any] = {"service": app.config["SERVICE"]}
        try:
            with current_db().engine.connect() as conn:
                conn.execute(sa.text("SELECT 1"))
                current = migrations.current_revisions(conn)
            checks["database"] = "ok"
            heads = migrations.head_revisions(current_app._get_current_object())
            checks["migrations"] = "ok" if current == heads else "pending"
            checks["revision"] = sorted(current)
        except sa.exc.SQLAlchemyError as exc:
            checks["database"] = "unreachable"
            checks["migrations"] = "unknown"
            errors_log.warning("readiness: database unreachable", extra={"error": str(exc)[:200]})
        ready = checks["database"] == "ok" and checks["migrations"] == "ok"
        checks["status"] = "ready" if ready else "not_ready"
        return jsonify(checks), 200 if ready else 503


def _relay_command() -> click.Command:
    @click.command("relay")
    @click.option("--once", is_flag=True, help="Deliver what is due now and exit.")
    @click.option("--idle-wait", default=5.0, show_default=True, help="Seconds between polls when no NOTIFY comes.")
    def relay(once: bool, idle_wait: float) -> None:
        """Deliver this service's outbox events to their subscribers."""
        app = current_app._get_current_object()
        if once:
            click.echo(f"delivered {outbox.drain()} event(s)")
            return
        import signal

        stopping = {"now": False}

        def stop(*_: Any) -> None:
            stopping["now"] = True

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        logging.getLogger("marketplace.relay").info("relay started", extra={"service": app.config["SERVICE"]})
        metrics.serve_relay_metrics()
        outbox.run_relay(app, idle_wait=idle_wait, stop=lambda: stopping["now"])

    return relay


def safe_next(target: str | None) -> str | None:
    """A post-sign-in redirect target only if it stays on this site (no open redirects)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    return target


def attach_field_error(form: Any, exc: Any) -> None:
    """Show a FieldError next to its field, or at the top of the form when the field is unknown."""
    field = getattr(form, getattr(exc, "field", ""), None)
    if field is not None:
        field.errors = [*field.errors, exc.message]
    else:
        form.form_errors.append(exc.message)
