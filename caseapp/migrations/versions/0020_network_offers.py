"""network offers: volunteer German groups, counselling services and other offers of the
network, kept by admins and listed on the public offers

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-02 01:05:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'network_offers',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('kind', sa.String(length=30), nullable=False),
        sa.Column('municipality', sa.String(length=120), nullable=False),
        sa.Column('description', sa.Text(), nullable=False),
        sa.Column('address', sa.String(length=300), nullable=False),
        sa.Column('contact', sa.String(length=300), nullable=False),
        sa.Column('schedule', sa.String(length=300), nullable=False),
        sa.Column('active', sa.Boolean(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("kind IN ('volunteer_german_group', 'counselling', 'other')",
                           name=op.f('ck_network_offers_kind_known')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_network_offers')))
    op.create_index(op.f('ix_network_offers_municipality'), 'network_offers', ['municipality'])


def downgrade() -> None:
    op.drop_index(op.f('ix_network_offers_municipality'), table_name='network_offers')
    op.drop_table('network_offers')
