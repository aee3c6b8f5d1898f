"""What an import makes of each row: the rules a row must meet, products made only from wholly valid handles,
their stock and events, and the report (page and CSV) of the rows that were rejected."""

from __future__ import annotations

from tests.vendor_portal.catalog_fixtures import category, send_event
from tests.vendor_portal.conftest import outbox
from tests.vendor_portal.imports_fixtures import (
    csv_text,
    import_csv,
    product_row,
    read_csv,
    reasons_by_line,
    rows,
    run,
    skus_of,
    uploaded_job,
)


def shirt(size: str, **cells: str) -> dict[str, str]:
    """A row of the multi-variant product "shirt" (option Size)."""
    return {
        "handle": "shirt",
        "title": "Linen shirt",
        "option1_name": "Size",
        "option1_value": size,
        "sku": f"SHIRT-{size}",
        "price": "49.00",
        "stock": "2",
        **cells,
    }


def test_one_bad_variant_rejects_its_whole_product_and_the_others_still_go_in(vendor, make_store):
    store = make_store()
    content = csv_text(
        [
            product_row(1),  # line 2
            shirt("S"),  # line 3
            shirt("M", price="12.345"),  # line 4: bad
            shirt("L"),  # line 5
            {
                "handle": "mug",
                "title": "Mug",
                "option1_name": "Colour",
                "option1_value": "Red",
                "sku": "MUG-R",
                "price": "8",
            },  # line 6
            {"handle": "mug", "option1_value": "Blue", "sku": "MUG-B", "price": "8"},  # line 7
        ]
    )

    done = import_csv(vendor, store, content)

    assert (done["status"], done["processed_rows"], done["created_products"]) == ("done", 6, 2)
    reasons = reasons_by_line(done)
    assert sorted(reasons) == [3, 4, 5]
    assert reasons[4] == ["Price '12.345' is not an amount: use digits with at most two decimals, like 12.50."]
    for line in (3, 5):
        assert reasons[line] == ["Not created: another row of this product was rejected (line 4)."]
    assert skus_of(vendor, store.vendor_id) == ["MUG-B", "MUG-R", "SKU-00001"]
    [mug] = rows(vendor, "SELECT p.id, o.name, o.values FROM product p JOIN product_option o ON o.product_id = p.id")
    assert (mug.name, mug.values) == ("Colour", ["Red", "Blue"])


def test_every_problem_of_a_row_is_reported_at_once(vendor, make_store):
    store = make_store()
    bad = product_row(1, title="", price="abc", stock="-1", currency="JPY", compare_at_price="1", sku="has space")
    done = import_csv(vendor, store, csv_text([bad]))
    assert reasons_by_line(done)[2] == [
        "Title is required on the first row of a product.",
        "Unknown currency 'JPY': use EUR, USD or GBP.",
        "SKU 'has space' cannot be used. Use letters, digits, dots, dashes, slashes or underscores, without spaces.",
        "Price 'abc' is not an amount: use digits with at most two decimals, like 12.50.",
        "Stock cannot be negative.",
    ]


def test_a_sku_twice_in_the_file_is_rejected_on_its_later_row(vendor, make_store):
    store = make_store()
    done = import_csv(vendor, store, csv_text([product_row(1), product_row(2, sku="SKU-00001")]))
    assert done["created_products"] == 1
    assert reasons_by_line(done) == {3: ["SKU 'SKU-00001' is also on line 2: each SKU must be unique."]}


def test_a_sku_the_store_already_uses_is_rejected_but_another_stores_sku_is_not(vendor, make_store, make_product):
    store, other = make_store(), make_store()
    make_product(store, title="Walnut stand", sku="TAKEN-1")
    make_product(other, title="Someone else's", sku="THEIRS-1")

    done = import_csv(vendor, store, csv_text([product_row(1, sku="TAKEN-1"), product_row(2, sku="THEIRS-1")]))

    assert reasons_by_line(done) == {2: ["SKU 'TAKEN-1' is already used by your product 'Walnut stand'."]}
    assert skus_of(vendor, store.vendor_id) == ["TAKEN-1", "THEIRS-1"]


def test_active_rows_from_a_store_awaiting_approval_are_rejected_and_drafts_go_in(vendor, make_store):
    store = make_store("pending")
    done = import_csv(vendor, store, csv_text([product_row(1, status="active"), product_row(2, status="draft")]))
    assert reasons_by_line(done) == {
        2: ["Only approved stores can import active products: use draft until your store is approved."]
    }
    assert [r.status for r in rows(vendor, "SELECT status FROM product")] == ["draft"]
    assert outbox(vendor) == [("vendor.upserted", outbox(vendor)[0][1])]  # no product reached the shop


def test_active_products_of_an_approved_store_reach_the_shop_with_their_stock(platform, vendor, make_store):
    store = make_store("approved")
    content = csv_text([product_row(1, status="active", stock="7"), shirt("S", status="active"), shirt("M")])

    done = import_csv(vendor, store, content)

    assert (done["created_products"], done["errors"]) == (2, [])
    upserted = [data for kind, data in outbox(vendor) if kind == "product.upserted"]
    assert sorted((p["title"], p["status"]) for p in upserted) == [("Linen shirt", "active"), ("Product 1", "active")]
    shirt_event = next(p for p in upserted if p["title"] == "Linen shirt")
    assert shirt_event["options"] == [{"name": "Size", "values": ["S", "M"]}]
    assert sorted((v["sku"], v["available"], v["price"]) for v in shirt_event["variants"]) == [
        ("SHIRT-M", 2, "49.00"),
        ("SHIRT-S", 2, "49.00"),
    ]
    # The shop hears of each product once, complete: no separate stock events for brand-new variants.
    assert [kind for kind, _ in outbox(vendor) if kind == "stock.changed"] == []
    adjustments = rows(vendor, "SELECT reason, delta, on_hand_after, actor FROM stock_adjustment ORDER BY delta")
    assert [(a.reason, a.delta, a.on_hand_after) for a in adjustments] == [
        ("initial", 2, 2),
        ("initial", 2, 2),
        ("initial", 7, 7),
    ]
    assert {a.actor for a in adjustments} == {adjustments[0].actor} and adjustments[0].actor.startswith("vendor_user:")

    platform.drain()
    listed = rows(platform.storefront, "SELECT title FROM product ORDER BY title")
    assert [p.title for p in listed] == ["Linen shirt", "Product 1"]


def test_a_category_is_named_by_its_slug_and_an_unknown_one_is_rejected(platform, vendor, make_store):
    send_event(platform, "category.upserted", category(7, "Headphones"))
    store = make_store()

    done = import_csv(vendor, store, csv_text([product_row(1, category="headphones"), product_row(2, category="x")]))

    assert reasons_by_line(done) == {3: ["Unknown category 'x'."]}
    assert [r.category_id for r in rows(vendor, "SELECT category_id FROM product")] == [7]


def test_later_rows_of_a_product_may_not_contradict_its_first_row(vendor, make_store):
    store = make_store()
    done = import_csv(vendor, store, csv_text([shirt("S", currency="EUR"), shirt("M", currency="USD")]))
    reasons = reasons_by_line(done)
    assert reasons[3] == [
        "currency differs from the first row of this product (line 2): leave it blank on later rows or repeat "
        "the same value."
    ]
    assert reasons[2] == ["Not created: another row of this product was rejected (line 3)."]


def test_rows_of_one_handle_need_options_that_tell_them_apart(vendor, make_store):
    store = make_store()
    done = import_csv(
        vendor,
        store,
        csv_text([product_row(1), product_row(1, sku="OTHER"), shirt("S"), shirt("s", sku="SHIRT-S2")]),
    )
    reasons = reasons_by_line(done)
    assert reasons[3][0].startswith("Line 2 has the same handle: a product with several rows needs option columns")
    assert reasons[5] == ["Same options as line 4: each variant of a product needs different option values."]
    assert done["created_products"] == 0


def test_line_numbers_count_the_header_and_every_line_of_a_quoted_cell(vendor, make_store):
    store = make_store()
    content = csv_text([product_row(1, description="First paragraph.\n\nSecond paragraph."), product_row(2, price="")])
    done = import_csv(vendor, store, content)
    assert reasons_by_line(done) == {5: ["Price is required."]}  # the description spans lines 2 to 4
    [product] = rows(vendor, "SELECT description_html FROM product")
    assert product.description_html == "<p>First paragraph.</p><p>Second paragraph.</p>"


def test_formula_looking_cells_are_stored_as_text_and_escaped_in_the_rejected_rows_file(vendor, make_store):
    store = make_store()
    formula = "=cmd|' /C calc'!A0"
    content = csv_text(
        [
            product_row(1, title=formula, brand="@SUM(A1)"),
            product_row(2, title='=HYPERLINK("http://evil.example")', price="-1"),
        ]
    )

    job_id = uploaded_job(store, content)
    done = run(vendor, job_id)

    assert done["created_products"] == 1
    [product] = rows(vendor, "SELECT title, brand, description_html FROM product")
    assert (product.title, product.brand) == (formula, "@SUM(A1)")
    response = store.client.get(f"/imports/{job_id}/rejected.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert 'filename="products-rejected-rows.csv"' in response.headers["Content-Disposition"]
    [rejected] = read_csv(response.get_data(as_text=True))
    assert rejected["title"] == '\'=HYPERLINK("http://evil.example")'
    assert rejected["price"] == "'-1"
    assert rejected["reason"] == "Price cannot be negative."
    assert rejected["sku"] == "SKU-00002"
    page = store.client.get(f"/imports/{job_id}").get_data(as_text=True)
    assert "=cmd|&#39; /C calc&#39;!A0" not in page  # the report shows only rejected rows


def test_the_rejected_rows_file_can_be_fixed_and_uploaded_again(vendor, make_store):
    store = make_store()
    job_id = uploaded_job(store, csv_text([product_row(1), product_row(2, price="ten"), product_row(3, stock="x")]))
    run(vendor, job_id)
    rejected = read_csv(store.client.get(f"/imports/{job_id}/rejected.csv").get_data(as_text=True))
    assert [(r["sku"], r["reason"]) for r in rejected] == [
        ("SKU-00002", "Price 'ten' is not an amount: use digits with at most two decimals, like 12.50."),
        ("SKU-00003", "Stock 'x' is not a whole number."),
    ]
    rejected[0]["price"], rejected[1]["stock"] = "10.00", "4"
    rejected[1]["title"] = "'-50% bundle"  # as the rejected-rows file escapes a cell starting with "-"

    again = import_csv(vendor, store, csv_text(rejected, columns=list(rejected[0])), "fixed.csv")

    assert (again["created_products"], again["errors"]) == (2, [])
    assert skus_of(vendor, store.vendor_id) == ["SKU-00001", "SKU-00002", "SKU-00003"]
    assert "-50% bundle" in [r.title for r in rows(vendor, "SELECT title FROM product")]


def test_a_rejected_rows_file_uploaded_unfixed_gets_one_fresh_reason_column(vendor, make_store):
    store = make_store()
    first = uploaded_job(store, csv_text([product_row(1, price="ten")]))
    run(vendor, first)
    rejected = store.client.get(f"/imports/{first}/rejected.csv").get_data(as_text=True)
    rejected = rejected.replace(",ten,", ",-1,")  # "fixed" into another mistake

    second = uploaded_job(store, rejected.encode(), "products-rejected-rows.csv")
    run(vendor, second)

    again = store.client.get(f"/imports/{second}/rejected.csv").get_data(as_text=True)
    header = again.lstrip("\ufeff").splitlines()[0]
    assert header.split(",").count("reason") == 1 and header.endswith(",reason")
    assert read_csv(again)[0]["reason"] == "Price cannot be negative."


def test_the_report_lists_each_rejected_row_with_its_line_and_reasons(vendor, make_store):
    store = make_store()
    job_id = uploaded_job(store, csv_text([product_row(1), product_row(2, category="nope", price="")]))
    run(vendor, job_id)
    html = store.client.get(f"/imports/{job_id}").get_data(as_text=True)
    assert "Products created" in html
    row = html.split('<th scope="row" class="num">3</th>', 1)[1].split("</tr>", 1)[0]
    assert "p-2" in row and "SKU-00002" in row
    assert "<li>Unknown category &#39;nope&#39;.</li>" in row and "<li>Price is required.</li>" in row
    assert f'href="/imports/{job_id}/rejected.csv"' in html
    assert 'http-equiv="refresh"' not in html and "hx-trigger" not in html
