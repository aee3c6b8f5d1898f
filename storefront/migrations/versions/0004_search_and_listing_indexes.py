"""search and listing indexes, catalogue version

Indexes for the home page at catalogue scale (best sellers shelf, product count per top-level
category), and the catalogue version behind the ETags of the pages anonymous shoppers share: one row
bumped by a deferred trigger whenever product, variant, product_image, category or vendor change.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29 14:00:00.000000
"""

from alembic import op
import sqlalchemy as sa

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

CATALOGUE_TABLES = ('product', 'variant', 'product_image', 'category', 'vendor')


def upgrade() -> None:
    op.create_index('ix_product_listed_rating_count', 'product', ['rating_count', 'created_at', 'id'], unique=False, postgresql_where=sa.text('listed'))
    op.create_index('ix_product_listed_top_category', 'product', [sa.text('(category_ids[1])')], unique=False, postgresql_include=['category_ids'], postgresql_where=sa.text('listed'))
    op.create_table('catalog_version',
    sa.Column('id', sa.SmallInteger(), autoincrement=False, nullable=False),
    sa.Column('version', sa.BigInteger(), nullable=False),
    sa.Column('changed_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('id = 1', name=op.f('ck_catalog_version_single_row')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_catalog_version'))
    )
    # The version is microseconds since the epoch, or one more than the last when changes come faster:
    # it only grows, even across a restore or an emptied table, so an old ETag never matches new content.
    op.execute("""
        CREATE FUNCTION bump_catalog_version() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            -- Once per transaction: the first changed row bumps, the others see the mark and return.
            IF coalesce(current_setting('catalog.version_bumped', true), '') = '' THEN
                PERFORM set_config('catalog.version_bumped', 'yes', true);
                INSERT INTO catalog_version AS cv (id, version, changed_at)
                VALUES (1, (extract(epoch FROM clock_timestamp()) * 1000000)::bigint, clock_timestamp())
                ON CONFLICT (id) DO UPDATE
                    SET version = greatest(cv.version + 1, EXCLUDED.version), changed_at = EXCLUDED.changed_at;
            END IF;
            RETURN NULL;
        END
        $$
    """)
    for name in CATALOGUE_TABLES:
        # Deferred to commit: the version row is locked only while committing, never across a handler's
        # statements, so concurrent writers cannot deadlock on it.
        op.execute(f"""
            CREATE CONSTRAINT TRIGGER catalog_version_{name} AFTER INSERT OR UPDATE OR DELETE ON {name}
            DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bump_catalog_version()
        """)
    op.execute("INSERT INTO catalog_version (id, version, changed_at) VALUES (1, (extract(epoch FROM clock_timestamp()) * 1000000)::bigint, clock_timestamp())")


def downgrade() -> None:
    for name in CATALOGUE_TABLES:
        op.execute(f"DROP TRIGGER catalog_version_{name} ON {name}")
    op.execute("DROP FUNCTION bump_catalog_version()")
    op.drop_table('catalog_version')
    op.drop_index('ix_product_listed_top_category', table_name='product', postgresql_include=['category_ids'], postgresql_where=sa.text('listed'))
    op.drop_index('ix_product_listed_rating_count', table_name='product', postgresql_where=sa.text('listed'))
