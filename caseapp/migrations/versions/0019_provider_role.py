"""the course provider's role and what providers confirm of a referral

A user of the role ``provider`` works for one course provider (``users.provider_id``);
a course referral keeps what the provider confirmed: registration, start, an early end
and its reason category, the final tests' results.

On SQLite the users table is rebuilt (its CHECK constraints change); the migration runs
with foreign keys off for that and checks them afterwards (caseapp/migrations/env.py).

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-02 01:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None

ROLES_BEFORE = "role IN ('counsellor', 'team_lead', 'auditor', 'admin')"
ROLES_AFTER = "role IN ('counsellor', 'team_lead', 'auditor', 'admin', 'provider')"
TEAMS_BEFORE = "role IN ('auditor', 'admin') OR team_id IS NOT NULL"
TEAMS_AFTER = "role IN ('auditor', 'admin', 'provider') OR team_id IS NOT NULL"
PROVIDERS = "(role = 'provider') = (provider_id IS NOT NULL)"


def upgrade() -> None:
    with op.batch_alter_table('users', recreate='auto') as batch:
        batch.add_column(sa.Column('provider_id', sa.Integer(), nullable=True))
        batch.create_foreign_key(op.f('fk_users_provider_id_providers'), 'providers',
                                 ['provider_id'], ['id'])
        batch.create_index(op.f('ix_users_provider_id'), ['provider_id'])
        batch.drop_constraint(op.f('ck_users_role_known'), type_='check')
        batch.drop_constraint(op.f('ck_users_team_members_have_team'), type_='check')
        batch.create_check_constraint(op.f('ck_users_role_known'), ROLES_AFTER)
        batch.create_check_constraint(op.f('ck_users_team_members_have_team'), TEAMS_AFTER)
        batch.create_check_constraint(op.f('ck_users_providers_staff_have_provider'),
                                      PROVIDERS)
    with op.batch_alter_table('referrals', recreate='never') as batch:
        for name, type_ in (('registered_on', sa.Date()), ('started_on', sa.Date()),
                            ('dropped_out_on', sa.Date()),
                            ('drop_out_reason', sa.String(length=12)),
                            ('dtz_result', sa.String(length=10)),
                            ('civic_test_result', sa.String(length=12)),
                            ('provider_updated_at', sa.DateTime(timezone=True))):
            batch.add_column(sa.Column(name, type_, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('referrals', recreate='never') as batch:
        for name in ('provider_updated_at', 'civic_test_result', 'dtz_result',
                     'drop_out_reason', 'dropped_out_on', 'started_on', 'registered_on'):
            batch.drop_column(name)
    with op.batch_alter_table('users', recreate='auto') as batch:
        batch.drop_constraint(op.f('ck_users_providers_staff_have_provider'), type_='check')
        batch.drop_constraint(op.f('ck_users_team_members_have_team'), type_='check')
        batch.drop_constraint(op.f('ck_users_role_known'), type_='check')
        batch.create_check_constraint(op.f('ck_users_role_known'), ROLES_BEFORE)
        batch.create_check_constraint(op.f('ck_users_team_members_have_team'), TEAMS_BEFORE)
        batch.drop_index(op.f('ix_users_provider_id'))
        batch.drop_constraint(op.f('fk_users_provider_id_providers'), type_='foreignkey')
        batch.drop_column('provider_id')
