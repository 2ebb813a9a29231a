"""Anki export: the user's active cards written as a package (``quiz.export``), and the export stamps.

``export_package`` is the export, as the view and ``flask anki export`` both run it.  Each export
stamps its notes later than the one before (``next_export_timestamp``), so Anki's import updates the
notes it already has.
"""

from __future__ import annotations

import os
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from quiz.export import ExportCard, write_package
from quiz.models import AnkiExport, Card, Deck, Topic, User
from quiz.store.media import export_media
from quiz.store.scopes import ACTIVE_CARD, owned_cards


def export_package(session: Session, user: User, path: str | os.PathLike[str], now: datetime) -> int | None:
    """Write the user's active cards to an Anki package at ``path`` and remember the export.

    Returns the number of notes written, or None when the user has no cards: then nothing is
    written and nothing recorded.  The caller commits, so the next export is stamped later.
    """
    cards = export_cards(session, user)
    if not cards:
        return None
    timestamp = next_export_timestamp(session, user, now)
    cards, media = export_media(session, user, cards)  # the cards' images, under Anki's flat names
    count = write_package(cards, path, timestamp, media=media)
    record_export(session, user, timestamp, count)
    return count


def export_cards(session: Session, user: User) -> list[ExportCard]:
    """Return the user's active cards in note order, ready for the Anki exporter."""
    # Plain columns, one join: loading 100,000 Card objects and each one's topic took seconds.
    rows = session.execute(
        owned_cards(
            user.id,
            Card.key,
            Deck.slug,
            Card.kind,
            func.coalesce(Card.override_front, Card.front),
            func.coalesce(Card.override_back, Card.back),
            Topic.path_key,
            Deck.title,
        )
        .outerjoin(Topic, Topic.id == Card.topic_id)
        .where(ACTIVE_CARD)
        .order_by(Deck.title, Deck.id, Card.position)
    )
    paths: dict[str | None, tuple[str, ...]] = {None: ()}
    cards = []
    for key, slug, kind, front, back, path_key, title in rows:
        topic = paths.get(path_key)
        if topic is None:
            topic = paths[path_key] = tuple(path_key.split(Topic.PATH_SEPARATOR))
        cards.append(ExportCard(key, slug, kind, front, back, topic, title))
    return cards


def next_export_timestamp(session: Session, user: User, now: datetime) -> int:
    """Return a note timestamp later than every earlier export's.

    Anki's default import updates a note only when the package's copy is newer
    than its own, in whole seconds; two exports within one second would
    otherwise leave the second one ignored.
    """
    last = session.scalar(select(func.max(AnkiExport.timestamp)).where(AnkiExport.user_id == user.id))
    stamp = int(now.timestamp())
    return stamp if last is None or stamp > last else last + 1


def record_export(session: Session, user: User, timestamp: int, note_count: int) -> None:
    """Remember an export so the next one is stamped later."""
    session.add(AnkiExport(user_id=user.id, timestamp=timestamp, note_count=note_count))
    session.flush()
