"""an index for the card browser: a user's cards deck by deck in note order

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-28 05:00:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_review_states_browse', 'review_states', ['user_id', 'deck_id', 'position'], unique=False)


def downgrade():
    op.drop_index('ix_review_states_browse', table_name='review_states')
