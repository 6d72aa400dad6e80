"""audit: one chain per case, user and the system; keyed checkpoints

The single chain written so far becomes the chain "legacy" (its events keep their
unkeyed hashes and are verified as before); the first checkpoint, which `flask init-db`
writes right after upgrading, seals it with the audit key.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 17:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('chain', sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column('chain_seq', sa.Integer(), nullable=True))
    op.execute("UPDATE audit_events SET chain = 'legacy', chain_seq = seq")
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.alter_column('chain', existing_type=sa.String(length=40), nullable=False)
        batch_op.alter_column('chain_seq', existing_type=sa.Integer(), nullable=False)
        batch_op.create_unique_constraint(batch_op.f('uq_audit_events_chain_chain_seq'),
                                          ['chain', 'chain_seq'])
        # "recently touched cases" reads a user's newest events, whatever their number
        batch_op.drop_index('ix_audit_events_actor_id')
        batch_op.create_index('ix_audit_events_actor_id_seq', ['actor_id', 'seq'],
                              unique=False)
    if op.get_bind().dialect.name == 'postgresql':
        # Event numbers now come from a sequence: appends to different chains never wait
        # for each other. (SQLite's INTEGER PRIMARY KEY numbers rows by itself.)
        op.execute("CREATE SEQUENCE audit_events_seq_seq OWNED BY audit_events.seq")
        op.execute("SELECT setval('audit_events_seq_seq', "
                   "COALESCE((SELECT max(seq) FROM audit_events), 0) + 1, false)")
        op.execute("ALTER TABLE audit_events ALTER COLUMN seq "
                   "SET DEFAULT nextval('audit_events_seq_seq')")

    op.create_table('audit_chains',
    sa.Column('chain', sa.String(length=40), nullable=False),
    sa.Column('last_seq', sa.Integer(), nullable=False),
    sa.Column('last_hash', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('chain', name=op.f('pk_audit_chains'))
    )
    op.create_table('audit_checkpoints',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('heads', sa.JSON(), nullable=False),
    sa.Column('prev_mac', sa.String(length=64), nullable=False),
    sa.Column('mac', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_checkpoints'))
    )
    op.create_table('audit_seals',
    sa.Column('chain', sa.String(length=40), nullable=False),
    sa.Column('chain_seq', sa.Integer(), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.Column('checkpoint_id', sa.Integer(), nullable=False),
    sa.Column('mac', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['checkpoint_id'], ['audit_checkpoints.id'],
                            name=op.f('fk_audit_seals_checkpoint_id_audit_checkpoints')),
    sa.PrimaryKeyConstraint('chain', name=op.f('pk_audit_seals'))
    )
    op.execute("INSERT INTO audit_chains (chain, last_seq, last_hash) "
               "SELECT 'legacy', last_seq, last_hash FROM audit_head WHERE last_seq > 0")
    op.drop_table('audit_head')


def downgrade() -> None:
    raise NotImplementedError(
        "The per-case audit chains cannot be folded back into one chain: restore a backup "
        "taken before the upgrade instead.")
