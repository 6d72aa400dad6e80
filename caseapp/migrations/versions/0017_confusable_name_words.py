"""persons: name words also as the names look (confusable skeletons, Unicode TR 39)

A name typed with look-alike letters (a Cyrillic 'Н' for the Latin 'H') is found by what
it shows: every person's name words are written again by services.name_matching, which
now adds the folded confusable skeleton of each name to the folded name.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-01 23:00:00
"""
from alembic import op
import sqlalchemy as sa

from caseapp.services.name_matching import name_words


revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade() -> None:
    conn = op.get_bind()
    words = [{"p": person_id, "w": word}
             for person_id, given, family in conn.execute(sa.text(
                 "SELECT id, given_names, family_name FROM persons")).all()
             for word in sorted(name_words(given or "", family or ""))]
    conn.execute(sa.text("DELETE FROM person_name_words"))
    if words:
        conn.execute(sa.text("INSERT INTO person_name_words (person_id, word) VALUES (:p, :w)"),
                     words)


def downgrade() -> None:
    """The skeleton words stay: they only let a search find more, never less."""
