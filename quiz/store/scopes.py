"""What a query covers: a topic with its subtopics."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from quiz.models import Topic


def topic_and_descendants(session: Session, topic: Topic) -> list[int]:
    """Return the ids of a topic and every topic below it."""
    prefix = topic.path_key + Topic.PATH_SEPARATOR
    rows = session.scalars(select(Topic).where(Topic.deck_id == topic.deck_id))
    return [t.id for t in rows if t.id == topic.id or t.path_key.startswith(prefix)]
