"""What a query covers, defined once: cards in the quiz, the stages, what a user owns, a topic's subtree.

- *In the quiz* (``IN_QUIZ``): a review state whose card is still in its note and not suspended.
  The columns and values that say so are ``quiz.counters.IN_QUIZ_VALUES``, kept there because the
  counter triggers (below the models) need them too; this module, the queue's plain SQL and the
  triggers all write them out from that one pair.  ``ACTIVE_CARD`` is the card's side of it (not
  retired, suspended or not): what the export and the multiple-choice options read.
- *Stages* (``STAGES``): new (no due day yet), learning and mature (an interval under or at least
  ``quiz.counters.MATURE_INTERVAL_DAYS``), the same conditions as ``quiz.counters.stage_sql``.
- *Due by a day* (``due_by``): in the quiz and due on or before that day.
- *From Anki* (``ANKI_DECK_PREFIX``): a deck imported from an Anki package has an identity
  (``Deck.source_path``) starting so, which no Markdown note's has (``quiz.store.decks.note_identity``).
- *Ownership*: a deck belongs to its user, and its topics and cards through it: ``owned_topics``,
  ``owned_cards`` and ``owned_topic`` join the deck and keep the user's.

Each is a SQLAlchemy expression or ``Select`` for queries to build on; none runs a query of its own
except ``owned_topic`` and ``topic_and_descendants``.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, select
from sqlalchemy.orm import Session

from quiz.counters import IN_QUIZ_VALUES, MATURE_INTERVAL_DAYS
from quiz.models import Card, Deck, ReviewState, Topic

ANKI_DECK_PREFIX = "anki:"

IN_QUIZ: ColumnElement[bool] = and_(
    *(getattr(ReviewState, column).is_(value) for column, value in IN_QUIZ_VALUES)
)
ACTIVE_CARD: ColumnElement[bool] = Card.retired.is_(False)

_SEEN = ReviewState.due.is_not(None)
STAGES: dict[str, ColumnElement[bool]] = {
    "new": ReviewState.due.is_(None),
    "learning": _SEEN & (ReviewState.interval_days < MATURE_INTERVAL_DAYS),
    "mature": _SEEN & (ReviewState.interval_days >= MATURE_INTERVAL_DAYS),
}


def due_by(day: date) -> ColumnElement[bool]:
    """Review states in the quiz and due on or before ``day``."""
    return and_(IN_QUIZ, ReviewState.due <= day)


def owned_topics(user_id: int) -> Select[tuple[Topic]]:
    """The user's topics: those of the user's decks."""
    return select(Topic).join(Deck, Deck.id == Topic.deck_id).where(Deck.user_id == user_id)


def owned_cards(user_id: int, *columns: Any) -> Select[Any]:
    """The user's cards (or ``columns`` of them and their decks): those of the user's decks."""
    return select(*(columns or (Card,))).join(Deck, Deck.id == Card.deck_id).where(Deck.user_id == user_id)


def owned_topic(session: Session, user_id: int, topic_id: int) -> Topic | None:
    """The topic ``topic_id`` if it is the user's, else None (missing or someone else's alike)."""
    return session.scalar(owned_topics(user_id).where(Topic.id == topic_id))


def topic_and_descendants(session: Session, topic: Topic) -> list[int]:
    """Return the ids of a topic and every topic below it."""
    prefix = topic.path_key + Topic.PATH_SEPARATOR
    rows = session.scalars(select(Topic).where(Topic.deck_id == topic.deck_id))
    return [t.id for t in rows if t.id == topic.id or t.path_key.startswith(prefix)]
