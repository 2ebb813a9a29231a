"""The card browser and a card's own pages: search, the user's wording, topics for pickers, a card's
history and source lines, and the options of a multiple-choice card.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Select, func, or_, select, union_all
from sqlalchemy.orm import Session

from quiz.models import Card, Deck, ReviewLog, ReviewState, Topic, User
from quiz.store.scopes import (
    ACTIVE_CARD,
    ANKI_DECK_PREFIX,
    IN_QUIZ,
    STAGES,
    due_by,
    owned_topic,
    owned_topics,
    topic_and_descendants,
)

CARD_STATES = ("all", "new", "learning", "mature", "due", "suspended", "edited", "retired")
CARDS_PER_PAGE = 50  # the browser's page size


def search_cards(
    session: Session,
    user: User,
    today: date,
    text: str = "",
    topic_id: int | None = None,
    state: str = "all",
    page: int = 1,
    per_page: int = CARDS_PER_PAGE,
) -> tuple[list[tuple[Card, ReviewState]], int]:
    """Find the user's cards by text, topic (with subtopics) and state: one page of them, and the total.

    The stages and "due" are those of the cards in the quiz (``scopes.IN_QUIZ``), as on the Today and
    Progress pages: a suspended card is found under "suspended" (and "all"), never counted as due.
    Filters read the state's copies of the card's deck, topic, position and
    retirement, so that without a text or "edited" filter the total is counted
    on ``review_states`` alone and a page walks ``ix_review_states_browse``.
    """
    states = ReviewState.__table__.c
    conditions: list[Any] = [states.user_id == user.id]
    conditions.append(states.active.is_(state != "retired"))
    by_state = {
        **{name: IN_QUIZ & stage for name, stage in STAGES.items()},
        "due": due_by(today),
        "suspended": states.suspended.is_(True),
    }
    if state in by_state:
        conditions.append(by_state[state])
    if topic_id is not None:
        topic = owned_topic(session, user.id, topic_id)
        if topic is None:
            return [], 0
        conditions.append(states.topic_id.in_(topic_and_descendants(session, topic)))
    card_conditions: list[Any] = []
    if state == "edited":
        card_conditions.append(
            Card.edited_at.is_not(None)
            | Card.override_front.is_not(None)
            | Card.override_back.is_not(None)
            | Card.note_kind.is_not(None)
        )
    if text.strip():
        pattern = "%" + text.strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        columns = (Card.front, Card.back, Card.override_front, Card.override_back)
        if session.get_bind().dialect.name == "sqlite":
            # SQLite's LIKE already ignores ASCII case, exactly as the lower() that ilike() adds there would
            # (SQLite folds only ASCII): the same matches, without lowering every text of every card.
            matches = [column.like(pattern, escape="\\") for column in columns]
        else:
            matches = [column.ilike(pattern, escape="\\") for column in columns]
        card_conditions.append(or_(*matches))
    if card_conditions:
        counted = (
            select(func.count())
            .select_from(ReviewState)
            .join(Card, Card.id == ReviewState.card_id)
            .where(*conditions, *card_conditions)
        )
    else:
        counted = select(func.count()).select_from(ReviewState).where(*conditions)
    total = session.scalar(counted) or 0
    # The page's ids first, sorting narrow rows; then its cards and states, fifty of them.
    ids_stmt = select(ReviewState.card_id).join(Deck, Deck.id == ReviewState.deck_id)
    if card_conditions:
        ids_stmt = ids_stmt.join(Card, Card.id == ReviewState.card_id)
    ids = list(
        session.scalars(
            ids_stmt.where(*conditions, *card_conditions)
            .order_by(Deck.title, Deck.id, ReviewState.position)
            .limit(per_page)
            .offset((max(page, 1) - 1) * per_page)
        )
    )
    rows = session.execute(
        select(Card, ReviewState)
        .join(ReviewState, (ReviewState.card_id == Card.id) & (ReviewState.user_id == user.id))
        .where(Card.id.in_(ids))
    )
    found = {card.id: (card, card_state) for card, card_state in rows}
    return [found[card_id] for card_id in ids if card_id in found], total


@dataclass(frozen=True)
class Wording:
    """A card's kind and text: as its note has it, or as the user wants it."""

    kind: str
    front: str
    back: str


def override_columns(note: Wording, wanted: Wording) -> dict[str, str | None]:
    """The card columns that keep the user's ``wanted`` wording over the ``note``'s.

    What equals the note's is no override: the card follows its note there.  ``kind`` is the kind the
    card is asked as, and ``note_kind`` keeps the note's when the user chose another.
    """
    return {
        "kind": wanted.kind,
        "note_kind": None if wanted.kind == note.kind else note.kind,
        "override_front": None if wanted.front == note.front else wanted.front,
        "override_back": None if wanted.back == note.back else wanted.back,
    }


def set_override(card: Card, front: str, back: str, kind: str | None = None) -> None:
    """Store the user's wording of a card (and kind, when given); what equals the note's is no override."""
    note = Wording(card.kind_in_note, card.front, card.back)
    for column, value in override_columns(note, Wording(kind or card.kind, front, back)).items():
        setattr(card, column, value)


def clear_override(card: Card) -> None:
    """The card follows its note again: the note's text and kind."""
    set_override(card, card.front, card.back, card.kind_in_note)


def user_topics(session: Session, user: User) -> list[Topic]:
    """The user's topics in note order, for pickers."""
    return list(session.scalars(owned_topics(user.id).order_by(Deck.title, Deck.id, Topic.position)))


def card_history(session: Session, user: User, card: Card) -> list[ReviewLog]:
    """The user's grades of a card, oldest first."""
    return list(
        session.scalars(
            select(ReviewLog)
            .where(ReviewLog.user_id == user.id, ReviewLog.card_id == card.id)
            .order_by(ReviewLog.id)
        )
    )


@dataclass(frozen=True)
class SourceExcerpt:
    """Lines of a card's note around the card's line; ``stored`` is False when the deck has no text."""

    name: str  # the note's display name, never a server path
    first_line: int
    lines: list[str]
    highlight: int
    stored: bool = True
    from_anki: bool = False  # the deck was imported from an Anki package: it has no note text


def source_excerpt(card: Card, context: int = 8) -> SourceExcerpt:
    """The lines of a card's note around its answer, from the text kept on its deck at import.

    Nothing is read from disk: a deck's ``source_path`` is only an identity (a
    restored backup can set it to anything), so it is never opened.
    """
    deck = card.deck
    if deck.source_path.startswith(ANKI_DECK_PREFIX):
        return SourceExcerpt(deck.display_name, 0, [], 0, stored=False, from_anki=True)
    text = deck.source_text
    if text is None:  # imported before the text was kept: importing the note again brings it
        return SourceExcerpt(deck.display_name, 0, [], card.line, stored=False)
    lines = text.splitlines()
    first = max(1, card.line - context)
    return SourceExcerpt(deck.display_name, first, lines[first - 1 : max(0, card.line + context)], card.line)


CHOICE_OPTIONS = 4
# How many cards each step of ``choice_options`` reads at most: its queries are bounded by these, not by
# the size of a topic, a deck or the collection.
CHOICE_TOPIC_POOL = 24  # the card's own topic, nearest in the note first
CHOICE_NEAR_POOL = 30  # each side of the card in its deck, and of its deck among the user's decks


@dataclass(frozen=True)
class ChoiceOption:
    """One option of a multiple-choice card: an answer (Markdown) and whether it is the card's own."""

    text: str
    correct: bool


def _normalised(text: str) -> str:
    return " ".join(text.split()).casefold()


_ANSWER = func.coalesce(Card.override_back, Card.back)


def _same_topic(card: Card) -> Select[tuple[str]]:
    """Answers of the other cards of the card's topic, nearest in the note first (the topic's index)."""
    topic = Card.topic_id.is_(None) if card.topic_id is None else Card.topic_id == card.topic_id
    return (
        select(_ANSWER)
        .where(Card.deck_id == card.deck_id, topic, Card.id != card.id, ACTIVE_CARD, Card.kind != "command")
        .order_by(func.abs(Card.position - card.position), Card.position)
        .limit(CHOICE_TOPIC_POOL)
    )


def _answers_among(card: Card, *nearest: Select[tuple[int]]) -> Select[tuple[str]]:
    """Answers of the non-command cards among the ids ``nearest`` select (each a bounded probe of the
    states' browse index), the card's own excepted."""
    ids = union_all(*(select(probe.subquery().c.card_id) for probe in nearest))
    return (
        select(_ANSWER)
        .where(Card.id.in_(ids), Card.id != card.id, ACTIVE_CARD, Card.kind != "command")
        .order_by(Card.deck_id, Card.position)
    )


def _neighbouring_topics(card: Card) -> Select[tuple[str]]:
    """Answers of the cards nearest the card in its deck, in the topics before and after its own."""
    states = select(ReviewState.card_id).where(
        ReviewState.user_id == card.deck.user_id,
        ReviewState.deck_id == card.deck_id,
        ReviewState.active.is_(True),
        ReviewState.topic_id.is_distinct_from(card.topic_id),
    )
    position = ReviewState.position
    return _answers_among(
        card,
        states.where(position < card.position).order_by(position.desc()).limit(CHOICE_NEAR_POOL),
        states.where(position > card.position).order_by(position).limit(CHOICE_NEAR_POOL),
    )


def _neighbouring_decks(card: Card) -> Select[tuple[str]]:
    """Answers of cards of the user's other decks: the next deck's first cards, the previous one's last."""
    states = select(ReviewState.card_id).where(
        ReviewState.user_id == card.deck.user_id, ReviewState.active.is_(True)
    )
    deck, position = ReviewState.deck_id, ReviewState.position
    return _answers_among(
        card,
        states.where(deck > card.deck_id).order_by(deck, position).limit(CHOICE_NEAR_POOL),
        states.where(deck < card.deck_id).order_by(deck.desc(), position.desc()).limit(CHOICE_NEAR_POOL),
    )


def choice_options(session: Session, card: Card, today: date) -> list[ChoiceOption]:
    """Four answers to pick from: the card's own and three from other cards, the nearest first.

    Wrong options come from other active non-command cards of the same topic,
    then of the neighbouring topics of the same deck, then of the user's other
    decks, and never read the same as the right answer (nor each other).  Each
    step is one bounded query, run only while options are missing.  The order is
    shuffled the same way all day, so a reload does not reshuffle.  An empty
    list means there are too few other cards to make a choice.
    """
    rng = random.Random(f"{card.id}:{today.isoformat()}")
    seen = {_normalised(card.shown_back)}
    picked: list[str] = []
    for step in (_same_topic, _neighbouring_topics, _neighbouring_decks):
        pool = list(session.scalars(step(card)))
        rng.shuffle(pool)
        for back in pool:
            if len(picked) < CHOICE_OPTIONS - 1 and _normalised(back) not in seen:
                seen.add(_normalised(back))
                picked.append(back)
        if len(picked) == CHOICE_OPTIONS - 1:
            break
    if not picked:
        return []
    options = [ChoiceOption(card.shown_back, True), *(ChoiceOption(text, False) for text in picked)]
    rng.shuffle(options)
    return options
