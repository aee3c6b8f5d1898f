"""catalogue facets version

A second counter on the catalogue version row, bumped only when something facet counts depend on
changes: a product added or removed, or any column of a product other than its stock figure and
timestamps. A stock change that leaves a product in stock (most of them) changes the pages, whose
ETags follow the catalogue version, but not the facet counts, which are kept by this one: the first
shopper after it waits for the page's cards, not for a recount of every matching product.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29 18:40:00.000000
"""

from alembic import op
import sqlalchemy as sa

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

# Columns whose change leaves every facet count as it was: the units in stock (in_stock, which the
# "in stock" facet counts, is a column of its own) and when the row was last written.
NOT_COUNTED = "ARRAY['stock_total', 'updated_at', 'event_at']"


def upgrade() -> None:
    op.add_column('catalog_version', sa.Column('facets_version', sa.BigInteger(), server_default='0', nullable=False))
    op.execute("UPDATE catalog_version SET facets_version = version")
    op.execute("""
        CREATE FUNCTION bump_catalog_facets_version() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            -- Once per transaction, as bump_catalog_version: the first counted change bumps.
            IF coalesce(current_setting('catalog.facets_bumped', true), '') = '' THEN
                PERFORM set_config('catalog.facets_bumped', 'yes', true);
                INSERT INTO catalog_version AS cv (id, version, changed_at, facets_version)
                VALUES (1, (extract(epoch FROM clock_timestamp()) * 1000000)::bigint, clock_timestamp(),
                        (extract(epoch FROM clock_timestamp()) * 1000000)::bigint)
                ON CONFLICT (id) DO UPDATE
                    SET facets_version = greatest(cv.facets_version + 1, EXCLUDED.facets_version);
            END IF;
            RETURN NULL;
        END
        $$
    """)
    # Deferred to commit like the catalogue version's triggers (no lock held across a handler).
    op.execute("""
        CREATE CONSTRAINT TRIGGER catalog_facets_product AFTER INSERT OR DELETE ON product
        DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bump_catalog_facets_version()
    """)
    op.execute(f"""
        CREATE CONSTRAINT TRIGGER catalog_facets_product_update AFTER UPDATE ON product
        DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
        WHEN ((to_jsonb(OLD) - {NOT_COUNTED}) IS DISTINCT FROM (to_jsonb(NEW) - {NOT_COUNTED}))
        EXECUTE FUNCTION bump_catalog_facets_version()
    """)


def downgrade() -> None:
    op.execute("DROP TRIGGER catalog_facets_product_update ON product")
    op.execute("DROP TRIGGER catalog_facets_product ON product")
    op.execute("DROP FUNCTION bump_catalog_facets_version()")
    op.drop_column('catalog_version', 'facets_version')
