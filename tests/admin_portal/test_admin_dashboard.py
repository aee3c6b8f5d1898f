"""The dashboard: figures for a period against the one before, from the admin's own read models only."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, time, timedelta

import pytest
import sqlalchemy as sa

from admin_portal.extensions import db
from tests.admin_portal.conftest import deliver, order_data, publish, vendor_known
from tests.admin_portal.test_admin_pages import assert_well_formed


def today() -> datetime:
    return datetime.combine(datetime.now(UTC).date(), time(12, 0), tzinfo=UTC)


def days_ago(n: int) -> datetime:
    return today() - timedelta(days=n)


def tile(html: str, label: str) -> str:
    """The value shown on the stat tile with this label."""
    match = re.search(rf'<p class="stat-label">{re.escape(label)}</p>\s*<p class="stat-value">([^<]*)</p>', html)
    assert match, f"no tile {label!r}"
    return match.group(1)


def test_revenue_is_the_sum_of_the_orders_placed_in_the_period(platform, signed_in):
    vendor_known(platform, 7, "Acme Audio")
    in_period = [
        order_data(today(), [(7, 1, 2, "19.99")], shipping="4.95"),  # 44.93
        order_data(days_ago(3), [(7, 2, 1, "100.00")]),  # 100.00
        order_data(days_ago(29), [(7, 1, 3, "10.00"), (7, 2, 1, "5.50")]),  # 35.50
    ]
    outside = [order_data(days_ago(31), [(7, 1, 1, "999.00")]), order_data(days_ago(80), [(7, 1, 1, "500.00")])]
    for data in in_period + outside:
        publish(platform, "order.placed", data)

    html = signed_in("analyst").get("/").get_data(as_text=True)
    assert tile(html, "Revenue (EUR)") == "180.43 EUR"
    assert tile(html, "Orders") == "3"
    assert tile(html, "Units sold") == "7"
    assert tile(html, "Average order value (EUR)") == "60.14 EUR"
    assert "minus the refunds made in the period" in html  # the definition is on the page
    # The previous 30 days had one order of 999.00: revenue went down.
    revenue_tile = html.split("Revenue (EUR)</p>", 1)[1].split("</div>", 1)[0]
    assert "stat-delta-down" in revenue_tile and "-81.9 %" in revenue_tile


def test_a_refund_made_in_the_period_lowers_revenue(platform, signed_in):
    order = order_data(days_ago(2), [(7, 1, 1, "80.00")])
    publish(platform, "order.placed", order)
    publish(
        platform,
        "order.refunded",
        {
            "order_id": order["order_id"],
            "number": order["number"],
            "refund_id": "r-1",
            "amount": "30.00",
            "currency": "EUR",
            "reason": "damaged",
        },
    )
    html = signed_in("owner").get("/?period=7").get_data(as_text=True)
    assert tile(html, "Revenue (EUR)") == "50.00 EUR"
    assert tile(html, "Orders") == "1"


def test_each_currency_gets_its_own_revenue(platform, signed_in):
    publish(platform, "order.placed", order_data(today(), [(7, 1, 1, "10.00")], currency="EUR"))
    publish(platform, "order.placed", order_data(today(), [(7, 1, 1, "20.00")], currency="GBP"))
    html = signed_in("owner").get("/?period=today").get_data(as_text=True)
    assert tile(html, "Revenue (EUR)") == "10.00 EUR"
    assert tile(html, "Revenue (GBP)") == "20.00 GBP"
    assert tile(html, "Orders") == "2"


def test_the_dashboard_renders_from_its_own_tables_with_every_other_service_down(platform, signed_in):
    vendor_known(platform, 7, "Acme Audio")
    publish(platform, "order.placed", order_data(days_ago(1), [(7, 1, 2, "25.00")]))
    client = signed_in("support")
    for adapter in platform.adapters.values():
        adapter.down = True
    response = client.get("/")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert tile(html, "Revenue (EUR)") == "50.00 EUR"
    assert "Acme Audio" in html  # the top vendors come from the vendor read model
    assert_well_formed(html)


def test_traffic_funnel_and_conversion_come_from_the_traffic_batches(platform, signed_in):
    at = days_ago(1).isoformat()

    def event(kind: str, visitor: str, product_id: int | None = None) -> dict:
        return {"kind": kind, "visitor": visitor, "at": at, "path": "/", "product_id": product_id, "vendor_id": None}

    batch = [event("page_view", v) for v in ("a", "b", "c", "d")] + [event("page_view", "a")]
    batch += [event("product_view", "a", 1), event("product_view", "b", 1), event("add_to_cart", "a")]
    batch += [event("checkout_started", "a"), event("order_placed", "a")]
    assert deliver(platform, "traffic.batch", {"events": batch}) == "applied"
    publish(platform, "order.placed", order_data(days_ago(1), [(7, 1, 1, "10.00")]))

    html = signed_in("owner").get("/?period=7").get_data(as_text=True)
    assert tile(html, "Visitors") == "4"
    assert tile(html, "Page views") == "5"
    assert tile(html, "Conversion rate") == "25.00 %"
    funnel = html.split("Visitors at each step of the shopping funnel", 1)[1].split("</table>", 1)[0]
    cells = re.findall(
        r'<th scope="row">([^<]+)</th>\s*<td class="num">([^<]+)</td>\s*<td class="num">([^<]+)</td>', funnel
    )
    assert cells == [
        ("Visits", "4", "100.0 %"),
        ("Viewed a product", "2", "50.0 %"),
        ("Added to cart", "1", "25.0 %"),
        ("Started checkout", "1", "25.0 %"),
        ("Placed an order", "1", "25.0 %"),
    ]


def test_new_customers_are_counted_on_the_day_they_registered(platform, signed_in):
    for n, when in enumerate((today(), days_ago(2), days_ago(40)), start=1):
        data = {"customer_id": n, "email": f"c{n}@example.com", "name": f"C {n}", "registered_at": when.isoformat()}
        publish(platform, "customer.registered", data)
    html = signed_in("owner").get("/").get_data(as_text=True)
    assert tile(html, "New customers") == "2"


def test_top_lists_name_categories_products_and_vendors_by_revenue(platform, signed_in, make_category):
    audio = make_category("Audio")
    vendor_known(platform, 7, "Acme Audio")
    vendor_known(platform, 8, "Book Nook")
    product = {"vendor_id": 7, "title": "Studio Headphones", "status": "active", "currency": "EUR", "variants": []}
    assert deliver(platform, "product.upserted", {**product, "product_id": 1, "category_id": audio}) == "applied"
    publish(platform, "order.placed", order_data(days_ago(1), [(7, 1, 2, "150.00"), (8, 2, 1, "12.00")]))

    html = signed_in("owner").get("/").get_data(as_text=True)
    categories = html.split("Top categories data", 1)[1].split("</table>", 1)[0]
    assert categories.index("Audio") < categories.index("Uncategorised")
    vendors = html.split("Top vendors data", 1)[1].split("</table>", 1)[0]
    assert vendors.index("Acme Audio") < vendors.index("Book Nook")
    assert "300.00" in vendors
    assert "Product 1" in html.split("Top products data", 1)[1].split("</table>", 1)[0]


def test_with_no_data_yet_the_dashboard_says_so_instead_of_showing_zeros(signed_in):
    html = signed_in("owner").get("/").get_data(as_text=True)
    assert "No analytics yet" in html and 'class="stat' not in html


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ("period=custom&date_from=2026-03-10&date_to=2026-03-01", "date_to", "on or after the first day"),
        ("period=custom&date_from=2024-01-01&date_to=2025-06-30", "date_to", "at most 366 days"),
        ("period=custom&date_to=2026-01-01", "date_from", "Enter the first day"),
        ("period=custom&date_from=2026-01-01&date_to=nonsense", "date_to", "Not a valid date value"),
        ("period=custom&date_from={tomorrow}&date_to={tomorrow}", "date_from", "not in the future"),
    ],
)
def test_a_custom_period_is_checked_and_errors_show_next_to_the_dates(signed_in, query, field, message):
    tomorrow = (datetime.now(UTC).date() + timedelta(days=1)).isoformat()
    response = signed_in("analyst").get("/?" + query.format(tomorrow=tomorrow))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    error = html.split(f'id="{field}-error"', 1)[1].split("</p>", 1)[0]
    assert message in error
    assert 'class="stat' not in html
    assert_well_formed(html)


def test_a_valid_custom_period_is_compared_with_the_days_just_before(platform, signed_in):
    start = days_ago(9).date()
    end = days_ago(5).date()
    publish(platform, "order.placed", order_data(days_ago(6), [(7, 1, 1, "40.00")]))
    publish(platform, "order.placed", order_data(days_ago(12), [(7, 1, 1, "20.00")]))
    html = signed_in("owner").get(f"/?period=custom&date_from={start}&date_to={end}").get_data(as_text=True)
    text = " ".join(html.split())
    assert (
        f"{start} to {end} (5 days), compared with {start - timedelta(days=5)} to {start - timedelta(days=1)}" in text
    )
    assert tile(html, "Revenue (EUR)") == "40.00 EUR"
    assert "+100.0 %" in html.split("Revenue (EUR)</p>", 1)[1].split("</div>", 1)[0]


def test_the_dashboard_runs_a_fixed_number_of_queries_whatever_the_data(platform, signed_in):
    client = signed_in("owner")

    def statements_for_one_page() -> int:
        seen: list[str] = []

        def count(conn, cursor, statement, *args):
            seen.append(statement)

        with platform.admin.app_context():
            engine = db.engine
        sa.event.listen(engine, "before_cursor_execute", count)
        try:
            assert client.get("/?period=90").status_code == 200
        finally:
            sa.event.remove(engine, "before_cursor_execute", count)
        return len(seen)

    publish(platform, "order.placed", order_data(days_ago(1), [(7, 1, 1, "10.00")]))
    few = statements_for_one_page()
    for n in range(30):
        deliver(
            platform, "order.placed", order_data(days_ago(n), [(7 + n % 3, n, 1, "10.00")], order_id=str(uuid.uuid4()))
        )
    many = statements_for_one_page()
    assert many == few
    assert many <= 16
