"""The row rules on their own (no database): what each bad cell is told, and how rows group into products."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest

from tests.vendor_portal.imports_fixtures import csv_text, product_row
from vendor_portal.imports import csvfile, rules

CATEGORIES = {
    "headphones": rules.CategoryRef(7, "Headphones", retired=False),
    "cassettes": rules.CategoryRef(8, "Cassettes", retired=True),
}


def check(rows: list[dict[str, str]], *, can_publish: bool = True, taken: dict[str, str] | None = None):
    records = list(csvfile.records(csv_text(rows)))
    ctx = rules.Context(can_publish, CATEGORIES, taken or {}, rules.first_sku_lines(records))
    return [rules.check_group(group, ctx) for group in rules.group_records(records)]


@pytest.mark.parametrize(
    ("cells", "reason"),
    [
        ({"handle": ""}, "Handle is required: rows with the same handle make one product."),
        ({"title": " "}, "Title is required on the first row of a product."),
        ({"title": "x" * 201}, "Title is longer than 200 characters."),
        ({"sku": ""}, "SKU is required."),
        ({"sku": "A" * 65}, "SKU is longer than 64 characters."),
        ({"price": ""}, "Price is required."),
        ({"price": "-1.00"}, "Price cannot be negative."),
        ({"price": "€12"}, "Price '€12' is not an amount: use digits with at most two decimals, like 12.50."),
        ({"price": "1,50"}, "Price '1,50' is not an amount: use digits with at most two decimals, like 12.50."),
        ({"price": "10000000000"}, "Price is too large."),
        ({"compare_at_price": "10.00"}, "The compare-at price must be above the price."),
        ({"stock": "2.5"}, "Stock '2.5' is not a whole number."),
        ({"stock": "1000001"}, "Stock can be at most 1,000,000."),
        ({"weight_grams": "-4"}, "Weight (grams) cannot be negative."),
        ({"currency": "JPY"}, "Unknown currency 'JPY': use EUR, USD or GBP."),
        ({"status": "published"}, "Unknown status 'published': use draft or active."),
        ({"category": "nope"}, "Unknown category 'nope'."),
        ({"category": "cassettes"}, "Category 'cassettes' was retired by the marketplace: choose another one."),
        ({"option1_value": "M"}, "option1_value is filled in but the product has no option1_name."),
        ({"option1_name": "Size"}, "option1_value is required: this product has the option 'Size'."),
        ({"option1_name": "Size", "option1_value": "M, L"}, "option1_value cannot contain a comma."),
        ({"option2_name": "Size", "option2_value": "M"}, "Fill option1_name before option2_name."),
        (
            {"option1_name": "Size", "option1_value": "M", "option2_name": "size", "option2_value": "L"},
            "Two options are both called 'size': give each option a different name.",
        ),
    ],
)
def test_a_bad_cell_is_rejected_with_a_reason_naming_it(cells, reason):
    [outcome] = check([product_row(1, **cells)])
    assert outcome.draft is None
    assert reason in outcome.rejected[2]


def test_an_active_row_needs_an_approved_store():
    [outcome] = check([product_row(1, status="active")], can_publish=False)
    assert outcome.rejected == {2: [rules.NOT_APPROVED]}


def test_a_valid_row_becomes_a_product_with_defaults_filled_in():
    [outcome] = check([product_row(1, price="7.5", stock="", currency="usd", category="Headphones")])
    draft = outcome.draft
    assert (draft.currency, draft.status, draft.category_id, draft.options) == ("USD", "draft", 7, ())
    [variant] = draft.variants
    assert (variant.price, variant.stock, variant.options) == (Decimal("7.50"), 0, {})


def test_values_of_an_option_keep_one_spelling_and_their_first_order():
    rows = [
        {"handle": "t", "title": "Tee", "option1_name": "Size", "option1_value": v, "sku": f"T-{n}", "price": "5"}
        for n, v in enumerate(["L", "M", "S"])
    ]
    [outcome] = check(rows)
    assert outcome.draft.options == (("Size", ("L", "M", "S")),)


def test_rows_of_a_handle_need_not_be_next_to_each_other():
    rows = [
        {"handle": "t", "title": "Tee", "option1_name": "Size", "option1_value": "S", "sku": "T-S", "price": "5"},
        product_row(9),
        {"handle": "t", "option1_value": "M", "sku": "T-M", "price": "5"},
    ]
    tee, other = check(rows)
    assert [v.line for v in tee.draft.variants] == [2, 4]
    assert other.draft.title == "Product 9"


def test_more_than_one_hundred_variants_are_refused():
    rows = [
        {"handle": "t", "title": "Tee", "option1_name": "N", "option1_value": str(n), "sku": f"T-{n}", "price": "5"}
        for n in range(101)
    ]
    [outcome] = check(rows)
    assert "This product has 101 rows; a product can have at most 100." in outcome.rejected[2]
    assert "Option 'N' has 101 values; at most 30 are allowed." in outcome.rejected[2]


def test_header_names_are_read_loosely_and_unknown_columns_ignored():
    text = "Handle,Title , SKU,PRICE,Notes\r\np-1,One,S-1,1.00,ignored\r\n"
    upload = csvfile.read_upload(io.BytesIO(text.encode()), "x.csv")
    [record] = csvfile.records(upload.text)
    assert record.values == {"handle": "p-1", "title": "One", "sku": "S-1", "price": "1.00"}


def test_escaped_formula_cells_read_back_as_first_written():
    assert csvfile.escape_formula("=1+2") == "'=1+2"
    assert csvfile.unescape_formula("'=1+2") == "=1+2"
    assert csvfile.unescape_formula("'quoted'") == "'quoted'"
    assert csvfile.escape_formula("plain") == "plain"
