"""moderation flags: products flagged by keywords or reported by shoppers, and staff decisions

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29 14:45:19.597790
"""

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('moderation_flag',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('vendor_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('status', sa.String(length=16), server_default='open', nullable=False),
    sa.Column('title', sa.String(length=200), nullable=True),
    sa.Column('keywords', postgresql.JSONB(astext_type=sa.Text()), server_default='[]', nullable=False),
    sa.Column('content_digest', sa.String(length=64), nullable=True),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('reporter', sa.String(length=320), nullable=True),
    sa.Column('report_id', sa.String(length=64), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decided_by', sa.Integer(), nullable=True),
    sa.CheckConstraint("(status = 'open') = (decided_at IS NULL)", name=op.f('ck_moderation_flag_decided_unless_open')),
    sa.CheckConstraint("kind IN ('keyword', 'report')", name=op.f('ck_moderation_flag_kind')),
    sa.CheckConstraint("status IN ('open', 'approved', 'hidden')", name=op.f('ck_moderation_flag_status')),
    sa.ForeignKeyConstraint(['decided_by'], ['staff.id'], name=op.f('fk_moderation_flag_decided_by_staff')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_moderation_flag')),
    sa.UniqueConstraint('report_id', name=op.f('uq_moderation_flag_report_id'))
    )
    op.create_index(op.f('ix_moderation_flag_product_id'), 'moderation_flag', ['product_id'], unique=False)
    op.create_index('uq_moderation_flag_open_keyword', 'moderation_flag', ['product_id'], unique=True, postgresql_where=sa.text("kind = 'keyword' AND status = 'open'"))


def downgrade() -> None:
    op.drop_index('uq_moderation_flag_open_keyword', table_name='moderation_flag', postgresql_where=sa.text("kind = 'keyword' AND status = 'open'"))
    op.drop_index(op.f('ix_moderation_flag_product_id'), table_name='moderation_flag')
    op.drop_table('moderation_flag')
