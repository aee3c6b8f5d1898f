"""Storefront commands: `flask --app storefront <command>`."""

from __future__ import annotations

import click
from flask import Flask


def init_app(app: Flask) -> None:
    @app.cli.command("seed-demo")
    def seed_demo() -> None:
        """Load the demo customers (idempotent: existing rows are kept)."""
        from storefront.demo import seed

        created = seed()
        click.echo(f"storefront demo data: {created}")
