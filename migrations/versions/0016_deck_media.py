"""images as media: the images a deck's note refers to, and those a pending zip upload carries

- deck_media: one row per image a deck's note refers to, by its normalised name in the note; its bytes
  (checked PNG, JPEG, GIF or WebP), SHA-256, size and MIME type.  Cards show them; exports carry them.
- pending_import_media: the images of a zip upload waiting in its preview, by path in the zip.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-02 10:00:00

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "deck_media",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("deck_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("mime_type", sa.String(length=32), nullable=False),
        sa.Column("added_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["deck_id"], ["decks.id"], name=op.f("fk_deck_media_deck_id_decks"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deck_media")),
        sa.UniqueConstraint("deck_id", "name", name=op.f("uq_deck_media_deck_id")),
    )
    op.create_table(
        "pending_import_media",
        sa.Column("pending_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["pending_id"],
            ["pending_imports.id"],
            name=op.f("fk_pending_import_media_pending_id_pending_imports"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("pending_id", "name", name=op.f("pk_pending_import_media")),
    )


def downgrade():
    op.drop_table("pending_import_media")
    op.drop_table("deck_media")
