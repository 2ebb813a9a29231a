"""per-topic counters kept by triggers; the queue index covers the topic

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28 04:40:00

"""
from alembic import op
import sqlalchemy as sa

from quiz import counters


# revision identifiers, used by Alembic.
revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'topic_counts',
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('deck_id', sa.Integer(), nullable=False),
        sa.Column('topic_key', sa.Integer(), nullable=False),
        sa.Column('cards', sa.Integer(), nullable=False),
        sa.Column('new', sa.Integer(), nullable=False),
        sa.Column('learning', sa.Integer(), nullable=False),
        sa.Column('mature', sa.Integer(), nullable=False),
        sa.Column('ease_sum', sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint('user_id', 'deck_id', 'topic_key', name=op.f('pk_topic_counts')),
    )
    op.create_table(
        'review_day_counts',
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('review_day', sa.Date(), nullable=False),
        sa.Column('deck_key', sa.Integer(), nullable=False),
        sa.Column('topic_key', sa.Integer(), nullable=False),
        sa.Column('reviews', sa.Integer(), nullable=False),
        sa.Column('passed', sa.Integer(), nullable=False),
        sa.Column('drills', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('user_id', 'review_day', 'deck_key', 'topic_key', name=op.f('pk_review_day_counts')),
    )
    # CREATE/DROP INDEX need no batch mode, which would rebuild the table (and drop triggers).
    op.drop_index('ix_review_states_progress', table_name='review_states')
    op.drop_index('ix_review_states_queue', table_name='review_states')
    op.create_index(
        'ix_review_states_queue',
        'review_states',
        ['user_id', 'active', 'suspended', 'due', 'deck_id', 'position', 'topic_id'],
        unique=False,
    )
    connection = op.get_bind()
    counters.rebuild(connection)
    counters.install(connection)


def downgrade():
    connection = op.get_bind()
    counters.uninstall(connection)
    op.drop_index('ix_review_states_queue', table_name='review_states')
    op.create_index(
        'ix_review_states_queue',
        'review_states',
        ['user_id', 'active', 'suspended', 'due', 'deck_id', 'position'],
        unique=False,
    )
    op.create_index(
        'ix_review_states_progress',
        'review_states',
        ['user_id', 'active', 'suspended', 'deck_id', 'topic_id', 'due', 'interval_days', 'ease_hundredths'],
        unique=False,
    )
    op.drop_table('review_day_counts')
    op.drop_table('topic_counts')
