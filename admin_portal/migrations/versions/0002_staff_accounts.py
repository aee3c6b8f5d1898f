"""staff accounts

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29 12:48:22.981040
"""

from alembic import op
import sqlalchemy as sa

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('staff',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=320), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('password_hash', sa.String(length=255), nullable=False),
    sa.Column('role', sa.String(length=32), nullable=False),
    sa.Column('status', sa.String(length=16), server_default='active', nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('totp_secret', sa.String(length=255), nullable=True),
    sa.CheckConstraint("role IN ('owner', 'catalogue_manager', 'support', 'analyst')", name=op.f('ck_staff_role')),
    sa.CheckConstraint("status IN ('active', 'disabled')", name=op.f('ck_staff_status')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_staff')),
    sa.UniqueConstraint('email', name=op.f('uq_staff_email'))
    )


def downgrade() -> None:
    op.drop_table('staff')
