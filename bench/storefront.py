"""Storefront pages under load: `.venv/bin/python -m bench.storefront --products 10000`.

Starts the bench PostgreSQL (var/bench, its own port), creates and migrates `bench_storefront_<N>`,
seeds N products with the bulk path of bench/seed.py when the database does not hold them yet, serves
the storefront with gunicorn as `make run` does, and for each page runs `wrk -t2 -c16 -d20s --latency`
and 200 sequential requests of the same URL ("1-req": after the first, the server's page cache answers
them), and first renders: different URLs of the same kind, each asked once ("first": no cache has them).
The same wrk run against bench/hello_app.py gives the framework's floor. Prints a table, appends it to
bench/results/<date>.md, and stops everything it started.
"""

from __future__ import annotations

import argparse
import os
import re
import time
from contextlib import ExitStack
from datetime import timedelta
from pathlib import Path

import requests
import sqlalchemy as sa

from bench import harness, seed
from bench.harness import say

PAGES = {
    "home": "/",
    "category": "/c/audio",
    "search typo": "/search?q=hedphones",
    "search 2 facets": "/search?q=headphones&brand=Northwind&in_stock=1",
    "product": None,  # a listed product's canonical URL, looked up once seeded
}


def prepare(products: int, *, reseed: bool, via_handlers: bool) -> str:
    """The bench database for this size, migrated and seeded; returns its URL."""
    from common_core import migrations
    from storefront import create_app

    name = f"bench_storefront_{products}"
    url = harness.database_url(name)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    migrations.upgrade(app)
    db = app.extensions["sqlalchemy"]
    with app.app_context():
        held = db.session.scalar(sa.text("SELECT count(*) FROM product"))
        db.session.remove()
        db.engine.dispose()
    if held == products and not reseed:
        say(f"{name} already holds {products:,} products")
        return url
    if held:
        say(f"{name} holds {held:,} products: starting afresh")
        url = harness.database_url(name, fresh=True)
        app = create_app({"SQLALCHEMY_DATABASE_URI": url})
        migrations.upgrade(app)
    started = time.monotonic()
    say(f"seeding {products:,} products ({'through product_upserted' if via_handlers else 'bulk SQL'})")
    seed.seed_reference_data(app)
    if via_handlers:
        seed.seed_products_via_handlers(app, products, say=say)
    else:
        seed.seed_products_bulk(app, products, say=say)
    with app.app_context():
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE")
        db.engine.dispose()
    say(f"seeded in {time.monotonic() - started:.0f} s")
    return url


def product_path(base_url: str) -> str:
    import requests

    # The middle of the catalogue: neither the newest (cached by the home page) nor the oldest.
    response = requests.get(base_url + "/search?sort=price_asc&page=3", timeout=30)
    found = re.search(r'href="(/p/\d+-[a-z0-9-]+)"', response.text)
    if not found:
        raise SystemExit("no product link on the search page: is the catalogue seeded?")
    return found.group(1)


def warm(database_url: str) -> None:
    """Load the catalogue's tables and indexes into PostgreSQL's shared buffers (pg_prewarm).

    A server that has been up a while holds the catalogue it serves in memory; right after the bench
    started PostgreSQL, a first render would instead measure the kernel's page cache: at 1,000,000
    products the first searches of the run read 31,000 heap pages and their part of the full-text
    index one at a time (233-680 ms where the same searches take 128-150 ms once warm). A sequential
    scan would not do: PostgreSQL reads big tables through a small ring of buffers. pg_prewarm ships
    with PostgreSQL; the extension is created in the bench database only.
    """
    engine = sa.create_engine(database_url)
    with engine.connect() as conn:
        conn.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS pg_prewarm")
        conn.exec_driver_sql(
            "SELECT sum(pg_prewarm(c.oid)) FROM pg_class c "
            "WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'i')"
        ).scalar()
        conn.commit()
    engine.dispose()


def first_render_paths(database_url: str) -> dict[str, list[str]]:
    """For each page kind, URLs of that kind that differ from each other and from the wrk runs' URLs.

    Categories: every live category. Typo searches: a letter dropped from a word of each product line
    ("headphones" -> "hadphones"). Two facets: each line's word with its store's first brand, in stock.
    Products: 60 listed products spread over the catalogue.
    """
    engine = sa.create_engine(database_url)
    with engine.connect() as conn:
        slugs = conn.scalars(sa.text("SELECT slug FROM category WHERE NOT retired ORDER BY id")).all()
        products = conn.execute(
            sa.text("SELECT id, slug FROM product WHERE listed AND id % 97 = 13 ORDER BY id LIMIT 60")
        ).all()
    engine.dispose()
    words = [max(noun.split(), key=len).lower() for noun, *_ in seed.LINES]
    typos = [word[0] + word[2:] for word in words if len(word) >= 6]
    facets = [
        f"/search?q={word}&brand={seed.STORES[index // 4][1][0].replace(' ', '+')}&in_stock=1"
        for index, word in enumerate(words)
    ]
    return {
        "category": [f"/c/{slug}" for slug in slugs],
        "search typo": [f"/search?q={typo}" for typo in dict.fromkeys(typos)],
        "search 2 facets": facets,
        "product": [f"/p/{row.id}-{row.slug}" for row in products],
    }


STOCK_ROUNDS = 20


def after_stock_changes(database_url: str, page: str, rounds: int) -> harness.SingleResult:
    """The page right after each of `rounds` stock changes of one of its products that leave it in stock.

    Each change goes through the storefront's own stock.changed handler (as the vendor relay delivers
    it) and is one a shopper can see (the variant's "Only 4 left" and "Only 3 left" in turn), so the
    catalogue version moves and the page is rendered afresh; what the shopper waits for then depends on
    what the server could keep across the change. (A count no page shows, 97 becoming 96, moves nothing.)
    """
    from storefront import create_app
    from storefront.catalog import events
    from storefront.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url})
    with app.app_context():
        target = db.session.execute(
            sa.text(
                "SELECT v.id, v.product_id, v.available, v.stock_at FROM variant v "
                "JOIN product p ON p.id = v.product_id "
                "WHERE p.listed AND p.category_ids[1] = 1 AND v.available > 5 ORDER BY v.id LIMIT 1"
            )
        ).one()
        db.session.remove()
    timings = []
    with requests.Session() as client:
        client.get(page, timeout=60)
        for round_ in range(rounds):
            at = (target.stock_at + timedelta(milliseconds=round_ + 1)).isoformat()  # newer than the count held
            with app.app_context():
                data = {"product_id": target.product_id, "variant_id": target.id, "updated_at": at}
                events.stock_changed({**data, "available": 4 - round_ % 2}, {"occurred_at": at})
                db.session.commit()
                db.session.remove()
            started = time.perf_counter()
            response = client.get(page, timeout=60)
            timings.append((time.perf_counter() - started) * 1000)
            if response.status_code != 200:
                raise SystemExit(f"{page} answered {response.status_code} after a stock change")
    with app.app_context():
        db.engine.dispose()
    return harness.SingleResult.of(timings, status=200, size=0)


def _after_row(name: str, after: harness.SingleResult) -> list[str]:
    return [name, "", "", "", "", "", f"{after.p50:.1f}", f"{after.p95:.1f}", "", "", f"n={STOCK_ROUNDS}"]


def run(args: argparse.Namespace) -> None:
    started_db = harness.use_bench_database_server()
    try:
        url = prepare(args.products, reseed=args.reseed, via_handlers=args.via_handlers)
        rows = []
        pages = dict(PAGES)
        hello = None
        if not args.no_hello:
            with harness.gunicorn("bench.hello_app:app", {}, ready_path="/") as server:
                say("hello app under wrk")
                hello = harness.wrk(server.base_url + "/", duration=args.duration)
                hello_single = harness.sequential(server.base_url + "/", args.single)
                hello_rss = server.worker_rss_mb()
            rows.append(_row("hello (floor)", hello, hello_single, None, hello_rss))
        env = {"STOREFRONT_DATABASE_URL": url, "MARKETPLACE_ENV": args.env}
        with ExitStack() as servers:
            server = servers.enter_context(harness.gunicorn("storefront:create_app()", env, ready_path="/readyz"))
            baseline = (
                servers.enter_context(
                    harness.gunicorn("storefront:create_app()", env, ready_path="/healthz", tree=Path(args.baseline))
                )
                if args.baseline
                else None
            )
            pages["product"] = product_path(server.base_url)
            warm(url)
            first_paths = first_render_paths(url)
            selected = [name for name in pages if not args.pages or name in args.pages]
            for name in selected:
                # Baseline and current code take turns page by page, so both meet the same machine load.
                for label, target in (("before", baseline), ("", server)):
                    if target is None:
                        continue
                    page = target.base_url + pages[name]
                    # First renders before anything else touches these URLs (wrk never asks for them).
                    first = harness.each_once(target.base_url, first_paths[name]) if name in first_paths else None
                    if first is not None and first.status != 200:
                        raise SystemExit(f"a first render of {name} answered {first.status}")
                    single = harness.sequential(page, args.single)
                    if single.status != 200:
                        raise SystemExit(f"{name} ({pages[name]}) answered {single.status}")
                    say(f"{name} {pages[name]} under wrk{' (baseline)' if label else ''}")
                    load = harness.wrk(page, duration=args.duration)
                    title = f"{name} `{pages[name]}`" + (" **before**" if label else "")
                    rows.append(_row(title, load, single, hello, None, first, len(first_paths.get(name, []))))
            if not args.pages or "category" in args.pages:
                # What a returning anonymous shopper's browser costs: a revalidation answered 304.
                page = server.base_url + pages["category"]
                etag = requests.get(page, timeout=30).headers.get("ETag")
                if etag:
                    say("category revalidation (If-None-Match) under wrk")
                    load = harness.wrk(page, duration=args.duration, headers={"If-None-Match": etag})
                    single = harness.sequential(page, args.single, headers={"If-None-Match": etag})
                    rows.append(_row("category revalidated, 304", load, single, hello, None))
            if not args.pages or "category" in args.pages:
                for name in ("category", "search 2 facets"):
                    say(f"{name} after each of {STOCK_ROUNDS} stock changes")
                    after = after_stock_changes(url, server.base_url + pages[name], STOCK_ROUNDS)
                    rows.append(_after_row(f"{name}, after a stock change (still in stock)", after))
            if baseline is not None:
                rows.append(_rss_row("baseline workers RSS after the run", baseline.worker_rss_mb()))
            rows.append(_rss_row("storefront workers RSS after the run", server.worker_rss_mb()))
        headers = [
            "page", "req/s", "x hello", "p50 ms", "p95 ms", "p99 ms",
            "1-req p50", "1-req p95", "first p50", "first p95", "notes",
        ]  # fmt: skip
        report = harness.table(headers, rows)
        print()
        print(report)
        load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
        details = (
            f"{args.products:,} products; load average at the end {load} (other work shares this machine); "
            f"wrk -t2 -c16 -d{args.duration}s against gunicorn "
            f"({harness.WORKERS} workers, {harness.THREADS} threads), sequential: {args.single} requests; "
            f"MARKETPLACE_ENV={args.env}; revision {harness.git_revision()}; {harness.machine()}; "
            "wrk and the server share the machine."
        )
        title = f"Storefront, {args.products:,} products" + (f": {args.label}" if args.label else "")
        path = harness.append_results(title, f"{details}\n\n{report}")
        say(f"appended to {path.relative_to(harness.PROJECT_ROOT)}")
    finally:
        if started_db and not args.keep_db:
            harness.stop_bench_database_server()


def _rss_row(name: str, rss: list[float]) -> list[str]:
    return [name, "", "", "", "", "", "", "", "", "", ", ".join(f"{r} MB" for r in rss)]


def _row(name, load, single, hello, rss, first=None, firsts=0) -> list[str]:
    ratio = f"{load.rps / hello.rps:.2f}" if hello else ("1.00" if name.startswith("hello") else "-")
    notes = []
    if load.errors:
        notes.append(f"{load.errors} errors (wrk gives up on an answer after 2 s)")
    if rss:
        notes.append("RSS " + ", ".join(f"{r} MB" for r in rss))
    if single.size:
        notes.append(f"{single.size / 1024:.0f} KiB")
    return [
        name,
        f"{load.rps:,.0f}",
        ratio,
        f"{load.p50:.1f}",
        f"{load.p95:.1f}",
        f"{load.p99:.1f}",
        f"{single.p50:.1f}",
        f"{single.p95:.1f}",
        f"{first.p50:.1f}" if first else "-",
        f"{first.p95:.1f} (n={firsts})" if first else "-",
        "; ".join(notes),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--products", type=int, default=10_000, help="catalogue size (10000, 100000, 1000000)")
    parser.add_argument("--duration", type=int, default=20, help="seconds of wrk per page")
    parser.add_argument("--single", type=int, default=200, help="sequential requests per page")
    parser.add_argument("--pages", nargs="*", choices=list(PAGES), help="only these pages")
    parser.add_argument("--reseed", action="store_true", help="seed again even if the database holds the catalogue")
    parser.add_argument("--via-handlers", action="store_true", help="seed through product_upserted (slow)")
    parser.add_argument("--no-hello", action="store_true", help="skip the hello app's floor")
    parser.add_argument("--env", default="development", help="MARKETPLACE_ENV of the server, as make run sets it")
    parser.add_argument("--label", default="", help="a note for the results section (what changed)")
    parser.add_argument("--keep-db", action="store_true", help="leave the bench PostgreSQL running afterwards")
    parser.add_argument(
        "--baseline", metavar="TREE", help="also serve this checkout's code, page by page in turn with this one"
    )
    run(parser.parse_args())


if __name__ == "__main__":
    main()
