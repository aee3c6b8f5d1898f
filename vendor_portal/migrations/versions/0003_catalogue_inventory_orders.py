"""Catalogue with variants and images, inventory, reservations, orders, analytics, imports

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29 13:04:05.288332
"""

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('category',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('parent_id', sa.Integer(), nullable=True),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('slug', sa.String(length=140), nullable=False),
    sa.Column('position', sa.Integer(), server_default='0', nullable=False),
    sa.Column('retired', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.Column('source_updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_category'))
    )
    op.create_index(op.f('ix_category_parent_id'), 'category', ['parent_id'], unique=False)
    op.create_table('product_view_daily',
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('vendor_id', sa.Integer(), nullable=False),
    sa.Column('views', sa.Integer(), server_default='0', nullable=False),
    sa.PrimaryKeyConstraint('product_id', 'day', name=op.f('pk_product_view_daily'))
    )
    op.create_index('ix_product_view_daily_vendor_day', 'product_view_daily', ['vendor_id', 'day'], unique=False)
    op.create_table('reservation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('outcome', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('settled_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("status IN ('held', 'committed', 'released', 'expired', 'refused')", name=op.f('ck_reservation_status')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reservation')),
    sa.UniqueConstraint('order_id', name=op.f('uq_reservation_order_id'))
    )
    op.create_index('ix_reservation_held_expiry', 'reservation', ['expires_at'], unique=False, postgresql_where=sa.text("status = 'held'"))
    op.create_table('media',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('vendor_id', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('content_type', sa.String(length=32), nullable=False),
    sa.Column('width', sa.Integer(), nullable=False),
    sa.Column('height', sa.Integer(), nullable=False),
    sa.Column('size_bytes', sa.Integer(), nullable=False),
    sa.Column('original', sa.LargeBinary(), nullable=False),
    sa.Column('medium', sa.LargeBinary(), nullable=False),
    sa.Column('thumbnail', sa.LargeBinary(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("content_type IN ('image/jpeg', 'image/png', 'image/webp')", name=op.f('ck_media_content_type')),
    sa.CheckConstraint('size_bytes > 0', name=op.f('ck_media_size_positive')),
    sa.ForeignKeyConstraint(['vendor_id'], ['vendor.id'], name=op.f('fk_media_vendor_id_vendor'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_media'))
    )
    op.create_index(op.f('ix_media_sha256'), 'media', ['sha256'], unique=False)
    op.create_index(op.f('ix_media_vendor_id'), 'media', ['vendor_id'], unique=False)
    op.create_table('vendor_order',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.String(length=64), nullable=False),
    sa.Column('number', sa.String(length=32), nullable=False),
    sa.Column('vendor_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), server_default='placed', nullable=False),
    sa.Column('currency', sa.CHAR(length=3), nullable=False),
    sa.Column('subtotal', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('refunded_total', sa.Numeric(precision=12, scale=2), server_default='0', nullable=False),
    sa.Column('placed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('shipping_name', sa.String(length=120), nullable=False),
    sa.Column('shipping_address', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('carrier', sa.String(length=60), nullable=True),
    sa.Column('tracking_number', sa.String(length=80), nullable=True),
    sa.Column('shipped_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("status IN ('placed', 'acknowledged', 'packed', 'shipped', 'delivered', 'cancelled')", name=op.f('ck_vendor_order_status')),
    sa.ForeignKeyConstraint(['vendor_id'], ['vendor.id'], name=op.f('fk_vendor_order_vendor_id_vendor'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_vendor_order')),
    sa.UniqueConstraint('order_id', 'vendor_id', name=op.f('uq_vendor_order_order_id_vendor_id'))
    )
    op.create_index(op.f('ix_vendor_order_number'), 'vendor_order', ['number'], unique=False)
    op.create_index(op.f('ix_vendor_order_order_id'), 'vendor_order', ['order_id'], unique=False)
    op.create_index('ix_vendor_order_vendor_placed', 'vendor_order', ['vendor_id', 'placed_at'], unique=False)
    op.create_table('import_job',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('vendor_id', sa.Integer(), nullable=False),
    sa.Column('uploaded_by', sa.Integer(), nullable=False),
    sa.Column('filename', sa.String(length=200), nullable=False),
    sa.Column('content', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=16), server_default='queued', nullable=False),
    sa.Column('total_rows', sa.Integer(), server_default='0', nullable=False),
    sa.Column('processed_rows', sa.Integer(), server_default='0', nullable=False),
    sa.Column('created_products', sa.Integer(), server_default='0', nullable=False),
    sa.Column('errors', postgresql.JSONB(astext_type=sa.Text()), server_default='[]', nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("status IN ('queued', 'running', 'done', 'failed')", name=op.f('ck_import_job_status')),
    sa.ForeignKeyConstraint(['uploaded_by'], ['vendor_user.id'], name=op.f('fk_import_job_uploaded_by_vendor_user'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['vendor_id'], ['vendor.id'], name=op.f('fk_import_job_vendor_id_vendor'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_import_job'))
    )
    op.create_index(op.f('ix_import_job_vendor_id'), 'import_job', ['vendor_id'], unique=False)
    op.create_table('product_image',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('media_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), server_default='0', nullable=False),
    sa.Column('is_main', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.Column('alt_text', sa.String(length=200), server_default='', nullable=False),
    sa.ForeignKeyConstraint(['media_id'], ['media.id'], name=op.f('fk_product_image_media_id_media'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['product_id'], ['product.id'], name=op.f('fk_product_image_product_id_product'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_product_image'))
    )
    op.create_index(op.f('ix_product_image_media_id'), 'product_image', ['media_id'], unique=False)
    op.create_index(op.f('ix_product_image_product_id'), 'product_image', ['product_id'], unique=False)
    op.create_index('uq_product_image_main', 'product_image', ['product_id'], unique=True, postgresql_where=sa.text('is_main'))
    op.create_table('product_option',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('position', sa.Integer(), server_default='0', nullable=False),
    sa.Column('values', postgresql.JSONB(astext_type=sa.Text()), server_default='[]', nullable=False),
    sa.ForeignKeyConstraint(['product_id'], ['product.id'], name=op.f('fk_product_option_product_id_product'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_product_option')),
    sa.UniqueConstraint('product_id', 'name', name=op.f('uq_product_option_product_id_name'))
    )
    op.create_index(op.f('ix_product_option_product_id'), 'product_option', ['product_id'], unique=False)
    op.create_table('variant',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('vendor_id', sa.Integer(), nullable=False),
    sa.Column('sku', sa.String(length=64), nullable=False),
    sa.Column('price', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('compare_at_price', sa.Numeric(precision=12, scale=2), nullable=True),
    sa.Column('options', postgresql.JSONB(astext_type=sa.Text()), server_default='{}', nullable=False),
    sa.Column('position', sa.Integer(), server_default='0', nullable=False),
    sa.Column('stock_on_hand', sa.Integer(), server_default='0', nullable=False),
    sa.Column('reserved', sa.Integer(), server_default='0', nullable=False),
    sa.Column('is_active', sa.Boolean(), server_default=sa.text('true'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint('char_length(btrim(sku)) >= 1', name=op.f('ck_variant_sku_not_blank')),
    sa.CheckConstraint('compare_at_price IS NULL OR compare_at_price > price', name=op.f('ck_variant_compare_at_above_price')),
    sa.CheckConstraint('price >= 0', name=op.f('ck_variant_price_not_negative')),
    sa.CheckConstraint('reserved >= 0 AND reserved <= stock_on_hand', name=op.f('ck_variant_reserved_within_stock')),
    sa.CheckConstraint('stock_on_hand >= 0', name=op.f('ck_variant_stock_not_negative')),
    sa.ForeignKeyConstraint(['product_id'], ['product.id'], name=op.f('fk_variant_product_id_product'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['vendor_id'], ['vendor.id'], name=op.f('fk_variant_vendor_id_vendor'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_variant')),
    sa.UniqueConstraint('vendor_id', 'sku', name=op.f('uq_variant_vendor_id_sku'))
    )
    op.create_index(op.f('ix_variant_product_id'), 'variant', ['product_id'], unique=False)
    op.create_index(op.f('ix_variant_vendor_id'), 'variant', ['vendor_id'], unique=False)
    op.create_table('vendor_order_event',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('vendor_order_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=24), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('actor', sa.String(length=120), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['vendor_order_id'], ['vendor_order.id'], name=op.f('fk_vendor_order_event_vendor_order_id_vendor_order'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_vendor_order_event'))
    )
    op.create_index(op.f('ix_vendor_order_event_vendor_order_id'), 'vendor_order_event', ['vendor_order_id'], unique=False)
    op.create_table('reservation_line',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('reservation_id', sa.Integer(), nullable=False),
    sa.Column('variant_id', sa.Integer(), nullable=False),
    sa.Column('vendor_id', sa.Integer(), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.CheckConstraint('quantity > 0', name=op.f('ck_reservation_line_quantity_positive')),
    sa.ForeignKeyConstraint(['reservation_id'], ['reservation.id'], name=op.f('fk_reservation_line_reservation_id_reservation'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['variant_id'], ['variant.id'], name=op.f('fk_reservation_line_variant_id_variant')),
    sa.ForeignKeyConstraint(['vendor_id'], ['vendor.id'], name=op.f('fk_reservation_line_vendor_id_vendor')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reservation_line'))
    )
    op.create_index(op.f('ix_reservation_line_reservation_id'), 'reservation_line', ['reservation_id'], unique=False)
    op.create_index(op.f('ix_reservation_line_variant_id'), 'reservation_line', ['variant_id'], unique=False)
    op.create_index(op.f('ix_reservation_line_vendor_id'), 'reservation_line', ['vendor_id'], unique=False)
    op.create_table('stock_adjustment',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('vendor_id', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('variant_id', sa.Integer(), nullable=False),
    sa.Column('delta', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=16), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('actor', sa.String(length=120), nullable=False),
    sa.Column('on_hand_after', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("reason IN ('initial', 'received', 'correction', 'damaged', 'sale', 'returned', 'cancelled', 'import')", name=op.f('ck_stock_adjustment_reason')),
    sa.CheckConstraint('delta <> 0', name=op.f('ck_stock_adjustment_delta_not_zero')),
    sa.CheckConstraint('on_hand_after >= 0', name=op.f('ck_stock_adjustment_on_hand_after_not_negative')),
    sa.ForeignKeyConstraint(['product_id'], ['product.id'], name=op.f('fk_stock_adjustment_product_id_product'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['variant_id'], ['variant.id'], name=op.f('fk_stock_adjustment_variant_id_variant'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['vendor_id'], ['vendor.id'], name=op.f('fk_stock_adjustment_vendor_id_vendor'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stock_adjustment'))
    )
    op.create_index(op.f('ix_stock_adjustment_product_id'), 'stock_adjustment', ['product_id'], unique=False)
    op.create_index('ix_stock_adjustment_variant_at', 'stock_adjustment', ['variant_id', 'created_at'], unique=False)
    op.create_index(op.f('ix_stock_adjustment_vendor_id'), 'stock_adjustment', ['vendor_id'], unique=False)
    op.create_table('vendor_order_line',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('vendor_order_id', sa.Integer(), nullable=False),
    sa.Column('line_id', sa.String(length=64), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('variant_id', sa.Integer(), nullable=False),
    sa.Column('sku', sa.String(length=64), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('options', postgresql.JSONB(astext_type=sa.Text()), server_default='{}', nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('unit_price', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('line_total', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('cancelled_quantity', sa.Integer(), server_default='0', nullable=False),
    sa.CheckConstraint('cancelled_quantity >= 0 AND cancelled_quantity <= quantity', name=op.f('ck_vendor_order_line_cancelled_within')),
    sa.CheckConstraint('quantity > 0', name=op.f('ck_vendor_order_line_quantity_positive')),
    sa.ForeignKeyConstraint(['product_id'], ['product.id'], name=op.f('fk_vendor_order_line_product_id_product'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['variant_id'], ['variant.id'], name=op.f('fk_vendor_order_line_variant_id_variant'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['vendor_order_id'], ['vendor_order.id'], name=op.f('fk_vendor_order_line_vendor_order_id_vendor_order'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_vendor_order_line'))
    )
    op.create_index(op.f('ix_vendor_order_line_product_id'), 'vendor_order_line', ['product_id'], unique=False)
    op.create_index(op.f('ix_vendor_order_line_variant_id'), 'vendor_order_line', ['variant_id'], unique=False)
    op.create_index(op.f('ix_vendor_order_line_vendor_order_id'), 'vendor_order_line', ['vendor_order_id'], unique=False)
    op.add_column('product', sa.Column('description_html', sa.Text(), server_default='', nullable=False))
    op.add_column('product', sa.Column('brand', sa.String(length=80), nullable=True))
    op.add_column('product', sa.Column('category_id', sa.Integer(), nullable=True))
    op.add_column('product', sa.Column('weight_grams', sa.Integer(), nullable=True))
    op.add_column('product', sa.Column('attributes', postgresql.JSONB(astext_type=sa.Text()), server_default='{}', nullable=False))
    op.add_column('product', sa.Column('low_stock_threshold', sa.Integer(), server_default='5', nullable=False))
    op.add_column('product', sa.Column('hidden_reason', sa.Text(), nullable=True))
    op.add_column('product', sa.Column('hidden_at', sa.DateTime(timezone=True), nullable=True))
    op.create_index(op.f('ix_product_category_id'), 'product', ['category_id'], unique=False)
    # Every product now sells through variants: carry each price over as a default variant.
    op.execute(
        "INSERT INTO variant (product_id, vendor_id, sku, price, position, stock_on_hand, reserved, is_active, options) "
        "SELECT id, vendor_id, 'P' || id, price, 0, 0, 0, true, '{}'::jsonb FROM product"
    )
    op.drop_column('product', 'price')
    op.add_column('vendor', sa.Column('logo_media_id', sa.Integer(), nullable=True))
    op.add_column('vendor', sa.Column('commission_rate', sa.Numeric(precision=5, scale=2), server_default='10', nullable=False))
    op.create_foreign_key(op.f('fk_vendor_logo_media_id_media'), 'vendor', 'media', ['logo_media_id'], ['id'], ondelete='SET NULL', use_alter=True)


def downgrade() -> None:
    op.drop_constraint(op.f('fk_vendor_logo_media_id_media'), 'vendor', type_='foreignkey')
    op.drop_column('vendor', 'commission_rate')
    op.drop_column('vendor', 'logo_media_id')
    op.add_column('product', sa.Column('price', sa.NUMERIC(precision=12, scale=2), server_default='0', nullable=False))
    op.execute("UPDATE product SET price = v.price FROM variant v WHERE v.product_id = product.id AND v.position = 0")
    op.drop_index(op.f('ix_product_category_id'), table_name='product')
    op.drop_column('product', 'hidden_at')
    op.drop_column('product', 'hidden_reason')
    op.drop_column('product', 'low_stock_threshold')
    op.drop_column('product', 'attributes')
    op.drop_column('product', 'weight_grams')
    op.drop_column('product', 'category_id')
    op.drop_column('product', 'brand')
    op.drop_column('product', 'description_html')
    op.drop_index(op.f('ix_vendor_order_line_vendor_order_id'), table_name='vendor_order_line')
    op.drop_index(op.f('ix_vendor_order_line_variant_id'), table_name='vendor_order_line')
    op.drop_index(op.f('ix_vendor_order_line_product_id'), table_name='vendor_order_line')
    op.drop_table('vendor_order_line')
    op.drop_index(op.f('ix_stock_adjustment_vendor_id'), table_name='stock_adjustment')
    op.drop_index('ix_stock_adjustment_variant_at', table_name='stock_adjustment')
    op.drop_index(op.f('ix_stock_adjustment_product_id'), table_name='stock_adjustment')
    op.drop_table('stock_adjustment')
    op.drop_index(op.f('ix_reservation_line_vendor_id'), table_name='reservation_line')
    op.drop_index(op.f('ix_reservation_line_variant_id'), table_name='reservation_line')
    op.drop_index(op.f('ix_reservation_line_reservation_id'), table_name='reservation_line')
    op.drop_table('reservation_line')
    op.drop_index(op.f('ix_vendor_order_event_vendor_order_id'), table_name='vendor_order_event')
    op.drop_table('vendor_order_event')
    op.drop_index(op.f('ix_variant_vendor_id'), table_name='variant')
    op.drop_index(op.f('ix_variant_product_id'), table_name='variant')
    op.drop_table('variant')
    op.drop_index(op.f('ix_product_option_product_id'), table_name='product_option')
    op.drop_table('product_option')
    op.drop_index('uq_product_image_main', table_name='product_image', postgresql_where=sa.text('is_main'))
    op.drop_index(op.f('ix_product_image_product_id'), table_name='product_image')
    op.drop_index(op.f('ix_product_image_media_id'), table_name='product_image')
    op.drop_table('product_image')
    op.drop_index(op.f('ix_import_job_vendor_id'), table_name='import_job')
    op.drop_table('import_job')
    op.drop_index('ix_vendor_order_vendor_placed', table_name='vendor_order')
    op.drop_index(op.f('ix_vendor_order_order_id'), table_name='vendor_order')
    op.drop_index(op.f('ix_vendor_order_number'), table_name='vendor_order')
    op.drop_table('vendor_order')
    op.drop_index(op.f('ix_media_vendor_id'), table_name='media')
    op.drop_index(op.f('ix_media_sha256'), table_name='media')
    op.drop_table('media')
    op.drop_index('ix_reservation_held_expiry', table_name='reservation', postgresql_where=sa.text("status = 'held'"))
    op.drop_table('reservation')
    op.drop_index('ix_product_view_daily_vendor_day', table_name='product_view_daily')
    op.drop_table('product_view_daily')
    op.drop_index(op.f('ix_category_parent_id'), table_name='category')
    op.drop_table('category')
