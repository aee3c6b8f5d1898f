"""product search copy: what searches read, with a category's products on the same pages

A search counts its facets over every product its words match and ranks them all for the first page.
Read from product, each match cost a whole page of the table: products of one line arrive mixed with
everything else, so 31,250 matches of "headphones" among 1,000,000 products were 31,250 heap pages
(rows of about 1 kB), and a word of two lines 62,500 (170 ms for the statement).

product_search holds the listed products' columns that searching filters, counts and sorts on (no
descriptions, images or stock counts), partitioned by a hash of the product's category. Words follow
categories (a category's products share their nouns), so a word's matches now sit together in one or
a few partitions, many to a page (about 17 rows): "headphones" reads 3,530 pages instead of 31,250 and
"novel", a word of two lines, 10,714 instead of 62,500 (its statement 170 -> 107 ms). A word found in
every category reads as many pages as before, no more. The full-text index moves here: nothing else
searches the words.

Each row also names its product's combination in product_tally (`tally_id`; tally rows are never
deleted but with the products). A search groups its matches by that one number and reads the few
combinations' values from the tally afterwards, where it carried and hashed eight columns (an array
and three names among them) for every match: the statement for "field" with two facets, 62,500
matches, 112 -> 78 ms, and for "headphones" 55 -> 36 ms.

Kept by triggers on product in the same transaction: statement-level ones for inserts and deletes (one
INSERT ... SELECT of 50,000 products, as the bench's bulk seed writes, copies them in one statement)
and a row-level one for updates that fires only when a copied column or `listed` changed, so a sale
that moves a stock count writes nothing here. An update upserts, so a row found missing is remade.
Both make sure the tally has the row's combination first (with no products: product_tally_count,
which fires after them, adds those).

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-29 23:30:00.000000
"""

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

PARTITIONS = 16
# Copied as they are, after id and the partition key.
COPIED = (
    'search_document', 'category_ids', 'vendor_id', 'vendor_slug', 'vendor_name', 'brand', 'min_price',
    'rating_avg', 'rating_count', 'in_stock', 'created_at',
)
COLUMNS = ', '.join(('id', 'category_key', *COPIED, 'tally_id'))
# product_tally's key (migration 0007) and how a product row gives it.
TALLY_KEY = "category_ids, vendor_id, vendor_slug, vendor_name, brand, price_bucket, rating_floor, in_stock"


def _tally_key(row: str) -> str:
    return (
        f"{row}.category_ids, {row}.vendor_id, {row}.vendor_slug, {row}.vendor_name, {row}.brand, "
        f"catalog_price_bucket({row}.min_price), floor({row}.rating_avg)::smallint, {row}.in_stock"
    )


def _tally_id(row: str) -> str:
    """The id of the row's tally combination, found through the tally's unique index (its leading
    columns are never null; the others may be, hence IS NOT DISTINCT FROM)."""
    return f"""(
        SELECT t.id FROM product_tally AS t
        WHERE t.category_ids = {row}.category_ids AND t.vendor_id = {row}.vendor_id
          AND t.vendor_slug IS NOT DISTINCT FROM {row}.vendor_slug
          AND t.vendor_name IS NOT DISTINCT FROM {row}.vendor_name
          AND t.brand IS NOT DISTINCT FROM {row}.brand
          AND t.price_bucket = catalog_price_bucket({row}.min_price)
          AND t.rating_floor IS NOT DISTINCT FROM floor({row}.rating_avg)::smallint
          AND t.in_stock = {row}.in_stock
    )"""


def _values(row: str) -> str:
    return ', '.join(
        (f'{row}.id', f'coalesce({row}.category_id, 0)', *(f'{row}.{name}' for name in COPIED), _tally_id(row))
    )


def _tally_rows(select: str) -> str:
    """Make sure the tally has a row for each combination (product_tally_count adds the products after
    this trigger, being a statement trigger named after it). Ordered by key as every tally writer is."""
    return f"""
        INSERT INTO product_tally ({TALLY_KEY}, products)
        SELECT DISTINCT {TALLY_KEY}, 0 FROM ({select}) AS wanted ({TALLY_KEY}) ORDER BY {TALLY_KEY}
        ON CONFLICT ({TALLY_KEY}) DO NOTHING
    """


def _changed() -> str:
    watched = ('listed', 'category_id', *COPIED)
    return (
        f"({', '.join(f'OLD.{name}' for name in watched)}) IS DISTINCT FROM "
        f"({', '.join(f'NEW.{name}' for name in watched)})"
    )


def upgrade() -> None:
    op.create_table('product_search',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('category_key', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('search_document', postgresql.TSVECTOR(), nullable=True),
    sa.Column('category_ids', postgresql.ARRAY(sa.Integer()), nullable=False),
    sa.Column('vendor_id', sa.Integer(), nullable=False),
    sa.Column('vendor_slug', sa.String(length=140), nullable=True),
    sa.Column('vendor_name', sa.String(length=120), nullable=True),
    sa.Column('brand', sa.String(length=80), nullable=True),
    sa.Column('min_price', sa.Numeric(precision=12, scale=2), nullable=True),
    sa.Column('rating_avg', sa.Numeric(precision=3, scale=2), nullable=True),
    sa.Column('rating_count', sa.Integer(), nullable=False),
    sa.Column('in_stock', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('tally_id', sa.BigInteger(), nullable=False),
    postgresql_partition_by='HASH (category_key)'
    )
    for remainder in range(PARTITIONS):
        op.execute(
            f"CREATE TABLE product_search_p{remainder} PARTITION OF product_search "
            f"FOR VALUES WITH (MODULUS {PARTITIONS}, REMAINDER {remainder})"
        )
    # product_tally holds every listed product's combination already (migration 0007); made sure of,
    # since a missing one would fail the copy (tally_id is NOT NULL).
    op.execute(_tally_rows(f"SELECT {_tally_key('product')} FROM product WHERE listed"))
    op.execute(f"INSERT INTO product_search ({COLUMNS}) SELECT {_values('product')} FROM product WHERE listed")
    # A unique index, not a primary key: pg_restore --clean drops a partitioned primary key partition by
    # partition first, which PostgreSQL refuses (the backups restore over a database that way).
    op.create_index('ux_product_search_key', 'product_search', ['category_key', 'id'], unique=True)
    op.create_index('ix_product_search_search_document', 'product_search', ['search_document'], unique=False, postgresql_using='gin')
    op.drop_index('ix_product_search_document', table_name='product', postgresql_using='gin')
    op.execute(f"""
        CREATE FUNCTION product_search_copy() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP = 'INSERT' THEN
                {_tally_rows(f"SELECT {_tally_key('n')} FROM new_rows AS n WHERE n.listed")};
                INSERT INTO product_search ({COLUMNS}) SELECT {_values('n')} FROM new_rows AS n WHERE n.listed;
            ELSIF TG_OP = 'DELETE' THEN
                DELETE FROM product_search AS s USING old_rows AS o
                WHERE s.category_key = coalesce(o.category_id, 0) AND s.id = o.id;
            ELSIF TG_OP = 'TRUNCATE' THEN
                DELETE FROM product_search;  -- not TRUNCATE: one TRUNCATE of both tables holds it open
            ELSE
                IF OLD.listed AND NOT (NEW.listed AND OLD.category_id IS NOT DISTINCT FROM NEW.category_id) THEN
                    DELETE FROM product_search WHERE category_key = coalesce(OLD.category_id, 0) AND id = OLD.id;
                END IF;
                IF NEW.listed THEN
                    {_tally_rows(f"SELECT {_tally_key('NEW')}")};
                    INSERT INTO product_search ({COLUMNS}) VALUES ({_values('NEW')})
                    ON CONFLICT (category_key, id) DO UPDATE
                    SET ({', '.join((*COPIED, 'tally_id'))}) = ROW({', '.join(f'EXCLUDED.{name}' for name in (*COPIED, 'tally_id'))});
                END IF;
            END IF;
            RETURN NULL;
        END
        $$
    """)
    op.execute("""
        CREATE TRIGGER product_search_insert AFTER INSERT ON product REFERENCING NEW TABLE AS new_rows
        FOR EACH STATEMENT EXECUTE FUNCTION product_search_copy()
    """)
    op.execute(f"""
        CREATE TRIGGER product_search_update AFTER UPDATE ON product
        FOR EACH ROW WHEN ({_changed()}) EXECUTE FUNCTION product_search_copy()
    """)
    op.execute("""
        CREATE TRIGGER product_search_delete AFTER DELETE ON product REFERENCING OLD TABLE AS old_rows
        FOR EACH STATEMENT EXECUTE FUNCTION product_search_copy()
    """)
    op.execute("""
        CREATE TRIGGER product_search_truncate AFTER TRUNCATE ON product
        FOR EACH STATEMENT EXECUTE FUNCTION product_search_copy()
    """)
    op.execute("ANALYZE product_search")


def downgrade() -> None:
    for trigger in ('insert', 'update', 'delete', 'truncate'):
        op.execute(f"DROP TRIGGER product_search_{trigger} ON product")
    op.execute("DROP FUNCTION product_search_copy()")
    op.create_index('ix_product_search_document', 'product', ['search_document'], unique=False, postgresql_using='gin')
    op.drop_table('product_search')
