"""privilege requests: four eyes for granting a privileged role or reactivating an account

Granting the team-lead, auditor or admin role and reactivating an account wait here until
a second admin confirms (or an admin declines); the operator's command line acts at once.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-01 23:10:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'privilege_requests',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('role', sa.String(length=20), nullable=True),
        sa.Column('team_id', sa.Integer(), nullable=True),
        sa.Column('activate', sa.Boolean(), nullable=False),
        sa.Column('requested_by_id', sa.Integer(), nullable=False),
        sa.Column('requested_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('decided_by_id', sa.Integer(), nullable=True),
        sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('confirmed', sa.Boolean(), nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'],
                                name=op.f('fk_privilege_requests_user_id_users')),
        sa.ForeignKeyConstraint(['team_id'], ['teams.id'],
                                name=op.f('fk_privilege_requests_team_id_teams')),
        sa.ForeignKeyConstraint(['requested_by_id'], ['users.id'],
                                name=op.f('fk_privilege_requests_requested_by_id_users')),
        sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'],
                                name=op.f('fk_privilege_requests_decided_by_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_privilege_requests')))
    op.create_index(op.f('ix_privilege_requests_user_id'), 'privilege_requests', ['user_id'])


def downgrade() -> None:
    op.drop_index(op.f('ix_privilege_requests_user_id'), table_name='privilege_requests')
    op.drop_table('privilege_requests')
