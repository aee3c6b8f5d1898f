"""Import pages of the signed-in store: upload a CSV, follow its progress, read and download its report.

Every job is found through imports_of(current_user.vendor), so another store's import ids are 404.
The work itself runs in the relay (the chore registered below), never in a request.
"""

from __future__ import annotations

from typing import Any

import click
from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from common_core.errors import FieldError
from common_core.outbox import add_chore
from common_core.web import attach_field_error
from vendor_portal.extensions import db
from vendor_portal.imports import csvfile, operations, queries
from vendor_portal.imports.forms import UploadForm
from vendor_portal.imports.queries import imports_of
from vendor_portal.orders.formatting import utc_text

CHORE_SECONDS = 1.0

bp = Blueprint("imports", __name__, url_prefix="/imports", template_folder="templates")
# Jobs run in the relay process; this hook is how the domain reaches the app it is registered on.
bp.record_once(lambda state: add_chore(state.app, operations.run_next_import, CHORE_SECONDS))


@bp.context_processor
def _helpers() -> dict[str, Any]:
    return {"utc_text": utc_text, "columns": csvfile.COLUMNS, "required_columns": csvfile.REQUIRED_COLUMNS}


@bp.get("")
@login_required
def index() -> Any:
    return _index_page(UploadForm())


@bp.post("")
@login_required
def upload() -> Any:
    form = UploadForm()
    if form.validate_on_submit():
        try:
            job = operations.create_job(
                current_user.vendor, form.file.data.stream, form.file.data.filename, actor=current_user
            )
        except FieldError as exc:
            attach_field_error(form, exc)
        else:
            db.session.commit()
            flash(f"{job.filename} is queued: {job.total_rows:,} rows to import.", "success")
            return redirect(url_for(".detail", job_id=job.id))
    return _index_page(form), 422


@bp.get("/template.csv")
@login_required
def template() -> Response:
    return _csv_download(csvfile.template_csv(), "products-import-template.csv")


@bp.get("/<int:job_id>")
@login_required
def detail(job_id: int) -> Any:
    job = imports_of(current_user.vendor).get_or_404(job_id)
    finished = job.status not in queries.UNFINISHED
    report = queries.report_page(job, request.args.get("page", 1, type=int)) if finished else None
    return render_template(
        "imports/detail.html",
        job=job,
        report=report,
        rejected=queries.rejected_counts([job.id])[job.id],
        vendor=current_user.vendor,
    )


@bp.get("/<int:job_id>/progress")
@login_required
def progress(job_id: int) -> Any:
    """The progress region alone, which the detail page polls with htmx while the job runs."""
    job = imports_of(current_user.vendor).get_or_404(job_id)
    if not request.headers.get("HX-Request"):
        return redirect(url_for(".detail", job_id=job.id))
    response = Response(
        render_template("imports/_progress.html", job=job, rejected=queries.rejected_counts([job.id])[job.id])
    )
    if job.status not in queries.UNFINISHED:
        # The report is a page of its own: load it whole now the job is over (polling stops with it).
        response.headers["HX-Refresh"] = "true"
    return response


@bp.get("/<int:job_id>/rejected.csv")
@login_required
def rejected_rows(job_id: int) -> Response:
    job = imports_of(current_user.vendor).get_or_404(job_id)
    stem = job.filename.rsplit(".", 1)[0] or "import"
    return _csv_download(queries.rejected_rows_csv(job), f"{stem}-rejected-rows.csv")


@bp.cli.command("run")
@click.argument("job_id", type=int)
def run_command(job_id: int) -> None:
    """Run one import job now, in this process (a queued one, or a stalled one from where it stopped)."""
    job = operations.run_import(job_id)
    if job is None:
        raise click.ClickException(f"There is no import {job_id}.")
    click.echo(
        f"import {job.id}: {job.status}, {job.processed_rows} of {job.total_rows} rows, "
        f"{job.created_products} products created"
    )


def _index_page(form: UploadForm) -> str:
    vendor = current_user.vendor
    page = imports_of(vendor).page(request.args.get("page", 1, type=int))
    return render_template(
        "imports/index.html",
        form=form,
        page=page,
        rejected=queries.rejected_counts([job.id for job in page.items]),
        vendor=vendor,
    )


def _csv_download(text: str, filename: str) -> Response:
    safe = "".join(ch if ch.isalnum() or ch in "-_." else "-" for ch in filename)
    return Response(
        text,
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{safe}"'},
    )
