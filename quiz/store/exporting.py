"""Anki export: the user's cards written as a package (``quiz.export``), and the export stamps.

``export_package`` is the export, as the view and ``flask anki export`` both run it.  Each export
stamps its notes later than the one before (``next_export_timestamp``), so Anki's import updates the
notes it already has.

What goes out (``export_cards``): every card of the user's decks in note order (deck title, deck,
position; a retired card at its last position, after the active card holding that position), the
retired ones marked so (the writer suspends and tags them), each card's suspension, and, with the
schedule, its SM-2 state and review log as Anki's (``quiz.anki_schedule``).

A note's modification time is its card's last change (``Card.changed_at``), so that Anki's import
("update if newer") updates the notes that changed and leaves the others, the user's own edits in
Anki included.  Two cases stamp more (``note_stamp``): a card changed in or after the second the
previous export began is stamped later than that export, whatever the clock's seconds say; and when
the previous export wrote notes another way (another ``EXPORT_LAYOUT`` or the other command note type, or an
export from before layouts were recorded), every note takes this export's time, once, so Anki
updates them all to the new way.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import BigInteger, cast, extract, func, select
from sqlalchemy.orm import Session

from quiz.anki_schedule import anki_schedule, revlog
from quiz.export import AnkiReview, ExportCard, write_package
from quiz.models import AnkiExport, Card, Deck, ReviewLog, ReviewState, Topic, User
from quiz.store.days import local_today
from quiz.store.media import export_media
from quiz.store.scopes import ANKI_DECK_PREFIX, owned_cards

# What the writer writes for a note, by version: bump it when ``quiz.export`` changes a note's fields,
# tags or note type, so that the next export refreshes every note in Anki once (see ``note_stamp``).
EXPORT_LAYOUT = "14"


def export_layout(typed_commands: bool) -> str:
    """The layout an export writes: the writer's version and the command note type chosen."""
    return f"{EXPORT_LAYOUT}:{'typed' if typed_commands else 'plain'}"


@dataclass(frozen=True)
class ExportOptions:
    """What the user chose for an export."""

    with_schedule: bool = False  # each seen card's SM-2 state and review log as Anki's
    typed_commands: bool = True  # command cards ask to type the command (else the plain note type)


def export_package(
    session: Session,
    user: User,
    path: str | os.PathLike[str],
    now: datetime,
    options: ExportOptions = ExportOptions(),  # frozen: one shared default is safe
) -> int | None:
    """Write the user's cards to an Anki package at ``path`` and remember the export.

    Returns the number of notes written, or None when the user has no cards: then nothing is
    written and nothing recorded.  The caller commits, so the next export is stamped later.
    """
    today = local_today(user, now) if options.with_schedule else None
    layout = export_layout(options.typed_commands)
    stamp = note_stamp(last_export(session, user), layout)
    cards = export_cards(session, user, today=today, stamp=stamp)
    if not cards:
        return None
    timestamp = next_export_timestamp(session, user, now)
    cards, media = export_media(session, user, cards)  # the cards' images, under Anki's flat names
    count = write_package(
        cards,
        path,
        timestamp,
        media=media,
        typed_commands=options.typed_commands,
        day_start_hour=user.day_starts_at_hour or 0,
    )
    record_export(session, user, timestamp, count, now, layout)
    return count


def export_cards(
    session: Session, user: User, *, today: date | None = None, stamp: NoteStamp | None = None
) -> list[ExportCard]:
    """Return the user's cards in note order, ready for the Anki exporter.

    Active and retired cards alike (``retired`` marks these), each with its suspension, its running
    place (``order``, from 1) and its last change (``modified``, whole seconds; ``stamp`` of it when
    given, see ``note_stamp``).  With ``today``, the
    user's study day at the export, each seen card carries its schedule and every card its review log
    as Anki's; without it, none.
    """
    state = ReviewState
    # Plain columns, one join: loading 100,000 Card objects and each one's topic took seconds.  The last
    # change comes as whole seconds from the database: parsing 100,000 datetimes took longer than the rest.
    columns = [
        Card.id,
        Card.key,
        Deck.slug,
        Card.kind,
        func.coalesce(Card.override_front, Card.front),
        func.coalesce(Card.override_back, Card.back),
        Topic.path_key,
        Deck.title,
        Deck.source_path,
        Card.retired,
        _epoch_seconds(session, Card.changed_at),
        state.suspended,
    ]
    if today is not None:
        columns += [state.due, state.interval_days, state.ease_hundredths, state.repetitions, state.lapses]
    rows = session.execute(
        owned_cards(user.id, *columns)
        .outerjoin(Topic, Topic.id == Card.topic_id)
        .outerjoin(state, (state.card_id == Card.id) & (state.user_id == user.id))
        .order_by(Deck.title, Deck.id, Card.position, Card.retired, Card.id)
    )
    reviews = _reviews(session, user) if today is not None else {}
    paths: dict[tuple[str | None, str | None], tuple[str, ...]] = {}
    cards = []
    for order, row in enumerate(rows, start=1):
        (card_id, key, slug, kind, front, back, path_key, title, source, retired, changed, suspended) = row[
            :12
        ]
        # A deck imported from Anki goes back under its top-level deck: "French::Verbs", not "Verbs".
        top = title if source.startswith(ANKI_DECK_PREFIX) else None
        topic = paths.get((path_key, top))
        if topic is None:
            levels = tuple(path_key.split(Topic.PATH_SEPARATOR)) if path_key is not None else ()
            topic = paths[(path_key, top)] = (top, *levels) if top is not None else levels
        history: tuple[AnkiReview, ...] = ()
        schedule = None
        if today is not None:
            history = tuple(reviews.get(card_id, ()))
            due, interval_days, ease_hundredths, repetitions, lapses = row[12:]
            schedule = anki_schedule(
                due=due,
                interval_days=interval_days or 0,
                ease_hundredths=ease_hundredths or 0,
                repetitions=repetitions or 0,
                lapses=lapses or 0,
                suspended=bool(suspended) or retired,
                today=today,
                reviews=len(history),
            )
        cards.append(
            ExportCard(
                key,
                slug,
                kind,
                front,
                back,
                topic,
                title,
                order=order,
                modified=changed if stamp is None else stamp(changed),
                suspended=bool(suspended),
                retired=retired,
                schedule=schedule,
                reviews=history,
            )
        )
    return cards


def _reviews(session: Session, user: User) -> dict[int, list[AnkiReview]]:
    """The user's whole review log as Anki's revlog rows, by card, oldest first."""
    log = ReviewLog
    rows = session.execute(
        select(
            log.card_id,
            _epoch_millis(session, log.reviewed_at),
            log.grade,
            log.drill,
            log.due_before.is_(None),
            log.interval_days_before,
            log.interval_days_after,
            log.ease_hundredths_after,
        )
        .where(log.user_id == user.id)
        .order_by(log.id)
    )
    return revlog(rows)  # type: ignore[arg-type]  # rows of exactly these columns (LogRow)


def _epoch_seconds(session: Session, column: Any) -> Any:
    """A UTC datetime column as whole seconds since the epoch, computed by the database (see
    ``_epoch_millis``)."""
    if session.get_bind().dialect.name == "sqlite":
        return cast(func.strftime("%s", func.substr(column, 1, 19)), BigInteger)  # (whole: %s rounds)
    return cast(func.floor(extract("epoch", column)), BigInteger)


def _epoch_millis(session: Session, column: Any) -> Any:
    """A UTC datetime column as whole milliseconds since the epoch, computed by the database: reading
    hundreds of thousands of datetimes into Python took longer than the rest of the review log.

    SQLite keeps ``YYYY-MM-DD HH:MM:SS.ffffff`` (SQLAlchemy's format): its seconds and the first three
    digits of the fraction.  PostgreSQL's epoch of a ``timestamp`` reads it as UTC, exactly (numeric).
    """
    if session.get_bind().dialect.name == "sqlite":
        return _epoch_seconds(session, column) * 1000 + cast(func.substr(column, 21, 3), BigInteger)
    return cast(func.floor(extract("epoch", column) * 1000), BigInteger)


NoteStamp = Callable[[int], int | None]


def note_stamp(last: AnkiExport | None, layout: str) -> NoteStamp:
    """The modification time a card's note gets in this export, from its last change (whole seconds).

    Its last change, except that a card changed in or after the second the previous export began is
    stamped at least one second after that export's stamp (its seconds may be the export's own, or
    behind them when exports came quicker than one a second); and that when the previous export
    wrote another layout, or none is known, every note takes the export's own time (None), so Anki
    brings every note to the new layout once.
    """
    if last is None or last.layout != layout or last.exported_at is None:
        return lambda _changed: None
    since = int(last.exported_at.timestamp())
    after_last = last.timestamp + 1
    return lambda changed: max(changed, after_last) if changed >= since else changed


def last_export(session: Session, user: User) -> AnkiExport | None:
    """The user's latest export (the one with the latest stamp), or None."""
    return session.scalar(
        select(AnkiExport)
        .where(AnkiExport.user_id == user.id)
        .order_by(AnkiExport.timestamp.desc(), AnkiExport.id.desc())
        .limit(1)
    )


def next_export_timestamp(session: Session, user: User, now: datetime) -> int:
    """Return a note timestamp later than every earlier export's.

    Anki's default import updates a note only when the package's copy is newer
    than its own, in whole seconds; two exports within one second would
    otherwise leave the second one ignored.
    """
    last = session.scalar(select(func.max(AnkiExport.timestamp)).where(AnkiExport.user_id == user.id))
    stamp = int(now.timestamp())
    return stamp if last is None or stamp > last else last + 1


def record_export(
    session: Session,
    user: User,
    timestamp: int,
    note_count: int,
    exported_at: datetime | None = None,
    layout: str | None = None,
) -> None:
    """Remember an export so the next one is stamped later (and knows what this one wrote, and when)."""
    session.add(
        AnkiExport(
            user_id=user.id,
            timestamp=timestamp,
            note_count=note_count,
            exported_at=exported_at,
            layout=layout,
        )
    )
    session.flush()
