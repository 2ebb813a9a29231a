"""How a parsed note becomes a deck, or updates its deck: topics, cards and review states, progress kept.

New decks are written in bulk (a few statements per batch of decks); a deck already stored is
updated on its own, its cards matched to the note's (``quiz.store.matching``) so that each keeps its
id, review state and history.  Cards gone from the note are retired, and restored when they return.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from operator import itemgetter
from typing import Any

from sqlalchemy import bindparam, case, false, func, insert, select, true, update
from sqlalchemy.orm import Session

from quiz.models import Card, Deck, ReviewState, Topic, User, now_utc
from quiz.notes import CardDraft, ParsedNote
from quiz.store.matching import match_cards, unique_drafts
from quiz.store.scopes import ACTIVE_CARD


@dataclass
class ImportResult:
    """What importing one notes file did."""

    deck: Deck
    added: int = 0
    updated: int = 0
    retired: int = 0
    restored: int = 0
    unchanged: int = 0

    @property
    def summary(self) -> str:
        restored = f", {self.restored} restored" if self.restored else ""
        return (
            f"{self.deck.source_path}: {self.added} added, {self.updated} updated, "
            f"{self.retired} retired{restored}, {self.unchanged} unchanged"
        )


@dataclass(frozen=True)
class NoteToSync:
    """One parsed note on its way into the database (the arguments of ``quiz.store.importing.sync_deck``)."""

    source: str
    title: str
    content_hash: str
    note: ParsedNote
    keep_keys: set[str] | None = None
    text: str | None = None  # the note's text, kept on the deck for the card page's excerpt
    name: str | None = None  # what pages call the note (never a server path)


def _unique_slug(taken: set[str], stem: str) -> str:
    slug, n = stem, 1
    while slug in taken:
        n += 1
        slug = f"{stem}-{n}"
    return slug


# New decks are written a batch at a time: a few statements per batch, and bounded memory.
_NEW_DECKS_PER_BATCH = 500
_NEW_CARDS_PER_BATCH = 20_000


def sync_decks(session: Session, user: User, notes: Sequence[NoteToSync]) -> list[ImportResult]:
    """Create or update the decks of ``notes``, in order (see ``quiz.store.importing.sync_deck``).

    A deck that already exists is updated on its own (its cards are matched).  New decks are
    written together: one flush for the decks, then bulk statements for all their topics, cards
    and review states, so that importing a folder costs a handful of statements, not a handful
    per file.
    """
    decks = {deck.source_path: deck for deck in session.scalars(select(Deck).where(Deck.user_id == user.id))}
    slugs = {deck.slug for deck in decks.values()}
    results: list[ImportResult] = []
    batch: dict[str, tuple[ImportResult, NoteToSync]] = {}  # by source
    batch_cards = 0
    for item in notes:
        deck = decks.get(item.source)
        if deck is None:
            slug = _unique_slug(slugs, item.title)
            deck = Deck(
                user_id=user.id,
                title=item.title,
                slug=slug,
                source_path=item.source,
                content_hash=item.content_hash,
                source_text=item.text,
                source_name=item.name,
                imported_at=now_utc(),
            )
            session.add(deck)
            decks[item.source] = deck
            slugs.add(slug)
            result = ImportResult(deck=deck)
            results.append(result)
            batch[item.source] = (result, item)
            batch_cards += len(item.note.cards)
            if len(batch) >= _NEW_DECKS_PER_BATCH or batch_cards >= _NEW_CARDS_PER_BATCH:
                _write_new_decks(session, user, list(batch.values()))
                batch, batch_cards = {}, 0
            continue
        if item.source in batch:
            # The same note twice in one import: the first must be stored before the second is compared.
            _write_new_decks(session, user, list(batch.values()))
            batch, batch_cards = {}, 0
        results.append(_update_deck(session, user, deck, item))
    if batch:
        _write_new_decks(session, user, list(batch.values()))
    return results


def _write_new_decks(session: Session, user: User, batch: list[tuple[ImportResult, NoteToSync]]) -> None:
    """Store the topics, cards and review states of decks just created (not yet flushed)."""
    session.flush()  # the decks get their ids
    deck_ids = [result.deck.id for result, _ in batch]
    keys_by_deck: list[dict[tuple[str, ...], str]] = []
    topic_rows: list[dict[str, Any]] = []
    parents: list[tuple[int, str, str]] = []
    for result, item in batch:
        keys = _topic_keys(item.note)
        rows, new_parents = _new_topics(result.deck.id, keys, {})
        keys_by_deck.append(keys)
        topic_rows += rows
        parents += new_parents
    topic_ids = _insert_topics(session, topic_rows, parents, deck_ids) if topic_rows else {}
    card_rows: list[dict[str, Any]] = []
    for (result, item), keys in zip(batch, keys_by_deck, strict=True):
        deck_id = result.deck.id
        drafts = _drafts(item)
        ids_by_path = {path: topic_ids[(deck_id, key)] for path, key in keys.items()}
        card_rows += [
            _card_row(deck_id, draft, position, ids_by_path.get(draft.topic))
            for position, draft in enumerate(drafts)
        ]
        result.added = len(drafts)
    if card_rows:
        # One bulk INSERT for the cards and one INSERT … SELECT for their states: at thousands of cards
        # a note, one ORM object (or one RETURNING round trip) each would cost more than parsing it.
        _insert_rows(session, Card.__table__, card_rows)
        cards = Card.__table__.c
        columns = ("user_id", "card_id", "deck_id", "topic_id", "position", "active", "suspended", "version")
        states = select(
            bindparam("state_user", user.id),
            cards.id,
            cards.deck_id,
            cards.topic_id,
            cards.position,
            true(),
            false(),
            bindparam("state_version", 1),
        ).where(cards.deck_id.in_(deck_ids))
        session.execute(insert(ReviewState.__table__).from_select(columns, states))


def _update_deck(session: Session, user: User, deck: Deck, item: NoteToSync) -> ImportResult:
    """Bring a stored deck up to date with its note: match its cards, add, update, retire, restore."""
    # The text and name are kept even when nothing else changed: a deck stored before the text was kept
    # gets its excerpt back by importing its note again.
    if item.text is not None:
        deck.source_text = item.text
    if item.name is not None:
        deck.source_name = item.name
    if deck.content_hash == item.content_hash and item.keep_keys is None:
        # The same text as last time: nothing to change.
        deck.imported_at = now_utc()
        unchanged = select(func.count()).where(Card.deck_id == deck.id, ACTIVE_CARD)
        return ImportResult(deck=deck, unchanged=session.scalar(unchanged) or 0)
    deck.content_hash = item.content_hash
    deck.imported_at = now_utc()
    topic_ids = _sync_topics(session, deck, _topic_keys(item.note))
    result = ImportResult(deck=deck)
    existing = session.scalars(select(Card).where(Card.deck_id == deck.id).order_by(Card.position)).all()
    drafts = _drafts(item)
    matched = match_cards(drafts, existing)
    new_cards: list[dict[str, Any]] = []
    for position, draft in enumerate(drafts):
        topic_id = topic_ids.get(draft.topic)
        card = matched.get(position)
        if card is None:
            new_cards.append(_card_row(deck.id, draft, position, topic_id))
            continue
        if (card.kind, card.front, card.back) != (draft.kind, draft.front, draft.back):
            card.edited_at = now_utc()
            result.updated += 1
        elif card.retired:
            result.restored += 1
        else:
            result.unchanged += 1
        card.kind, card.front, card.back, card.line = draft.kind, draft.front, draft.back, draft.line
        card.position, card.topic_id, card.retired = position, topic_id, False
    result.added = len(new_cards)
    kept = {card.id for card in matched.values()}
    for card in existing:
        if card.id not in kept and not card.retired:
            card.retired = True
            result.retired += 1
    session.flush()
    if existing:
        _states_follow_cards(session, deck)
    if new_cards:
        _insert_rows(session, Card.__table__, new_cards)
        added = {row["key"] for row in new_cards}
        stored = select(Card.key, Card.id, Card.topic_id, Card.position).where(Card.deck_id == deck.id)
        rows = session.execute(stored)
        session.execute(
            insert(ReviewState.__table__),
            [
                {
                    "user_id": user.id,
                    "card_id": card_id,
                    "deck_id": deck.id,
                    "topic_id": topic_id,
                    "position": position,
                    "active": True,
                    "suspended": False,
                    "version": 1,
                }
                for key, card_id, topic_id, position in rows
                if key in added
            ],
        )
    return result


def _drafts(item: NoteToSync) -> list[CardDraft]:
    drafts = unique_drafts(item.note.cards)
    if item.keep_keys is not None:
        drafts = [d for d in drafts if d.key in item.keep_keys]
    return drafts


def _insert_rows(session: Session, table: Any, rows: list[dict[str, Any]]) -> None:
    """INSERT many rows of plain values (str, int, bool, None) with the driver's executemany.

    An import inserts tens of thousands of cards; SQLAlchemy's own executemany
    spent about as long building each row's parameters as SQLite spent storing
    them (bench/RESULTS.md, "notes import").  The values need no conversion: both drivers
    take Python's str, int, bool and None as they are.
    """
    columns = list(rows[0])
    connection = session.connection()
    dialect = connection.dialect
    marker = "?" if dialect.paramstyle == "qmark" else "%s"
    quote = dialect.identifier_preparer.quote
    sql = (
        f"INSERT INTO {quote(table.name)} ({', '.join(quote(c) for c in columns)}) "
        f"VALUES ({', '.join([marker] * len(columns))})"
    )
    values = itemgetter(*columns) if len(columns) > 1 else (lambda row: (row[columns[0]],))
    connection.exec_driver_sql(sql, list(map(values, rows)))


def _card_row(deck_id: int, draft: CardDraft, position: int, topic_id: int | None) -> dict[str, Any]:
    return {
        "deck_id": deck_id,
        "key": draft.key,
        "kind": draft.kind,
        "front": draft.front,
        "back": draft.back,
        "line": draft.line,
        "position": position,
        "topic_id": topic_id,
        "retired": False,
    }


def _states_follow_cards(session: Session, deck: Deck) -> None:
    """Copy topic, position and retirement of a deck's cards onto their review states, in one statement."""
    card = select(Card).where(Card.id == ReviewState.card_id)
    retired = card.with_only_columns(Card.retired).scalar_subquery()
    session.execute(
        update(ReviewState)
        .where(ReviewState.deck_id == deck.id)
        .values(
            topic_id=card.with_only_columns(Card.topic_id).scalar_subquery(),
            position=card.with_only_columns(Card.position).scalar_subquery(),
            active=case((retired, false()), else_=true()),
        )
        .execution_options(synchronize_session="fetch")
    )


def _topic_keys(note: ParsedNote) -> dict[tuple[str, ...], str]:
    """Every heading path of a note and its ancestors, in the order first named, with their path keys."""
    separator = Topic.PATH_SEPARATOR
    keys: dict[tuple[str, ...], str] = {}
    for path in [t.path for t in note.topics] + [c.topic for c in note.cards]:
        if path in keys:
            continue  # and so are its ancestors
        for depth in range(1, len(path) + 1):
            prefix = path[:depth]
            if prefix not in keys:
                keys[prefix] = separator.join(prefix)
    return keys


def _new_topics(
    deck_id: int, keys: dict[tuple[str, ...], str], stored: Mapping[str, Topic]
) -> tuple[list[dict[str, Any]], list[tuple[int, str, str]]]:
    """The rows of the topics to add, and (deck, key, parent's key) of those whose parent is new too.

    A topic's position is the order in which its path is first named; stored topics are moved there.
    """
    new: dict[str, dict[str, Any]] = {}
    parents: list[tuple[int, str, str]] = []
    for position, (prefix, key) in enumerate(keys.items()):
        topic = stored.get(key)
        if topic is not None:
            topic.position = position
        elif key in new:
            new[key]["position"] = position  # another path with the same key (a title holding the separator)
        else:
            parent = stored.get(keys[prefix[:-1]]) if len(prefix) > 1 else None
            if len(prefix) > 1 and parent is None:
                parents.append((deck_id, key, keys[prefix[:-1]]))
            new[key] = {
                "deck_id": deck_id,
                "parent_id": parent.id if parent is not None else None,
                "title": prefix[-1],
                "path_key": key,
                "depth": len(prefix),
                "position": position,
            }
    return list(new.values()), parents


def _insert_topics(
    session: Session, rows: list[dict[str, Any]], parents: list[tuple[int, str, str]], deck_ids: list[int]
) -> dict[tuple[int, str], int]:
    """Insert topic rows in bulk, then set the parents that were new too; the ids of the decks' topics."""
    _insert_rows(session, Topic.__table__, rows)
    topics = Topic.__table__.c
    found = select(topics.deck_id, topics.path_key, topics.id).where(topics.deck_id.in_(deck_ids))
    ids = {(deck_id, key): topic_id for deck_id, key, topic_id in session.execute(found)}
    if parents:
        set_parent = update(Topic.__table__).where(topics.id == bindparam("topic"))
        session.execute(
            set_parent.values(parent_id=bindparam("parent")),
            [{"topic": ids[(deck, key)], "parent": ids[(deck, parent)]} for deck, key, parent in parents],
        )
    return ids


def _sync_topics(
    session: Session, deck: Deck, keys: dict[tuple[str, ...], str]
) -> dict[tuple[str, ...], int]:
    """Make sure a topic row exists for every path in ``keys`` (see ``_topic_keys``); return their ids."""
    stored = {t.path_key: t for t in session.scalars(select(Topic).where(Topic.deck_id == deck.id))}
    rows, parents = _new_topics(deck.id, keys, stored)
    ids = {(deck.id, key): topic.id for key, topic in stored.items()}
    if rows:
        ids.update(_insert_topics(session, rows, parents, [deck.id]))
    return {prefix: ids[(deck.id, key)] for prefix, key in keys.items()}
