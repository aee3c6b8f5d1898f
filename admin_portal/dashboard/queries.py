"""The dashboard's figures, from the admin portal's own analytics tables only (no peer is called).

Every figure is aggregated in SQL per UTC day over the current and the previous period at once, and
summed per period here: a fixed handful of queries whatever the period's length or the data's size.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from admin_portal.analytics.models import (
    CustomerFact,
    OrderFact,
    OrderLineFact,
    RefundFact,
    TrafficDay,
)
from admin_portal.categories.models import Category
from admin_portal.extensions import db
from admin_portal.templating import money_text
from admin_portal.vendors.models import VendorSummary

TOP = 10
ZERO = Decimal("0.00")
# Traffic columns summed per period; the funnel steps are distinct visitors per day.
TRAFFIC_COLUMNS = (
    "visitors",
    "page_views",
    "product_views",
    "product_viewers",
    "cart_adders",
    "checkout_starters",
    "buyers",
)
FUNNEL = (
    ("Visits", "visitors"),
    ("Viewed a product", "product_viewers"),
    ("Added to cart", "cart_adders"),
    ("Started checkout", "checkout_starters"),
    ("Placed an order", "buyers"),
)


def utc_today() -> date:
    return datetime.now(UTC).date()


@dataclass(frozen=True)
class Period:
    """A range of whole UTC days, both ends included."""

    start: date
    end: date
    key: str = "custom"

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def previous(self) -> Period:
        """The period of the same length just before this one."""
        end = self.start - timedelta(days=1)
        return Period(end - timedelta(days=self.days - 1), end)

    def each_day(self) -> list[date]:
        return [self.start + timedelta(days=n) for n in range(self.days)]

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.start <= day <= self.end


@dataclass
class Totals:
    """One period's figures."""

    gross: dict[str, Decimal] = field(default_factory=lambda: defaultdict(lambda: ZERO))
    refunds: dict[str, Decimal] = field(default_factory=lambda: defaultdict(lambda: ZERO))
    orders_by_currency: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    units: int = 0
    new_customers: int = 0
    traffic: dict[str, int] = field(default_factory=lambda: dict.fromkeys(TRAFFIC_COLUMNS, 0))

    @property
    def orders(self) -> int:
        return sum(self.orders_by_currency.values())

    def revenue(self, currency: str) -> Decimal:
        return self.gross[currency] - self.refunds[currency]

    def average_order(self, currency: str) -> Decimal | None:
        count = self.orders_by_currency[currency]
        return (self.gross[currency] / count).quantize(Decimal("0.01")) if count else None

    @property
    def conversion(self) -> Decimal | None:
        visitors = self.traffic["visitors"]
        return (Decimal(self.orders) * 100 / visitors).quantize(Decimal("0.01")) if visitors else None

    def is_empty(self) -> bool:
        return not (self.orders or self.units or self.new_customers or any(self.traffic.values()) or self.refunds)


@dataclass
class Dashboard:
    period: Period
    current: Totals
    previous: Totals
    currencies: list[str]
    main_currency: str | None
    days: list[date]
    revenue_per_day: dict[str, list[Decimal]]
    orders_per_day: list[int]
    visitors_per_day: list[int]
    page_views_per_day: list[int]
    top_categories: list[tuple[str, Decimal]]
    top_products: list[tuple[str, Decimal, int]]
    top_vendors: list[tuple[str, Decimal]]
    has_any_data: bool

    @property
    def day_labels(self) -> list[str]:
        return [day.isoformat() for day in self.days]

    @property
    def revenue_datasets(self) -> list[dict[str, Any]]:
        return [{"label": f"Revenue ({c})", "data": values} for c, values in self.revenue_per_day.items()]

    @property
    def funnel(self) -> list[dict[str, Any]]:
        """Each step: visitors who reached it, as a share of visits and of the step before."""
        steps, first, before = [], self.current.traffic["visitors"], None
        for label, column in FUNNEL:
            count = self.current.traffic[column]
            steps.append(
                {
                    "label": label,
                    "count": count,
                    "of_visits": _percent(count, first),
                    "of_previous": _percent(count, before) if before is not None else None,
                }
            )
            before = count
        return steps


def dashboard(period: Period) -> Dashboard:
    both = Period(period.previous.start, period.end)
    current, previous = Totals(), Totals()
    days = period.each_day()
    revenue_per_day: dict[str, dict[date, Decimal]] = defaultdict(lambda: defaultdict(lambda: ZERO))
    orders_per_day: dict[date, int] = defaultdict(int)

    def totals_for(day: date) -> Totals:
        return current if day in period else previous

    # 1. Orders placed: count and gross per day and currency.
    for day, currency, count, gross in db.session.execute(
        sa.select(OrderFact.placed_on, OrderFact.currency, sa.func.count(), sa.func.sum(OrderFact.total))
        .where(OrderFact.placed_on.between(both.start, both.end))
        .group_by(OrderFact.placed_on, OrderFact.currency)
    ):
        totals = totals_for(day)
        totals.orders_by_currency[currency] += count
        totals.gross[currency] += gross
        if day in period:
            orders_per_day[day] += count
            revenue_per_day[currency][day] += gross
    # 2. Units sold, per day.
    for day, units in db.session.execute(
        sa.select(OrderLineFact.placed_on, sa.func.sum(OrderLineFact.quantity))
        .where(OrderLineFact.placed_on.between(both.start, both.end))
        .group_by(OrderLineFact.placed_on)
    ):
        totals_for(day).units += int(units)
    # 3. Refunds, on the day they were made.
    for day, currency, amount in db.session.execute(
        sa.select(RefundFact.refunded_on, RefundFact.currency, sa.func.sum(RefundFact.amount))
        .where(RefundFact.refunded_on.between(both.start, both.end))
        .group_by(RefundFact.refunded_on, RefundFact.currency)
    ):
        totals_for(day).refunds[currency] += amount
        if day in period:
            revenue_per_day[currency][day] -= amount
    # 4. New customers.
    for day, count in db.session.execute(
        sa.select(CustomerFact.registered_on, sa.func.count())
        .where(CustomerFact.registered_on.between(both.start, both.end))
        .group_by(CustomerFact.registered_on)
    ):
        totals_for(day).new_customers += count
    # 5. Traffic, already one row per day.
    visitors_per_day: dict[date, int] = {}
    page_views_per_day: dict[date, int] = {}
    columns = [getattr(TrafficDay, name) for name in TRAFFIC_COLUMNS]
    for row in db.session.execute(
        sa.select(TrafficDay.day, *columns).where(TrafficDay.day.between(both.start, both.end))
    ):
        totals = totals_for(row.day)
        for name in TRAFFIC_COLUMNS:
            totals.traffic[name] += getattr(row, name)
        if row.day in period:
            visitors_per_day[row.day] = row.visitors
            page_views_per_day[row.day] = row.page_views

    currencies = sorted(set(current.gross) | set(current.refunds) | set(previous.gross) | set(previous.refunds))
    main_currency = max(currencies, key=lambda c: (current.gross[c], previous.gross[c]), default=None)
    empty = current.is_empty() and previous.is_empty()
    return Dashboard(
        period=period,
        current=current,
        previous=previous,
        currencies=currencies,
        main_currency=main_currency,
        days=days,
        revenue_per_day={c: [revenue_per_day[c][d] for d in days] for c in currencies},
        orders_per_day=[orders_per_day[d] for d in days],
        visitors_per_day=[visitors_per_day.get(d, 0) for d in days],
        page_views_per_day=[page_views_per_day.get(d, 0) for d in days],
        top_categories=top_categories(period, main_currency) if main_currency else [],
        top_products=top_products(period, main_currency) if main_currency else [],
        top_vendors=top_vendors(period, main_currency) if main_currency else [],
        has_any_data=not empty or _any_data(),
    )


def _lines_in(period: Period, currency: str) -> Iterable[Any]:
    return (OrderLineFact.placed_on.between(period.start, period.end), OrderLineFact.currency == currency)


def top_categories(period: Period, currency: str) -> list[tuple[str, Decimal]]:
    revenue = sa.func.sum(OrderLineFact.line_total)
    rows = db.session.execute(
        sa.select(Category.name, revenue)
        .select_from(OrderLineFact)
        .outerjoin(Category, Category.id == OrderLineFact.category_id)
        .where(*_lines_in(period, currency))
        .group_by(OrderLineFact.category_id, Category.name)
        .order_by(revenue.desc(), Category.name)
        .limit(TOP)
    ).all()
    return [(name or "Uncategorised", total) for name, total in rows]


def top_products(period: Period, currency: str) -> list[tuple[str, Decimal, int]]:
    revenue = sa.func.sum(OrderLineFact.line_total)
    rows = db.session.execute(
        # The title the product had when sold: no join, and still right for products since removed.
        sa.select(sa.func.max(OrderLineFact.title), revenue, sa.func.sum(OrderLineFact.quantity))
        .where(*_lines_in(period, currency))
        .group_by(OrderLineFact.product_id)
        .order_by(revenue.desc(), OrderLineFact.product_id)
        .limit(TOP)
    ).all()
    return [(title, total, int(units)) for title, total, units in rows]


def top_vendors(period: Period, currency: str) -> list[tuple[str, Decimal]]:
    revenue = sa.func.sum(OrderLineFact.line_total)
    rows = db.session.execute(
        sa.select(OrderLineFact.vendor_id, VendorSummary.store_name, revenue)
        .select_from(OrderLineFact)
        .outerjoin(VendorSummary, VendorSummary.vendor_id == OrderLineFact.vendor_id)
        .where(*_lines_in(period, currency))
        .group_by(OrderLineFact.vendor_id, VendorSummary.store_name)
        .order_by(revenue.desc(), OrderLineFact.vendor_id)
        .limit(TOP)
    ).all()
    return [(name or f"Vendor {vendor_id}", total) for vendor_id, name, total in rows]


def _any_data() -> bool:
    """Whether anything has ever arrived (else the page says so instead of showing zeros)."""
    return bool(
        db.session.scalar(
            sa.select(
                sa.exists().where(OrderFact.order_id.is_not(None))
                | sa.exists().where(TrafficDay.day.is_not(None))
                | sa.exists().where(CustomerFact.customer_id.is_not(None))
            )
        )
    )


def _percent(part: int, whole: int | None) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part) * 100 / whole).quantize(Decimal("0.1"))


# --- tiles ---------------------------------------------------------------------------------------------


def tiles(board: Dashboard) -> list[dict[str, Any]]:
    """The stat tiles: label, value text and change against the previous period."""
    cur, prev = board.current, board.previous
    out: list[dict[str, Any]] = []
    for currency in board.currencies or []:
        out.append(
            _tile(
                f"Revenue ({currency})",
                money_text(cur.revenue(currency), currency),
                cur.revenue(currency),
                prev.revenue(currency),
            )
        )
    out.append(_tile("Orders", f"{cur.orders:,}", cur.orders, prev.orders))
    for currency in board.currencies or []:
        average, before = cur.average_order(currency), prev.average_order(currency)
        value = money_text(average, currency) if average is not None else "—"
        out.append(_tile(f"Average order value ({currency})", value, average or 0, before or 0))
    out.append(_tile("Units sold", f"{cur.units:,}", cur.units, prev.units))
    out.append(_tile("New customers", f"{cur.new_customers:,}", cur.new_customers, prev.new_customers))
    out.append(_tile("Visitors", f"{cur.traffic['visitors']:,}", cur.traffic["visitors"], prev.traffic["visitors"]))
    out.append(
        _tile("Page views", f"{cur.traffic['page_views']:,}", cur.traffic["page_views"], prev.traffic["page_views"])
    )
    rate, before = cur.conversion, prev.conversion
    tile = _tile("Conversion rate", f"{rate} %" if rate is not None else "—", rate or 0, before or 0)
    if rate is not None and before is not None:
        # A rate's change reads best in percentage points, not as a percentage of a percentage.
        points = rate - before
        tile["delta"] = f"{points:+.2f} pts" if points else "no change"
    out.append(tile)
    return out


def _tile(label: str, value: str, now: Decimal | int, before: Decimal | int) -> dict[str, Any]:
    if now == before:
        delta, direction = "no change", "flat"
    elif not before:
        delta, direction = "new", "up"
    else:
        change = (Decimal(now) - Decimal(before)) * 100 / abs(Decimal(before))
        delta, direction = f"{change:+.1f} %", "up" if change > 0 else "down"
    return {"label": label, "value": value, "delta": delta, "direction": direction}
