"""what the user decides at an import is kept: unticked cards, fixes made in the preview, the card's kind

- unticked_cards: a card the user unticked at an import stays out of its deck at later imports of the
  note, until the user ticks it again (per deck and card key).
- cards.note_kind: the kind the note gives a card whose kind the user changed (cards.kind is the user's).
- pending_import_notes.fixes, .tally, .retiring: the preview's fixes, its counts of new, edited,
  unchanged and restored cards, and the cards the import would retire.  NULL tally and retiring (notes
  parsed before this upgrade) show the preview without them.

Revision ID: 0013
Revises: 0012
Create Date: 2027-02-01 10:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None

# As quiz.limits has it at this revision.
NOTE_KIND_CHECK = "note_kind IN ('command', 'concept', 'cloze', 'qa')"


def upgrade():
    op.create_table('unticked_cards',
    sa.Column('deck_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['deck_id'], ['decks.id'], name=op.f('fk_unticked_cards_deck_id_decks'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('deck_id', 'key', name=op.f('pk_unticked_cards'))
    )
    with op.batch_alter_table('pending_import_notes', schema=None) as batch_op:
        batch_op.add_column(sa.Column('fixes', sa.Text(), server_default='{}', nullable=False))
        batch_op.add_column(sa.Column('tally', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('retiring', sa.LargeBinary(), nullable=True))

    bind = op.get_bind()
    if bind.dialect.name == 'sqlite':
        # SQLite adds a CHECK only by copying the table (batch mode); no counter trigger is on cards.
        with op.batch_alter_table('cards', recreate='always') as batch_op:
            batch_op.add_column(sa.Column('note_kind', sa.String(length=16), nullable=True))
            batch_op.create_check_constraint(op.f('ck_cards_note_kind'), sa.text(NOTE_KIND_CHECK))
    else:
        op.add_column('cards', sa.Column('note_kind', sa.String(length=16), nullable=True))
        op.create_check_constraint(op.f('ck_cards_note_kind'), 'cards', sa.text(NOTE_KIND_CHECK))


def downgrade():
    bind = op.get_bind()
    # The card is asked as the note has it again.
    op.execute('UPDATE cards SET kind = note_kind WHERE note_kind IS NOT NULL')
    if bind.dialect.name == 'sqlite':
        with op.batch_alter_table('cards', recreate='always') as batch_op:
            batch_op.drop_constraint(op.f('ck_cards_note_kind'), type_='check')
            batch_op.drop_column('note_kind')
    else:
        op.drop_constraint(op.f('ck_cards_note_kind'), 'cards', type_='check')
        op.drop_column('cards', 'note_kind')
    with op.batch_alter_table('pending_import_notes', schema=None) as batch_op:
        batch_op.drop_column('retiring')
        batch_op.drop_column('tally')
        batch_op.drop_column('fixes')
    op.drop_table('unticked_cards')
