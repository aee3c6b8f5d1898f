"""Storefront commands: `flask --app storefront <command>`."""

from __future__ import annotations

import click
from flask import Flask


def init_app(app: Flask) -> None:
    @app.cli.command("seed-demo")
    def seed_demo() -> None:
        """Load the demo customers (idempotent: existing rows are kept); seed-demo-orders adds their orders."""
        from storefront.demo import seed

        click.echo(f"storefront demo data: {seed()}")

    @app.cli.command("seed-demo-orders")
    @click.option("--count", default=1500, show_default=True, help="How many past orders in all.")
    @click.option(
        "--wait-for-catalogue",
        default=0.0,
        show_default=True,
        type=click.FloatRange(0, 600),
        help="Seconds to wait for the vendor portal's products to arrive (by event) and settle.",
    )
    def seed_demo_orders(count: int, wait_for_catalogue: float) -> None:
        """Load the past demo orders once the catalogue copy has products, then their reviews (idempotent)."""
        from storefront.demo import seed_demo_reviews, seed_orders
        from storefront.demo import wait_for_catalogue as wait

        if wait_for_catalogue:
            click.echo(f"  catalogue copy: {wait(wait_for_catalogue)} listed products")
        click.echo(f"storefront demo orders: {seed_orders(count)}; {seed_demo_reviews()}")
