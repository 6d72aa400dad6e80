"""human task: whom it was last reassigned from

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 18:20:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('human_tasks', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reassigned_from_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_human_tasks_reassigned_from_id_users'),
                                    'users', ['reassigned_from_id'], ['id'])


def downgrade() -> None:
    with op.batch_alter_table('human_tasks', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_human_tasks_reassigned_from_id_users'),
                                 type_='foreignkey')
        batch_op.drop_column('reassigned_from_id')
