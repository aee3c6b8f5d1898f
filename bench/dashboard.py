"""Analytics pages, one request at a time: `.venv/bin/python -m bench.dashboard --days 90`.

Starts the bench PostgreSQL with fresh `bench_dash_admin` and `bench_dash_vendor` databases and serves
the admin and vendor portals with gunicorn as `make run` does, with both relays. The demo data comes
from the services' own CLIs, as `make run` loads it: `flask --app admin_portal seed-demo` (staff and
categories), then `flask --app vendor_portal seed-demo --products N` (stores, products; their events
reach the admin portal's read models through the vendor relay).

The storefront is not started. What it would send, it is sent here: real, signed events (the
storefront's signature, its envelope and the contract shapes of common_core/contracts.py) POSTed to
each consumer's /internal/events. The admin portal gets customer.registered, and both portals get
order.placed, order.refunded and traffic.batch: ORDERS orders over the DAYS-day period and, because
both pages compare a period with the one before, 80 % as many over the DAYS before it, with the
browsing around them (the demo shop's funnel). The busiest store is vendor@example.com's.

Then, signed in as admin@example.com and vendor@example.com, 200 sequential GETs of each page. Prints
p50/p95/max, appends them to bench/results/<date>.md and stops everything it started.
"""

from __future__ import annotations

import argparse
import bisect
import os
import random
import re
import secrets
import time
import uuid
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from datetime import time as day_time
from decimal import Decimal
from typing import Any

import requests
import sqlalchemy as sa

from bench import harness
from bench.harness import PROJECT_ROOT, say

CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
ADMIN_LOGIN = ("admin@example.com", "admin-demo-pass")  # admin_portal/demo.py
VENDOR_LOGIN = ("vendor@example.com", "vendor-demo-pass")  # vendor_portal/demo.py: Northwind Audio
BUSIEST_WEIGHT = 6  # the signed-in store is this many times as likely to be in an order as another
REFUND_SHARE = 0.03
GUEST_SHARE = 0.35
# Of every 100 visitors, this many reach each step (storefront/demo.py FUNNEL); buyers walk all of it.
FUNNEL = {"product_view": 62, "add_to_cart": 16, "checkout_started": 9, "order_placed": 6}
TRAFFIC_BATCH = 1000  # events per traffic.batch, as the storefront's demo publishes them
CITIES = (("Dublin", "IE", "D02 X285"), ("Berlin", "DE", "10115"), ("Lyon", "FR", "69002"), ("Porto", "PT", "4050"))


@dataclass(frozen=True)
class Offer:
    vendor_id: int
    product_id: int
    variant_id: int
    sku: str
    title: str
    options: dict[str, str]
    price: Decimal
    currency: str


# ---- the events the storefront would send ------------------------------------------------------------


class Events:
    """Signed deliveries to one consumer's /internal/events, as the storefront's relay makes them."""

    def __init__(self, peer: str, base_url: str, secret: str) -> None:
        from common_core.internal.client import InternalClient

        self.peer = peer
        self.client = InternalClient("storefront", peer, base_url, secret, timeout=(2.0, 60.0), retries=0)

    def send(self, event_type: str, data: dict[str, Any], occurred_at: datetime) -> None:
        envelope = {
            "id": str(uuid.uuid4()),
            "type": event_type,
            "version": 1,
            "occurred_at": occurred_at.isoformat(),
            "source": "storefront",
            "request_id": None,
            "data": data,
        }
        answer = self.client.post("/internal/events", envelope)
        if answer.get("status") != "applied":
            raise SystemExit(f"{self.peer} did not apply {event_type}: {answer}")


def deliver(consumers: list[Events], batch: list[tuple[str, dict[str, Any], datetime]], threads: int) -> None:
    """Every event of `batch` to every consumer, `threads` at a time per consumer."""
    with ThreadPoolExecutor(threads * len(consumers)) as pool:
        futures = [pool.submit(c.send, *event) for c in consumers for event in batch]
        for future in futures:
            future.result()


def catalogue(vendor_app) -> tuple[list[Offer], int]:
    """What shoppers could buy (listed products' active variants), and the signed-in store's id."""
    db = vendor_app.extensions["sqlalchemy"]
    with vendor_app.app_context():
        rows = db.session.execute(
            sa.text(
                "SELECT p.vendor_id, p.id AS product_id, v.id AS variant_id, v.sku, p.title, v.options, v.price, "
                "p.currency FROM product p JOIN variant v ON v.product_id = p.id JOIN vendor s ON s.id = p.vendor_id "
                "WHERE p.status = 'active' AND p.hidden_at IS NULL AND s.status = 'approved' AND v.is_active "
                "ORDER BY v.id"
            )
        ).all()
        busiest = db.session.scalar(
            sa.text("SELECT vendor_id FROM vendor_user WHERE email = :email"), {"email": VENDOR_LOGIN[0]}
        )
        db.session.remove()
    offers = [
        Offer(r.vendor_id, r.product_id, r.variant_id, r.sku, r.title, dict(r.options or {}), r.price, r.currency)
        for r in rows
    ]
    return offers, busiest


@dataclass
class History:
    customers: list[tuple[str, dict[str, Any], datetime]]
    orders: list[tuple[str, dict[str, Any], datetime]]
    refunds: list[tuple[str, dict[str, Any], datetime]]
    traffic: list[tuple[str, dict[str, Any], datetime]]
    visitors: int
    busiest_orders: int


def history(offers: list[Offer], busiest: int, *, days: int, orders: int, seed: int) -> History:
    """ORDERS orders over the last DAYS days and 80 % as many over the DAYS before, with their browsing."""
    from storefront.checkout.shipping import shipping_for_part

    rng = random.Random(seed)
    now = datetime.now(UTC)
    today = datetime.combine(now.date(), day_time.min, UTC)
    by_vendor: dict[int, list[Offer]] = defaultdict(list)
    for offer in offers:
        by_vendor[offer.vendor_id].append(offer)
    vendors = sorted(by_vendor)
    weights = [BUSIEST_WEIGHT if v == busiest else 1 for v in vendors]

    def moment(first_day: int, span: int) -> datetime:
        """A time on one of `span` days starting `first_day` days ago (today: not after now)."""
        day = today - timedelta(days=first_day - rng.randrange(span))
        at = day + timedelta(seconds=rng.randrange(86_400))
        return min(at, now - timedelta(seconds=rng.randrange(1, 3600)))

    # Registered customers, signed up before or during the history; the rest order as guests.
    customers = []
    for n in range(max(20, orders // 5)):
        registered = moment(2 * days + 30, 2 * days + 30)
        data = {"customer_id": n + 1, "email": f"customer{n + 1}@bench.example", "name": f"Customer {n + 1}"}
        customers.append(("customer.registered", {**data, "registered_at": registered.isoformat()}, registered))
    customers.sort(key=lambda event: event[2])
    signed_up = [at for _, _, at in customers]
    placed, refunds, journeys = [], [], []
    ordered_before: set[str] = set()
    plan = [moment(days - 1, days) for _ in range(orders)]
    plan += [moment(2 * days - 1, days) for _ in range(orders * 4 // 5)]
    for placed_at in sorted(plan):
        first = rng.choices(vendors, weights)[0]
        currency = by_vendor[first][0].currency
        chosen = [first]
        if rng.random() < 0.3:
            others = [v for v in vendors if v != first and by_vendor[v][0].currency == currency]
            chosen += rng.sample(others, k=min(1, len(others)))
        lines, products = [], []
        for vendor_id in chosen:
            for offer in rng.sample(
                by_vendor[vendor_id], k=min(len(by_vendor[vendor_id]), rng.choice((1, 1, 1, 2, 3)))
            ):
                quantity = rng.choice((1, 1, 1, 2, 2, 3))
                line_total = offer.price * quantity
                lines.append(
                    {
                        "line_id": str(uuid.uuid4()),
                        "vendor_id": offer.vendor_id,
                        "product_id": offer.product_id,
                        "variant_id": offer.variant_id,
                        "sku": offer.sku,
                        "title": offer.title,
                        "options": offer.options,
                        "quantity": quantity,
                        "unit_price": str(offer.price),
                        "line_total": str(line_total),
                    }
                )
                products.append(offer)
        subtotal = sum((Decimal(line["line_total"]) for line in lines), Decimal("0.00"))
        shipping = sum(
            (
                shipping_for_part(
                    "standard", sum((Decimal(x["line_total"]) for x in lines if x["vendor_id"] == v), Decimal(0))
                )
                for v in chosen
            ),
            Decimal("0.00"),
        )
        known = bisect.bisect_left(signed_up, placed_at)  # customers registered before the order
        customer = customers[rng.randrange(known)][1] if known and rng.random() >= GUEST_SHARE else None
        email = customer["email"] if customer else f"guest{rng.randrange(10**6)}@bench.example"
        city, country, postcode = rng.choice(CITIES)
        data = {
            "order_id": str(uuid.uuid4()),
            "number": f"MP-B{len(placed):06d}",
            "placed_at": placed_at.isoformat(),
            "currency": currency,
            "total": str(subtotal + shipping),
            "shipping_total": str(shipping),
            "customer_id": customer["customer_id"] if customer else None,
            "email": email,
            "is_new_customer": email not in ordered_before,
            "shipping_address": {
                "name": "Bench Buyer",
                "line1": "1 Harbour Road",
                "line2": "",
                "city": city,
                "postcode": postcode,
                "country": country,
            },
            "lines": lines,
        }
        ordered_before.add(email)
        placed.append(("order.placed", data, placed_at))
        journeys.append((placed_at, products))
        if rng.random() < REFUND_SHARE:
            line = rng.choice(lines)
            refunded_at = min(now, placed_at + timedelta(days=rng.randint(2, 12)))
            refund = {
                "order_id": data["order_id"],
                "number": data["number"],
                "refund_id": str(uuid.uuid4()),
                "amount": line["line_total"],
                "currency": currency,
                "reason": "Arrived damaged",
                "lines": [{"line_id": line["line_id"], "amount": line["line_total"]}],
            }
            refunds.append(("order.refunded", refund, refunded_at))
    browsed = [offer for vendor, weight in zip(vendors, weights, strict=True) for offer in by_vendor[vendor] * weight]
    traffic, visitors = _traffic(rng, journeys, browsed, days=2 * days, now=now)
    busiest_orders = sum(
        1
        for _, data, at in placed
        if at >= today - timedelta(days=days - 1) and any(x["vendor_id"] == busiest for x in data["lines"])
    )
    return History(customers, placed, refunds, traffic, visitors, busiest_orders)


def _traffic(
    rng: random.Random, journeys: list[tuple[datetime, list[Offer]]], offers: list[Offer], *, days: int, now: datetime
) -> tuple[list[tuple[str, dict[str, Any], datetime]], int]:
    """traffic.batch events: each buyer walks the whole funnel on its day, other visitors stop earlier.

    `offers` is what the other visitors look at (a store's offers repeated as often as it is popular).
    """
    steps = list(FUNNEL)
    events: list[dict[str, Any]] = []

    def visit(at: datetime, depth: str, products: list[Offer]) -> None:
        visitor = f"{rng.getrandbits(128):032x}"
        walked = steps[: steps.index(depth) + 1] if depth else []
        moment = at - timedelta(minutes=5 + 2 * len(walked))
        for _ in range(rng.randint(1, 4)):
            events.append(_view(visitor, "page_view", rng.choice(("/", "/search", "/c/audio")), None, moment))
        for step in walked:
            for offer in products if step in ("product_view", "add_to_cart") else products[:1]:
                path = f"/p/{offer.product_id}" if step == "product_view" else "/checkout"
                events.append(_view(visitor, step, path, offer, moment))
            moment += timedelta(minutes=2)

    for placed_at, products in journeys:
        visit(placed_at, "order_placed", products)
    buyers = len(journeys)
    others = buyers * 100 // FUNNEL["order_placed"] - buyers
    shares = [(step, FUNNEL[step] - FUNNEL[steps[i + 1]]) for i, step in enumerate(steps[:-1])]
    shares.append(("", 100 - FUNNEL["product_view"]))
    for _ in range(others):
        at = min(now, now - timedelta(days=days * rng.random(), minutes=rng.randint(0, 600)))
        depth = rng.choices([s for s, _ in shares], [w for _, w in shares])[0]
        visit(
            at,
            depth,
            list({offer.variant_id: offer for offer in rng.choices(offers, k=rng.choice((1, 1, 2)))}.values()),
        )
    events.sort(key=lambda event: event["at"])
    batches = []
    for start in range(0, len(events), TRAFFIC_BATCH):
        chunk = events[start : start + TRAFFIC_BATCH]
        published = datetime.fromisoformat(chunk[-1]["at"]) + timedelta(seconds=1)
        batches.append(("traffic.batch", {"events": chunk}, min(now, published)))
    return batches, buyers + others


def _view(visitor: str, kind: str, path: str, offer: Offer | None, at: datetime) -> dict[str, Any]:
    return {
        "kind": kind,
        "visitor": visitor,
        "at": at.isoformat(),
        "path": path,
        "product_id": offer.product_id if offer else None,
        "vendor_id": offer.vendor_id if offer else None,
    }


# ---- signing in and timing ----------------------------------------------------------------------------


def signed_in(base_url: str, path: str, login: tuple[str, str]) -> requests.Session:
    session = requests.Session()
    page = session.get(base_url + path, timeout=30)
    token = CSRF_RE.search(page.text)
    if page.status_code != 200 or not token:
        raise SystemExit(f"no sign-in form at {base_url}{path} ({page.status_code})")
    answer = session.post(
        base_url + path,
        data={"email": login[0], "password": login[1], "csrf_token": token.group(1), "next": ""},
        allow_redirects=False,
        timeout=30,
    )
    if answer.status_code not in (302, 303):
        raise SystemExit(f"signing in as {login[0]} failed ({answer.status_code})")
    return session


def timed(session: requests.Session, url: str, count: int, must_show: str) -> harness.SingleResult:
    result = harness.sequential(url, count, session=session, follow_redirects=False)
    page = session.get(url, timeout=30)
    if result.status != 200 or must_show not in page.text:
        raise SystemExit(f"{url} answered {result.status} without {must_show!r}: not the page meant to be timed")
    return result


def analyse(app, statements: str) -> None:
    db = app.extensions["sqlalchemy"]
    with app.app_context():
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql(statements)
        db.engine.dispose()


# ---- the run ----------------------------------------------------------------------------------------


def run(args: argparse.Namespace) -> None:
    started_db = harness.use_bench_database_server()
    try:
        from admin_portal import create_app as admin_app
        from common_core import migrations
        from vendor_portal import create_app as vendor_app

        admin_port, vendor_port = harness.free_port(), harness.free_port()
        env = {
            "ADMIN_DATABASE_URL": harness.database_url("bench_dash_admin", fresh=True),
            "VENDOR_DATABASE_URL": harness.database_url("bench_dash_vendor", fresh=True),
            "ADMIN_INTERNAL_URL": f"http://127.0.0.1:{admin_port}",
            "VENDOR_INTERNAL_URL": f"http://127.0.0.1:{vendor_port}",
            "STOREFRONT_INTERNAL_URL": f"http://127.0.0.1:{harness.free_port()}",  # nobody there: events wait
            "MARKETPLACE_ENV": args.env,
            **{f"INTERNAL_SECRET_{prefix}": secrets.token_hex(32) for prefix in ("STOREFRONT", "VENDOR", "ADMIN")},
        }
        os.environ.update(env)
        admin = admin_app({"SQLALCHEMY_DATABASE_URI": env["ADMIN_DATABASE_URL"]})
        vendor = vendor_app({"SQLALCHEMY_DATABASE_URI": env["VENDOR_DATABASE_URL"]})
        migrations.upgrade(admin)
        migrations.upgrade(vendor)

        started = time.monotonic()
        say(harness.flask_command("admin_portal", "seed-demo", env=env).strip())
        with (
            harness.gunicorn("admin_portal:create_app()", env, ready_path="/readyz", port=admin_port) as admin_server,
            harness.gunicorn(
                "vendor_portal:create_app()", env, ready_path="/readyz", port=vendor_port
            ) as vendor_server,
        ):
            with harness.relay("admin_portal", env), harness.relay("vendor_portal", env):
                harness.wait_for_outboxes([admin], ("vendor_portal",), "categories", timeout=180.0, every=0.3)
                output = harness.flask_command(
                    "vendor_portal",
                    "seed-demo",
                    "--products",
                    str(args.products),
                    "--wait-for-categories",
                    "30",
                    env=env,
                )
                say(output.strip().splitlines()[-1])
                harness.wait_for_outboxes([vendor], ("admin_portal",), "stores and products", timeout=180.0, every=0.3)
            say(f"demo staff, categories, stores and products in both portals after {time.monotonic() - started:.0f} s")

            offers, busiest = catalogue(vendor)
            past = history(offers, busiest, days=args.days, orders=args.orders, seed=args.seed)
            started = time.monotonic()
            to_admin = Events("admin_portal", admin_server.base_url, env["INTERNAL_SECRET_STOREFRONT"])
            to_vendor = Events("vendor_portal", vendor_server.base_url, env["INTERNAL_SECRET_STOREFRONT"])
            deliver([to_admin], past.customers, args.threads)
            deliver([to_admin, to_vendor], past.orders, args.threads)
            deliver([to_admin, to_vendor], past.refunds, args.threads)
            took = time.monotonic() - started
            say(f"{len(past.orders):,} orders, {len(past.refunds)} refunds delivered ({took:.0f} s)")
            deliver([to_admin, to_vendor], past.traffic, args.threads)
            say(
                f"{past.visitors:,} visits in {len(past.traffic)} traffic batches delivered "
                f"({time.monotonic() - started:.0f} s in all)"
            )
            analyse(admin, "ANALYZE")  # as autovacuum would after such a load
            analyse(vendor, "ANALYZE")

            admin_session = signed_in(admin_server.base_url, "/signin", ADMIN_LOGIN)
            vendor_session = signed_in(vendor_server.base_url, "/account/signin", VENDOR_LOGIN)
            store = _store_name(vendor, busiest)
            pages = [
                ("admin dashboard", admin_session, admin_server.base_url, f"/?period={args.days}", store),
                (
                    "vendor analytics",
                    vendor_session,
                    vendor_server.base_url,
                    f"/analytics?days={args.days}",
                    "Day by day",
                ),
            ]
            if args.days != 30:
                pages += [
                    ("admin dashboard", admin_session, admin_server.base_url, "/?period=30", store),
                    ("vendor analytics", vendor_session, vendor_server.base_url, "/analytics?days=30", "Day by day"),
                ]
            rows = []
            for name, session, base, path, must_show in pages:
                say(f"{name} {path}: {args.single} sequential requests")
                result = timed(session, base + path, args.single, must_show)
                rows.append(
                    [
                        f"{name} `{path}`",
                        f"{result.p50:.1f}",
                        f"{result.p95:.1f}",
                        f"{result.max:.1f}",
                        f"{result.size / 1024:.0f} KiB",
                    ]
                )

        report = harness.table(["page", "p50 ms", "p95 ms", "max ms", "size"], rows)
        in_period = sum(1 for _, _, at in past.orders if at.date() > datetime.now(UTC).date() - timedelta(args.days))
        load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
        details = (
            f"{in_period:,} orders in the {args.days} days ({len(past.orders):,} with the period before), "
            f"{len(past.refunds)} refunds, {past.visitors:,} visits, {len(offers)} variants on sale; the vendor "
            f"page is {store}'s ({past.busiest_orders:,} of the period's orders). {args.single} sequential "
            f"requests per page, signed in, after one untimed; admin and vendor portals under gunicorn "
            f"({harness.WORKERS} workers, {harness.THREADS} threads), relays stopped; MARKETPLACE_ENV={args.env}; "
            f"load average at the end {load}; revision {harness.git_revision()}; {harness.machine()}."
        )
        title = f"Analytics pages, {args.days} days" + (f": {args.label}" if args.label else "")
        print()
        print(report)
        path = harness.append_results(title, f"{details}\n\n{report}")
        say(f"appended to {path.relative_to(PROJECT_ROOT)}")
    finally:
        if started_db and not args.keep_db:
            harness.stop_bench_database_server()


def _store_name(vendor_app, vendor_id: int) -> str:
    db = vendor_app.extensions["sqlalchemy"]
    with vendor_app.app_context():
        name = db.session.scalar(sa.text("SELECT store_name FROM vendor WHERE id = :id"), {"id": vendor_id})
        db.session.remove()
    return name


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--days", type=int, default=90, choices=(7, 30, 90), help="the period timed (both pages)")
    parser.add_argument("--orders", type=int, default=1500, help="orders placed in the period")
    parser.add_argument("--products", type=int, default=150, help="demo products in the vendor portal")
    parser.add_argument("--single", type=int, default=200, help="sequential requests per page")
    parser.add_argument("--threads", type=int, default=4, help="concurrent event deliveries per portal")
    parser.add_argument("--seed", type=int, default=90, help="random seed of the history")
    parser.add_argument("--env", default="development", help="MARKETPLACE_ENV of the servers, as make run sets it")
    parser.add_argument("--label", default="", help="a note for the results section (what changed)")
    parser.add_argument("--keep-db", action="store_true", help="leave the bench PostgreSQL running afterwards")
    run(parser.parse_args())


if __name__ == "__main__":
    main()
