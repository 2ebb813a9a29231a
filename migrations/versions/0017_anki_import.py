"""Anki import: the counter triggers can be held off for one transaction; "anki:" identities are Anki's

- The PostgreSQL counter triggers (``quiz.counters``) do nothing in a transaction that sets
  ``wengu.defer_counters`` to "on": the Anki import writes hundreds of thousands of rows and adds their
  counts itself, summed (``quiz.counters.add_counts``).  Nothing else sets it, so every other write is
  counted as before; SQLite's triggers are unchanged (installed again all the same).
- decks.source_path: a deck imported from Anki is "anki:<deck name>".  A Markdown note whose name
  started so (a file literally named ``anki:x.md``) is now identified as ``./anki:x.md``
  (``quiz.store.decks.note_identity``); a deck stored under such a name before is renamed the same
  way, so that it stays its note's and an Anki import can never update it.

Revision ID: 0017
Revises: 0016
Create Date: 2027-03-10 10:00:00

"""

from alembic import op
import sqlalchemy as sa

from quiz import counters


# revision identifiers, used by Alembic.
revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade():
    bind = op.get_bind()
    decks = sa.table("decks", sa.column("source_path", sa.String))
    bind.execute(
        decks.update()
        .where(decks.c.source_path.like("anki:%"))
        .values(source_path=sa.literal("./") + decks.c.source_path)
    )
    counters.install(bind)


def downgrade():
    # The triggers' check of the setting stays: harmless to the older code, which never sets it.
    bind = op.get_bind()
    decks = sa.table("decks", sa.column("source_path", sa.String))
    bind.execute(
        decks.update()
        .where(decks.c.source_path.like("./anki:%"))
        .values(source_path=sa.func.substr(decks.c.source_path, 3))
    )
