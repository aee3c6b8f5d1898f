"""bench/seed.py's bulk path writes the same rows as the product.upserted handler it stands in for (and so
the triggers copy the same rows into the search copy)."""

from __future__ import annotations

import re

import sqlalchemy as sa

from bench import seed

TABLES = {"product": "id", "variant": "product_id", "product_image": "product_id", "product_search": "id"}


def snapshot(app, first: int) -> dict[str, list[dict]]:
    with app.app_context():
        session = app.extensions["sqlalchemy"].session
        rows = {
            table: [
                dict(row)
                for row in session.execute(
                    sa.text(f"SELECT * FROM {table} WHERE {key} >= :first ORDER BY id"), {"first": first}
                ).mappings()
            ]
            for table, key in TABLES.items()
        }
        session.remove()
    return rows


def dictionary(app, first: int) -> tuple[set[str], set[str]]:
    """The spelling dictionary, and the words it should hold: every title-and-brand word of the products."""
    with app.app_context():
        session = app.extensions["sqlalchemy"].session
        words = set(session.scalars(sa.text("SELECT word FROM search_word")))
        names = session.scalars(sa.text("SELECT search_name FROM product WHERE id >= :first"), {"first": first})
        session.remove()
    expected = {
        word
        for name in names
        for word in re.findall(r"[^\W_]+", name)
        if len(word) >= 3 and any(c.isalpha() for c in word)
    }
    return words, expected


def test_bulk_rows_equal_the_handlers_rows_column_for_column(storefront):
    count, first = 80, seed.IMAGE_VARIANTS + 1
    seed.seed_reference_data(storefront)
    seed.seed_products_bulk(storefront, count, say=lambda _: None)
    bulk = snapshot(storefront, first)
    bulk_words, expected = dictionary(storefront, 1)
    with storefront.app_context():
        session = storefront.extensions["sqlalchemy"].session
        session.execute(sa.text("DELETE FROM product WHERE id >= :first"), {"first": first})
        session.execute(sa.text("DELETE FROM search_word"))
        session.commit()

    seed.seed_products_via_handlers(storefront, count, first=first, say=lambda _: None)
    handled = snapshot(storefront, first)
    handled_words, handled_expected = dictionary(storefront, first)

    counts = {"product": 64, "variant": 148, "product_image": 64, "product_search": 63}  # one not listed
    assert {t: len(rows) for t, rows in bulk.items()} == counts
    for table in TABLES:
        for ours, theirs in zip(bulk[table], handled[table], strict=True):
            assert ours == theirs, f"{table} {ours['id']} differs"
    # Both fill the spelling dictionary with the products' words, and nothing else.
    assert bulk_words == expected and handled_words == handled_expected
    assert {"northwind", "headphones", "turntable"} <= bulk_words and not any(w.isdigit() for w in bulk_words)


def test_the_seeded_catalogue_is_demo_like(storefront, bulk):
    bulk.grow_to(400)
    with storefront.app_context():
        session = storefront.extensions["sqlalchemy"].session
        listed, stores, categories, out_of_stock, on_sale = session.execute(
            sa.text(
                "SELECT count(*) FILTER (WHERE listed), count(DISTINCT vendor_id), count(DISTINCT category_id),"
                " count(*) FILTER (WHERE NOT in_stock), count(*) FILTER (WHERE compare_at_price IS NOT NULL)"
                " FROM product"
            )
        ).one()
        session.remove()

    assert (stores, categories) == (9, 32)
    assert listed == 392  # the pending store's products (every 50th) are not listed
    assert 0 < out_of_stock < 40 and 0 < on_sale <= 40
