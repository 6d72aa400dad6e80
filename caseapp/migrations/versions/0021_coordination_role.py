"""the education coordination's role, and when a waiting place stopped waiting

A user of the role ``coordination`` (the district's Bildungskoordination) reads the
monitoring's aggregates only: no team, no provider, no case. A course referral keeps the
moment it left the waiting list (offered a seat, cancelled, its case closed), so the
monitoring counts who waited at the end of each month (indexes serve its queries); for places that left it before
this revision, the last change of an offered or cancelled waiting place (one without a
course) stands in for it.

On SQLite the users table is rebuilt (its CHECK constraints change); the migration runs
with foreign keys off for that and checks them afterwards (caseapp/migrations/env.py).

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-02 01:10:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None

ROLES_BEFORE = "role IN ('counsellor', 'team_lead', 'auditor', 'admin', 'provider')"
ROLES_AFTER = ("role IN ('counsellor', 'team_lead', 'auditor', 'admin', 'provider', "
               "'coordination')")
TEAMS_BEFORE = "role IN ('auditor', 'admin', 'provider') OR team_id IS NOT NULL"
TEAMS_AFTER = "role IN ('auditor', 'admin', 'provider', 'coordination') OR team_id IS NOT NULL"


def upgrade() -> None:
    with op.batch_alter_table('users', recreate='auto') as batch:
        batch.drop_constraint(op.f('ck_users_role_known'), type_='check')
        batch.drop_constraint(op.f('ck_users_team_members_have_team'), type_='check')
        batch.create_check_constraint(op.f('ck_users_role_known'), ROLES_AFTER)
        batch.create_check_constraint(op.f('ck_users_team_members_have_team'), TEAMS_AFTER)
    with op.batch_alter_table('referrals', recreate='never') as batch:
        batch.add_column(sa.Column('left_waiting_at', sa.DateTime(timezone=True),
                                   nullable=True))
        batch.create_index(op.f('ix_referrals_left_waiting_at'), ['left_waiting_at'])
        batch.create_index('ix_referrals_kind_created_at', ['kind', 'created_at'])
        batch.create_index('ix_referrals_case_id_kind_created_at',
                           ['case_id', 'kind', 'created_at'])
    op.create_index('ix_cases_opened_at', 'cases', ['opened_at'])
    op.create_index('ix_cases_status_recommended_course_type_municipality', 'cases',
                    ['status', 'recommended_course_type', 'municipality'])
    op.execute("UPDATE referrals SET left_waiting_at = updated_at WHERE kind = 'course' AND "
               "(status = 'offered' OR (status = 'cancelled' AND course_id IS NULL))")


def downgrade() -> None:
    op.drop_index('ix_cases_status_recommended_course_type_municipality', table_name='cases')
    op.drop_index('ix_cases_opened_at', table_name='cases')
    with op.batch_alter_table('referrals', recreate='never') as batch:
        batch.drop_index('ix_referrals_case_id_kind_created_at')
        batch.drop_index('ix_referrals_kind_created_at')
        batch.drop_index(op.f('ix_referrals_left_waiting_at'))
        batch.drop_column('left_waiting_at')
    with op.batch_alter_table('users', recreate='auto') as batch:
        batch.drop_constraint(op.f('ck_users_team_members_have_team'), type_='check')
        batch.drop_constraint(op.f('ck_users_role_known'), type_='check')
        batch.create_check_constraint(op.f('ck_users_role_known'), ROLES_BEFORE)
        batch.create_check_constraint(op.f('ck_users_team_members_have_team'), TEAMS_BEFORE)
