"""lists at a region's scale: recent cases per user; indexes on what the board, queues,
search and the audit pages filter and sort by

The home page's recent cases come from recent_cases (a few rows per user, written with
each action's audit event), filled here from the audit trail: each user's newest
RECENT_KEPT cases they acted on or looked at.

The board and the queues read a team's open tasks in the order shown and probe each
case's follow-up review by index; a person's cases are found by index (the duplicate
check on start and the search by name or birth date no longer scan all cases). The audit
pages read events newest first along (type, seq) and (case, seq), so a page of the
access log or the event search never sorts the trail.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01 20:00:00
"""
from alembic import op
import sqlalchemy as sa

RECENT_KEPT = 20  # services.recent_cases.RECENT_KEPT when this was written


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'recent_cases',
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('case_id', sa.Integer(), nullable=False),
        sa.Column('touch', sa.Integer(), nullable=False),
        sa.Column('touched_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['case_id'], ['cases.id'],
                                name=op.f('fk_recent_cases_case_id_cases')),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'],
                                name=op.f('fk_recent_cases_user_id_users')),
        sa.PrimaryKeyConstraint('user_id', 'case_id', name=op.f('pk_recent_cases')))
    op.create_index('ix_recent_cases_user_id_touch', 'recent_cases', ['user_id', 'touch'])
    # A backfilled touch is the number of the user's newest event on the case.
    op.execute(sa.text(
        "INSERT INTO recent_cases (user_id, case_id, touch, touched_at) "
        "SELECT actor_id, case_id, touch, touched_at FROM ("
        " SELECT actor_id, case_id, MAX(seq) AS touch, MAX(at) AS touched_at, ROW_NUMBER() OVER ("
        "  PARTITION BY actor_id ORDER BY MAX(seq) DESC) AS newest"
        " FROM audit_events WHERE actor_id IS NOT NULL AND case_id IS NOT NULL"
        " GROUP BY actor_id, case_id) AS touched "
        f"WHERE newest <= {RECENT_KEPT}"))
    op.create_index('ix_human_tasks_team_id_state_assignee_id_lane_created_at', 'human_tasks',
                    ['team_id', 'state', 'assignee_id', 'lane', 'created_at'])
    op.create_index('ix_human_tasks_team_id_state_lane_created_at', 'human_tasks',
                    ['team_id', 'state', 'lane', 'created_at'])
    op.create_index('ix_human_tasks_case_id_state_form_key', 'human_tasks',
                    ['case_id', 'state', 'form_key'])
    op.drop_index('ix_human_tasks_team_id_state_assignee_id', table_name='human_tasks')
    op.create_index('ix_cases_team_id_status_assignee_id', 'cases',
                    ['team_id', 'status', 'assignee_id'])
    op.drop_index('ix_cases_team_id_status', table_name='cases')
    op.create_index('ix_cases_team_id_status_current_step', 'cases',
                    ['team_id', 'status', 'current_step', 'current_step_title'])
    op.create_index('ix_cases_team_id_status_municipality', 'cases',
                    ['team_id', 'status', 'municipality'])
    op.create_index('ix_cases_person_id_team_id_updated_at', 'cases',
                    ['person_id', 'team_id', 'updated_at'])
    op.create_index('ix_audit_events_type_seq', 'audit_events', ['type', 'seq'])
    op.drop_index(op.f('ix_audit_events_type'), table_name='audit_events')
    op.create_index('ix_audit_events_case_id_seq', 'audit_events', ['case_id', 'seq'])
    op.drop_index(op.f('ix_audit_events_case_id'), table_name='audit_events')


def downgrade() -> None:
    op.drop_index('ix_recent_cases_user_id_touch', table_name='recent_cases')
    op.drop_table('recent_cases')
    op.create_index(op.f('ix_audit_events_case_id'), 'audit_events', ['case_id'])
    op.drop_index('ix_audit_events_case_id_seq', table_name='audit_events')
    op.create_index(op.f('ix_audit_events_type'), 'audit_events', ['type'])
    op.drop_index('ix_audit_events_type_seq', table_name='audit_events')
    op.drop_index('ix_cases_person_id_team_id_updated_at', table_name='cases')
    op.drop_index('ix_cases_team_id_status_municipality', table_name='cases')
    op.drop_index('ix_cases_team_id_status_current_step', table_name='cases')
    op.create_index('ix_cases_team_id_status', 'cases', ['team_id', 'status'])
    op.drop_index('ix_cases_team_id_status_assignee_id', table_name='cases')
    op.create_index('ix_human_tasks_team_id_state_assignee_id', 'human_tasks',
                    ['team_id', 'state', 'assignee_id'])
    op.drop_index('ix_human_tasks_case_id_state_form_key', table_name='human_tasks')
    op.drop_index('ix_human_tasks_team_id_state_lane_created_at', table_name='human_tasks')
    op.drop_index('ix_human_tasks_team_id_state_assignee_id_lane_created_at',
                  table_name='human_tasks')
