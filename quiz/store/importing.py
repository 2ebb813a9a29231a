"""Importing notes: files and folders (``flask notes import``, the demo deck) and the parses a browser
import keeps (``quiz.pending``), each stored as a deck through ``quiz.store.decks``.

Each note is named as the user knows it (its path relative to the folder imported, its file name, the
uploaded name), and that name identifies its deck, whichever way it came in
(``quiz.store.decks.note_identity``).

A file import reads and parses every file before anything is written, so a bad file stores nothing;
the caller commits once, so an import that fails midway leaves the database as it was.
"""

from __future__ import annotations

import gc
import hashlib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path, PurePosixPath

from sqlalchemy.orm import Session

from quiz.i18n import LocalizedText
from quiz.models import User
from quiz.notes import NoteError, ParsedNote, decode_note, parse_note
from quiz.store.browser import Wording
from quiz.store.decks import ImportResult, NoteToSync, note_identity, sync_decks
from quiz.store.media import MediaReport, decks_with_media, keep_note_media, read_note_images

NOTE_SUFFIXES = (".md", ".markdown")


def _named_note_files(paths: Iterable[str | Path]) -> list[tuple[Path, str]]:
    """Expand files and folders into the notes files they hold, in a stable order, each with its display
    name: its path relative to the folder given (``sub/git.md``), or its file name when the file itself
    was given.  The name identifies the note's deck (``quiz.store.decks.note_identity``).

    Raises:
        NoteError: a path does not exist, a folder holds no notes, or two different files would have
            the same name (``a/README.md`` and ``b/README.md`` given as two folders): one import
            cannot make them one deck.  The same file given twice is read once.
    """
    found: list[tuple[Path, str]] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            files = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in NOTE_SUFFIXES)
            if not files:
                raise NoteError(f"{path}: no Markdown notes (*.md) in this folder")
            found.extend((file, file.relative_to(path).as_posix()) for file in files)
        elif path.is_file():
            found.append((path, path.name))
        else:
            raise NoteError(f"{path}: no such file or folder")
    named: dict[str, Path] = {}
    unique: list[tuple[Path, str]] = []
    for file, name in found:
        identity = note_identity(name)
        first = named.setdefault(identity, file)
        if first is file:
            unique.append((file, name))
        elif first.resolve() != file.resolve():
            raise NoteError(
                f"{file}: another note of this import has the same name ({first}); a note's name is "
                f"what identifies its deck, so import their common folder instead"
            )
    return unique


def import_note_files(
    session: Session,
    user: User,
    paths: Iterable[str | Path],
    media_reports: list[tuple[str, MediaReport]] | None = None,
) -> list[ImportResult]:
    """Read, parse and store notes files and folders as the user's decks.

    Every file is read and parsed before anything is written, so a bad file
    stops the import with nothing stored.  The images a note refers to are read
    with it (inside the folder given: ``quiz.store.media.read_note_images``) and
    kept with its deck; one missing or refused is reported in ``media_reports``
    (note name, report), never fatal.
    """
    parsed: list[NoteToSync] = []
    images: list[tuple[dict[str, bytes], list[tuple[str, LocalizedText]]]] = []
    with older_objects_set_aside():
        for path, name in _named_note_files(paths):
            try:
                data = path.read_bytes()
            except OSError as exc:
                raise NoteError(f"{path}: cannot be read ({exc.strerror})") from exc
            text = decode_note(data, str(path))
            digest = hashlib.sha256(data).hexdigest()
            parsed.append(
                NoteToSync(note_identity(name), path.stem, digest, parse_note(text), text=text, name=name)
            )
            root = path.parents[len(PurePosixPath(name).parts) - 1]
            images.append(read_note_images(path, root, text))
        results = sync_decks(session, user, parsed)
        with_media = decks_with_media(session, user.id)
        for item, result, (files, problems) in zip(parsed, results, images, strict=True):
            report = keep_note_media(session, result.deck, item.text or "", files, with_media)
            report.refused[:0] = problems
            if media_reports is not None and (report.stored or report.refused):
                media_reports.append((item.name or item.title, report))
        return results


IMPORT_GC_YOUNG = 20_000  # allocations between young collections during a bulk import (Python's default: 700)


@contextmanager
def older_objects_set_aside() -> Iterator[None]:
    """Keep the garbage collector's passes during a bulk import to the objects the import makes.

    Parsing allocates tokens by the hundred thousand, which sets off full
    collections, and each full pass walked every object of the loaded app
    (models, SQLAlchemy's caches, templates), again and again within one import
    (measured: bench/RESULTS.md, "notes import").
    ``gc.freeze()`` moves the objects that exist now out of the collector's
    sight and ``gc.unfreeze()`` brings them back afterwards.  The youngest
    generation's threshold is raised meanwhile (IMPORT_GC_YOUNG): the parse's
    tokens die young, and each young pass also promoted the import's growing
    results towards more full passes over them.  Both act on the whole process:
    two imports at once in two threads may end each other's settings early,
    which costs time, nothing else.  The browser import (``quiz.pending``)
    parses and stores in steps of its own, each within it.
    """
    threshold = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(max(threshold[0], IMPORT_GC_YOUNG), *threshold[1:])
    try:
        yield
    finally:
        gc.set_threshold(*threshold)
        gc.unfreeze()


def import_parsed(
    session: Session,
    user: User,
    notes: Sequence[tuple[str, str, ParsedNote]],
    keep: Mapping[str, set[str]] | None = None,
    fixes: Mapping[str, Mapping[str, Wording]] | None = None,
) -> list[ImportResult]:
    """Store notes already parsed: ``(name, markdown, parsed)`` triples, as an upload's are.

    A note is a deck identified by its name (``note_identity``), so a changed version of the same
    file updates its deck in place, as does the same file imported on the command line.  ``keep``
    maps a note's name to the keys of the cards to store; the others are left out, and stay out of
    later imports until ticked.  ``fixes`` maps a note's name to the user's wording of some of
    its cards, by key, kept over the note's as an edit in the card browser is.
    The browser's import parses once, when the upload arrives (``quiz.pending``),
    and confirms through here (``quiz.pending.store_import``).
    """
    items = []
    for name, text, note in notes:
        digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
        title = PurePosixPath(name).stem or name
        keys = keep.get(name) if keep is not None else None
        fixed = fixes.get(name) if fixes is not None else None
        items.append(
            NoteToSync(note_identity(name), title, digest, note, keys, text=text, name=name, fixes=fixed)
        )
    return sync_decks(session, user, items)
