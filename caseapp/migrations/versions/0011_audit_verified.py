"""how far each audit chain was last found intact (audit_verified)

Pages that show events check each chain only from there on. Empty after the upgrade: the
worker's next round walks every chain once from its start (as ``audit verify`` does) and
records the positions; until then pages walk whole chains, as before.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01 22:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'audit_verified',
        sa.Column('chain', sa.String(length=40), nullable=False),
        sa.Column('chain_seq', sa.Integer(), nullable=False),
        sa.Column('hash', sa.String(length=64), nullable=False),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('mac', sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint('chain', name=op.f('pk_audit_verified')))


def downgrade() -> None:
    op.drop_table('audit_verified')
