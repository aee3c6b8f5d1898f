"""Vendor portal commands: `flask --app vendor_portal <command>`."""

from __future__ import annotations

import click
from flask import Flask


def init_app(app: Flask) -> None:
    @app.cli.command("seed-demo")
    def seed_demo() -> None:
        """Load the demo vendors and products (idempotent: existing rows are kept)."""
        from vendor_portal.demo import seed

        created = seed()
        click.echo(f"vendor_portal demo data: {created}")
