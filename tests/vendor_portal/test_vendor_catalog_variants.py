"""Options, variants and SKUs: combinations generated, SKUs unique per store, compare-at above price,
removed values deleted or (once ordered) kept inactive, and first stock recorded in the stock history."""

from __future__ import annotations

from decimal import Decimal

from tests.conftest import submit
from tests.vendor_portal.catalog_fixtures import (
    field_error,
    place_order,
    post_form,
    published,
    rows,
    save_options,
    variant_table_data,
    variants_of,
)
from tests.vendor_portal.conftest import outbox


def test_a_sku_is_unique_within_a_store_and_the_form_names_the_product_using_it(vendor, make_store, make_product):
    store = make_store()
    make_product(store, title="Walnut headphone stand", sku="NW-STAND")
    response = submit(
        store.client, "/products/new", {"title": "Oak stand", "price": "20", "currency": "EUR", "sku": "NW-STAND"}
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "This SKU is already used by Walnut headphone stand." in field_error(html, "sku")
    assert 'value="Oak stand"' in html  # what was typed is kept
    assert len(rows(vendor, "SELECT id FROM product")) == 1


def test_two_stores_may_use_the_same_sku(vendor, make_store, make_product):
    make_product(make_store(), sku="STAND-1")
    make_product(make_store(), sku="STAND-1")
    assert [row.sku for row in rows(vendor, "SELECT sku FROM variant ORDER BY id")] == ["STAND-1", "STAND-1"]


def test_a_sku_with_spaces_is_refused_next_to_the_field(make_store):
    response = submit(
        make_store().client, "/products/new", {"title": "Stand", "price": "20", "currency": "EUR", "sku": "A B"}
    )
    assert response.status_code == 422
    assert "without spaces" in field_error(response.get_data(as_text=True), "sku")


def test_a_compare_at_price_not_above_the_price_is_refused_next_to_it(vendor, make_store):
    store = make_store()
    data = {"title": "Stand", "price": "20", "compare_at_price": "20", "currency": "EUR"}
    response = submit(store.client, "/products/new", data)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "The compare-at price must be above the price." in field_error(html, "compare_at_price")
    assert rows(vendor, "SELECT id FROM product") == []


def test_new_product_details_are_saved_with_its_first_stock_in_the_stock_history(vendor, make_store, make_product):
    store = make_store()
    product_id = make_product(
        store,
        title="Studio headphones",
        price="149.90",
        compare_at_price="179.00",
        sku="NW-HP-1",
        brand="Northwind",
        weight_grams="380",
        low_stock_threshold="3",
        initial_stock="12",
        **{"attributes-0-name": "Driver", "attributes-0-value": "40 mm", "attributes-1-name": ""},
        **{"attributes-1-value": "", "attributes-2-name": "Cable", "attributes-2-value": "3 m, detachable"},
    )
    [product] = rows(
        vendor, "SELECT brand, weight_grams, low_stock_threshold, attributes FROM product WHERE id = :p", p=product_id
    )
    assert product.brand == "Northwind" and product.weight_grams == 380 and product.low_stock_threshold == 3
    assert product.attributes == {"Driver": "40 mm", "Cable": "3 m, detachable"}  # the blank row is ignored
    [variant] = variants_of(vendor, product_id)
    assert (variant.sku, variant.price, variant.compare_at_price) == ("NW-HP-1", Decimal("149.90"), Decimal("179.00"))
    assert variant.stock_on_hand == 12
    history = rows(vendor, "SELECT delta, reason, actor, on_hand_after FROM stock_adjustment")
    assert [(h.delta, h.reason, h.on_hand_after) for h in history] == [(12, "initial", 12)]
    assert history[0].actor.startswith("vendor_user:")


def test_the_edit_page_offers_five_empty_attribute_rows(make_store, make_product):
    store = make_store()
    product_id = make_product(store, **{"attributes-0-name": "Material", "attributes-0-value": "Walnut"})
    html = store.client.get(f"/products/{product_id}/edit").get_data(as_text=True)
    assert 'value="Walnut"' in html
    assert html.count('name="attributes-') == 2 * 6  # the filled row and five empty ones


def test_options_generate_one_variant_per_combination_with_its_own_sku(vendor, make_store, make_product):
    store = make_store()
    product_id = make_product(store, sku="TEE", price="25")
    response = save_options(store, product_id, ("Size", "S, M, L"), ("Colour", "Black, White"))
    assert response.status_code == 302 and response.headers["Location"].endswith("#variants")

    variants = variants_of(vendor, product_id)
    assert [v.options for v in variants] == [
        {"Size": s, "Colour": c} for s in ("S", "M", "L") for c in ("Black", "White")
    ]
    skus = [v.sku for v in variants]
    assert len(set(skus)) == 6 and skus[0] == "TEE"  # the first combination keeps the product's variant
    assert skus[1] == "TEE-S-WHITE"
    assert all(v.price == Decimal("25.00") and v.is_active for v in variants)
    options = rows(
        vendor, "SELECT name, values FROM product_option WHERE product_id = :p ORDER BY position", p=product_id
    )
    assert [(o.name, o.values) for o in options] == [("Size", ["S", "M", "L"]), ("Colour", ["Black", "White"])]

    html = store.client.get(f"/products/{product_id}/edit").get_data(as_text=True)
    assert "S / White" in html and 'name="variants-5-sku"' in html
    assert 'name="price"' not in html  # prices live in the variants table now


def test_bad_options_are_explained_next_to_the_option(make_store, make_product):
    store = make_store()
    product_id = make_product(store)
    response = save_options(store, product_id, ("Size", "S, M, S"), ("", "Red"))
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "A value is listed twice." in field_error(html, "options-0-values")
    assert "Name this option" in field_error(html, "options-1-name")
    too_many = save_options(store, product_id, ("A", ",".join("abcdefghij")), ("B", ",".join("abcdefghijk")))
    assert "make 110 variants; at most 100" in too_many.get_data(as_text=True)


def test_removing_an_option_value_deletes_unordered_variants_and_keeps_ordered_ones_inactive(
    vendor, make_store, make_product
):
    store = make_store()
    product_id = make_product(store, sku="TEE")
    save_options(store, product_id, ("Size", "S, M, L"))
    by_size = {v.options["Size"]: v for v in variants_of(vendor, product_id)}
    place_order(vendor, store.vendor_id, product_id, by_size["M"].id)

    response = save_options(store, product_id, ("Size", "S"))
    assert response.status_code == 302
    left = {v.options["Size"]: v.is_active for v in variants_of(vendor, product_id)}
    assert left == {"S": True, "M": False}  # L was never ordered: gone; M stays for its order line
    html = store.client.get(f"/products/{product_id}/edit").get_data(as_text=True)
    assert "Kept for past orders" in html and by_size["M"].sku in html


def test_the_variants_table_saves_skus_prices_and_first_stock(vendor, make_store, make_product):
    store = make_store()
    product_id = make_product(store, sku="MUG")
    save_options(store, product_id, ("Colour", "Blue, Green"))
    data = variant_table_data(
        vendor,
        product_id,
        **{
            "MUG": {"sku": "MUG-BLUE", "price": "18.50", "compare_at_price": "22", "initial_stock": "7"},
            "MUG-GREEN": {"is_active": None},
        },
    )
    response = post_form(store, f"/products/{product_id}/edit", f"/products/{product_id}/variants", data)
    assert response.status_code == 302
    blue, green = variants_of(vendor, product_id)
    assert (blue.sku, blue.price, blue.compare_at_price, blue.stock_on_hand) == (
        "MUG-BLUE",
        Decimal("18.50"),
        Decimal("22.00"),
        7,
    )
    assert green.is_active is False


def test_the_variants_table_shows_each_refusal_next_to_its_field(vendor, make_store, make_product):
    store = make_store()
    make_product(store, title="Espresso cup", sku="CUP")
    product_id = make_product(store, title="Mug", sku="MUG")
    save_options(store, product_id, ("Colour", "Blue, Green"))
    data = variant_table_data(
        vendor, product_id, MUG={"sku": "CUP"}, **{"MUG-GREEN": {"price": "10", "compare_at_price": "9.99"}}
    )
    response = post_form(store, f"/products/{product_id}/edit", f"/products/{product_id}/variants", data)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "This SKU is already used by Espresso cup." in field_error(html, "variants-0-sku")
    assert "The compare-at price must be above the price." in field_error(html, "variants-1-compare_at_price")
    assert [v.sku for v in variants_of(vendor, product_id)] == ["MUG", "MUG-GREEN"]  # nothing saved


def test_two_variants_can_swap_skus(vendor, make_store, make_product):
    store = make_store()
    product_id = make_product(store, sku="A")
    save_options(store, product_id, ("Size", "S, M"))
    first, second = (v.sku for v in variants_of(vendor, product_id))
    data = variant_table_data(vendor, product_id, **{first: {"sku": second}, second: {"sku": first}})
    response = post_form(store, f"/products/{product_id}/edit", f"/products/{product_id}/variants", data)
    assert response.status_code == 302
    assert [v.sku for v in variants_of(vendor, product_id)] == [second, first]


def test_changing_options_of_a_listed_product_updates_the_shop_with_the_new_variants(vendor, make_store, make_product):
    store, product_id = published(make_store, make_product, sku="LAMP")
    save_options(store, product_id, ("Finish", "Brass, Chrome"))
    event_type, data = outbox(vendor)[-1]
    assert event_type == "product.upserted"
    assert data["options"] == [{"name": "Finish", "values": ["Brass", "Chrome"]}]
    assert [(v["sku"], v["options"]) for v in data["variants"]] == [
        ("LAMP", {"Finish": "Brass"}),
        ("LAMP-CHROME", {"Finish": "Chrome"}),
    ]


def test_a_listed_product_keeps_at_least_one_variant_for_sale(vendor, make_store, make_product):
    store, product_id = published(make_store, make_product, sku="LAMP")
    save_options(store, product_id, ("Finish", "Brass, Chrome"))
    data = variant_table_data(vendor, product_id, LAMP={"is_active": None}, **{"LAMP-CHROME": {"is_active": None}})
    response = post_form(store, f"/products/{product_id}/edit", f"/products/{product_id}/variants", data)
    assert response.status_code == 422
    assert "Keep at least one variant active" in response.get_data(as_text=True)


def test_removing_every_option_brings_back_one_default_variant(vendor, make_store, make_product):
    store = make_store()
    product_id = make_product(store, sku="BAG", price="60")
    save_options(store, product_id, ("Colour", "Tan, Olive"))
    save_options(store, product_id)
    [variant] = variants_of(vendor, product_id)
    assert (variant.sku, variant.options, variant.price) == ("BAG", {}, Decimal("60.00"))
    assert 'name="price"' in store.client.get(f"/products/{product_id}/edit").get_data(as_text=True)


def test_a_refused_section_leaves_the_rest_of_the_page_as_saved(vendor, make_store, make_product):
    store = make_store()
    product_id = make_product(store, sku="MUG", **{"attributes-0-name": "Material", "attributes-0-value": "Porcelain"})
    save_options(store, product_id, ("Colour", "Blue, Green"))
    response = save_options(store, product_id, ("Colour", "Blue, Blue"))
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'value="Blue, Blue"' in html  # the refused options keep what was typed
    assert 'value="MUG-GREEN"' in html and 'value="Porcelain"' in html  # the other sections as saved
