"""The daily queue: which card comes next and why (due, new or drill), and the day's counts it needs.

The queue is one plain-SQL statement of index probes on ``review_states`` (``_queue_statement``);
``next_card`` loads the card and state it names.  A card leaves the queue through a grade
(``quiz.store.grading``).  What the queue still holds today under the limits, for Today's page and the
session's "N left", is ``queue_counts``: one statement too, of range scans bounded by the limits.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any

from sqlalchemy import Date, TextClause, bindparam, select
from sqlalchemy import text as sql_text
from sqlalchemy.orm import Session

from quiz.counters import IN_QUIZ_VALUES, in_quiz_sql, stage_sql
from quiz.models import Card, ReviewState, User
from quiz.store.days import DailyLimits


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


def _in_quiz_sql(by_topic: bool) -> str:
    """The user's cards in the quiz (quiz.counters.IN_QUIZ_VALUES), written as equalities with :yes and
    :no, which the queue's index serves; with ``by_topic``, only those of the topics :topic_ids."""
    in_quiz = "user_id = :user_id" + "".join(
        f" AND {column} = :{'yes' if value else 'no'}" for column, value in IN_QUIZ_VALUES
    )
    return in_quiz + (" AND topic_id IN :topic_ids" if by_topic else "")


# The day's use of the limits, as the queue counts it: scheduled reviews done, new cards introduced.
_REVIEWS_DONE_SQL = (
    "SELECT count(*) FROM review_log WHERE user_id = :user_id AND review_day = :today AND drill = :no "
    "AND due_before IS NOT NULL"
)
_INTRODUCED_SQL = "SELECT count(*) FROM review_states WHERE user_id = :user_id AND introduced_on = :today"


def _bound(stmt: str, by_topic: bool) -> TextClause:
    binds = [bindparam("today", type_=Date), bindparam("yes", True), bindparam("no", False)]
    if by_topic:
        binds.append(bindparam("topic_ids", expanding=True))
    return sql_text(stmt).bindparams(*binds)


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
    new_card, _learning, _mature = stage_sql()  # a new card is quiz.counters.stage_sql's
    first = f"SELECT card_id FROM review_states WHERE {_in_quiz_sql(by_topic)} AND"
    due = f"{first} due <= :today ORDER BY due, deck_id, position LIMIT 1"
    new = f"{first} {new_card} ORDER BY deck_id, position LIMIT 1"
    drill = f"{first} drill_day = :today ORDER BY drill_at, card_id LIMIT 1"
    return _bound(
        f"SELECT ({due}), CASE WHEN ({due}) IS NOT NULL THEN ({_REVIEWS_DONE_SQL}) END, "
        f"({new}), CASE WHEN ({new}) IS NOT NULL THEN ({_INTRODUCED_SQL}) END, ({drill})",
        by_topic,
    )


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


@lru_cache(maxsize=4)
def _counts_statement(by_topic: bool) -> TextClause:
    """The counts of ``queue_counts``, in one statement of index range scans.

    The due and new cards are counted up to the day's limits (:reviews and :new_cards) and no further:
    the queue gives no more than that, so a backlog of thousands costs no more than the limit.
    """
    new_card, _learning, _mature = stage_sql()
    in_quiz = _in_quiz_sql(by_topic)
    due = f"SELECT 1 FROM review_states WHERE {in_quiz} AND due <= :today LIMIT :reviews"
    new = f"SELECT 1 FROM review_states WHERE {in_quiz} AND {new_card} LIMIT :new_cards"
    # The drill through its own index (the day's few cards), with "in the quiz" as quiz.counters.in_quiz_sql
    # writes it: as equalities, SQLite would take the queue's index and read every card in the quiz.
    topics = " AND topic_id IN :topic_ids" if by_topic else ""
    drill = (
        f"SELECT count(*) FROM review_states WHERE user_id = :user_id AND drill_day = :today "
        f"AND {in_quiz_sql()}{topics}"
    )
    return _bound(
        f"SELECT (SELECT count(*) FROM ({due}) AS due_cards), (SELECT count(*) FROM ({new}) AS new_cards), "
        f"({drill}), ({_INTRODUCED_SQL}), ({_REVIEWS_DONE_SQL})",
        by_topic,
    )


@dataclass(frozen=True)
class QueueCounts:
    """What the queue holds today, counted up to the day's limits, and what the day has used of them."""

    due: int  # due reviews, counted up to the reviews limit
    new: int  # new cards, counted up to the new-card limit
    drill: int  # cards waiting in the drill
    done: DailyLimits  # new cards introduced and scheduled reviews done today

    def left(self, limits: DailyLimits) -> int:
        """How many cards the queue still gives today under ``limits``: the due reviews and new cards the
        limits leave room for, and the drill."""
        room = limits.left_after(self.done)
        return min(self.due, room.reviews) + min(self.new, room.new_cards) + self.drill


def queue_counts(
    session: Session, user: User, today: date, limits: DailyLimits, topic_ids: Sequence[int] | None = None
) -> QueueCounts:
    """Count what ``next_card_id`` draws from today under ``limits``, in the topics ``topic_ids`` or all
    (the day's use of the limits is the day's, whatever the topics)."""
    params: dict[str, Any] = {
        "user_id": user.id,
        "today": today,
        "reviews": limits.reviews,
        "new_cards": limits.new_cards,
    }
    if topic_ids is not None:
        params["topic_ids"] = list(topic_ids)
    due, new, drill, introduced, reviewed = session.execute(
        _counts_statement(topic_ids is not None), params
    ).one()
    return QueueCounts(due, new, drill, DailyLimits(introduced, reviewed))


def cards_left(
    session: Session, user: User, today: date, limits: DailyLimits, topic_ids: Sequence[int] | None = None
) -> int:
    """How many cards ``next_card_id`` still gives today under ``limits`` (in the topics ``topic_ids``,
    or all): the session's "N left".

    A card on screen and not yet graded is still counted; a card graded under 4 stays counted, in the
    drill.
    """
    return queue_counts(session, user, today, limits, topic_ids).left(limits)
