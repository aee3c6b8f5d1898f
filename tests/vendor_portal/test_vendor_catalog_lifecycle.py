"""Deleting products (only while never ordered, after a confirmation), the product list's search, filters,
sorting and stock figures, and no reach into another store's products, images or media."""

from __future__ import annotations

import re

import pytest

from tests.conftest import submit
from tests.vendor_portal.catalog_fixtures import (
    image_bytes,
    page,
    place_order,
    post_form,
    published,
    rows,
    save_options,
    upload,
)
from tests.vendor_portal.conftest import outbox, press


def test_deleting_asks_for_confirmation_then_removes_the_product_from_the_shop(vendor, make_store, make_product):
    store, product_id = published(make_store, make_product, title="Cable tidy")
    upload(store, product_id, ("a.png", image_bytes("PNG")))
    confirm = page(store, f"/products/{product_id}/delete")
    assert "Delete “Cable tidy”?" in confirm and "This cannot be undone." in confirm
    assert "Archive" not in confirm  # nothing stands in the way: no need to suggest it

    url = f"/products/{product_id}/delete"
    response = post_form(store, url, url, {}, follow_redirects=True)
    assert response.status_code == 200 and "“Cable tidy” is deleted." in response.get_data(as_text=True)
    assert rows(vendor, "SELECT id FROM product") == [] and rows(vendor, "SELECT id FROM media") == []
    event_type, data = outbox(vendor)[-1]
    assert event_type == "product.removed"
    assert (data["product_id"], data["reason"]) == (product_id, "deleted")


def test_a_product_that_was_ordered_cannot_be_deleted_and_archiving_is_offered(vendor, make_store, make_product):
    store, product_id = published(make_store, make_product, title="Cable tidy")
    place_order(vendor, store.vendor_id, product_id)
    confirm = page(store, f"/products/{product_id}/delete")
    assert "“Cable tidy” cannot be deleted" in confirm
    assert "has been ordered" in confirm and "Archive it instead" in confirm
    assert f'action="/products/{product_id}/archive"' in confirm
    assert f'action="/products/{product_id}/delete"' not in confirm

    url = f"/products/{product_id}/delete"
    response = post_form(store, url, url, {})
    assert response.status_code == 409 and "Archive it instead" in response.get_data(as_text=True)
    assert len(rows(vendor, "SELECT id FROM product")) == 1


def test_publishing_needs_a_variant_for_sale(vendor, make_store, make_product):
    store = make_store("approved")
    product_id = make_product(store, sku="X")
    save_options(store, product_id, ("Size", "S"))
    [variant] = rows(vendor, "SELECT id FROM variant")
    data = {
        "variants-0-variant_id": str(variant.id),
        "variants-0-sku": "X",
        "variants-0-price": "5",
    }  # "For sale" left unticked
    post_form(store, f"/products/{product_id}/edit", f"/products/{product_id}/variants", data)
    response = press(store.client, f"/products/{product_id}/edit", f"/products/{product_id}/publish")
    assert response.status_code == 409 and "at least one variant" in response.get_data(as_text=True)


def _seed_list(vendor, make_store, make_product):
    store = make_store("approved")
    cheap = make_product(store, title="Bamboo cutting board", price="15", sku="KIT-BOARD", initial_stock="40")
    dear = make_product(store, title="Cast iron skillet", price="89", sku="KIT-PAN", initial_stock="2")
    draft = make_product(store, title="Linen apron", price="30", sku="TEX-APRON", initial_stock="9")
    press(store.client, f"/products/{cheap}/edit", f"/products/{cheap}/publish")
    press(store.client, f"/products/{dear}/edit", f"/products/{dear}/publish")
    return store, cheap, dear, draft


def titles(html: str) -> list[str]:
    return re.findall(r'<th scope="row"><a href="/products/\d+/edit">([^<]+)</a>', html)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", ["Cast iron skillet", "Bamboo cutting board", "Linen apron"]),  # last changed (published) first
        ("?q=skillet", ["Cast iron skillet"]),
        ("?q=kit-", ["Cast iron skillet", "Bamboo cutting board"]),  # by SKU
        ("?q=100%25", []),
        ("?status=draft", ["Linen apron"]),
        ("?sort=title&dir=asc", ["Bamboo cutting board", "Cast iron skillet", "Linen apron"]),
        ("?sort=price&dir=desc", ["Cast iron skillet", "Linen apron", "Bamboo cutting board"]),
        ("?sort=price&dir=asc&status=active", ["Bamboo cutting board", "Cast iron skillet"]),
    ],
)
def test_the_product_list_searches_filters_and_sorts(vendor, make_store, make_product, query, expected):
    store, *_ = _seed_list(vendor, make_store, make_product)
    html = page(store, f"/products{query}")
    assert titles(html) == expected
    if not expected:
        assert "No products match" in html and "Clear filters" in html


def test_the_product_list_shows_stock_and_flags_low_stock(vendor, make_store, make_product):
    store, *_ = _seed_list(vendor, make_store, make_product)
    html = page(store, "/products?sort=title&dir=asc")
    board, skillet, apron = html.split('<th scope="row">')[1:4]
    assert re.search(r'<td class="num">\s*40\s', board) and re.search(r'<td class="num">\s*2\s', skillet)
    assert "Low stock" not in board and "Low stock" in skillet  # 2 units, threshold 5
    assert "Low stock" not in apron


# Every catalog route that takes an id; the next test checks that none is missing from this list.
ID_ROUTES = [
    ("GET", "/products/{product}/edit"),
    ("POST", "/products/{product}/edit"),
    ("POST", "/products/{product}/options"),
    ("POST", "/products/{product}/variants"),
    ("POST", "/products/{product}/publish"),
    ("POST", "/products/{product}/unpublish"),
    ("POST", "/products/{product}/archive"),
    ("POST", "/products/{product}/restore"),
    ("GET", "/products/{product}/delete"),
    ("POST", "/products/{product}/delete"),
    ("POST", "/products/{product}/images"),
    ("POST", "/products/{product}/images/{image}/move"),
    ("POST", "/products/{product}/images/{image}/main"),
    ("GET", "/products/{product}/images/{image}/delete"),
    ("POST", "/products/{product}/images/{image}/delete"),
    ("GET", "/media/{media}/thumb-{sha}.webp"),
    ("GET", "/media/{media}/medium-{sha}.webp"),
    ("GET", "/media/{media}/original-{sha}.png"),
]


def test_the_access_test_covers_every_catalog_route_that_takes_an_id(vendor):
    urls = vendor.url_map.bind("localhost")
    covered = {
        (method, urls.match(path.format(product=1, image=2, media=3, sha="0" * 12), method=method)[0])
        for method, path in ID_ROUTES
    }
    for rule in vendor.url_map.iter_rules():
        if rule.endpoint.split(".")[0] in ("catalog", "media") and rule.arguments - {"filename"}:
            for method in rule.methods - {"HEAD", "OPTIONS"}:
                assert (method, rule.endpoint) in covered, f"{method} {rule.rule} is not in ID_ROUTES"


@pytest.mark.parametrize(("method", "path"), ID_ROUTES)
def test_another_stores_products_images_and_media_are_not_found(vendor, make_store, make_product, method, path):
    owner = make_store("approved")
    product_id = make_product(owner)
    upload(owner, product_id, ("a.png", image_bytes("PNG")))
    [image] = rows(
        vendor, "SELECT i.id, m.id AS media_id, m.sha256 FROM product_image i JOIN media m ON m.id = i.media_id"
    )
    url = path.format(product=product_id, image=image.id, media=image.media_id, sha=image.sha256[:12])
    assert owner.client.get(url).status_code == 200 if method == "GET" else True  # the owner reaches it

    intruder = make_store("approved")
    if method == "GET":
        response = intruder.client.get(url)
    else:
        response = submit(intruder.client, "/products/new", {"direction": "up", "title": "Mine"}, post_url=url)
    assert response.status_code == 404
    assert rows(vendor, "SELECT title, status FROM product") == [("Walnut headphone stand", "draft")]
    assert len(rows(vendor, "SELECT id FROM product_image")) == 1
