"""Anki export of Wengu cards: ``ExportCard`` values in, an ``.apkg`` out.

A pure domain module: genanki, the standard library and ``quiz.render`` only.
It knows nothing of Flask or the database and never reads the clock; the
caller passes the export's timestamp.

Identity choices, all stable across exports so that re-importing a newer
package into Anki *updates* the notes it already holds instead of adding
duplicates:

* **Note GUID** -- ``genanki.guid_for(deck_slug, key)``.  Anki matches an
  imported note to an existing one by GUID alone, so the GUID must depend
  only on the card's identity (its notes file and its key within that file),
  never on its text, its kind or its position.  Editing a card keeps its GUID.
* **Note type ids** -- ``COMMAND_MODEL_ID`` and ``CONCEPT_MODEL_ID`` are fixed
  random constants (the genanki README way), and the template names are fixed
  too, so every export carries the same two note types.
* **Deck ids** -- derived from the deck name (SHA-256, see ``deck_id``), in
  ``[2**31, 2**31 + 2**52)``: positive, above genanki's suggested ``1 << 30``
  floor and below ``2**53`` so that the id survives a round trip through a
  JavaScript number in Anki's web views.  Anki maps imported decks to existing
  ones by name anyway; a stable id just keeps packages comparable.

Timestamp: ``write_package`` stores ``int(timestamp)`` -- whole seconds -- as
the ``mod`` of every note, card and note type, and numbers the notes and
cards from ``int(timestamp * 1000)`` on, exactly as
``genanki.Package.write_to_file`` does.  Anki's default ``.apkg`` import
(update notes "if newer") overwrites an existing note only when the package's
note ``mod`` is strictly greater than the collection's, comparing seconds.
Hence the caller must give each export a timestamp at least one whole second
later than the previous one (and than any edit made in Anki itself, which also
bumps the note's ``mod``); with an equal, or same-second, timestamp Anki keeps
its copy and counts the note as a duplicate.  Same cards and same timestamp
give the same notes, GUIDs and ids (the zip container's file dates aside).

Speed: genanki builds a ``Note`` and a ``Card`` object per card and inserts
them one ``execute`` at a time.  ``write_package`` lets genanki create the
collection (schema, ``col`` row, decks and note types) from decks that hold
no notes, then inserts the very rows genanki's ``Note.write_to_db`` and
``Card.write_to_db`` would write, in the same order and with the same ids,
with one ``executemany`` per table; ``build_package`` still makes the
genanki objects, and a test checks that both paths give identical tables.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import os
import re
import sqlite3
import tempfile
import unicodedata
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from html import escape

import genanki

from quiz.render import render_command, render_markdown

__all__ = [
    "COMMAND_MODEL_ID",
    "CONCEPT_MODEL_ID",
    "ExportCard",
    "build_package",
    "card_tags",
    "deck_id",
    "deck_name",
    "note_guid",
    "write_package",
]

COMMAND_MODEL_ID: int = 1915510181
CONCEPT_MODEL_ID: int = 1753894781

COMMAND_MODEL_NAME = "Wengu command"
CONCEPT_MODEL_NAME = "Wengu concept"
COMMAND_TEMPLATE_NAME = "Wengu command card"
CONCEPT_TEMPLATE_NAME = "Wengu concept card"

FALLBACK_DECK_NAME = "Wengu"
TOPIC_SEPARATOR = " › "

_DECK_ID_MIN = 1 << 31
_DECK_ID_SPAN = 1 << 52

_COLONS = re.compile(r":{2,}")
_WHITESPACE = re.compile(r"\s+")

_BASE_CSS = """\
.card {
  font-family: -apple-system, "Segoe UI", "PingFang SC", "Microsoft YaHei", sans-serif;
  font-size: 18px;
  line-height: 1.5;
  text-align: left;
  color: #1f2328;
  background-color: #ffffff;
  max-width: 46em;
  margin: 0 auto;
}
.nightMode.card, .night_mode .card { color: #e6edf3; background-color: #0d1117; }
.topic { font-size: 13px; color: #656d76; margin-bottom: 0.75em; }
code, pre {
  font-family: "SFMono-Regular", Menlo, Consolas, "Liberation Mono", monospace;
  font-size: 0.9em;
}
pre { padding: 0.75em 1em; overflow-x: auto; background: #f6f8fa; border-radius: 6px; }
.nightMode pre, .night_mode pre { background: #161b22; }
table { border-collapse: collapse; }
th, td { border: 1px solid #d0d7de; padding: 0.25em 0.6em; }
"""

_COMMAND_CSS = (
    _BASE_CSS
    + """\
pre.command {
  white-space: pre-wrap;
  word-break: break-all;
  background: #1f2328;
  color: #e6edf3;
}
pre.command code { font-family: "SFMono-Regular", Menlo, Consolas, "Liberation Mono", monospace; }
"""
)

_CONCEPT_CSS = _BASE_CSS


@dataclass(frozen=True)
class AnkiSchedule:
    """A seen card's scheduling as Anki stores it (``cards`` columns), for ``--with-schedule``.

    ``due_in_days`` is relative to the export's today (0: due today, negative: overdue); the writer
    turns it into Anki's day number for the package's collection, so that Anki's import, which shifts
    review days from the package's today to its own, keeps the card due on the same calendar day.
    """

    card_type: int  # Anki cards.type: 0 new, 1 learning, 2 review, 3 relearning
    queue: int  # Anki cards.queue: 0 new, 1 learning, 2 review, -1 suspended
    due_in_days: int
    interval_days: int  # cards.ivl
    factor: int  # cards.factor: the ease in permille (SM-2 ease 2.5 -> 2500)
    reps: int
    lapses: int


@dataclass(frozen=True)
class AnkiReview:
    """One review log entry as Anki's ``revlog`` row (without the card id, which the writer assigns)."""

    id_ms: int  # when, in milliseconds since the epoch: Anki's revlog id (unique per collection)
    ease: int  # 1 Again, 2 Hard, 3 Good, 4 Easy
    interval: int  # ivl after the review (days; negative: seconds)
    last_interval: int  # ivl before
    factor: int  # ease after, permille
    time_ms: int  # time taken; 0 when unknown
    review_type: int  # 0 learn, 1 review, 2 relearn, 3 filtered (cram)


@dataclass(frozen=True)
class ExportCard:
    """One card to export, with everything the export needs and nothing else."""

    key: str  # the card's stable identity within its deck (notes file)
    deck_slug: str  # stable identity of the notes file the card comes from (e.g. its file stem)
    kind: str  # "command" | "concept" | "cloze" | "qa"
    front: str  # Markdown
    back: str  # Markdown; for kind "command" the bare shell command (plain text, not Markdown)
    topic: tuple[str, ...]  # heading titles, outermost first; may be empty
    deck_title: str  # used as the Anki deck name for cards with an empty topic
    order: int = 0  # the card's place among the exported cards: a new card is Anki's "New #order"
    modified: int | None = None  # seconds since the epoch of the card's last change; None: the export's
    suspended: bool = False
    retired: bool = False  # gone from its note: exported suspended and tagged wengu::retired
    schedule: AnkiSchedule | None = None  # None: exported as a new card
    reviews: tuple[AnkiReview, ...] = ()  # the card's review history, oldest first (with the schedule)


@lru_cache(maxsize=4096)
def _clean_title(title: str) -> str:
    """One level of a deck or tag path: no control chars, no ``::``, trimmed.

    Control characters (including Anki's native deck separator ``\\x1f``)
    become spaces, whitespace runs collapse, runs of colons shrink to one and
    colons at either end go, so that joining levels with ``::`` can neither
    add a level nor shift text between levels.
    """
    chars = (" " if unicodedata.category(ch) == "Cc" else ch for ch in title)
    text = _WHITESPACE.sub(" ", "".join(chars))
    text = _COLONS.sub(":", text)
    return text.strip(" :")


def _clean_levels(titles: Iterable[str]) -> list[str]:
    return [level for level in (_clean_title(title) for title in titles) if level]


def deck_name(card: ExportCard) -> str:
    """The Anki deck of a card: its topic path joined with ``::``.

    Cards with an empty topic (or one that cleans to nothing) go to a deck
    named after ``deck_title``, and failing that to ``FALLBACK_DECK_NAME``.
    """
    levels = _clean_levels(card.topic)
    if levels:
        return "::".join(levels)
    return _clean_title(card.deck_title) or FALLBACK_DECK_NAME


def deck_id(name: str) -> int:
    """A stable deck id derived from the deck name, in ``[2**31, 2**31 + 2**52)``."""
    digest = hashlib.sha256(name.encode("utf-8")).digest()
    return _DECK_ID_MIN + int.from_bytes(digest[:8], "big") % _DECK_ID_SPAN


def note_guid(card: ExportCard) -> str:
    """The note GUID: depends only on the card's notes file and key."""
    guid: str = genanki.guid_for(card.deck_slug, card.key)
    return guid


def _clean_tag_level(title: str) -> str:
    # Anki splits tags on whitespace (ASCII and ideographic) and rejects '"'.
    return _WHITESPACE.sub("_", _clean_title(title).replace('"', ""))


def card_tags(card: ExportCard) -> list[str]:
    """The topic path as one hierarchical Anki tag (``a::b``); no tag for an empty topic."""
    levels = [level for level in (_clean_tag_level(title) for title in card.topic) if level]
    return ["::".join(levels)] if levels else []


def _command_model() -> genanki.Model:
    return genanki.Model(
        COMMAND_MODEL_ID,
        COMMAND_MODEL_NAME,
        fields=[{"name": "Description"}, {"name": "Command"}, {"name": "Topic"}],
        templates=[
            {
                "name": COMMAND_TEMPLATE_NAME,
                "qfmt": (
                    '{{#Topic}}<div class="topic">{{Topic}}</div>{{/Topic}}\n'
                    '<div class="description">{{Description}}</div>'
                ),
                "afmt": '{{FrontSide}}\n<hr id="answer">\n<div class="answer">{{Command}}</div>',
            }
        ],
        css=_COMMAND_CSS,
    )


def _concept_model() -> genanki.Model:
    return genanki.Model(
        CONCEPT_MODEL_ID,
        CONCEPT_MODEL_NAME,
        fields=[{"name": "Front"}, {"name": "Back"}, {"name": "Topic"}],
        templates=[
            {
                "name": CONCEPT_TEMPLATE_NAME,
                "qfmt": (
                    '{{#Topic}}<div class="topic">{{Topic}}</div>{{/Topic}}\n'
                    '<div class="front">{{Front}}</div>'
                ),
                "afmt": '{{FrontSide}}\n<hr id="answer">\n<div class="answer">{{Back}}</div>',
            }
        ],
        css=_CONCEPT_CSS,
    )


# One note ready to write: (guid, is command?, rendered fields, tags).
_Note = tuple[str, bool, list[str], tuple[str, ...]]


@lru_cache(maxsize=4096)
def _placement(topic: tuple[str, ...], deck_title: str) -> tuple[str, tuple[str, ...], str]:
    """Deck name, tags and Topic field of the cards with this topic and deck title."""
    card = ExportCard("", "", "", "", "", topic, deck_title)
    tags = tuple(card_tags(card))
    for tag in tags:
        if " " in tag:  # genanki's _TagList check, done here once per topic
            raise ValueError(f'Tag "{tag}" contains a space; this is not allowed!')
    topic_field = escape(TOPIC_SEPARATOR.join(_clean_levels(topic)))
    return deck_name(card), tags, topic_field


def _fields(card: ExportCard, topic_field: str) -> tuple[bool, list[str]]:
    """Whether the card is a command card, and its three rendered note fields."""
    if card.kind == "command":
        return True, [render_markdown(card.front), render_command(card.back), topic_field]
    # "concept", and for now "cloze" and "qa" too
    return False, [render_markdown(card.front), render_markdown(card.back), topic_field]


def _with_parents(name: str) -> list[str]:
    levels = name.split("::")
    return ["::".join(levels[: depth + 1]) for depth in range(len(levels))]


def _layout(
    cards: Iterable[ExportCard],
) -> tuple[dict[str, genanki.Deck], dict[str, list[_Note]]]:
    """Decks (with parents) in order of first appearance, and each deck's notes in card order.

    A note is ``(guid, is_command, fields, tags)``.  Raises ``ValueError`` on a shared GUID.
    """
    decks: dict[str, genanki.Deck] = {}
    notes: dict[str, list[_Note]] = {}
    seen: dict[str, ExportCard] = {}
    for card in cards:
        guid = note_guid(card)
        if guid in seen:
            first = seen[guid]
            raise ValueError(
                f"two cards share the note GUID {guid!r}: "
                f"{first.deck_slug!r}/{first.key!r} and {card.deck_slug!r}/{card.key!r}"
            )
        seen[guid] = card
        name, tags, topic_field = _placement(tuple(card.topic), card.deck_title)
        deck_notes = notes.get(name)
        if deck_notes is None:
            for level in _with_parents(name):
                if level not in decks:
                    decks[level] = genanki.Deck(deck_id(level), level)
            deck_notes = notes[name] = []
        is_command, fields = _fields(card, topic_field)
        deck_notes.append((guid, is_command, fields, tags))
    return decks, notes


def build_package(cards: Iterable[ExportCard]) -> genanki.Package:
    """One note per card, in one deck per topic path (parent decks included, empty).

    Decks come in order of first appearance, notes in card order, so the same
    cards always give the same package.  Raises ``ValueError`` when two cards
    share a GUID (same ``deck_slug`` and ``key``): Anki would merge them.
    """
    command_model = _command_model()
    concept_model = _concept_model()
    decks, notes = _layout(cards)
    for name, deck_notes in notes.items():
        for guid, is_command, fields, tags in deck_notes:
            model = command_model if is_command else concept_model
            decks[name].add_note(genanki.Note(model=model, fields=fields, tags=tags, guid=guid))
    return genanki.Package(list(decks.values()))


def _card_ords(model: genanki.Model) -> list[tuple[int, bool, list[int]]]:
    """``model._req`` as (card ord, needs all the fields?, field ords): which cards genanki gives a note."""
    if model.model_type != model.FRONT_BACK:
        raise ValueError("only front/back note types are written directly")
    return [(card_ord, how == "all", required) for card_ord, how, required in model._req]


def _write_collection(
    db_path: str,
    decks: dict[str, genanki.Deck],
    notes: dict[str, list[_Note]],
    timestamp: float,
) -> None:
    """The collection genanki's ``Package.write_to_db`` writes for these decks and notes.

    genanki writes the schema, the ``col`` row and, per deck, the deck and the
    note types its notes use; then each note, followed by its cards, taking ids
    from one counter.  Here genanki does the first part with decks that know
    their note types but hold no notes, and the note and card rows -- the same
    values ``Note.write_to_db`` and ``Card.write_to_db`` give -- go in with one
    ``executemany`` per table.
    """
    command_model = _command_model()
    concept_model = _concept_model()
    by_kind = {
        True: (command_model, _card_ords(command_model)),
        False: (concept_model, _card_ords(concept_model)),
    }
    invalid_html = genanki.Note._INVALID_HTML_TAG_RE
    mod = int(timestamp)
    ids = itertools.count(int(timestamp * 1000))
    note_rows: list[tuple[object, ...]] = []
    card_rows: list[tuple[object, ...]] = []
    for name, deck in decks.items():  # genanki's order: deck by deck, each note followed by its cards
        did = deck.deck_id
        for guid, is_command, fields, tags in notes.get(name, ()):
            model, card_ords = by_kind[is_command]
            if model.model_id not in deck.models:
                deck.add_model(model)
            flds = "\x1f".join(fields)
            # A field with an invalid tag makes the joined fields match too; genanki's own check then warns.
            if invalid_html.search(flds):
                genanki.Note(model=model, fields=fields)._check_invalid_html_tags_in_fields()
            note_id = next(ids)
            note_rows.append(
                (
                    note_id,
                    guid,
                    model.model_id,
                    mod,
                    -1,
                    f" {' '.join(tags)} ",
                    flds,
                    fields[model.sort_field_index],
                    0,
                    0,
                    "",
                )
            )
            for card_ord, needs_all, required in card_ords:
                present = (fields[i] for i in required)
                if all(present) if needs_all else any(present):
                    card_rows.append(
                        (next(ids), note_id, did, card_ord, mod, -1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, "")
                    )
    conn = sqlite3.connect(db_path)
    try:
        cursor = conn.cursor()
        # A scratch file, zipped once closed: no need to wait for the disk at each commit.
        cursor.execute("PRAGMA synchronous = OFF")
        genanki.Package(list(decks.values())).write_to_db(cursor, timestamp, ids)
        cursor.executemany("INSERT INTO notes VALUES(?,?,?,?,?,?,?,?,?,?,?);", note_rows)
        cursor.executemany("INSERT INTO cards VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?);", card_rows)
        conn.commit()
    finally:
        conn.close()


def write_package(cards: Iterable[ExportCard], path: str | os.PathLike[str], timestamp: float) -> int:
    """Write the cards as an ``.apkg`` at ``path``; return the number of notes written.

    ``timestamp`` (seconds since the epoch) becomes every note's modification
    time, truncated to whole seconds: Anki's default import updates a note it
    already holds only when this is strictly newer, so each export must use a
    timestamp at least one second later than the one before.
    """
    decks, notes = _layout(cards)
    with tempfile.TemporaryDirectory() as tmp:
        collection = os.path.join(tmp, "collection.anki2")
        _write_collection(collection, decks, notes, timestamp)
        # genanki stores the collection uncompressed; Anki's own packages are deflated, several times smaller.
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as out:
            out.write(collection, "collection.anki2")
            out.writestr("media", json.dumps({}))
    return sum(len(deck_notes) for deck_notes in notes.values())
