"""Running imports: the 1,000-row acceptance run, progress as the page polls it, the relay's chore, and
recovery when a worker dies mid-job (continued later, never duplicating a product)."""

from __future__ import annotations

import time

import pytest
import sqlalchemy as sa

from tests.conftest import run_together
from tests.vendor_portal.conftest import outbox
from tests.vendor_portal.imports_fixtures import (
    csv_text,
    execute,
    job,
    product_row,
    reasons_by_line,
    rows,
    run,
    skus_of,
    uploaded_job,
)
from vendor_portal.imports import operations
from vendor_portal.imports.operations import claim_next_job, run_import, run_next_import


class SimulatedCrash(BaseException):
    """The process dying: nothing in the import catches it, as nothing runs after a kill."""


class StatementCounter:
    """Counts the SQL statements the app sends inside the with block."""

    def __init__(self, app) -> None:
        with app.app_context():
            self.engine = app.extensions["sqlalchemy"].engine
        self.count = 0

    def _seen(self, *args) -> None:
        self.count += 1

    def __enter__(self) -> StatementCounter:
        sa.event.listen(self.engine, "before_cursor_execute", self._seen)
        return self

    def __exit__(self, *exc) -> None:
        sa.event.remove(self.engine, "before_cursor_execute", self._seen)


def relay_chore(app) -> int | None:
    with app.app_context():
        try:
            return run_next_import()
        finally:
            app.extensions["sqlalchemy"].session.remove()


def test_a_thousand_rows_with_three_bad_ones_create_997_products_and_report_the_three(vendor, make_store):
    store = make_store("approved")
    products = [product_row(n, status="active", brand="Acme", weight_grams=250) for n in range(1, 1001)]
    products[99]["price"] = "abc"  # line 101
    products[499]["sku"] = products[498]["sku"]  # line 501: the SKU of line 500 (SKU-00499) again
    products[899]["category"] = "no-such-category"  # line 901
    job_id = uploaded_job(store, csv_text(products), "catalogue.csv")

    statements = StatementCounter(vendor)
    started, cpu_started = time.monotonic(), time.process_time()
    with statements:
        done = run(vendor, job_id)
    elapsed, cpu = time.monotonic() - started, time.process_time() - cpu_started

    print(f"\n1,000-row import: {elapsed:.1f} s ({cpu:.1f} s of CPU here), {statements.count} SQL statements")
    assert (done["status"], done["total_rows"], done["processed_rows"]) == ("done", 1000, 1000)
    assert done["created_products"] == 997
    assert reasons_by_line(done) == {
        101: ["Price 'abc' is not an amount: use digits with at most two decimals, like 12.50."],
        501: ["SKU 'SKU-00499' is also on line 500: each SKU must be unique."],
        901: ["Unknown category 'no-such-category'."],
    }
    assert rows(vendor, "SELECT count(*) AS n FROM product WHERE vendor_id = :v", v=store.vendor_id)[0].n == 997
    assert len([kind for kind, _ in outbox(vendor) if kind == "product.upserted"]) == 997
    # The work per product is fixed (savepoint, product, variant, stock: lock, update, history; publish, event,
    # release: 11 statements); the checks against the database run once per chunk of 50 rows, never per row.
    assert statements.count < 12 * 1000
    # About 8 s on a quiet 2-core machine (the target is under 20 s). Wall time swings with whatever else the
    # host runs, so the firm checks are the statement budget above and the app's own CPU time; the wall-clock
    # bound only catches a run stuck waiting.
    assert cpu < 20, f"the 1,000-row import used {cpu:.1f} s of CPU"
    assert elapsed < 180, f"the 1,000-row import took {elapsed:.1f} s"
    html = store.client.get(f"/imports/{job_id}").get_data(as_text=True)
    assert "1,000 of 1,000 rows" in html
    for line in ("101", "501", "901"):
        assert f'<th scope="row" class="num">{line}</th>' in html


def test_the_progress_partial_shows_processed_rows_and_polls_only_while_the_job_runs(vendor, make_store):
    store = make_store()
    job_id = uploaded_job(store, csv_text([product_row(n) for n in range(1, 121)]))
    htmx = {"HX-Request": "true"}

    queued = store.client.get(f"/imports/{job_id}/progress", headers=htmx)
    assert queued.status_code == 200
    fragment = queued.get_data(as_text=True)
    assert '<progress id="import-progress-bar" max="120" value="0"' in fragment
    assert 'id="import-progress-text">0 of 120 rows' in fragment
    assert f'hx-get="/imports/{job_id}/progress" hx-trigger="every 1s"' in fragment
    assert "<html" not in fragment and "HX-Refresh" not in queued.headers

    execute(vendor, "UPDATE import_job SET status = 'running', processed_rows = 50 WHERE id = :id", id=job_id)
    running = store.client.get(f"/imports/{job_id}/progress", headers=htmx).get_data(as_text=True)
    assert (
        'value="50"' in running
        and 'id="import-progress-text">50 of 120 rows' in running
        and 'hx-trigger="every 1s"' in running
    )
    page = store.client.get(f"/imports/{job_id}").get_data(as_text=True)
    assert '<noscript><meta http-equiv="refresh" content="2"></noscript>' in page.split("</head>", 1)[0]
    assert "Rejected rows" not in page  # the report comes once the job is done

    execute(vendor, "UPDATE import_job SET status = 'queued', processed_rows = 0 WHERE id = :id", id=job_id)
    run(vendor, job_id)
    finished = store.client.get(f"/imports/{job_id}/progress", headers=htmx)
    assert finished.headers["HX-Refresh"] == "true"  # the browser loads the report page
    assert "hx-trigger" not in finished.get_data(as_text=True)
    assert 'id="import-progress-text">120 of 120 rows' in finished.get_data(as_text=True)
    page = store.client.get(f"/imports/{job_id}").get_data(as_text=True)
    assert 'http-equiv="refresh"' not in page and "No rows rejected" in page

    plain = store.client.get(f"/imports/{job_id}/progress")
    assert plain.status_code == 302 and plain.headers["Location"].endswith(f"/imports/{job_id}")


def test_the_relay_runs_queued_imports_oldest_first_through_its_chore(vendor, make_store):
    assert (operations.run_next_import, 1.0) in vendor.extensions["relay_chores"]
    store = make_store()
    first = uploaded_job(store, csv_text([product_row(1)]), "first.csv")
    second = uploaded_job(store, csv_text([product_row(2)]), "second.csv")

    assert relay_chore(vendor) == first
    assert job(vendor, first)["status"] == "done" and job(vendor, second)["status"] == "queued"
    assert relay_chore(vendor) == second
    assert relay_chore(vendor) is None
    assert skus_of(vendor, store.vendor_id) == ["SKU-00001", "SKU-00002"]


def test_an_import_restarted_after_a_crash_finishes_without_duplicates(vendor, make_store, monkeypatch):
    store = make_store()
    products = [product_row(n) for n in range(1, 121)]
    products[44]["sku"] = products[40]["sku"]  # line 46 repeats the SKU of line 42 (SKU-00041)
    products[109]["price"] = "-3"  # line 111
    job_id = uploaded_job(store, csv_text(products))
    real_create, made = operations._create_product, []

    def dies_at_product_70(draft, vendor, **kwargs):
        if len(made) == 69:
            raise SimulatedCrash
        made.append(draft.handle)
        return real_create(draft, vendor, **kwargs)

    monkeypatch.setattr(operations, "_create_product", dies_at_product_70)
    with vendor.app_context(), pytest.raises(SimulatedCrash):
        run_import(job_id)  # leaving the app context ends its session, as a dead process's connection ends
    monkeypatch.setattr(operations, "_create_product", real_create)

    crashed = job(vendor, job_id)
    assert (crashed["status"], crashed["processed_rows"], crashed["created_products"]) == ("running", 50, 49)
    assert len(skus_of(vendor, store.vendor_id)) == 49  # the chunk in flight left nothing behind
    # As if progress lagged behind the products made: rows 31 to 50 have products the job has not counted.
    execute(vendor, "UPDATE import_job SET processed_rows = 30, created_products = 30 WHERE id = :id", id=job_id)

    assert relay_chore(vendor) is None  # its worker may still be busy: the job is left alone for now
    execute(vendor, "UPDATE import_job SET finished_at = now() - interval '11 minutes' WHERE id = :id", id=job_id)
    assert relay_chore(vendor) == job_id

    done = job(vendor, job_id)
    assert (done["status"], done["processed_rows"], done["created_products"]) == ("done", 120, 118)
    assert reasons_by_line(done) == {
        46: ["SKU 'SKU-00041' is also on line 42: each SKU must be unique."],
        111: ["Price cannot be negative."],
    }
    skus = skus_of(vendor, store.vendor_id)
    assert len(skus) == len(set(skus)) == 118
    assert rows(vendor, "SELECT count(*) AS n FROM product")[0].n == 118
    assert rows(vendor, "SELECT count(*) AS n FROM stock_adjustment")[0].n == 118  # stock received once each


def test_a_job_is_claimed_by_one_worker_only(vendor, make_store):
    store = make_store()
    job_id = uploaded_job(store, csv_text([product_row(1)]))

    def worker() -> int | None:
        with vendor.app_context():
            claim = claim_next_job()
            vendor.extensions["sqlalchemy"].session.remove()
            return claim.job_id if claim else None

    claims = run_together([worker, worker])
    assert sorted(claims, key=str) == [job_id, None]


def test_two_workers_running_the_same_job_make_each_product_once(vendor, make_store):
    store = make_store()
    job_id = uploaded_job(store, csv_text([product_row(n) for n in range(1, 201)]))

    def worker() -> None:
        with vendor.app_context():
            run_import(job_id)
            vendor.extensions["sqlalchemy"].session.remove()

    run_together([worker, worker])  # re-raises what either worker raised
    done = job(vendor, job_id)
    assert (done["status"], done["processed_rows"], done["created_products"], done["errors"]) == ("done", 200, 200, [])
    assert len(skus_of(vendor, store.vendor_id)) == 200


def test_an_unexpected_error_marks_the_import_failed_and_the_relay_carries_on(vendor, make_store, monkeypatch):
    store = make_store()
    job_id = uploaded_job(store, csv_text([product_row(n) for n in range(1, 4)]))

    def broken(*args, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr(operations, "_create_product", broken)
    assert relay_chore(vendor) == job_id

    failed = job(vendor, job_id)
    assert (failed["status"], failed["created_products"]) == ("failed", 0)
    assert failed["finished_at"] is not None
    page = store.client.get(f"/imports/{job_id}").get_data(as_text=True)
    assert "This import stopped after 0 of 3 rows because of an unexpected error" in page
    assert 'http-equiv="refresh"' not in page
    assert relay_chore(vendor) is None  # a failed job is not picked up again


def test_the_relay_works_on_a_long_import_in_slices_and_finishes_it_before_the_next(vendor, make_store):
    store = make_store()
    long_job = uploaded_job(store, csv_text([product_row(n) for n in range(1, 121)]), "long.csv")
    next_job = uploaded_job(store, csv_text([product_row(500)]), "next.csv")

    def one_slice() -> int | None:
        with vendor.app_context():
            return run_next_import(budget_seconds=0)  # one chunk per call

    assert one_slice() == long_job
    assert (job(vendor, long_job)["status"], job(vendor, long_job)["processed_rows"]) == ("running", 50)
    page = store.client.get(f"/imports/{long_job}").get_data(as_text=True)
    assert (
        'id="import-progress-text">50 of 120 rows' in page and "50 products created and 0 rows rejected so far" in page
    )
    assert one_slice() == long_job
    assert job(vendor, long_job)["processed_rows"] == 100
    assert job(vendor, next_job)["status"] == "queued"
    assert one_slice() == long_job
    assert (job(vendor, long_job)["status"], job(vendor, long_job)["created_products"]) == ("done", 120)
    assert one_slice() == next_job
    assert one_slice() is None


def test_the_command_line_runs_an_import(vendor, make_store):
    store = make_store()
    job_id = uploaded_job(store, csv_text([product_row(1), product_row(2)]))
    result = vendor.test_cli_runner().invoke(args=["imports", "run", str(job_id)])
    assert result.exit_code == 0, result.output
    assert f"import {job_id}: done, 2 of 2 rows, 2 products created" in result.output
    missing = vendor.test_cli_runner().invoke(args=["imports", "run", "9999"])
    assert missing.exit_code != 0 and "There is no import 9999." in missing.output
