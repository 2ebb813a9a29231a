"""What the progress and today pages show: counts per topic, today's totals and the charts' data.

The stage counts and retention come from the counter tables that triggers keep (``quiz.counters``);
only the due counts, which depend on the day, are counted here, over the due cards alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from quiz.models import Deck, ReviewDayCount, ReviewState, Topic, TopicCount, User
from quiz.store.days import DailyLimits
from quiz.store.queue import queue_counts
from quiz.store.scopes import due_by, owned_topics

RETENTION_WINDOW_DAYS = 30


@dataclass
class TopicProgress:
    """Counts for one topic, its subtopics included."""

    id: int | None
    title: str
    depth: int
    deck_id: int
    cards: int = 0
    new: int = 0
    learning: int = 0
    mature: int = 0
    due: int = 0
    reviews_30d: int = 0
    passed_30d: int = 0
    ease_hundredths_sum: int = 0
    children: list[TopicProgress] = field(default_factory=list)

    @property
    def retention(self) -> float | None:
        """Share of scheduled reviews in the window graded 3 or better."""
        return self.passed_30d / self.reviews_30d if self.reviews_30d else None

    @property
    def average_ease(self) -> float | None:
        seen = self.learning + self.mature
        return self.ease_hundredths_sum / seen / 100 if seen else None

    def add(self, other: TopicProgress) -> None:
        for name in (
            "cards",
            "new",
            "learning",
            "mature",
            "due",
            "reviews_30d",
            "passed_30d",
            "ease_hundredths_sum",
        ):
            setattr(self, name, getattr(self, name) + getattr(other, name))


def topic_progress(
    session: Session, user: User, today: date, *, with_retention: bool = True
) -> list[TopicProgress]:
    """Return one tree per deck (the deck is the root) with rolled-up counts per topic.

    ``with_retention=False`` skips the review-log query, for pages that show only counts.
    """
    # The stage counts come from topic_counts and the retention from review_day_counts, both kept by
    # triggers (quiz.counters); only the due cards are counted here, through the queue's covering index.
    counts = TopicCount.__table__.c
    state_rows = session.execute(
        select(
            counts.deck_id, counts.topic_key, counts.cards, counts.new, counts.learning, counts.mature,
            counts.ease_sum,
        ).where(counts.user_id == user.id, counts.cards != 0)
    )  # fmt: skip
    due_rows = session.execute(
        select(ReviewState.deck_id, ReviewState.topic_id, func.count())
        .where(ReviewState.user_id == user.id, due_by(today))
        .group_by(ReviewState.deck_id, ReviewState.topic_id)
    )
    since = today - timedelta(days=RETENTION_WINDOW_DAYS - 1)
    days = ReviewDayCount.__table__.c
    log_rows = (
        []
        if not with_retention
        else session.execute(
            select(days.deck_key, days.topic_key, func.sum(days.reviews), func.sum(days.passed))
            .where(days.user_id == user.id, days.review_day >= since, days.reviews != 0)
            .group_by(days.deck_key, days.topic_key)
        )
    )
    decks = session.scalars(select(Deck).where(Deck.user_id == user.id).order_by(Deck.title, Deck.id)).all()
    roots = {d.id: TopicProgress(id=None, title=d.title, depth=0, deck_id=d.id) for d in decks}
    nodes: dict[int, TopicProgress] = {}
    parents: dict[int, int | None] = {}
    topics = session.scalars(owned_topics(user.id).order_by(Topic.position)).all()
    for t in topics:
        nodes[t.id] = TopicProgress(id=t.id, title=t.title, depth=t.depth, deck_id=t.deck_id)
        parents[t.id] = t.parent_id
    # Keyed by (deck id, topic id or 0): the counter tables key a missing topic as 0.
    own: dict[tuple[int, int], TopicProgress] = {}
    for deck_id, topic_key, cards, new, learning, mature, ease in state_rows:
        own[(deck_id, topic_key)] = TopicProgress(
            None, "", 0, deck_id, cards, new, learning, mature, ease_hundredths_sum=ease
        )
    for deck_id, topic_id, due in due_rows:
        own.setdefault((deck_id, topic_id or 0), TopicProgress(None, "", 0, deck_id)).due = due
    for deck_id, topic_key, reviews, passed in log_rows:
        p = own.setdefault((deck_id, topic_key), TopicProgress(None, "", 0, deck_id))
        p.reviews_30d, p.passed_30d = int(reviews), int(passed)
    # Each topic's own counts go to it, its ancestors and its deck.
    for (deck_id, topic_id), counts in own.items():
        if deck_id not in roots:
            continue
        roots[deck_id].add(counts)
        while topic_id is not None and topic_id in nodes:
            nodes[topic_id].add(counts)
            topic_id = parents[topic_id]
    for t in topics:
        parent = nodes.get(t.parent_id) if t.parent_id is not None else roots.get(t.deck_id)
        if parent is not None:
            parent.children.append(nodes[t.id])
    return [roots[d.id] for d in decks]


@dataclass(frozen=True)
class TodayOverview:
    """What today holds: the topic trees with their counts, the sum of all of them, what today's limits
    leave (``left``) and the cards waiting in the drill."""

    trees: list[TopicProgress]
    everything: TopicProgress
    left: DailyLimits
    drill: int

    def offered(self, node: TopicProgress) -> tuple[int, int]:
        """The due reviews and new cards a session on ``node`` gets today: its own, as far as today's
        limits leave room (the limits are the day's, not the topic's, as in the queue)."""
        return min(node.due, self.left.reviews), min(node.new, self.left.new_cards)

    def held_back(self, node: TopicProgress) -> tuple[int, int]:
        """The due reviews and new cards of ``node`` that today's limits keep for a later day."""
        due, new = self.offered(node)
        return node.due - due, node.new - new

    @property
    def due(self) -> int:
        """Today's due reviews within the limits."""
        return self.offered(self.everything)[0]

    @property
    def new(self) -> int:
        """Today's new cards within the limits."""
        return self.offered(self.everything)[1]


def today_overview(session: Session, user: User, today: date, limits: DailyLimits) -> TodayOverview:
    """Count today's due reviews, new cards and drill cards; what the limits hold back, per topic too."""
    trees = topic_progress(session, user, today, with_retention=False)
    everything = TopicProgress(id=None, title="", depth=0, deck_id=0)
    for tree in trees:
        everything.add(tree)
    counts = queue_counts(session, user, today, limits)
    return TodayOverview(trees, everything, limits.left_after(counts.done), counts.drill)


def reviews_per_day(session: Session, user: User, start: date, end: date) -> dict[date, int]:
    """How many grades (drills included) the user gave on each day from ``start`` to ``end``."""
    days = ReviewDayCount.__table__.c
    rows = session.execute(
        select(days.review_day, func.sum(days.reviews + days.drills))
        .where(days.user_id == user.id, days.review_day >= start, days.review_day <= end)
        .group_by(days.review_day)
    )
    return {day: int(n) for day, n in rows if n}


def due_forecast(session: Session, user: User, today: date, days: int = 30) -> list[int]:
    """Cards falling due on each of the next ``days`` days; day 0 also holds everything overdue."""
    end = today + timedelta(days=days - 1)
    rows = session.execute(
        select(ReviewState.due, func.count())
        .where(ReviewState.user_id == user.id, due_by(end))
        .group_by(ReviewState.due)
    )
    counts = [0] * days
    for due, n in rows:
        counts[max(0, (due - today).days)] += n
    return counts


def _chart_topics(topics: Sequence[Topic]) -> dict[int, Topic]:
    """Map every topic to the ancestor that stands for it in charts.

    Per deck, that is the first heading level with more than one topic: a note
    whose single top heading is its title is charted by its sections.
    """
    by_id = {t.id: t for t in topics}
    children: dict[int | None, list[Topic]] = {}
    for t in topics:
        children.setdefault(t.parent_id, []).append(t)
    level: dict[int, int] = {}
    for deck_id in {t.deck_id for t in topics}:
        depth, parent = 1, None
        while True:
            here = [t for t in children.get(parent, []) if t.deck_id == deck_id]
            if len(here) == 1 and children.get(here[0].id):
                depth, parent = depth + 1, here[0].id
            else:
                break
        level[deck_id] = depth
    result: dict[int, Topic] = {}
    for t in topics:
        node = t
        while node.depth > level[t.deck_id] and node.parent_id in by_id:
            node = by_id[node.parent_id]
        result[t.id] = node
    return result


def _series_names(session: Session, topics: Sequence[Topic]) -> dict[int, str]:
    """Each charted topic's name: its title, with its deck's title when another charted topic has the same."""
    repeated = {t.title for t in topics if sum(other.title == t.title for other in topics) > 1}
    decks = {}
    if repeated:
        ids = {t.deck_id for t in topics}
        decks = dict(session.execute(select(Deck.id, Deck.title).where(Deck.id.in_(ids))).all())
    return {t.id: f"{t.title} · {decks[t.deck_id]}" if t.title in repeated else t.title for t in topics}


@dataclass(frozen=True)
class WeeklyRetention:
    """The retention chart's data: per topic charted, (Monday, retention or None) for each week."""

    series: dict[str, list[tuple[date, float | None]]]
    topics: int  # main topics with reviews in these weeks, charted or not (the chart shows the busiest)

    @property
    def left_out(self) -> int:
        """How many topics with reviews the chart does not show."""
        return self.topics - len(self.series)


def retention_by_week(
    session: Session, user: User, today: date, weeks: int = 12, max_series: int = 8
) -> WeeklyRetention:
    """Weekly retention (share of scheduled reviews graded 3+) per main topic, the last ``weeks`` weeks.

    At most ``max_series`` topics are charted, those with the most reviews in these weeks.
    """
    first_monday = today - timedelta(days=today.weekday()) - timedelta(weeks=weeks - 1)
    topics = session.scalars(owned_topics(user.id)).all()
    chart_topic = _chart_topics(topics)
    days = ReviewDayCount.__table__.c
    rows = session.execute(
        select(days.topic_key, days.review_day, days.reviews, days.passed).where(
            days.user_id == user.id,
            days.review_day >= first_monday,
            days.review_day <= today,
            days.reviews != 0,
        )
    )
    totals: dict[int, list[list[int]]] = {}
    for topic_key, day, n, passed in rows:
        topic = chart_topic.get(topic_key)  # 0, no topic, is never a topic's id
        if topic is None:
            continue
        week = (day - first_monday).days // 7
        cells = totals.get(topic.id)
        if cells is None:
            cells = totals[topic.id] = [[0, 0] for _ in range(weeks)]
        cells[week][0] += n
        cells[week][1] += passed
    busiest = sorted(totals, key=lambda tid: -sum(c[0] for c in totals[tid]))[:max_series]
    names = _series_names(session, [chart_topic[tid] for tid in busiest])
    series = {
        names[tid]: [
            (first_monday + timedelta(weeks=w), (p / n) if n else None)
            for w, (n, p) in enumerate(totals[tid])
        ]
        for tid in sorted(busiest, key=lambda tid: chart_topic[tid].position)
    }
    return WeeklyRetention(series, len(totals))
