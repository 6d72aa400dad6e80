"""persons: who erased the person's data (erased_at says when)

On SQLite a plain ADD COLUMN with its reference (allowed for a column without a default):
rebuilding persons in batch mode would drop the table that cases and the name words
reference, which fails (or cascades) with foreign keys on, as init-db runs.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-01 22:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == 'sqlite':
        op.execute('ALTER TABLE persons ADD COLUMN erased_by_id INTEGER '
                   'CONSTRAINT fk_persons_erased_by_id_users REFERENCES users (id)')
        return
    op.add_column('persons', sa.Column('erased_by_id', sa.Integer(), nullable=True))
    op.create_foreign_key('fk_persons_erased_by_id_users', 'persons', 'users',
                          ['erased_by_id'], ['id'])


def downgrade() -> None:
    if op.get_bind().dialect.name == 'sqlite':
        with op.batch_alter_table('persons', schema=None) as batch_op:
            batch_op.drop_column('erased_by_id')  # its reference goes with it
        return
    op.drop_constraint('fk_persons_erased_by_id_users', 'persons', type_='foreignkey')
    op.drop_column('persons', 'erased_by_id')
