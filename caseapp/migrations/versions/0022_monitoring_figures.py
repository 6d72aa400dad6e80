"""monitoring figures as last computed, per set of filters

The timer worker keeps the dashboard's default views here (the district and each team,
the last twelve months), and every web worker reads and refreshes them, so a reader does
not wait for a year of referrals to be counted. Aggregates only, suppressed as shown.

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-02 02:30:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'monitoring_figures',
        sa.Column('filters_key', sa.String(length=160), nullable=False),
        sa.Column('computed_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('tables_json', sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint('filters_key', name=op.f('pk_monitoring_figures')))


def downgrade() -> None:
    op.drop_table('monitoring_figures')
