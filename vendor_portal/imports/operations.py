"""Import jobs: an upload is queued as a job, then run in the background by the relay, 50-odd rows at a time.

The relay's chore (run_next_import) works on one job for a few seconds per call and keeps the unfinished run
in its process, so event delivery is never held up for long by a big file. run_import runs a job to its end
(CLI and tests).

Each chunk is one transaction: its products (each in its own SAVEPOINT, so a product exists with all its
variants and stock or not at all) and the job's progress commit together, so the page can follow along.
The chunk holds the job's row lock (SELECT ... FOR UPDATE) and checks the progress it expects first, so
two workers can never both run a job: the one that finds the progress moved stops.

The schema has no heartbeat column: while a job runs, finished_at holds the time of its last committed
chunk (and, once it ends, the time it ended). A running job whose last chunk is older than STALLED_AFTER
lost its worker and is claimed again; the new run continues after the last processed product, and on a
resumed run a product already made by this job (found by its SKUs) is counted rather than made again.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import IO, Any

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import undefer
from sqlalchemy.orm.attributes import set_committed_value

from common_core import outbox
from common_core.db import utcnow
from common_core.errors import DomainError, NotAllowed
from vendor_portal.accounts.models import Vendor, VendorUser
from vendor_portal.catalog import events as catalog_events
from vendor_portal.catalog.models import Category, Product, ProductOption, Variant
from vendor_portal.catalog.operations import sanitise_description
from vendor_portal.extensions import db
from vendor_portal.imports import csvfile, rules
from vendor_portal.imports.models import ImportJob
from vendor_portal.inventory.operations import adjust_stock

log = logging.getLogger("marketplace.vendor_portal.imports")

CHUNK_ROWS = 50
STALLED_AFTER = timedelta(minutes=10)
CHORE_BUDGET_SECONDS = 5.0  # how long one relay chore call works on an import before the relay gets a turn
_HELD_RUN = "vendor_portal.imports.run"  # app.extensions slot of this process's unfinished run
SKU_CONSTRAINT = "uq_variant_vendor_id_sku"


def create_job(vendor: Vendor, stream: IO[bytes], filename: str, *, actor: VendorUser) -> ImportJob:
    """Check an uploaded CSV and queue it (FieldError on "file" when it cannot be imported). The relay runs it."""
    if actor.vendor_id != vendor.id:
        raise NotAllowed("You can only import products into your own store.")
    upload = csvfile.read_upload(stream, filename)
    job = ImportJob(
        vendor_id=vendor.id,
        uploaded_by=actor.id,
        filename=upload.filename,
        content=upload.text,
        status="queued",
        total_rows=upload.total_rows,
        processed_rows=0,
        created_products=0,
        errors=[],
    )
    db.session.add(job)
    db.session.flush()
    return job


# ---- claiming and running -----------------------------------------------------------------------


@dataclass(frozen=True)
class Claim:
    job_id: int
    resumed: bool  # the job was running already: a worker died (or the CLI finishes it)


def claim_next_job(*, now: datetime | None = None) -> Claim | None:
    """Take the oldest queued job, or a running one whose worker went quiet, and mark it running (commits)."""
    moment = now or utcnow()
    stalled = sa.and_(
        ImportJob.status == "running",
        sa.func.coalesce(ImportJob.finished_at, ImportJob.created_at) < moment - STALLED_AFTER,
    )
    row = db.session.execute(
        sa.select(ImportJob.id, ImportJob.status)
        .where(sa.or_(ImportJob.status == "queued", stalled))
        .order_by(ImportJob.id)
        .limit(1)
        .with_for_update(skip_locked=True)
    ).first()
    if row is None:
        db.session.rollback()  # end the transaction that only looked
        return None
    _mark_running(row.id, moment)
    db.session.commit()
    if row.status == "running":
        log.warning("resuming a stalled import", extra={"job_id": row.id})
    return Claim(row.id, resumed=row.status == "running")


def run_next_import(*, budget_seconds: float | None = None) -> int | None:
    """The relay's chore: work on an import for a few seconds; returns its id (None when there was none).

    The relay also delivers events, so a long import is worked on in slices: the run is kept in this process
    and continued at the next call, before any other job is claimed.
    """
    held: list[_Run] = current_app.extensions.setdefault(_HELD_RUN, [])
    run = held.pop() if held else None
    claim = Claim(run.job_id, run.resumed) if run else claim_next_job()
    if claim is None:
        return None
    budget = CHORE_BUDGET_SECONDS if budget_seconds is None else budget_seconds
    try:
        unfinished = _work(claim, run, deadline=time.monotonic() + budget)
    except OperationalError:
        raise  # the database went away: the relay reconnects, and the stalled job is resumed later
    except Exception:  # noqa: BLE001 - logged and recorded as failed by _work; the relay must keep delivering
        return claim.job_id
    if unfinished is not None:
        held.append(unfinished)
        # Wake the relay (it sleeps until a NOTIFY or its idle timeout) so the next slice follows at once.
        db.session.execute(sa.text(f"NOTIFY {outbox.CHANNEL}"))
        db.session.commit()
    return claim.job_id


def run_import(job_id: int) -> ImportJob | None:
    """Run one job now, in this process (CLI and tests): a queued job from the start, a running one from
    where it stopped. Does nothing to a finished job or one whose chunk another worker is committing."""
    row = db.session.execute(
        sa.select(ImportJob.status).where(ImportJob.id == job_id).with_for_update(skip_locked=True)
    ).first()
    if row is None or row.status not in ("queued", "running"):
        db.session.rollback()
        return db.session.get(ImportJob, job_id)
    _mark_running(job_id, utcnow())
    db.session.commit()
    _work(Claim(job_id, resumed=row.status == "running"))
    return db.session.get(ImportJob, job_id)


def _mark_running(job_id: int, moment: datetime) -> None:
    db.session.execute(sa.update(ImportJob).where(ImportJob.id == job_id).values(status="running", finished_at=moment))


class _LostJob(Exception):
    """Another worker moved this job on: this one stops."""


@dataclass
class _Run:
    """One worker's pass over a job: the parsed file, and how far it has got."""

    job_id: int
    vendor_id: int
    actor: str
    started: datetime  # the job's created_at: products of this job are never older
    resumed: bool
    groups: list[rules.Group]
    first_line_of_sku: dict[str, int]
    categories: dict[str, rules.CategoryRef]
    next_group: int = 0
    processed: int = 0


def _work(claim: Claim, run: _Run | None = None, *, deadline: float | None = None) -> _Run | None:
    """Advance a job chunk by chunk until it ends (None) or the deadline passes (the run, to continue later).

    Marks the job failed on an unexpected error, and re-raises it; a lost database is re-raised as is, leaving
    the job running, to be resumed once it counts as stalled.
    """
    try:
        run = run or _prepare(claim)
        while run.next_group < len(run.groups):
            _process_chunk(run)
            if deadline is not None and time.monotonic() >= deadline and run.next_group < len(run.groups):
                return run
        _finish(run)
    except _LostJob:
        db.session.rollback()
        log.info("import taken over by another worker", extra={"job_id": claim.job_id})
    except OperationalError:
        db.session.rollback()
        raise
    except Exception:
        db.session.rollback()
        log.exception("import failed", extra={"job_id": claim.job_id})
        db.session.execute(
            sa.update(ImportJob)
            .where(ImportJob.id == claim.job_id, ImportJob.status == "running")
            .values(status="failed", finished_at=utcnow())
        )
        db.session.commit()
        raise
    return None


def _prepare(claim: Claim) -> _Run:
    job = db.session.get(ImportJob, claim.job_id, options=[undefer(ImportJob.content)], with_for_update=True)
    if job is None or job.status != "running":
        raise _LostJob
    records = list(csvfile.records(job.content))
    groups = rules.group_records(records)
    run = _Run(
        job_id=job.id,
        vendor_id=job.vendor_id,
        actor=f"vendor_user:{job.uploaded_by}",
        started=job.created_at,
        resumed=claim.resumed,
        groups=groups,
        first_line_of_sku=rules.first_sku_lines(records),
        categories=_categories(),
    )
    # Continue after the last product whose rows were all processed; should the count fall inside a product,
    # that product is looked at again (on a resumed run, found by its SKUs if it was made).
    while run.next_group < len(groups) and run.processed + len(groups[run.next_group].records) <= job.processed_rows:
        run.processed += len(groups[run.next_group].records)
        run.next_group += 1
    if run.processed != job.processed_rows or claim.resumed:
        done_lines = {r.line for g in groups[: run.next_group] for r in g.records}
        job.errors = [e for e in job.errors if e["line"] in done_lines]
        job.processed_rows = run.processed
    db.session.commit()
    return run


def _categories() -> dict[str, rules.CategoryRef]:
    refs: dict[str, rules.CategoryRef] = {}
    # Live categories last, so a slug shared with a retired one resolves to the live one.
    for category in db.session.scalars(sa.select(Category).order_by(Category.retired.desc(), Category.id)):
        refs[category.slug.lower()] = rules.CategoryRef(category.id, category.name, category.retired)
    return refs


def _process_chunk(run: _Run) -> None:
    locked = db.session.execute(
        sa.select(ImportJob.status, ImportJob.processed_rows).where(ImportJob.id == run.job_id).with_for_update()
    ).first()
    if locked is None or locked.status != "running" or locked.processed_rows != run.processed:
        raise _LostJob
    chunk = _next_chunk(run)
    vendor = db.session.get(Vendor, run.vendor_id)
    skus = [sku for group in chunk for sku in group.skus]
    existing = _products_by_sku(run.vendor_id, skus)
    ctx = rules.Context(
        can_publish=vendor.can_publish,
        categories=run.categories,
        taken_skus={sku: title for sku, (_, title, _) in existing.items()},
        first_line_of_sku=run.first_line_of_sku,
    )
    created, errors = 0, []
    for group in chunk:
        if run.resumed and _made_by_this_job(group, existing, run):
            created += 1
            continue
        outcome = rules.check_group(group, ctx)
        if outcome.draft is None:
            errors.extend(_error_entries(group, outcome.rejected))
            continue
        try:
            with db.session.begin_nested():
                _create_product(outcome.draft, vendor, actor=run.actor, job_id=run.job_id)
        except IntegrityError as exc:
            if SKU_CONSTRAINT not in str(exc.orig):
                raise
            reason = "Not created: one of its SKUs was just taken by another of your products."
            errors.extend(_error_entries(group, {r.line: [reason] for r in group.records}))
        except DomainError as exc:
            errors.extend(_error_entries(group, {r.line: [f"Not created: {exc.message}"] for r in group.records}))
        else:
            created += 1
    rows = sum(len(group.records) for group in chunk)
    db.session.execute(
        sa.update(ImportJob)
        .where(ImportJob.id == run.job_id)
        .values(
            processed_rows=ImportJob.processed_rows + rows,
            created_products=ImportJob.created_products + created,
            # Appended in the database: a long report is not read back and rewritten from here each chunk.
            errors=ImportJob.errors.op("||")(sa.bindparam("new_errors", errors, type_=JSONB)),
            finished_at=utcnow(),  # the heartbeat: this job is alive
        )
    )
    db.session.commit()
    run.processed += rows
    run.next_group += len(chunk)


def _next_chunk(run: _Run) -> list[rules.Group]:
    """Whole products (a handle's rows are never split) until CHUNK_ROWS rows are reached."""
    chunk: list[rules.Group] = []
    rows = 0
    for group in run.groups[run.next_group :]:
        chunk.append(group)
        rows += len(group.records)
        if rows >= CHUNK_ROWS:
            break
    return chunk


def _products_by_sku(vendor_id: int, skus: list[str]) -> dict[str, tuple[int, str, datetime]]:
    """The vendor's variants among these SKUs: sku -> (product id, product title, product created_at)."""
    if not skus:
        return {}
    rows = db.session.execute(
        sa.select(Variant.sku, Product.id, Product.title, Product.created_at)
        .join(Product, Product.id == Variant.product_id)
        .where(Variant.vendor_id == vendor_id, Variant.sku.in_(set(skus)))
    )
    return {row.sku: (row.id, row.title, row.created_at) for row in rows}


def _made_by_this_job(group: rules.Group, existing: dict[str, tuple[int, str, datetime]], run: _Run) -> bool:
    """Whether an earlier run of this job already made this product: each row's SKU first appears on that row,
    and all of them are on one product with the handle's title, made since the job was queued. Only asked on
    resumed runs (a first run has made nothing yet)."""
    firsts = [(r.get("sku").strip(), r.line) for r in group.records]
    if any(not sku or sku not in existing or run.first_line_of_sku.get(sku) != line for sku, line in firsts):
        return False
    product_id, title, created_at = existing[firsts[0][0]]
    same_product = all(existing[sku][0] == product_id for sku, _ in firsts)
    return same_product and title == " ".join(group.records[0].get("title").split()) and created_at >= run.started


def _error_entries(group: rules.Group, rejected: dict[int, list[str]]) -> list[dict[str, Any]]:
    return [
        {"line": r.line, "handle": group.handle, "sku": r.get("sku").strip(), "reasons": rejected[r.line]}
        for r in group.records
    ]


def _create_product(draft: rules.ProductDraft, vendor: Vendor, *, actor: str, job_id: int) -> Product:
    """One product with its options, variants and initial stock; published last, once it is complete."""
    options = [
        ProductOption(name=name, position=position, values=list(values))
        for position, (name, values) in enumerate(draft.options)
    ]
    variants = [
        Variant(
            vendor_id=vendor.id,
            sku=planned.sku,
            price=planned.price,
            compare_at_price=planned.compare_at_price,
            options=dict(planned.options),
            position=position,
            stock_on_hand=0,
            reserved=0,
            is_active=True,
        )
        for position, planned in enumerate(draft.variants)
    ]
    product = Product(
        vendor=vendor,
        title=draft.title,
        description=draft.description,
        description_html=sanitise_description(draft.description),
        brand=draft.brand,
        category_id=draft.category_id,
        currency=draft.currency,
        weight_grams=draft.weight_grams,
        attributes={},
        status="draft",
        images=[],
        options=options,
        variants=variants,
    )
    db.session.add(product)
    db.session.flush()
    # Stock goes in while the product is still a draft: the shop hears of it once, with its stock, below.
    for variant, planned in zip(variants, draft.variants, strict=True):
        if planned.stock:
            adjust_stock(variant, planned.stock, reason="initial", note=f"Import #{job_id}", actor=actor)
    if draft.status == "active":
        product.status = "active"
        db.session.flush()
        if product.listed:
            # adjust_stock re-reads the product (populate_existing), which unloads its collections; they are
            # exactly what was just inserted, so say so rather than read three of them back per product.
            for name, value in (("options", options), ("variants", variants), ("images", [])):
                set_committed_value(product, name, value)
            catalog_events.product_upserted(product)
    return product


def _finish(run: _Run) -> None:
    locked = db.session.execute(
        sa.select(ImportJob.status, ImportJob.processed_rows).where(ImportJob.id == run.job_id).with_for_update()
    ).first()
    if locked is None or locked.status != "running" or locked.processed_rows != run.processed:
        raise _LostJob
    db.session.execute(
        sa.update(ImportJob).where(ImportJob.id == run.job_id).values(status="done", finished_at=utcnow())
    )
    db.session.commit()
    log.info("import finished", extra={"job_id": run.job_id, "rows": run.processed})
