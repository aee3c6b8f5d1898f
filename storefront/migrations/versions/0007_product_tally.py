"""product tally for listings without words

How many listed products share each combination of what a listing without search words filters on and
counts (category path, store, brand, price band, whole stars, in stock). A category page, a store
page or "all products" counts its facets from these few hundred rows instead of every product in
scope (a top-level category of 1,000,000 products: 125,000 of them, 550 ms).

Kept by statement-level triggers on product with transition tables, so one INSERT ... SELECT of
50,000 products (the bench's bulk seed) adds to the tally in one statement too; a stock change that
leaves a product's combination as it was writes nothing. Rows whose count falls to zero are kept
(a later product may bring them back; they count for nothing). The price bands are
`catalog_price_bucket()`, which listings use for the products themselves as well, so the two
counts cannot disagree; storefront.catalog.search.PRICE_EDGES names the same edges for the labels.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29 20:00:00.000000
"""

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

KEY = "category_ids, vendor_id, vendor_slug, vendor_name, brand, price_bucket, rating_floor, in_stock"


def _rows(table: str, sign: int) -> str:
    """The tally key of each listed product of a transition table, with +1 or -1."""
    return f"""
        SELECT category_ids, vendor_id, vendor_slug, vendor_name, brand, catalog_price_bucket(min_price),
               floor(rating_avg)::smallint, in_stock, {sign}
        FROM {table} WHERE listed
    """


def _apply(changes: str) -> str:
    # Ordered by key: every writer locks tally rows in the same order within a statement.
    return f"""
        INSERT INTO product_tally AS t ({KEY}, products)
        SELECT {KEY}, sum(n) FROM ({changes}) AS changed ({KEY}, n)
        GROUP BY {KEY} HAVING sum(n) <> 0 ORDER BY {KEY}
        ON CONFLICT ({KEY}) DO UPDATE SET products = t.products + EXCLUDED.products
    """


def upgrade() -> None:
    op.execute("""
        CREATE FUNCTION catalog_price_bucket(price numeric) RETURNS smallint
        LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
            SELECT (CASE WHEN price < 25 THEN 0 WHEN price < 50 THEN 1 WHEN price < 100 THEN 2
                         WHEN price < 250 THEN 3 WHEN price < 500 THEN 4 ELSE 5 END)::smallint
        $$
    """)
    op.create_table('product_tally',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('category_ids', postgresql.ARRAY(sa.Integer()), nullable=False),
    sa.Column('vendor_id', sa.Integer(), nullable=False),
    sa.Column('vendor_slug', sa.String(length=140), nullable=True),
    sa.Column('vendor_name', sa.String(length=120), nullable=True),
    sa.Column('brand', sa.String(length=80), nullable=True),
    sa.Column('price_bucket', sa.SmallInteger(), nullable=False),
    sa.Column('rating_floor', sa.SmallInteger(), nullable=True),
    sa.Column('in_stock', sa.Boolean(), nullable=False),
    sa.Column('products', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_product_tally'))
    )
    op.create_index('ux_product_tally_key', 'product_tally', KEY.split(', '), unique=True, postgresql_nulls_not_distinct=True)
    op.execute(f"""
        CREATE FUNCTION product_tally_count() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP = 'INSERT' THEN
                {_apply(_rows('new_rows', 1))};
            ELSIF TG_OP = 'DELETE' THEN
                {_apply(_rows('old_rows', -1))};
            ELSE
                {_apply(_rows('old_rows', -1) + ' UNION ALL ' + _rows('new_rows', 1))};
            END IF;
            RETURN NULL;
        END
        $$
    """)
    op.execute("""
        CREATE TRIGGER product_tally_insert AFTER INSERT ON product REFERENCING NEW TABLE AS new_rows
        FOR EACH STATEMENT EXECUTE FUNCTION product_tally_count()
    """)
    op.execute("""
        CREATE TRIGGER product_tally_update AFTER UPDATE ON product
        REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
        FOR EACH STATEMENT EXECUTE FUNCTION product_tally_count()
    """)
    op.execute("""
        CREATE TRIGGER product_tally_delete AFTER DELETE ON product REFERENCING OLD TABLE AS old_rows
        FOR EACH STATEMENT EXECUTE FUNCTION product_tally_count()
    """)
    # TRUNCATE fires no row or transition trigger: the tally empties with the products.
    op.execute("""
        CREATE FUNCTION product_tally_clear() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            DELETE FROM product_tally;
            RETURN NULL;
        END
        $$
    """)
    op.execute("""
        CREATE TRIGGER product_tally_truncate AFTER TRUNCATE ON product
        FOR EACH STATEMENT EXECUTE FUNCTION product_tally_clear()
    """)
    op.execute(_apply(_rows('product', 1)))
    op.execute("ANALYZE product_tally")
    # The home page's counts per top-level category now come from the tally.
    op.drop_index('ix_product_listed_top_category', table_name='product', postgresql_include=['category_ids'], postgresql_where=sa.text('listed'))


def downgrade() -> None:
    op.create_index('ix_product_listed_top_category', 'product', [sa.text('(category_ids[1])')], unique=False, postgresql_include=['category_ids'], postgresql_where=sa.text('listed'))
    for trigger in ('insert', 'update', 'delete', 'truncate'):
        op.execute(f"DROP TRIGGER product_tally_{trigger} ON product")
    op.execute("DROP FUNCTION product_tally_clear()")
    op.execute("DROP FUNCTION product_tally_count()")
    op.drop_index('ux_product_tally_key', table_name='product_tally', postgresql_nulls_not_distinct=True)
    op.drop_table('product_tally')
    op.execute("DROP FUNCTION catalog_price_bucket(numeric)")
