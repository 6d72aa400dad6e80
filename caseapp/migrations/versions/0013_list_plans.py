"""indexes the planner can rely on at a district's scale: a person's own tasks in the
order shown; the few cases offered to a team, in a partial index (a full one counts
every case's empty value, so with statistics the planner walked the team's cases instead)

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-01 23:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_human_tasks_team_id_state_assignee_id_created_at', 'human_tasks',
                    ['team_id', 'state', 'assignee_id', 'created_at', 'id'])
    op.drop_index('ix_cases_transfer_to_team_id', table_name='cases')
    op.create_index('ix_cases_transfer_to_team_id', 'cases', ['transfer_to_team_id'],
                    sqlite_where=sa.text('transfer_to_team_id IS NOT NULL'),
                    postgresql_where=sa.text('transfer_to_team_id IS NOT NULL'))


def downgrade() -> None:
    op.drop_index('ix_cases_transfer_to_team_id', table_name='cases')
    op.create_index('ix_cases_transfer_to_team_id', 'cases', ['transfer_to_team_id'])
    op.drop_index('ix_human_tasks_team_id_state_assignee_id_created_at',
                  table_name='human_tasks')
