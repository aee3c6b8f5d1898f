"""vendors, users and products

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29 12:49:09.115264
"""

from alembic import op
import sqlalchemy as sa


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('vendor',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('store_name', sa.String(length=120), nullable=False),
    sa.Column('slug', sa.String(length=140), nullable=False),
    sa.Column('contact_name', sa.String(length=120), nullable=False),
    sa.Column('phone', sa.String(length=40), nullable=True),
    sa.Column('email', sa.String(length=320), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('return_policy', sa.Text(), nullable=True),
    sa.Column('status', sa.String(length=16), server_default='pending', nullable=False),
    sa.Column('status_reason', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("status IN ('pending', 'approved', 'suspended', 'rejected')", name=op.f('ck_vendor_status')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_vendor')),
    sa.UniqueConstraint('slug', name=op.f('uq_vendor_slug'))
    )
    op.create_index('uq_vendor_store_name_lower', 'vendor', [sa.literal_column('lower(store_name)')], unique=True)
    op.create_table('product',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('vendor_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), server_default='', nullable=False),
    sa.Column('price', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('currency', sa.CHAR(length=3), server_default='EUR', nullable=False),
    sa.Column('status', sa.String(length=16), server_default='draft', nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("currency ~ '^[A-Z]{3}$'", name=op.f('ck_product_currency_iso')),
    sa.CheckConstraint("status IN ('draft', 'active', 'archived')", name=op.f('ck_product_status')),
    sa.CheckConstraint('char_length(btrim(title)) >= 1', name=op.f('ck_product_title_not_blank')),
    sa.CheckConstraint('price >= 0', name=op.f('ck_product_price_not_negative')),
    sa.ForeignKeyConstraint(['vendor_id'], ['vendor.id'], name=op.f('fk_product_vendor_id_vendor'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_product'))
    )
    op.create_index(op.f('ix_product_vendor_id'), 'product', ['vendor_id'], unique=False)
    op.create_table('vendor_status_change',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('vendor_id', sa.Integer(), nullable=False),
    sa.Column('from_status', sa.String(length=16), nullable=False),
    sa.Column('to_status', sa.String(length=16), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('request_id', sa.String(length=64), nullable=False),
    sa.Column('changed_by', sa.String(length=40), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("from_status IN ('pending', 'approved', 'suspended', 'rejected')", name=op.f('ck_vendor_status_change_from_status')),
    sa.CheckConstraint("to_status IN ('pending', 'approved', 'suspended', 'rejected')", name=op.f('ck_vendor_status_change_to_status')),
    sa.ForeignKeyConstraint(['vendor_id'], ['vendor.id'], name=op.f('fk_vendor_status_change_vendor_id_vendor'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_vendor_status_change')),
    sa.UniqueConstraint('request_id', name=op.f('uq_vendor_status_change_request_id'))
    )
    op.create_index(op.f('ix_vendor_status_change_vendor_id'), 'vendor_status_change', ['vendor_id'], unique=False)
    op.create_table('vendor_user',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('vendor_id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=320), nullable=False),
    sa.Column('password_hash', sa.String(length=255), nullable=False),
    sa.Column('status', sa.String(length=16), server_default='active', nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("status IN ('active', 'disabled')", name=op.f('ck_vendor_user_status')),
    sa.ForeignKeyConstraint(['vendor_id'], ['vendor.id'], name=op.f('fk_vendor_user_vendor_id_vendor'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_vendor_user')),
    sa.UniqueConstraint('email', name=op.f('uq_vendor_user_email'))
    )
    op.create_index(op.f('ix_vendor_user_vendor_id'), 'vendor_user', ['vendor_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_vendor_user_vendor_id'), table_name='vendor_user')
    op.drop_table('vendor_user')
    op.drop_index(op.f('ix_vendor_status_change_vendor_id'), table_name='vendor_status_change')
    op.drop_table('vendor_status_change')
    op.drop_index(op.f('ix_product_vendor_id'), table_name='product')
    op.drop_table('product')
    op.drop_index('uq_vendor_store_name_lower', table_name='vendor')
    op.drop_table('vendor')
