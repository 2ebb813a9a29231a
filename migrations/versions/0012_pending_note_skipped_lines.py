"""pending_import_notes.skipped: the lines of a note that look like cards but made none, and why

Kept with the rest of the parse so that the import preview can list them without parsing again.
NULL (notes parsed before this upgrade) reads as none.

Revision ID: 0012
Revises: 0011
Create Date: 2027-01-10 10:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('pending_import_notes', schema=None) as batch_op:
        batch_op.add_column(sa.Column('skipped', sa.LargeBinary(), nullable=True))


def downgrade():
    with op.batch_alter_table('pending_import_notes', schema=None) as batch_op:
        batch_op.drop_column('skipped')
