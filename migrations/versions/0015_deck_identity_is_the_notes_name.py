"""a deck is identified by its note's folder-relative name, however the note was imported

- decks.source_path: was the absolute path of a file given to `flask notes import` (or of the demo),
  "upload:NAME" for a browser upload.  It becomes the note's name (``sub/x.md``, NFC), as
  ``quiz.store.decks.note_identity`` gives it from now on: the deck's display name (the name its
  note was last imported under), else the old identity's file name.  So a moved folder, or a note
  imported on the command line and then uploaded, updates its deck instead of making another.
  Any other identity (a restored deck's that is not a path) is kept.
- Two decks of one user that come to the same name (the second deck such an import made before) lose
  nothing: the oldest (lowest id) takes the name, each other keeps its old identity, so it stays a
  deck of its own with its cards and history, which later imports no longer update.
- Slugs (the basis of the cards' Anki GUIDs) are not touched.

No column changes; the downgrade gives the decks the form an upload had ("upload:NAME") where that is
free, which the older version finds again when the note is uploaded.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-02 10:00:00

"""
import unicodedata
from pathlib import PurePosixPath, PureWindowsPath

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None

# As quiz.store.decks has it at this revision.
UPLOAD_PREFIX = 'upload:'


def note_identity(name):
    return unicodedata.normalize('NFC', name)


def is_legacy(source_path):
    windows = PureWindowsPath(source_path)
    return (source_path.startswith(UPLOAD_PREFIX) or PurePosixPath(source_path).is_absolute()
            or bool(windows.drive) or windows.is_absolute())


def derived_identity(source_path, source_name):
    if not is_legacy(source_path):
        return source_path  # a restored deck's identity that is not a path: kept
    if source_name:
        return note_identity(source_name)
    if source_path.startswith(UPLOAD_PREFIX):
        return note_identity(source_path[len(UPLOAD_PREFIX):])
    return note_identity(PureWindowsPath(PurePosixPath(source_path).name).name or source_path)


def stored_identities(decks):
    """One user's decks [(source_path, source_name)], oldest first -> their identities (see the docstring)."""
    derived = [derived_identity(path, name) for path, name in decks]
    result = [None] * len(decks)
    taken = set()
    for i, (path, _name) in enumerate(decks):
        if derived[i] == path and path not in taken:
            result[i] = path
            taken.add(path)
    for i, (path, _name) in enumerate(decks):
        if result[i] is None and derived[i] not in taken:
            result[i] = derived[i]
            taken.add(derived[i])
    for i, (path, _name) in enumerate(decks):
        if result[i] is None:
            kept, n = path, 1
            while kept in taken:
                n += 1
                kept = f'{path} ({n})'
            result[i] = kept
            taken.add(kept)
    return result


DECKS = sa.table('decks', sa.column('id', sa.Integer), sa.column('user_id', sa.Integer),
                 sa.column('source_path', sa.String), sa.column('source_name', sa.String))


def _rewrite(bind, identities_of):
    """Give every deck the identity ``identities_of`` gives its user's decks (oldest first)."""
    rows = bind.execute(sa.select(DECKS.c.id, DECKS.c.user_id, DECKS.c.source_path, DECKS.c.source_name)
                        .order_by(DECKS.c.user_id, DECKS.c.id)).all()
    by_user = {}
    for row in rows:
        by_user.setdefault(row.user_id, []).append(row)
    changes = []
    for decks in by_user.values():
        identities = identities_of([(d.source_path, d.source_name) for d in decks])
        changes.extend((d.id, identity) for d, identity in zip(decks, identities) if identity != d.source_path)
    # Two steps, so that no UPDATE meets (user_id, source_path) still held by a deck yet to move.
    for deck_id, _identity in changes:
        bind.execute(DECKS.update().where(DECKS.c.id == deck_id).values(source_path=f'\x1fmoving {deck_id}'))
    for deck_id, identity in changes:
        bind.execute(DECKS.update().where(DECKS.c.id == deck_id).values(source_path=identity))


def upgrade():
    _rewrite(op.get_bind(), stored_identities)


def _as_uploads(decks):
    taken = {path for path, _name in decks if is_legacy(path)}
    result = []
    for path, _name in decks:
        old = UPLOAD_PREFIX + path
        if is_legacy(path) or old in taken:
            result.append(path)
        else:
            result.append(old)
            taken.add(old)
    return result


def downgrade():
    _rewrite(op.get_bind(), _as_uploads)
