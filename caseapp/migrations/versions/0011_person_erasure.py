"""persons: who erased the person's data (erased_at says when)

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
    with op.batch_alter_table('persons', schema=None) as batch_op:
        batch_op.add_column(sa.Column('erased_by_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key('fk_persons_erased_by_id_users', 'users',
                                    ['erased_by_id'], ['id'])


def downgrade() -> None:
    with op.batch_alter_table('persons', schema=None) as batch_op:
        batch_op.drop_constraint('fk_persons_erased_by_id_users', type_='foreignkey')
        batch_op.drop_column('erased_by_id')
