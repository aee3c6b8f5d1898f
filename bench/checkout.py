"""Checkout under concurrent buyers: `.venv/bin/python -m bench.checkout --buyers 16 --orders 400`.

Starts the bench PostgreSQL with fresh `bench_checkout_vendor` and `bench_checkout_storefront`
databases, serves the storefront and the vendor portal with gunicorn as `make run` does (each knowing
the other's address and sharing this run's INTERNAL_SECRET_*), and runs both relays. Stores and
products are made through the vendor portal's own operations; the vendor relay publishes them to the
storefront's copy. A few variants are scarce (20 units each) so buyers race for them.

First a warm-up of WARMUP attempts on plentiful products, not counted, so the servers are measured as
a running shop has them (templates compiled, pooled connections open), and the relays catch up. Then
BUYERS threads, each a guest browser without JavaScript (a kept HTTP/1.1 connection with its own
cookie jar, cleared for every new shopper), make ORDERS checkout attempts in all: product page, POST
/cart/add with its CSRF token, GET /checkout, POST /checkout with the form, and the confirmation page a
303 leads to. Afterwards the storefront's orders and the vendor portal's stock are compared: oversell is
the units in placed orders beyond a variant's stock (must be 0). The admin portal is not started: its
deliveries wait in the outboxes. Prints a table, appends it to bench/results/<date>.md and stops
everything it started.
"""

from __future__ import annotations

import argparse
import dataclasses
import http.client
import os
import random
import re
import secrets
import shutil
import statistics
import tempfile
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from decimal import Decimal
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import urlencode, urlsplit

import requests
import sqlalchemy as sa

from bench import harness
from bench.harness import PROJECT_ROOT, say

CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
KEY_RE = re.compile(r'name="checkout_key"[^>]*value="([^"]+)"')
DONE_RE = re.compile(r"/checkout/done/MP-[A-Z0-9]+$")
# The shopper of tests/storefront/checkout_fixtures.py, with the test provider's approved card.
ADDRESS = {
    "name": "Grace Hopper",
    "line1": "1 Harbour Road",
    "line2": "Flat 2",
    "city": "Dublin",
    "postcode": "D02 X285",
    "country": "IE",
}
CARD = {"card_number": "4242 4242 4242 4242", "card_expiry": "12/39", "card_cvc": "737", "card_name": "GRACE HOPPER"}
STORES = ("Harbour Audio", "Linden Kitchen", "Ridge Outfitters", "Quill Books")
NOUNS = ("headphones", "kettle", "tent", "novel", "speaker", "skillet", "backpack", "notebook", "lamp", "mug")
PLENTY = 100_000  # the stock of an ordinary variant: never the limit
# A buyer who finds the item gone: the product page refuses the add (the shop's copy shows none left),
# the checkout page sends the cart back, or the vendor portal refuses the reservation (409).
OUT_OF_STOCK = ("sold out on the product page", "sold out when checkout opened", "refused at checkout: out of stock")


@dataclass(frozen=True)
class Item:
    product_id: int
    variant_id: int
    stock: int
    path: str = ""  # the product page's canonical address (/p/<id>-<slug>), as the shop's links give it

    @property
    def scarce(self) -> bool:
        return self.stock < PLENTY


@dataclass
class Answer:
    status_code: int
    headers: http.client.HTTPMessage
    text: str


class Browser:
    """A guest's browser without JavaScript: one kept connection, a cookie jar, no redirects followed.

    Plain http.client rather than requests: the buyers share the two cores with the servers they
    measure, and requests' machinery cost each attempt about as much CPU as one of the pages it loads.
    """

    def __init__(self, base: str, timeout: float = 60) -> None:
        address = urlsplit(base)
        self.connection = http.client.HTTPConnection(address.hostname, address.port, timeout=timeout)
        self.cookies: dict[str, str] = {}

    def get(self, path: str) -> Answer:
        return self._send("GET", path)

    def post(self, path: str, form: dict[str, Any]) -> Answer:
        return self._send("POST", path, urlencode(form).encode(), {"Content-Type": "application/x-www-form-urlencoded"})

    def _send(self, method: str, path: str, body: bytes | None = None, headers: dict[str, str] | None = None) -> Answer:
        headers = dict(headers or {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        self.connection.request(method, path, body=body, headers=headers)
        response = self.connection.getresponse()
        text = response.read().decode()
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                if not morsel.value or morsel["max-age"] == "0":  # the server deleting it
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value
        return Answer(response.status, response.headers, text)

    def close(self) -> None:
        self.connection.close()


@dataclass
class Tally:
    """What the buyers saw, added up under a lock."""

    outcomes: Counter[str] = field(default_factory=Counter)
    post_ms: list[float] = field(default_factory=list)  # POST /checkout, placed or refused
    steps: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))  # every request, by step
    examples: dict[str, str] = field(default_factory=dict)  # one detail per kind of error
    lock: threading.Lock = field(default_factory=threading.Lock)

    def timed(self, step: str, request: Callable[[], Answer]) -> Answer:
        started = time.perf_counter()
        response = request()  # read whole, as a browser waits for it
        elapsed = (time.perf_counter() - started) * 1000
        with self.lock:
            self.steps[step].append(elapsed)
        return response

    def add(self, outcome: str, post_ms: float | None = None, detail: str = "") -> None:
        with self.lock:
            self.outcomes[outcome] += 1
            if post_ms is not None:
                self.post_ms.append(post_ms)
            if detail and outcome.startswith("error"):
                self.examples.setdefault(outcome, detail)


# ---- the catalogue --------------------------------------------------------------------------------


def seed_catalogue(vendor_app, products: int, scarce: int, scarce_stock: int) -> list[Item]:
    """Approved stores and published one-variant products, through the vendor portal's operations."""
    from vendor_portal.accounts import operations as accounts
    from vendor_portal.catalog import operations as catalog

    db = vendor_app.extensions["sqlalchemy"]
    items = []
    with vendor_app.app_context():
        owners = []
        for n, name in enumerate(STORES):
            user = accounts.register_vendor(name, "Bench Vendor", f"checkout{n}@bench.example", "bench-vendor-pass")
            db.session.flush()
            accounts.change_status(user.vendor, "approved", reason=None, request_id=f"bench-approve-{n}", actor="bench")
            owners.append(user)
        db.session.commit()
        for n in range(products):
            owner = owners[n % len(owners)]
            stock = scarce_stock if n < scarce else PLENTY
            product = catalog.create_product(
                owner.vendor,
                title=f"{'Limited' if n < scarce else 'Everyday'} {NOUNS[n % len(NOUNS)]} No. {n + 1}",
                description="<p>Bought by the checkout benchmark.</p>",
                price=Decimal(12 + (n * 37) % 90) - Decimal("0.01"),
                currency="EUR",
                sku=f"BENCH-{n + 1:04d}",
                actor=owner,
                initial_stock=stock,
            )
            db.session.flush()
            catalog.publish(product, actor=owner)
            db.session.commit()
            items.append(Item(product.id, product.variants[0].id, stock))
        db.session.remove()
    return items


def wait_for_copy(shop_app, items: list[Item], timeout: float = 120.0) -> float:
    """Wait until the storefront's copy lists every product in stock; returns the seconds waited."""
    db = shop_app.extensions["sqlalchemy"]
    started = time.monotonic()
    wanted = {item.variant_id for item in items}
    while True:
        with shop_app.app_context():
            ready = db.session.scalar(
                sa.text(
                    "SELECT count(*) FROM variant v JOIN product p ON p.id = v.product_id "
                    "WHERE p.listed AND v.available > 0 AND v.id = ANY(:ids)"
                ),
                {"ids": list(wanted)},
            )
            db.session.remove()
        if ready == len(wanted):
            return time.monotonic() - started
        if time.monotonic() - started > timeout:
            raise SystemExit(f"the storefront's copy has {ready} of {len(wanted)} products after {timeout:.0f} s")
        time.sleep(0.2)


def with_paths(base: str, items: list[Item]) -> list[Item]:
    """The items with their product page's canonical address (/p/<id> redirects there), as listings link it."""
    found = []
    with requests.Session() as session:
        for item in items:
            answer = session.get(f"{base}/p/{item.product_id}", allow_redirects=False, timeout=30)
            path = answer.headers.get("Location", "") if answer.status_code in (301, 302, 308) else ""
            found.append(dataclasses.replace(item, path=path.split("?")[0] or f"/p/{item.product_id}"))
    return found


# ---- a buyer ----------------------------------------------------------------------------------------


def shop_once(browser: Browser, item: Item, n: int, tally: Tally) -> None:
    """One guest's checkout of one unit of `item`, as a browser without JavaScript makes it."""
    browser.cookies.clear()  # a new shopper: a new guest cart (the connection is kept)
    page = tally.timed("GET product page", lambda: browser.get(f"{item.path}?variant={item.variant_id}"))
    token = CSRF_RE.search(page.text)
    if page.status_code == 200 and not token and _says_sold_out(page.text):
        return tally.add(OUT_OF_STOCK[0])  # no add-to-cart form
    if page.status_code != 200 or not token:
        return tally.add("error: product page", detail=f"{page.status_code} {item.path}")
    form = {"variant_id": item.variant_id, "quantity": 1, "csrf_token": token.group(1)}
    added = tally.timed("POST /cart/add", lambda: browser.post("/cart/add", form))
    if added.status_code == 422:
        sold_out = _says_sold_out(added.text)
        return tally.add(OUT_OF_STOCK[0] if sold_out else "error: add refused", detail=added.text[:300])
    if added.status_code != 303:
        return tally.add("error: add to cart", detail=f"{added.status_code} {added.text[:200]}")
    page = tally.timed("GET /checkout", lambda: browser.get("/checkout"))
    if page.status_code == 303:
        return tally.add(OUT_OF_STOCK[1])  # the cart page says why (stock went meanwhile)
    token, key = CSRF_RE.search(page.text), KEY_RE.search(page.text)
    if page.status_code != 200 or not token or not key:
        return tally.add("error: checkout page", detail=f"{page.status_code} {page.text[:200]}")
    data = {
        "csrf_token": token.group(1),
        "checkout_key": key.group(1),
        "email": f"buyer{n}@bench.example",
        **ADDRESS,
        "shipping_method": "standard",
        **CARD,
    }
    started = time.perf_counter()
    placed = tally.timed("POST /checkout", lambda: browser.post("/checkout", data))
    elapsed = (time.perf_counter() - started) * 1000
    location = placed.headers.get("Location", "")
    if placed.status_code == 303 and DONE_RE.search(location):
        path = urlsplit(location).path
        confirmation = tally.timed("GET confirmation", lambda: browser.get(path))
        if confirmation.status_code != 200:
            return tally.add("error: confirmation page", elapsed, f"{confirmation.status_code}")
        return tally.add("placed", elapsed)
    if placed.status_code == 409:
        sold_out = _says_sold_out(placed.text)
        outcome = OUT_OF_STOCK[2] if sold_out else "error: refused at checkout, not for stock"
        return tally.add(outcome, elapsed, placed.text[:300])
    return tally.add(f"error: checkout {placed.status_code}", elapsed, placed.text[:300])


def _says_sold_out(html: str) -> bool:
    text = html.lower()
    return "sold out" in text or "out of stock" in text or "are left" in text


def buyer(base: str, queue: list[tuple[int, Item]], lock: threading.Lock, tally: Tally) -> None:
    browser = Browser(base)
    try:
        while True:
            with lock:
                if not queue:
                    return
                n, item = queue.pop()
            try:
                shop_once(browser, item, n, tally)
            except (OSError, http.client.HTTPException) as exc:
                tally.add(f"error: {type(exc).__name__}", detail=str(exc)[:300])
                browser.close()  # http.client reconnects on the next request
    finally:
        browser.close()


def run_buyers(base: str, queue: list[tuple[int, Item]], buyers: int, tally: Tally) -> None:
    lock = threading.Lock()
    with ThreadPoolExecutor(buyers) as pool:
        for future in [pool.submit(buyer, base, queue, lock, tally) for _ in range(buyers)]:
            future.result()


def attempts(items: list[Item], orders: int, scarce_share: float, seed: int) -> list[tuple[int, Item]]:
    """ORDERS (attempt number, item) pairs: a scarce item with probability scarce_share, else any other."""
    rng = random.Random(seed)
    scarce = [item for item in items if item.scarce]
    plenty = [item for item in items if not item.scarce]
    return [
        (n, rng.choice(scarce) if scarce and rng.random() < scarce_share else rng.choice(plenty)) for n in range(orders)
    ][::-1]  # popped from the end: attempt 0 first


# ---- afterwards -------------------------------------------------------------------------------------


def stock_news(vendor_app, since: float, timeout: float = 120.0) -> dict[str, str]:
    """How far the storefront's copy of the stock lagged: stock.changed deliveries queued when the last
    buyer finished, how long the vendor relay took to catch up, and each one's delay from commit to delivery.
    """
    db = vendor_app.extensions["sqlalchemy"]

    def one(query: str) -> list[sa.Row]:
        with vendor_app.app_context():
            found = db.session.execute(sa.text(query), {"since": since}).all()
            db.session.remove()
        return found

    pending = (
        "SELECT count(*) FROM outbox_delivery d JOIN outbox_event e ON e.id = d.event_id "
        "WHERE d.subscriber = 'storefront' AND d.status = 'pending' AND e.type = 'stock.changed'"
    )
    queued = one(pending)[0][0]
    started = time.monotonic()
    while one(pending)[0][0] and time.monotonic() - started < timeout:
        time.sleep(0.2)
    caught_up = time.monotonic() - started
    delays = sorted(
        row[0]
        for row in one(
            "SELECT extract(epoch FROM d.delivered_at - e.occurred_at) * 1000 FROM outbox_delivery d "
            "JOIN outbox_event e ON e.id = d.event_id WHERE d.subscriber = 'storefront' "
            "AND d.status = 'delivered' AND e.type = 'stock.changed' AND e.occurred_at >= to_timestamp(:since)"
        )
    )
    if not delays:
        return {"queued": str(queued), "caught up": "-", "delays": "none delivered"}
    return {
        "queued": str(queued),
        "caught up": f"{caught_up:.1f} s",
        "delays": f"{len(delays)} events, p50 {statistics.median(delays):.0f} ms, "
        f"p95 {harness.percentile(delays, 0.95):.0f} ms, max {delays[-1]:.0f} ms",
    }


def audit(shop_app, vendor_app, items: list[Item]) -> dict[str, Any]:
    """Compare the shop's placed orders with the vendor portal's stock: oversell, holds left, mismatches."""

    def rows(app, query: str) -> list[sa.Row]:
        db = app.extensions["sqlalchemy"]
        with app.app_context():
            found = db.session.execute(sa.text(query)).all()
            db.session.remove()
        return found

    sold = dict(
        rows(
            shop_app,
            "SELECT l.variant_id, sum(l.quantity) FROM order_line l JOIN orders o ON o.id = l.order_id "
            "WHERE o.status NOT IN ('pending', 'failed') GROUP BY l.variant_id",
        )
    )
    stock = {row.id: row for row in rows(vendor_app, "SELECT id, stock_on_hand, reserved FROM variant")}
    statuses = dict(rows(shop_app, "SELECT status, count(*) FROM orders GROUP BY status"))
    reasons = dict(
        rows(
            shop_app,
            "SELECT e.note, count(*) FROM order_event e JOIN orders o ON o.id = e.order_id "
            "WHERE o.status = 'failed' AND e.status = 'failed' GROUP BY e.note",
        )
    )
    commit_pending = rows(shop_app, "SELECT count(*) FROM order_event WHERE status = 'commit_pending'")[0][0]
    oversell = sum(max(0, sold.get(item.variant_id, 0) - item.stock) for item in items)
    committed = sum(item.stock - stock[item.variant_id].stock_on_hand for item in items)
    return {
        "oversell": oversell,
        "scarce sold": sum(sold.get(item.variant_id, 0) for item in items if item.scarce),
        "scarce stock": sum(item.stock for item in items if item.scarce),
        "units placed": sum(sold.values()),
        "units committed": committed,
        "held": sum(stock[item.variant_id].reserved for item in items),
        "commit pending": commit_pending,
        "orders": ", ".join(f"{status} {count}" for status, count in sorted(statuses.items())),
        "refusals": ", ".join(f"{note} {count}" for note, count in sorted(reasons.items(), key=str)) or "none",
    }


# ---- the run ----------------------------------------------------------------------------------------


def run(args: argparse.Namespace) -> None:
    started_db = harness.use_bench_database_server()
    mail_dir = tempfile.mkdtemp(prefix="bench-checkout-mail-")
    try:
        from common_core import migrations
        from storefront import create_app as storefront_app
        from vendor_portal import create_app as vendor_app

        shop_port, vendor_port = harness.free_port(), harness.free_port()
        env = {
            "STOREFRONT_DATABASE_URL": harness.database_url("bench_checkout_storefront", fresh=True),
            "VENDOR_DATABASE_URL": harness.database_url("bench_checkout_vendor", fresh=True),
            "STOREFRONT_INTERNAL_URL": f"http://127.0.0.1:{shop_port}",
            "VENDOR_INTERNAL_URL": f"http://127.0.0.1:{vendor_port}",
            "ADMIN_INTERNAL_URL": f"http://127.0.0.1:{harness.free_port()}",  # nobody there: events wait
            "MARKETPLACE_ENV": args.env,
            "MAIL_DIR": mail_dir,  # confirmation emails of the storefront relay, removed afterwards
            **{f"INTERNAL_SECRET_{prefix}": secrets.token_hex(32) for prefix in ("STOREFRONT", "VENDOR", "ADMIN")},
        }
        os.environ.update(env)  # the apps made here sign, and address their peers, as the servers do
        shop = storefront_app({"SQLALCHEMY_DATABASE_URI": env["STOREFRONT_DATABASE_URL"]})
        vendor = vendor_app({"SQLALCHEMY_DATABASE_URI": env["VENDOR_DATABASE_URL"]})
        migrations.upgrade(shop)
        migrations.upgrade(vendor)

        with (
            harness.gunicorn(
                "vendor_portal:create_app()", env, ready_path="/readyz", port=vendor_port
            ) as vendor_server,
            harness.gunicorn("storefront:create_app()", env, ready_path="/readyz", port=shop_port) as server,
            harness.relay("vendor_portal", env) as vendor_relay,
            harness.relay("storefront", env) as shop_relay,
        ):
            started = time.monotonic()
            items = seed_catalogue(vendor, args.products, args.scarce, args.scarce_stock)
            waited = wait_for_copy(shop, items)
            items = with_paths(server.base_url, items)
            say(
                f"{len(items)} products ({args.scarce} of {args.scarce_stock} units) made in the vendor portal "
                f"and in the storefront's copy after {time.monotonic() - started:.1f} s (relay: {waited:.1f} s)"
            )
            if args.warmup:
                plenty = [item for item in items if not item.scarce]
                warmup = [(args.orders + n, plenty[n % len(plenty)]) for n in range(args.warmup)]
                warm = Tally()
                run_buyers(server.base_url, warmup, args.buyers, warm)
                if set(warm.outcomes) != {"placed"}:
                    raise SystemExit(f"the warm-up did not place every order: {dict(warm.outcomes)} {warm.examples}")
                # Everything between the two services (the admin portal's deliveries wait for it).
                caught_up = harness.wait_for_outboxes([shop, vendor], ("storefront", "vendor_portal"), "deliveries")
                say(f"warm-up: {args.warmup} orders placed, relays caught up after {caught_up:.1f} s")
            queue = attempts(items, args.orders, args.scarce_share, args.seed)
            tally = Tally()
            say(f"{args.buyers} buyers, {args.orders} checkout attempts")
            meter = harness.CpuMeter(
                {
                    "storefront (gunicorn)": server.process.pid,
                    "vendor portal (gunicorn)": vendor_server.process.pid,
                    "PostgreSQL": harness.postgres_pid(),
                    "storefront relay": shop_relay.pid,
                    "vendor portal relay": vendor_relay.pid,
                }
            )
            meter.start()
            since, started, cpu = time.time(), time.perf_counter(), time.process_time()
            run_buyers(server.base_url, queue, args.buyers, tally)
            wall = time.perf_counter() - started
            found = {"buyers cpu": time.process_time() - cpu, "cpu": {**meter.stop()}}
            found["cpu"]["buyers (this script)"] = found["buyers cpu"]
            found.update(audit(shop, vendor, items))
            found["stock news"] = stock_news(vendor, since)

        report, details = _report(args, tally, wall, found)
        print()
        print(report)
        for outcome, example in tally.examples.items():
            say(f"{outcome}, for example: {example}")
        title = f"Checkout, {args.buyers} concurrent buyers" + (f": {args.label}" if args.label else "")
        path = harness.append_results(title, f"{details}\n\n{report}")
        say(f"appended to {path.relative_to(PROJECT_ROOT)}")
        if found["oversell"]:
            raise SystemExit(f"OVERSOLD: {found['oversell']} units sold beyond stock")
    finally:
        shutil.rmtree(mail_dir, ignore_errors=True)
        if started_db and not args.keep_db:
            harness.stop_bench_database_server()


def _report(args: argparse.Namespace, tally: Tally, wall: float, found: dict[str, Any]) -> tuple[str, str]:
    placed = tally.outcomes["placed"]
    errors = sum(count for outcome, count in tally.outcomes.items() if outcome.startswith("error"))
    refused = sum(tally.outcomes[outcome] for outcome in OUT_OF_STOCK)
    ordered = sorted(tally.post_ms)
    p50 = f"{statistics.median(ordered):.0f}" if ordered else "-"
    p95 = f"{harness.percentile(ordered, 0.95):.0f}" if ordered else "-"
    rows = [
        [
            f"{args.buyers} buyers, {args.orders} attempts",
            placed,
            refused,
            errors,
            f"{wall:.1f}",
            f"{placed / wall:.1f}",
            p50,
            p95,
            found["oversell"],
        ]
    ]
    table = harness.table(
        ["run", "placed", "refused (stock)", "errors", "wall s", "orders/s", "POST p50 ms", "POST p95 ms", "oversell"],
        rows,
    )
    outcomes = harness.table(["buyers saw", "n"], [[o, n] for o, n in sorted(tally.outcomes.items())])
    steps = harness.table(
        ["request (all buyers)", "n", "p50 ms", "p95 ms", "max ms"],
        [
            [step, len(ms), f"{statistics.median(ms):.0f}", f"{harness.percentile(ms, 0.95):.0f}", f"{ms[-1]:.0f}"]
            for step, ms in ((step, sorted(ms)) for step, ms in tally.steps.items())
        ],
    )
    checks = harness.table(
        ["after the run", "value"],
        [
            ["scarce units sold / in stock", f"{found['scarce sold']} / {found['scarce stock']}"],
            ["units in placed orders (shop)", found["units placed"]],
            ["units committed (vendor portal stock)", found["units committed"]],
            ["units still held", found["held"]],
            ["orders placed with the stock commit pending", found["commit pending"]],
            ["storefront orders by status", found["orders"]],
            ["failed orders by reason", found["refusals"]],
            ["stock.changed for the shop still queued at the end", found["stock news"]["queued"]],
            ["vendor relay caught up after", found["stock news"]["caught up"]],
            ["stock.changed, commit to the shop's copy", found["stock news"]["delays"]],
        ],
    )
    cpu = harness.table(
        ["CPU while the buyers ran", "s", "per placed order ms", "share"],
        _cpu_rows(found["cpu"], placed, wall),
    )
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    details = (
        f"{args.products} one-variant products in {len(STORES)} stores, {args.scarce} of them with "
        f"{args.scarce_stock} units and the rest plentiful; {args.scarce_share:.0%} of attempts go for a scarce "
        f"one. Each attempt is a new guest: product page, add to cart, checkout page, POST /checkout, "
        f"confirmation. Before them {args.warmup} warm-up orders of plentiful products (not counted here; "
        f"in the checks below), then the relays caught up. orders/s = placed / wall time. Storefront and "
        f"vendor portal under gunicorn ({harness.WORKERS} workers, {harness.THREADS} threads each), both "
        f"relays running, the buyers on the same machine (their own CPU: {found['buyers cpu']:.1f} s of the "
        f"{wall:.1f} s); MARKETPLACE_ENV={args.env}; load average at the end {load}; revision "
        f"{harness.git_revision()}; {harness.machine()}."
    )
    return f"{table}\n\n{outcomes}\n\n{steps}\n\n{cpu}\n\n{checks}", details


def _cpu_rows(used: dict[str, float], placed: int, wall: float) -> list[list[Any]]:
    """Each process tree's CPU, per placed order and as a share of all; the last row is the whole machine's
    worth: how many cores were busy on average, which bounds orders/s at cores / (CPU per order)."""
    total = sum(used.values())
    rows = [
        [name, f"{seconds:.1f}", f"{seconds * 1000 / placed:.1f}" if placed else "-", f"{seconds / total:.0%}"]
        for name, seconds in sorted(used.items(), key=lambda item: -item[1])
        if total
    ]
    per_order = f"{total * 1000 / placed:.1f}" if placed else "-"
    rows.append([f"all ({total / wall:.2f} cores busy of {os.cpu_count()})", f"{total:.1f}", per_order, "100%"])
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--buyers", type=int, default=16, help="concurrent buyers")
    parser.add_argument("--orders", type=int, default=400, help="checkout attempts in all")
    parser.add_argument("--products", type=int, default=40, help="products in the catalogue")
    parser.add_argument("--scarce", type=int, default=4, help="how many of them are scarce")
    parser.add_argument("--scarce-stock", type=int, default=20, help="units of each scarce product")
    parser.add_argument("--scarce-share", type=float, default=0.3, help="share of attempts for a scarce product")
    parser.add_argument("--seed", type=int, default=7, help="random seed of the attempts")
    parser.add_argument(
        "--warmup", type=int, default=32, help="attempts on plentiful products before measuring (not counted)"
    )
    parser.add_argument("--env", default="development", help="MARKETPLACE_ENV of the servers, as make run sets it")
    parser.add_argument("--label", default="", help="a note for the results section (what changed)")
    parser.add_argument("--keep-db", action="store_true", help="leave the bench PostgreSQL running afterwards")
    args = parser.parse_args()
    if not 0 <= args.scarce < args.products:
        parser.error("--scarce must leave at least one plentiful product")
    run(args)


if __name__ == "__main__":
    main()
