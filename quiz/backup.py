"""Backup and restore of one user's data: decks, topics, cards, review states, the review log, exports.

A backup is gzip-compressed UTF-8 JSON (see ``dump_user``).  It holds no database
ids, so it restores into another account or another database (SQLite or
PostgreSQL alike), and no password hash.  Dates are ISO strings; datetimes are
ISO strings with their UTC offset; the ease factor stays an exact integer of
hundredths.

Functions here add and flush; the caller commits.  ``restore_user`` checks the
whole backup before it writes (or, replacing an account's data, deletes) anything,
so a bad file changes nothing: every value must fit its column and keep the domain
limits of ``quiz.limits`` (the rules the app and the database's CHECK constraints
hold), and the error names the first field that does not (``decks[0].cards[3].kind:
must be one of …``).  The error is a ``quiz.i18n.LocalizedError``: English for
``flask restore``, in the user's language on the Settings page.

The Settings page restores in two steps: an upload is checked and kept
(``keep_upload``, in the instance folder, for an hour at most) while the user
reads what it holds (``backup_contents`` against ``account_contents``); only the
confirmation restores it, replacing the account's data.

A deck carries its images (``media``: name and base64 bytes, checked on restore as an import
checks them; a backup without them restores without images), its note's text (``source_text``)
and display name (``source_name``),
so a restored card shows its source lines, and the keys of the cards the user unticked
at an import (``unticked``: they stay out of later imports); a card carries the note's
kind when the user chose another (``note_kind``) and its last change as the Anki export
stamps it (``changed_at``).  Backups written before these fields existed restore without
them (a card's last change then is its last edit, else its deck's import).  A deck's
``source_path`` is only the note's identity: nothing in the app opens it, whatever a backup
sets it to.  A backup made before a deck was identified by its note's name (an absolute path,
"upload:NAME") is restored with the name, by the rule the upgrade applied to the database
(``quiz.store.decks.stored_identities``).
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import gzip
import json
import os
import re
import secrets
import time
import unicodedata
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, BinaryIO

from sqlalchemy import BigInteger, Boolean, Date, Integer, SmallInteger, String, delete, func, select
from sqlalchemy.orm import Session, undefer

from quiz import limits
from quiz.i18n import N_, LocalizedError
from quiz.limits import shown_value
from quiz.media import content_hash, image_type
from quiz.models import (
    AnkiExport,
    Card,
    Deck,
    DeckMedia,
    ReviewLog,
    ReviewState,
    Topic,
    UntickedCard,
    User,
    UTCDateTime,
    now_utc,
)
from quiz.store.decks import stored_identities
from quiz.store.grading import LOG_AFTER_FIELDS, LOG_BEFORE_FIELDS, SCHEDULE_FIELDS, drill_mark
from quiz.store.media import media_problem
from quiz.store.scopes import owned_cards

BACKUP_FORMAT = "wengu-backup"
BACKUP_VERSION = 1
MAX_BACKUP_BYTES = 512 * 1024 * 1024  # uncompressed; a larger file is refused rather than read into memory

# The columns each section of a backup holds, by model.  Ids, foreign keys and
# values derived from others (a topic's title, path key, depth) are left out.
USER_FIELDS = ("name", "timezone", "new_cards_per_day", "reviews_per_day", "day_starts_at_hour", "locale")
# The settings a restore copies onto the target account (not its name, password or admin flag).
RESTORED_USER_FIELDS = USER_FIELDS[1:]
DECK_FIELDS = ("title", "slug", "source_path", "content_hash", "imported_at", "source_text", "source_name")
# Fields a backup may lack (written before they existed): missing means None.
OPTIONAL_DECK_FIELDS = frozenset({"source_text", "source_name"})
TOPIC_FIELDS = ("position",)
CARD_FIELDS = (
    "key",
    "kind",
    "front",
    "back",
    "line",
    "position",
    "retired",
    "edited_at",
    "override_front",
    "override_back",
    "note_kind",
    "changed_at",
)
# A backup from before a card kept its last change restores it as the migration fills it: the re-import
# that last edited the card, else its deck's last import.
OPTIONAL_CARD_FIELDS = frozenset({"note_kind", "changed_at"})
# A review state's schedule and a log row's before and after are the grade's own columns
# (quiz.store.grading); the drill mark is not kept: a restore derives it from the newest grade.
STATE_FIELDS = (*SCHEDULE_FIELDS, "suspended")
LOG_FIELDS = ("reviewed_at", "review_day", "grade", "drill", *LOG_BEFORE_FIELDS, *LOG_AFTER_FIELDS)
EXPORT_FIELDS = ("timestamp", "note_count", "exported_at", "layout")
OPTIONAL_EXPORT_FIELDS = frozenset({"exported_at", "layout"})


class BackupError(LocalizedError):
    """A backup cannot be read or restored; the message says why (in English; ``quiz.i18n`` translates it)."""


@dataclass(frozen=True)
class RestoreResult:
    """What a restore stored."""

    decks: int = 0
    topics: int = 0
    cards: int = 0
    reviews: int = 0
    exports: int = 0

    @property
    def summary(self) -> str:
        return (
            f"{self.decks} decks, {self.topics} topics, {self.cards} cards, "
            f"{self.reviews} reviews, {self.exports} Anki exports restored"
        )


# --- values -----------------------------------------------------------------------------------


def _encode(value: object) -> object:
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError("naive datetime in a UTC column")
        return value.astimezone(UTC).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return value


def _row(obj: object, fields: tuple[str, ...]) -> dict[str, object]:
    return {name: _encode(getattr(obj, name)) for name in fields}


def _int_limit(column_type: object) -> int:
    if isinstance(column_type, BigInteger):
        return 2**63
    if isinstance(column_type, SmallInteger):
        return 2**15
    return 2**31


def _decoder(model: type, name: str) -> Callable[[object, str], object]:
    """A function that checks and converts a JSON value for column ``name`` of ``model``.

    The value must fit the column's type and keep its domain limit (``quiz.limits``), the
    rule the app and the database's CHECK constraints hold every stored value to.
    """
    column = model.__table__.columns[name]
    nullable = bool(column.nullable)
    kind = column.type
    rule = limits.column_rule(model.__table__.name, name)

    def decode(raw: object, where: str) -> object:
        value = convert(raw, where)
        if value is not None and rule is not None:
            problem = rule.problem(value)
            if problem is not None:
                raise BackupError(N_("%(where)s: %(problem)s"), where=where, problem=problem)
        return value

    def convert(raw: object, where: str) -> object:
        if raw is None:
            if nullable:
                return None
            raise BackupError(N_("%(where)s: must not be null"), where=where)
        if isinstance(kind, UTCDateTime):
            if not isinstance(raw, str):
                raise BackupError(
                    N_("%(where)s: expected an ISO date and time, got %(value)s"),
                    where=where,
                    value=shown_value(raw),
                )
            try:
                value = datetime.fromisoformat(raw)
            except ValueError:
                raise BackupError(
                    N_("%(where)s: expected an ISO date and time, got %(value)s"),
                    where=where,
                    value=shown_value(raw),
                ) from None
            if value.tzinfo is None:
                raise BackupError(
                    N_("%(where)s: the time %(value)s has no UTC offset"), where=where, value=shown_value(raw)
                )
            return value.astimezone(UTC)
        if isinstance(kind, Date):
            if not isinstance(raw, str) or len(raw) != 10:
                raise BackupError(
                    N_("%(where)s: expected an ISO date (YYYY-MM-DD), got %(value)s"),
                    where=where,
                    value=shown_value(raw),
                )
            try:
                return date.fromisoformat(raw)
            except ValueError:
                raise BackupError(
                    N_("%(where)s: expected an ISO date (YYYY-MM-DD), got %(value)s"),
                    where=where,
                    value=shown_value(raw),
                ) from None
        if isinstance(kind, Boolean):
            if not isinstance(raw, bool):
                raise BackupError(
                    N_("%(where)s: expected true or false, got %(value)s"),
                    where=where,
                    value=shown_value(raw),
                )
            return raw
        if isinstance(kind, Integer):
            if isinstance(raw, bool) or not isinstance(raw, int):
                raise BackupError(
                    N_("%(where)s: expected a whole number, got %(value)s"),
                    where=where,
                    value=shown_value(raw),
                )
            limit = _int_limit(kind)
            if not -limit <= raw < limit:
                raise BackupError(N_("%(where)s: %(value)s is out of range"), where=where, value=raw)
            return raw
        if isinstance(kind, String):
            if not isinstance(raw, str):
                raise BackupError(
                    N_("%(where)s: expected text, got %(value)s"), where=where, value=shown_value(raw)
                )
            if kind.length is not None and len(raw) > kind.length:
                raise BackupError(
                    N_("%(where)s: longer than %(count)s characters"), where=where, count=kind.length
                )
            if "\x00" in raw:
                raise BackupError(N_("%(where)s: contains a NUL character"), where=where)
            return raw
        raise TypeError(f"no backup decoder for {model.__name__}.{name} ({kind!r})")  # pragma: no cover

    return decode


def _decoders(model: type, fields: tuple[str, ...]) -> dict[str, Callable[[object, str], object]]:
    return {name: _decoder(model, name) for name in fields}


_USER = _decoders(User, USER_FIELDS)
_DECK = _decoders(Deck, DECK_FIELDS)
_TOPIC = _decoders(Topic, TOPIC_FIELDS)
_TOPIC_TITLE = _decoder(Topic, "title")
_UNTICKED_KEY = _decoder(UntickedCard, "key")
_CARD = _decoders(Card, CARD_FIELDS)
_STATE = _decoders(ReviewState, STATE_FIELDS)
_LOG = _decoders(ReviewLog, LOG_FIELDS)
_EXPORT = _decoders(AnkiExport, EXPORT_FIELDS)
_AWARE_DATETIME = _decoder(Deck, "imported_at")


def _seq(raw: object, where: str) -> int:
    if isinstance(raw, bool) or not isinstance(raw, int) or raw < 0:
        raise BackupError(
            N_("%(where)s: expected a whole number 0 or more, got %(value)s"),
            where=where,
            value=shown_value(raw),
        )
    return raw


def _object(raw: object, where: str) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise BackupError(
            N_("%(where)s: expected an object, got %(type)s"), where=where, type=type(raw).__name__
        )
    return raw


def _list(raw: object, where: str) -> list[Any]:
    if not isinstance(raw, list):
        raise BackupError(
            N_("%(where)s: expected a list, got %(type)s"), where=where, type=type(raw).__name__
        )
    return raw


def _field(raw: dict[str, Any], name: str, where: str) -> Any:
    if name not in raw:
        raise BackupError(N_("%(where)s: missing field %(field)s"), where=where, field=repr(name))
    return raw[name]


def _values(
    raw: object,
    decoders: dict[str, Callable[[object, str], object]],
    where: str,
    optional: frozenset[str] = frozenset(),
    table: str | None = None,
) -> dict[str, Any]:
    """Decode the fields of one section; ``table``'s rules across columns (``quiz.limits``) must hold too."""
    obj = _object(raw, where)
    values = {
        name: None
        if name in optional and name not in obj
        else decode(_field(obj, name, where), f"{where}.{name}")
        for name, decode in decoders.items()
    }
    if table is not None:
        broken = limits.row_problem(table, values)
        if broken is not None:
            raise BackupError(N_("%(where)s: %(problem)s"), where=f"{where}.{broken[0]}", problem=broken[1])
    return values


def _path(raw: object, where: str) -> tuple[str, ...]:
    items = _list(raw, where)
    if not items:
        raise BackupError(N_("%(where)s: a topic path needs at least one title"), where=where)
    path = tuple(str(_TOPIC_TITLE(item, f"{where}[{i}]")) for i, item in enumerate(items))
    if any(Topic.PATH_SEPARATOR in title for title in path):
        raise BackupError(N_("%(where)s: a topic title contains the path separator"), where=where)
    return path


# --- the checked contents of a backup ----------------------------------------------------------


@dataclass
class _Card:
    values: dict[str, Any]
    topic: tuple[str, ...] | None
    state: dict[str, Any] | None
    log: list[tuple[int, dict[str, Any]]]  # (seq, values)


@dataclass
class _Deck:
    values: dict[str, Any]
    topics: list[tuple[tuple[str, ...], dict[str, Any]]]
    cards: list[_Card]
    unticked: list[str]
    media: list[tuple[str, bytes]]


@dataclass
class _Backup:
    user: dict[str, Any]
    decks: list[_Deck]
    exports: list[dict[str, Any]]


def _unticked(raw_deck: dict[str, Any], where: str) -> list[str]:
    """The keys of a deck's cards unticked at an import (none in a backup from before they were kept)."""
    raw = raw_deck.get("unticked", [])
    keys = [
        str(_UNTICKED_KEY(key, f"{where}.unticked[{i}]"))
        for i, key in enumerate(_list(raw, f"{where}.unticked"))
    ]
    if len(set(keys)) != len(keys):
        raise BackupError(f"{where}.unticked: a key appears twice")
    return keys


def _media(raw_deck: dict[str, Any], where: str) -> list[tuple[str, bytes]]:
    """A deck's images, each checked as an import checks it (none in a backup from before they were kept)."""
    found: list[tuple[str, bytes]] = []
    names: set[str] = set()
    total = 0
    for i, raw in enumerate(_list(raw_deck.get("media", []), f"{where}.media")):
        mwhere = f"{where}.media[{i}]"
        item = _object(raw, mwhere)
        name, encoded = _field(item, "name", mwhere), _field(item, "data", mwhere)
        if not isinstance(name, str) or not isinstance(encoded, str):
            raise BackupError(N_("%(where)s: expected text, got %(value)s"), where=mwhere, value="name/data")
        try:
            data = base64.b64decode(encoded, validate=True)
        except (binascii.Error, ValueError):
            raise BackupError(
                N_("%(where)s: the image's data is not base64"), where=f"{mwhere}.data"
            ) from None
        problem = media_problem(name, data)
        if problem is not None:
            raise BackupError(N_("%(where)s: %(problem)s"), where=mwhere, problem=problem)
        if name in names:
            raise BackupError(
                N_("%(where)s: image %(name)s appears twice"), where=mwhere, name=shown_value(name)
            )
        names.add(name)
        total += len(data)
        if total > limits.MAX_DECK_MEDIA_BYTES or len(names) > limits.MAX_DECK_MEDIA_FILES:
            raise BackupError(N_("%(where)s: more images than a deck may hold"), where=f"{where}.media")
        found.append((name, data))
    return found


def _check_header(data: object) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise BackupError(
            N_("not a Wengu backup: expected a JSON object, got %(type)s"), type=type(data).__name__
        )
    fmt = data.get("format")
    if fmt != BACKUP_FORMAT:
        raise BackupError(
            N_("not a Wengu backup (format %(found)s, expected %(expected)s)"),
            found=shown_value(fmt),
            expected=repr(BACKUP_FORMAT),
        )
    version = data.get("version")
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise BackupError(N_("the backup's version %(version)s is not valid"), version=shown_value(version))
    if version > BACKUP_VERSION:
        raise BackupError(
            N_(
                "the backup was made by a newer version of Wengu (backup version %(version)s; "
                "this version reads up to %(known)s); upgrade Wengu to restore it"
            ),
            version=version,
            known=BACKUP_VERSION,
        )
    return data


def _parse(data: object) -> _Backup:
    """Check a whole backup and convert its values; BackupError names the first problem found."""
    top = _check_header(data)
    _AWARE_DATETIME(_field(top, "exported_at", "backup"), "exported_at")
    user = _values(_field(top, "user", "backup"), _USER, "user")
    decks: list[_Deck] = []
    source_paths: set[str] = set()
    slugs: set[str] = set()
    seqs: set[int] = set()
    for d, raw_deck in enumerate(_list(_field(top, "decks", "backup"), "decks")):
        where = f"decks[{d}]"
        values = _values(raw_deck, _DECK, where, OPTIONAL_DECK_FIELDS)
        if values["source_path"] in source_paths:
            raise BackupError(
                N_("%(where)s: source path %(path)s appears twice"),
                where=where,
                path=shown_value(values["source_path"]),
            )
        if values["slug"] in slugs:
            raise BackupError(
                N_("%(where)s: slug %(slug)s appears twice"), where=where, slug=shown_value(values["slug"])
            )
        source_paths.add(values["source_path"])
        slugs.add(values["slug"])
        topics: list[tuple[tuple[str, ...], dict[str, Any]]] = []
        paths: set[tuple[str, ...]] = set()
        for t, raw_topic in enumerate(_list(_field(raw_deck, "topics", where), f"{where}.topics")):
            twhere = f"{where}.topics[{t}]"
            path = _path(_field(_object(raw_topic, twhere), "path", twhere), f"{twhere}.path")
            if path in paths:
                raise BackupError(
                    N_("%(where)s: topic %(topic)s appears twice"), where=twhere, topic=repr(" / ".join(path))
                )
            paths.add(path)
            topics.append((path, _values(raw_topic, _TOPIC, twhere)))
        for path, _ in topics:
            if len(path) > 1 and path[:-1] not in paths:
                raise BackupError(
                    N_("%(where)s: topic %(topic)s has no parent topic in the backup"),
                    where=where,
                    topic=repr(" / ".join(path)),
                )
        cards: list[_Card] = []
        keys: set[str] = set()
        for c, raw_card in enumerate(_list(_field(raw_deck, "cards", where), f"{where}.cards")):
            cwhere = f"{where}.cards[{c}]"
            card_values = _values(raw_card, _CARD, cwhere, OPTIONAL_CARD_FIELDS)
            if card_values["changed_at"] is None:
                card_values["changed_at"] = card_values["edited_at"] or values["imported_at"]
            if card_values["key"] in keys:
                raise BackupError(
                    N_("%(where)s: card key %(key)s appears twice in the deck"),
                    where=cwhere,
                    key=shown_value(card_values["key"]),
                )
            keys.add(card_values["key"])
            raw_path = _field(raw_card, "topic", cwhere)
            topic = None if raw_path is None else _path(raw_path, f"{cwhere}.topic")
            if topic is not None and topic not in paths:
                raise BackupError(
                    N_("%(where)s: %(topic)s is not a topic of the deck"),
                    where=f"{cwhere}.topic",
                    topic=repr(" / ".join(topic)),
                )
            raw_state = _field(raw_card, "state", cwhere)
            state = (
                None
                if raw_state is None
                else _values(raw_state, _STATE, f"{cwhere}.state", table="review_states")
            )
            log: list[tuple[int, dict[str, Any]]] = []
            for i, raw_entry in enumerate(_list(_field(raw_card, "log", cwhere), f"{cwhere}.log")):
                lwhere = f"{cwhere}.log[{i}]"
                seq = _seq(_field(_object(raw_entry, lwhere), "seq", lwhere), f"{lwhere}.seq")
                if seq in seqs:
                    raise BackupError(
                        N_("%(where)s: %(seq)s appears twice in the review log"),
                        where=f"{lwhere}.seq",
                        seq=seq,
                    )
                seqs.add(seq)
                log.append((seq, _values(raw_entry, _LOG, lwhere, table="review_log")))
            cards.append(_Card(card_values, topic, state, log))
        decks.append(_Deck(values, topics, cards, _unticked(raw_deck, where), _media(raw_deck, where)))
    # A backup made before decks were identified by their note's name gets that identity, as the upgrade
    # gave the decks in the database (migration 0015); a newer backup's identities stay as they are.
    identities = stored_identities((d.values["source_path"], d.values.get("source_name")) for d in decks)
    for deck, identity in zip(decks, identities, strict=True):
        deck.values["source_path"] = identity
    exports = [
        _values(raw, _EXPORT, f"anki_exports[{i}]", OPTIONAL_EXPORT_FIELDS)
        for i, raw in enumerate(_list(_field(top, "anki_exports", "backup"), "anki_exports"))
    ]
    return _Backup(user, decks, exports)


# --- the public API -----------------------------------------------------------------------------


def dump_user(session: Session, user: User) -> dict[str, Any]:
    """Return everything of ``user`` as JSON-able data (no ids, no password hash).

    Layout::

        {"format": "wengu-backup", "version": 1, "exported_at": ISO,
         "user": {name, timezone, new_cards_per_day, reviews_per_day, day_starts_at_hour, locale},
         "decks": [{title, slug, source_path, content_hash, imported_at, source_text, source_name,
                    "topics": [{"path": [title, ...], position}],
                    "unticked": [key, ...],
                    "media": [{"name": the image's name in the note, "data": base64}],
                    "cards": [{key, kind, front, back, line, position, retired, edited_at,
                               override_front, override_back, note_kind, changed_at,
                               "topic": [title, ...] | null,
                               "state": {repetitions, ease_hundredths, ...} | null,
                               "log": [{"seq", reviewed_at, review_day, grade, drill,
                                        ..._before, ..._after}]}]}],
         "anki_exports": [{timestamp, note_count, exported_at, layout}]}

    ``seq`` numbers the user's whole review log in order (oldest first), across cards.
    """
    decks = session.scalars(
        select(Deck).where(Deck.user_id == user.id).order_by(Deck.id).options(undefer(Deck.source_text))
    ).all()
    deck_ids = [deck.id for deck in decks]
    topics: dict[int, list[Topic]] = {deck_id: [] for deck_id in deck_ids}
    cards: dict[int, list[Card]] = {deck_id: [] for deck_id in deck_ids}
    unticked: dict[int, list[str]] = {deck_id: [] for deck_id in deck_ids}
    media: dict[int, list[dict[str, str]]] = {deck_id: [] for deck_id in deck_ids}
    states: dict[int, ReviewState] = {}
    logs: dict[int, list[dict[str, object]]] = {}
    if deck_ids:
        for topic in session.scalars(
            select(Topic).where(Topic.deck_id.in_(deck_ids)).order_by(Topic.position, Topic.id)
        ):
            topics[topic.deck_id].append(topic)
        for card in session.scalars(
            select(Card).where(Card.deck_id.in_(deck_ids)).order_by(Card.position, Card.id)
        ):
            cards[card.deck_id].append(card)
        for deck_id, name, content in session.execute(
            select(DeckMedia.deck_id, DeckMedia.name, DeckMedia.content)
            .where(DeckMedia.deck_id.in_(deck_ids))
            .order_by(DeckMedia.deck_id, DeckMedia.name)
        ):
            media[deck_id].append({"name": name, "data": base64.b64encode(content).decode("ascii")})
        for deck_id, key in session.execute(
            select(UntickedCard.deck_id, UntickedCard.key)
            .where(UntickedCard.deck_id.in_(deck_ids))
            .order_by(UntickedCard.deck_id, UntickedCard.key)
        ):
            unticked[deck_id].append(key)
        owned = owned_cards(user.id, Card.id)
        for state in session.scalars(
            select(ReviewState).where(ReviewState.user_id == user.id, ReviewState.card_id.in_(owned))
        ):
            states[state.card_id] = state
        entries = session.scalars(
            select(ReviewLog)
            .where(ReviewLog.user_id == user.id, ReviewLog.card_id.in_(owned))
            .order_by(ReviewLog.id)
        )
        for seq, entry in enumerate(entries):
            logs.setdefault(entry.card_id, []).append({"seq": seq, **_row(entry, LOG_FIELDS)})
    topic_paths = {t.id: list(t.path) for ts in topics.values() for t in ts}
    exports = session.scalars(
        select(AnkiExport).where(AnkiExport.user_id == user.id).order_by(AnkiExport.id)
    ).all()
    return {
        "format": BACKUP_FORMAT,
        "version": BACKUP_VERSION,
        "exported_at": now_utc().isoformat(),
        "user": _row(user, USER_FIELDS),
        "decks": [
            {
                **_row(deck, DECK_FIELDS),
                "topics": [{"path": list(t.path), **_row(t, TOPIC_FIELDS)} for t in topics[deck.id]],
                "unticked": unticked[deck.id],
                "media": media[deck.id],
                "cards": [
                    {
                        **_row(card, CARD_FIELDS),
                        "topic": topic_paths.get(card.topic_id) if card.topic_id is not None else None,
                        "state": _row(states[card.id], STATE_FIELDS) if card.id in states else None,
                        "log": logs.get(card.id, []),
                    }
                    for card in cards[deck.id]
                ],
            }
            for deck in decks
        ],
        "anki_exports": [_row(export, EXPORT_FIELDS) for export in exports],
    }


def write_backup(session: Session, user: User, fileobj: BinaryIO) -> int:
    """Write ``dump_user`` as gzip-compressed UTF-8 JSON to ``fileobj``; return the bytes written."""
    text = json.dumps(dump_user(session, user), ensure_ascii=False, separators=(",", ":"))
    data = gzip.compress(text.encode("utf-8"), mtime=0)
    fileobj.write(data)
    return len(data)


# Characters no file name should hold on any system the download may land on.
_UNSAFE_IN_FILE_NAMES = re.compile(r'[\\/:*?"<>|\s]+')
_NOT_ASCII_WORD = re.compile(r"[^A-Za-z0-9._-]+")
MAX_NAME_IN_FILE_NAME = 60


def backup_file_names(user_name: str, day: date) -> tuple[str, str]:
    """The download's name for a backup of ``user_name`` made on ``day``: (ASCII fallback, full Unicode name).

    A user name may hold anything (line breaks, quotes, slashes, control
    characters, Chinese): the full name keeps its printable letters, the
    fallback only ASCII letters, digits, ``.``, ``_`` and ``-``.  Neither holds
    a character that could break the Content-Disposition header or a path.
    """
    printable = "".join(ch if ch.isprintable() else " " for ch in user_name)
    full = _UNSAFE_IN_FILE_NAMES.sub("_", printable).strip("._")[:MAX_NAME_IN_FILE_NAME] or "user"
    ascii_only = unicodedata.normalize("NFKD", full).encode("ascii", "ignore").decode("ascii")
    fallback = _NOT_ASCII_WORD.sub("_", ascii_only).strip("._") or "user"
    stamp = day.isoformat()
    return f"wengu-{fallback}-{stamp}.json.gz", f"wengu-{full}-{stamp}.json.gz"


def _reject_constant(name: str) -> object:
    raise ValueError(f"{name} is not a number")


def read_backup(fileobj: BinaryIO, max_bytes: int = MAX_BACKUP_BYTES) -> dict[str, Any]:
    """Read and check a backup written by ``write_backup``.

    Raises:
        BackupError: the file is not gzip, not UTF-8 JSON, not a Wengu backup, from a
            newer version, larger than ``max_bytes`` uncompressed, or not well formed.
    """
    try:
        with gzip.GzipFile(fileobj=fileobj, mode="rb") as stream:
            raw = stream.read(max_bytes + 1)
    except (OSError, EOFError, zlib.error):
        raise BackupError(N_("not a Wengu backup: the file is not gzip-compressed or is damaged")) from None
    if not raw:
        raise BackupError(N_("not a Wengu backup: the file is empty"))
    if len(raw) > max_bytes:
        raise BackupError(N_("the backup is larger than %(count)s bytes uncompressed"), count=max_bytes)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise BackupError(N_("not a Wengu backup: the contents are not UTF-8 text")) from None
    try:
        data = json.loads(text, parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        raise BackupError(
            N_("not a Wengu backup: the contents are not valid JSON (line %(line)s, column %(column)s)"),
            line=exc.lineno,
            column=exc.colno,
        ) from None
    except (ValueError, RecursionError):  # NaN or Infinity, or nested too deep
        raise BackupError(N_("not a Wengu backup: the contents are not valid JSON")) from None
    _parse(data)
    return data


def restore_user(
    session: Session, data: dict[str, Any], user: User, *, replace: bool = False
) -> RestoreResult:
    """Load a backup (as returned by ``read_backup`` or ``dump_user``) into ``user``.

    The account must have no decks yet, unless ``replace``: then everything it has (see
    ``delete_user_data``) is deleted first, once the whole backup is checked.  Its settings
    (time zone, daily limits, day start, language) are taken from the backup; its name,
    password and admin flag are kept.  The review log is inserted in its original order,
    so undo and the charts see the same history.

    Raises:
        BackupError: the account is not empty (without ``replace``) or the backup is not well
            formed; nothing is stored or deleted.
    """
    backup = _parse(data)
    if user.id is None:
        session.flush()
    if replace:
        delete_user_data(session, user)
    has_decks = session.scalar(select(func.count()).select_from(Deck).where(Deck.user_id == user.id))
    if has_decks:
        raise BackupError(
            N_("restore needs an empty account: %(name)s already has %(count)s decks"),
            name=repr(user.name),
            count=has_decks,
        )

    for name in RESTORED_USER_FIELDS:
        setattr(user, name, backup.user[name])

    pending_logs: list[tuple[int, Card, dict[str, Any]]] = []
    deck_media: list[tuple[Deck, list[tuple[str, bytes]]]] = []
    topic_count = card_count = 0
    with session.no_autoflush:
        for parsed in backup.decks:
            deck = Deck(user_id=user.id, **parsed.values)
            session.add(deck)
            deck_media.append((deck, parsed.media))
            session.add_all(UntickedCard(deck=deck, key=key) for key in parsed.unticked)
            by_path: dict[tuple[str, ...], Topic] = {}
            for path, values in sorted(parsed.topics, key=lambda item: len(item[0])):
                topic = Topic(
                    deck=deck,
                    parent=by_path[path[:-1]] if len(path) > 1 else None,
                    title=path[-1],
                    path_key=Topic.PATH_SEPARATOR.join(path),
                    depth=len(path),
                    **values,
                )
                session.add(topic)
                by_path[path] = topic
                topic_count += 1
            for parsed_card in parsed.cards:
                topic = by_path[parsed_card.topic] if parsed_card.topic is not None else None
                card = Card(deck=deck, topic=topic, **parsed_card.values)
                session.add(card)
                card_count += 1
                if parsed_card.state is not None:
                    state = ReviewState(user_id=user.id, card=card, **parsed_card.state)
                    if parsed_card.log:  # the drill mark follows from the card's newest grade
                        _seq, newest = max(parsed_card.log, key=lambda item: item[0])
                        state.drill_day, state.drill_at = drill_mark(
                            newest["grade"], newest["review_day"], newest["reviewed_at"]
                        )
                    session.add(state)
                pending_logs.extend((seq, card, entry) for seq, entry in parsed_card.log)
    session.flush()
    session.add_all(
        DeckMedia(
            deck_id=deck.id,
            name=name,
            content=data,
            content_hash=content_hash(data),
            size=len(data),
            mime_type=image_type(data),
        )
        for deck, images in deck_media
        for name, data in images
    )

    pending_logs.sort(key=lambda item: item[0])
    # Added in order, the entries get ascending ids in the original order of the log.
    session.add_all(
        ReviewLog(user_id=user.id, card_id=card.id, **entry) for _seq, card, entry in pending_logs
    )
    session.add_all(AnkiExport(user_id=user.id, **values) for values in backup.exports)
    session.flush()
    return RestoreResult(
        decks=len(backup.decks),
        topics=topic_count,
        cards=card_count,
        reviews=len(pending_logs),
        exports=len(backup.exports),
    )


def delete_user_data(session: Session, user: User) -> None:
    """Delete what a backup holds of ``user``: the decks (with their topics, cards, review states and
    review log, which the database deletes with them) and the record of Anki exports.

    The account itself, its settings and its waiting imports stay.
    """
    session.flush()
    session.execute(
        delete(Deck).where(Deck.user_id == user.id), execution_options={"synchronize_session": False}
    )
    session.execute(delete(AnkiExport).where(AnkiExport.user_id == user.id))
    session.expire_all()  # no object loaded before may stand for a deleted row


@dataclass(frozen=True)
class Contents:
    """How much a backup, or an account, holds: what the restore page shows before replacing anything."""

    decks: int
    cards: int
    reviews: int
    exported_at: datetime | None = None  # when the backup was made (None for an account)


def backup_contents(data: dict[str, Any]) -> Contents:
    """What a backup returned by ``read_backup`` (so already checked) holds."""
    decks = data["decks"]
    return Contents(
        decks=len(decks),
        cards=sum(len(deck["cards"]) for deck in decks),
        reviews=sum(len(card["log"]) for deck in decks for card in deck["cards"]),
        exported_at=datetime.fromisoformat(data["exported_at"]).astimezone(UTC),
    )


def account_contents(session: Session, user: User) -> Contents:
    """What ``user`` has now, as a backup of it would hold."""
    decks = session.scalar(select(func.count()).select_from(Deck).where(Deck.user_id == user.id)) or 0
    cards = session.scalar(select(func.count()).select_from(owned_cards(user.id).subquery())) or 0
    reviews = (
        session.scalar(select(func.count()).select_from(ReviewLog).where(ReviewLog.user_id == user.id)) or 0
    )
    return Contents(decks, cards, reviews)


# --- backups uploaded in the browser, waiting for the user's confirmation -------------------------

KEPT_UPLOAD_SECONDS = 3600  # an upload not confirmed within the hour is deleted
_TOKEN = re.compile(r"[0-9a-f]{32}")


def keep_upload(folder: Path, user_id: int, raw: bytes) -> str:
    """Keep a checked backup file until its user confirms the restore; return the token that names it.

    A user has at most one upload waiting (a new one replaces it), and uploads older than
    ``KEPT_UPLOAD_SECONDS`` are deleted.  The file is only ever read back by its user's id and
    token (``kept_upload``), which the user's session holds.
    """
    folder.mkdir(parents=True, exist_ok=True)
    discard_uploads(folder, user_id)
    cutoff = time.time() - KEPT_UPLOAD_SECONDS
    for path in folder.glob("*.json.gz"):
        with contextlib.suppress(FileNotFoundError):  # another worker's sweep got there first
            if path.stat().st_mtime < cutoff:
                path.unlink()
    token = secrets.token_hex(16)
    partial = folder / f".{user_id}-{token}.partial"
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(raw)
    partial.replace(folder / f"{user_id}-{token}.json.gz")
    return token


def kept_upload(folder: Path, user_id: int, token: object) -> bytes | None:
    """The backup file ``user_id`` uploaded under ``token``, or None (no such upload, or too old)."""
    if not isinstance(token, str) or not _TOKEN.fullmatch(token):
        return None
    path = folder / f"{user_id}-{token}.json.gz"
    try:
        if path.stat().st_mtime < time.time() - KEPT_UPLOAD_SECONDS:
            return None
        return path.read_bytes()
    except FileNotFoundError:
        return None


def take_upload(folder: Path, user_id: int, token: object) -> bytes | None:
    """Like ``kept_upload``, and the file is deleted: of two requests taking it at once (a double
    click on the confirmation), one gets it and the other None, so a backup is restored once."""
    raw = kept_upload(folder, user_id, token)
    if raw is None:
        return None
    try:
        (folder / f"{user_id}-{token}.json.gz").unlink()
    except FileNotFoundError:
        return None
    return raw


def discard_uploads(folder: Path, user_id: int) -> None:
    """Delete every backup file ``user_id`` uploaded and did not restore."""
    for path in folder.glob(f"{user_id}-*.json.gz"):
        path.unlink(missing_ok=True)


__all__ = [
    "BACKUP_FORMAT",
    "BACKUP_VERSION",
    "BackupError",
    "Contents",
    "account_contents",
    "backup_contents",
    "discard_uploads",
    "keep_upload",
    "kept_upload",
    "take_upload",
    "RestoreResult",
    "delete_user_data",
    "dump_user",
    "read_backup",
    "restore_user",
    "write_backup",
]
