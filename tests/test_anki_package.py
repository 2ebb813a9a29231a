"""Reading Anki packages (``quiz.anki_package``): what the real Anki and genanki write is read exactly as
the collection holds it, in every format (``.apkg`` legacy and new, ``.colpkg``), and every malformed
or hostile package gives ``AnkiPackageError`` with a message that says why, never another exception."""

from __future__ import annotations

import functools
import gzip
import io
import json
import sqlite3
import warnings
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import zstandard
from babel.messages.pofile import read_po
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from quiz import limits
from quiz.anki_package import (
    AnkiCard,
    AnkiNote,
    AnkiNoteType,
    AnkiPackage,
    AnkiPackageError,
    AnkiRevlogEntry,
    read_package,
)
from quiz.i18n import LocalizedText
from tests.conftest import ROOT

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4
CRT = 1_700_000_000

# --- packages built by hand, in both schemas -----------------------------------------------------


def pb_varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def pb(*fields: tuple[int, int | str | bytes]) -> bytes:
    """A protobuf message of ``(number, value)``: ints as varints, text and bytes length-delimited."""
    out = b""
    for number, value in fields:
        if isinstance(value, int):
            out += pb_varint(number << 3) + pb_varint(value)
        else:
            raw = value.encode() if isinstance(value, str) else value
            out += pb_varint(number << 3 | 2) + pb_varint(len(raw)) + raw
    return out


@dataclass
class Model:
    id: int
    name: str
    cloze: bool
    fields: tuple[str, ...]
    templates: tuple[tuple[str, str], ...]


BASIC = Model(10, "Basic", False, ("Front", "Back"), (("{{Front}}", "{{FrontSide}}<hr id=answer>{{Back}}"),))
CLOZE = Model(
    20, "Cloze", True, ("Text", "Back Extra"), (("{{cloze:Text}}", "{{cloze:Text}}<br>{{Back Extra}}"),)
)


@dataclass
class Col:
    """A collection to build by hand; ``sql`` runs after the rows are in (to break something)."""

    models: list[Model] = field(default_factory=lambda: [BASIC, CLOZE])
    decks: dict[int, str] = field(default_factory=lambda: {1: "Default", 100: "Top", 101: "Top::Sub"})
    notes: list[tuple[Any, ...]] = field(
        default_factory=lambda: [
            (1000, "g1", 10, 1_700_000_100, " a b::c ", "<b>Q</b> <img src='pic.png'>\x1fA"),
            (1001, "g2", 20, 1_700_000_200, "", "{{c1::x}} {{c2::y}}\x1f"),
        ]
    )
    # id, nid, did, ord, type, queue, due, ivl, factor, reps, lapses, odue, odid
    cards: list[tuple[Any, ...]] = field(
        default_factory=lambda: [
            (5000, 1000, 101, 0, 2, 2, 30, 10, 2500, 3, 1, 0, 0),
            (5001, 1001, 100, 0, 0, 0, 7, 0, 0, 0, 0, 0, 0),
            (5002, 1001, 100, 1, 1, 1, 1_700_000_500, -600, 0, 1, 0, 0, 0),
        ]
    )
    # id, cid, ease, ivl, lastIvl, factor, type
    revlog: list[tuple[Any, ...]] = field(
        default_factory=lambda: [
            (1_700_000_000_000, 5000, 3, 4, -600, 2500, 0),
            (1_700_000_400_000, 5000, 3, 10, 4, 2500, 1),
            (1_700_000_450_000, 5002, 1, -600, 0, 0, 0),
        ]
    )
    sql: tuple[str, ...] = ()
    ver: int | None = None

    def sqlite(self, path: Path, schema: int) -> bytes:
        db = sqlite3.connect(path)
        db.executescript(
            """
            CREATE TABLE col (id integer PRIMARY KEY, crt integer NOT NULL, mod integer, scm integer,
              ver integer, dty integer, usn integer, ls integer, conf text, models text, decks text,
              dconf text, tags text);
            CREATE TABLE notes (id integer PRIMARY KEY, guid text, mid integer, mod integer, usn integer,
              tags text, flds text, sfld integer, csum integer, flags integer, data text);
            CREATE TABLE cards (id integer PRIMARY KEY, nid integer, did integer, ord integer, mod integer,
              usn integer, type integer, queue integer, due integer, ivl integer, factor integer,
              reps integer, lapses integer, left integer, odue integer, odid integer, flags integer,
              data text);
            CREATE TABLE revlog (id integer PRIMARY KEY, cid integer, usn integer, ease integer,
              ivl integer, lastIvl integer, factor integer, time integer, type integer);
            """
        )
        if schema == 11:
            models = {
                str(m.id): {
                    "id": m.id,
                    "name": m.name,
                    "type": int(m.cloze),
                    "flds": [{"name": name, "ord": i} for i, name in enumerate(m.fields)],
                    "tmpls": [
                        {"name": f"Card {i + 1}", "ord": i, "qfmt": q, "afmt": a}
                        for i, (q, a) in enumerate(m.templates)
                    ],
                }
                for m in self.models
            }
            decks = {str(i): {"id": i, "name": name, "dyn": 0} for i, name in self.decks.items()}
            models_json, decks_json = json.dumps(models), json.dumps(decks)
        else:
            models_json = decks_json = ""
            db.executescript(
                """
                CREATE TABLE notetypes (id integer PRIMARY KEY, name text, mtime_secs integer,
                  usn integer, config blob);
                CREATE TABLE fields (ntid integer, ord integer, name text, config blob,
                  PRIMARY KEY (ntid, ord)) WITHOUT ROWID;
                CREATE TABLE templates (ntid integer, ord integer, name text, mtime_secs integer,
                  usn integer, config blob, PRIMARY KEY (ntid, ord)) WITHOUT ROWID;
                CREATE TABLE decks (id integer PRIMARY KEY, name text, mtime_secs integer, usn integer,
                  common blob, kind blob);
                """
            )
            for m in self.models:
                # Anki's Notetype.Config: kind = 1 (absent for normal), sort_field_idx = 2, css = 3,
                # target_deck_id_unused = 4 (int64), latex_svg = 7 ... and fields of wire types 1 and 5.
                config = (pb((1, 1)) if m.cloze else b"") + pb((3, ".card {}"), (4, 2**63 - 1), (7, 1))
                config += b"\x49" + (12345).to_bytes(8, "little") + b"\x55" + (7).to_bytes(4, "little")
                db.execute("INSERT INTO notetypes VALUES (?, ?, 0, 0, ?)", (m.id, m.name, config))
                for i, name in enumerate(m.fields):
                    db.execute("INSERT INTO fields VALUES (?, ?, ?, ?)", (m.id, i, name, pb((5, "desc"))))
                for i, (q, a) in enumerate(m.templates):
                    config = pb((1, q), (2, a), (3, "browser q"), (8, 2**40))
                    db.execute(
                        "INSERT INTO templates VALUES (?, ?, ?, 0, 0, ?)", (m.id, i, f"Card {i + 1}", config)
                    )
            # Anki's export leaves the fields and templates of note types it does not export.
            db.execute("INSERT INTO fields VALUES (999, 0, 'Orphan', x'')")
            db.execute("INSERT INTO templates VALUES (999, 3, 'Orphan', 0, 0, x'ff')")
            for deck_id, name in self.decks.items():
                db.execute(
                    "INSERT INTO decks VALUES (?, ?, 0, 0, x'', x'')", (deck_id, name.replace("::", "\x1f"))
                )
        ver = self.ver if self.ver is not None else schema
        db.execute(
            "INSERT INTO col VALUES (1, ?, 0, 0, ?, 0, 0, 0, '{}', ?, ?, '{}', '{}')",
            (CRT, ver, models_json, decks_json),
        )
        for note in self.notes:
            db.execute("INSERT INTO notes VALUES (?, ?, ?, ?, 0, ?, ?, '', 0, 0, '')", note)
        for c in self.cards:
            db.execute("INSERT INTO cards VALUES (?, ?, ?, ?, 0, 0, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, 0, '')", c)
        for r in self.revlog:
            db.execute("INSERT INTO revlog VALUES (?, ?, 0, ?, ?, ?, ?, 1000, ?)", r)
        for statement in self.sql:
            db.execute(statement)
        db.commit()
        db.close()
        return path.read_bytes()


def zip_of(members: Iterable[tuple[str, bytes]]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive, warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Duplicate name")  # a hostile zip may hold a name twice
        for name, data in members:
            archive.writestr(name, data)
    return out.getvalue()


def zstd(data: bytes) -> bytes:
    return zstandard.ZstdCompressor().compress(data)


def legacy_package(tmp_path: Path, col: Col | None = None, media: dict[str, bytes] | None = None) -> bytes:
    """An ``.apkg`` as Anki's legacy export writes it: collection.anki21, a JSON media list."""
    db = (col or Col()).sqlite(tmp_path / "legacy.db", 11)
    media = {"pic.png": PNG} if media is None else media
    listed = {str(i): name for i, name in enumerate(media)}
    files = [(str(i), data) for i, data in enumerate(media.values())]
    return zip_of([("collection.anki21", db), *files, ("media", json.dumps(listed).encode())])


def new_package(tmp_path: Path, col: Col | None = None, media: dict[str, bytes] | None = None) -> bytes:
    """An ``.apkg`` as Anki 2.1.50+ writes it: zstd schema 18, a dummy anki2, protobuf media list."""
    db = (col or Col()).sqlite(tmp_path / "new.db", 18)
    media = {"pic.png": PNG} if media is None else media
    entries = b"".join(
        pb((1, pb((1, name), (2, len(data)), (3, b"\x00" * 20)))) for name, data in media.items()
    )
    files = [(str(i), zstd(data)) for i, data in enumerate(media.values())]
    return zip_of(
        [
            ("meta", pb((1, 3))),
            ("collection.anki21b", zstd(db)),
            ("collection.anki2", b"a dummy saying: please update Anki"),
            *files,
            ("media", zstd(entries)),
        ]
    )


BUILDERS = {"legacy": legacy_package, "new": new_package}


def expected_package() -> AnkiPackage:
    """What ``Col()`` holds, in the reader's values."""
    return AnkiPackage(
        collection_created=CRT,
        decks={1: "Default", 100: "Top", 101: "Top::Sub"},
        note_types={m.id: AnkiNoteType(m.id, m.name, m.cloze, m.fields, m.templates) for m in (BASIC, CLOZE)},
        notes=[
            AnkiNote(1000, "g1", 10, ("<b>Q</b> <img src='pic.png'>", "A"), ("a", "b::c"), 1_700_000_100),
            AnkiNote(1001, "g2", 20, ("{{c1::x}} {{c2::y}}", ""), (), 1_700_000_200),
        ],
        cards=[
            AnkiCard(5000, 1000, 101, 0, 2, 2, 30, 10, 2500, 3, 1),
            AnkiCard(5001, 1001, 100, 0, 0, 0, 7, 0, 0, 0, 0),
            AnkiCard(5002, 1001, 100, 1, 1, 1, 1_700_000_500, -600, 0, 1, 0),
        ],
        revlog=[
            AnkiRevlogEntry(1_700_000_000_000, 5000, 3, 4, -600, 2500, 0),
            AnkiRevlogEntry(1_700_000_400_000, 5000, 3, 10, 4, 2500, 1),
            AnkiRevlogEntry(1_700_000_450_000, 5002, 1, -600, 0, 0, 0),
        ],
        media={"pic.png": PNG},
    )


@pytest.mark.parametrize("fmt", BUILDERS)
def test_a_package_reads_as_its_collection_holds_it(tmp_path, fmt):
    assert read_package(BUILDERS[fmt](tmp_path)) == expected_package()


def test_the_newest_collection_is_read(tmp_path):
    # A legacy export holds collection.anki21 and a dummy collection.anki2; Anki 2.0's only anki2.
    real = Col().sqlite(tmp_path / "real.db", 11)
    dummy = Col(notes=[], cards=[], revlog=[]).sqlite(tmp_path / "dummy.db", 11)
    both = zip_of([("collection.anki2", dummy), ("collection.anki21", real)])
    assert len(read_package(both).notes) == 2
    assert read_package(zip_of([("collection.anki2", real)])).notes == expected_package().notes
    newest = zip_of([("collection.anki21", dummy), ("collection.anki21b", zstd(real))])
    assert len(read_package(newest).notes) == 2


def test_new_media_members_follow_their_legacy_zip_filename(tmp_path):
    db = Col().sqlite(tmp_path / "c.db", 18)
    entries = pb((1, pb((1, "b.png"), (255, 7)))) + pb((1, pb((1, "a.png"))))  # entry 1: member "1"
    package = zip_of(
        [
            ("collection.anki21b", zstd(db)),
            ("7", zstd(b"bee")),
            ("1", zstd(b"ay")),
            ("0", zstd(b"not listed")),
            ("media", zstd(entries)),
        ]
    )
    assert read_package(package).media == {"b.png": b"bee", "a.png": b"ay"}


@pytest.mark.parametrize("fmt", BUILDERS)
def test_media_the_zip_lacks_or_too_large_is_left_out(tmp_path, fmt, monkeypatch):
    monkeypatch.setattr(limits, "MAX_ANKI_MEDIA_FILE_BYTES", 100)
    package = BUILDERS[fmt](tmp_path, media={"big.png": b"x" * 101, "small.png": b"x" * 100})
    assert read_package(package).media == {"small.png": b"x" * 100}
    monkeypatch.undo()
    assert read_package(package).media.keys() == {"big.png", "small.png"}
    without_small = with_members(package, lambda n, d: None if n == "1" else (n, d))
    assert read_package(without_small).media == {"big.png": b"x" * 101}


@pytest.mark.parametrize("fmt", BUILDERS)
@pytest.mark.parametrize(
    ("kind", "queue", "due", "odue", "home_queue", "home_due"),
    [
        (0, 0, -100000, 12, 0, 12),  # new: its position back
        (1, 1, -99999, 1_700_000_900, 1, 1_700_000_900),  # learning, due in seconds
        (3, 1, -99998, 400, 3, 400),  # relearning, due on a day: day-learn queue
        (2, 2, -99997, 55, 2, 55),  # review
        (2, -1, -99996, 55, -1, 55),  # suspended stays suspended
        (2, 4, -99995, 0, 2, -99995),  # preview queue, no original due kept
    ],
)
def test_a_card_in_a_filtered_deck_is_read_as_at_home(
    tmp_path, fmt, kind, queue, due, odue, home_queue, home_due
):
    col = Col(decks={1: "Default", 100: "Top", 101: "Top::Sub", 200: "Filtered"})
    col.cards[0] = (5000, 1000, 200, 0, kind, queue, due, 3, 2500, 3, 1, odue, 101)
    card = read_package(BUILDERS[fmt](tmp_path, col)).cards[0]
    assert (card.deck_id, card.type, card.queue, card.due) == (101, kind, home_queue, home_due)


@pytest.mark.parametrize("fmt", BUILDERS)
def test_values_are_cleaned_where_anki_would_accept_them(tmp_path, fmt):
    col = Col(
        sql=(
            "UPDATE notes SET flds = 'Q' || char(0) || char(31) || 'A', tags = ' x' || char(12288) || 'y  '"
            " WHERE id = 1000",
            "UPDATE cards SET due = 30.0 WHERE id = 5000",  # an old client's float
            "INSERT INTO revlog VALUES (1, 424242, 0, 3, 1, 0, 2500, 1000, 1)",  # a deleted card's history
        )
    )
    package = read_package(BUILDERS[fmt](tmp_path, col))
    assert package.notes[0].fields == ("Q", "A") and package.notes[0].tags == ("x", "y")
    assert package.cards[0].due == 30 and isinstance(package.cards[0].due, int)
    assert package.revlog == expected_package().revlog


# --- malformed packages --------------------------------------------------------------------------


def with_members(package: bytes, change: Callable[[str, bytes], tuple[str, bytes] | None]) -> bytes:
    with zipfile.ZipFile(io.BytesIO(package)) as archive:
        members = [change(i.filename, archive.read(i)) for i in archive.infolist()]
    return zip_of(m for m in members if m is not None)


def replaced(name: str, data: bytes) -> Callable[[str, bytes], tuple[str, bytes]]:
    return lambda n, d: (n, data if n == name else d)


def both(build: Callable[[Path], bytes]) -> Callable[[Path, str], bytes]:
    return lambda tmp_path, fmt: build(tmp_path)


def broken_col(**changes: Any) -> Callable[[Path, str], bytes]:
    return lambda tmp_path, fmt: BUILDERS[fmt](tmp_path, Col(**changes))


def deep_json(tmp_path: Path, fmt: str) -> bytes:
    return broken_col(sql=(f"UPDATE col SET models = '{'[' * 100_000}'",))(tmp_path, fmt)


MALFORMED: dict[str, tuple[Callable[[Path, str], bytes], str]] = {
    "empty file": (both(lambda p: b""), "not a zip archive"),
    "gzip": (both(lambda p: gzip.compress(b"hello")), "not a zip archive"),
    "truncated zip": (lambda p, f: BUILDERS[f](p)[:-30], "not a zip archive"),
    "no collection": (both(lambda p: zip_of([("media", b"{}"), ("0", PNG)])), "holds no collection"),
    "absolute member": (both(lambda p: zip_of([("/etc/passwd", b"x")])), "unsafe name: '/etc/passwd'"),
    "dot-dot member": (both(lambda p: zip_of([("a/../../x", b"x")])), "unsafe name"),
    "backslash member": (both(lambda p: zip_of([("..\\x", b"x")])), "unsafe name"),
    "member twice": (
        lambda p, f: with_members(BUILDERS[f](p), lambda n, d: ("0" if n == "media" else n, d)),
        "holds '0' twice",
    ),
    "not sqlite": (
        lambda p, f: with_members(
            BUILDERS[f](p),
            lambda n, d: (
                (n, zstd(b"junk" * 99) if n.endswith("b") else b"junk" * 99) if n != "media" else (n, d)
            ),
        ),
        "not an SQLite database",
    ),
    "sqlite header, then junk": (
        lambda p, f: with_members(
            BUILDERS[f](p),
            lambda n, d: (
                (n, (zstd if n.endswith("b") else bytes)(b"SQLite format 3\x00" + b"\xff" * 5000))
                if n.startswith("collection")
                else (n, d)
            ),
        ),
        "not an SQLite database",
    ),
    "not zstd": (
        both(lambda p: with_members(new_package(p), replaced("collection.anki21b", b"plain bytes"))),
        "'collection.anki21b' in the Anki package is damaged",
    ),
    "schema 99": (broken_col(ver=99), "schema version 99"),
    "no revlog": (broken_col(sql=("DROP TABLE revlog",)), "lacks revlog"),
    "no flds": (broken_col(sql=("ALTER TABLE notes DROP COLUMN flds",)), "lacks notes.flds"),
    "notes a view": (
        broken_col(sql=("ALTER TABLE notes RENAME TO n2", "CREATE VIEW notes AS SELECT * FROM n2")),
        "lacks notes",
    ),
    "no col row": (broken_col(sql=("DELETE FROM col",)), "lacks col"),
    "crt text": (
        broken_col(sql=("UPDATE col SET crt = 'yesterday'",)),
        "col row 1 has a bad crt: 'yesterday'",
    ),
    "due text": (
        broken_col(sql=("UPDATE cards SET due = 'soon' WHERE id = 5001",)),
        "cards row 5001 has a bad due",
    ),
    "ivl fraction": (broken_col(sql=("UPDATE cards SET ivl = 1.5",)), "bad ivl: 1.5"),
    "flds blob": (
        broken_col(sql=("UPDATE notes SET flds = x'00ff' WHERE id = 1000",)),
        "notes row 1000 has a bad flds",
    ),
    "guid twice": (broken_col(sql=("UPDATE notes SET guid = 'g1'",)), "notes row 1001 has a bad guid"),
    "card slot twice": (broken_col(sql=("UPDATE cards SET ord = 0",)), "has a bad ord: 0"),
    "unknown note type": (broken_col(sql=("UPDATE notes SET mid = 77 WHERE id = 1001",)), "note type 77"),
    "card of no note": (broken_col(sql=("UPDATE cards SET nid = 9 WHERE id = 5001",)), "belongs to note 9"),
    "card in no deck": (broken_col(sql=("UPDATE cards SET did = 9 WHERE id = 5001",)), "is in deck 9"),
    "media list not json": (
        both(lambda p: with_members(legacy_package(p), replaced("media", b"{not json"))),
        "media list of the Anki package is damaged",
    ),
    "media list not a map of names": (
        both(lambda p: with_members(legacy_package(p), replaced("media", b'{"0": 1}'))),
        "media list of the Anki package is damaged",
    ),
    "media list not protobuf": (
        both(lambda p: with_members(new_package(p), replaced("media", zstd(b"\x0a\xff")))),
        "media list of the Anki package is damaged",
    ),
    "media path": (
        lambda p, f: BUILDERS[f](p, media={"../../etc/cron.d/x": b"x"}),
        "unsafe name: '../../etc/cron.d/x'",
    ),
    "media control character": (lambda p, f: BUILDERS[f](p, media={"a\nb.png": b"x"}), "unsafe name"),
    "media name twice": (
        both(lambda p: with_members(legacy_package(p), replaced("media", b'{"0": "a.png", "1": "a.png"}'))),
        "names 'a.png' twice",
    ),
}
LEGACY_ONLY = {
    "models not json": (broken_col(sql=("UPDATE col SET models = '{'",)), "col.models is not valid JSON"),
    "models deep json": (deep_json, "col.models is not valid JSON"),
    "decks not a map": (
        broken_col(sql=("UPDATE col SET decks = '[]'",)),
        "col.decks is not in Anki's format",
    ),
    "field without name": (
        broken_col(
            sql=("""UPDATE col SET models = '{"10": {"name": "B", "flds": [{"ord": 0}], "tmpls": []}}'""",)
        ),
        'at models["10"].flds[0].name',
    ),
    "note type id not a number": (
        broken_col(sql=("""UPDATE col SET models = '{"x": {"name": "B", "flds": [], "tmpls": []}}'""",)),
        'at models["x"]',
    ),
    "template ords with a gap": (
        broken_col(
            sql=(
                """UPDATE col SET models = '{"10": {"name": "B", "flds": [],"""
                """ "tmpls": [{"ord": 1, "qfmt": "", "afmt": ""}]}}'""",
            )
        ),
        'at models["10"].tmpls',
    ),
    "name with a lone surrogate": (
        broken_col(sql=("""UPDATE col SET decks = '{"1": {"name": "\\ud800"}}'""",)),
        'at decks["1"].name',
    ),
}
NEW_ONLY = {
    "schema 18 claiming 11": (broken_col(sql=("UPDATE col SET ver = 11",)), "col.models is not valid JSON"),
    "note type config not protobuf": (
        broken_col(sql=("UPDATE notetypes SET config = x'0a05ff' WHERE id = 10",)),
        "notetypes row 10 has a bad config",
    ),
    "template config with bad text": (
        broken_col(sql=("UPDATE templates SET config = x'0a02c328' WHERE ntid = 20",)),
        "templates row 20 has a bad config",
    ),
    "template ords with a gap": (
        broken_col(sql=("UPDATE templates SET ord = 2 WHERE ntid = 10",)),
        "templates row 10 has a bad ord: [2]",
    ),
    "note type name a blob": (
        broken_col(sql=("UPDATE notetypes SET name = x'41' WHERE id = 10",)),
        "notetypes row 10 has a bad name",
    ),
}
CASES = [
    *((name, fmt, *MALFORMED[name]) for name in MALFORMED for fmt in BUILDERS),
    *((name, "legacy", *LEGACY_ONLY[name]) for name in LEGACY_ONLY),
    *((name, "new", *NEW_ONLY[name]) for name in NEW_ONLY),
]


@functools.cache
def catalogue() -> dict[str, str]:
    with (ROOT / "translations" / "zh" / "LC_MESSAGES" / "messages.po").open("rb") as po:
        return {m.id: m.string for m in read_po(po) if isinstance(m.id, str)}


@pytest.mark.parametrize(("case", "fmt", "build", "message"), CASES, ids=[f"{c[0]}-{c[1]}" for c in CASES])
def test_a_malformed_package_says_why(tmp_path, case, fmt, build, message):
    with pytest.raises(AnkiPackageError) as caught:
        read_package(build(tmp_path, fmt))
    assert message in caught.value.message
    chinese = catalogue().get(caught.value.template)
    assert chinese, f"no Chinese for {caught.value.template!r}"
    what = caught.value.params.get("what")
    assert not isinstance(what, LocalizedText) or catalogue().get(what.template)


# --- caps ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", BUILDERS)
@pytest.mark.parametrize(
    ("cap", "value", "message"),
    [
        ("MAX_ANKI_NOTES", 1, "more than 1 notes"),
        ("MAX_ANKI_CARDS", 2, "more than 2 cards"),
        ("MAX_ANKI_REVLOG", 2, "more than 2 review log entries"),
        ("MAX_ANKI_NOTE_TYPES", 1, "more than 1 note types"),
        ("MAX_ANKI_DECKS", 2, "more than 2 decks"),
        ("MAX_ANKI_MEDIA_FILES", 0, "more than 0 media files"),
        ("MAX_ANKI_COLLECTION_BYTES", 4096, "collection in the Anki package is larger than 0 MB"),
        ("MAX_ANKI_UNPACKED_BYTES", 4096, "unpacks to more than 0 MB"),
    ],
)
def test_a_package_beyond_a_limit_is_refused(tmp_path, monkeypatch, fmt, cap, value, message):
    package = BUILDERS[fmt](tmp_path)
    read_package(package)
    monkeypatch.setattr(limits, cap, value)
    with pytest.raises(AnkiPackageError, match=message):
        read_package(package)


@pytest.mark.parametrize("fmt", BUILDERS)
def test_a_bomb_stops_at_the_cap_whatever_its_header_says(tmp_path, monkeypatch, fmt):
    monkeypatch.setattr(limits, "MAX_ANKI_COLLECTION_BYTES", 1 << 20)
    bomb = b"\x00" * (64 << 20)  # 64 MiB of zeros: a few kB compressed
    if fmt == "new":  # a zstd stream without a content size in its header
        out = io.BytesIO()
        with zstandard.ZstdCompressor(write_content_size=False).stream_writer(out, closefd=False) as w:
            w.write(bomb)
        members = [("collection.anki21b", out.getvalue())]
    else:
        members = [("collection.anki21", bomb)]
    package = zip_of(members)
    assert len(package) < 1 << 20
    with pytest.raises(AnkiPackageError, match="larger than 1 MB"):
        read_package(package)


def test_a_zstd_frame_asking_for_a_huge_window_is_refused(tmp_path):
    # A 1 GiB window, and no content size that would let zstd use less.
    params = zstandard.ZstdCompressionParameters.from_level(3, window_log=30, write_content_size=False)
    out = io.BytesIO()
    with zstandard.ZstdCompressor(compression_params=params).stream_writer(out, closefd=False) as writer:
        writer.write(Col().sqlite(tmp_path / "c.db", 18))
    with pytest.raises(AnkiPackageError, match="'collection.anki21b' in the Anki package is damaged"):
        read_package(zip_of([("collection.anki21b", out.getvalue())]))


def test_a_media_list_naming_the_collection_gives_no_media(tmp_path):
    db = Col().sqlite(tmp_path / "c.db", 11)
    listed = json.dumps({"collection.anki21": "a.png", "media": "b.png", "9": "c.png"}).encode()
    assert read_package(zip_of([("collection.anki21", db), ("media", listed)])).media == {}


def test_a_zip_header_that_lies_about_a_size_is_caught(tmp_path):
    package = bytearray(legacy_package(tmp_path))
    # The central directory's uncompressed size of the collection: claim 100 bytes.
    at = package.find(b"PK\x01\x02")
    package[at + 24 : at + 28] = (100).to_bytes(4, "little")
    with pytest.raises(AnkiPackageError):
        read_package(bytes(package))


# --- nothing else escapes -----------------------------------------------------------------------


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.binary(max_size=2000))
def test_random_bytes_give_only_package_errors(data):
    with pytest.raises(AnkiPackageError):
        read_package(data)


@pytest.fixture(scope="module")
def valid_packages(tmp_path_factory) -> dict[str, tuple[bytes, bytes]]:
    """Per format: the package, and its collection's SQLite bytes."""
    found = {}
    for fmt, build in BUILDERS.items():
        path = tmp_path_factory.mktemp(fmt)
        found[fmt] = (build(path), Col().sqlite(path / "plain.db", 11 if fmt == "legacy" else 18))
    return found


def flipped(data: bytes, flips: list[tuple[int, int]]) -> bytes:
    out = bytearray(data)
    for position, value in flips:
        out[position % len(out)] = value
    return bytes(out)


FLIPS = st.lists(st.tuples(st.integers(min_value=0), st.integers(0, 255)), min_size=1, max_size=12)


@settings(max_examples=150, deadline=None)
@given(fmt=st.sampled_from(sorted(BUILDERS)), flips=FLIPS)
def test_a_damaged_package_gives_only_package_errors(valid_packages, fmt, flips):
    try:
        assert isinstance(read_package(flipped(valid_packages[fmt][0], flips)), AnkiPackage)
    except AnkiPackageError:
        pass


@settings(max_examples=200, deadline=None)
@given(fmt=st.sampled_from(sorted(BUILDERS)), flips=FLIPS)
def test_a_damaged_collection_gives_only_package_errors(valid_packages, fmt, flips):
    db = flipped(valid_packages[fmt][1], flips)
    name, data = ("collection.anki21b", zstd(db)) if fmt == "new" else ("collection.anki21", db)
    try:
        assert isinstance(read_package(zip_of([(name, data)])), AnkiPackage)
    except AnkiPackageError:
        pass


# --- what the real Anki and genanki write -------------------------------------------------------


@dataclass
class Studied:
    """A collection studied in the real Anki, its exports, and what it holds (read with Anki's own API)."""

    packages: dict[str, bytes]
    expected: AnkiPackage
    used_note_types: set[int]
    filtered_cards: int


def _study(col: Any, answers: Iterable[int]) -> None:
    for ease in answers:
        card = col.sched.getCard()
        assert card is not None
        col.sched.answerCard(card, ease)


@pytest.fixture(scope="module")
def studied(tmp_path_factory) -> Studied:
    from anki.collection import Collection, ExportAnkiPackageOptions

    base = tmp_path_factory.mktemp("anki")
    col = Collection(str(base / "collection.anki2"))
    try:
        top, sub = col.decks.id("Sprachen"), col.decks.id("Sprachen::Deutsch 德语")

        def add(kind: str, deck: int, tags: list[str], **fields: str) -> None:
            note = col.new_note(col.models.by_name(kind))
            for name, value in fields.items():
                note[name] = value
            note.tags = tags
            col.add_note(note, deck)

        add("Basic", top, ["grammar", "a::b"], Front="<b>der</b> Hund", Back='dog <img src="pic.png">')
        add("Basic (and reversed card)", sub, ["词汇"], Front="温故", Back="<i>review</i> &amp; learn")
        add("Cloze", sub, [], Text="{{c1::Berlin}} is the capital of {{c2::Germany}}", **{"Back Extra": "x"})
        add("Basic (type in the answer)", top, [], Front="2 + 2", Back="4")
        for i in range(6):
            add("Basic", top, [], Front=f"Frage {i}", Back=f"Antwort {i}")
        (base / "pic.png").write_bytes(PNG)
        assert col.media.add_file(str(base / "pic.png")) == "pic.png"

        col.decks.select(top)
        _study(col, (3, 1, 4, 3, 2, 3, 3, 4, 1))  # Good, Again, Easy …: learning, review cards, a revlog
        review = col.db.list("SELECT id FROM cards WHERE type = 2 ORDER BY id")
        assert review
        col.sched.set_due_date([review[0]], "0")
        card = col.get_card(review[0])
        card.start_timer()
        col.sched.answerCard(card, 1)  # a lapse: relearning
        new = col.db.list("SELECT id FROM cards WHERE queue = 0 ORDER BY id")
        col.sched.suspend_cards([new[-1]])
        filtered = col.decks.new_filtered("Filtered")
        deck = col.decks.get(filtered)
        deck["terms"] = [['deck:"Sprachen::Deutsch 德语"', 100, 0]]
        col.decks.save(deck)
        col.sched.rebuild_filtered_deck(filtered)
        filtered_cards = col.db.scalar("SELECT count() FROM cards WHERE odid != 0")

        packages = {}
        for legacy in (True, False):
            path = base / f"out-{legacy}.apkg"
            options = ExportAnkiPackageOptions(
                with_scheduling=True, with_deck_configs=False, with_media=True, legacy=legacy
            )
            col.export_anki_package(out_path=str(path), options=options, limit=None)
            packages["apkg legacy" if legacy else "apkg"] = path.read_bytes()
        for legacy in (True, False):
            path = base / f"out-{legacy}.colpkg"
            col.export_collection_package(out_path=str(path), include_media=True, legacy=legacy)
            col.reopen()  # the export closes the collection
            packages["colpkg legacy" if legacy else "colpkg"] = path.read_bytes()

        # What the collection holds, with its filtered deck emptied as Anki empties it.
        col.sched.empty_filtered_deck(filtered)
        expected = AnkiPackage(
            collection_created=col.db.scalar("SELECT crt FROM col"),
            decks={d.id: d.name for d in col.decks.all_names_and_ids()},
            note_types={
                m["id"]: AnkiNoteType(
                    m["id"],
                    m["name"],
                    m["type"] == 1,
                    tuple(f["name"] for f in m["flds"]),
                    tuple((t["qfmt"], t["afmt"]) for t in m["tmpls"]),
                )
                for m in col.models.all()
            },
            notes=[
                AnkiNote(nid, guid, mid, tuple(flds.split("\x1f")), tuple(col.tags.split(tags)), mod)
                for nid, guid, mid, mod, tags, flds in col.db.all(
                    "SELECT id, guid, mid, mod, tags, flds FROM notes ORDER BY id"
                )
            ],
            cards=[
                AnkiCard(*row)
                for row in col.db.all(
                    "SELECT id, nid, did, ord, type, queue, due, ivl, factor, reps, lapses"
                    " FROM cards ORDER BY id"
                )
            ],
            revlog=[
                AnkiRevlogEntry(*row)
                for row in col.db.all(
                    "SELECT id, cid, ease, ivl, lastIvl, factor, type FROM revlog ORDER BY id"
                )
            ],
            media={"pic.png": (Path(col.media.dir()) / "pic.png").read_bytes()},
        )
        used = set(col.db.list("SELECT DISTINCT mid FROM notes"))
    finally:
        col.close()
    return Studied(packages, expected, used, filtered_cards)


@pytest.mark.slow
def test_the_studied_collection_has_what_the_tests_need(studied):
    cards = studied.expected.cards
    assert {c.type for c in cards} == {0, 1, 2, 3}  # new, learning, review, relearning
    assert {-1, 0, 1, 2} <= {c.queue for c in cards}  # suspended, new, learning, review
    assert {e.ease for e in studied.expected.revlog} >= {1, 2, 3, 4}
    assert studied.filtered_cards > 0
    assert {"Sprachen::Deutsch 德语", "Filtered"} <= set(studied.expected.decks.values())
    kinds = {studied.expected.note_types[m].name for m in studied.used_note_types}
    assert kinds == {"Basic", "Basic (and reversed card)", "Cloze", "Basic (type in the answer)"}


@pytest.mark.slow
@pytest.mark.parametrize("fmt", ["apkg legacy", "apkg", "colpkg legacy", "colpkg"])
def test_a_real_anki_export_reads_as_the_collection_holds_it(studied, fmt):
    expected = studied.expected
    with zipfile.ZipFile(io.BytesIO(studied.packages[fmt])) as archive:
        assert ("collection.anki21" if "legacy" in fmt else "collection.anki21b") in archive.namelist()
    package = read_package(studied.packages[fmt])
    assert package.collection_created == expected.collection_created
    assert package.notes == expected.notes
    assert package.cards == expected.cards
    assert package.revlog == expected.revlog
    assert package.media == expected.media
    assert package.decks == expected.decks
    if fmt.startswith("colpkg"):  # the whole collection
        assert package.note_types == expected.note_types
    else:  # an .apkg holds the note types its notes use
        assert package.note_types == {m: expected.note_types[m] for m in studied.used_note_types}
    cloze = next(t for t in package.note_types.values() if t.name == "Cloze")
    assert cloze.is_cloze and cloze.fields == ("Text", "Back Extra")
    reversed_ = next(t for t in package.note_types.values() if t.name == "Basic (and reversed card)")
    assert not reversed_.is_cloze and [q for q, _ in reversed_.templates] == ["{{Front}}", "{{Back}}"]


@pytest.mark.slow
def test_a_genanki_package_reads_as_genanki_wrote_it(tmp_path):
    import genanki

    model = genanki.Model(
        1_607_392_319,
        "Wörter",
        fields=[{"name": "Wort"}, {"name": "Bedeutung"}, {"name": "Bild"}],
        templates=[
            {"name": "hin", "qfmt": "{{Wort}}", "afmt": "{{FrontSide}}<hr id=answer>{{Bedeutung}}"},
            {"name": "her", "qfmt": "{{Bedeutung}}", "afmt": "{{FrontSide}}<hr id=answer>{{Wort}}{{Bild}}"},
        ],
    )
    deck = genanki.Deck(2_059_400_110, "Sprachen::Wörter")
    notes = [
        genanki.Note(model=model, fields=["Hund", "dog", '<img src="hund.png">'], tags=["tier", "a::b"]),
        genanki.Note(model=model, fields=["Katze", "<b>cat</b>", ""], guid="katze-1"),
        genanki.Note(model=genanki.CLOZE_MODEL, fields=["{{c1::温}}故而知新", "Konfuzius"]),
    ]
    for note in notes:
        deck.add_note(note)
    image = tmp_path / "hund.png"
    image.write_bytes(PNG)
    package_path = tmp_path / "words.apkg"
    genanki.Package(deck, media_files=[str(image)]).write_to_file(str(package_path), timestamp=1_700_000_000)

    package = read_package(package_path.read_bytes())
    assert package.decks[deck.deck_id] == "Sprachen::Wörter"
    words = package.note_types[model.model_id]
    assert (words.name, words.is_cloze, words.fields) == ("Wörter", False, ("Wort", "Bedeutung", "Bild"))
    assert words.templates == tuple((t["qfmt"], t["afmt"]) for t in model.templates)
    assert package.note_types[genanki.CLOZE_MODEL.model_id].is_cloze
    assert [(n.guid, n.notetype_id, n.fields, n.tags) for n in package.notes] == [
        (n.guid, n.model.model_id, tuple(n.fields), tuple(n.tags)) for n in notes
    ]
    by_note = {n.id: n.guid for n in package.notes}
    assert sorted((by_note[c.note_id], c.ord, c.deck_id, c.type, c.queue) for c in package.cards) == sorted(
        [(notes[0].guid, 0, deck.deck_id, 0, 0), (notes[0].guid, 1, deck.deck_id, 0, 0)]
        + [("katze-1", 0, deck.deck_id, 0, 0), ("katze-1", 1, deck.deck_id, 0, 0)]
        + [(notes[2].guid, 0, deck.deck_id, 0, 0)]
    )
    assert package.revlog == [] and package.media == {"hund.png": PNG}
