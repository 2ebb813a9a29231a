"""Reading an Anki package (``.apkg``, ``.colpkg``) into plain values, for an import into Wengu.

Domain core: the standard library and ``zstandard`` only, no Flask, no database of Wengu's.
:func:`read_package` takes the package's bytes and gives an :class:`AnkiPackage`: the collection's
day 0, decks, note types, notes, cards, review log and media, exactly as the collection holds
them (ids, raw HTML fields, Anki's scheduling numbers).  What they mean to Wengu is the importer's
business (``quiz.store.anki_importing``).

The formats (what Anki 2.1.x up to 26.x writes):

* ``collection.anki21b`` (Anki 2.1.50 and later, "latest"): a zstd-compressed SQLite database of
  schema 18.  Note types, their fields and templates and the decks are tables of their own; a note
  type's ``config`` and a template's ``config`` are protobuf messages (read here by a small
  protobuf reader: kind, question and answer format); a deck name separates its levels with
  ``\\x1f``.  The ``media`` member is a zstd-compressed protobuf ``MediaEntries`` and each media file
  is zstd-compressed; entry *i* is the zip member ``str(legacy_zip_filename)`` when that is set, else
  ``str(i)``.
* ``collection.anki21`` (Anki 2.1 legacy exports) and ``collection.anki2`` (Anki 2.0, genanki):
  SQLite of schema 11, note types and decks as JSON in the ``col`` row, ``media`` a JSON object
  ``{"0": "name.png"}``, media files stored as they are.

A package holding several collections is read from the newest: ``anki21b``, else ``anki21``, else
``anki2`` (a new export also holds an ``anki2`` whose only note says "please update Anki").  The
collection decides the media format.  A collection of schema 15-18 (tables ``notetypes``,
``fields``, ``templates``, ``decks``) is read from those tables whatever its file name.

Every bad input raises :class:`AnkiPackageError` (a ``quiz.i18n.LocalizedError``: English, shown
translated) and nothing else: not a zip, a member with a path in its name or twice in the zip,
no collection, a collection that is not SQLite, is damaged, of another schema, or lacks a table or
column, a value of the wrong type, JSON or protobuf that does not parse, more rows than
``quiz.limits`` allows.  Sizes are capped as the bytes are decompressed (never trusting a zip or
zstd header): the collection at ``MAX_ANKI_COLLECTION_BYTES``, everything together at
``MAX_ANKI_UNPACKED_BYTES``.  A media file over ``MAX_ANKI_MEDIA_FILE_BYTES`` is left out of
``media`` (no error: Wengu would not keep it), as is a file the media list names but the zip lacks.

What the importer may rely on (anything else is refused with an error):

* every note's note type is in ``note_types`` (a note of an unknown note type means a damaged
  collection: refused, not skipped); every card's note is in ``notes`` and its deck in ``decks``;
* note ids, note guids, card ids and (note, ord) pairs of cards are unique;
* a note type's fields and templates are in ``ord`` order (their ords are 0..n-1);
* a card in a filtered deck is given as it is in its home deck, as Anki puts it back when the filtered
  deck is emptied: ``deck_id`` is the home deck (``odid``), ``due`` the original due (``odue``, when
  set), ``queue`` (unless suspended or buried) follows from the card's type;
* review-log rows whose card is not in the package are left out (Anki keeps the history of
  deleted cards); ``revlog`` is in id (time) order, ``notes`` and ``cards`` in id order;
* text holds no NUL character (Anki never writes one, PostgreSQL cannot store one: removed) and no
  lone surrogate (refused); media names are plain file names (no ``/``, ``\\``, ``..``, control
  characters), in Unicode NFC as Anki stores them.

The SQLite file is written to a temporary directory, opened read-only and immutable, read under a
budget of SQLite steps, and deleted afterwards.
"""

from __future__ import annotations

import io
import json
import re
import sqlite3
import tempfile
import unicodedata
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import zstandard

from quiz import limits
from quiz.i18n import N_, LocalizedError, LocalizedText
from quiz.limits import shown_value
from quiz.uploads import ZIP_ERRORS  # what zipfile and the codecs below it raise on a malformed archive

__all__ = [
    "AnkiCard",
    "AnkiNote",
    "AnkiNoteType",
    "AnkiPackage",
    "AnkiPackageError",
    "AnkiRevlogEntry",
    "read_package",
]


class AnkiPackageError(LocalizedError):
    """The package cannot be read; the message (English, translated by quiz.i18n) says why."""


@dataclass(frozen=True, slots=True)
class AnkiNoteType:
    id: int
    name: str
    is_cloze: bool  # Anki's cloze kind (type 1 / kind CLOZE)
    fields: tuple[str, ...]  # field names, in order
    templates: tuple[tuple[str, str], ...]  # (question format, answer format) per template ord


@dataclass(frozen=True, slots=True)
class AnkiNote:
    id: int
    guid: str
    notetype_id: int
    fields: tuple[str, ...]  # raw field values (HTML), split on \x1f
    tags: tuple[str, ...]
    modified: int  # notes.mod, epoch seconds


@dataclass(frozen=True, slots=True)
class AnkiCard:
    id: int
    note_id: int
    deck_id: int  # cards.did (the home deck: odid when the card sits in a filtered deck)
    ord: int
    type: int  # 0 new, 1 learning, 2 review, 3 relearning
    queue: int  # -3 sched-buried, -2 user-buried, -1 suspended, 0 new, 1 learn, 2 review, 3 day-learn
    due: int  # new: position; review/day-learn: day number since collection_created; learn: epoch seconds
    interval: int  # ivl: days when > 0, minus seconds when < 0
    factor: int  # ease in permille (2500 = 250 %), 0 for new cards
    reps: int
    lapses: int


@dataclass(frozen=True, slots=True)
class AnkiRevlogEntry:
    id: int  # epoch milliseconds of the review
    card_id: int
    ease: int  # button 1-4 (0 for a manual reschedule)
    interval: int  # ivl after (days > 0, minus seconds < 0)
    last_interval: int
    factor: int  # permille after
    type: int  # 0 learn, 1 review, 2 relearn, 3 filtered (cram), 4 manual, 5 rescheduled


@dataclass
class AnkiPackage:
    collection_created: int  # col.crt, epoch seconds: Anki's day 0
    decks: dict[int, str]  # deck id -> full name, levels joined with "::"
    note_types: dict[int, AnkiNoteType]
    notes: list[AnkiNote]
    cards: list[AnkiCard]
    revlog: list[AnkiRevlogEntry]
    media: dict[str, bytes]  # file name as notes refer to it -> bytes


# The collections a package may hold, newest first, and whether each is zstd-compressed (with its media).
COLLECTIONS = (("collection.anki21b", True), ("collection.anki21", False), ("collection.anki2", False))
MEDIA_MEMBER = "media"
LEGACY_SCHEMA = 11
CARD_NEW, CARD_LEARNING, CARD_REVIEW, CARD_RELEARNING = 0, 1, 2, 3  # cards.type
QUEUE_NEW, QUEUE_LEARN, QUEUE_REVIEW, QUEUE_DAY_LEARN = 0, 1, 2, 3  # cards.queue (not suspended or buried)
EPOCH_SECONDS_FROM = 1_000_000_000  # a learning card's due above this is a time, else a day number
MAX_NOTE_TYPE_PARTS = 1000  # fields, or templates, of one note type (Anki's stock ones have 1-5)
MEDIA_LIST_BYTES_PER_FILE = 1024  # the media list may take this much per file it may list
TABLE_SCHEMAS = range(15, 19)  # note types, fields, templates and decks in tables of their own
ZSTD_MAX_WINDOW = 1 << 27  # zstd's own default limit (128 MiB): a frame asking more is refused
SQLITE_STEP_BUDGET = 2_000_000_000  # virtual-machine steps for reading one collection
_PROGRESS_EVERY = 100_000
_CHUNK = 1 << 16
_MB = 1024 * 1024
# The safety net around the whole read: a malformed package must give AnkiPackageError, whatever
# the library below met first.  (MemoryError and the like are not bad input and still propagate.)
_ANY_READ_ERROR: tuple[type[Exception], ...] = (
    *ZIP_ERRORS,
    sqlite3.Error,
    zstandard.ZstdError,
    TypeError,
    RecursionError,  # json.loads of very deep nesting
)
_DRIVE_RE = re.compile(r"^[A-Za-z]:")
_ID_RE = re.compile(r"-?[0-9]{1,19}")


def read_package(data: bytes) -> AnkiPackage:
    """Read an .apkg or .colpkg given as bytes; raises AnkiPackageError, never anything else, on bad input."""
    try:
        return _read_package(data)
    except AnkiPackageError:
        raise
    except _ANY_READ_ERROR as exc:
        raise AnkiPackageError(N_("the Anki package cannot be read: it is damaged")) from exc


# --- the zip ------------------------------------------------------------------------------------


class _Budget:
    """The bytes decompressed so far from one package, against ``MAX_ANKI_UNPACKED_BYTES``."""

    def __init__(self) -> None:
        self.used = 0

    def spend(self, count: int) -> None:
        self.used += count
        if self.used > limits.MAX_ANKI_UNPACKED_BYTES:
            raise AnkiPackageError(
                N_("the Anki package unpacks to more than %(limit)s MB"),
                limit=limits.MAX_ANKI_UNPACKED_BYTES // _MB,
            )


def _unsafe_member_name(name: str) -> bool:
    if not name or "\\" in name or "\x00" in name or name.startswith("/") or _DRIVE_RE.match(name):
        return True
    return any(part in (".", "..") for part in name.split("/"))


def _open_zip(data: bytes) -> zipfile.ZipFile:
    if not isinstance(data, bytes | bytearray | memoryview):
        raise AnkiPackageError(N_("not an Anki package: the file is not a zip archive or is damaged"))
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except ZIP_ERRORS:
        raise AnkiPackageError(
            N_("not an Anki package: the file is not a zip archive or is damaged")
        ) from None
    if len(infos) > limits.MAX_ANKI_MEDIA_FILES + len(COLLECTIONS) + 2:
        raise _too_many(limits.MAX_ANKI_MEDIA_FILES, N_("media files"))
    seen: set[str] = set()
    for info in infos:
        if _unsafe_member_name(info.filename):
            raise AnkiPackageError(
                N_("the Anki package holds a file with an unsafe name: %(name)s"),
                name=shown_value(info.filename),
            )
        if info.filename in seen:
            raise AnkiPackageError(
                N_("the Anki package holds %(name)s twice"), name=shown_value(info.filename)
            )
        seen.add(info.filename)
    return archive


def _chunks(archive: zipfile.ZipFile, name: str, zstd: bool) -> Iterator[bytes]:
    """The bytes of member ``name`` as it is decompressed (by zip, then zstd when ``zstd``), chunk by chunk.

    Each chunk is at most ``_CHUNK`` bytes, however much the input expands: the caller stops at its cap.
    A zstd stream may hold several frames; a frame asking for a window over ``ZSTD_MAX_WINDOW`` is refused.
    """
    try:
        with archive.open(name) as member:
            stream: IO[bytes] = member
            if zstd:
                decompressor = zstandard.ZstdDecompressor(max_window_size=ZSTD_MAX_WINDOW)
                stream = decompressor.stream_reader(member, read_across_frames=True, closefd=False)
            with stream:
                while chunk := stream.read(_CHUNK):
                    yield chunk
    except (*ZIP_ERRORS, zstandard.ZstdError):
        raise _damaged(name) from None


def _capped(chunks: Iterator[bytes], cap: int, budget: _Budget) -> Iterator[bytes]:
    """``chunks``, raising ``_TooLarge`` once more than ``cap`` bytes came; every byte spends ``budget``."""
    total = 0
    for chunk in chunks:
        total += len(chunk)
        budget.spend(len(chunk))
        if total > cap:
            raise _TooLarge
        yield chunk


class _TooLarge(Exception):
    """A member decompressed to more than its cap."""


def _member_bytes(archive: zipfile.ZipFile, name: str, zstd: bool, cap: int, budget: _Budget) -> bytes:
    return b"".join(_capped(_chunks(archive, name, zstd), cap, budget))


def _damaged(name: str) -> AnkiPackageError:
    return AnkiPackageError(N_("%(name)s in the Anki package is damaged"), name=shown_value(name))


def _too_many(limit: int, what: str) -> AnkiPackageError:
    return AnkiPackageError(
        N_("the Anki package holds more than %(limit)s %(what)s"), limit=limit, what=LocalizedText(what)
    )


# --- the package --------------------------------------------------------------------------------


def _read_package(data: bytes) -> AnkiPackage:
    archive = _open_zip(data)
    names = set(archive.namelist())
    chosen = next(((name, zstd) for name, zstd in COLLECTIONS if name in names), None)
    if chosen is None:
        raise AnkiPackageError(
            N_(
                "not an Anki package: it holds no collection "
                "(collection.anki21b, collection.anki21 or collection.anki2)"
            )
        )
    name, zstd = chosen
    budget = _Budget()
    with tempfile.TemporaryDirectory(prefix="wengu-anki-") as directory:
        path = Path(directory) / "collection.sqlite"
        _unpack_collection(archive, name, zstd, path, budget)
        package = _read_collection(path)
    package.media = _read_media(archive, zstd, budget)
    return package


def _unpack_collection(archive: zipfile.ZipFile, name: str, zstd: bool, path: Path, budget: _Budget) -> None:
    try:
        with path.open("wb") as out:
            _copy(_capped(_chunks(archive, name, zstd), limits.MAX_ANKI_COLLECTION_BYTES, budget), out)
    except _TooLarge:
        raise AnkiPackageError(
            N_("the collection in the Anki package is larger than %(limit)s MB"),
            limit=limits.MAX_ANKI_COLLECTION_BYTES // _MB,
        ) from None
    except OSError:
        raise AnkiPackageError(
            N_("the Anki package cannot be unpacked: the server has no room for it now")
        ) from None


def _copy(chunks: Iterator[bytes], out: IO[bytes]) -> None:
    for chunk in chunks:
        out.write(chunk)


# --- media --------------------------------------------------------------------------------------


def _read_media(archive: zipfile.ZipFile, zstd: bool, budget: _Budget) -> dict[str, bytes]:
    """The media files the package's media list names: file name -> bytes (see the module's notes)."""
    names = set(archive.namelist())
    if MEDIA_MEMBER not in names:
        return {}
    cap = limits.MAX_ANKI_MEDIA_FILES * MEDIA_LIST_BYTES_PER_FILE
    try:
        listed = _member_bytes(archive, MEDIA_MEMBER, zstd, cap, budget)
    except _TooLarge:
        raise _too_many(limits.MAX_ANKI_MEDIA_FILES, N_("media files")) from None
    entries = _media_entries(listed) if zstd else _legacy_media_entries(listed)
    if len(entries) > limits.MAX_ANKI_MEDIA_FILES:
        raise _too_many(limits.MAX_ANKI_MEDIA_FILES, N_("media files"))
    media: dict[str, bytes] = {}
    for member, name in entries:
        if not _safe_media_name(name):
            raise AnkiPackageError(
                N_("the media list of the Anki package names a file with an unsafe name: %(name)s"),
                name=shown_value(name),
            )
        if name in media:
            raise AnkiPackageError(
                N_("the media list of the Anki package names %(name)s twice"), name=shown_value(name)
            )
        if member not in names or member in (MEDIA_MEMBER, *(c for c, _ in COLLECTIONS)):
            continue
        if not zstd and archive.getinfo(member).file_size > limits.MAX_ANKI_MEDIA_FILE_BYTES:
            continue  # its header says it is too large: not even decompressed
        try:
            media[name] = _member_bytes(archive, member, zstd, limits.MAX_ANKI_MEDIA_FILE_BYTES, budget)
        except _TooLarge:
            continue
    return media


def _media_list_damaged() -> AnkiPackageError:
    return AnkiPackageError(N_("the media list of the Anki package is damaged"))


def _legacy_media_entries(listed: bytes) -> list[tuple[str, str]]:
    """(zip member, file name) from the legacy media list, a JSON object {"0": "name.png"}."""
    try:
        mapping = json.loads(listed.decode("utf-8")) if listed.strip() else {}
    except (ValueError, RecursionError):
        raise _media_list_damaged() from None
    if not isinstance(mapping, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in mapping.items()
    ):
        raise _media_list_damaged()
    return [(member, _media_name(name)) for member, name in mapping.items()]


def _media_entries(listed: bytes) -> list[tuple[str, str]]:
    """(zip member, file name) from the protobuf ``MediaEntries { repeated MediaEntry entries = 1 }``.

    ``MediaEntry { string name = 1; uint32 size = 2; bytes sha1 = 3;
    optional uint32 legacy_zip_filename = 255 }``: entry i is the member legacy_zip_filename, else i.
    """
    try:
        entries = []
        for index, entry in enumerate(_proto(listed).get(1, [])):
            if not isinstance(entry, bytes):
                raise _ProtoError
            fields = _proto(entry)
            name = _proto_text(fields, 1)
            legacy = fields.get(255)
            member = str(_proto_int(fields, 255)) if legacy else str(index)
            entries.append((member, _media_name(name)))
    except _ProtoError:
        raise _media_list_damaged() from None
    return entries


def _media_name(name: str) -> str:
    """A media file name as notes refer to it: NFC, as Anki stores it."""
    if _has_surrogates(name):
        raise _media_list_damaged()
    return unicodedata.normalize("NFC", name)


def _safe_media_name(name: str) -> bool:
    if not name or name in (".", "..") or "/" in name or "\\" in name or _DRIVE_RE.match(name):
        return False
    return not any(unicodedata.category(ch) == "Cc" for ch in name)


# --- protobuf -----------------------------------------------------------------------------------


class _ProtoError(ValueError):
    """Bytes that are not a protobuf message."""


def _varint(data: bytes, pos: int) -> tuple[int, int]:
    result = 0
    for shift in range(0, 70, 7):
        if pos >= len(data):
            raise _ProtoError
        byte = data[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return result & ((1 << 64) - 1), pos
    raise _ProtoError


def _proto(data: bytes) -> dict[int, list[int | bytes]]:
    """A protobuf message's fields: number -> values (varints and fixed as int, length-delimited as bytes)."""
    fields: dict[int, list[int | bytes]] = {}
    pos = 0
    while pos < len(data):
        key, pos = _varint(data, pos)
        number, wire = key >> 3, key & 7
        value: int | bytes
        if number == 0:
            raise _ProtoError
        if wire == 0:
            value, pos = _varint(data, pos)
        elif wire == 1 or wire == 5:
            size = 8 if wire == 1 else 4
            if pos + size > len(data):
                raise _ProtoError
            value = int.from_bytes(data[pos : pos + size], "little")
            pos += size
        elif wire == 2:
            size, pos = _varint(data, pos)
            if pos + size > len(data):
                raise _ProtoError
            value = bytes(data[pos : pos + size])
            pos += size
        else:  # groups (3, 4) are not in Anki's messages; 6 and 7 are no wire type
            raise _ProtoError
        fields.setdefault(number, []).append(value)
    return fields


def _proto_int(fields: dict[int, list[int | bytes]], number: int) -> int:
    values = fields.get(number)
    if not values:
        return 0
    value = values[-1]  # the last one counts, as in every protobuf reader
    if not isinstance(value, int):
        raise _ProtoError
    return value


def _proto_text(fields: dict[int, list[int | bytes]], number: int) -> str:
    values = fields.get(number)
    if not values:
        return ""
    value = values[-1]
    if not isinstance(value, bytes):
        raise _ProtoError
    try:
        return value.decode("utf-8")
    except UnicodeDecodeError:
        raise _ProtoError from None


# --- the collection -----------------------------------------------------------------------------


CARD_COLUMNS = (
    "id", "nid", "did", "ord", "type", "queue", "due", "ivl", "factor", "reps", "lapses", "odid", "odue",
)  # fmt: skip
REVLOG_COLUMNS = ("id", "cid", "ease", "ivl", "lastIvl", "factor", "type")
_LEGACY_TABLES = {
    "col": ("crt", "ver", "models", "decks"),
    "notes": ("id", "guid", "mid", "mod", "tags", "flds"),
    "cards": CARD_COLUMNS,
    "revlog": REVLOG_COLUMNS,
}
_TABLE_TABLES = {
    **_LEGACY_TABLES,
    "col": ("crt", "ver"),
    "notetypes": ("id", "name", "config"),
    "fields": ("ntid", "ord", "name"),
    "templates": ("ntid", "ord", "config"),
    "decks": ("id", "name"),
}


def _read_collection(path: Path) -> AnkiPackage:
    try:
        connection = sqlite3.connect(f"{path.as_uri()}?mode=ro&immutable=1", uri=True)
    except sqlite3.Error:
        raise _not_a_collection() from None
    try:
        steps = 0

        def progress() -> int:
            nonlocal steps
            steps += _PROGRESS_EVERY
            return 1 if steps > SQLITE_STEP_BUDGET else 0  # non-zero interrupts the query

        connection.set_progress_handler(progress, _PROGRESS_EVERY)
        return _Collection(connection).read()
    except sqlite3.Error:
        raise _not_a_collection() from None
    finally:
        connection.close()


def _not_a_collection() -> AnkiPackageError:
    return AnkiPackageError(
        N_("the collection in the Anki package cannot be read: it is not an SQLite database or is damaged")
    )


def _bad_value(table: str, row_id: object, column: str, value: object) -> AnkiPackageError:
    return AnkiPackageError(
        N_("the collection's %(table)s row %(id)s has a bad %(column)s: %(value)s"),
        table=table,
        id=shown_value(row_id),
        column=column,
        value=shown_value(value),
    )


def _has_surrogates(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


class _Collection:
    """One opened collection, read into an :class:`AnkiPackage`."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self.db = connection

    # values

    def integer(self, table: str, row_id: object, column: str, value: object) -> int:
        """``value`` as a whole number: an integer, or a float with a whole value (old clients wrote some)."""
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if isinstance(value, float) and value.is_integer():
            return int(value)
        raise _bad_value(table, row_id, column, value)

    def text(self, table: str, row_id: object, column: str, value: object) -> str:
        """``value`` as text without NUL characters; not text, or text with lone surrogates, is refused."""
        if not isinstance(value, str) or _has_surrogates(value):
            raise _bad_value(table, row_id, column, value)
        return value.replace("\x00", "")

    def rows(self, sql: str, cap: int, what: str) -> Iterator[tuple[Any, ...]]:
        """The rows ``sql`` selects, one by one (not all in memory at once); more than ``cap`` is an error."""
        for count, row in enumerate(self.db.execute(f"{sql} LIMIT {cap + 1}"), 1):
            if count > cap:
                raise _too_many(cap, what)
            yield row

    def integer_rows(
        self, table: str, columns: tuple[str, ...], cap: int, what: str
    ) -> Iterator[tuple[int, ...]]:
        """The rows of ``table``, in id order, whose ``columns`` must all be whole numbers (see ``integer``).

        SQLite says in one pass whether every value is an integer; only a table where some value is
        not has each value checked here (for the error naming it, or a float to convert).
        """
        rows = self.rows(f"SELECT {', '.join(columns)} FROM {table} ORDER BY id", cap, what)
        other = " OR ".join(f"typeof({column}) != 'integer'" for column in columns)
        if self.db.execute(f"SELECT 1 FROM {table} WHERE {other} LIMIT 1").fetchone() is None:
            return rows
        return (
            tuple(
                self.integer(table, row[0], column, value) for column, value in zip(columns, row, strict=True)
            )
            for row in rows
        )

    # the schema

    def schema(self) -> int:
        """The collection's schema version, once its tables and columns are checked."""
        tables = {
            name
            for (name,) in self.db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            if isinstance(name, str)
        }
        for table in ("col", "notes", "cards", "revlog"):
            if table not in tables:
                raise self.lacks(table)
        version = self.db.execute("SELECT ver FROM col LIMIT 1").fetchone()
        if version is None:
            raise self.lacks("col")
        version = self.integer("col", 1, "ver", version[0])
        if version != LEGACY_SCHEMA and version not in TABLE_SCHEMAS:
            raise AnkiPackageError(
                N_("the collection in the Anki package has schema version %(version)s: Wengu cannot read it"),
                version=version,
            )
        wanted = _LEGACY_TABLES if version == LEGACY_SCHEMA else _TABLE_TABLES
        for table, columns in wanted.items():
            if table not in tables:
                raise self.lacks(table)
            have = {row[1] for row in self.db.execute(f"PRAGMA table_info({table})")}
            for column in columns:
                if column not in have:
                    raise self.lacks(f"{table}.{column}")
        return version

    @staticmethod
    def lacks(what: str) -> AnkiPackageError:
        return AnkiPackageError(N_("the collection in the Anki package lacks %(what)s"), what=what)

    # reading

    def read(self) -> AnkiPackage:
        version = self.schema()
        row = self.db.execute("SELECT crt FROM col LIMIT 1").fetchone()
        created = self.integer("col", 1, "crt", row[0])
        if version == LEGACY_SCHEMA:
            note_types, decks = self.legacy_note_types(), self.legacy_decks()
        else:
            note_types, decks = self.table_note_types(), self.table_decks()
        notes = self.notes(note_types)
        cards = self.cards({note.id for note in notes}, decks)
        revlog = self.revlog({card.id for card in cards})
        return AnkiPackage(
            collection_created=created,
            decks=decks,
            note_types=note_types,
            notes=notes,
            cards=cards,
            revlog=revlog,
            media={},
        )

    def col_json(self, column: str) -> object:
        value = self.db.execute(f"SELECT {column} FROM col LIMIT 1").fetchone()[0]
        text = self.text("col", 1, column, value)
        try:
            return json.loads(text)
        except (ValueError, RecursionError):
            raise AnkiPackageError(
                N_("the collection's %(column)s is not valid JSON"), column=f"col.{column}"
            ) from None

    def legacy_note_types(self) -> dict[int, AnkiNoteType]:
        models = self.col_json("models")
        shape = _Shape("models")
        if not isinstance(models, dict):
            raise shape.error("")
        if len(models) > limits.MAX_ANKI_NOTE_TYPES:
            raise _too_many(limits.MAX_ANKI_NOTE_TYPES, N_("note types"))
        note_types = {}
        for key, model in models.items():
            at = f"[{json.dumps(key, ensure_ascii=False)}]"
            ntid = shape.id(key, at)
            name = shape.text(model, "name", at)
            kind = shape.integer(model, "type", at, default=0)
            fields = shape.ordered(model, "flds", at, lambda item, where: shape.text(item, "name", where))
            templates = shape.ordered(
                model,
                "tmpls",
                at,
                lambda item, where: (shape.text(item, "qfmt", where), shape.text(item, "afmt", where)),
            )
            note_types[ntid] = AnkiNoteType(ntid, name, kind == 1, tuple(fields), tuple(templates))
        return note_types

    def legacy_decks(self) -> dict[int, str]:
        decks = self.col_json("decks")
        shape = _Shape("decks")
        if not isinstance(decks, dict):
            raise shape.error("")
        if len(decks) > limits.MAX_ANKI_DECKS:
            raise _too_many(limits.MAX_ANKI_DECKS, N_("decks"))
        found = {}
        for key, deck in decks.items():
            at = f"[{json.dumps(key, ensure_ascii=False)}]"
            found[shape.id(key, at)] = shape.text(deck, "name", at)
        return found

    def table_note_types(self) -> dict[int, AnkiNoteType]:
        rows = self.rows(
            "SELECT id, name, config FROM notetypes ORDER BY id",
            limits.MAX_ANKI_NOTE_TYPES,
            N_("note types"),
        )
        heads = {}
        for raw_id, raw_name, config in rows:
            ntid = self.integer("notetypes", raw_id, "id", raw_id)
            name = self.text("notetypes", ntid, "name", raw_name)
            if not isinstance(config, bytes):
                raise _bad_value("notetypes", ntid, "config", config)
            try:
                kind = _proto_int(_proto(config), 1)  # Notetype.Config.kind: 0 normal, 1 cloze
            except _ProtoError:
                raise _bad_value("notetypes", ntid, "config", config) from None
            heads[ntid] = (name, kind == 1)
        fields: dict[int, dict[int, str]] = {ntid: {} for ntid in heads}
        templates: dict[int, dict[int, tuple[str, str]]] = {ntid: {} for ntid in heads}
        # Rows of note types the collection does not hold are left out: Anki's export leaves them.
        cap = limits.MAX_ANKI_NOTE_TYPES * MAX_NOTE_TYPE_PARTS
        for raw_ntid, raw_ord, raw_name in self.rows(
            "SELECT ntid, ord, name FROM fields ORDER BY ntid, ord", cap, N_("fields")
        ):
            ntid = self.integer("fields", raw_ntid, "ntid", raw_ntid)
            if ntid in fields:
                ord_ = self.integer("fields", ntid, "ord", raw_ord)
                fields[ntid][ord_] = self.text("fields", ntid, "name", raw_name)
        for raw_ntid, raw_ord, config in self.rows(
            "SELECT ntid, ord, config FROM templates ORDER BY ntid, ord", cap, N_("templates")
        ):
            ntid = self.integer("templates", raw_ntid, "ntid", raw_ntid)
            if ntid not in templates:
                continue
            ord_ = self.integer("templates", ntid, "ord", raw_ord)
            if not isinstance(config, bytes):
                raise _bad_value("templates", ntid, "config", config)
            try:
                parsed = _proto(config)  # CardTemplate.Config: q_format = 1, a_format = 2
                question, answer = _proto_text(parsed, 1), _proto_text(parsed, 2)
            except _ProtoError:
                raise _bad_value("templates", ntid, "config", config) from None
            templates[ntid][ord_] = (
                self.text("templates", ntid, "config", question),
                self.text("templates", ntid, "config", answer),
            )
        note_types = {}
        for ntid, (name, is_cloze) in heads.items():
            note_types[ntid] = AnkiNoteType(
                ntid,
                name,
                is_cloze,
                _in_order(fields[ntid], "fields", ntid),
                _in_order(templates[ntid], "templates", ntid),
            )
        return note_types

    def table_decks(self) -> dict[int, str]:
        rows = self.rows("SELECT id, name FROM decks ORDER BY id", limits.MAX_ANKI_DECKS, N_("decks"))
        decks = {}
        for raw_id, raw_name in rows:
            deck_id = self.integer("decks", raw_id, "id", raw_id)
            decks[deck_id] = self.text("decks", deck_id, "name", raw_name).replace("\x1f", "::")
        return decks

    def notes(self, note_types: dict[int, AnkiNoteType]) -> list[AnkiNote]:
        rows = self.rows(
            "SELECT id, guid, mid, mod, tags, flds FROM notes ORDER BY id",
            limits.MAX_ANKI_NOTES,
            N_("notes"),
        )
        notes = []
        ids: set[int] = set()
        guids: set[str] = set()
        for raw_id, guid, mid, mod, tags, flds in rows:
            note_id = self.integer("notes", raw_id, "id", raw_id)
            note = AnkiNote(
                id=note_id,
                guid=self.text("notes", note_id, "guid", guid),
                notetype_id=self.integer("notes", note_id, "mid", mid),
                fields=tuple(self.text("notes", note_id, "flds", flds).split("\x1f")),
                tags=tuple(self.text("notes", note_id, "tags", tags).split()),
                modified=self.integer("notes", note_id, "mod", mod),
            )
            if note.notetype_id not in note_types:
                raise AnkiPackageError(
                    N_(
                        "note %(id)s of the collection has note type %(notetype)s, which the collection lacks"
                    ),
                    id=note_id,
                    notetype=note.notetype_id,
                )
            if note_id in ids:
                raise _bad_value("notes", note_id, "id", note_id)
            if note.guid in guids:
                raise _bad_value("notes", note_id, "guid", note.guid)
            ids.add(note_id)
            guids.add(note.guid)
            notes.append(note)
        return notes

    def cards(self, note_ids: set[int], decks: dict[int, str]) -> list[AnkiCard]:
        cards = []
        ids: set[int] = set()
        slots: set[tuple[int, int]] = set()
        for row in self.integer_rows("cards", CARD_COLUMNS, limits.MAX_ANKI_CARDS, N_("cards")):
            card_id, note_id, deck_id, ord_, kind, queue, due, ivl, factor, reps, lapses, odid, odue = row
            if odid:
                deck_id, queue, due = _at_home(odid, kind, queue, due, odue)
            if note_id not in note_ids:
                raise AnkiPackageError(
                    N_("card %(id)s of the collection belongs to note %(note)s, which the collection lacks"),
                    id=card_id,
                    note=note_id,
                )
            if deck_id not in decks:
                raise AnkiPackageError(
                    N_("card %(id)s of the collection is in deck %(deck)s, which the collection lacks"),
                    id=card_id,
                    deck=deck_id,
                )
            if card_id in ids:
                raise _bad_value("cards", card_id, "id", card_id)
            if (note_id, ord_) in slots:
                raise _bad_value("cards", card_id, "ord", ord_)
            ids.add(card_id)
            slots.add((note_id, ord_))
            cards.append(
                AnkiCard(card_id, note_id, deck_id, ord_, kind, queue, due, ivl, factor, reps, lapses)
            )
        return cards

    def revlog(self, card_ids: set[int]) -> list[AnkiRevlogEntry]:
        rows = self.integer_rows("revlog", REVLOG_COLUMNS, limits.MAX_ANKI_REVLOG, N_("review log entries"))
        # The history of a card not in the package is left out.
        return [AnkiRevlogEntry(*row) for row in rows if row[1] in card_ids]


def _at_home(odid: int, kind: int, queue: int, due: int, odue: int) -> tuple[int, int, int]:
    """A card's deck, queue and due back in its home deck ``odid``, out of the filtered deck it sits in.

    As Anki empties a filtered deck (``remove_from_filtered_deck_restoring_queue``): the original due
    when there is one, and a queue that is not suspended or buried set from the card's type.
    """
    if odue:
        due = odue
    if queue >= 0:
        if kind in (CARD_LEARNING, CARD_RELEARNING):
            queue = QUEUE_LEARN if due > EPOCH_SECONDS_FROM else QUEUE_DAY_LEARN
        else:
            queue = {CARD_NEW: QUEUE_NEW, CARD_REVIEW: QUEUE_REVIEW}.get(kind, queue)
    return odid, queue, due


def _in_order(by_ord: dict[int, Any], table: str, ntid: int) -> tuple[Any, ...]:
    """The values of ``by_ord`` in ord order; the ords must be 0..n-1."""
    if sorted(by_ord) != list(range(len(by_ord))):
        raise _bad_value(table, ntid, "ord", sorted(by_ord))
    return tuple(by_ord[i] for i in range(len(by_ord)))


class _Shape:
    """Checks on the JSON of ``col.models`` or ``col.decks``.

    An error names the place: ``models["1"].flds[0].name``.
    """

    def __init__(self, column: str) -> None:
        self.column = column

    def error(self, at: str) -> AnkiPackageError:
        return AnkiPackageError(
            N_("the collection's %(column)s is not in Anki's format at %(path)s"),
            column=f"col.{self.column}",
            path=f"{self.column}{at}",
        )

    def id(self, key: str, at: str) -> int:
        if not _ID_RE.fullmatch(key):
            raise self.error(at)
        value = int(key)
        if not -(2**63) <= value < 2**63:
            raise self.error(at)
        return value

    def value(self, item: object, key: str, at: str) -> object:
        if not isinstance(item, dict) or key not in item:
            raise self.error(f"{at}.{key}")
        return item[key]

    def text(self, item: object, key: str, at: str) -> str:
        value = self.value(item, key, at)
        if not isinstance(value, str) or _has_surrogates(value):
            raise self.error(f"{at}.{key}")
        return value.replace("\x00", "")

    def integer(self, item: object, key: str, at: str, default: int) -> int:
        if isinstance(item, dict) and item.get(key) is None:
            return default
        value = self.value(item, key, at)
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.error(f"{at}.{key}")
        return value

    def ordered(self, item: object, key: str, at: str, read: Callable[[object, str], Any]) -> tuple[Any, ...]:
        """The list ``item[key]`` read by ``read``, in ``ord`` order (a missing ord is the list position)."""
        items = self.value(item, key, at)
        if not isinstance(items, list) or len(items) > MAX_NOTE_TYPE_PARTS:
            raise self.error(f"{at}.{key}")
        by_ord: dict[int, Any] = {}
        for position, element in enumerate(items):
            where = f"{at}.{key}[{position}]"
            ord_ = self.integer(element, "ord", where, default=position)
            if ord_ in by_ord:
                raise self.error(f"{where}.ord")
            by_ord[ord_] = read(element, where)
        if sorted(by_ord) != list(range(len(by_ord))):
            raise self.error(f"{at}.{key}")
        return tuple(by_ord[i] for i in range(len(by_ord)))
