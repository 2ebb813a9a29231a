"""a card's last change, for the Anki export: cards.changed_at; when an export began and how it wrote its notes

The exported note's modification time is the card's last change in Wengu (its kind, shown text, topic,
retirement or suspension), so that Anki's import updates the notes that changed and leaves the others.
Existing cards take their last known change: the re-import that last edited them (edited_at), else
their deck's last import (imported_at).

anki_exports.exported_at and .layout: the next export stamps the cards changed since later than this
one, and refreshes every note when the notes are written another way.  NULL for earlier exports (the
first export after this upgrade refreshes every note once).

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02 10:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('cards', schema=None) as batch_op:
        batch_op.add_column(sa.Column('changed_at', sa.DateTime(), nullable=True))
    op.execute(
        'UPDATE cards SET changed_at = COALESCE('
        'edited_at, (SELECT decks.imported_at FROM decks WHERE decks.id = cards.deck_id))'
    )
    with op.batch_alter_table('cards', schema=None) as batch_op:
        batch_op.alter_column('changed_at', existing_type=sa.DateTime(), nullable=False)
    with op.batch_alter_table('anki_exports', schema=None) as batch_op:
        batch_op.add_column(sa.Column('exported_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('layout', sa.String(length=32), nullable=True))


def downgrade():
    with op.batch_alter_table('anki_exports', schema=None) as batch_op:
        batch_op.drop_column('layout')
        batch_op.drop_column('exported_at')
    with op.batch_alter_table('cards', schema=None) as batch_op:
        batch_op.drop_column('changed_at')
