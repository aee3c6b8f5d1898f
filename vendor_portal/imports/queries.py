"""Read-only lookups of import jobs, always scoped to one vendor so no page reaches another store's imports."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import abort
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import defer

from vendor_portal.accounts.models import Vendor
from vendor_portal.extensions import db
from vendor_portal.imports import csvfile
from vendor_portal.imports.models import ImportJob

PER_PAGE = 20
REPORT_PER_PAGE = 100
UNFINISHED = ("queued", "running")


class VendorImports:
    """The import jobs of one vendor; the only way pages look jobs up."""

    def __init__(self, vendor_id: int) -> None:
        self.vendor_id = vendor_id

    def select(self) -> sa.Select[tuple[ImportJob]]:
        # The file and the report can be megabytes: loaded only by the pages that show them.
        return (
            sa.select(ImportJob)
            .where(ImportJob.vendor_id == self.vendor_id)
            .options(defer(ImportJob.content), defer(ImportJob.errors))
        )

    def get_or_404(self, job_id: int) -> ImportJob:
        job = db.session.scalar(self.select().where(ImportJob.id == job_id))
        if job is None:
            abort(404)
        return job

    def page(self, number: int = 1) -> Pagination:
        """Newest first."""
        return db.paginate(
            self.select().order_by(ImportJob.created_at.desc(), ImportJob.id.desc()),
            page=max(1, number),
            per_page=PER_PAGE,
            error_out=False,
        )


def imports_of(vendor: Vendor) -> VendorImports:
    return VendorImports(vendor.id)


def rejected_counts(job_ids: list[int]) -> dict[int, int]:
    """How many rows each job rejected so far, counted in the database (the reports stay there)."""
    if not job_ids:
        return {}
    rows = db.session.execute(
        sa.select(ImportJob.id, sa.func.jsonb_array_length(ImportJob.errors).label("rejected")).where(
            ImportJob.id.in_(job_ids)
        )
    )
    return {row.id: row.rejected for row in rows}


class _ReportPage(Pagination):
    """A page of a job's rejected rows, in line order, read from the JSON report without loading all of it."""

    def _query_items(self) -> list[dict[str, Any]]:
        statement = self._query_args["select"].limit(self.per_page).offset(self._query_offset)
        return list(db.session.scalars(statement))

    def _query_count(self) -> int:
        return int(self._query_args["total"])


def report_page(job: ImportJob, number: int = 1) -> Pagination:
    entry = sa.func.jsonb_array_elements(ImportJob.errors).table_valued(sa.column("value", JSONB)).alias("entry")
    statement = (
        sa.select(entry.c.value)
        .select_from(ImportJob)
        .join(entry, sa.true())
        .where(ImportJob.id == job.id)
        .order_by(sa.cast(entry.c.value.op("->>")("line"), sa.Integer))
    )
    total = rejected_counts([job.id]).get(job.id, 0)
    return _ReportPage(select=statement, total=total, page=max(1, number), per_page=REPORT_PER_PAGE, error_out=False)


def rejected_rows_csv(job: ImportJob) -> str:
    """The rejected rows as uploaded, with a reason column, to fix and upload again."""
    reasons = {entry["line"]: " ".join(entry["reasons"]) for entry in job.errors}
    rows = csvfile.raw_rows(job.content, set(reasons))
    return csvfile.rejected_csv(csvfile.header(job.content), ((cells, reasons[line]) for line, cells in rows))
