"""Anki export of Wengu cards: ``ExportCard`` values in, an ``.apkg`` out.

A pure domain module: genanki, the standard library and ``quiz.render`` only.
It knows nothing of Flask or the database and never reads the clock; the
caller passes the export's timestamp (and the hour its study day starts).
What Anki does with each choice below was checked with the ``anki`` library
(tests/test_export_anki.py).

Notes.  A command card is a "Wengu command" note, a concept card (and a lone
Q:A card) a "Wengu concept" note.  The cloze cards of one sentence (same deck
slug, topic and back, the back being the whole sentence) are ONE "Wengu cloze"
note (Anki's cloze kind): ``cloze_source`` rebuilds ``{{c1::answer::hint}}``
from the cards' fronts, card *i* of the sentence (in card order) being
``c{i+1}`` and Anki's card ord *i*; a sentence it cannot rebuild exactly
(fronts that do not align, overlapping blanks, ``::`` or braces in an answer)
stays one concept note per card.  The two directions of a ``Q:::A`` card (two
Q:A cards of one deck and topic with front and back swapped) are ONE "Wengu
reversed" note with two templates, front->back (ord 0, the first card) and
back->front (ord 1).  Each Anki card carries its own Wengu card's state.
Retired cards are never grouped: each is its own note, tagged
``wengu::retired``.

Identity, stable across exports so that re-importing a newer package into
Anki *updates* the notes it already holds instead of adding duplicates:

* **Note GUID** -- ``genanki.guid_for(deck_slug, key)`` for a one-card note;
  it depends only on the card's notes file and key, never on its text, kind or
  position.  A grouped note's GUID is ``guid_for("wengu-cloze" or
  "wengu-reversed", deck_slug, key of its first card)``: a namespace of its
  own, because Anki skips (logs as "conflicting") a note whose GUID it already
  holds with another note type, and earlier exports wrote these cards as
  one-card concept notes under the plain GUIDs.  So that those old notes can go,
  ``legacy_guids`` (default on) also writes each grouped card's old one-card
  note -- plain GUID, concept type, the export's timestamp as its ``mod`` so
  that it updates the copy Anki holds -- tagged ``wengu::retired`` and
  suspended: one search (``tag:wengu::retired``) finds them.  Anki adds them
  again on the next import once deleted; a caller whose user never had such
  notes passes ``legacy_guids=False``.
* **Note type ids** -- ``COMMAND_MODEL_ID``, ``CONCEPT_MODEL_ID``,
  ``CLOZE_MODEL_ID`` and ``REVERSED_MODEL_ID`` are fixed random constants, and
  field and template names never change (Anki forks a note type whose field or
  template names differ), so existing notes keep their note type.
* **Deck ids** -- derived from the deck name (SHA-256, see ``deck_id``), in
  ``[2**31, 2**31 + 2**52)``: positive, above genanki's suggested ``1 << 30``
  floor and below ``2**53`` so that the id survives a round trip through a
  JavaScript number in Anki's web views.  Anki maps imported decks to existing
  ones by name anyway; a stable id just keeps packages comparable.

Command cards ask to type the command (``{{type:Command}}``; ``typed_commands=False``
for the plain card): the Command field is the command as plain text,
HTML-escaped, which is what Anki compares the typed answer with; the template
shows it in a code block.

Modification times.  Anki's default import (update notes "if newer") replaces
a note it holds only when the package's note ``mod`` is strictly greater, in
whole seconds; the same rule, on the note type's ``mod``, holds for note types.
A note's ``mod`` is its cards' last change in Wengu (``ExportCard.modified``,
the latest over a grouped note's cards; the export's timestamp when one is
unknown), and so is each card's: an unchanged card's note is reported as a
duplicate and left alone -- with an edit made to it in Anki -- and only the
changed ones are updated.  The note types' ``mod`` is the export's timestamp,
so every export's templates replace the ones Anki has (Anki keeps the
package's ``mod``; a fixed per-version one could not switch ``typed_commands``
back and forth); templates edited in Anki survive an import with "update note
types: never".  Notes and cards are numbered from ``int(timestamp * 1000)`` on,
exactly as ``genanki.Package.write_to_file`` does; same cards and timestamp
give the same package (the zip container's file dates aside).

Card state.  A suspended or retired card has queue -1, and a new card's
``due`` is its ``order``: Anki keeps a new card's ``due`` on import, so it
shows "New #1, #2..." in note order.  Anki's import keeps the queue (so the
suspension) and the schedule only with "Import any learning progress"
(``with_scheduling``); without it every card arrives new and active (new cards
keep their order, scheduled ones get places of Anki's choosing).  A card with
``schedule`` gets Anki's type, queue, interval, factor, repetitions and
lapses, and ``due`` = ``PACKAGE_TODAY`` (0) ``+ due_in_days``
(in seconds from the export's timestamp for a card in intraday learning).
Anki's import moves a review day from the package's day numbers to its own by
the number of days between the two collections' days 0, counting from the
*local calendar date* of the package's ``crt``, days turning at the package's
``rollover`` hour (measured).  The package's ``crt`` is therefore the export's
timestamp less ``day_start_hour`` hours and its ``rollover`` ``day_start_hour``:
that date is the export's study day in every time zone, so, imported the same
study day, a card due in *n* days is due ``col.sched.today + n`` in Anki, and
later on the same calendar day.  Each review becomes a ``revlog`` row of its
Anki card (an id already taken moves on by a millisecond).

Media: ``media`` (file name -> bytes) goes into the zip as ``0``, ``1``... with
the ``media`` JSON naming them; fields refer to files by name.  Anki keeps only
the files the imported notes refer to.

Speed: genanki builds a ``Note`` and a ``Card`` object per card and inserts
them one ``execute`` at a time.  ``write_package`` lets genanki create the
collection (schema, ``col`` row, decks and note types) from decks that hold
no notes, then inserts the rows -- those ``build_package``'s genanki objects
write one by one, in the same order and with the same ids -- with one
``executemany`` per table; a test checks that both paths give identical tables.
"""

from __future__ import annotations

import gc
import hashlib
import itertools
import json
import os
import re
import sqlite3
import tempfile
import unicodedata
import zipfile
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache
from html import escape
from typing import NamedTuple

import genanki

from quiz.render import render_markdown

__all__ = [
    "CLOZE_MODEL_ID",
    "COMMAND_MODEL_ID",
    "CONCEPT_MODEL_ID",
    "PACKAGE_TODAY",
    "RETIRED_TAG",
    "REVERSED_MODEL_ID",
    "AnkiReview",
    "AnkiSchedule",
    "ExportCard",
    "build_package",
    "card_tags",
    "cloze_source",
    "deck_id",
    "deck_name",
    "note_guid",
    "write_package",
]

COMMAND_MODEL_ID: int = 1915510181
CONCEPT_MODEL_ID: int = 1753894781
REVERSED_MODEL_ID: int = 1079752808
CLOZE_MODEL_ID: int = 2077781862

COMMAND_MODEL_NAME = "Wengu command"
CONCEPT_MODEL_NAME = "Wengu concept"
COMMAND_TEMPLATE_NAME = "Wengu command card"
CONCEPT_TEMPLATE_NAME = "Wengu concept card"
REVERSED_MODEL_NAME = "Wengu reversed"
REVERSED_TEMPLATE_NAMES = ("Wengu front to back", "Wengu back to front")
CLOZE_MODEL_NAME = "Wengu cloze"
CLOZE_TEMPLATE_NAME = "Wengu cloze card"

RETIRED_TAG = "wengu::retired"
# The package's day number of the export's study day (its collection's crt is that day's start).
PACKAGE_TODAY = 0

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

_CLOZE_CSS = (
    _BASE_CSS
    + """\
.cloze { font-weight: bold; color: #0969da; }
.nightMode .cloze, .night_mode .cloze { color: #58a6ff; }
"""
)


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


_TAG_UNSAFE = re.compile(r"[<>&]")


def _clean_tag_level(title: str) -> str:
    # Anki splits tags on whitespace (ASCII and ideographic) and rejects '"'; '<', '>' and '&' would
    # show as HTML entities (or markup) in Anki's browser, so they count as spaces.
    return _WHITESPACE.sub("_", _TAG_UNSAFE.sub(" ", _clean_title(title).replace('"', "")).strip())


def card_tags(card: ExportCard) -> list[str]:
    """The topic path as one hierarchical Anki tag (``a::b``), plus ``wengu::retired`` for a retired card."""
    levels = [level for level in (_clean_tag_level(title) for title in card.topic) if level]
    tags = ["::".join(levels)] if levels else []
    if card.retired:
        tags.append(RETIRED_TAG)
    return tags


def _grouped_guid(kind: str, card: ExportCard) -> str:
    """A grouped note's GUID: its first card's identity, in a namespace of its own (see the module notes)."""
    guid: str = genanki.guid_for(f"wengu-{kind}", card.deck_slug, card.key)
    return guid


# ---------------------------------------------------------------- note types

_TOPIC_LINE = '{{#Topic}}<div class="topic">{{Topic}}</div>{{/Topic}}\n'
_COMMAND_BLOCK = '<pre class="command"><code>{{Command}}</code></pre>'


def _command_model(typed: bool = True) -> genanki.Model:
    """The command note type; ``typed``: the card asks to type the command (``{{type:Command}}``).

    The Command field is the command as plain text (HTML-escaped): Anki compares the typed answer
    with the field's text, and the template, not the field, shows it as a code block.  Both
    variants have the same id, fields and template name, so a package with the other one only
    changes the template of the note type the notes already have.
    """
    question = _TOPIC_LINE + '<div class="description">{{Description}}</div>'
    answer_block = f'<hr id="answer">\n<div class="answer">{_COMMAND_BLOCK}</div>'
    if typed:
        qfmt = question + "\n{{type:Command}}"
        afmt = question + "\n" + answer_block + "\n{{type:Command}}"
    else:
        qfmt = question
        afmt = "{{FrontSide}}\n" + answer_block
    return genanki.Model(
        COMMAND_MODEL_ID,
        COMMAND_MODEL_NAME,
        fields=[{"name": "Description"}, {"name": "Command"}, {"name": "Topic"}],
        templates=[{"name": COMMAND_TEMPLATE_NAME, "qfmt": qfmt, "afmt": afmt}],
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
                "qfmt": _TOPIC_LINE + '<div class="front">{{Front}}</div>',
                "afmt": '{{FrontSide}}\n<hr id="answer">\n<div class="answer">{{Back}}</div>',
            }
        ],
        css=_CONCEPT_CSS,
    )


def _reversed_model() -> genanki.Model:
    return genanki.Model(
        REVERSED_MODEL_ID,
        REVERSED_MODEL_NAME,
        fields=[{"name": "Front"}, {"name": "Back"}, {"name": "Topic"}],
        templates=[
            {
                "name": REVERSED_TEMPLATE_NAMES[0],
                "qfmt": _TOPIC_LINE + '<div class="front">{{Front}}</div>',
                "afmt": '{{FrontSide}}\n<hr id="answer">\n<div class="answer">{{Back}}</div>',
            },
            {
                "name": REVERSED_TEMPLATE_NAMES[1],
                "qfmt": _TOPIC_LINE + '<div class="front">{{Back}}</div>',
                "afmt": '{{FrontSide}}\n<hr id="answer">\n<div class="answer">{{Front}}</div>',
            },
        ],
        css=_CONCEPT_CSS,
    )


def _cloze_model() -> genanki.Model:
    return genanki.Model(
        CLOZE_MODEL_ID,
        CLOZE_MODEL_NAME,
        fields=[{"name": "Text"}, {"name": "Topic"}],
        templates=[
            {
                "name": CLOZE_TEMPLATE_NAME,
                "qfmt": _TOPIC_LINE + '<div class="front">{{cloze:Text}}</div>',
                "afmt": _TOPIC_LINE + '<div class="front">{{cloze:Text}}</div>',
            }
        ],
        css=_CLOZE_CSS,
        model_type=genanki.Model.CLOZE,
    )


def _models(typed_commands: bool) -> dict[str, genanki.Model]:
    return {
        "command": _command_model(typed_commands),
        "concept": _concept_model(),
        "reversed": _reversed_model(),
        "cloze": _cloze_model(),
    }


# ---------------------------------------------------------------- clozes

# A blank on a cloze card's front: ``[...]``, or ``[hint]`` when the cloze has a hint.
_BLANK = re.compile(r"\[([^\[\]\n]*)\]")
_NO_HINT = "..."


def _blanks(sentence: str, front: str) -> list[tuple[int, int, str]] | None:
    """Where ``front`` has blanks in ``sentence``: ``(start, end, hint)`` each, or None if they do not align.

    The text between blanks must be the sentence's text; a blank's answer runs up to the next
    occurrence of the text that follows it (the end of the sentence for the last blank).  A
    bracketed stretch the sentence has at that very place (a Markdown link's text) is text, not
    a blank.  Two blanks side by side cannot be told apart: None.
    """
    spans: list[tuple[int, int, str]] = []
    pos = 0
    fpos = 0
    pending: tuple[int, str] | None = None
    for match in _BLANK.finditer(front):
        literal = front[fpos : match.start()]
        if pending is None:
            if not sentence.startswith(literal, pos):
                return None
            pos += len(literal)
        else:
            if not literal:
                return None
            end = sentence.find(literal, pos + 1)
            if end < 0:
                return None
            spans.append((pending[0], end, pending[1]))
            pos = end + len(literal)
            pending = None
        fpos = match.end()
        if sentence.startswith(match.group(), pos):
            pos += len(match.group())
            continue
        hint = match.group(1)
        pending = (pos, "" if hint == _NO_HINT else hint)
    tail = front[fpos:]
    if pending is None:
        if sentence[pos:] != tail:
            return None
    else:
        end = len(sentence) - len(tail)
        if end <= pending[0] or not sentence.endswith(tail):
            return None
        spans.append((pending[0], end, pending[1]))
    return spans or None


def _cloze_safe(text: str) -> bool:
    # Anki reads "::" as the start of a hint and "}}" as the end of the cloze; no escape exists.
    return "::" not in text and "{" not in text and "}" not in text and not text.startswith(":")


def cloze_source(sentence: str, fronts: list[str]) -> str | None:
    """The sentence in Anki's cloze syntax, card ``i`` of ``fronts`` being ``c{i+1}``; None if impossible.

    ``sentence`` is the cards' common back (the whole sentence, Markdown) and each front the
    sentence with that card's answers blanked (``[...]`` or ``[hint]``).  Returns the Markdown
    with ``{{cN::answer}}`` / ``{{cN::answer::hint}}`` in place, checked by blanking it again for
    every card.  None when a front does not align with the sentence, blanks of two cards overlap,
    a card has no blank, or an answer or hint holds what Anki's cloze syntax cannot carry.
    """
    if not fronts or "{{" in sentence or "}}" in sentence:
        return None
    spans: list[tuple[int, int, int, str]] = []
    for number, front in enumerate(fronts, 1):
        found = _blanks(sentence, front)
        if found is None:
            return None
        spans.extend((start, end, number, hint) for start, end, hint in found)
    spans.sort()
    for (_, end, _, _), (start, _, _, _) in itertools.pairwise(spans):
        if start < end:
            return None
    out: list[str] = []
    pos = 0
    for start, end, number, hint in spans:
        answer = sentence[start:end]
        if not _cloze_safe(answer) or answer.endswith(":") or (hint and not _cloze_safe(hint)):
            return None
        out.append(sentence[pos:start])
        out.append(f"{{{{c{number}::{answer}::{hint}}}}}" if hint else f"{{{{c{number}::{answer}}}}}")
        pos = end
    out.append(sentence[pos:])
    for number, front in enumerate(fronts, 1):
        pieces: list[str] = []
        pos = 0
        for start, end, owner, hint in spans:
            pieces.append(sentence[pos:start])
            pieces.append(f"[{hint or _NO_HINT}]" if owner == number else sentence[start:end])
            pos = end
        pieces.append(sentence[pos:])
        if "".join(pieces) != front:
            return None
    return "".join(out)


# ---------------------------------------------------------------- the notes to write


class _Note(NamedTuple):
    """One note ready to write."""

    guid: str
    kind: str  # the note type: "command" | "concept" | "reversed" | "cloze"
    fields: list[str]
    tags: tuple[str, ...]
    mod: int | None  # None: the export's timestamp
    cards: tuple[tuple[int, ExportCard], ...]  # (card ord, its Wengu card) for every card it may have
    leftover: bool  # an old one-card note of a now grouped card: every card suspended, no schedule


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


def _mod(card: ExportCard) -> int | None:
    return None if card.modified is None else int(card.modified)


def _group_mod(cards: Iterable[ExportCard]) -> int | None:
    """The latest change of a grouped note's cards; None (the export's timestamp) if one is unknown."""
    mods = [_mod(card) for card in cards]
    return None if None in mods else max(m for m in mods if m is not None)


def _single(card: ExportCard, tags: tuple[str, ...], topic_field: str) -> _Note:
    """A card as a note of its own: a command note, or a concept note (concepts, lone Q:A cards, clozes)."""
    if card.retired:
        tags = (*tags, RETIRED_TAG)
    if card.kind == "command":
        fields = [render_markdown(card.front), escape(card.back, quote=False), topic_field]
        kind = "command"
    else:
        fields = [render_markdown(card.front), render_markdown(card.back), topic_field]
        kind = "concept"
    modified = card.modified
    return _Note(
        note_guid(card), kind, fields, tags, None if modified is None else int(modified), ((0, card),), False
    )


def _leftover(card: ExportCard, tags: tuple[str, ...], topic_field: str) -> _Note:
    fields = [render_markdown(card.front), render_markdown(card.back), topic_field]
    return _Note(note_guid(card), "concept", fields, (*tags, RETIRED_TAG), None, ((0, card),), True)


def _groups(cards: list[ExportCard]) -> dict[int, list[int]]:
    """Cloze cards of one sentence, and the two directions of a ``:::`` card: first card's index -> members.

    A cloze sentence is its cards' deck, topic and back (the whole sentence); the two directions
    are two Q:A cards of one deck and topic with front and back swapped.  Retired cards stay alone.
    Raises ``ValueError`` when two cards share a deck slug and key.
    """
    seen: dict[tuple[str, str], ExportCard] = {}
    groups: dict[int, list[int]] = {}
    sentences: dict[tuple[str, tuple[str, ...], str], int] = {}
    waiting: dict[tuple[str, tuple[str, ...], str, str], list[int]] = {}
    for index, card in enumerate(cards):
        first = seen.setdefault((card.deck_slug, card.key), card)
        if first is not card:
            raise ValueError(
                f"two cards share the note GUID {note_guid(card)!r}: "
                f"{first.deck_slug!r}/{first.key!r} and {card.deck_slug!r}/{card.key!r}"
            )
        kind = card.kind
        if kind == "cloze" and not card.retired:
            leader = sentences.setdefault((card.deck_slug, card.topic, card.back), index)
            groups.setdefault(leader, []).append(index)
        elif kind == "qa" and not card.retired:
            partners = waiting.get((card.deck_slug, card.topic, card.back, card.front))
            if partners:
                leader = partners.pop(0)
                groups[leader] = [leader, index]
            else:
                waiting.setdefault((card.deck_slug, card.topic, card.front, card.back), []).append(index)
    return groups


def _with_parents(name: str) -> list[str]:
    levels = name.split("::")
    return ["::".join(levels[: depth + 1]) for depth in range(len(levels))]


def _layout(
    cards: Iterable[ExportCard], legacy_guids: bool
) -> tuple[dict[str, genanki.Deck], dict[str, list[_Note]]]:
    """Decks (with parents) in order of first appearance, and each deck's notes in card order.

    A grouped note comes at its first card's place (with its cards' old one-card notes after it
    when ``legacy_guids``).  Raises ``ValueError`` when two cards share a deck slug and key.
    """
    cards = list(cards)
    groups = _groups(cards)
    grouped = {index for members in groups.values() for index in members[1:]}
    decks: dict[str, genanki.Deck] = {}
    notes: dict[str, list[_Note]] = {}
    for index, card in enumerate(cards):
        if index in grouped:
            continue
        name, tags, topic_field = _placement(card.topic, card.deck_title)
        deck_notes = notes.get(name)
        if deck_notes is None:
            for level in _with_parents(name):
                if level not in decks:
                    decks[level] = genanki.Deck(deck_id(level), level)
            deck_notes = notes[name] = []
        group = groups.get(index)
        if group is None:  # most cards: a note of their own
            deck_notes.append(_single(card, tags, topic_field))
            continue
        members = [cards[i] for i in group]
        note = None
        if card.kind == "cloze" and members:
            source = cloze_source(card.back, [member.front for member in members])
            if source is not None:
                note = _Note(
                    _grouped_guid("cloze", card),
                    "cloze",
                    [render_markdown(source), topic_field],
                    tags,
                    _group_mod(members),
                    tuple(enumerate(members)),
                    False,
                )
        elif card.kind == "qa" and members:
            fields = [render_markdown(card.front), render_markdown(card.back), topic_field]
            note = _Note(
                _grouped_guid("reversed", card),
                "reversed",
                fields,
                tags,
                _group_mod(members),
                tuple(enumerate(members)),
                False,
            )
        if note is None:
            deck_notes.extend(_single(member, tags, topic_field) for member in members)
        else:
            deck_notes.append(note)
            if legacy_guids:
                deck_notes.extend(_leftover(member, tags, topic_field) for member in members)
    return decks, notes


# ---------------------------------------------------------------- rows


def _card_ords(model: genanki.Model) -> list[tuple[int, bool, list[int]]]:
    """``model._req`` as (card ord, needs all the fields?, field ords): which cards genanki gives a note."""
    return [(card_ord, how == "all", required) for card_ord, how, required in model._req]


def _present(
    note: _Note, requirements: dict[int, tuple[bool, list[int]]] | None
) -> list[tuple[int, ExportCard]]:
    """The note's cards that Anki (and genanki) create: a front/back card needs its template's fields."""
    if requirements is None:  # cloze: one card per cloze number, all present
        return list(note.cards)
    present = []
    for card_ord, card in note.cards:
        needs_all, required = requirements[card_ord]
        values = (note.fields[i] for i in required)
        if all(values) if needs_all else any(values):
            present.append((card_ord, card))
    return present


def _scheduled_due(schedule: AnkiSchedule, stamp: int) -> int:
    """Anki's ``due`` of a seen card: a day number of the package (today is day 0), or, for a card in
    intraday (re)learning, a time in seconds."""
    if schedule.card_type in (1, 3) and schedule.queue != 3:
        return stamp + schedule.due_in_days * 86_400
    return PACKAGE_TODAY + schedule.due_in_days


def _card_row(
    card_id: int, note_id: int, did: int, card_ord: int, card: ExportCard, leftover: bool, stamp: int
) -> tuple[object, ...]:
    """The ``cards`` row of one Anki card (the values genanki's ``Card.write_to_db`` has, and the state)."""
    mod = stamp if card.modified is None else int(card.modified)
    hidden = leftover or card.suspended or card.retired
    schedule = None if leftover else card.schedule
    if schedule is None or schedule.card_type == 0:
        return (
            card_id,
            note_id,
            did,
            card_ord,
            mod,
            -1,
            0,
            -1 if hidden else 0,
            card.order,
            0,
            0,
            0,
            0,
            0,
            0,
            0,
            0,
            "",
        )
    return (
        card_id,
        note_id,
        did,
        card_ord,
        mod,
        -1,
        schedule.card_type,
        -1 if hidden else schedule.queue,
        _scheduled_due(schedule, stamp),
        schedule.interval_days,
        schedule.factor,
        schedule.reps,
        schedule.lapses,
        0,
        0,
        0,
        0,
        "",
    )


class _Revlog:
    """Review log rows, each id unique in the package: a colliding id moves on by a millisecond."""

    def __init__(self) -> None:
        self.rows: list[tuple[object, ...]] = []
        self._ids: set[int] = set()

    def add(self, card_id: int, card: ExportCard) -> None:
        ids = self._ids
        for review in card.reviews:
            revlog_id = review.id_ms
            while revlog_id in ids:
                revlog_id += 1
            ids.add(revlog_id)
            self.rows.append(
                (
                    revlog_id,
                    card_id,
                    -1,
                    review.ease,
                    review.interval,
                    review.last_interval,
                    review.factor,
                    review.time_ms,
                    review.review_type,
                )
            )


def _stamp_collection(cursor: sqlite3.Cursor, timestamp: float, day_start_hour: int) -> None:
    """The package's day 0 is the export's day: ``crt`` is the export time less the day-start hour.

    Anki's import counts the package's days from the local calendar date of ``crt``, the day
    turning at the package's ``rollover`` hour; with ``crt = timestamp - day_start_hour h`` that
    date is the export's study day in every time zone, so day ``PACKAGE_TODAY + n`` becomes the
    importing collection's today ``+ n`` on the day of the export (and keeps its calendar day later).
    """
    (conf_json,) = cursor.execute("SELECT conf FROM col").fetchone()
    conf = json.loads(conf_json)
    conf["rollover"] = day_start_hour
    crt = int(timestamp) - day_start_hour * 3600 - PACKAGE_TODAY * 86_400
    cursor.execute("UPDATE col SET crt = ?, conf = ?", (crt, json.dumps(conf)))


# ---------------------------------------------------------------- the genanki object path


class _GenankiCard(genanki.Card):  # type: ignore[misc]
    def __init__(self, card_ord: int, card: ExportCard, leftover: bool, revlog: _Revlog) -> None:
        super().__init__(card_ord, suspend=leftover or card.suspended or card.retired)
        self.card = card
        self.leftover = leftover
        self.revlog = revlog

    def write_to_db(  # type: ignore[override]
        self,
        cursor: sqlite3.Cursor,
        timestamp: float,
        deck_id: int,
        note_id: int,
        id_gen: Iterator[int],
        due: int = 0,
    ) -> None:
        card_id = next(id_gen)
        row = _card_row(card_id, note_id, deck_id, self.ord, self.card, self.leftover, int(timestamp))
        cursor.execute("INSERT INTO cards VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?);", row)
        if not self.leftover:
            self.revlog.add(card_id, self.card)


class _GenankiNote(genanki.Note):  # type: ignore[misc]
    """genanki's note, with its own modification time and the cards (state included) chosen here."""

    def __init__(self, note: _Note, model: genanki.Model, revlog: _Revlog) -> None:
        super().__init__(model=model, fields=note.fields, tags=note.tags, guid=note.guid)
        self.mod = note.mod
        requirements = (
            None
            if model.model_type == model.CLOZE
            else {card_ord: (needs_all, required) for card_ord, needs_all, required in _card_ords(model)}
        )
        self.__dict__["cards"] = [
            _GenankiCard(card_ord, card, note.leftover, revlog)
            for card_ord, card in _present(note, requirements)
        ]

    def write_to_db(
        self, cursor: sqlite3.Cursor, timestamp: float, deck_id: int, id_gen: Iterator[int]
    ) -> None:
        self._check_number_model_fields_matches_num_fields()
        self._check_invalid_html_tags_in_fields()
        mod = int(timestamp) if self.mod is None else self.mod
        row = (
            next(id_gen),
            self.guid,
            self.model.model_id,
            mod,
            -1,
            self._format_tags(),
            self._format_fields(),
        )
        cursor.execute("INSERT INTO notes VALUES(?,?,?,?,?,?,?,?,?,?,?);", (*row, self.sort_field, 0, 0, ""))
        for card in self.cards:
            card.write_to_db(cursor, timestamp, deck_id, row[0], id_gen)


class _GenankiPackage(genanki.Package):  # type: ignore[misc]
    def __init__(self, decks: list[genanki.Deck], revlog: _Revlog, day_start_hour: int) -> None:
        super().__init__(decks)
        self.revlog = revlog
        self.day_start_hour = day_start_hour

    def write_to_db(self, cursor: sqlite3.Cursor, timestamp: float, id_gen: Iterator[int]) -> None:
        super().write_to_db(cursor, timestamp, id_gen)
        _stamp_collection(cursor, timestamp, self.day_start_hour)
        cursor.executemany("INSERT INTO revlog VALUES(?,?,?,?,?,?,?,?,?);", self.revlog.rows)


def build_package(
    cards: Iterable[ExportCard],
    *,
    typed_commands: bool = True,
    legacy_guids: bool = True,
    day_start_hour: int = 4,
) -> genanki.Package:
    """The package as genanki objects: a note (and its cards) per object, written one row at a time.

    The same notes, decks and rows as ``write_package`` (which a test checks); kept as the
    reference for the batched writer.  Media are ``write_package``'s only.  Raises ``ValueError``
    when two cards share a deck slug and key: Anki would merge them.
    """
    models = _models(typed_commands)
    revlog = _Revlog()
    decks, notes = _layout(cards, legacy_guids)
    for name, deck_notes in notes.items():
        for note in deck_notes:
            decks[name].add_note(_GenankiNote(note, models[note.kind], revlog))
    return _GenankiPackage(list(decks.values()), revlog, day_start_hour)


# ---------------------------------------------------------------- the batched writer


def _write_collection(
    db_path: str,
    decks: dict[str, genanki.Deck],
    notes: dict[str, list[_Note]],
    timestamp: float,
    typed_commands: bool,
    day_start_hour: int,
) -> None:
    """The collection ``build_package`` writes for these decks and notes, with one ``executemany`` per table.

    genanki writes the schema, the ``col`` row and, per deck, the deck and the note types its
    notes use; then each note, followed by its cards, taking ids from one counter.  Here genanki
    does the first part with decks that know their note types but hold no notes, and the note,
    card and revlog rows go in batched, with the same ids in the same order.
    """
    models = _models(typed_commands)
    by_kind = {
        kind: (
            model,
            None
            if model.model_type == model.CLOZE
            else {card_ord: (needs_all, required) for card_ord, needs_all, required in _card_ords(model)},
        )
        for kind, model in models.items()
    }
    invalid_html = genanki.Note._INVALID_HTML_TAG_RE
    stamp = int(timestamp)
    ids = itertools.count(int(timestamp * 1000))
    note_rows: list[tuple[object, ...]] = []
    card_rows: list[tuple[object, ...]] = []
    revlog = _Revlog()
    for name, deck in decks.items():  # genanki's order: deck by deck, each note followed by its cards
        did = deck.deck_id
        for note in notes.get(name, ()):
            model, requirements = by_kind[note.kind]
            if model.model_id not in deck.models:
                deck.add_model(model)
            fields = note.fields
            flds = "\x1f".join(fields)
            # A field with an invalid tag makes the joined fields match too; genanki's own check then warns.
            if invalid_html.search(flds):
                genanki.Note(model=model, fields=fields)._check_invalid_html_tags_in_fields()
            note_id = next(ids)
            note_rows.append(
                (
                    note_id,
                    note.guid,
                    model.model_id,
                    stamp if note.mod is None else note.mod,
                    -1,
                    f" {' '.join(note.tags)} ",
                    flds,
                    fields[model.sort_field_index],
                    0,
                    0,
                    "",
                )
            )
            leftover = note.leftover
            if len(note.cards) == 1 and requirements is not None:  # most notes: one card, one template
                card_ord, card = note.cards[0]
                needs_all, required = requirements[card_ord]
                values = [fields[i] for i in required]
                present = note.cards if (all(values) if needs_all else any(values)) else ()
            else:
                present = _present(note, requirements)
            for card_ord, card in present:
                card_id = next(ids)
                if card.schedule is None and not leftover:  # a new card: genanki's row, state and order
                    card_rows.append(
                        (
                            card_id,
                            note_id,
                            did,
                            card_ord,
                            stamp if card.modified is None else int(card.modified),
                            -1,
                            0,
                            -1 if card.suspended or card.retired else 0,
                            card.order,
                            0,
                            0,
                            0,
                            0,
                            0,
                            0,
                            0,
                            0,
                            "",
                        )
                    )
                else:
                    card_rows.append(_card_row(card_id, note_id, did, card_ord, card, leftover, stamp))
                if card.reviews and not leftover:
                    revlog.add(card_id, card)
    conn = sqlite3.connect(db_path)
    try:
        cursor = conn.cursor()
        # A scratch file, zipped once closed: no need to wait for the disk at each commit.
        cursor.execute("PRAGMA synchronous = OFF")
        genanki.Package(list(decks.values())).write_to_db(cursor, timestamp, ids)
        _stamp_collection(cursor, timestamp, day_start_hour)
        # The indexes are built once the rows are in, from sorted keys: a third faster than keeping
        # them up to date row by row (measured on 500,000 revlog rows).
        indexes = cursor.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
            " AND tbl_name IN ('notes', 'cards', 'revlog')"
        ).fetchall()
        for name, _ in indexes:
            cursor.execute(f'DROP INDEX "{name}"')
        cursor.executemany("INSERT INTO notes VALUES(?,?,?,?,?,?,?,?,?,?,?);", note_rows)
        cursor.executemany("INSERT INTO cards VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?);", card_rows)
        # In id order the rows append to the table's b-tree instead of landing all over it.
        cursor.executemany("INSERT INTO revlog VALUES(?,?,?,?,?,?,?,?,?);", sorted(revlog.rows))
        for _, sql in indexes:
            cursor.execute(sql)
        conn.commit()
    finally:
        conn.close()


def write_package(
    cards: Iterable[ExportCard],
    path: str | os.PathLike[str],
    timestamp: float,
    *,
    media: Mapping[str, bytes] | None = None,
    typed_commands: bool = True,
    legacy_guids: bool = True,
    day_start_hour: int = 4,
) -> int:
    """Write the cards as an ``.apkg`` at ``path``; return the number of notes written.

    The notes written count a grouped note once and include the legacy one-card notes.
    ``timestamp`` (seconds since the epoch) is the export's time: the modification time of the
    note types, and of the notes and cards whose ``modified`` is unknown; it also numbers the
    notes and cards, and is the package's day 0 for scheduled cards (the study day starting at
    ``day_start_hour``, local time).  ``media``: file name -> contents, stored in the package
    under Anki's numbered names; fields refer to them by file name, a plain name (``ValueError``
    for one with a path separator).  ``typed_commands``: command cards ask to type the command
    (else they just show it).  ``legacy_guids``: also write the old one-card notes of cloze and
    reversed cards, suspended and tagged ``wengu::retired`` (see the module notes).
    """
    for name in media or ():
        if not name or name in (".", "..") or "/" in name or "\\" in name or "\x00" in name:
            raise ValueError(f"not a plain media file name: {name!r}")
    # Tens of thousands of notes, rows and tuples, none in a reference cycle: the cyclic garbage
    # collector's passes over them while they pile up cost a third of the layout (measured), for nothing.
    collecting = gc.isenabled()
    gc.disable()
    try:
        decks, notes = _layout(cards, legacy_guids)
        with tempfile.TemporaryDirectory() as tmp:
            collection = os.path.join(tmp, "collection.anki2")
            _write_collection(collection, decks, notes, timestamp, typed_commands, day_start_hour)
            # genanki stores the collection uncompressed; Anki's packages are deflated, several times smaller.
            with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as out:
                out.write(collection, "collection.anki2")
                names = sorted(media or {})
                for number, name in enumerate(names):
                    out.writestr(str(number), media[name])  # type: ignore[index]
                out.writestr("media", json.dumps({str(number): name for number, name in enumerate(names)}))
    finally:
        if collecting:
            gc.enable()
    return sum(len(deck_notes) for deck_notes in notes.values())
