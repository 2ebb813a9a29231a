"""Grades: recording one (a scheduled review or a same-day drill), undo, and the session summary.

``record_grade`` is three statements: read the state, ``UPDATE … WHERE version = <the version read>``
and insert the log row.  ``undo_last`` restores a state from the log row it removes.
"""

from __future__ import annotations

from dataclasses import dataclass
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


_GRADE_STATE_COLUMNS = (
    "repetitions",
    "ease_hundredths",
    "interval_days",
    "due",
    "lapses",
    "introduced_on",
    "last_reviewed_at",
    "version",
    "deck_id",
    "topic_id",
    "drill_day",
    "drill_at",
)


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
    if limits.GRADE.problem(grade) is not None:
        raise ValueError(f"grade must be an integer 0-5, got {grade!r}")
    today = local_today(user, now)
    read, log_insert = _grade_statements()
    key = {"user_id": user.id, "card_id": card.id}
    if session.new or session.dirty or session.deleted:
        session.flush()  # the statements below go to the connection directly, past the autoflush
    connection = session.connection()
    row = connection.execute(read, key).first()
    shown_version = expected_version
    if row is None:
        session.add(
            ReviewState(user_id=user.id, card_id=card.id, repetitions=0, ease_hundredths=250, interval_days=0)
        )
        session.flush()
        row = connection.execute(read, key).one()
        if expected_version == 0:  # the page showed a card without a state (it carries version 0)
            shown_version = row[_GRADE_STATE_COLUMNS.index("version")]
    before = dict(zip(_GRADE_STATE_COLUMNS, row, strict=True))
    if shown_version is not None and shown_version != before["version"]:
        raise NotDueError(f"card {card.id} was graded since it was shown")
    after = {name: before[name] for name in ("repetitions", "ease_hundredths", "interval_days", "due")}
    after |= {name: before[name] for name in ("lapses", "introduced_on", "last_reviewed_at")}
    scheduled = before["due"] is None or before["due"] <= today
    if scheduled:
        current = sm2.Sm2State(
            before["repetitions"], Decimal(before["ease_hundredths"]) / 100, before["interval_days"]
        )
        step = sm2.review(current, grade)
        hundredths = step.ease_factor * 100
        if hundredths != hundredths.to_integral_value():
            raise ValueError(f"ease factor {step.ease_factor} is not a whole number of hundredths")
        if step.repetitions == 0 and before["repetitions"] > 0:
            after["lapses"] += 1  # a card that had been learned was forgotten
        interval = limits.cap_interval(step.interval_days)  # the one place an interval is capped
        after |= {
            "repetitions": step.repetitions,
            "ease_hundredths": int(hundredths),
            "interval_days": interval,
            "due": sm2.due_date(today, interval),
            "introduced_on": before["introduced_on"] or today,
            "last_reviewed_at": now,
        }
    elif before["drill_day"] != today:
        raise NotDueError(f"card {card.id} is not due until {before['due']}")
    waits = sm2.needs_drill(grade)
    new = after | {"drill_day": today if waits else None, "drill_at": now if waits else None}
    changed = {name: value for name, value in new.items() if value != before[name]}
    # A drill grade changes no schedule, but the version moves all the same: the shown page is used up.
    params = {f"new_{name}": value for name, value in changed.items()}
    written = connection.execute(
        _grade_write(frozenset(changed)),
        {"k_user_id": user.id, "k_card_id": card.id, "old_version": before["version"], **params},
    )
    if written.rowcount != 1:
        raise NotDueError(f"card {card.id} was graded since it was shown")
    identity = session.identity_map.get(session.identity_key(ReviewState, (user.id, card.id)))
    if identity is not None:
        session.expire(identity)  # the ORM's copy, if loaded, is older than the row now
    values = {
        "user_id": user.id,
        "card_id": card.id,
        "deck_id": before["deck_id"],
        "topic_id": before["topic_id"],
        "reviewed_at": now,
        "review_day": today,
        "grade": grade,
        "drill": not scheduled,
        **{f"{name}_before": before[name] for name in ("repetitions", "ease_hundredths", "interval_days")},
        **{f"{name}_before": before[name] for name in ("due", "lapses", "introduced_on", "last_reviewed_at")},
        **{
            f"{name}_after": after[name]
            for name in ("repetitions", "ease_hundredths", "interval_days", "due")
        },
    }
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
        if not log.drill:
            state.restore(log)
        # Whether the card waits in a drill follows from its newest grade left: put that back too.
        newest = session.execute(
            select(ReviewLog.review_day, ReviewLog.reviewed_at, ReviewLog.grade)
            .where(ReviewLog.user_id == user.id, ReviewLog.card_id == log.card_id, ReviewLog.id != log.id)
            .order_by(ReviewLog.id.desc())
            .limit(1)
        ).first()
        waits = newest is not None and sm2.needs_drill(newest.grade)
        state.drill_day = newest.review_day if waits else None
        state.drill_at = newest.reviewed_at if waits else None
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
