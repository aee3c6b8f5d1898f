"""Read-only lookups of stock, its history and reservations; pages only reach variants through VendorStock."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import sqlalchemy as sa
from flask import abort
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy.orm import contains_eager, joinedload

from vendor_portal.accounts.models import Vendor, VendorUser
from vendor_portal.catalog.models import Product, Variant
from vendor_portal.extensions import db
from vendor_portal.inventory.models import Reservation, StockAdjustment

Show = Literal["all", "low", "out"]
SortKey = Literal["available", "title", "sku"]
SHOW_CHOICES: tuple[Show, ...] = ("all", "low", "out")
SORT_KEYS: tuple[SortKey, ...] = ("available", "title", "sku")

available_units = Variant.stock_on_hand - Variant.reserved
is_out = available_units <= 0
is_low = available_units <= Product.low_stock_threshold  # out of stock counts as low too: both need restocking
_SORT_COLUMNS = {
    "available": available_units,
    "title": sa.func.lower(Product.title),
    "sku": sa.func.lower(Variant.sku),
}


@dataclass(frozen=True)
class StockSearch:
    """What the stock overview shows: a title/SKU search, a filter and a sort."""

    text: str | None = None
    show: Show = "all"
    sort: SortKey = "title"
    direction: Literal["asc", "desc"] = "asc"


class VendorStock:
    """The variants of one vendor; the only way pages look variants up, so no page reaches another store's."""

    def __init__(self, vendor_id: int) -> None:
        self.vendor_id = vendor_id

    def select(self) -> sa.Select[tuple[Variant]]:
        return (
            sa.select(Variant)
            .join(Variant.product)
            .where(Variant.vendor_id == self.vendor_id)
            .options(contains_eager(Variant.product))
        )

    def stocked(self) -> sa.Select[tuple[Variant]]:
        """Variants that can still sell: active ones of products not archived."""
        return self.select().where(Variant.is_active.is_(True), Product.status != "archived")

    def get_or_404(self, variant_id: int) -> Variant:
        """The variant if it is this vendor's; 404 otherwise (another store's id looks like a missing one)."""
        variant = db.session.scalar(self.select().where(Variant.id == variant_id))
        if variant is None:
            abort(404)
        return variant

    def overview(self, search: StockSearch, page: int, per_page: int = 25) -> Pagination:
        query = self.stocked()
        if search.text:
            pattern = f"%{_escape_like(search.text)}%"
            query = query.where(
                sa.or_(Product.title.ilike(pattern, escape="\\"), Variant.sku.ilike(pattern, escape="\\"))
            )
        if search.show == "low":
            query = query.where(is_low)
        elif search.show == "out":
            query = query.where(is_out)
        column = _SORT_COLUMNS[search.sort]
        primary = column.desc() if search.direction == "desc" else column.asc()
        # Ties keep a stable order across pages: by product, then the variants' own order.
        query = query.order_by(primary, sa.func.lower(Product.title), Variant.product_id, Variant.position, Variant.id)
        return db.paginate(query, page=page, per_page=per_page, error_out=False)

    def low_stock_select(self) -> sa.Select[tuple[Variant]]:
        # Only products on sale (status active): a draft at zero stock is not yet a restocking task.
        return self.stocked().where(Product.status == "active", is_low)

    def low_stock(self, page: int, per_page: int = 25) -> Pagination:
        query = self.low_stock_select().order_by(available_units, sa.func.lower(Product.title), Variant.id)
        return db.paginate(query, page=page, per_page=per_page, error_out=False)

    def low_stock_count(self) -> int:
        return db.session.scalar(sa.select(sa.func.count()).select_from(self.low_stock_select().subquery())) or 0


def stock_of(vendor: Vendor) -> VendorStock:
    return VendorStock(vendor.id)


def low_stock_count(vendor: Vendor) -> int:
    """How many of the vendor's variants on sale are at or below their product's low-stock threshold."""
    return stock_of(vendor).low_stock_count()


def history(variant: Variant, page: int, per_page: int = 20) -> Pagination:
    """A variant's stock adjustments, newest first."""
    query = (
        sa.select(StockAdjustment)
        .where(StockAdjustment.variant_id == variant.id)
        .order_by(StockAdjustment.created_at.desc(), StockAdjustment.id.desc())
    )
    return db.paginate(query, page=page, per_page=per_page, error_out=False)


def actor_labels(entries: list[StockAdjustment]) -> dict[str, str]:
    """Readable names for the actors of some history entries ("vendor_user:3" -> their email)."""
    user_ids = {int(e.actor.split(":", 1)[1]) for e in entries if _is_vendor_user(e.actor)}
    emails = (
        dict(db.session.execute(sa.select(VendorUser.id, VendorUser.email).where(VendorUser.id.in_(user_ids))).all())
        if user_ids
        else {}
    )
    labels = {}
    for entry in entries:
        kind, _, rest = entry.actor.partition(":")
        if _is_vendor_user(entry.actor):
            labels[entry.actor] = emails.get(int(rest), "A former user")
        elif kind == "order":
            labels[entry.actor] = f"Order {rest}"
        elif kind == "staff":
            labels[entry.actor] = "Marketplace staff"
        else:
            labels[entry.actor] = entry.actor
    return labels


# Built once (every reserve and commit reads the order's reservation): no statement to build or cache
# key to compute each time.
_RESERVATION = (
    sa.select(Reservation)
    .where(Reservation.order_id == sa.bindparam("order_id"))
    .options(joinedload(Reservation.lines))
)
_RESERVATION_LOCKED = _RESERVATION.with_for_update(of=Reservation)


def reservation_by_order(order_id: str, *, for_update: bool = False) -> Reservation | None:
    """The order's reservation with its lines, in one statement (locking only the reservation's row)."""
    query = _RESERVATION_LOCKED if for_update else _RESERVATION
    return db.session.scalars(query, {"order_id": order_id}).unique().one_or_none()


def _is_vendor_user(actor: str) -> bool:
    kind, _, rest = actor.partition(":")
    return kind == "vendor_user" and rest.isdigit()


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
