"""the same-day drill is marked on the review state

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-28 04:30:00

"""
from alembic import op
import sqlalchemy as sa

from quiz import counters


# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    # Plain ADD COLUMN (no batch mode): SQLite keeps the table, and with it the counter triggers.
    op.add_column('review_states', sa.Column('drill_day', sa.Date(), nullable=True))
    op.add_column('review_states', sa.Column('drill_at', sa.DateTime(), nullable=True))
    # A card waits in the drill of the day of its newest grade when that grade, scheduled or drill, was
    # under 4 (quiz.sm2.needs_drill): fill both from the newest log row.
    newest = (
        "(SELECT {column} FROM review_log WHERE review_log.user_id = review_states.user_id "
        "AND review_log.card_id = review_states.card_id ORDER BY review_log.id DESC LIMIT 1)"
    )
    waits = newest.format(
        column="CASE WHEN grade < 4 THEN 1 ELSE 0 END"
    )
    op.execute(
        f"UPDATE review_states SET drill_day = {newest.format(column='review_day')}, "
        f"drill_at = {newest.format(column='reviewed_at')} WHERE {waits} = 1"
    )
    op.create_index('ix_review_states_drill', 'review_states', ['user_id', 'drill_day', 'drill_at'], unique=False)


def downgrade():
    op.drop_index('ix_review_states_drill', table_name='review_states')
    with op.batch_alter_table('review_states', schema=None) as batch_op:
        batch_op.drop_column('drill_at')
        batch_op.drop_column('drill_day')
    counters.install(op.get_bind())  # SQLite's batch mode rebuilt the table without its triggers
