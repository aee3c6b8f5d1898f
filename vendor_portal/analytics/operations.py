"""Writes of the analytics domain: product views per day from the shop's traffic batches."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert

from vendor_portal.analytics.models import ProductViewDaily
from vendor_portal.catalog.models import Product
from vendor_portal.extensions import db

log = logging.getLogger("marketplace.vendor_portal.analytics")


def record_product_views(traffic: Iterable[Mapping[str, Any]]) -> int:
    """Add the batch's product views to the per-product, per-day counts; returns how many were counted.

    The batch holds every kind of traffic for every store: only product views of products that exist
    here count, and each is credited to the product's own vendor (not whatever the batch says).
    """
    views: Counter[tuple[int, date]] = Counter()
    malformed = 0
    for entry in traffic:
        if not isinstance(entry, Mapping) or entry.get("kind") != "product_view":
            continue
        key = _view_key(entry)
        if key is None:
            malformed += 1
            continue
        views[key] += 1
    if malformed:
        # Analytics can live with a few bad entries; holding back the whole batch for them would lose the rest.
        log.warning("traffic.batch: skipped malformed product views", extra={"skipped": malformed})
    if not views:
        return 0
    vendor_of = dict(
        db.session.execute(
            sa.select(Product.id, Product.vendor_id).where(Product.id.in_({pid for pid, _ in views}))
        ).all()
    )
    rows = [
        {"product_id": pid, "day": day, "vendor_id": vendor_of[pid], "views": count}
        for (pid, day), count in sorted(views.items())
        if pid in vendor_of
    ]
    if not rows:
        return 0
    statement = insert(ProductViewDaily).values(rows)
    db.session.execute(
        statement.on_conflict_do_update(
            index_elements=[ProductViewDaily.product_id, ProductViewDaily.day],
            set_={"views": ProductViewDaily.views + statement.excluded.views},
        )
    )
    return sum(row["views"] for row in rows)


def _view_key(entry: Mapping[str, Any]) -> tuple[int, date] | None:
    try:
        product_id = int(entry["product_id"])
        moment = datetime.fromisoformat(str(entry["at"]))
    except (KeyError, TypeError, ValueError):
        return None
    moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return product_id, moment.astimezone(UTC).date()
