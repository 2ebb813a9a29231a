"""pending imports keep their parse (notes and pages of cards), their unticked cards and a job status

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 14:00:00

Rows that exist already hold only their uploaded texts: they become 'parsing' jobs without a heartbeat,
which the preview shows as interrupted with a "try again" button that parses them (nothing is lost).
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('pending_imports', schema=None) as batch_op:
        batch_op.add_column(sa.Column('status', sa.String(length=16), server_default='parsing', nullable=False))
        batch_op.add_column(sa.Column('progress', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('total', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('heartbeat_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('job_token', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('outcome', sa.Text(), nullable=True))

    op.create_table('pending_import_notes',
    sa.Column('pending_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=300), nullable=False),
    sa.Column('text', sa.LargeBinary(), nullable=False),
    sa.Column('topics', sa.LargeBinary(), nullable=False),
    sa.Column('card_count', sa.Integer(), nullable=False),
    sa.Column('deck_exists', sa.Boolean(), nullable=False),
    sa.Column('unticked', sa.Text(), server_default='[]', nullable=False),
    sa.ForeignKeyConstraint(['pending_id'], ['pending_imports.id'], name=op.f('fk_pending_import_notes_pending_id_pending_imports'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('pending_id', 'position', name=op.f('pk_pending_import_notes'))
    )
    op.create_table('pending_import_pages',
    sa.Column('pending_id', sa.Integer(), nullable=False),
    sa.Column('note_position', sa.Integer(), nullable=False),
    sa.Column('page', sa.Integer(), nullable=False),
    sa.Column('cards', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['pending_id'], ['pending_imports.id'], name=op.f('fk_pending_import_pages_pending_id_pending_imports'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('pending_id', 'note_position', 'page', name=op.f('pk_pending_import_pages'))
    )


def downgrade():
    op.drop_table('pending_import_pages')
    op.drop_table('pending_import_notes')
    # A pending import that was parsed keeps its texts in its notes only: those cannot go back.
    op.execute("DELETE FROM pending_imports WHERE status <> 'parsing'")
    with op.batch_alter_table('pending_imports', schema=None) as batch_op:
        batch_op.drop_column('outcome')
        batch_op.drop_column('job_token')
        batch_op.drop_column('heartbeat_at')
        batch_op.drop_column('total')
        batch_op.drop_column('progress')
        batch_op.drop_column('status')
