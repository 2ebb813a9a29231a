"""drop ix_cards_deck_id: the unique (deck_id, key) index already serves lookups by deck

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-28 05:05:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    op.drop_index('ix_cards_deck_id', table_name='cards')


def downgrade():
    op.create_index('ix_cards_deck_id', 'cards', ['deck_id'], unique=False)
