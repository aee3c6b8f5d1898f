"""The inventory pages: stock overview, low-stock list, a variant's stock with its adjust form and history."""

from __future__ import annotations

import re

import pytest

from tests.conftest import csrf_from, submit
from tests.vendor_portal.inventory_fixtures import (
    history,
    make_stocked_fixture,  # noqa: F401 - the make_stocked fixture
    variant_stock,
)


def rows(html: str) -> list[str]:
    """The text of each body row's header cell (the product title), in page order."""
    body = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0] if "<tbody>" in html else ""
    return [
        re.sub(r"<[^>]+>|\s+\(draft\)", "", cell).strip() for cell in re.findall(r'<th scope="row">(.*?)</th>', body)
    ]


def field_error(html: str, field_id: str) -> str:
    return html.split(f'id="{field_id}-error"', 1)[1].split("</p>", 1)[0]


def test_the_overview_shows_each_variants_stock_with_its_badge(vendor, make_store, make_stocked):
    store = make_store()
    make_stocked(store.vendor_id, stock=[12, 3, 0], title="Linen shirt", sku="SHIRT", threshold=5)

    response = store.client.get("/inventory")
    html = response.get_data(as_text=True)

    assert response.status_code == 200
    assert html.count("<h1") == 1
    assert rows(html) == ["Linen shirt"] * 3
    assert "SHIRT-S" in html and "SHIRT-M" in html and "SHIRT-L" in html
    assert html.count('class="badge badge-in-stock"') == 1
    assert html.count('class="badge badge-low-stock"') == 1
    assert html.count('class="badge badge-out-of-stock"') == 1
    assert 'aria-current="page"' in html.split("</nav>", 1)[0]  # Inventory is the current nav entry


def test_a_new_store_is_told_its_stock_appears_once_it_has_products(make_store):
    html = make_store().client.get("/inventory").get_data(as_text=True)

    assert "No stock to show yet" in html
    assert 'href="/products"' in html


def test_the_overview_searches_by_title_or_sku_and_filters_low_and_out_of_stock(make_store, make_stocked):
    store = make_store()
    make_stocked(store.vendor_id, stock=40, title="Walnut stand", sku="WAL-1")
    make_stocked(store.vendor_id, stock=2, title="Oak stand", sku="OAK-1")
    make_stocked(store.vendor_id, stock=0, title="Braided cable", sku="CAB-1")
    make_stocked(store.vendor_id, stock=0, title="Old cable", sku="OLD-1", status="archived")

    def titles(query: str) -> list[str]:
        return rows(store.client.get(f"/inventory?{query}").get_data(as_text=True))

    assert titles("") == ["Braided cable", "Oak stand", "Walnut stand"]  # archived products are not stocked
    assert titles("q=stand") == ["Oak stand", "Walnut stand"]
    assert titles("q=cab-1") == ["Braided cable"]
    assert titles("q=100%25") == []  # a % is searched for, not a wildcard
    assert titles("show=low") == ["Braided cable", "Oak stand"]
    assert titles("show=out") == ["Braided cable"]
    assert titles("q=oak&show=out") == []
    assert "Nothing matches" in store.client.get("/inventory?q=oak&show=out").get_data(as_text=True)


def test_the_overview_sorts_by_available_title_and_sku(make_store, make_stocked):
    store = make_store()
    make_stocked(store.vendor_id, stock=7, title="Bravo", sku="C-1")
    make_stocked(store.vendor_id, stock=1, title="alpha", sku="B-1")
    make_stocked(store.vendor_id, stock=30, title="Charlie", sku="A-1")

    def titles(query: str) -> list[str]:
        return rows(store.client.get(f"/inventory?{query}").get_data(as_text=True))

    assert titles("") == ["alpha", "Bravo", "Charlie"]  # by title, ignoring case
    assert titles("sort=available&dir=asc") == ["alpha", "Bravo", "Charlie"]
    assert titles("sort=available&dir=desc") == ["Charlie", "Bravo", "alpha"]
    assert titles("sort=sku") == ["Charlie", "alpha", "Bravo"]
    assert titles("sort=title&dir=desc") == ["Charlie", "Bravo", "alpha"]
    assert titles("sort=nonsense&dir=sideways") == ["alpha", "Bravo", "Charlie"]  # a hand-edited address still works
    html = store.client.get("/inventory?sort=available&dir=desc").get_data(as_text=True)
    assert 'aria-sort="descending"' in html
    assert 'name="sort" type="hidden" value="available"' in html  # a new search keeps the order


def test_the_overview_pages_through_many_variants(make_store, make_stocked):
    store = make_store()
    make_stocked(store.vendor_id, stock=[1, 2, 3, 4, 5], title="Sock")
    for n in range(6):
        make_stocked(store.vendor_id, stock=[9, 9, 9, 9], title=f"Tee {n}")

    first = store.client.get("/inventory").get_data(as_text=True)
    second = store.client.get("/inventory?page=2").get_data(as_text=True)

    assert len(rows(first)) == 25 and len(rows(second)) == 4
    assert "Showing 1\N{EN DASH}25 of 29" in first
    assert 'rel="next"' in first and 'rel="prev"' in second


def test_a_search_that_is_too_long_is_explained(make_store):
    response = make_store().client.get("/inventory?q=" + "x" * 101)
    html = response.get_data(as_text=True)

    assert response.status_code == 422
    assert "Use at most 100 characters." in field_error(html, "q")


def test_an_htmx_search_gets_only_the_results(make_store, make_stocked):
    store = make_store()
    make_stocked(store.vendor_id, stock=3, title="Oak stand")

    html = store.client.get("/inventory?q=oak", headers={"HX-Request": "true"}).get_data(as_text=True)

    assert "<html" not in html and "<h1" not in html
    assert rows(html) == ["Oak stand"]


def test_the_variant_page_adjusts_stock_and_shows_the_history_newest_first(vendor, make_store, make_stocked):
    store = make_store()
    item = make_stocked(store.vendor_id, stock=4, title="Oak stand")
    page = f"/inventory/variants/{item.variant_id}"

    first = submit(store.client, page, {"delta": "10", "reason": "received", "note": "Delivery 118"})
    second = submit(store.client, page, {"delta": "-3", "reason": "damaged", "note": ""}, follow_redirects=True)
    html = second.get_data(as_text=True)

    assert first.status_code == 302 and first.headers["Location"] == page
    assert "Stock of “Oak stand” (Default) is now 11 on hand, 11 available." in html
    assert variant_stock(vendor, item.variant_id) == (11, 0)
    table = html.split('aria-label="Stock history"', 1)[1]
    assert table.index("\N{MINUS SIGN}3") < table.index("+10")  # newest first
    assert "Damaged or lost" in table and "Stock received" in table and "Delivery 118" in table
    assert store.email in table  # who did it, by name rather than an internal id


def test_the_history_pages_through_many_entries(vendor, make_store, make_stocked):
    store = make_store()
    item = make_stocked(store.vendor_id, stock=0)
    page = f"/inventory/variants/{item.variant_id}"
    for n in range(1, 23):
        submit(store.client, page, {"delta": str(n), "reason": "received"})

    html = store.client.get(page + "?page=2").get_data(as_text=True)

    assert "Showing 21\N{EN DASH}22 of 22" in html
    table = html.split('aria-label="Stock history"', 1)[1]
    assert "+2<" in table and "+1<" in table and "+3<" not in table


@pytest.mark.parametrize(
    ("data", "field_id", "message"),
    [
        ({"delta": "", "reason": "received"}, "delta", "Enter how many units to add or remove"),
        ({"delta": "twelve", "reason": "received"}, "delta", "Enter a whole number, like 12 or -2."),
        ({"delta": "1.5", "reason": "received"}, "delta", "Enter a whole number, like 12 or -2."),
        ({"delta": "0", "reason": "correction"}, "delta", "Enter a number other than 0."),
        ({"delta": "-3", "reason": "received"}, "delta", "adds to your stock: enter a positive number"),
        ({"delta": "2", "reason": "damaged"}, "delta", "takes stock away: enter a negative number"),
        ({"delta": "-5", "reason": "correction"}, "delta", "Only 3 in stock; you cannot remove 5."),
        ({"delta": "2", "reason": "sale"}, "reason", "Not a valid choice"),  # not the vendor's to record
        ({"delta": "2", "reason": "received", "note": "n" * 501}, "note", "Use at most 500 characters."),
    ],
)
def test_a_bad_adjustment_is_explained_next_to_its_field_and_keeps_the_input(
    vendor, make_store, make_stocked, data, field_id, message
):
    store = make_store()
    item = make_stocked(store.vendor_id, stock=3)
    data = {"note": "Kept as typed", **data}

    response = submit(store.client, f"/inventory/variants/{item.variant_id}", data)
    html = response.get_data(as_text=True)

    assert response.status_code == 422
    assert message in field_error(html, field_id)
    assert html.count('class="field-error"') == 1
    assert f'value="{data["delta"]}"' in html
    assert data["note"][:50] in html
    assert variant_stock(vendor, item.variant_id) == (3, 0)
    assert history(vendor, item.variant_id) == []


@pytest.mark.parametrize("method", ["get", "post"])
def test_another_stores_variant_is_not_found(vendor, make_store, make_stocked, method):
    owner, other = make_store(), make_store()
    item = make_stocked(owner.vendor_id, stock=3)
    own_page = other.client.get("/inventory").get_data(as_text=True)

    if method == "get":
        response = other.client.get(f"/inventory/variants/{item.variant_id}")
    else:
        data = {"delta": "-3", "reason": "damaged", "csrf_token": csrf_from(own_page)}
        response = other.client.post(f"/inventory/variants/{item.variant_id}", data=data)

    assert response.status_code == 404
    assert variant_stock(vendor, item.variant_id) == (3, 0)


def test_history_entries_cannot_be_edited_or_deleted(vendor, make_store, make_stocked):
    store = make_store()
    item = make_stocked(store.vendor_id, stock=3)
    submit(store.client, f"/inventory/variants/{item.variant_id}", {"delta": "1", "reason": "received"})

    inventory_rules = {
        (rule.rule, method)
        for rule in vendor.url_map.iter_rules()
        if rule.rule.startswith("/inventory")
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    assert inventory_rules == {
        ("/inventory", "GET"),
        ("/inventory/low-stock", "GET"),
        ("/inventory/variants/<int:variant_id>", "GET"),
        ("/inventory/variants/<int:variant_id>", "POST"),  # adds an entry, never changes one
    }
    assert store.client.delete(f"/inventory/variants/{item.variant_id}").status_code == 405
    assert "cannot be edited or deleted" in store.client.get(f"/inventory/variants/{item.variant_id}").get_data(
        as_text=True
    )


def test_the_low_stock_page_lists_products_on_sale_at_or_below_their_threshold(vendor, make_store, make_stocked):
    from vendor_portal.accounts.models import Vendor
    from vendor_portal.inventory.queries import low_stock_count

    store, other = make_store(), make_store()
    make_stocked(store.vendor_id, stock=5, title="At threshold", threshold=5)
    make_stocked(store.vendor_id, stock=0, title="Sold out", threshold=5)
    make_stocked(store.vendor_id, stock=6, title="Plenty", threshold=5)
    make_stocked(store.vendor_id, stock=0, title="A draft", status="draft")
    make_stocked(store.vendor_id, stock=1, title="Custom threshold", threshold=0)
    make_stocked(other.vendor_id, stock=0, title="Someone else's")

    html = store.client.get("/inventory/low-stock").get_data(as_text=True)

    assert rows(html) == ["Sold out", "At threshold"]  # fewest available first
    assert "Low stock (2)" in store.client.get("/inventory").get_data(as_text=True)
    with vendor.app_context():
        db = vendor.extensions["sqlalchemy"]
        assert low_stock_count(db.session.get(Vendor, store.vendor_id)) == 2
        assert low_stock_count(db.session.get(Vendor, other.vendor_id)) == 1


def test_nothing_running_low_says_so(make_store, make_stocked):
    store = make_store()
    make_stocked(store.vendor_id, stock=50)

    assert "Nothing is running low" in store.client.get("/inventory/low-stock").get_data(as_text=True)


@pytest.mark.parametrize("path", ["/inventory", "/inventory/low-stock", "/inventory/variants/1"])
def test_inventory_pages_need_a_signed_in_store(vendor, path):
    response = vendor.test_client().get(path)

    assert response.status_code == 302
    assert "/account/signin" in response.headers["Location"]
