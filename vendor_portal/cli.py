"""Vendor portal commands: `flask --app vendor_portal <command>`."""

from __future__ import annotations

import time

import click
from flask import Flask


def init_app(app: Flask) -> None:
    wait_option = click.option(
        "--wait-for-categories",
        default=0.0,
        show_default=True,
        type=click.FloatRange(0, 300),
        help="Seconds to wait for admin_portal's categories to arrive (by event) before going without.",
    )

    @app.cli.command("seed-demo")
    @click.option("--products", default=600, show_default=True, type=click.IntRange(0, 5000), help="How many.")
    @wait_option
    def seed_demo(products: int, wait_for_categories: float) -> None:
        """Load the demo stores and products (idempotent: existing rows are kept)."""
        from vendor_portal.demo import seed

        started = time.monotonic()
        result = seed(products, wait_for_categories=wait_for_categories, say=lambda line: click.echo(f"  {line}"))
        click.echo(f"vendor_portal demo data: {result} ({time.monotonic() - started:.0f} s)")

    @app.cli.command("seed-demo-fulfilment")
    @click.option(
        "--wait-for-orders",
        default=0.0,
        show_default=True,
        type=click.FloatRange(0, 600),
        help="Seconds to wait for the storefront's past demo orders to arrive (by event) and settle.",
    )
    def seed_demo_fulfilment(wait_for_orders: float) -> None:
        """Move the demo stores' past orders on as far as their age says (idempotent)."""
        from vendor_portal import demo

        if wait_for_orders:
            click.echo(f"  orders: {demo.wait_for_orders(wait_for_orders)} store parts")
        click.echo(f"vendor_portal demo data: {demo.seed_fulfilment(say=lambda line: click.echo(f'  {line}'))}")

    @app.cli.command("assign-demo-categories")
    @wait_option
    def assign_demo_categories(wait_for_categories: float) -> None:
        """File the demo products in the categories replicated from admin_portal, and republish them."""
        from vendor_portal.demo import assign_demo_categories

        result = assign_demo_categories(wait_for_categories=wait_for_categories)
        click.echo(f"vendor_portal demo data: {result}")
