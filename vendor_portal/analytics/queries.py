"""Sales figures of one vendor for a period and the one before it, aggregated in SQL.

Revenue is what the store keeps: the value of the units not cancelled, less refunds. The shop refunds
every cancelled unit, so a refund first covers the cancelled value already taken off and only the rest
lowers revenue further: per part, revenue = subtotal - greatest(refunded, cancelled value). Sales count
on the day the order was placed (UTC). A page costs four queries whatever the period or the number of orders.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import INTERVAL

from common_core.db import utcnow
from vendor_portal.accounts.models import Vendor
from vendor_portal.analytics.models import ProductViewDaily
from vendor_portal.catalog.models import Product
from vendor_portal.extensions import db
from vendor_portal.inventory.queries import low_stock_count
from vendor_portal.orders.models import VendorOrder, VendorOrderLine

PERIODS = (7, 30, 90)
DEFAULT_DAYS = 30
TOP_PRODUCTS = 10
ZERO = Decimal("0.00")

line = VendorOrderLine
# What a line's cancelled units were worth (line_total may carry a discount, so not unit_price x units).
cancelled_value = sa.func.round(line.line_total * line.cancelled_quantity / line.quantity, 2)
units_kept = line.quantity - line.cancelled_quantity


@dataclass(frozen=True)
class Period:
    """Whole UTC days from `first` to `last`, both included."""

    first: date
    last: date

    @classmethod
    def ending_today(cls, days: int, today: date | None = None) -> Period:
        today = today or utcnow().date()
        return cls(today - timedelta(days=days - 1), today)

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    @property
    def previous(self) -> Period:
        return Period(self.first - timedelta(days=self.days), self.first - timedelta(days=1))

    @property
    def starts_at(self) -> datetime:
        return datetime.combine(self.first, time.min, UTC)

    @property
    def ends_before(self) -> datetime:
        return datetime.combine(self.last + timedelta(days=1), time.min, UTC)

    def __iter__(self) -> Iterator[date]:
        return (self.first + timedelta(days=n) for n in range(self.days))


@dataclass
class Figures:
    """The totals of one period; money per currency, as a store may sell in several."""

    revenue: dict[str, Decimal] = field(default_factory=dict)
    orders_by_currency: dict[str, int] = field(default_factory=dict)
    units: int = 0
    views: int = 0

    @property
    def orders(self) -> int:
        return sum(self.orders_by_currency.values())

    @property
    def average_order_value(self) -> dict[str, Decimal]:
        return {
            currency: (amount / self.orders_by_currency[currency]).quantize(Decimal("0.01"))
            for currency, amount in self.revenue.items()
            if self.orders_by_currency.get(currency)
        }

    @property
    def conversion(self) -> Decimal | None:
        """Units sold per product view, as a percentage; None without views."""
        if not self.views:
            return None
        return (Decimal(self.units) * 100 / self.views).quantize(Decimal("0.1"))


@dataclass
class Day:
    day: date
    revenue: dict[str, Decimal] = field(default_factory=dict)
    orders: int = 0
    units: int = 0


@dataclass(frozen=True)
class TopProduct:
    product_id: int
    title: str
    currency: str
    revenue: Decimal
    units: int


@dataclass
class SalesReport:
    period: Period
    current: Figures
    previous: Figures
    days: list[Day]
    top_products: list[TopProduct]
    low_stock: int

    @property
    def currencies(self) -> list[str]:
        return sorted(set(self.current.revenue) | set(self.previous.revenue))

    @property
    def has_sales(self) -> bool:
        return bool(self.current.revenue)

    def chart_labels(self) -> list[str]:
        return [d.day.strftime("%-d %b") for d in self.days]

    def revenue_datasets(self) -> list[dict[str, Any]]:
        return [
            {"label": f"Revenue ({currency})", "data": [d.revenue.get(currency, ZERO) for d in self.days]}
            for currency in sorted(self.current.revenue)
        ]

    def count_datasets(self, name: str, label: str) -> list[dict[str, Any]]:
        return [{"label": label, "data": [getattr(d, name) for d in self.days]}]


def sales_report(vendor: Vendor, period: Period) -> SalesReport:
    current, previous = Figures(), Figures()
    days = {d: Day(d) for d in period}
    for row in _daily_sales(vendor.id, period.previous.first, period.last):
        figures = current if row.day >= period.first else previous
        if row.currency is not None:  # a day without orders comes back once, with no currency
            figures.revenue[row.currency] = figures.revenue.get(row.currency, ZERO) + row.revenue
            figures.orders_by_currency[row.currency] = figures.orders_by_currency.get(row.currency, 0) + row.orders
        figures.units += row.units
        if row.day in days:
            day = days[row.day]
            day.orders += row.orders
            day.units += row.units
            if row.currency is not None:
                day.revenue[row.currency] = day.revenue.get(row.currency, ZERO) + row.revenue
    current.views, previous.views = _views(vendor.id, period)
    return SalesReport(
        period=period,
        current=current,
        previous=previous,
        days=list(days.values()),
        top_products=_top_products(vendor.id, period),
        low_stock=low_stock_count(vendor),
    )


def order_lines(vendor: Vendor, period: Period) -> list[sa.Row[Any]]:
    """The vendor's order lines placed in the period, oldest first, for the CSV export."""
    return list(
        db.session.execute(
            sa.select(
                VendorOrder.number,
                VendorOrder.placed_at,
                VendorOrder.status,
                VendorOrder.currency,
                line.sku,
                line.title,
                line.options,
                line.quantity,
                line.unit_price,
                line.line_total,
                line.cancelled_quantity,
            )
            .join(line, line.vendor_order_id == VendorOrder.id)
            .where(*_placed_in(vendor.id, period.starts_at, period.ends_before))
            .order_by(VendorOrder.placed_at, VendorOrder.id, line.id)
        )
    )


def _placed_in(vendor_id: int, starts_at: datetime, ends_before: datetime) -> tuple[sa.ColumnElement[bool], ...]:
    # A range on placed_at (not a cast of it) so the (vendor_id, placed_at) index serves every query.
    return (VendorOrder.vendor_id == vendor_id, VendorOrder.placed_at >= starts_at, VendorOrder.placed_at < ends_before)


def _daily_sales(vendor_id: int, first: date, last: date) -> list[sa.Row[Any]]:
    """(day, currency, orders, units, revenue) for every day from first to last; days without orders included."""
    starts_at = datetime.combine(first, time.min, UTC)
    ends_before = datetime.combine(last + timedelta(days=1), time.min, UTC)
    parts = (
        sa.select(
            sa.cast(sa.func.timezone("UTC", VendorOrder.placed_at), sa.Date).label("day"),
            VendorOrder.currency,
            VendorOrder.status,
            sa.func.sum(units_kept).label("units"),
            (VendorOrder.subtotal - sa.func.greatest(VendorOrder.refunded_total, sa.func.sum(cancelled_value))).label(
                "revenue"
            ),
        )
        .join(line, line.vendor_order_id == VendorOrder.id)
        .where(*_placed_in(vendor_id, starts_at, ends_before))
        .group_by(VendorOrder.id)
        .cte("parts")
    )
    series = (
        sa.func.generate_series(sa.cast(first, sa.Date), sa.cast(last, sa.Date), sa.cast("1 day", INTERVAL))
        .table_valued("value")
        .render_derived(name="days")
    )
    day = sa.cast(series.c.value, sa.Date)
    return list(
        db.session.execute(
            sa.select(
                day.label("day"),
                parts.c.currency,
                # A part cancelled in full is no order any more.
                sa.func.count().filter(parts.c.status != "cancelled").label("orders"),
                sa.func.coalesce(sa.func.sum(parts.c.units), 0).label("units"),
                sa.func.coalesce(sa.func.sum(parts.c.revenue), ZERO).label("revenue"),
            )
            .select_from(series.outerjoin(parts, parts.c.day == day))
            .group_by(day, parts.c.currency)
            .order_by(day, parts.c.currency)
        )
    )


def _views(vendor_id: int, period: Period) -> tuple[int, int]:
    """Product views of the period and of the one before, in one query."""
    in_current = ProductViewDaily.day >= period.first
    row = db.session.execute(
        sa.select(
            sa.func.coalesce(sa.func.sum(ProductViewDaily.views).filter(in_current), 0),
            sa.func.coalesce(sa.func.sum(ProductViewDaily.views).filter(sa.not_(in_current)), 0),
        ).where(
            ProductViewDaily.vendor_id == vendor_id,
            ProductViewDaily.day >= period.previous.first,
            ProductViewDaily.day <= period.last,
        )
    ).one()
    return int(row[0]), int(row[1])


def _top_products(vendor_id: int, period: Period) -> list[TopProduct]:
    """Best sellers by value of units kept (refunds belong to whole parts, so are not split over products)."""
    revenue = sa.func.sum(line.line_total - cancelled_value)
    units = sa.func.sum(units_kept)
    rows = db.session.execute(
        sa.select(Product.id, Product.title, VendorOrder.currency, revenue, units)
        .select_from(VendorOrder)
        .join(line, line.vendor_order_id == VendorOrder.id)
        .join(Product, Product.id == line.product_id)
        .where(*_placed_in(vendor_id, period.starts_at, period.ends_before))
        .group_by(Product.id, Product.title, VendorOrder.currency)
        .having(units > 0)
        .order_by(revenue.desc(), units.desc(), Product.id)
        .limit(TOP_PRODUCTS)
    ).all()
    return [TopProduct(pid, title, currency, amount, int(count)) for pid, title, currency, amount, count in rows]
