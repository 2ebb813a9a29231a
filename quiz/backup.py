"""Backup and restore of one user's data: decks, topics, cards, review states, the review log, exports.

A backup is gzip-compressed UTF-8 JSON (see ``dump_user``).  It holds no database
ids, so it restores into another account or another database (SQLite or
PostgreSQL alike), and no password hash.  Dates are ISO strings; datetimes are
ISO strings with their UTC offset; the ease factor stays an exact integer of
hundredths.

Functions here add and flush; the caller commits.  ``restore_user`` checks the
whole backup before it writes anything, so a bad file stores nothing: every value
must fit its column and keep the domain limits of ``quiz.limits`` (the rules the
app and the database's CHECK constraints hold), and the error names the first
field that does not (``decks[0].cards[3].kind: must be one of …``).

A deck carries its note's text (``source_text``) and display name (``source_name``),
so a restored card shows its source lines, and the keys of the cards the user unticked
at an import (``unticked``: they stay out of later imports); a card carries the note's
kind when the user chose another (``note_kind``).  Backups written before these fields
existed restore without them.  A deck's ``source_path`` is only the note's identity:
nothing in the app opens it, whatever a backup sets it to.
"""

from __future__ import annotations

import gzip
import json
import re
import unicodedata
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, BinaryIO

from sqlalchemy import BigInteger, Boolean, Date, Integer, SmallInteger, String, func, select
from sqlalchemy.orm import Session, undefer

from quiz import limits
from quiz.models import (
    AnkiExport,
    Card,
    Deck,
    ReviewLog,
    ReviewState,
    Topic,
    UntickedCard,
    User,
    UTCDateTime,
    now_utc,
)
from quiz.store.grading import LOG_AFTER_FIELDS, LOG_BEFORE_FIELDS, SCHEDULE_FIELDS, drill_mark
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
)
OPTIONAL_CARD_FIELDS = frozenset({"note_kind"})
# A review state's schedule and a log row's before and after are the grade's own columns
# (quiz.store.grading); the drill mark is not kept: a restore derives it from the newest grade.
STATE_FIELDS = (*SCHEDULE_FIELDS, "suspended")
LOG_FIELDS = ("reviewed_at", "review_day", "grade", "drill", *LOG_BEFORE_FIELDS, *LOG_AFTER_FIELDS)
EXPORT_FIELDS = ("timestamp", "note_count")


class BackupError(ValueError):
    """A backup cannot be read or restored; the message says why."""


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
                raise BackupError(f"{where}: {problem}")
        return value

    def convert(raw: object, where: str) -> object:
        if raw is None:
            if nullable:
                return None
            raise BackupError(f"{where}: must not be null")
        if isinstance(kind, UTCDateTime):
            if not isinstance(raw, str):
                raise BackupError(f"{where}: expected an ISO date and time, got {raw!r}")
            try:
                value = datetime.fromisoformat(raw)
            except ValueError:
                raise BackupError(f"{where}: expected an ISO date and time, got {raw!r}") from None
            if value.tzinfo is None:
                raise BackupError(f"{where}: the time {raw!r} has no UTC offset")
            return value.astimezone(UTC)
        if isinstance(kind, Date):
            if not isinstance(raw, str) or len(raw) != 10:
                raise BackupError(f"{where}: expected an ISO date (YYYY-MM-DD), got {raw!r}")
            try:
                return date.fromisoformat(raw)
            except ValueError:
                raise BackupError(f"{where}: expected an ISO date (YYYY-MM-DD), got {raw!r}") from None
        if isinstance(kind, Boolean):
            if not isinstance(raw, bool):
                raise BackupError(f"{where}: expected true or false, got {raw!r}")
            return raw
        if isinstance(kind, Integer):
            if isinstance(raw, bool) or not isinstance(raw, int):
                raise BackupError(f"{where}: expected a whole number, got {raw!r}")
            limit = _int_limit(kind)
            if not -limit <= raw < limit:
                raise BackupError(f"{where}: {raw} is out of range")
            return raw
        if isinstance(kind, String):
            if not isinstance(raw, str):
                raise BackupError(f"{where}: expected text, got {raw!r}")
            if kind.length is not None and len(raw) > kind.length:
                raise BackupError(f"{where}: longer than {kind.length} characters")
            if "\x00" in raw:
                raise BackupError(f"{where}: contains a NUL character")
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
        raise BackupError(f"{where}: expected a whole number 0 or more, got {raw!r}")
    return raw


def _object(raw: object, where: str) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise BackupError(f"{where}: expected an object, got {type(raw).__name__}")
    return raw


def _list(raw: object, where: str) -> list[Any]:
    if not isinstance(raw, list):
        raise BackupError(f"{where}: expected a list, got {type(raw).__name__}")
    return raw


def _field(raw: dict[str, Any], name: str, where: str) -> Any:
    if name not in raw:
        raise BackupError(f"{where}: missing field {name!r}")
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
        name: decode(obj.get(name) if name in optional else _field(obj, name, where), f"{where}.{name}")
        for name, decode in decoders.items()
    }
    if table is not None:
        broken = limits.row_problem(table, values)
        if broken is not None:
            raise BackupError(f"{where}.{broken[0]}: {broken[1]}")
    return values


def _path(raw: object, where: str) -> tuple[str, ...]:
    items = _list(raw, where)
    if not items:
        raise BackupError(f"{where}: a topic path needs at least one title")
    path = tuple(str(_TOPIC_TITLE(item, f"{where}[{i}]")) for i, item in enumerate(items))
    if any(Topic.PATH_SEPARATOR in title for title in path):
        raise BackupError(f"{where}: a topic title contains the path separator")
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


def _check_header(data: object) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise BackupError(f"not a Wengu backup: expected a JSON object, got {type(data).__name__}")
    fmt = data.get("format")
    if fmt != BACKUP_FORMAT:
        raise BackupError(f"not a Wengu backup (format {fmt!r}, expected {BACKUP_FORMAT!r})")
    version = data.get("version")
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise BackupError(f"the backup's version {version!r} is not valid")
    if version > BACKUP_VERSION:
        raise BackupError(
            f"the backup was made by a newer version of Wengu (backup version {version}; "
            f"this version reads up to {BACKUP_VERSION}); upgrade Wengu to restore it"
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
            raise BackupError(f"{where}: source path {values['source_path']!r} appears twice")
        if values["slug"] in slugs:
            raise BackupError(f"{where}: slug {values['slug']!r} appears twice")
        source_paths.add(values["source_path"])
        slugs.add(values["slug"])
        topics: list[tuple[tuple[str, ...], dict[str, Any]]] = []
        paths: set[tuple[str, ...]] = set()
        for t, raw_topic in enumerate(_list(_field(raw_deck, "topics", where), f"{where}.topics")):
            twhere = f"{where}.topics[{t}]"
            path = _path(_field(_object(raw_topic, twhere), "path", twhere), f"{twhere}.path")
            if path in paths:
                raise BackupError(f"{twhere}: topic {' / '.join(path)!r} appears twice")
            paths.add(path)
            topics.append((path, _values(raw_topic, _TOPIC, twhere)))
        for path, _ in topics:
            if len(path) > 1 and path[:-1] not in paths:
                raise BackupError(f"{where}: topic {' / '.join(path)!r} has no parent topic in the backup")
        cards: list[_Card] = []
        keys: set[str] = set()
        for c, raw_card in enumerate(_list(_field(raw_deck, "cards", where), f"{where}.cards")):
            cwhere = f"{where}.cards[{c}]"
            card_values = _values(raw_card, _CARD, cwhere, OPTIONAL_CARD_FIELDS)
            if card_values["key"] in keys:
                raise BackupError(f"{cwhere}: card key {card_values['key']!r} appears twice in the deck")
            keys.add(card_values["key"])
            raw_path = _field(raw_card, "topic", cwhere)
            topic = None if raw_path is None else _path(raw_path, f"{cwhere}.topic")
            if topic is not None and topic not in paths:
                raise BackupError(f"{cwhere}.topic: {' / '.join(topic)!r} is not a topic of the deck")
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
                    raise BackupError(f"{lwhere}.seq: {seq} appears twice in the review log")
                seqs.add(seq)
                log.append((seq, _values(raw_entry, _LOG, lwhere, table="review_log")))
            cards.append(_Card(card_values, topic, state, log))
        decks.append(_Deck(values, topics, cards, _unticked(raw_deck, where)))
    exports = [
        _values(raw, _EXPORT, f"anki_exports[{i}]")
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
                    "cards": [{key, kind, front, back, line, position, retired, edited_at,
                               override_front, override_back, note_kind, "topic": [title, ...] | null,
                               "state": {repetitions, ease_hundredths, ...} | null,
                               "log": [{"seq", reviewed_at, review_day, grade, drill,
                                        ..._before, ..._after}]}]}],
         "anki_exports": [{timestamp, note_count}]}

    ``seq`` numbers the user's whole review log in order (oldest first), across cards.
    """
    decks = session.scalars(
        select(Deck).where(Deck.user_id == user.id).order_by(Deck.id).options(undefer(Deck.source_text))
    ).all()
    deck_ids = [deck.id for deck in decks]
    topics: dict[int, list[Topic]] = {deck_id: [] for deck_id in deck_ids}
    cards: dict[int, list[Card]] = {deck_id: [] for deck_id in deck_ids}
    unticked: dict[int, list[str]] = {deck_id: [] for deck_id in deck_ids}
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
    except (OSError, EOFError, zlib.error) as exc:
        raise BackupError(
            f"not a Wengu backup: the file is not gzip-compressed or is damaged ({exc})"
        ) from None
    if not raw:
        raise BackupError("not a Wengu backup: the file is empty")
    if len(raw) > max_bytes:
        raise BackupError(f"the backup is larger than {max_bytes} bytes uncompressed")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise BackupError("not a Wengu backup: the contents are not UTF-8 text") from None
    try:
        data = json.loads(text, parse_constant=_reject_constant)
    except (ValueError, RecursionError) as exc:
        raise BackupError(f"not a Wengu backup: the contents are not valid JSON ({exc})") from None
    _parse(data)
    return data


def restore_user(session: Session, data: dict[str, Any], user: User) -> RestoreResult:
    """Load a backup (as returned by ``read_backup`` or ``dump_user``) into ``user``.

    The account must have no decks yet.  Its settings (time zone, daily limits, day start,
    language) are taken from the backup; its name, password and admin flag are kept.
    The review log is inserted in its original order, so undo and the charts see the
    same history.

    Raises:
        BackupError: the account is not empty or the backup is not well formed; nothing is stored.
    """
    backup = _parse(data)
    if user.id is None:
        session.flush()
    has_decks = session.scalar(select(func.count()).select_from(Deck).where(Deck.user_id == user.id))
    if has_decks:
        raise BackupError(f"restore needs an empty account: {user.name!r} already has {has_decks} decks")

    for name in RESTORED_USER_FIELDS:
        setattr(user, name, backup.user[name])

    pending_logs: list[tuple[int, Card, dict[str, Any]]] = []
    topic_count = card_count = 0
    with session.no_autoflush:
        for parsed in backup.decks:
            deck = Deck(user_id=user.id, **parsed.values)
            session.add(deck)
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


__all__ = [
    "BACKUP_FORMAT",
    "BACKUP_VERSION",
    "BackupError",
    "RestoreResult",
    "dump_user",
    "read_backup",
    "restore_user",
    "write_backup",
]
