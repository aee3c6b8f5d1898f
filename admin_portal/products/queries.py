"""Read-only lookups for the product pages: filter choices from the admin's own data, the moderation queue
and its keywords."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask_sqlalchemy.pagination import Pagination

from admin_portal.account.models import PlatformSetting
from admin_portal.analytics.models import ProductSummary
from admin_portal.categories.models import Category
from admin_portal.extensions import db
from admin_portal.products.models import ModerationFlag
from admin_portal.vendors.models import VendorSummary

KEYWORDS_SETTING = "moderation_keywords"
# Until staff set their own list.
DEFAULT_KEYWORDS = ("replica", "counterfeit", "fake", "weapon", "knock-off")
QUEUE_PER_PAGE = 20


def keywords() -> list[str]:
    setting = db.session.get(PlatformSetting, KEYWORDS_SETTING)
    if setting is None or not isinstance(setting.value, list):
        return list(DEFAULT_KEYWORDS)
    return [str(word) for word in setting.value]


def matching_keywords(words: list[str], *texts: str | None) -> list[str]:
    """The keywords found in `texts`, each at the start of a word, any case ("replica" finds "Replicas")."""
    haystack = "\n".join(t for t in texts if t).casefold()
    return [word for word in words if re.search(r"(?<!\w)" + re.escape(word.casefold()), haystack)]


def vendor_choices() -> list[tuple[int, str]]:
    rows = db.session.execute(
        sa.select(VendorSummary.vendor_id, VendorSummary.store_name).order_by(
            sa.func.lower(VendorSummary.store_name), VendorSummary.vendor_id
        )
    ).all()
    return [(row.vendor_id, row.store_name) for row in rows]


def category_choices() -> list[tuple[int, str]]:
    """Every category, subcategories as "Parent / Child", in tree order (retired ones too: old products keep them)."""
    categories = list(db.session.scalars(sa.select(Category).order_by(Category.position, Category.id)))
    by_id = {c.id: c for c in categories}
    choices = []
    for top in (c for c in categories if c.parent_id is None):
        choices.append((top.id, top.name))
        choices.extend((c.id, f"{top.name} / {c.name}") for c in categories if c.parent_id == top.id)
    choices.extend((c.id, c.name) for c in categories if c.parent_id is not None and c.parent_id not in by_id)
    return choices


def category_names() -> dict[int, str]:
    return dict(category_choices())


@dataclass
class QueueEntry:
    """One product waiting for a moderation decision, with every open flag on it."""

    product_id: int
    title: str
    vendor_id: int | None
    store_name: str | None
    listed: bool | None  # from the read model; None when it does not know the product
    first_flagged_at: datetime
    keywords: list[str] = field(default_factory=list)
    reports: list[ModerationFlag] = field(default_factory=list)


def moderation_queue(page: int = 1, per_page: int = QUEUE_PER_PAGE) -> tuple[Pagination, list[QueueEntry]]:
    """Products with open flags, the longest-waiting first."""
    product_ids = (
        sa.select(ModerationFlag.product_id)
        .where(ModerationFlag.status == "open")
        .group_by(ModerationFlag.product_id)
        .order_by(sa.func.min(ModerationFlag.created_at), ModerationFlag.product_id)
    )
    pagination = db.paginate(product_ids, page=page, per_page=per_page, error_out=False)
    ids = list(pagination.items)
    if not ids:
        return pagination, []
    flags = list(
        db.session.scalars(
            sa.select(ModerationFlag)
            .where(ModerationFlag.product_id.in_(ids), ModerationFlag.status == "open")
            .order_by(ModerationFlag.created_at, ModerationFlag.id)
        )
    )
    known = db.session.scalars(sa.select(ProductSummary).where(ProductSummary.product_id.in_(ids)))
    products = {p.product_id: p for p in known}
    vendor_ids = {p.vendor_id for p in products.values()} | {f.vendor_id for f in flags if f.vendor_id}
    stores = dict(
        db.session.execute(
            sa.select(VendorSummary.vendor_id, VendorSummary.store_name).where(VendorSummary.vendor_id.in_(vendor_ids))
        ).all()
    )
    entries: dict[int, QueueEntry] = {}
    for flag in flags:
        known = products.get(flag.product_id)
        entry = entries.get(flag.product_id)
        if entry is None:
            vendor_id = known.vendor_id if known else flag.vendor_id
            entry = entries[flag.product_id] = QueueEntry(
                product_id=flag.product_id,
                title=(known.title if known else None) or flag.title or f"Product {flag.product_id}",
                vendor_id=vendor_id,
                store_name=stores.get(vendor_id),
                listed=(known.status == "active") if known else None,
                first_flagged_at=flag.created_at,
            )
        if flag.kind == "keyword":
            entry.keywords.extend(word for word in flag.keywords if word not in entry.keywords)
        else:
            entry.reports.append(flag)
    return pagination, [entries[product_id] for product_id in ids if product_id in entries]


def open_flags(product_id: int) -> list[ModerationFlag]:
    return list(
        db.session.scalars(
            sa.select(ModerationFlag)
            .where(ModerationFlag.product_id == product_id, ModerationFlag.status == "open")
            .order_by(ModerationFlag.created_at, ModerationFlag.id)
        )
    )


def flag_history(product_id: int, limit: int = 20) -> list[ModerationFlag]:
    """Every flag on a product, newest first, for its detail page."""
    return list(
        db.session.scalars(
            sa.select(ModerationFlag)
            .where(ModerationFlag.product_id == product_id)
            .order_by(ModerationFlag.created_at.desc(), ModerationFlag.id.desc())
            .limit(limit)
        )
    )


def products_waiting() -> int:
    """How many products have an open flag (the menu's count)."""
    return (
        db.session.scalar(
            sa.select(sa.func.count(sa.distinct(ModerationFlag.product_id))).where(ModerationFlag.status == "open")
        )
        or 0
    )


def read_model_titles(words: list[str]) -> list[Any]:
    """Listed products of the read model whose title contains some keyword (a rough SQL pre-filter)."""
    if not words:
        return []
    patterns = [ProductSummary.title.icontains(word, autoescape=True) for word in words]
    return list(
        db.session.scalars(sa.select(ProductSummary).where(ProductSummary.status == "active", sa.or_(*patterns)))
    )
