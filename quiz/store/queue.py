"""The daily queue: which card comes next and why (due, new or drill), and the day's counts it needs.

The queue is one plain-SQL statement of index probes on ``review_states`` (``_queue_statement``);
``next_card`` loads the card and state it names.  A card leaves the queue through a grade
(``quiz.store.grading``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any

from sqlalchemy import Date, TextClause, bindparam, func, select
from sqlalchemy import text as sql_text
from sqlalchemy.orm import Session

from quiz.counters import IN_QUIZ_VALUES, stage_sql
from quiz.models import Card, ReviewLog, ReviewState, User


def new_cards_introduced(session: Session, user: User, today: date) -> int:
    """How many new cards the user has seen for the first time today."""
    stmt = select(func.count()).where(ReviewState.user_id == user.id, ReviewState.introduced_on == today)
    return session.scalar(stmt) or 0


def pending_drill(session: Session, user: User, today: date) -> list[int]:
    """Card ids that SM-2 rule 7 shows again today, longest-waiting first.

    A card is pending when its scheduled review today got a grade of 3 or less
    and no drill grade of 4 or more has followed it: ``record_grade`` marks it
    on its state (``drill_day``), so this reads an index, not the day's log.
    """
    stmt = (
        select(ReviewState.card_id)
        .where(ReviewState.user_id == user.id, ReviewState.drill_day == today)
        .order_by(ReviewState.drill_at, ReviewState.card_id)
    )
    return list(session.scalars(stmt))


@dataclass(frozen=True)
class QueueItem:
    """The next card to show and why it is shown."""

    card: Card
    state: ReviewState
    reason: str  # "due", "new" or "drill"


def reviews_done(session: Session, user: User, today: date) -> int:
    """How many scheduled reviews of already-learned cards the user has done today."""
    stmt = select(func.count()).where(
        ReviewLog.user_id == user.id,
        ReviewLog.review_day == today,
        ReviewLog.drill.is_(False),
        ReviewLog.due_before.is_not(None),
    )
    return session.scalar(stmt) or 0


@lru_cache(maxsize=4)
def _queue_statement(by_topic: bool) -> TextClause:
    """The queue's lookup: one statement, written out once, reused on every card shown.

    It holds the first due card, the first new card and the first card waiting
    in the drill, each an index probe on ``review_states`` (``ix_review_states_queue``
    and ``ix_review_states_drill``), with the day's counts the limits need,
    counted only when there is a card to limit.  Plain SQL: SQLAlchemy would
    spend more time deriving the cache key of this nested select than SQLite
    spends running it.
    """
    # In the quiz (quiz.counters.IN_QUIZ_VALUES) written as equalities with :yes and :no, which the
    # queue's index serves; a new card is quiz.counters.stage_sql's.
    in_quiz = "user_id = :user_id" + "".join(
        f" AND {column} = :{'yes' if value else 'no'}" for column, value in IN_QUIZ_VALUES
    )
    if by_topic:
        in_quiz += " AND topic_id IN :topic_ids"
    new_card, _learning, _mature = stage_sql()
    first = f"SELECT card_id FROM review_states WHERE {in_quiz} AND"
    due = f"{first} due <= :today ORDER BY due, deck_id, position LIMIT 1"
    new = f"{first} {new_card} ORDER BY deck_id, position LIMIT 1"
    drill = f"{first} drill_day = :today ORDER BY drill_at, card_id LIMIT 1"
    reviews_done_today = (
        "SELECT count(*) FROM review_log WHERE user_id = :user_id AND review_day = :today AND drill = :no "
        "AND due_before IS NOT NULL"
    )
    introduced_today = (
        "SELECT count(*) FROM review_states WHERE user_id = :user_id AND introduced_on = :today"
    )
    stmt = sql_text(
        f"SELECT ({due}), CASE WHEN ({due}) IS NOT NULL THEN ({reviews_done_today}) END, "
        f"({new}), CASE WHEN ({new}) IS NOT NULL THEN ({introduced_today}) END, ({drill})"
    )
    binds = [bindparam("today", type_=Date), bindparam("yes", True), bindparam("no", False)]
    if by_topic:
        binds.append(bindparam("topic_ids", expanding=True))
    return stmt.bindparams(*binds)


def next_card_id(
    session: Session,
    user: User,
    today: date,
    new_per_day: int,
    topic_ids: Sequence[int] | None = None,
    reviews_per_day: int | None = None,
) -> tuple[int, str] | None:
    """The id of the next card and why it comes: due reviews (most overdue first), new cards in note
    order, then the same-day drill.

    ``new_per_day`` and ``reviews_per_day`` cap what a day holds; cards beyond
    a cap wait for a later day.  One statement of index probes, none joining the
    cards table or reading the day's log rows one by one, so the queue stays
    fast at 100,000 cards whether or not anything is due.
    """
    params: dict[str, Any] = {"user_id": user.id, "today": today}
    if topic_ids is not None:
        params["topic_ids"] = list(topic_ids)
    due, reviews_done_today, new, introduced_today, drill = session.execute(
        _queue_statement(topic_ids is not None), params
    ).one()
    if due is not None and (reviews_per_day is None or reviews_done_today < reviews_per_day):
        return due, "due"
    if new is not None and introduced_today < new_per_day:
        return new, "new"
    if drill is not None:
        return drill, "drill"
    return None


def next_card(
    session: Session,
    user: User,
    today: date,
    new_per_day: int,
    topic_ids: Sequence[int] | None = None,
    reviews_per_day: int | None = None,
) -> QueueItem | None:
    """Like ``next_card_id``, with the card and its state loaded."""
    found = next_card_id(session, user, today, new_per_day, topic_ids, reviews_per_day)
    if found is None:
        return None
    card_id, reason = found
    return QueueItem(session.get(Card, card_id), session.get(ReviewState, (user.id, card_id)), reason)


def show_reason(state: ReviewState | None, today: date) -> str | None:
    """Why a card is shown today: "new", "due", "drill" (graded today, due later), or None."""
    if state is None:
        return None
    if state.due is None:
        return "new"
    return "due" if state.due <= today else "drill"
