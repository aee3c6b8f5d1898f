"""How long a vendor's change takes to reach the shop: `.venv/bin/python -m bench.propagation --changes 50`.

Starts the bench PostgreSQL with fresh `bench_prop_vendor` and `bench_prop_storefront` databases, serves
the storefront with gunicorn as `make run` does and runs the vendor portal's relay as a subprocess
(`flask --app vendor_portal relay`). A store is registered, approved and publishes a product through the
vendor portal's own operations. Then, alternately, the vendor adjusts stock (stock.changed) and changes
the price (product.upserted); each change is timed from its commit in the vendor portal to the moment
the storefront's copy shows it (its database polled every 2 ms). Prints p50/p95/max, appends them to
bench/results/<date>.md and stops everything. The admin portal is not started: its deliveries fail
and back off without holding up the storefront's.
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import subprocess
import time
from decimal import Decimal

import sqlalchemy as sa

from bench import harness
from bench.harness import BIN, PROJECT_ROOT, say


def _vendor_store(app):
    """An approved store with one published product; returns (its user's id, product id, variant id)."""
    from vendor_portal.accounts import operations as accounts
    from vendor_portal.catalog import operations as catalog

    db = app.extensions["sqlalchemy"]
    user = accounts.register_vendor("Bench Audio", "Bench Vendor", "bench@example.com", "bench-vendor-pass")
    db.session.flush()
    accounts.change_status(user.vendor, "approved", reason=None, request_id="bench-approve", actor="bench")
    product = catalog.create_product(
        user.vendor,
        title="Bench headphones",
        description="<p>Timed, not sold.</p>",
        price=Decimal("100.00"),
        currency="EUR",
        actor=user,
        initial_stock=500,
    )
    db.session.flush()
    catalog.publish(product, actor=user)
    db.session.commit()
    return user.id, product.id, product.variants[0].id


def run(args: argparse.Namespace) -> None:
    started_db = harness.use_bench_database_server()
    relay = None
    try:
        from common_core import migrations
        from storefront import create_app as storefront_app
        from vendor_portal import create_app as vendor_app

        vendor_url = harness.database_url("bench_prop_vendor", fresh=True)
        shop_url = harness.database_url("bench_prop_storefront", fresh=True)
        shop = storefront_app({"SQLALCHEMY_DATABASE_URI": shop_url})
        migrations.upgrade(shop)
        vendor = vendor_app({"SQLALCHEMY_DATABASE_URI": vendor_url})
        migrations.upgrade(vendor)
        shop_db = shop.extensions["sqlalchemy"]

        env = {
            "STOREFRONT_DATABASE_URL": shop_url,
            "VENDOR_DATABASE_URL": vendor_url,
            "ADMIN_INTERNAL_URL": f"http://127.0.0.1:{harness.free_port()}",  # nobody there
        }
        with harness.gunicorn("storefront:create_app()", env, ready_path="/readyz") as server:
            env["STOREFRONT_INTERNAL_URL"] = server.base_url
            os.environ.update(env)  # the vendor app here and its relay address the storefront alike
            vendor.config["PEERS"] = {**vendor.config["PEERS"], "storefront": server.base_url}
            relay_log = (PROJECT_ROOT / "var" / "bench" / "vendor_relay.log").open("ab")
            relay = subprocess.Popen(
                [str(BIN / "flask"), "--app", "vendor_portal", "relay"],
                env={**os.environ, **env},
                cwd=PROJECT_ROOT,
                stdout=relay_log,
                stderr=relay_log,
                start_new_session=True,
            )
            relay_log.close()
            with vendor.app_context():
                user_id, product_id, variant_id = _vendor_store(vendor)
            wait_for(shop, lambda: _shop_state(shop_db, shop, variant_id) is not None, "the published product")

            stock_times, price_times = [], []
            for n in range(args.changes):
                with vendor.app_context():
                    expected, committed = _change(vendor, user_id, product_id, variant_id, n)
                seen = wait_for(shop, lambda e=expected: _shop_state(shop_db, shop, variant_id) == e, f"change {n}")
                (stock_times if n % 2 == 0 else price_times).append((seen - committed) * 1000)
                time.sleep(args.pause)

        rows = [
            _summary(name, times)
            for name, times in (
                ("stock.changed", stock_times),
                ("product.upserted (price)", price_times),
                ("all", stock_times + price_times),
            )
        ]
        report = harness.table(["change", "n", "p50 ms", "p95 ms", "max ms"], rows)
        print()
        print(report)
        details = (
            f"From the vendor portal's commit to the storefront's copy showing the change; relay woken by "
            f"NOTIFY; storefront under gunicorn ({harness.WORKERS} workers, {harness.THREADS} threads); "
            f"load average {', '.join(f'{x:.1f}' for x in os.getloadavg())}; revision {harness.git_revision()}."
        )
        path = harness.append_results("Event propagation, vendor portal to storefront", f"{details}\n\n{report}")
        say(f"appended to {path.relative_to(PROJECT_ROOT)}")
    finally:
        if relay is not None and relay.poll() is None:
            os.killpg(relay.pid, signal.SIGTERM)
            relay.wait(timeout=15)
        if started_db and not args.keep_db:
            harness.stop_bench_database_server()


def _change(vendor, user_id: int, product_id: int, variant_id: int, n: int) -> tuple[tuple[int, Decimal], float]:
    """Stock on even n, price on odd n; returns the state the shop should reach and the commit time."""
    from vendor_portal.accounts.models import VendorUser
    from vendor_portal.catalog import operations as catalog
    from vendor_portal.catalog.models import Product, Variant
    from vendor_portal.inventory import operations as inventory

    db = vendor.extensions["sqlalchemy"]
    user = db.session.get(VendorUser, user_id)
    product = db.session.get(Product, product_id)
    variant = db.session.get(Variant, variant_id)
    if n % 2 == 0:
        inventory.adjust_stock(variant, -1, reason="damaged", actor=inventory.vendor_actor(user.id))
    else:
        price = Decimal("100.00") + n
        catalog.update_product(
            product, title=product.title, description=product.description, currency=product.currency,
            actor=user, price=price, brand=product.brand,
        )  # fmt: skip
    db.session.commit()
    committed = time.perf_counter()
    db.session.refresh(variant)
    expected = (variant.stock_on_hand - variant.reserved, Decimal(variant.price))
    db.session.remove()
    return expected, committed


def _shop_state(shop_db, shop, variant_id: int) -> tuple[int, Decimal] | None:
    with shop.app_context():
        row = shop_db.session.execute(
            sa.text("SELECT available, price FROM variant WHERE id = :id"), {"id": variant_id}
        ).first()
        shop_db.session.remove()
    return (row.available, Decimal(row.price)) if row else None


def wait_for(shop, condition, what: str, timeout: float = 30.0) -> float:
    deadline = time.perf_counter() + timeout
    while not condition():
        if time.perf_counter() > deadline:
            raise SystemExit(f"the storefront did not show {what} within {timeout:.0f} s")
        time.sleep(0.002)
    return time.perf_counter()


def _summary(name: str, times: list[float]) -> list[str]:
    ordered = sorted(times)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * len(ordered)) - 1)]
    return [name, str(len(ordered)), f"{statistics.median(ordered):.0f}", f"{p95:.0f}", f"{ordered[-1]:.0f}"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--changes", type=int, default=50)
    parser.add_argument("--pause", type=float, default=0.1, help="seconds between changes")
    parser.add_argument("--keep-db", action="store_true")
    run(parser.parse_args())


if __name__ == "__main__":
    main()
