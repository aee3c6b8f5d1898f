"""Read-only lookups of vendor orders. Pages go through orders_of(vendor), so no page reaches another store's rows."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import sqlalchemy as sa
from flask import abort
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy.orm import selectinload

from vendor_portal.accounts.models import Vendor, VendorUser
from vendor_portal.extensions import db
from vendor_portal.orders.models import VENDOR_ORDER_STATUSES, VendorOrder, VendorOrderEvent

PER_PAGE = 20
# "open" is not a stored status: it is every part still waiting for the store to do something.
OPEN_STATUSES = ("placed", "acknowledged", "packed")
STATUS_FILTERS = ("open", *VENDOR_ORDER_STATUSES)
SORTS = {"placed": VendorOrder.placed_at, "total": VendorOrder.subtotal}
DEFAULT_SORT, DEFAULT_DIRECTION = "placed", "desc"
SEARCH_MAX = 32  # order numbers are at most 32 characters


@dataclass(frozen=True)
class OrderListing:
    """What the order list shows: a status filter, a number search and a sort, always valid."""

    status: str | None = None
    search: str = ""
    sort: str = DEFAULT_SORT
    direction: str = DEFAULT_DIRECTION

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> OrderListing:
        """Build from query args; anything unknown falls back to the default rather than failing the page."""
        get = args.get
        status = get("status") or None
        sort = get("sort") or DEFAULT_SORT
        direction = (get("dir") or "").lower()
        if sort not in SORTS:
            sort = DEFAULT_SORT
        if direction not in ("asc", "desc"):
            direction = DEFAULT_DIRECTION
        return cls(
            status=status if status in STATUS_FILTERS else None,
            search=" ".join((get("q") or "").split())[:SEARCH_MAX],
            sort=sort,
            direction=direction,
        )


class VendorOrders:
    """The order parts of one vendor; the only way pages look orders up."""

    def __init__(self, vendor_id: int) -> None:
        self.vendor_id = vendor_id

    def select(self) -> sa.Select[tuple[VendorOrder]]:
        return sa.select(VendorOrder).where(VendorOrder.vendor_id == self.vendor_id)

    def get_or_404(self, vendor_order_id: int, *, for_update: bool = False) -> VendorOrder:
        """The order part if it is this vendor's; 404 otherwise (another store's id looks like a missing one)."""
        query = self.select().where(VendorOrder.id == vendor_order_id)
        if for_update:
            # Status changes, cancellations and the shop's events on one part happen one at a time.
            query = query.with_for_update()
        else:
            query = query.options(selectinload(VendorOrder.lines), selectinload(VendorOrder.history))
        order = db.session.scalar(query)
        if order is None:
            abort(404)
        return order

    def search(self, listing: OrderListing, page: int) -> Pagination:
        query = self.select().options(selectinload(VendorOrder.lines))
        if listing.status == "open":
            query = query.where(VendorOrder.status.in_(OPEN_STATUSES))
        elif listing.status:
            query = query.where(VendorOrder.status == listing.status)
        if listing.search:
            query = query.where(VendorOrder.number.icontains(listing.search, autoescape=True))
        column = SORTS[listing.sort]
        ordering = column.asc() if listing.direction == "asc" else column.desc()
        # The id breaks ties so a page boundary never repeats or skips an order.
        tiebreak = VendorOrder.id.asc() if listing.direction == "asc" else VendorOrder.id.desc()
        query = query.order_by(ordering, tiebreak)
        return db.paginate(query, page=page, per_page=PER_PAGE, error_out=False)

    def count_by_status(self) -> dict[str, int]:
        rows = db.session.execute(
            sa.select(VendorOrder.status, sa.func.count())
            .where(VendorOrder.vendor_id == self.vendor_id)
            .group_by(VendorOrder.status)
        ).all()
        counts = dict.fromkeys(VENDOR_ORDER_STATUSES, 0) | dict(rows)
        counts["open"] = sum(counts[s] for s in OPEN_STATUSES)
        return counts


def orders_of(vendor: Vendor) -> VendorOrders:
    return VendorOrders(vendor.id)


def parts_of_order(order_id: str, *, for_update: bool = False) -> list[VendorOrder]:
    """Every vendor's part of one storefront order (for the shop's events, which concern all of them)."""
    query = sa.select(VendorOrder).where(VendorOrder.order_id == order_id).order_by(VendorOrder.id)
    if for_update:
        query = query.with_for_update()
    return list(db.session.scalars(query))


_VENDORS_WITH_PART = sa.select(VendorOrder.vendor_id).where(VendorOrder.order_id == sa.bindparam("order_id"))


def vendors_with_part(order_id: str) -> set[int]:
    return set(db.session.scalars(_VENDORS_WITH_PART, {"order_id": order_id}))  # built once: every order.placed asks


def actor_names(history: Iterable[VendorOrderEvent]) -> dict[str, str]:
    """Readable names for timeline actors: the shop, or the email of the store's user who acted (one query)."""
    names = {"storefront": "The marketplace"}
    user_ids = {
        int(event.actor.split(":", 1)[1])
        for event in history
        if event.actor.startswith("vendor_user:") and event.actor.split(":", 1)[1].isdigit()
    }
    if user_ids:
        rows = db.session.execute(sa.select(VendorUser.id, VendorUser.email).where(VendorUser.id.in_(user_ids)))
        names.update({f"vendor_user:{user_id}": email for user_id, email in rows})
    return names
