"""Which indexes the catalogue pages' statements use: `.venv/bin/python -m bench.explain --products 100000`.

Runs each page once in-process against the bench database of that size (seeded as bench.storefront
seeds it), EXPLAINs (ANALYZE) every statement the page issued, prints the plans' scans and timings,
appends them to bench/results/<date>.md, and fails when a statement scans the whole product table or
misses the index it is meant to use. tests/perf/test_explain.py uses the same helpers on a small
catalogue with sequential scans disabled (a 100,000-product seed is too slow for the test suite).
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from flask import Flask

# The index each page is meant to reach, by page: every one must appear in the page's plans. The typo search
# corrects "hedphones" from the spelling dictionary (search_word: its trigram index, though a dictionary
# of a few hundred words, as the bench catalogue's, is read whole) and then the search copy's full-text index.
# Pages without words count their facets from the product tally (a few hundred rows, read whole) and
# read products only for the page's cards: the home page and the listing by price through their sort
# indexes, a category page through its sort index or its category.
EXPECTED: dict[str, tuple[str, set[str]]] = {
    "home": ("/", {"ix_product_listed_created_at", "ix_product_listed_rating_count"}),
    "category": ("/c/audio", set()),
    "search": ("/search?q=headphones", {"ix_product_search_search_document"}),
    "search typo": ("/search?q=hedphones", {"ix_product_search_search_document"}),
    "search facets": ("/search?q=headphones&brand=Northwind&in_stock=1", {"ix_product_search_search_document"}),
    "listing by price": ("/search?sort=price_asc", {"ix_product_listed_min_price"}),
}


@dataclass
class Plan:
    statement: str
    params: Any
    tree: dict[str, Any]
    scans: list[tuple[str, str]] = field(default_factory=list)  # (node type, index or relation)

    @property
    def indexes(self) -> set[str]:
        return {name for kind, name in self.scans if "Index" in kind}

    @property
    def seq_scanned(self) -> set[str]:
        return {name for kind, name in self.scans if kind == "Seq Scan"}

    @property
    def milliseconds(self) -> float | None:
        return self.tree.get("Execution Time")


def page_statements(app: Flask, url: str) -> list[tuple[str, Any]]:
    """The SQL statements (with parameters) one anonymous GET of `url` issues."""
    found: list[tuple[str, Any]] = []

    def record(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        found.append((statement, parameters))

    with app.app_context():
        engine = app.extensions["sqlalchemy"].engine
    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        response = app.test_client().get(url)
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)
    if response.status_code != 200:
        raise AssertionError(f"{url} answered {response.status_code}")
    return found


def _walk(node: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield node
    for child in node.get("Plans", []):
        yield from _walk(child)


def explain(app: Flask, url: str, *, analyze: bool = True, settings: dict[str, str] | None = None) -> list[Plan]:
    """The plans of the statements a page issues (none kept from an earlier request), with these settings."""
    for kept in ("catalog_featured", "catalog_facets"):  # what the page computes once per catalogue version
        app.extensions.pop(kept, None)
    if "page_cache" in app.extensions:
        app.extensions["page_cache"].clear()  # else the rendered page answers, with none of its statements
    statements = page_statements(app, url)
    plans = []
    with app.app_context(), app.extensions["sqlalchemy"].engine.connect() as conn:
        for name, value in (settings or {}).items():
            conn.exec_driver_sql(f"SET {name} = {value}")
        # A partition's table or index is named by its partitioned parent (product_search's 16 partitions).
        parent = dict(
            conn.exec_driver_sql(
                "SELECT c.relname, p.relname FROM pg_inherits i "
                "JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent"
            ).all()
        )
        for statement, params in statements:
            if not statement.lstrip().upper().startswith(("SELECT", "WITH")):
                continue
            options = "ANALYZE, FORMAT JSON" if analyze else "FORMAT JSON"
            raw = conn.exec_driver_sql(f"EXPLAIN ({options}) {statement}", params).scalar()
            tree = (json.loads(raw) if isinstance(raw, str) else raw)[0]
            plan = Plan(statement, params, tree)
            for node in _walk(tree["Plan"]):
                if "Scan" in node["Node Type"] and node["Node Type"] not in ("CTE Scan", "Subquery Scan"):
                    target = node.get("Index Name") or node.get("Relation Name", "")
                    plan.scans.append((node["Node Type"], parent.get(target, target)))
            plans.append(plan)
        conn.rollback()
    return plans


def problems(name: str, plans: list[Plan]) -> list[str]:
    """What is wrong with a page's plans: a whole-table scan of product, an expected index unused, facets
    of a page without words counted from the products rather than the tally."""
    url, wanted = EXPECTED[name]
    found: list[str] = []
    used = set().union(*(plan.indexes for plan in plans)) if plans else set()
    if missing := wanted - used:
        found.append(f"{name}: does not use {sorted(missing)} (uses {sorted(used)})")
    for plan in plans:
        if "product" in plan.seq_scanned:
            found.append(f"{name}: sequential scan of product in {plan.statement[:100]!r}")
        if "q=" not in url and "GROUPING SETS" in plan.statement and "product_tally" not in plan.statement:
            found.append(f"{name}: facets counted from the products, not the tally")
    return found


def main() -> None:
    from bench import harness
    from bench.storefront import prepare
    from storefront import create_app

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--products", type=int, default=100_000)
    parser.add_argument("--keep-db", action="store_true")
    args = parser.parse_args()
    started = harness.use_bench_database_server()
    try:
        url = prepare(args.products, reseed=False, via_handlers=False)
        app = create_app({"SQLALCHEMY_DATABASE_URI": url})
        rows, failures = [], []
        for name, (path, _) in EXPECTED.items():
            explain(app, path)  # warm the caches once, as a serving worker is
            plans = explain(app, path)
            failures += problems(name, plans)
            for plan in plans:
                # Each partition of product_search is scanned on its own: its scans, named once.
                scans = ", ".join(f"{kind} {target}" for kind, target in dict.fromkeys(plan.scans)) or "-"
                rows.append([name, " ".join(plan.statement.split())[:60], f"{plan.milliseconds:.1f}", scans])
        report = harness.table(["page", "statement", "ms", "scans (node, index)"], rows)
        print(report)
        verdict = (
            "every statement uses its index; no sequential scan of product" if not failures else "\n".join(failures)
        )
        harness.append_results(f"EXPLAIN ANALYZE at {args.products:,} products", f"{report}\n\n{verdict}")
        print(verdict)
        if failures:
            raise SystemExit(1)
    finally:
        if started and not args.keep_db:
            harness.stop_bench_database_server()


if __name__ == "__main__":
    main()
