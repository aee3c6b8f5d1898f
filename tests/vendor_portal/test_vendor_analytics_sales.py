"""A store's sales analytics: figures that add up to its own order lines for the period and the one before,
views and conversion from the shop's traffic, and a CSV export of its lines that a spreadsheet cannot run."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from tests.conftest import csrf_from
from tests.vendor_portal.orders_fixtures import (
    make_item_fixture,  # noqa: F401 - the make_item fixture
    place_order_fixture,  # noqa: F401 - the place_order fixture
    shop_events_fixture,  # noqa: F401 - the shop_events fixture
    sql,
    vendor_order_ids,
)

NOW = datetime.now(UTC)


def stats(html: str) -> dict[str, str]:
    """{label: value} of the stat tiles on a page."""
    return dict(re.findall(r'<p class="stat-label">([^<]+)</p>\s*<p class="stat-value">([^<]+)</p>', html))


def deltas(html: str) -> dict[str, str]:
    """{label: delta text} of the stat tiles that compare with the previous period."""
    found = re.findall(
        r'<p class="stat-label">([^<]+)</p>\s*<p class="stat-value">[^<]+</p>\s*<p class="stat-delta[^"]*">\s*'
        r'<span aria-hidden="true">[^<]*</span>\s*<span class="visually-hidden">[^<]*</span>\s*([^<]+?)\s*<span',
        html,
        re.S,
    )
    return {label: delta.strip() for label, delta in found}


def chart_row(html: str, chart_title: str, day: datetime) -> list[str]:
    """The data-table cells of one day in a chart."""
    table = html.split(f'<caption class="visually-hidden">{chart_title}</caption>', 1)[1].split("</table>", 1)[0]
    label = day.strftime("%-d %b")
    row = re.search(rf'<th scope="row">{label}</th>(.*?)</tr>', table, re.S)
    assert row, f"no row for {label} in {chart_title}"
    return re.findall(r'<td class="num">([^<]*)</td>', row.group(1))


def cancel_units(store, part_id: int, line_pk: int, quantity: int) -> None:
    token = csrf_from(store.client.get(f"/orders/{part_id}").get_data(as_text=True))
    response = store.client.post(
        f"/orders/{part_id}/cancel",
        data={f"line_{line_pk}": quantity, "step": "confirm", "csrf_token": token},
    )
    assert response.status_code == 302, response.get_data(as_text=True)


def product_view(product_id: int, at: datetime, vendor_id: int | None = None) -> dict:
    return {
        "kind": "product_view",
        "visitor": "v-1",
        "at": at.isoformat(),
        "path": f"/products/{product_id}",
        "product_id": product_id,
        "vendor_id": vendor_id,
    }


@pytest.fixture
def sales(vendor, make_store, make_item, place_order, shop_events):
    """A store's orders in the last 30 days, the 30 before, and long ago, with cancellations and refunds."""
    store, other = make_store("approved"), make_store("approved")
    stand = make_item(store, title="Walnut stand", price="30.00", stock=10)
    cable = make_item(store, title="Braided cable", price="10.00", stock=10)
    make_item(store, title="Desk lamp", price="50.00", stock=1)  # low on stock: 1 left, threshold 5
    elsewhere = make_item(other, title="Someone else's mug", price="99.00")

    # This period: 70.00 less a 5.00 goodwill refund on the stand...
    first = place_order([(stand, 2), (cable, 1)], placed_at=NOW - timedelta(days=2))
    refund = {"currency": "EUR", "order_id": first.order_id, "number": first.number, "refund_id": "R-1"}
    shop_events(
        "order.refunded", {**refund, "amount": "5.00", "lines": [{"line_id": first.line_id(stand), "amount": "5.00"}]}
    )
    # ...30.00 of cables, one cancelled by the store and refunded by the shop: counted once, 20.00...
    second = place_order([(cable, 3)], placed_at=NOW - timedelta(days=5))
    part = vendor_order_ids(vendor, second.order_id)[store.vendor_id]
    line_pk = sql(vendor, "SELECT id FROM vendor_order_line WHERE vendor_order_id = :p", p=part)[0][0]
    cancel_units(store, part, line_pk, 1)
    refund = {"currency": "EUR", "order_id": second.order_id, "number": second.number, "refund_id": "R-2"}
    shop_events(
        "order.refunded",
        {**refund, "amount": "10.00", "lines": [{"line_id": second.line_id(cable), "amount": "10.00"}]},
    )
    # ...and an order the shop cancelled whole: no revenue, no order, no units.
    third = place_order([(stand, 1)], placed_at=NOW - timedelta(days=3))
    shop_events("order.cancelled", {"order_id": third.order_id, "number": third.number})
    # The period before: 30.00. Long ago, and another store's: not counted.
    place_order([(stand, 1)], placed_at=NOW - timedelta(days=40))
    place_order([(stand, 4)], placed_at=NOW - timedelta(days=100))
    place_order([(elsewhere, 1)], placed_at=NOW - timedelta(days=2), number="MP-OTHER")
    return store, stand, cable


def test_the_figures_add_up_to_the_stores_own_lines_for_the_period_and_the_one_before(sales):
    store, *_ = sales
    html = store.client.get("/analytics").get_data(as_text=True)

    assert stats(html) == {
        "Revenue (EUR)": "85.00 EUR",  # (70.00 - 5.00) + (30.00 - 10.00)
        "Orders": "2",
        "Units sold": "5",
        "Average order value (EUR)": "42.50 EUR",
        "Product views": "0",
        "Conversion (units per 100 views)": "—",
        "Variants low on stock": "1",
    }
    assert deltas(html) == {
        "Revenue (EUR)": "+183%",  # 85.00 against 30.00
        "Orders": "+100%",
        "Units sold": "+400%",
        "Average order value (EUR)": "+42%",  # 42.50 against 30.00
        "Product views": "No change",
    }
    assert html.count("<h1") == 1 and "Last 30 days" in html


def test_the_charts_show_each_day_with_its_own_sales_and_empty_days_as_zero(sales):
    store, *_ = sales
    html = store.client.get("/analytics?days=7").get_data(as_text=True)

    assert chart_row(html, "Revenue per day", NOW - timedelta(days=2)) == ["65.00"]
    assert chart_row(html, "Revenue per day", NOW - timedelta(days=5)) == ["20.00"]
    assert chart_row(html, "Revenue per day", NOW - timedelta(days=3)) == ["0.00"]  # cancelled whole
    assert chart_row(html, "Orders per day", NOW - timedelta(days=3)) == ["0"]
    assert chart_row(html, "Units sold per day", NOW - timedelta(days=5)) == ["2"]
    assert chart_row(html, "Units sold per day", NOW) == ["0"]
    table = html.split('<caption class="visually-hidden">Orders per day</caption>', 1)[1].split("</table>", 1)[0]
    assert table.count('<th scope="row">') == 7
    assert 'src="/static/ui/js/charts.js?v=' in html


def test_best_sellers_rank_products_by_sales_of_units_kept(sales):
    store, *_ = sales
    html = store.client.get("/analytics").get_data(as_text=True)
    table = html.split("Best-selling products", 1)[1].split("</table>", 1)[0]
    rows = re.findall(
        r'<th scope="row">([^<]+)</th>\s*<td class="num">(\d+)</td>\s*<td class="num nowrap">([^<]+)</td>', table
    )
    assert rows == [("Walnut stand", "2", "60.00 EUR"), ("Braided cable", "3", "30.00 EUR")]


def test_the_previous_period_is_shown_on_its_own_when_chosen(sales):
    store, *_ = sales
    html = store.client.get("/analytics?days=90").get_data(as_text=True)
    figures = stats(html)
    # 90 days take in the order of 40 days ago too; the one of 100 days ago falls in the period before.
    assert (figures["Revenue (EUR)"], figures["Orders"], figures["Units sold"]) == ("115.00 EUR", "3", "6")
    assert deltas(html)["Orders"] == "+200%"


def test_an_unknown_period_falls_back_to_30_days(sales):
    store, *_ = sales
    html = store.client.get("/analytics?days=3650").get_data(as_text=True)
    assert 'aria-current="page">Last 30 days' in html


def test_sales_in_several_currencies_are_never_added_together(vendor, make_store, make_item, place_order):
    store = make_store("approved")
    euro, pound = make_item(store, price="10.00"), make_item(store, price="8.00", currency="GBP")
    place_order([(euro, 2)], placed_at=NOW - timedelta(days=1))
    place_order([(pound, 1)], placed_at=NOW - timedelta(days=1), currency="GBP")

    html = store.client.get("/analytics").get_data(as_text=True)
    figures = stats(html)
    assert figures["Revenue (EUR)"] == "20.00 EUR" and figures["Revenue (GBP)"] == "8.00 GBP"
    assert figures["Average order value (GBP)"] == "8.00 GBP" and figures["Orders"] == "2"
    assert chart_row(html, "Revenue per day", NOW - timedelta(days=1)) == ["20.00", "8.00"]


def test_a_store_without_sales_sees_zeros_and_an_empty_state(make_store):
    html = make_store("approved").client.get("/analytics").get_data(as_text=True)
    assert "No sales in this period" in html
    assert stats(html)["Orders"] == "0" and stats(html)["Revenue"] == "0.00"
    assert "chart.umd.min.js" not in html


def test_product_views_from_the_shops_traffic_give_views_and_conversion(
    vendor, make_store, make_item, place_order, shop_events
):
    store, other = make_store("approved"), make_store("approved")
    stand, mug = make_item(store, price="30.00"), make_item(other)
    place_order([(stand, 3)], placed_at=NOW - timedelta(days=1))
    place_order([(stand, 1)], placed_at=NOW - timedelta(days=40))
    yesterday, long_ago = NOW - timedelta(days=1), NOW - timedelta(days=40)
    batch = [product_view(stand.product_id, yesterday, vendor_id=other.vendor_id) for _ in range(20)]
    batch += [product_view(stand.product_id, long_ago) for _ in range(10)]
    batch += [product_view(mug.product_id, yesterday), product_view(424242, yesterday)]
    batch += [
        {**product_view(stand.product_id, yesterday), "kind": "page_view"},
        {"kind": "product_view", "at": "soon"},
    ]

    shop_events("traffic.batch", {"events": batch})
    shop_events("traffic.batch", {"events": [product_view(stand.product_id, yesterday) for _ in range(20)]})

    rows = sql(vendor, "SELECT product_id, vendor_id, day, views FROM product_view_daily ORDER BY product_id, day")
    assert [tuple(row) for row in rows] == [
        (stand.product_id, store.vendor_id, long_ago.date(), 10),
        (stand.product_id, store.vendor_id, yesterday.date(), 40),  # two batches add up; the vendor is the product's
        (mug.product_id, other.vendor_id, yesterday.date(), 1),
    ]
    html = store.client.get("/analytics").get_data(as_text=True)
    assert stats(html)["Product views"] == "40"
    assert stats(html)["Conversion (units per 100 views)"] == "7.5%"  # 3 units / 40 views
    assert deltas(html)["Conversion (units per 100 views)"] == "-2.5 points"  # was 1 / 10


def test_the_page_costs_the_same_few_queries_however_many_orders(vendor, make_store, make_item, place_order):
    store = make_store("approved")
    item = make_item(store)

    def queries_for_page() -> int:
        statements = []
        with vendor.app_context():
            engine = vendor.extensions["sqlalchemy"].engine

            def count(*args):
                statements.append(args[2])

            sa.event.listen(engine, "before_cursor_execute", count)
            try:
                assert store.client.get("/analytics?days=90").status_code == 200
            finally:
                sa.event.remove(engine, "before_cursor_execute", count)
        return len(statements)

    place_order([(item, 1)], placed_at=NOW - timedelta(days=1))
    few = queries_for_page()
    for days in range(2, 40, 3):
        place_order([(item, 2)], placed_at=NOW - timedelta(days=days))
    assert queries_for_page() == few <= 8


def csv_rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.get_data(as_text=True))))


def test_the_csv_export_holds_the_periods_lines_of_this_store_only(sales):
    store, *_ = sales
    response = store.client.get("/analytics/export.csv?days=30")

    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment;" in response.headers["Content-Disposition"]
    header, *rows = csv_rows(response)
    assert header == [
        "Order number",
        "Placed at (UTC)",
        "Status",
        "SKU",
        "Title",
        "Options",
        "Quantity",
        "Unit price",
        "Line total",
        "Currency",
        "Cancelled quantity",
    ]
    summary = sorted((row[4], row[6], row[8], row[10], row[2]) for row in rows)
    assert summary == [
        ("Braided cable", "1", "10.00", "0", "placed"),
        ("Braided cable", "3", "30.00", "1", "placed"),
        ("Walnut stand", "1", "30.00", "1", "cancelled"),
        ("Walnut stand", "2", "60.00", "0", "placed"),
    ]
    assert "MP-OTHER" not in response.get_data(as_text=True)


def test_the_csv_export_cannot_run_formulas_and_quotes_what_needs_quoting(vendor, make_store, make_item, place_order):
    store = make_store("approved")
    evil = make_item(store, title='=HYPERLINK("http://evil.example","Click")', sku="+SKU-1", options={"Size": "-1"})
    plain = make_item(store, title='Cable, braided "pro"', sku="@home")
    place_order([(evil, 1), (plain, 2)], placed_at=NOW - timedelta(hours=1), number="MP-1")

    _, first, second = csv_rows(store.client.get("/analytics/export.csv"))

    assert first[3:6] == ["'+SKU-1", '\'=HYPERLINK("http://evil.example","Click")', "Size: -1"]
    assert second[3:5] == ["'@home", 'Cable, braided "pro"']  # commas and quotes survive the round trip
    assert first[0] == "MP-1" and first[7:10] == ["20.00", "20.00", "EUR"]


def test_analytics_pages_need_a_signed_in_store(vendor):
    client = vendor.test_client()
    for path in ("/analytics", "/analytics/export.csv"):
        response = client.get(path)
        assert response.status_code == 302 and "/account/signin" in response.headers["Location"]
