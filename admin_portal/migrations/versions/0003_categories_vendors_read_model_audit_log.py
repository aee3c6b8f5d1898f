"""categories, vendors read model, audit log

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29 13:08:03.851316
"""

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

# The audit log is append-only: the database itself refuses to change or delete an entry, whatever
# the code (or a person with a SQL prompt and the app's credentials) tries. TRUNCATE is not a row
# operation and stays possible for the owner of the database (tests empty tables with it).
APPEND_ONLY_FUNCTION = """
CREATE FUNCTION audit_entry_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_entry is append-only: % is not allowed', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$
"""
APPEND_ONLY_TRIGGER = """
CREATE TRIGGER audit_entry_append_only
    BEFORE UPDATE OR DELETE ON audit_entry
    FOR EACH ROW EXECUTE FUNCTION audit_entry_append_only()
"""

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('category',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('slug', sa.String(length=100), nullable=False),
    sa.Column('parent_id', sa.Integer(), nullable=True),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), server_default='active', nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$'", name=op.f('ck_category_slug_format')),
    sa.CheckConstraint("status IN ('active', 'retired')", name=op.f('ck_category_status')),
    sa.CheckConstraint('parent_id IS NULL OR parent_id <> id', name=op.f('ck_category_not_own_parent')),
    sa.CheckConstraint('position >= 1', name=op.f('ck_category_position_positive')),
    sa.ForeignKeyConstraint(['parent_id'], ['category.id'], name=op.f('fk_category_parent_id_category')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_category')),
    sa.UniqueConstraint('slug', name=op.f('uq_category_slug'))
    )
    op.create_index('ix_category_parent_position', 'category', ['parent_id', 'position'], unique=False)
    op.create_table('vendor_summary',
    sa.Column('vendor_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('store_name', sa.String(length=120), nullable=False),
    sa.Column('slug', sa.String(length=140), nullable=True),
    sa.Column('email', sa.String(length=320), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('signed_up_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('commission_rate', sa.Numeric(precision=5, scale=2), server_default='10.00', nullable=False),
    sa.Column('last_event_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("status IN ('pending', 'approved', 'suspended', 'rejected')", name=op.f('ck_vendor_summary_status')),
    sa.CheckConstraint('commission_rate >= 0 AND commission_rate <= 100', name=op.f('ck_vendor_summary_commission_rate_percent')),
    sa.PrimaryKeyConstraint('vendor_id', name=op.f('pk_vendor_summary'))
    )
    op.create_index('ix_vendor_summary_status_signed_up', 'vendor_summary', ['status', 'signed_up_at'], unique=False)
    op.create_table('audit_entry',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=True),
    sa.Column('staff_email', sa.String(length=320), nullable=True),
    sa.Column('action', sa.String(length=64), nullable=False),
    sa.Column('object_type', sa.String(length=40), nullable=False),
    sa.Column('object_id', sa.String(length=64), nullable=False),
    sa.Column('before', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    sa.Column('after', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    sa.Column('client_ip', sa.String(length=64), nullable=True),
    sa.Column('request_id', sa.String(length=64), nullable=True),
    sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], name=op.f('fk_audit_entry_staff_id_staff')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_entry'))
    )
    op.create_index(op.f('ix_audit_entry_action'), 'audit_entry', ['action'], unique=False)
    op.create_index('ix_audit_entry_at', 'audit_entry', ['at'], unique=False)
    op.create_index('ix_audit_entry_object', 'audit_entry', ['object_type', 'object_id'], unique=False)
    op.create_index(op.f('ix_audit_entry_staff_id'), 'audit_entry', ['staff_id'], unique=False)
    op.execute(APPEND_ONLY_FUNCTION)
    op.execute(APPEND_ONLY_TRIGGER)


def downgrade() -> None:
    op.execute("DROP TRIGGER IF EXISTS audit_entry_append_only ON audit_entry")
    op.execute("DROP FUNCTION IF EXISTS audit_entry_append_only()")
    op.drop_index(op.f('ix_audit_entry_staff_id'), table_name='audit_entry')
    op.drop_index('ix_audit_entry_object', table_name='audit_entry')
    op.drop_index('ix_audit_entry_at', table_name='audit_entry')
    op.drop_index(op.f('ix_audit_entry_action'), table_name='audit_entry')
    op.drop_table('audit_entry')
    op.drop_index('ix_vendor_summary_status_signed_up', table_name='vendor_summary')
    op.drop_table('vendor_summary')
    op.drop_index('ix_category_parent_position', table_name='category')
    op.drop_table('category')
