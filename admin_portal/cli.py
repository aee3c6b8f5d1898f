"""Commands: `flask --app admin_portal <command>`."""

from __future__ import annotations

import click
from flask import Flask, current_app

from admin_portal.extensions import db
from admin_portal.staff import operations
from admin_portal.staff.models import STAFF_ROLES
from admin_portal.staff.queries import staff_by_email
from common_core import migrations
from common_core.db import current_db
from common_core.errors import FieldError


def init_app(app: Flask) -> None:
    @app.cli.command("create-admin")
    @click.argument("email")
    @click.option("--name", help="Full name shown to other staff (default: the part of EMAIL before the @).")
    @click.option("--role", type=click.Choice(STAFF_ROLES), default="owner", show_default=True)
    def create_admin(email: str, name: str | None, role: str) -> None:
        """Create a staff account that can sign in to the admin portal (the first owner, usually)."""
        _require_migrated()
        try:
            email = operations.check_new_email(email)  # before asking for a password that would be wasted
        except FieldError as exc:
            raise click.ClickException(f"{exc.message} Nothing was changed.") from None
        password = click.prompt("Password", hide_input=True, confirmation_prompt="Repeat the password")
        try:
            staff = operations.create_staff(email, name or email.split("@", 1)[0], role, password, actor=None)
        except FieldError as exc:
            raise click.ClickException(f"Invalid {exc.field}: {exc.message}") from None
        db.session.commit()
        click.echo(f"Created {staff.role_label.lower()} {staff.email}. They can sign in now.")

    @app.cli.command("reset-two-factor")
    @click.argument("email")
    def reset_two_factor(email: str) -> None:
        """Turn off two-factor sign-in for a staff member who lost their device (they sign in with the password)."""
        from admin_portal.account.operations import reset_two_factor as reset

        _require_migrated()
        staff = staff_by_email(email)
        if staff is None:
            raise click.ClickException(f"No staff account has the email {email}. Nothing was changed.")
        if not reset(staff, actor=None):
            click.echo(f"{staff.email} has no two-factor sign-in; nothing was changed.")
            return
        db.session.commit()
        click.echo(f"Two-factor sign-in is off for {staff.email}. Ask them to set it up again after signing in.")

    @app.cli.command("seed-demo")
    def seed_demo() -> None:
        """Load the demo staff (one per role) and category tree (idempotent: existing rows are kept)."""
        from admin_portal.demo import seed

        _require_migrated()
        click.echo(f"admin_portal demo data: {seed()}")


def _require_migrated() -> None:
    """Refuse clearly, instead of with an SQL error, when the database is behind the code."""
    with current_db().engine.connect() as conn:
        current = migrations.current_revisions(conn)
    if current != migrations.head_revisions(current_app._get_current_object()):
        raise click.ClickException(
            "The admin database is not up to date. Run `flask --app admin_portal db upgrade` first."
        )
