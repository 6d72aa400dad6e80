"""persons: folded name words for search, in place of the family key

A search folds names by the rule the duplicate check uses (services.name_matching: case,
diacritics, any script to Latin letters, ae/oe/ue read as a/o/u), word by word, so that
"Oeztuerk", "Ozturk" and "OZTÜRK" find "Öztürk" by an index. Every person's words are
written here from their names; the family key, which lists sort by, is folded again by the
same rule (it was folded by another).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01 19:00:00
"""
from alembic import op
import sqlalchemy as sa

from caseapp.services.name_matching import fold_name, name_words


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

FOLDED_WORD = sa.Text().with_variant(sa.Text(collation="C"), "postgresql")


def upgrade() -> None:
    op.create_table(
        'person_name_words',
        sa.Column('person_id', sa.Integer(), nullable=False),
        sa.Column('word', FOLDED_WORD, nullable=False),
        sa.ForeignKeyConstraint(['person_id'], ['persons.id'], ondelete='CASCADE',
                                name=op.f('fk_person_name_words_person_id_persons')),
        sa.PrimaryKeyConstraint('person_id', 'word', name=op.f('pk_person_name_words')))
    op.create_index('ix_person_name_words_word_person_id', 'person_name_words',
                    ['word', 'person_id'])
    conn = op.get_bind()
    words = [{"p": person_id, "w": word}
             for person_id, given, family in conn.execute(sa.text(
                 "SELECT id, given_names, family_name FROM persons")).all()
             for word in sorted(name_words(given or "", family or ""))]
    if words:
        conn.execute(sa.text("INSERT INTO person_name_words (person_id, word) VALUES (:p, :w)"),
                     words)
    for person_id, family in conn.execute(sa.text(
            "SELECT id, family_name FROM persons WHERE family_name IS NOT NULL")).all():
        conn.execute(sa.text("UPDATE persons SET family_key = :k WHERE id = :p"),
                     {"k": fold_name(family)[:200], "p": person_id})
    op.create_index(op.f('ix_persons_birth_date'), 'persons', ['birth_date'])
    op.drop_index('ix_persons_birth_date_family_key', table_name='persons')


def downgrade() -> None:
    op.create_index('ix_persons_birth_date_family_key', 'persons', ['birth_date', 'family_key'])
    op.drop_index(op.f('ix_persons_birth_date'), table_name='persons')
    op.drop_index('ix_person_name_words_word_person_id', table_name='person_name_words')
    op.drop_table('person_name_words')
