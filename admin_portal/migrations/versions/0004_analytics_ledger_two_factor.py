"""analytics read models, commission ledger, staff two-factor

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29 13:41:01.388930
"""

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

# The commission ledger is append-only like the audit log: the database refuses to change or delete an
# entry (a correction is a new entry). TRUNCATE stays possible for the database owner (tests use it).
APPEND_ONLY_FUNCTION = """
CREATE FUNCTION ledger_entry_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'ledger_entry is append-only: % is not allowed', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$
"""
APPEND_ONLY_TRIGGER = """
CREATE TRIGGER ledger_entry_append_only
    BEFORE UPDATE OR DELETE ON ledger_entry
    FOR EACH ROW EXECUTE FUNCTION ledger_entry_append_only()
"""

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('analytics_customer',
    sa.Column('customer_id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('registered_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('registered_on', sa.Date(), nullable=False),
    sa.PrimaryKeyConstraint('customer_id', name=op.f('pk_analytics_customer'))
    )
    op.create_index(op.f('ix_analytics_customer_registered_on'), 'analytics_customer', ['registered_on'], unique=False)
    op.create_table('analytics_fulfilment',
    sa.Column('order_id', sa.String(length=36), nullable=False),
    sa.Column('vendor_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('carrier', sa.String(length=60), nullable=True),
    sa.Column('tracking_number', sa.String(length=80), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("status IN ('acknowledged', 'packed', 'shipped', 'delivered', 'cancelled')", name=op.f('ck_analytics_fulfilment_status')),
    sa.PrimaryKeyConstraint('order_id', 'vendor_id', name=op.f('pk_analytics_fulfilment'))
    )
    op.create_table('analytics_fulfilment_step',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('order_id', sa.String(length=36), nullable=False),
    sa.Column('vendor_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('carrier', sa.String(length=60), nullable=True),
    sa.Column('tracking_number', sa.String(length=80), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("status IN ('acknowledged', 'packed', 'shipped', 'delivered', 'cancelled')", name=op.f('ck_analytics_fulfilment_step_status')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_analytics_fulfilment_step'))
    )
    op.create_index('ix_analytics_fulfilment_step_part', 'analytics_fulfilment_step', ['order_id', 'vendor_id', 'at'], unique=False)
    op.create_table('analytics_order',
    sa.Column('order_id', sa.String(length=36), nullable=False),
    sa.Column('number', sa.String(length=32), nullable=False),
    sa.Column('placed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('placed_on', sa.Date(), nullable=False),
    sa.Column('currency', sa.CHAR(length=3), nullable=False),
    sa.Column('total', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('shipping_total', sa.Numeric(precision=12, scale=2), server_default='0', nullable=False),
    sa.Column('customer_id', sa.BigInteger(), nullable=True),
    sa.Column('email', sa.String(length=320), nullable=True),
    sa.Column('is_new_customer', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.Column('status', sa.String(length=24), server_default='placed', nullable=False),
    sa.Column('refunded_total', sa.Numeric(precision=12, scale=2), server_default='0', nullable=False),
    sa.Column('cancelled_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("status IN ('placed', 'partially_cancelled', 'cancelled')", name=op.f('ck_analytics_order_status')),
    sa.CheckConstraint('total >= 0 AND shipping_total >= 0 AND refunded_total >= 0', name=op.f('ck_analytics_order_amounts')),
    sa.PrimaryKeyConstraint('order_id', name=op.f('pk_analytics_order'))
    )
    op.create_index('ix_analytics_order_placed_on', 'analytics_order', ['placed_on', 'currency'], unique=False, postgresql_include=['total'])
    op.create_table('analytics_product',
    sa.Column('product_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('vendor_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('category_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("status IN ('active', 'removed')", name=op.f('ck_analytics_product_status')),
    sa.PrimaryKeyConstraint('product_id', name=op.f('pk_analytics_product'))
    )
    op.create_index(op.f('ix_analytics_product_vendor_id'), 'analytics_product', ['vendor_id'], unique=False)
    op.create_table('analytics_product_view_day',
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('product_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('views', sa.Integer(), server_default='0', nullable=False),
    sa.PrimaryKeyConstraint('day', 'product_id', name=op.f('pk_analytics_product_view_day'))
    )
    op.create_table('analytics_refund',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('refund_id', sa.String(length=64), nullable=False),
    sa.Column('order_id', sa.String(length=36), nullable=False),
    sa.Column('amount', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('currency', sa.CHAR(length=3), nullable=False),
    sa.Column('refunded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('refunded_on', sa.Date(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('lines', postgresql.JSONB(astext_type=sa.Text()), server_default='[]', nullable=False),
    sa.CheckConstraint('amount > 0', name=op.f('ck_analytics_refund_amount_positive')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_analytics_refund')),
    sa.UniqueConstraint('refund_id', name=op.f('uq_analytics_refund_refund_id'))
    )
    op.create_index(op.f('ix_analytics_refund_order_id'), 'analytics_refund', ['order_id'], unique=False)
    op.create_index('ix_analytics_refund_refunded_on', 'analytics_refund', ['refunded_on', 'currency'], unique=False, postgresql_include=['amount'])
    op.create_table('analytics_traffic_day',
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('page_views', sa.Integer(), server_default='0', nullable=False),
    sa.Column('product_views', sa.Integer(), server_default='0', nullable=False),
    sa.Column('add_to_cart', sa.Integer(), server_default='0', nullable=False),
    sa.Column('checkout_started', sa.Integer(), server_default='0', nullable=False),
    sa.Column('orders_placed', sa.Integer(), server_default='0', nullable=False),
    sa.Column('visitors', sa.Integer(), server_default='0', nullable=False),
    sa.Column('product_viewers', sa.Integer(), server_default='0', nullable=False),
    sa.Column('cart_adders', sa.Integer(), server_default='0', nullable=False),
    sa.Column('checkout_starters', sa.Integer(), server_default='0', nullable=False),
    sa.Column('buyers', sa.Integer(), server_default='0', nullable=False),
    sa.PrimaryKeyConstraint('day', name=op.f('pk_analytics_traffic_day'))
    )
    op.create_table('analytics_visitor_day',
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('visitor', sa.String(length=64), nullable=False),
    sa.Column('viewed_product', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.Column('added_to_cart', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.Column('started_checkout', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.Column('placed_order', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.PrimaryKeyConstraint('day', 'visitor', name=op.f('pk_analytics_visitor_day'))
    )
    op.create_table('analytics_order_line',
    sa.Column('line_id', sa.String(length=36), nullable=False),
    sa.Column('order_id', sa.String(length=36), nullable=False),
    sa.Column('vendor_id', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('unit_price', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('line_total', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('category_id', sa.Integer(), nullable=True),
    sa.Column('currency', sa.CHAR(length=3), nullable=False),
    sa.Column('placed_on', sa.Date(), nullable=False),
    sa.Column('cancelled_quantity', sa.Integer(), server_default='0', nullable=False),
    sa.Column('refunded_amount', sa.Numeric(precision=12, scale=2), server_default='0', nullable=False),
    sa.CheckConstraint('cancelled_quantity >= 0 AND cancelled_quantity <= quantity', name=op.f('ck_analytics_order_line_cancelled_quantity')),
    sa.CheckConstraint('line_total >= 0 AND refunded_amount >= 0', name=op.f('ck_analytics_order_line_amounts')),
    sa.CheckConstraint('quantity > 0', name=op.f('ck_analytics_order_line_quantity_positive')),
    sa.ForeignKeyConstraint(['order_id'], ['analytics_order.order_id'], name=op.f('fk_analytics_order_line_order_id_analytics_order'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('line_id', name=op.f('pk_analytics_order_line'))
    )
    op.create_index(op.f('ix_analytics_order_line_order_id'), 'analytics_order_line', ['order_id'], unique=False)
    op.create_index('ix_analytics_order_line_placed_on', 'analytics_order_line', ['placed_on', 'currency'], unique=False, postgresql_include=['quantity', 'line_total', 'product_id', 'vendor_id', 'category_id'])
    op.create_table('ledger_entry',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('vendor_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('amount', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('currency', sa.CHAR(length=3), nullable=False),
    sa.Column('order_id', sa.String(length=36), nullable=True),
    sa.Column('order_number', sa.String(length=32), nullable=True),
    sa.Column('line_id', sa.String(length=36), nullable=True),
    sa.Column('refund_id', sa.String(length=64), nullable=True),
    sa.Column('commission_rate', sa.Numeric(precision=5, scale=2), nullable=True),
    sa.Column('reference', sa.String(length=200), nullable=True),
    sa.Column('staff_id', sa.Integer(), nullable=True),
    sa.Column('event_id', sa.UUID(), nullable=True),
    sa.CheckConstraint("(kind IN ('sale', 'commission_refund') AND amount > 0) OR (kind IN ('commission', 'refund', 'payout') AND amount < 0)", name=op.f('ck_ledger_entry_amount_sign')),
    sa.CheckConstraint("kind <> 'payout' OR reference IS NOT NULL", name=op.f('ck_ledger_entry_payout_reference')),
    sa.CheckConstraint("kind IN ('sale', 'commission_refund', 'commission', 'refund', 'payout')", name=op.f('ck_ledger_entry_kind')),
    sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], name=op.f('fk_ledger_entry_staff_id_staff')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ledger_entry'))
    )
    op.create_index(op.f('ix_ledger_entry_line_id'), 'ledger_entry', ['line_id'], unique=False)
    op.create_index(op.f('ix_ledger_entry_order_id'), 'ledger_entry', ['order_id'], unique=False)
    op.create_index('ix_ledger_entry_vendor', 'ledger_entry', ['vendor_id', 'currency', 'id'], unique=False, postgresql_include=['amount', 'kind'])
    op.create_index('uq_ledger_entry_line_kind', 'ledger_entry', ['line_id', 'kind'], unique=True, postgresql_where=sa.text("kind IN ('sale', 'commission')"))
    op.create_index('uq_ledger_entry_refund_line_kind', 'ledger_entry', ['refund_id', 'line_id', 'kind'], unique=True, postgresql_where=sa.text("kind IN ('refund', 'commission_refund')"))
    op.execute(APPEND_ONLY_FUNCTION)
    op.execute(APPEND_ONLY_TRIGGER)
    op.create_table('platform_setting',
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('value', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_by', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['updated_by'], ['staff.id'], name=op.f('fk_platform_setting_updated_by_staff')),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_platform_setting'))
    )
    op.add_column('staff', sa.Column('totp_enabled_at', sa.DateTime(timezone=True), nullable=True))
    op.add_column('staff', sa.Column('totp_last_step', sa.BigInteger(), nullable=True))


def downgrade() -> None:
    op.drop_column('staff', 'totp_last_step')
    op.drop_column('staff', 'totp_enabled_at')
    op.drop_table('platform_setting')
    op.execute("DROP TRIGGER IF EXISTS ledger_entry_append_only ON ledger_entry")
    op.execute("DROP FUNCTION IF EXISTS ledger_entry_append_only()")
    op.drop_index('uq_ledger_entry_refund_line_kind', table_name='ledger_entry', postgresql_where=sa.text("kind IN ('refund', 'commission_refund')"))
    op.drop_index('uq_ledger_entry_line_kind', table_name='ledger_entry', postgresql_where=sa.text("kind IN ('sale', 'commission')"))
    op.drop_index('ix_ledger_entry_vendor', table_name='ledger_entry', postgresql_include=['amount', 'kind'])
    op.drop_index(op.f('ix_ledger_entry_order_id'), table_name='ledger_entry')
    op.drop_index(op.f('ix_ledger_entry_line_id'), table_name='ledger_entry')
    op.drop_table('ledger_entry')
    op.drop_index('ix_analytics_order_line_placed_on', table_name='analytics_order_line', postgresql_include=['quantity', 'line_total', 'product_id', 'vendor_id', 'category_id'])
    op.drop_index(op.f('ix_analytics_order_line_order_id'), table_name='analytics_order_line')
    op.drop_table('analytics_order_line')
    op.drop_table('analytics_visitor_day')
    op.drop_table('analytics_traffic_day')
    op.drop_index('ix_analytics_refund_refunded_on', table_name='analytics_refund', postgresql_include=['amount'])
    op.drop_index(op.f('ix_analytics_refund_order_id'), table_name='analytics_refund')
    op.drop_table('analytics_refund')
    op.drop_table('analytics_product_view_day')
    op.drop_index(op.f('ix_analytics_product_vendor_id'), table_name='analytics_product')
    op.drop_table('analytics_product')
    op.drop_index('ix_analytics_order_placed_on', table_name='analytics_order', postgresql_include=['total'])
    op.drop_table('analytics_order')
    op.drop_index('ix_analytics_fulfilment_step_part', table_name='analytics_fulfilment_step')
    op.drop_table('analytics_fulfilment_step')
    op.drop_table('analytics_fulfilment')
    op.drop_index(op.f('ix_analytics_customer_registered_on'), table_name='analytics_customer')
    op.drop_table('analytics_customer')
