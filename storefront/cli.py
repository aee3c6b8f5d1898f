"""Storefront commands: `flask --app storefront <command>`."""

from __future__ import annotations

import click
from flask import Flask


def init_app(app: Flask) -> None:
    @app.cli.command("seed-demo")
    def seed_demo() -> None:
        """Load the demo customers and past orders (idempotent: existing rows are kept)."""
        from storefront.demo import seed

        click.echo(f"storefront demo data: {seed()}")

    @app.cli.command("seed-demo-orders")
    @click.option("--count", default=1500, show_default=True, help="How many past orders in all.")
    def seed_demo_orders(count: int) -> None:
        """Load the past demo orders once the catalogue copy has products (idempotent)."""
        from storefront.demo import seed_orders

        click.echo(f"storefront demo orders: {seed_orders(count)}")
