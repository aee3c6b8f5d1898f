"""catalogue copy and search

The storefront's read copy of categories, stores, products, variants and images (fed by events),
with a weighted full-text document (GIN) and a trigram index on title and brand (typo tolerance).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29 13:11:25.908709
"""

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Trusted extensions (PostgreSQL 13+): the database owner may create them. pg_trgm for similarity
    # search and its GIN operator class, unaccent so "cafe" finds "café".
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    op.execute("CREATE EXTENSION IF NOT EXISTS unaccent")
    op.create_table('category',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('parent_id', sa.Integer(), nullable=True),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('slug', sa.String(length=140), nullable=False),
    sa.Column('position', sa.Integer(), server_default='0', nullable=False),
    sa.Column('retired', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.Column('event_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_category'))
    )
    op.create_index(op.f('ix_category_parent_id'), 'category', ['parent_id'], unique=False)
    op.create_index(op.f('ix_category_slug'), 'category', ['slug'], unique=False)
    op.create_table('product',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('vendor_id', sa.Integer(), nullable=False),
    sa.Column('vendor_name', sa.String(length=120), nullable=True),
    sa.Column('vendor_slug', sa.String(length=140), nullable=True),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('slug', sa.String(length=100), nullable=False),
    sa.Column('brand', sa.String(length=80), nullable=True),
    sa.Column('description_html', sa.Text(), server_default='', nullable=False),
    sa.Column('description_text', sa.Text(), server_default='', nullable=False),
    sa.Column('currency', sa.CHAR(length=3), nullable=False),
    sa.Column('category_id', sa.Integer(), nullable=True),
    sa.Column('category_ids', postgresql.ARRAY(sa.Integer()), server_default='{}', nullable=False),
    sa.Column('category_path', sa.Text(), server_default='', nullable=False),
    sa.Column('attributes', postgresql.JSONB(astext_type=sa.Text()), server_default='{}', nullable=False),
    sa.Column('options', postgresql.JSONB(astext_type=sa.Text()), server_default='[]', nullable=False),
    sa.Column('min_price', sa.Numeric(precision=12, scale=2), nullable=True),
    sa.Column('max_price', sa.Numeric(precision=12, scale=2), nullable=True),
    sa.Column('compare_at_price', sa.Numeric(precision=12, scale=2), nullable=True),
    sa.Column('in_stock', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.Column('stock_total', sa.Integer(), server_default='0', nullable=False),
    sa.Column('rating_avg', sa.Numeric(precision=3, scale=2), nullable=True),
    sa.Column('rating_count', sa.Integer(), server_default='0', nullable=False),
    sa.Column('status', sa.String(length=16), server_default='active', nullable=False),
    sa.Column('listed', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('event_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('search_document', postgresql.TSVECTOR(), nullable=True),
    sa.Column('search_name', sa.Text(), server_default='', nullable=False),
    sa.CheckConstraint("currency ~ '^[A-Z]{3}$'", name=op.f('ck_product_currency_iso')),
    sa.CheckConstraint("status IN ('active', 'removed')", name=op.f('ck_product_status')),
    sa.CheckConstraint('min_price IS NULL OR min_price >= 0', name=op.f('ck_product_min_price_not_negative')),
    sa.CheckConstraint('rating_count >= 0', name=op.f('ck_product_rating_count_not_negative')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_product'))
    )
    op.create_index(op.f('ix_product_category_id'), 'product', ['category_id'], unique=False)
    op.create_index('ix_product_category_ids', 'product', ['category_ids'], unique=False, postgresql_using='gin')
    op.create_index('ix_product_listed_created_at', 'product', ['created_at', 'id'], unique=False, postgresql_where=sa.text('listed'))
    op.create_index('ix_product_listed_min_price', 'product', ['min_price', 'id'], unique=False, postgresql_where=sa.text('listed'))
    op.create_index('ix_product_search_document', 'product', ['search_document'], unique=False, postgresql_using='gin')
    op.create_index('ix_product_search_name_trgm', 'product', ['search_name'], unique=False, postgresql_using='gin', postgresql_ops={'search_name': 'gin_trgm_ops'})
    op.create_index(op.f('ix_product_vendor_id'), 'product', ['vendor_id'], unique=False)
    op.create_table('vendor',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('store_name', sa.String(length=120), nullable=False),
    sa.Column('slug', sa.String(length=140), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('description', sa.Text(), server_default='', nullable=False),
    sa.Column('event_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("status IN ('pending', 'approved', 'suspended', 'rejected')", name=op.f('ck_vendor_status')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_vendor'))
    )
    op.create_index(op.f('ix_vendor_slug'), 'vendor', ['slug'], unique=False)
    op.create_table('product_image',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('position', sa.Integer(), server_default='0', nullable=False),
    sa.Column('is_main', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.Column('width', sa.Integer(), nullable=True),
    sa.Column('height', sa.Integer(), nullable=True),
    sa.Column('content_type', sa.String(length=32), nullable=False),
    sa.Column('thumbnail', sa.LargeBinary(), nullable=True),
    sa.Column('medium', sa.LargeBinary(), nullable=True),
    sa.CheckConstraint("content_type IN ('image/jpeg', 'image/png', 'image/webp')", name=op.f('ck_product_image_content_type')),
    sa.ForeignKeyConstraint(['product_id'], ['product.id'], name=op.f('fk_product_image_product_id_product'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_product_image'))
    )
    op.create_index(op.f('ix_product_image_product_id'), 'product_image', ['product_id'], unique=False)
    op.create_index(op.f('ix_product_image_sha256'), 'product_image', ['sha256'], unique=False)
    op.create_table('variant',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('sku', sa.String(length=64), nullable=True),
    sa.Column('price', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('compare_at_price', sa.Numeric(precision=12, scale=2), nullable=True),
    sa.Column('options', postgresql.JSONB(astext_type=sa.Text()), server_default='{}', nullable=False),
    sa.Column('available', sa.Integer(), server_default='0', nullable=False),
    sa.Column('position', sa.Integer(), server_default='0', nullable=False),
    sa.Column('stock_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('available >= 0', name=op.f('ck_variant_available_not_negative')),
    sa.CheckConstraint('price >= 0', name=op.f('ck_variant_price_not_negative')),
    sa.ForeignKeyConstraint(['product_id'], ['product.id'], name=op.f('fk_variant_product_id_product'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_variant'))
    )
    op.create_index(op.f('ix_variant_product_id'), 'variant', ['product_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_variant_product_id'), table_name='variant')
    op.drop_table('variant')
    op.drop_index(op.f('ix_product_image_sha256'), table_name='product_image')
    op.drop_index(op.f('ix_product_image_product_id'), table_name='product_image')
    op.drop_table('product_image')
    op.drop_index(op.f('ix_vendor_slug'), table_name='vendor')
    op.drop_table('vendor')
    op.drop_index(op.f('ix_product_vendor_id'), table_name='product')
    op.drop_index('ix_product_search_name_trgm', table_name='product', postgresql_using='gin', postgresql_ops={'search_name': 'gin_trgm_ops'})
    op.drop_index('ix_product_search_document', table_name='product', postgresql_using='gin')
    op.drop_index('ix_product_listed_min_price', table_name='product', postgresql_where=sa.text('listed'))
    op.drop_index('ix_product_listed_created_at', table_name='product', postgresql_where=sa.text('listed'))
    op.drop_index('ix_product_category_ids', table_name='product', postgresql_using='gin')
    op.drop_index(op.f('ix_product_category_id'), table_name='product')
    op.drop_table('product')
    op.drop_index(op.f('ix_category_slug'), table_name='category')
    op.drop_index(op.f('ix_category_parent_id'), table_name='category')
    op.drop_table('category')
    # pg_trgm and unaccent stay: other objects of the database may use them, and keeping them is harmless.
