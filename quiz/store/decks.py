"""How a parsed note becomes a deck, or updates its deck: topics, cards and review states, progress kept.

New decks are written in bulk (a few statements per batch of decks); a deck already stored is
updated on its own, its cards matched to the note's (``quiz.store.matching``) so that each keeps its
id, review state and history.  Cards gone from the note are retired, and restored when they return.

What the user decided at an import is kept: a card unticked in the preview is remembered
(``UntickedCard``) and left out of later imports of the note until ticked again, and a card fixed
in the preview keeps the user's wording over the note's (``quiz.store.browser.override_columns``).
``compare_note`` tells the preview, with the same matching, what an import would do to each card.

What identifies a deck among a user's decks (``Deck.source_path``) is its note's folder-relative name,
NFC-normalised (``note_identity``): ``docker-notes.md`` whether the command line read it from one folder
or another, or a browser upload sent it; ``sub/x.md`` for a note in a subfolder of the folder
imported.  The same name is the same deck: a moved folder, or a note imported on the command line and
then uploaded, updates its deck.  Decks stored before this rule get their identity by the same rule
(``stored_identities``, as migration 0015 and a restored backup apply it).  A new deck's ``slug``, the
basis of its cards' Anki GUIDs, is its file name's stem (``docker-notes``) and never changes; see
``new_slugs`` for two notes whose stems are the same.
"""

from __future__ import annotations

import hashlib
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from operator import itemgetter
from pathlib import PurePosixPath, PureWindowsPath
from typing import Any

from sqlalchemy import bindparam, case, delete, false, func, insert, select, true, update
from sqlalchemy.orm import Session, selectinload

from quiz.models import Card, Deck, ReviewState, Topic, UntickedCard, User, now_utc
from quiz.notes import CardDraft, ParsedNote
from quiz.store.browser import Wording, override_columns
from quiz.store.matching import match_cards, unique_drafts
from quiz.store.scopes import ACTIVE_CARD, ANKI_DECK_PREFIX


@dataclass
class ImportResult:
    """What importing one notes file did."""

    deck: Deck
    added: int = 0
    updated: int = 0
    retired: int = 0
    restored: int = 0
    unchanged: int = 0
    unticked: int = 0  # the note's cards left out: unticked at this import or an earlier one

    @property
    def summary(self) -> str:
        restored = f", {self.restored} restored" if self.restored else ""
        unticked = f", {self.unticked} left out (unticked at an import)" if self.unticked else ""
        return (
            f"{self.deck.display_name}: {self.added} added, {self.updated} updated, "
            f"{self.retired} retired{restored}, {self.unchanged} unchanged{unticked}"
        )


@dataclass(frozen=True)
class NoteToSync:
    """One parsed note on its way into the database (what ``sync_decks`` stores)."""

    source: str  # the deck's identity: ``note_identity`` of the note's name
    title: str
    content_hash: str
    note: ParsedNote
    # The keys of the cards to store, the others are left out and remembered as unticked; None: every
    # card but those unticked at an earlier import.
    keep_keys: set[str] | None = None
    text: str | None = None  # the note's text, kept on the deck for the card page's excerpt
    name: str | None = None  # what pages call the note (never a server path)
    fixes: Mapping[str, Wording] | None = None  # by key: the user's wording of a card, fixed in the preview


# What an import does to a card of the note, by the stored card it continues (``compare_note``).
NEW, EDITED, UNCHANGED, RESTORED = "new", "edited", "unchanged", "restored"


def card_status(card: Card | None, draft: CardDraft) -> str:
    """What importing ``draft`` does to ``card``, the stored card it continues (None: there is none)."""
    if card is None:
        return NEW
    if (card.kind_in_note, card.front, card.back) != (draft.kind, draft.front, draft.back):
        return EDITED
    return RESTORED if card.retired else UNCHANGED


@dataclass(frozen=True)
class ComparedCard:
    """What an import of the note would do to one of its cards (see ``compare_note``)."""

    status: str  # NEW, EDITED, UNCHANGED or RESTORED
    holds: bool  # a card in the quiz continues it: leaving it out retires that card
    shown: Wording | None  # the user's own wording of that card, when they have one


@dataclass(frozen=True)
class NoteComparison:
    """A note set against its stored deck: each card's fate, the cards retired, the keys unticked before."""

    cards: list[ComparedCard]  # in the order of the drafts compared
    retiring: list[Card]  # the deck's cards in the quiz that no card of the note continues
    unticked: set[str]  # the note's keys the user unticked at an earlier import


def compare_note(session: Session, deck_id: int | None, drafts: Sequence[CardDraft]) -> NoteComparison:
    """What importing ``drafts`` (unique keys, as ``unique_drafts`` leaves them) into the deck would do.

    The same matching and comparison as the import itself (``_update_deck``), so the preview and
    the result agree: with every card ticked, exactly; a card left out retires the card it holds.
    """
    if deck_id is None:
        return NoteComparison([ComparedCard(NEW, False, None) for _ in drafts], [], set())
    existing = _stored_cards(session, deck_id, with_topics=True)
    matched = match_cards(drafts, existing)
    cards = []
    for i, draft in enumerate(drafts):
        card = matched.get(i)
        shown = Wording(card.kind, card.shown_front, card.shown_back) if card and card.overridden else None
        cards.append(ComparedCard(card_status(card, draft), card is not None and not card.retired, shown))
    kept = {card.id for card in matched.values()}
    retiring = [card for card in existing if card.id not in kept and not card.retired]
    keys = {draft.key for draft in drafts}
    return NoteComparison(cards, retiring, _unticked_keys(session, deck_id) & keys)


def _stored_cards(session: Session, deck_id: int, *, with_topics: bool = False) -> list[Card]:
    """The deck's cards in note order, as the matching reads them."""
    stmt = select(Card).where(Card.deck_id == deck_id).order_by(Card.position)
    if with_topics:
        stmt = stmt.options(selectinload(Card.topic))
    return list(session.scalars(stmt))


def _unticked_keys(session: Session, deck_id: int) -> set[str]:
    return set(session.scalars(select(UntickedCard.key).where(UntickedCard.deck_id == deck_id)))


def note_identity(name: str) -> str:
    """What identifies a note's deck among a user's decks: its folder-relative name (``sub/x.md``), NFC.

    The name is what the import calls the note: the file's path relative to the folder given on the
    command line (or its file name when the file itself was given), the uploaded file's name, or the
    member's path in an uploaded zip.  NFC, so that a name written decomposed (macOS) or composed is one.
    A name that starts as an Anki deck's identity does (``anki:``, ``quiz.store.anki_importing``) is
    written ``./anki:…``, so that a note can never update a deck imported from Anki.
    """
    identity = unicodedata.normalize("NFC", name)
    return f"./{identity}" if identity.startswith(ANKI_DECK_PREFIX) else identity


LEGACY_UPLOAD_PREFIX = "upload:"  # how a browser upload's deck was identified before ``note_identity``


def _is_legacy_identity(source_path: str) -> bool:
    """An identity of the form used before ``note_identity``: an absolute path, or "upload:NAME"."""
    windows = PureWindowsPath(source_path)
    return (
        source_path.startswith(LEGACY_UPLOAD_PREFIX)
        or PurePosixPath(source_path).is_absolute()
        or bool(windows.drive)
        or windows.is_absolute()
    )


def derived_identity(source_path: str, source_name: str | None) -> str:
    """The identity ``note_identity`` gives a deck whose identity is of the older form.

    An absolute path or "upload:NAME" becomes the deck's display name (the name its note was last
    imported under), else the old identity's file name ("upload:NAME" → NAME, "/path/to/x.md" →
    "x.md").  Any other identity (a note's name, or another kind of deck's) stays as it is.
    """
    if not _is_legacy_identity(source_path):
        return source_path
    if source_name:
        return note_identity(source_name)
    if source_path.startswith(LEGACY_UPLOAD_PREFIX):
        return note_identity(source_path[len(LEGACY_UPLOAD_PREFIX) :])
    return note_identity(PureWindowsPath(PurePosixPath(source_path).name).name or source_path)


def stored_identities(decks: Iterable[tuple[str, str | None]]) -> list[str]:
    """The identities of one user's decks, each ``(source_path, source_name)``, oldest first.

    Each deck's is its ``derived_identity``: only identities of the older form change.  Two decks
    that come to the same one (a note imported from two paths, or on the command line and then
    uploaded, made two decks before) keep all their data: the oldest takes the identity, and each
    other keeps the one it had, so it stays a deck of its own that later imports no longer update
    (the user can tell them apart by their cards and history).  A deck whose identity is already its
    derived one keeps it first, so that applying this to its own result changes nothing (a backup
    made after the upgrade restores as it was).
    """
    paths, derived = [], []
    for path, name in decks:
        paths.append(path)
        derived.append(derived_identity(path, name))
    result: list[str | None] = [None] * len(paths)
    taken: set[str] = set()
    for i, path in enumerate(paths):
        if derived[i] == path:
            result[i] = path
            taken.add(path)
    for i, identity in enumerate(derived):
        if result[i] is None and identity not in taken:
            result[i] = identity
            taken.add(identity)
    for i, path in enumerate(paths):
        if result[i] is None:
            kept, n = path, 1
            while kept in taken:  # (only when another deck's name is this deck's old identity)
                n += 1
                kept = f"{path} ({n})"
            result[i] = kept
            taken.add(kept)
    return [identity or "" for identity in result]


def _unique_slug(taken: set[str], stem: str) -> str:
    slug, n = stem, 1
    while slug in taken:
        n += 1
        slug = f"{stem}-{n}"
    return slug


SLUG_MAX = 200  # the length of ``Deck.slug``


def _fit(slug: str, identity: str) -> str:
    """``slug`` with room for a "-N" in ``Deck.slug``: a longer one is cut and told apart by a digest of
    the note's identity (a deep folder's path), the same on every machine."""
    room = SLUG_MAX - 4
    if len(slug) <= room:
        return slug
    return f"{slug[: room - 11]}-{hashlib.sha1(identity.encode()).hexdigest()[:10]}"


def new_slugs(taken: set[str], notes: Iterable[tuple[str, str]]) -> dict[str, str]:
    """The slugs of new decks, ``(identity, title)`` each, by identity; ``taken`` gains them.

    A slug is the basis of the deck's Anki GUIDs, so it must come out the same on every machine that
    imports the same notes, and never changes.  A deck's slug is its title, the note's file stem
    (``docker-notes``), as it always was.  When another deck has that stem (``README.md`` and
    ``sub/README.md``), the stem goes to the note nearest the top of the folder (then the first by
    name) and each other note takes its folder-relative name without the suffix (``sub/README``);
    a note at the top whose stem is taken takes its name (``README.md``); "-2", "-3"… only when even
    that is taken (``x.md`` and ``x.markdown``, or a slug made so by an older version).  So the decks
    of one import get the same slugs whatever the order of its notes; a deck imported later than
    one holding its stem takes the longer slug.
    """
    order = sorted(set(notes), key=lambda note: (note[0].count("/"), note[0]))
    slugs: dict[str, str] = {}
    for identity, title in order:
        if identity in slugs:
            continue
        slug = title if len(title) <= SLUG_MAX else _fit(title, identity)
        if slug in taken:
            path = PurePosixPath(identity)
            slug = _fit(str(path.with_suffix("")) if path.suffix and path.stem else identity, identity)
            if slug in taken:
                # A note at the top: ``README.md`` when ``README`` is another deck's.
                slug = _fit(identity, identity)
        slug = _unique_slug(taken, slug)
        slugs[identity] = slug
        taken.add(slug)
    return slugs


# New decks are written a batch at a time: a few statements per batch, and bounded memory.
_NEW_DECKS_PER_BATCH = 500
_NEW_CARDS_PER_BATCH = 20_000


def sync_decks(session: Session, user: User, notes: Sequence[NoteToSync]) -> list[ImportResult]:
    """Create or update the decks of ``notes``, in order.

    A deck that already exists is updated on its own (its cards are matched).  New decks are
    written together: one flush for the decks, then bulk statements for all their topics, cards
    and review states, so that importing a folder costs a handful of statements, not a handful
    per file.
    """
    decks = {deck.source_path: deck for deck in session.scalars(select(Deck).where(Deck.user_id == user.id))}
    slugs = new_slugs(
        {deck.slug for deck in decks.values()},
        [(item.source, item.title) for item in notes if item.source not in decks],
    )
    results: list[ImportResult] = []
    batch: dict[str, tuple[ImportResult, NoteToSync]] = {}  # by source
    batch_cards = 0
    for item in notes:
        deck = decks.get(item.source)
        if deck is None:
            slug = slugs[item.source]
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
        unique = unique_drafts(item.note.cards)
        drafts = unique if item.keep_keys is None else [d for d in unique if d.key in item.keep_keys]
        ids_by_path = {path: topic_ids[(deck_id, key)] for path, key in keys.items()}
        fixes = item.fixes or {}
        card_rows += [
            _card_row(deck_id, draft, position, ids_by_path.get(draft.topic), fixes.get(draft.key))
            for position, draft in enumerate(drafts)
        ]
        result.added = len(drafts)
        card_keys = {d.key for d in unique}
        result.unticked = len(card_keys) - len(drafts)
        _remember_unticked(session, deck_id, card_keys, item.keep_keys, new_deck=True)
    if card_rows:
        _same_columns(card_rows)
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
    existing = _stored_cards(session, deck.id)
    # Matched with every card of the note, then the ones left out dropped: a card unticked releases the
    # stored card it continues (retired below) rather than handing it to another, as the preview showed.
    all_drafts = unique_drafts(item.note.cards)
    matched_all = match_cards(all_drafts, existing)
    keys = {d.key for d in all_drafts}
    kept_keys = keys - _unticked_keys(session, deck.id) if item.keep_keys is None else keys & item.keep_keys
    result.unticked = len(keys) - len(kept_keys)
    _remember_unticked(session, deck.id, keys, item.keep_keys)
    kept = [(draft, matched_all.get(i)) for i, draft in enumerate(all_drafts) if draft.key in kept_keys]
    fixes = item.fixes or {}
    new_cards: list[dict[str, Any]] = []
    for position, (draft, card) in enumerate(kept):
        topic_id = topic_ids.get(draft.topic)
        if card is None:
            new_cards.append(_card_row(deck.id, draft, position, topic_id, fixes.get(draft.key)))
            continue
        status = card_status(card, draft)
        if status == EDITED:
            card.edited_at = now_utc()
            result.updated += 1
        elif status == RESTORED:
            result.restored += 1
        else:
            result.unchanged += 1
        if card.note_kind is not None:
            # The user chose the card's kind: it stays theirs, unless the note now gives the same kind.
            card.note_kind = draft.kind if draft.kind != card.kind else None
        else:
            card.kind = draft.kind  # (a card whose kind changed in the note keeps its key: matching)
        card.front, card.back, card.line = draft.front, draft.back, draft.line
        card.position, card.topic_id, card.retired = position, topic_id, False
        if draft.key in fixes:
            note = Wording(draft.kind, draft.front, draft.back)
            for column, value in override_columns(note, fixes[draft.key]).items():
                setattr(card, column, value)
    result.added = len(new_cards)
    continued = {card.id for _draft, card in kept if card is not None}
    for card in existing:
        if card.id not in continued and not card.retired:
            card.retired = True
            result.retired += 1
    session.flush()
    if existing:
        _states_follow_cards(session, deck)
    if new_cards:
        _same_columns(new_cards)
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


def _remember_unticked(
    session: Session, deck_id: int, keys: set[str], keep_keys: set[str] | None, *, new_deck: bool = False
) -> None:
    """Remember the note's cards (``keys``) the user's ticks left out, and forget those ticked again.

    Without ticks (``keep_keys`` None: the command line, a file import) nothing changes: what was
    unticked stays so.
    """
    if keep_keys is None:
        return
    ticked = keys & keep_keys
    if ticked and not new_deck:
        session.execute(
            delete(UntickedCard).where(UntickedCard.deck_id == deck_id, UntickedCard.key.in_(ticked))
        )
    unticked = keys - keep_keys
    if unticked and not new_deck:
        unticked -= _unticked_keys(session, deck_id)
    if unticked:
        session.execute(insert(UntickedCard), [{"deck_id": deck_id, "key": key} for key in sorted(unticked)])


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
    # Datetimes (a card's changed_at) are the one exception: written as the column type writes them.
    stamped = [c for c in columns if isinstance(rows[0][c], datetime)]
    if stamped:
        processors = {c: table.c[c].type._cached_bind_processor(dialect) for c in stamped}
        rows = [row | {c: processors[c](row[c]) for c in stamped} for row in rows]
    marker = "?" if dialect.paramstyle == "qmark" else "%s"
    quote = dialect.identifier_preparer.quote
    sql = (
        f"INSERT INTO {quote(table.name)} ({', '.join(quote(c) for c in columns)}) "
        f"VALUES ({', '.join([marker] * len(columns))})"
    )
    values = itemgetter(*columns) if len(columns) > 1 else (lambda row: (row[columns[0]],))
    connection.exec_driver_sql(sql, list(map(values, rows)))


def _card_row(
    deck_id: int, draft: CardDraft, position: int, topic_id: int | None, fix: Wording | None = None
) -> dict[str, Any]:
    """A new card's row; every row has the same columns (a bulk INSERT takes them from the first)."""
    row = {
        "deck_id": deck_id,
        "key": draft.key,
        "front": draft.front,
        "back": draft.back,
        "line": draft.line,
        "position": position,
        "topic_id": topic_id,
        "retired": False,
        "changed_at": now_utc(),
    }
    if fix is None:  # (most cards: the note's wording; the override columns stay NULL, see `_same_columns`)
        row["kind"] = draft.kind
    else:
        row.update(override_columns(Wording(draft.kind, draft.front, draft.back), fix))
    return row


def _same_columns(rows: list[dict[str, Any]]) -> None:
    """Give every row the columns any row has (a bulk INSERT takes them from the first row): the
    override columns, NULL, when some card of the batch was fixed in the preview."""
    columns = set().union(*rows)
    for row in rows:
        if len(row) < len(columns):
            for column in columns - row.keys():
                row[column] = None


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
