"""A demo-like catalogue of any size in the storefront's copy, written as the event handlers write it.

Categories (8 top-level, 4 subcategories each) and stores (8 approved, 1 pending) go through the real
handlers, `category_upserted` and `vendor_changed`. Products come from `product_payloads()`: SQL that
builds, for product n, the `data` of the product.upserted event a vendor portal would send (title,
brand, options, 1 to 4 variants with stock, a compare-at price on one in ten, an image). Two paths
consume the same payloads:

- `seed_products_bulk()`: set-based INSERT ... SELECT over generate_series, in batches with a commit
  each. It mirrors `product_upserted` exactly, and reuses its SQL where the handler has it: the
  weighted search document (`events.search_document()`), `search_name`, the listed rule of
  `_sync_vendor_fields`, and the spelling dictionary's INSERT of the names' words
  (`events.add_search_words()`). One million products take a few minutes.
- `seed_products_via_handlers()`: calls `storefront.catalog.events.product_upserted` for each payload
  inside one app context, committing every batch. Slow (about 10 statements a product) but it is the
  production code path.

tests/perf/test_bulk_seed.py seeds products both ways and asserts every column of product, variant and
product_image is the same, and that search_word holds the same words, so the bulk path cannot drift
from the handlers unnoticed.
"""

from __future__ import annotations

import hashlib
import struct
import time
import uuid
import zlib
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from flask import Flask
from sqlalchemy.sql import visitors

SEEDED_AT = datetime(2026, 1, 1, tzinfo=UTC)  # occurred_at of every seeded event (and so event_at, stock_at)
IMAGE_VARIANTS = 16  # distinct images; product n shows image n % 16, stored once per product like real copies
BATCH = 50_000

# (top-level name, its subcategories); ids: top 1..8, subcategory 9 + 4 * top_index + sub_index.
CATEGORIES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Audio", ("Headphones", "Speakers", "Turntables", "Microphones")),
    ("Home & Kitchen", ("Cookware", "Tableware", "Storage", "Small Appliances")),
    ("Sports & Outdoors", ("Cycling", "Camping", "Running", "Fitness")),
    ("Books", ("Fiction", "Non-fiction", "Children's Books", "Comics")),
    ("Toys & Games", ("Board Games", "Puzzles", "Building Sets", "Outdoor Toys")),
    ("Beauty", ("Skincare", "Makeup", "Haircare", "Fragrance")),
    ("Garden", ("Plants", "Garden Tools", "Planters", "Outdoor Lighting")),
    ("Fashion", ("Womenswear", "Menswear", "Shoes", "Bags")),
)

# One store per top-level category (store i sells category i); vendor 9 is pending, so unlisted.
STORES: tuple[tuple[str, tuple[str, ...], tuple[str, ...]], ...] = (
    (
        "Northwind Audio",
        ("Northwind", "Fjordsound", "Kestrel Acoustics", "Halden"),
        ("Studio", "Travel", "Classic", "Pro", "Compact", "Signature", "Nordic", "Everyday"),
    ),
    (
        "Copper & Crumb Kitchen",
        ("Copper and Crumb", "Ferro", "Lune", "Oakhearth"),
        ("Heritage", "Everyday", "Chef's", "Farmhouse", "Minimal", "Bistro", "Nordic", "Coastal"),
    ),
    (
        "Trailhead Outfitters",
        ("Trailhead", "Ridgeline", "Cairn", "Fellside"),
        ("Alpine", "Ridge", "Summit", "Trail", "Ultralight", "Coastal", "Basecamp", "Tempo"),
    ),
    (
        "Dog-Eared Books",
        ("Harbour Press", "Lantern Books", "Quill", "Bramble House"),
        (
            "Salt Road",
            "Winter Orchard",
            "Lantern",
            "Quiet Harbour",
            "Paper Moon",
            "Cartographer",
            "Small Hours",
            "Glass Meadow",
        ),
    ),
    (
        "Tinker Toy Co.",
        ("Tinker", "Little Acorn", "Maple and Moss", "Brightwood"),
        ("Rainbow", "Woodland", "Ocean", "Classic", "Safari", "Starry", "Garden", "Harbour"),
    ),
    (
        "Lumen Beauty",
        ("Lumen", "Petal and Stone", "Maison Clair", "Verde"),
        ("Rose", "Neroli", "Vetiver", "Calendula", "Sea Salt", "Fig", "Cedar", "Oat"),
    ),
    (
        "Fern & Fable Garden",
        ("Fern and Fable", "Greenhand", "Potting Shed", "Wildroot"),
        ("Cottage", "Balcony", "Heritage", "Meadow", "Urban", "Orchard", "Terrace", "Woodland"),
    ),
    (
        "Thread & Loom",
        ("Thread and Loom", "Field Studio", "Norrland", "Atelier Mono"),
        ("Relaxed", "Classic", "Weekend", "Heritage", "Essential", "Studio", "Coastal", "City"),
    ),
    (
        "Pending Pottery",
        ("Pending Pottery",),
        ("Speckled",),
    ),
)
PENDING_VENDOR = 9

# One product line per subcategory, in CATEGORIES order: noun, price, two features, option name and values.
LINES: tuple[tuple[str, int, str, str, str, tuple[str, ...]], ...] = (
    ("over-ear headphones", 149, "40 mm drivers", "closed back", "Colour", ("Black", "Walnut", "Silver")),
    ("portable speaker", 69, "splash-proof", "12 hours of play", "Colour", ("Charcoal", "Sand", "Forest")),
    ("belt-drive turntable", 329, "33 and 45 rpm", "built-in phono stage", "Finish", ("Walnut", "Black")),
    ("USB microphone", 119, "cardioid pattern", "zero-latency monitoring", "", ()),
    ("cast iron skillet", 59, "pre-seasoned", "oven safe", "Size", ("20 cm", "26 cm", "30 cm")),
    ("porcelain mug", 16, "350 ml", "dishwasher safe", "Colour", ("Chalk", "Slate", "Moss", "Ochre")),
    ("glass storage jars", 32, "airtight bamboo lids", "BPA-free seals", "", ()),
    ("electric kettle", 79, "1.7 litres", "keep-warm setting", "Colour", ("Cream", "Black", "Sage")),
    ("cycling helmet", 79, "MIPS liner", "rear light clip", "Size", ("S", "M", "L")),
    ("two-person tent", 249, "freestanding", "3000 mm waterproofing", "", ()),
    ("trail running shoes", 129, "grippy lugged sole", "rock plate", "Size", ("EU 40", "EU 41", "EU 42", "EU 43")),
    ("yoga mat", 49, "natural rubber", "non-slip surface", "Colour", ("Sage", "Plum", "Slate")),
    ("novel", 18, "book-club favourite", "signed while stocks last", "Format", ("Hardback", "Paperback")),
    ("field guide", 22, "illustrated throughout", "pocket-sized", "", ()),
    ("picture book", 12, "ages 3 to 6", "rhyming text", "", ()),
    ("graphic novel", 20, "full colour", "complete story", "", ()),
    ("strategy board game", 39, "2 to 4 players", "45-minute games", "", ()),
    ("jigsaw puzzle", 22, "1000 pieces", "recycled board", "", ()),
    ("magnetic tiles", 59, "storage box", "ages 3 and up", "Set", ("60 pieces", "100 pieces")),
    ("balance bike", 89, "ages 2 to 5", "adjustable seat", "Colour", ("Red", "Teal", "Natural")),
    ("face serum", 38, "niacinamide and squalane", "for every skin type", "Size", ("15 ml", "30 ml")),
    ("tinted lip oil", 19, "sheer colour", "non-sticky", "Shade", ("Clay", "Berry", "Coral")),
    ("shampoo bar", 12, "plastic-free", "about 80 washes", "", ()),
    ("eau de parfum", 65, "long-lasting", "refillable bottle", "Size", ("30 ml", "50 ml", "100 ml")),
    ("potted olive tree", 49, "hardy to -8 C", "ready to plant", "Height", ("60 cm", "80 cm", "100 cm")),
    ("pruning shears", 29, "bypass blades", "sap groove", "", ()),
    ("terracotta planter", 24, "frost-resistant", "drainage hole", "Size", ("20 cm", "30 cm", "40 cm")),
    ("festoon lights", 45, "10 m, 20 bulbs", "shatterproof bulbs", "", ()),
    ("wrap dress", 89, "fluid viscose", "adjustable tie", "Size", ("S", "M", "L", "XL")),
    ("linen shirt", 69, "washed linen", "shell buttons", "Size", ("S", "M", "L", "XL")),
    ("leather trainers", 119, "Italian leather", "rubber cup sole", "Size", ("EU 39", "EU 41", "EU 43")),
    ("canvas tote bag", 35, "heavy cotton canvas", "inner pocket", "Colour", ("Natural", "Black", "Olive")),
)


def slug(name: str) -> str:
    from storefront.formatting import slugify

    return slugify(name, fallback="category")


def category_events() -> list[dict[str, Any]]:
    data = []
    for top_index, (top, subs) in enumerate(CATEGORIES):
        data.append(
            {"category_id": top_index + 1, "name": top, "slug": slug(top), "parent_id": None, "position": top_index}
        )
        for sub_index, sub in enumerate(subs):
            data.append(
                {
                    "category_id": 9 + 4 * top_index + sub_index,
                    "name": sub,
                    "slug": slug(sub),
                    "parent_id": top_index + 1,
                    "position": sub_index,
                }
            )
    return data


def vendor_events() -> list[dict[str, Any]]:
    return [
        {
            "vendor_id": index + 1,
            "store_name": name,
            "slug": slug(name),
            "status": "pending" if index + 1 == PENDING_VENDOR else "approved",
            "description": f"{name}: an independent store.",
        }
        for index, (name, _, _) in enumerate(STORES)
    ]


def envelope(data: dict[str, Any], event_type: str) -> dict[str, Any]:
    return {"id": str(uuid.uuid4()), "type": event_type, "occurred_at": SEEDED_AT.isoformat(), "data": data}


def seed_reference_data(app: Flask) -> None:
    """Categories and stores through their real handlers (few rows; order as the relays deliver them)."""
    from storefront.catalog import events

    db = app.extensions["sqlalchemy"]
    with app.app_context():
        for data in category_events():
            events.category_upserted(data, envelope(data, "category.upserted"))
        for data in vendor_events():
            events.vendor_changed(data, envelope(data, "vendor.upserted"))
        db.session.commit()


# ---- product payloads ---------------------------------------------------------------------------


def _png(index: int) -> bytes:
    """A tiny valid PNG of one colour (the bench never fetches images; cards only link them)."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixel = zlib.compress(b"\x00" + bytes(((index * 53) % 256, (index * 97) % 256, (index * 31) % 256)))
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixel) + chunk(b"IEND", b"")


IMAGES = [_png(index) for index in range(IMAGE_VARIANTS)]
IMAGE_SHAS = [hashlib.sha256(data).hexdigest() for data in IMAGES]

_REFERENCE_TABLES = """
CREATE TEMP TABLE IF NOT EXISTS bench_store (idx int PRIMARY KEY, brands text[], styles text[]);
CREATE TEMP TABLE IF NOT EXISTS bench_line (
    idx int PRIMARY KEY, noun text, price int, feature1 text, feature2 text, option_name text, option_values text[]
);
CREATE TEMP TABLE IF NOT EXISTS bench_image (idx int PRIMARY KEY, sha256 text, data bytea);
"""

# product.upserted data for products :lo..:hi. Store t = n % 8 (vendor t + 1, every 50th product is the
# pending store's), line 4t + (n / 8) % 4 of its category, 1 to 4 variants from the line's option.
PAYLOADS = """
SELECT n AS product_id, jsonb_build_object(
    'product_id', n,
    'vendor_id', CASE WHEN n % 50 = 0 THEN 9 ELSE 1 + n % 8 END,
    'title', s.styles[1 + (n / 128) % 8] || ' ' || l.noun || ' No. ' || n,
    'brand', s.brands[1 + (n / 32) % 4],
    'description', '<p>' || s.styles[1 + (n / 128) % 8] || ' ' || l.noun || ' from ' || s.brands[1 + (n / 32) % 4]
        || ': ' || l.feature1 || ', ' || l.feature2 || '.</p><p>Made to last, easy to care for and covered by a '
        || (1 + n % 5) || '-year guarantee. Model ' || n || '.</p>',
    'status', 'active',
    'currency', 'EUR',
    'category_id', 9 + 4 * (n % 8) + (n / 8) % 4,
    'attributes', jsonb_build_object('Highlights', l.feature1, 'Guarantee', (1 + n % 5) || ' years'),
    'options', CASE WHEN l.option_name = '' THEN '[]'::jsonb
        ELSE jsonb_build_array(jsonb_build_object('name', l.option_name, 'values', to_jsonb(l.option_values))) END,
    'variants', (
        SELECT jsonb_agg(jsonb_build_object(
            'variant_id', n * 10 + k,
            'sku', 'SKU-' || n || '-' || k,
            'price', (base.price + 5 * k)::text,
            'compare_at_price', CASE WHEN n % 10 = 0 THEN round((base.price + 5 * k) * 1.25, 2)::text END,
            'options', CASE WHEN l.option_name = '' THEN '{}'::jsonb
                ELSE jsonb_build_object(l.option_name, l.option_values[k + 1]) END,
            'available', CASE WHEN n % 17 = 0 THEN 0 ELSE (n * 7 + k * 13) % 23 END
        ) ORDER BY k)
        FROM generate_series(0, greatest(coalesce(array_length(l.option_values, 1), 1), 1) - 1) AS k
    ),
    'images', jsonb_build_array(jsonb_build_object(
        'image_id', n, 'sha256', i.sha256, 'position', 0, 'is_main', true, 'width', 1, 'height', 1
    )),
    -- Product n was created n seconds after product 1 (the newest is the last), before the seeding.
    'created_at', to_char((CAST(:seeded_at AS timestamptz) - make_interval(secs => :last - n)) AT TIME ZONE 'UTC',
                          'YYYY-MM-DD"T"HH24:MI:SS"+00:00"'),
    'updated_at', to_char((CAST(:seeded_at AS timestamptz) - make_interval(secs => :last - n)) AT TIME ZONE 'UTC',
                          'YYYY-MM-DD"T"HH24:MI:SS"+00:00"')
) AS data
FROM generate_series(CAST(:lo AS int), CAST(:hi AS int)) AS n
JOIN bench_store s ON s.idx = n % 8
JOIN bench_line l ON l.idx = 4 * (n % 8) + (n / 8) % 4
JOIN bench_image i ON i.idx = n % 16
CROSS JOIN LATERAL (SELECT round(l.price * (0.85 + ((n * 37) % 31) / 100.0)) - 0.01 AS price) AS base
"""


def _reference_tables(conn: sa.Connection) -> None:
    conn.exec_driver_sql(_REFERENCE_TABLES)
    conn.exec_driver_sql("TRUNCATE bench_store, bench_line, bench_image")
    conn.execute(
        sa.text("INSERT INTO bench_store VALUES (:idx, :brands, :styles)"),
        [{"idx": i, "brands": list(b), "styles": list(s)} for i, (_, b, s) in enumerate(STORES[:8])],
    )
    conn.execute(
        sa.text("INSERT INTO bench_line VALUES (:idx, :noun, :price, :f1, :f2, :opt, :vals)"),
        [
            {"idx": i, "noun": noun, "price": price, "f1": f1, "f2": f2, "opt": opt, "vals": list(vals)}
            for i, (noun, price, f1, f2, opt, vals) in enumerate(LINES)
        ],
    )
    conn.execute(
        sa.text("INSERT INTO bench_image VALUES (:idx, :sha, :data)"),
        [{"idx": i, "sha": sha, "data": data} for i, (sha, data) in enumerate(zip(IMAGE_SHAS, IMAGES, strict=True))],
    )


def product_payloads(conn: sa.Connection, lo: int, hi: int, last: int) -> list[dict[str, Any]]:
    """The product.upserted data of products lo..hi of a catalogue of `last` products."""
    _reference_tables(conn)
    rows = conn.execute(sa.text(PAYLOADS), {"lo": lo, "hi": hi, "seeded_at": SEEDED_AT, "last": last})
    return [row.data for row in rows]


# ---- the bulk path ------------------------------------------------------------------------------

_STAGE = """
CREATE TEMP TABLE IF NOT EXISTS bench_stage (product_id int PRIMARY KEY, data jsonb);
TRUNCATE bench_stage;
"""

# The columns product_upserted writes before its set-based steps (figures, search, store fields).
_STAGED_PRODUCT = """
SELECT st.product_id AS id,
       (d->>'vendor_id')::int AS vendor_id,
       d->>'title' AS title,
       btrim(regexp_replace(lower(d->>'title'), '[^a-z0-9]+', '-', 'g'), '-') AS slug,
       nullif(btrim(d->>'brand'), '') AS brand,
       d->>'description' AS description_html,
       btrim(regexp_replace(regexp_replace(d->>'description', '<[^>]*>', ' ', 'g'), '\\s+', ' ', 'g'))
           AS description_text,
       d->>'currency' AS currency,
       (d->>'category_id')::int AS category_id,
       ARRAY[top.id, sub.id] AS category_ids,
       top.name || ' / ' || sub.name AS category_path,
       d->'attributes' AS attributes,
       d->'options' AS options,
       fig.min_price, fig.max_price, fig.compare_at_price, fig.in_stock, fig.stock_total,
       CASE WHEN d->>'status' = 'active' THEN 'active' ELSE 'removed' END AS status,
       (d->>'created_at')::timestamptz AS created_at,
       (d->>'updated_at')::timestamptz AS updated_at,
       CAST(:seeded_at AS timestamptz) AS event_at
FROM bench_stage st
CROSS JOIN LATERAL (SELECT st.data AS d) AS payload
JOIN category sub ON sub.id = (d->>'category_id')::int
JOIN category top ON top.id = sub.parent_id
CROSS JOIN LATERAL (
    SELECT min((v->>'price')::numeric) AS min_price,
           max((v->>'price')::numeric) AS max_price,
           (array_agg(CASE WHEN (v->>'compare_at_price')::numeric > (v->>'price')::numeric
                           THEN (v->>'compare_at_price')::numeric END
                      ORDER BY (v->>'price')::numeric, position))[1] AS compare_at_price,
           coalesce(bool_or((v->>'available')::int > 0), false) AS in_stock,
           coalesce(sum((v->>'available')::int), 0) AS stock_total
    FROM jsonb_array_elements(d->'variants') WITH ORDINALITY AS variant(v, position)
) AS fig
"""

_VARIANTS = """
INSERT INTO variant (id, product_id, sku, price, compare_at_price, options, available, position, stock_at)
SELECT (v->>'variant_id')::int, st.product_id, v->>'sku', (v->>'price')::numeric,
       CASE WHEN (v->>'compare_at_price')::numeric > (v->>'price')::numeric THEN (v->>'compare_at_price')::numeric END,
       v->'options', greatest(0, (v->>'available')::int), position - 1, CAST(:seeded_at AS timestamptz)
FROM bench_stage st, jsonb_array_elements(st.data->'variants') WITH ORDINALITY AS variant(v, position)
"""

_IMAGES = """
INSERT INTO product_image (id, product_id, sha256, position, is_main, width, height, content_type, thumbnail, medium)
SELECT (i->>'image_id')::int, st.product_id, i->>'sha256', (i->>'position')::int, (i->>'is_main')::boolean,
       (i->>'width')::int, (i->>'height')::int, 'image/png', img.data, img.data
FROM bench_stage st, jsonb_array_elements(st.data->'images') AS image(i)
JOIN bench_image img ON img.sha256 = i->>'sha256'
"""


def _product_insert() -> sa.Insert:
    """INSERT INTO product SELECT ...: the staged columns plus the handler's own search and listing SQL."""
    from storefront.catalog import events
    from storefront.catalog.models import Product, Vendor

    p, stores = Product.__table__, Vendor.__table__
    staged = (
        sa.text(_STAGED_PRODUCT)
        .columns(*(sa.column(name, p.c[name].type) for name in _staged_columns()))
        .subquery("staged")
    )

    def on_staged(expression: sa.ColumnElement[Any]) -> sa.ColumnElement[Any]:
        # The handler's expressions read product columns; here they read the same-named staged ones.
        return visitors.replacement_traverse(
            expression, {}, lambda element: staged.c[element.name] if getattr(element, "table", None) is p else None
        )

    listed = sa.and_(staged.c.status == "active", staged.c.min_price.is_not(None), stores.c.status == "approved")
    columns = {
        **{name: staged.c[name] for name in _staged_columns()},
        "vendor_name": stores.c.store_name,
        "vendor_slug": stores.c.slug,
        "listed": sa.func.coalesce(listed, False),
        "search_document": on_staged(events.search_document()),
        "search_name": on_staged(events.search_name()),
    }
    select = sa.select(*columns.values()).select_from(staged.outerjoin(stores, stores.c.id == staged.c.vendor_id))
    return sa.insert(p).from_select(list(columns), select)


def _search_words_insert() -> sa.Insert:
    """The handlers' INSERT of the dictionary words of products :lo..:hi's search names."""
    from storefront.catalog import events
    from storefront.catalog.models import Product

    p = Product.__table__
    names = sa.select(p.c.search_name).where(p.c.id.between(sa.bindparam("lo"), sa.bindparam("hi"))).subquery()
    return events.add_search_words(names)


def _staged_columns() -> list[str]:
    return [
        "id", "vendor_id", "title", "slug", "brand", "description_html", "description_text", "currency",
        "category_id", "category_ids", "category_path", "attributes", "options", "min_price", "max_price",
        "compare_at_price", "in_stock", "stock_total", "status", "created_at", "updated_at", "event_at",
    ]  # fmt: skip


def seed_products_bulk(
    app: Flask, count: int, *, first: int = 1, batch: int = BATCH, say: Callable[[str], None] = print
) -> None:
    """Products first..count with set-based SQL, committing every `batch` products."""
    db = app.extensions["sqlalchemy"]
    with app.app_context(), db.engine.connect() as conn:
        insert_products = _product_insert()
        insert_words = _search_words_insert()
        started = time.monotonic()
        for lo in range(first, count + 1, batch):
            hi = min(count, lo + batch - 1)
            with conn.begin():
                _reference_tables(conn)
                conn.exec_driver_sql(_STAGE)
                conn.execute(
                    sa.text(f"INSERT INTO bench_stage {PAYLOADS}"),
                    {"lo": lo, "hi": hi, "seeded_at": SEEDED_AT, "last": count},
                )
                conn.execute(insert_products, {"seeded_at": SEEDED_AT})
                conn.execute(insert_words, {"lo": lo, "hi": hi})
                conn.execute(sa.text(_VARIANTS), {"seeded_at": SEEDED_AT})
                conn.execute(sa.text(_IMAGES))
            say(f"  products {lo:,}..{hi:,} written ({time.monotonic() - started:.0f} s)")
        conn.exec_driver_sql("ANALYZE product; ANALYZE variant; ANALYZE product_image; ANALYZE search_word")


def seed_products_via_handlers(
    app: Flask, count: int, *, first: int = 1, batch: int = 500, say: Callable[[str], None] = print
) -> None:
    """Products first..count through `product_upserted` itself, committing every `batch` products.

    The handler copies image bytes it already holds by sha256 and would fetch others from the vendor
    portal, so the first IMAGE_VARIANTS products (holding each image once) are written by the bulk path.
    """
    from storefront.catalog import events

    db = app.extensions["sqlalchemy"]
    if first <= IMAGE_VARIANTS:
        seed_products_bulk(app, min(count, IMAGE_VARIANTS), first=first, say=say)
        first = IMAGE_VARIANTS + 1
    started = time.monotonic()
    with app.app_context():
        for lo in range(first, count + 1, batch):
            hi = min(count, lo + batch - 1)
            for data in product_payloads(db.session.connection(), lo, hi, count):
                events.product_upserted(data, envelope(data, "product.upserted"))
            db.session.commit()
            say(f"  products {lo:,}..{hi:,} applied ({time.monotonic() - started:.0f} s)")
