"""login sessions kept in the database, so that they can be ended

A session cookie names a random token; this table holds its SHA-256 digest. Logging out
deletes the row, a password reset, a deactivation or a role change delete all rows of the
user, and a cookie whose row is gone is sent to the login page.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-01 22:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'login_sessions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('token_digest', sa.String(length=64), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'],
                                name=op.f('fk_login_sessions_user_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_login_sessions')),
        sa.UniqueConstraint('token_digest', name=op.f('uq_login_sessions_token_digest')))
    op.create_index(op.f('ix_login_sessions_user_id'), 'login_sessions', ['user_id'])


def downgrade() -> None:
    op.drop_index(op.f('ix_login_sessions_user_id'), table_name='login_sessions')
    op.drop_table('login_sessions')
