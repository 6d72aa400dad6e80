"""cases.overdue: the follow-up is overdue (the team lead's review it raised is open),
kept by every action with the other case columns; the board pages a team's open cases
most urgent first along (team, status, overdue, due, opened, id) instead of probing each
case's tasks and sorting them all

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01 22:30:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # added in place (no table copy: other tables' rows refer to the cases)
    op.add_column('cases', sa.Column('overdue', sa.Boolean(), nullable=False,
                                     server_default=sa.false()))
    op.execute("UPDATE cases SET overdue = EXISTS (SELECT 1 FROM human_tasks t "
               "WHERE t.case_id = cases.id AND t.state = 'ready' "
               "AND t.form_key = 'overdue_review')")
    op.create_index('ix_cases_team_id_status_overdue_due_at', 'cases',
                    ['team_id', 'status', 'overdue', 'due_at', 'opened_at', 'id'])


def downgrade() -> None:
    op.drop_index('ix_cases_team_id_status_overdue_due_at', table_name='cases')
    op.drop_column('cases', 'overdue')
