"""users: a work phone and e-mail, printed on the referral slips they issue

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 19:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('work_phone', sa.String(length=60), nullable=True))
        batch_op.add_column(sa.Column('work_email', sa.String(length=200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('work_email')
        batch_op.drop_column('work_phone')
