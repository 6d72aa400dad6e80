"""rate-limit counters in the database; no more account locks

Failed logins are counted by the rate limits (per address, and per user name and
address), in ``rate_counters``, which every web worker shares. The per-account lock it
replaces let anyone lock any account and told which user names exist: its columns go.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-01 22:30:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'rate_counters',
        sa.Column('limit_key', sa.String(length=255), nullable=False),
        sa.Column('hits', sa.Integer(), nullable=False),
        sa.Column('expires_at', sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint('limit_key', name=op.f('pk_rate_counters')))
    op.create_index(op.f('ix_rate_counters_expires_at'), 'rate_counters', ['expires_at'])
    # dropped in place: rebuilding users (batch mode) would drop the table every case,
    # task and audit event refers to, which SQLite's foreign keys refuse
    op.drop_column('users', 'failed_logins')
    op.drop_column('users', 'locked_until')


def downgrade() -> None:
    op.add_column('users', sa.Column('locked_until', sa.DateTime(timezone=True),
                                     nullable=True))
    op.add_column('users', sa.Column('failed_logins', sa.Integer(), nullable=False,
                                     server_default='0'))
    op.drop_index(op.f('ix_rate_counters_expires_at'), table_name='rate_counters')
    op.drop_table('rate_counters')
