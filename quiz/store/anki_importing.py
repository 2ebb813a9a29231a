"""An Anki package into Wengu: one deck per top-level Anki deck, its cards, their SM-2 states and history.

``import_anki_package`` takes what ``quiz.anki_package.read_package`` read and stores it for one user,
in bulk (a few statements per deck and per table, whatever the number of cards), without committing.

* **Decks.**  Each top-level Anki deck that has cards is a Wengu deck: ``source_path`` "anki:<name>"
  (a Markdown note's identity never starts so: ``quiz.store.decks.note_identity``), title its name,
  a slug unique among the user's decks.  Its subdecks are topics (the levels below the top,
  outermost first); the top deck's own cards have no topic.
* **Cards.**  Key "anki:<note guid>:<card ord>"; kind and text from the note's fields and template
  (``quiz.anki_cards``).  A note that gives no card is reported in ``skipped`` with the reason.  A
  re-import (the same package again, or a newer export of the same deck) updates by key: changed
  text is updated, cards gone from the package are retired (kept with their history, restored if
  they return), as a Markdown re-import does.
* **Scheduling** (Anki → SM-2, the inverse of ``quiz.anki_schedule``): a new card stays new (in
  Anki's new-card order); a review card keeps its interval, its ease (factor / 10, at least
  ``limits.MIN_EASE_HUNDREDTHS``), its lapses and its due day (as many days from the user's today as
  from Anki's); a learning or relearning card is due the day Anki has it due, interval 0 (1 when
  relearning); SM-2's repetitions are the passes since the last lapse in the review log.  Suspended
  stays suspended; buried is not (Wengu has no burying).
* **Review log.**  Each Anki review (button 1 Again, 2 Hard, 3 Good, 4 Easy → grade 1, 3, 4, 5) is a
  log row at its time, on the user's study day; a review in a filtered deck (cram) is a drill row;
  manual reschedules are left out.  The states before and after each row are replayed from the
  log.  A review already imported (the same card at the same millisecond) is not added again.  The
  counters (``quiz.counters``) follow by their triggers.
* **Progress made in Wengu wins when it is newer.**  On a re-import a card whose newest review in
  Wengu (one not imported from Anki) is newer than its newest review in the package keeps its
  Wengu state and history, without Anki's reviews since (counted in ``kept_progress``); every other
  card takes Anki's state, its version moved on so that a page showing the old one is used up.
* **Counters.**  On PostgreSQL the counter triggers are held off for the bulk writes and the counts
  are added once, summed (``quiz.counters.defer``); SQLite's triggers count row by row.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Date, Table, select
from sqlalchemy.orm import Session

from quiz import counters, limits
from quiz.anki_cards import CardText, card_key, card_text
from quiz.anki_package import AnkiCard, AnkiPackage, AnkiRevlogEntry
from quiz.anki_schedule import millis as anki_millis
from quiz.media import image_references, media_name
from quiz.models import Card, Deck, ReviewLog, ReviewState, Topic, User, change_time
from quiz.store.days import local_today
from quiz.store.decks import SLUG_MAX, _states_follow_cards, _sync_topics, _unique_slug
from quiz.store.grading import SCHEDULE_FIELDS, drill_mark
from quiz.store.media import prune_media, save_media
from quiz.store.scopes import ANKI_DECK_PREFIX

__all__ = ["ANKI_SOURCE_PREFIX", "AnkiImportResult", "import_anki_package"]

ANKI_SOURCE_PREFIX = ANKI_DECK_PREFIX
_DEFAULT_DECK = "Default"
_SOURCE_MAX = 1000  # the length of Deck.source_path
_TITLE_MAX = 200  # of Deck.title
_TOPIC_TITLE_MAX = 500  # of Topic.title
_CHUNK = 20_000  # rows per executemany

# Anki's answer buttons as SM-2 grades: the inverse of ``quiz.anki_schedule.anki_ease``.
GRADE_BY_EASE = {1: 1, 2: 3, 3: 4, 4: 5}
_NEW, _LEARNING, _REVIEW, _RELEARNING = 0, 1, 2, 3  # cards.type
_QUEUE_SUSPENDED = -1
_REVLOG_FILTERED = 3  # a review in a filtered deck (cram): a drill
_REVLOG_SCHEDULED = (0, 1, 2)  # learn, review, relearn
_DAY_SECONDS = 86_400
_EPOCH_SECONDS_FROM = 1_000_000_000  # a learning card's due above this is a time, else a day number
_DEFAULT_EASE = 250


@dataclass
class AnkiImportResult:
    """What importing one top-level Anki deck did."""

    deck: Deck
    created: bool  # a new Wengu deck (else an update of one imported before)
    added: int = 0  # cards new to Wengu
    updated: int = 0  # cards whose text changed (or that came back after being retired)
    unchanged: int = 0
    retired: int = 0  # cards of this deck no longer in the package
    kept_progress: int = 0  # cards whose Wengu progress (newer than Anki's) was kept
    reviews: int = 0  # review log rows added
    media: int = 0  # images kept
    skipped: list[str] = field(default_factory=list)  # short English reasons for notes that gave no card

    @property
    def summary(self) -> str:
        """One line for the command line."""
        parts = [
            f"{self.added} added",
            f"{self.updated} updated",
            f"{self.unchanged} unchanged",
            f"{self.retired} retired",
            f"{self.reviews} reviews",
        ]
        if self.kept_progress:
            parts.append(f"{self.kept_progress} kept their Wengu progress")
        if self.media:
            parts.append(f"{self.media} images")
        if self.skipped:
            parts.append(f"{len(self.skipped)} skipped")
        created = "new deck" if self.created else "updated"
        return f"{self.deck.title} ({created}): {', '.join(parts)}"


@dataclass(slots=True)
class _Draft:
    """One Anki card on its way in."""

    key: str
    text: CardText
    topic: tuple[str, ...]
    card: AnkiCard
    position: int = 0
    card_id: int | None = None


def deck_identity(name: str) -> str:
    """The ``source_path`` of the Wengu deck of the top-level Anki deck ``name``."""
    identity = ANKI_SOURCE_PREFIX + name
    if len(identity) <= _SOURCE_MAX:
        return identity
    digest = hashlib.sha1(name.encode()).hexdigest()[:16]
    return f"{identity[: _SOURCE_MAX - 17]}-{digest}"


def _levels(name: str) -> list[str]:
    levels = [level.strip() for level in name.split("::")]
    return [level for level in levels if level] or [_DEFAULT_DECK]


def import_anki_package(
    session: Session, user: User, package: AnkiPackage, now: datetime
) -> list[AnkiImportResult]:
    """Store ``package`` as ``user``'s decks: one result per top-level Anki deck that has cards, in the
    order of their names.  Does not commit; the caller commits or rolls back."""
    session.flush()
    notes = {note.id: note for note in package.notes}
    texts: dict[tuple[int, int], CardText | str] = {}
    by_deck: dict[str, list[_Draft]] = {}
    skipped: dict[str, list[str]] = {}
    for card in package.cards:
        levels = _levels(package.decks.get(card.deck_id, _DEFAULT_DECK))
        top = levels[0][:_TITLE_MAX].strip() or _DEFAULT_DECK
        topic = tuple(level[:_TOPIC_TITLE_MAX] for level in levels[1:])
        note = notes.get(card.note_id)
        note_type = package.note_types.get(note.notetype_id) if note is not None else None
        if note is None or note_type is None:
            skipped.setdefault(top, []).append(f"card {card.id}: its note or note type is missing")
            by_deck.setdefault(top, [])
            continue
        text = texts.get((note.id, card.ord))
        if text is None:
            text = texts[(note.id, card.ord)] = card_text(note_type, note.fields, card.ord)
        if isinstance(text, str):
            skipped.setdefault(top, []).append(f"note {note.id} ({note_type.name}): {text}")
            by_deck.setdefault(top, [])
            continue
        by_deck.setdefault(top, []).append(_Draft(card_key(note.guid, card.ord), text, topic, card))
    revlog: dict[int, list[AnkiRevlogEntry]] = {}
    for entry in package.revlog:
        revlog.setdefault(entry.card_id, []).append(entry)
    decks = {
        deck.source_path: deck
        for deck in session.scalars(
            select(Deck).where(Deck.user_id == user.id, Deck.source_path.startswith(ANKI_SOURCE_PREFIX))
        )
    }
    slugs = set(session.scalars(select(Deck.slug).where(Deck.user_id == user.id)))
    clock = _Clock(user, package.collection_created, now)
    media = {}
    for name in package.media:
        stored = media_name(name)
        if stored is not None:
            media.setdefault(stored, name)
    results = []
    for top in sorted(by_deck):
        identity = deck_identity(top)
        deck = decks.get(identity)
        created = deck is None
        if deck is None:
            slug = _unique_slug(slugs, top[: SLUG_MAX - 4])
            slugs.add(slug)
            deck = Deck(
                user_id=user.id,
                title=top,
                slug=slug,
                source_path=identity,
                content_hash="",
                source_text=None,
                source_name=None,
                imported_at=now,
            )
            session.add(deck)
            session.flush()
            decks[identity] = deck
        result = AnkiImportResult(deck=deck, created=created, skipped=skipped.get(top, []))
        importer = _DeckImport(session, user, deck, result, clock, revlog, now)
        importer.run(by_deck[top], created)
        importer.keep_media(package.media, media)
        results.append(result)
    return results


class _Clock:
    """The user's study days for the package's times."""

    def __init__(self, user: User, collection_created: int, now: datetime) -> None:
        self.user = user
        self.today = local_today(user, now)
        self.anki_today = (int(now.timestamp()) - collection_created) // _DAY_SECONDS
        # The latest time a review or a learning step may have: later ones are damaged values.
        self.latest_seconds = int(now.timestamp()) + _DAY_SECONDS * limits.MAX_INTERVAL_DAYS
        self._days: dict[int, date] = {}

    def day_of(self, moment: datetime) -> date:
        """The user's study day at ``moment`` (cached by the quarter hour: every time zone's offset, so
        every day's start, is a whole number of quarter hours)."""
        quarter = int(moment.timestamp()) // 900
        day = self._days.get(quarter)
        if day is None:
            day = self._days[quarter] = local_today(self.user, moment)
        return day

    def day_number(self, number: int) -> date:
        """The day Anki numbers ``number`` (days since the collection was made), as the user's day."""
        return self.today + timedelta(
            days=max(-limits.MAX_INTERVAL_DAYS, min(limits.MAX_INTERVAL_DAYS, number - self.anki_today))
        )


_MAX_EASE = 10_000  # an ease of 100: Anki's highest factors are a few thousand permille; more is damage


def _ease(factor: int, fallback: int = _DEFAULT_EASE) -> int:
    """An Anki factor (permille) as Wengu's ease in hundredths, within Wengu's range."""
    return max(limits.MIN_EASE_HUNDREDTHS, min(factor // 10, _MAX_EASE)) if factor > 0 else fallback


def _count(value: int) -> int:
    """A count of Anki's (reviews, lapses) as a column holds it."""
    return max(0, min(value, limits.DB_INT_MAX))


def _days(interval: int) -> int:
    """An Anki interval as whole days: a learning step (negative: seconds) is 0."""
    return max(0, min(interval, limits.MAX_INTERVAL_DAYS))


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _moment(millis: int) -> datetime:
    """The time of a revlog id (milliseconds since the epoch), exactly."""
    return _EPOCH + timedelta(milliseconds=millis)


@dataclass(slots=True)
class _Replay:
    """A card's review log replayed: its log rows and the SM-2 numbers after the last."""

    rows: list[tuple[int, tuple[Any, ...]]]  # (revlog id, the values of ``_LOG_VALUES``)
    repetitions: int = 0
    introduced_on: date | None = None
    last_reviewed_at: datetime | None = None
    newest_millis: int | None = None
    drill: tuple[date | None, datetime | None] = (None, None)


def _replay(entries: Sequence[AnkiRevlogEntry], clock: _Clock) -> _Replay:
    """The review log rows of one card's Anki reviews (time order), each with the state before and after."""
    reps, ease, interval, due, lapses = 0, _DEFAULT_EASE, 0, None, 0
    introduced: date | None = None
    last: datetime | None = None
    rows: list[tuple[int, tuple[Any, ...]]] = []
    replay = _Replay(rows)
    for entry in entries:
        grade = GRADE_BY_EASE.get(entry.ease)
        if grade is None or not (entry.type in _REVLOG_SCHEDULED or entry.type == _REVLOG_FILTERED):
            continue  # a manual reschedule, or a row of an unknown kind
        if not 0 <= entry.id <= clock.latest_seconds * 1000:
            continue  # a time no review can have had (a damaged collection)
        moment = _moment(entry.id)
        day = clock.day_of(moment)
        before = (reps, ease, interval, due, lapses, introduced, last)
        drill = entry.type == _REVLOG_FILTERED
        if not drill:
            after_interval = _days(entry.interval)
            ease = _ease(entry.factor, ease)
            if entry.ease == 1:
                if entry.type == 1:  # a review card forgotten: Anki counts a lapse
                    lapses += 1
                reps = 0
            elif after_interval >= 1:
                reps += 1
            if reps >= 2 and after_interval < 1:
                after_interval = 1
            interval = after_interval
            due = day + timedelta(days=interval)
            introduced = introduced or day
            last = moment
        # In ``_LOG_VALUES`` order.
        rows.append((entry.id, (moment, day, grade, drill, *before, reps, ease, interval, due)))
        replay.drill = drill_mark(grade, day, moment)
        replay.newest_millis = entry.id
    replay.repetitions = reps
    replay.introduced_on = introduced
    replay.last_reviewed_at = last
    return replay


_SCHEDULE_COLUMNS = (*SCHEDULE_FIELDS, "suspended", "drill_day", "drill_at")


_LOG_VALUES = (
    "reviewed_at",
    "review_day",
    "grade",
    "drill",
    "repetitions_before",
    "ease_hundredths_before",
    "interval_days_before",
    "due_before",
    "lapses_before",
    "introduced_on_before",
    "last_reviewed_at_before",
    "repetitions_after",
    "ease_hundredths_after",
    "interval_days_after",
    "due_after",
)
_LOG_COLUMNS = ("user_id", "card_id", "deck_id", "topic_id", *_LOG_VALUES)


def _anki_state(card: AnkiCard, replay: _Replay, clock: _Clock) -> tuple[Any, ...]:
    """The card's Anki scheduling as Wengu's review state, in ``_SCHEDULE_COLUMNS`` order."""
    suspended = card.queue == _QUEUE_SUSPENDED
    if card.type == _NEW or card.queue == 0:
        return (0, _DEFAULT_EASE, 0, None, 0, None, None, suspended, None, None)
    ease = _ease(card.factor)
    if card.type == _REVIEW:
        interval = max(1, _days(card.interval))
        reps = replay.repetitions if replay.rows else max(1, _count(card.reps) - _count(card.lapses))
        due = clock.day_number(card.due)
    else:  # learning or relearning: due the day Anki has it due
        interval = 0 if card.type == _LEARNING else 1
        reps = 0
        if card.due > _EPOCH_SECONDS_FROM:
            due = clock.day_of(_moment(min(card.due, clock.latest_seconds) * 1000))
        else:
            due = clock.day_number(card.due)
    introduced = replay.introduced_on or clock.today
    drill_day, drill_at = replay.drill
    return (
        reps,
        ease,
        interval,
        due,
        _count(card.lapses),
        introduced,
        replay.last_reviewed_at,
        suspended,
        drill_day,
        drill_at,
    )


def _new_card_order(draft: _Draft) -> tuple[int, int, int, int]:
    """Where a card goes in its deck: new cards first in Anki's new-card order, then the others by note."""
    card = draft.card
    if card.type == _NEW:
        return (0, card.due, card.note_id, card.ord)
    return (1, 0, card.note_id, card.ord)


def _topic_keys(drafts: Iterable[_Draft]) -> dict[tuple[str, ...], str]:
    """Every subdeck path of the cards and its ancestors, in the order of their names, with path keys."""
    keys: dict[tuple[str, ...], str] = {}
    for path in sorted({draft.topic for draft in drafts if draft.topic}):
        for depth in range(1, len(path) + 1):
            prefix = path[:depth]
            if prefix not in keys:
                keys[prefix] = Topic.PATH_SEPARATOR.join(prefix)
    return keys


def _count_state(
    deltas: counters.CountDeltas, sign: int, key: counters.StateKey, active: bool, state: tuple[Any, ...]
) -> None:
    """A state (``_SCHEDULE_COLUMNS``) written with the counter triggers off, counted as they count."""
    deltas.state(
        sign,
        key,
        active=active,
        suspended=state[7],
        due=state[3],
        interval_days=state[2],
        ease_hundredths=state[1],
    )


class _DeckImport:
    """One top-level Anki deck into its Wengu deck."""

    def __init__(
        self,
        session: Session,
        user: User,
        deck: Deck,
        result: AnkiImportResult,
        clock: _Clock,
        revlog: dict[int, list[AnkiRevlogEntry]],
        now: datetime,
    ) -> None:
        self.session, self.user, self.deck, self.result = session, user, deck, result
        self.clock, self.revlog, self.now = clock, revlog, now
        self.drafts: list[_Draft] = []

    def run(self, drafts: list[_Draft], created: bool) -> None:
        session, deck, result, now = self.session, self.deck, self.result, self.now
        drafts.sort(key=_new_card_order)
        for position, draft in enumerate(drafts):
            draft.position = position
        self.drafts = drafts
        topic_ids = _sync_topics(session, deck, _topic_keys(drafts)) if drafts else {}
        stored = {} if created else self._stored_cards()
        inserts: list[tuple[Any, ...]] = []
        updates: list[tuple[Any, ...]] = []
        digest = hashlib.sha256()
        for draft in drafts:
            text = draft.text
            topic_id = topic_ids.get(draft.topic) if draft.topic else None
            digest.update(
                f"{draft.key}\x1f{text.kind}\x1f{text.front}\x1f{text.back}\x1f{topic_id}\x1e".encode()
            )
            old = stored.pop(draft.key, None)
            if old is None:
                inserts.append(
                    (
                        deck.id,
                        topic_id,
                        text.kind,
                        text.front,
                        text.back,
                        draft.key,
                        0,
                        draft.position,
                        False,
                        now,
                    )
                )
                continue
            draft.card_id = old.id
            in_note = old.note_kind if old.note_kind is not None else old.kind
            text_changed = (in_note, old.front, old.back) != (text.kind, text.front, text.back)
            if text_changed:
                result.updated += 1
            elif old.retired:
                result.updated += 1  # back in the package: restored
            else:
                result.unchanged += 1
            if old.note_kind is not None:  # the user chose the card's kind: it stays theirs
                kind, note_kind = old.kind, (text.kind if text.kind != old.kind else None)
            else:
                kind, note_kind = text.kind, None
            new = (kind, note_kind, text.front, text.back, topic_id, draft.position, False)
            was = (old.kind, old.note_kind, old.front, old.back, old.topic_id, old.position, old.retired)
            if new != was:
                exported = new[:5] != was[:5] or old.retired
                edited_at = now if text_changed else old.edited_at
                changed_at = change_time(old.changed_at, now) if exported else old.changed_at
                updates.append((*new, edited_at, changed_at, old.id))
        for old in stored.values():  # in the deck, no longer in the package
            if not old.retired:
                result.retired += 1
                updates.append(
                    (
                        old.kind,
                        old.note_kind,
                        old.front,
                        old.back,
                        old.topic_id,
                        old.position,
                        True,
                        old.edited_at,
                        change_time(old.changed_at, now),
                        old.id,
                    )
                )
        result.added = len(inserts)
        deck.content_hash = digest.hexdigest()
        cards = Card.__table__
        _write(
            session,
            cards,
            "INSERT",
            (
                "deck_id",
                "topic_id",
                "kind",
                "front",
                "back",
                "key",
                "line",
                "position",
                "retired",
                "changed_at",
            ),
            inserts,
        )
        _write(
            session,
            cards,
            "UPDATE",
            (
                "kind",
                "note_kind",
                "front",
                "back",
                "topic_id",
                "position",
                "retired",
                "edited_at",
                "changed_at",
            ),
            updates,
            where=("id",),
        )
        if inserts:
            ids = {
                key: id_
                for key, id_ in session.execute(select(Card.key, Card.id).where(Card.deck_id == deck.id))
            }
            for draft in drafts:
                if draft.card_id is None:
                    draft.card_id = ids[draft.key]
        if updates:
            _states_follow_cards(session, deck)
        self._progress(topic_ids, created)
        deck.imported_at = now
        session.flush()
        self._expire_loaded()

    def _stored_cards(self) -> dict[str, Any]:
        columns = (
            Card.id,
            Card.key,
            Card.kind,
            Card.note_kind,
            Card.front,
            Card.back,
            Card.topic_id,
            Card.position,
            Card.retired,
            Card.edited_at,
            Card.changed_at,
        )
        return {
            row.key: row for row in self.session.execute(select(*columns).where(Card.deck_id == self.deck.id))
        }

    def _progress(self, topic_ids: dict[tuple[str, ...], int], created: bool) -> None:
        """The review states and the review log of the deck's cards."""
        session, user, deck, result, clock = self.session, self.user, self.deck, self.result, self.clock
        states: dict[int, Any] = {}
        logged: dict[int, set[int]] = {}
        wengu_newest: dict[int, int] = {}
        if not created:
            columns = [
                ReviewState.card_id,
                ReviewState.topic_id,
                ReviewState.active,
                *(ReviewState.__table__.c[name] for name in _SCHEDULE_COLUMNS),
            ]
            query = select(*columns).where(ReviewState.user_id == user.id, ReviewState.deck_id == deck.id)
            states = {row[0]: (tuple(row[3:]), row[1], row[2]) for row in session.execute(query)}
            deck_cards = select(Card.id).where(Card.deck_id == deck.id)
            log = select(ReviewLog.card_id, ReviewLog.reviewed_at).where(
                ReviewLog.user_id == user.id, ReviewLog.card_id.in_(deck_cards)
            )
            for card_id, reviewed_at in session.execute(log):
                millis = anki_millis(reviewed_at)
                logged.setdefault(card_id, set()).add(millis)
                if millis > wengu_newest.get(card_id, -1):
                    wengu_newest[card_id] = millis
        state_inserts: list[tuple[Any, ...]] = []
        state_updates: list[tuple[Any, ...]] = []
        log_rows: list[tuple[Any, ...]] = []
        connection = session.connection()
        deltas = counters.CountDeltas() if counters.defer(connection) else None
        for draft in self.drafts:
            card_id = draft.card_id
            assert card_id is not None
            entries = self.revlog.get(draft.card.id, ())
            replay = _replay(entries, clock)
            seen = logged.get(card_id, set())
            topic_id = topic_ids.get(draft.topic) if draft.topic else None
            where = (user.id, card_id, deck.id, topic_id)
            stored = states.get(card_id)
            newest = wengu_newest.get(card_id)
            # Wengu's progress is newer: the card keeps its state and its history, which Anki's reviews
            # since would not continue.  (A row imported from Anki is one of the package's, never newer
            # than its newest.)
            kept = (
                stored is not None
                and newest is not None
                and (replay.newest_millis is None or newest > replay.newest_millis)
            )
            if kept:
                result.kept_progress += 1
                continue
            added = [where + values for millis, values in replay.rows if millis not in seen]
            log_rows += added
            if deltas is not None:
                for row in added:  # (reviewed_at, review_day, grade, drill, …) after ``where``
                    deltas.review((user.id, row[5], deck.id, topic_id or 0), drill=row[7], grade=row[6])
            anki = _anki_state(draft.card, replay, clock)
            if stored is None:
                state_inserts.append((user.id, card_id, deck.id, topic_id, draft.position, True, 1, *anki))
                if deltas is not None:
                    _count_state(deltas, 1, (user.id, deck.id, topic_id or 0), True, anki)
                continue
            old, old_topic, active = stored
            if old != anki:
                state_updates.append((*anki, user.id, card_id))
                if deltas is not None:
                    _count_state(deltas, -1, (user.id, deck.id, old_topic or 0), active, old)
                    _count_state(deltas, 1, (user.id, deck.id, old_topic or 0), active, anki)
        _write(
            session,
            ReviewState.__table__,
            "INSERT",
            (
                "user_id",
                "card_id",
                "deck_id",
                "topic_id",
                "position",
                "active",
                "version",
                *_SCHEDULE_COLUMNS,
            ),
            state_inserts,
        )
        _write(
            session,
            ReviewState.__table__,
            "UPDATE",
            _SCHEDULE_COLUMNS,
            state_updates,
            where=("user_id", "card_id"),
            bump_version=True,
        )
        _write(session, ReviewLog.__table__, "INSERT", _LOG_COLUMNS, log_rows)
        if deltas is not None:
            counters.add_counts(connection, deltas)
            counters.resume(connection)
        result.reviews = len(log_rows)

    def _expire_loaded(self) -> None:
        """Forget what the session holds of the deck's cards and states: the rows changed underneath."""
        for obj in list(self.session.identity_map.values()):
            if isinstance(obj, (Card, ReviewState)) and obj.deck_id == self.deck.id:
                self.session.expire(obj)

    def keep_media(self, files: dict[str, bytes], names: dict[str, str]) -> None:
        """Keep the images the deck's cards show (``names``: stored name -> the package's file name),
        dropping those no card shows any more."""
        wanted: dict[str, None] = {}
        for draft in self.drafts:
            for side in (draft.text.front, draft.text.back):
                if "![" in side:
                    wanted.update(dict.fromkeys(image_references(side)))
        if not self.result.created:
            prune_media(self.session, self.deck, "")
        found = {name: files[names[name]] for name in wanted if name in names}
        for name in wanted:
            if name not in names:
                self.result.skipped.append(f"image {name} is not in the package")
        if not found:
            return
        report = save_media(self.session, self.deck, found)
        self.result.media = len(report.stored)
        for name, why in report.refused:
            self.result.skipped.append(f"image {name} not kept: {why}")


def _write(
    session: Session,
    table: Table,
    verb: str,
    columns: Sequence[str],
    rows: list[tuple[Any, ...]],
    where: Sequence[str] = (),
    bump_version: bool = False,
) -> None:
    """INSERT (or UPDATE … WHERE ``where``) many rows of ``table`` with the driver's executemany, a chunk at
    a time: ``rows`` hold the values of ``columns`` (then of ``where``).  Values are converted as the
    column types convert them (dates and times; the same dates recur, so those are converted once each).
    SQLAlchemy's own executemany spends about as long building each row's parameters as the database
    spends storing it (``quiz.store.decks._insert_rows``).
    """
    if not rows:
        return
    connection = session.connection()
    dialect = connection.dialect
    names = [*columns, *where]
    converters = []
    for index, name in enumerate(names):
        processor = table.c[name].type._cached_bind_processor(dialect)
        if processor is not None:
            converters.append((index, processor, isinstance(table.c[name].type, Date)))
    marker = "?" if dialect.paramstyle == "qmark" else "%s"
    quote = dialect.identifier_preparer.quote
    if verb == "INSERT":
        sql = (
            f"INSERT INTO {quote(table.name)} ({', '.join(quote(c) for c in columns)}) "
            f"VALUES ({', '.join([marker] * len(columns))})"
        )
    else:
        sets = [f"{quote(c)} = {marker}" for c in columns]
        if bump_version:
            sets.append(f"{quote('version')} = {quote('version')} + 1")
        sql = (
            f"UPDATE {quote(table.name)} SET {', '.join(sets)} "
            f"WHERE {' AND '.join(f'{quote(c)} = {marker}' for c in where)}"
        )
    caches: dict[int, dict[Any, Any]] = {}
    for start in range(0, len(rows), _CHUNK):
        chunk = rows[start : start + _CHUNK]
        if converters:
            converted = []
            for row in chunk:
                values = list(row)
                for index, processor, cached in converters:
                    value = values[index]
                    if value is None:
                        continue
                    if cached:
                        cache = caches.setdefault(index, {})
                        done = cache.get(value)
                        if done is None:
                            done = cache[value] = processor(value)
                        values[index] = done
                    else:
                        values[index] = processor(value)
                converted.append(tuple(values))
            chunk = converted
        connection.exec_driver_sql(sql, chunk)
