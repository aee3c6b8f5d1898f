"""The import page: uploading a CSV (what is refused, and how), the template, the list of past imports, and
that one store never reaches another's imports."""

from __future__ import annotations

import pytest

from tests.vendor_portal.catalog_fixtures import field_error
from tests.vendor_portal.imports_fixtures import (
    csv_text,
    import_csv,
    job,
    product_row,
    read_csv,
    rows,
    run,
    skus_of,
    upload,
    uploaded_job,
)
from vendor_portal.imports.csvfile import COLUMNS


def test_the_import_page_offers_the_upload_form_and_the_template(vendor, make_store):
    store = make_store()
    html = store.client.get("/imports").get_data(as_text=True)
    assert "<h1" in html and html.count("<h1") == 1
    assert 'enctype="multipart/form-data"' in html
    assert '<label class="field-label" for="file">CSV file' in html
    assert 'href="/imports/template.csv"' in html
    assert "No imports yet" in html


def test_the_template_has_every_column_and_imports_as_two_products(vendor, make_store):
    store = make_store()
    response = store.client.get("/imports/template.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff" + ",".join(COLUMNS) + "\r\n")
    examples = read_csv(text)
    assert len(examples) == 3
    assert examples[1]["handle"] == examples[2]["handle"] != examples[0]["handle"]
    assert examples[0]["option1_name"] == ""

    done = import_csv(vendor, store, text, "template.csv")

    assert (done["status"], done["created_products"], done["errors"]) == ("done", 2, [])
    variants = rows(
        vendor,
        "SELECT p.title, v.sku, v.options, v.stock_on_hand FROM variant v JOIN product p ON p.id = v.product_id "
        "ORDER BY v.sku",
    )
    assert [(v.title, v.sku, v.options, v.stock_on_hand) for v in variants] == [
        ("Linen shirt", "LS-L", {"Size": "L"}, 3),
        ("Linen shirt", "LS-M", {"Size": "M"}, 5),
        ("Walnut headphone stand", "WS-001", {}, 12),
    ]


def test_an_upload_is_queued_and_the_browser_goes_to_its_page(vendor, make_store):
    store = make_store()
    response = upload(store, csv_text([product_row(1), product_row(2)]))
    assert response.status_code == 302
    job_id = int(response.headers["Location"].rsplit("/", 1)[1])
    queued = job(vendor, job_id)
    assert (queued["status"], queued["total_rows"], queued["processed_rows"]) == ("queued", 2, 0)
    assert skus_of(vendor, store.vendor_id) == []  # nothing is created in the request itself
    page = store.client.get(response.headers["Location"]).get_data(as_text=True)
    assert "products.csv is queued: 2 rows to import." in page
    assert "0 of 2 rows" in page


def test_a_file_with_a_bom_and_windows_line_endings_is_read_like_any_other(vendor, make_store):
    store = make_store()
    content = "\ufeff" + csv_text([product_row(1), product_row(2, title="Café crème")], newline="\r\n")

    done = import_csv(vendor, store, content.encode("utf-8"))

    assert (done["total_rows"], done["created_products"], done["errors"]) == (2, 2, [])
    assert [r.title for r in rows(vendor, "SELECT title FROM product ORDER BY title")] == ["Café crème", "Product 1"]


@pytest.mark.parametrize(
    ("content", "filename", "message"),
    [
        (b"", "products.csv", "products.csv is empty."),
        (b"\xef\xbb\xbf\r\n", "products.csv", "products.csv is empty."),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "photo.png", "photo.png is not a CSV file."),
        (b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00\xa0\xff", "products.csv", "is not UTF-8 text"),
        (b"handle;title;sku;price\np-1;One;S-1;1.00\n", "products.csv", "separates its columns with semicolons"),
        (b"handle,title,sku,price\n", "products.csv", "has a header row but no products under it."),
    ],
)
def test_a_file_that_is_not_a_usable_csv_is_refused_next_to_the_file_field(
    vendor, make_store, content, filename, message
):
    store = make_store()
    response = upload(store, content, filename)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert message in field_error(html, "file")
    assert rows(vendor, "SELECT id FROM import_job") == []


def test_no_file_chosen_is_refused_next_to_the_file_field(vendor, make_store):
    store = make_store()
    response = upload(store, b"", "")
    assert response.status_code == 422
    assert "Choose a CSV file to upload." in field_error(response.get_data(as_text=True), "file")


def test_a_header_missing_required_columns_is_refused_naming_them(vendor, make_store):
    store = make_store()
    content = csv_text([{"handle": "p-1", "title": "One"}], columns=["handle", "title", "stock"])
    response = upload(store, content)
    assert response.status_code == 422
    assert "The header row is missing these columns: sku, price." in field_error(
        response.get_data(as_text=True), "file"
    )


def test_a_file_over_5_mb_is_refused(vendor, make_store):
    store = make_store()
    content = csv_text([product_row(1, description="x" * 100_000)] * 53)
    assert len(content.encode()) > 5 * 1024 * 1024
    response = upload(store, content)
    assert response.status_code == 422
    assert "products.csv is larger than 5 MB." in field_error(response.get_data(as_text=True), "file")


def test_past_imports_are_listed_newest_first_with_their_counts(vendor, make_store):
    store = make_store()
    first = import_csv(vendor, store, csv_text([product_row(1), product_row(2, price="x")]), "first.csv")
    uploaded_job(store, csv_text([product_row(3)]), "second.csv")
    html = store.client.get("/imports").get_data(as_text=True)
    assert html.index("second.csv") < html.index("first.csv")
    listed_first = html.split("first.csv", 1)[1].split("</tr>", 1)[0]
    assert "Done" in listed_first
    assert [cell.split(">")[-1] for cell in listed_first.split("</td>")[2:5]] == ["2 of 2", "1", "1"]
    assert first["created_products"] == 1


def test_the_list_of_past_imports_is_paginated(vendor, make_store):
    store = make_store()
    for n in range(21):
        uploaded_job(store, csv_text([product_row(n)]), f"file-{n:02d}.csv")
    first_page = store.client.get("/imports").get_data(as_text=True)
    assert "file-20.csv" in first_page and "file-00.csv" not in first_page
    assert "Showing 1\N{EN DASH}20 of 21" in first_page
    second_page = store.client.get("/imports?page=2").get_data(as_text=True)
    assert "file-00.csv" in second_page and "file-20.csv" not in second_page


@pytest.mark.parametrize("suffix", ["", "/progress", "/rejected.csv"])
def test_another_store_gets_404_for_an_import_and_its_report(vendor, make_store, suffix):
    owner, other = make_store(), make_store()
    job_id = uploaded_job(owner, csv_text([product_row(1), product_row(2, price="-1")]))
    run(vendor, job_id)
    headers = {"HX-Request": "true"}
    assert owner.client.get(f"/imports/{job_id}{suffix}", headers=headers).status_code == 200
    assert other.client.get(f"/imports/{job_id}{suffix}", headers=headers).status_code == 404
    assert other.client.get(f"/imports/{job_id + 1000}{suffix}", headers=headers).status_code == 404


def test_the_import_pages_need_a_signed_in_store(vendor):
    client = vendor.test_client()
    for url in ("/imports", "/imports/template.csv", "/imports/1", "/imports/1/progress", "/imports/1/rejected.csv"):
        response = client.get(url)
        assert response.status_code == 302 and "/account/signin" in response.headers["Location"], url
