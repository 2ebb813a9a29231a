"""Grades: recording one (a scheduled review or a same-day drill), undo, and the session summary.

A grade is a pure step first: ``review_card`` takes a card's stored ``Schedule``, the grade, the day
and the time to the new schedule and the log row's values, as py-fsrs's ``review_card`` returns
``(card, log)``.  ``record_grade`` around it is three statements: read the state, ``UPDATE … WHERE
version = <the version read>`` and insert the log row.  ``undo_last`` restores a state from the log
row it removes.  ``Schedule`` is the one conversion between rows and the scheduler, which
``quiz.backup`` uses too.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import lru_cache
from typing import Any

from sqlalchemy import Select, and_, bindparam, func, insert, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import flag_modified

from quiz import limits, sm2
from quiz.models import UNDO_FLAG, Card, ReviewLog, ReviewState, User
from quiz.store.days import local_today
from quiz.store.scopes import due_by


class NotDueError(ValueError):
    """A grade was given to a card that is neither due nor in today's drill."""


# --- a card's stored schedule and one grade of it, without the database -----------------------

SCHEDULE_FIELDS = (
    "repetitions",
    "ease_hundredths",
    "interval_days",
    "due",
    "lapses",
    "introduced_on",
    "last_reviewed_at",
)
"""A card's schedule as ``review_states`` holds it: what a grade moves and undo puts back."""
DRILL_FIELDS = ("drill_day", "drill_at")
"""The same-day drill mark on ``review_states``: a function of the card's newest grade."""
LOG_BEFORE_FIELDS = tuple(f"{name}_before" for name in SCHEDULE_FIELDS)
"""The ``review_log`` columns that keep the schedule before a grade: all of it, for undo to restore."""
LOG_AFTER_FIELDS = tuple(f"{name}_after" for name in SCHEDULE_FIELDS[:4])
"""The ``review_log`` columns that keep the SM-2 part of the schedule after a grade."""


@dataclass(frozen=True, slots=True)
class Schedule:
    """A card's review state as stored: SM-2's numbers (the ease in exact hundredths), the due day (None
    while the card is new), the lapses, the first and last review, and the drill mark.

    The one conversion between rows and the scheduler: ``of`` reads a row of ``review_states``,
    ``before`` the schedule a log row kept, ``values`` gives the columns back, ``sm2_state`` is the
    scheduler's view.  ``record_grade``, ``undo_last`` and ``quiz.backup`` go through it.
    """

    repetitions: int
    ease_hundredths: int
    interval_days: int
    due: date | None
    lapses: int
    introduced_on: date | None
    last_reviewed_at: datetime | None
    drill_day: date | None = None
    drill_at: datetime | None = None

    @classmethod
    def of(cls, row: Mapping[str, Any]) -> Schedule:
        """The schedule in a row of ``review_states`` (any mapping holding its columns)."""
        return cls(*(row[name] for name in SCHEDULE_FIELDS + DRILL_FIELDS))

    @classmethod
    def before(cls, log: ReviewLog) -> Schedule:
        """The schedule a log row kept from before its grade (without a drill mark: see ``drill_mark``)."""
        return cls(*(getattr(log, name) for name in LOG_BEFORE_FIELDS))

    def values(self, names: tuple[str, ...] = SCHEDULE_FIELDS + DRILL_FIELDS) -> dict[str, Any]:
        """The columns ``names`` of ``review_states`` (by default all of them) holding this schedule."""
        return {name: getattr(self, name) for name in names}

    def logged(self, names: tuple[str, ...]) -> dict[str, Any]:
        """The log columns ``names`` (``LOG_BEFORE_FIELDS`` or ``LOG_AFTER_FIELDS``) holding this schedule."""
        return {name: getattr(self, name.rsplit("_", 1)[0]) for name in names}

    def sm2_state(self) -> sm2.Sm2State:
        """The scheduler's view: repetitions, the exact ease factor and the interval."""
        return sm2.Sm2State(self.repetitions, Decimal(self.ease_hundredths) / 100, self.interval_days)


def _hundredths(ease: Decimal) -> int:
    """An ease factor as stored: a whole number of hundredths (SM-2's steps are multiples of 0.02)."""
    hundredths = ease * 100
    if hundredths != hundredths.to_integral_value():
        raise ValueError(f"ease factor {ease} is not a whole number of hundredths")
    return int(hundredths)


NEW_SCHEDULE = Schedule(
    repetitions=sm2.NEW_CARD.repetitions,
    ease_hundredths=_hundredths(sm2.NEW_CARD.ease_factor),
    interval_days=sm2.NEW_CARD.interval_days,
    due=None,
    lapses=0,
    introduced_on=None,
    last_reviewed_at=None,
)
"""The schedule of a card never graded (``sm2.NEW_CARD``): what a card without a state starts from."""


def drill_mark(grade: int, review_day: date, reviewed_at: datetime) -> tuple[date | None, datetime | None]:
    """The drill mark after a card's newest grade: that grade's day and time while it is under 4
    (SM-2 rule 7, ``sm2.needs_drill``), else none.  A grade sets it, undo and restore put it back."""
    return (review_day, reviewed_at) if sm2.needs_drill(grade) else (None, None)


def review_card(state: Schedule, grade: int, today: date, now: datetime) -> tuple[Schedule, dict[str, Any]]:
    """One grade of a card, without the database: its new schedule and the values of its log row.

    A card new or due by ``today`` gets a scheduled review: SM-2 moves its schedule, the interval
    capped by ``limits.cap_interval`` (the one place an interval is capped); a learned card that is
    forgotten counts a lapse, and a new one is introduced today.  A card that is not due but waits in
    today's drill (SM-2 rule 7) gets a drill grade, which moves nothing.  Either way the drill mark
    follows the grade (``drill_mark``).  The log values are the ``review_log`` columns a grade decides:
    not the user, card, deck or topic.

    Raises:
        ValueError: the grade is not an integer 0..5.
        NotDueError: the card is neither due nor waiting in today's drill.
    """
    if limits.GRADE.problem(grade) is not None:
        raise ValueError(f"grade must be an integer 0-5, got {grade!r}")
    scheduled = state.due is None or state.due <= today
    if not scheduled and state.drill_day != today:
        raise NotDueError(f"not due until {state.due}")
    drill_day, drill_at = drill_mark(grade, today, now)
    if scheduled:
        step = sm2.review(state.sm2_state(), grade)
        ease_hundredths = _hundredths(step.ease_factor)
        lapsed = step.repetitions == 0 and state.repetitions > 0  # a card that had been learned was forgotten
        interval = limits.cap_interval(step.interval_days)
        after = Schedule(
            repetitions=step.repetitions,
            ease_hundredths=ease_hundredths,
            interval_days=interval,
            due=sm2.due_date(today, interval),
            lapses=state.lapses + 1 if lapsed else state.lapses,
            introduced_on=state.introduced_on or today,
            last_reviewed_at=now,
            drill_day=drill_day,
            drill_at=drill_at,
        )
    else:
        after = replace(state, drill_day=drill_day, drill_at=drill_at)
    log = {
        "reviewed_at": now,
        "review_day": today,
        "grade": grade,
        "drill": not scheduled,
        **state.logged(LOG_BEFORE_FIELDS),
        **after.logged(LOG_AFTER_FIELDS),
    }
    return after, log


# --- the grade and undo in the database --------------------------------------------------------

_GRADE_STATE_COLUMNS = (*SCHEDULE_FIELDS, "version", "deck_id", "topic_id", *DRILL_FIELDS)


@lru_cache(maxsize=1)
def _grade_statements() -> tuple[Select[Any], Any]:
    """Two of a grade's three statements, built once: read the state, log the grade."""
    states, log = ReviewState.__table__, ReviewLog.__table__
    key = and_(states.c.user_id == bindparam("user_id"), states.c.card_id == bindparam("card_id"))
    return select(*(states.c[name] for name in _GRADE_STATE_COLUMNS)).where(key), insert(log)


@lru_cache(maxsize=64)
def _grade_write(columns: frozenset[str]) -> Any:
    """``UPDATE review_states SET <the columns that change>, version = version + 1 WHERE … AND version = ?``.

    Only what changes is set: SQLite rewrites an index entry for every column
    in the SET list, changed or not, and each index page written is more to sync
    at commit.  A handful of column sets occur, each built once.
    """
    states = ReviewState.__table__
    return (
        update(states)
        .where(
            states.c.user_id == bindparam("k_user_id"),
            states.c.card_id == bindparam("k_card_id"),
            states.c.version == bindparam("old_version"),
        )
        .values(
            {name: bindparam(f"new_{name}") for name in sorted(columns)} | {"version": states.c.version + 1}
        )
    )


def record_grade(
    session: Session, user: User, card: Card, grade: int, now: datetime, expected_version: int | None = None
) -> ReviewLog:
    """Grade a card: a scheduled review moves its SM-2 state, a drill grade only is logged.

    Reads the state, takes the step (``review_card``), writes what changed and logs the grade.
    ``expected_version`` is the state's version when the card was shown; a
    different one means the card was graded since (another tab, a double click).
    The state is written with ``UPDATE … WHERE version = <the version read>``,
    so of two requests racing on one card only one can write.  Returns the log
    row as written, detached from the session (``session.get`` it to load it).

    Raises:
        ValueError: the grade is not an integer 0..5.
        NotDueError: the card is not due today and not waiting in today's drill, or
            it was graded since it was shown.
    """
    today = local_today(user, now)
    read, log_insert = _grade_statements()
    key = {"user_id": user.id, "card_id": card.id}
    if session.new or session.dirty or session.deleted:
        session.flush()  # the statements below go to the connection directly, past the autoflush
    connection = session.connection()
    row = connection.execute(read, key).first()
    before = Schedule.of(row._mapping) if row is not None else NEW_SCHEDULE
    step: tuple[Schedule, dict[str, Any]] | None
    try:
        step = review_card(before, grade, today, now)  # a bad grade is refused before this one writes
    except NotDueError:
        step = None  # reported after the version check: a used-up page is "graded since" first
    shown_version = expected_version
    if row is None:  # a card without a state yet (a backup may hold one): it starts new
        session.add(ReviewState(user_id=user.id, card_id=card.id, **NEW_SCHEDULE.values(SCHEDULE_FIELDS)))
        session.flush()
        row = connection.execute(read, key).one()
        if expected_version == 0:  # the page showed a card without a state (it carries version 0)
            shown_version = row.version
    if shown_version is not None and shown_version != row.version:
        raise NotDueError(f"card {card.id} was graded since it was shown")
    if step is None:
        raise NotDueError(f"card {card.id} is not due until {before.due}")
    after, log = step
    old, new = before.values(), after.values()
    changed = {name: value for name, value in new.items() if value != old[name]}
    # A drill grade changes no schedule, but the version moves all the same: the shown page is used up.
    params = {f"new_{name}": value for name, value in changed.items()}
    written = connection.execute(
        _grade_write(frozenset(changed)),
        {"k_user_id": user.id, "k_card_id": card.id, "old_version": row.version, **params},
    )
    if written.rowcount != 1:
        raise NotDueError(f"card {card.id} was graded since it was shown")
    identity = session.identity_map.get(session.identity_key(ReviewState, (user.id, card.id)))
    if identity is not None:
        session.expire(identity)  # the ORM's copy, if loaded, is older than the row now
    values = {"user_id": user.id, "card_id": card.id, "deck_id": row.deck_id, "topic_id": row.topic_id, **log}
    result = connection.execute(log_insert, values)
    # The row as written, for the caller to read; not attached to the session (load it to change it).
    return ReviewLog(id=result.inserted_primary_key[0], **values)


def undo_last(session: Session, user: User, today: date) -> ReviewLog | None:
    """Take back the user's newest grade of the day: restore the card's state exactly and drop the log entry.

    Called repeatedly it steps further back, one grade at a time, through the day.
    Returns the removed entry (its ``card_id`` says which card to show again), or
    None when nothing is left to undo today.

    Raises:
        StaleDataError: the card's state changed since it was read here (an undo
            or a grade of the same card sent at the same time); nothing was undone.
    """
    log = session.scalar(
        select(ReviewLog)
        .where(ReviewLog.user_id == user.id, ReviewLog.review_day == today)
        .order_by(ReviewLog.id.desc())
        .limit(1)
    )
    if log is None:
        return None
    state = session.get(ReviewState, (user.id, log.card_id))
    if state is not None:
        if not log.drill:  # a scheduled grade moved the schedule; the log row kept it from before
            for name, value in Schedule.before(log).values(SCHEDULE_FIELDS).items():
                setattr(state, name, value)
        # Whether the card waits in a drill follows from its newest grade left: put that back too.
        newest = session.execute(
            select(ReviewLog.review_day, ReviewLog.reviewed_at, ReviewLog.grade)
            .where(ReviewLog.user_id == user.id, ReviewLog.card_id == log.card_id, ReviewLog.id != log.id)
            .order_by(ReviewLog.id.desc())
            .limit(1)
        ).first()
        state.drill_day, state.drill_at = (
            drill_mark(newest.grade, newest.review_day, newest.reviewed_at) if newest else (None, None)
        )
        flag_modified(state, "lapses")  # the version moves even for an undone drill grade
        # The state is written first, with ``UPDATE … WHERE version = <the version read>``: of two
        # undos racing for this entry only one gets past here, the other raises StaleDataError.
        session.flush()
    session.info[UNDO_FLAG] = True
    try:
        session.delete(log)
        session.flush()
    finally:
        session.info.pop(UNDO_FLAG, None)
    return log


@dataclass(frozen=True)
class SessionSummary:
    """The end-of-session report."""

    reviewed: int
    right: int
    drilled: int
    due_tomorrow: int


def session_summary(session: Session, user: User, since: datetime, today: date) -> SessionSummary:
    """Count what the user did since ``since`` and what tomorrow holds."""
    # The day bound lets the (user, review_day) index find the rows instead of reading the user's whole
    # log; three days of slack cover a time zone (up to 26 hours apart) and a day start (up to 23 hours)
    # both changed since ``since``.
    first_day = local_today(user, since) - timedelta(days=3)
    counts = session.execute(
        select(
            func.count().filter(ReviewLog.drill.is_(False)),
            func.count().filter(ReviewLog.drill.is_(False), ReviewLog.grade >= sm2.PASSING_GRADE),
            func.count().filter(ReviewLog.drill.is_(True)),
        ).where(
            ReviewLog.user_id == user.id, ReviewLog.review_day >= first_day, ReviewLog.reviewed_at >= since
        )
    ).one()
    tomorrow = today + timedelta(days=1)
    due_tomorrow = session.scalar(
        select(func.count()).select_from(ReviewState).where(ReviewState.user_id == user.id, due_by(tomorrow))
    )
    return SessionSummary(counts[0], counts[1], counts[2], due_tomorrow or 0)
