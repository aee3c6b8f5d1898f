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
        """Load the past demo orders, with the browsing around them, from the catalogue copy (idempotent)."""
        from storefront import demo

        if wait_for_catalogue:
            click.echo(f"  catalogue copy: {demo.wait_for_catalogue(wait_for_catalogue)} listed products")
        click.echo(f"storefront demo orders: {demo.seed_orders(count)}")

    @app.cli.command("seed-demo-reviews")
    @click.option(
        "--wait-for-deliveries",
        default=0.0,
        show_default=True,
        type=click.FloatRange(0, 600),
        help="Seconds to wait for the stores' fulfilment of the past orders to arrive (by event) and settle.",
    )
    def seed_demo_reviews(wait_for_deliveries: float) -> None:
        """Reviews from demo customers of some of what was delivered to them (idempotent)."""
        from storefront import demo

        if wait_for_deliveries:
            click.echo(f"  delivered parts: {demo.wait_for_deliveries(wait_for_deliveries)}")
        click.echo(f"storefront demo reviews: {demo.seed_demo_reviews()}")
