"""Helpers for the import tests: CSV files built row by row, uploaded through the real page's multipart form,
run as the relay (or the CLI) runs them, and a look at the rows they left in the vendor portal's database."""

from __future__ import annotations

import csv
import io
import re
from typing import Any

import sqlalchemy as sa
from flask import Flask

from tests.conftest import csrf_from
from tests.vendor_portal.conftest import Store
from vendor_portal.imports.csvfile import COLUMNS

JOB_URL = re.compile(r"/imports/(\d+)$")


def product_row(n: int, **cells: Any) -> dict[str, str]:
    """One single-variant product's row: handle p-<n>, SKU SKU-<n>, price 10.00, 5 in stock."""
    row = {"handle": f"p-{n}", "title": f"Product {n}", "sku": f"SKU-{n:05d}", "price": "10.00", "stock": "5"}
    row.update({key: str(value) for key, value in cells.items()})
    return row


def csv_text(rows: list[dict[str, str]], columns: tuple[str, ...] | list[str] = COLUMNS, newline: str = "\n") -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(columns), lineterminator=newline, extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def upload(store: Store, content: bytes | str, filename: str = "products.csv") -> Any:
    """Post a file through the import page's upload form, as a browser does (multipart, with its CSRF token)."""
    page = store.client.get("/imports")
    assert page.status_code == 200
    data = content.encode() if isinstance(content, str) else content
    return store.client.post(
        "/imports",
        data={"csrf_token": csrf_from(page.get_data(as_text=True)), "file": (io.BytesIO(data), filename)},
        content_type="multipart/form-data",
    )


def uploaded_job(store: Store, content: bytes | str, filename: str = "products.csv") -> int:
    """Upload a file that is accepted; returns the new job's id (from the redirect to its page)."""
    response = upload(store, content, filename)
    assert response.status_code == 302, response.get_data(as_text=True)
    match = JOB_URL.search(response.headers["Location"])
    assert match, response.headers["Location"]
    return int(match.group(1))


def run(app: Flask, job_id: int) -> dict[str, Any]:
    """Run a job to its end with run_import (as the CLI does); returns its row."""
    from vendor_portal.imports.operations import run_import

    with app.app_context():
        run_import(job_id)
        app.extensions["sqlalchemy"].session.remove()
    return job(app, job_id)


def import_csv(app: Flask, store: Store, content: bytes | str, filename: str = "products.csv") -> dict[str, Any]:
    return run(app, uploaded_job(store, content, filename))


def job(app: Flask, job_id: int) -> dict[str, Any]:
    [row] = rows(
        app,
        "SELECT id, status, total_rows, processed_rows, created_products, errors, finished_at "
        "FROM import_job WHERE id = :id",
        id=job_id,
    )
    return dict(row._mapping)


def reasons_by_line(job_row: dict[str, Any]) -> dict[int, list[str]]:
    return {entry["line"]: entry["reasons"] for entry in job_row["errors"]}


def rows(app: Flask, sql: str, **params: Any) -> list[Any]:
    with app.app_context():
        db = app.extensions["sqlalchemy"]
        result = db.session.execute(sa.text(sql), params).all()
        db.session.remove()
    return result


def execute(app: Flask, sql: str, **params: Any) -> None:
    with app.app_context():
        db = app.extensions["sqlalchemy"]
        db.session.execute(sa.text(sql), params)
        db.session.commit()
        db.session.remove()


def skus_of(app: Flask, vendor_id: int) -> list[str]:
    return [r.sku for r in rows(app, "SELECT sku FROM variant WHERE vendor_id = :v ORDER BY sku", v=vendor_id)]


def read_csv(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"), newline="")))
