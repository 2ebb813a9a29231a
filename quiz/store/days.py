"""Users and their days: finding a user by name, the user's study day, and the daily limits.

A study day is the calendar day in the user's time zone, rolling over at the user's day-start hour;
every "today" of the other store modules comes from ``local_today``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select
from sqlalchemy.orm import Session

from quiz.models import User


def get_or_create_user(session: Session, name: str) -> User:
    """Return the user called ``name``, creating it if missing."""
    user = session.scalar(select(User).where(User.name == name))
    if user is None:
        user = User(name=name)
        session.add(user)
        session.flush()
    return user


def local_today(user: User, now: datetime) -> date:
    """Return the user's study day at the instant ``now``.

    The day is the calendar day in the user's time zone, except that it rolls
    over at ``user.day_starts_at_hour`` (04:00 by default, as in Anki) rather
    than at midnight: a session after midnight still counts as the evening's.
    """
    zone = None
    if user.timezone:
        try:
            zone = ZoneInfo(user.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            zone = None
    local = now.astimezone(zone) if zone is not None else now.astimezone()
    return (local.replace(tzinfo=None) - timedelta(hours=user.day_starts_at_hour or 0)).date()


@dataclass(frozen=True)
class DailyLimits:
    """How many new cards and how many reviews a user takes on per day."""

    new_cards: int
    reviews: int

    def left_after(self, done: DailyLimits) -> DailyLimits:
        """What these limits leave once ``done`` is used (new cards introduced, scheduled reviews done),
        never below zero: what the queue still gives today."""
        return DailyLimits(max(0, self.new_cards - done.new_cards), max(0, self.reviews - done.reviews))

    def ahead(self, done: DailyLimits, more: DailyLimits) -> DailyLimits:
        """The limits of a session that studies ahead on purpose: ``more`` past these limits, or past
        what is ``done`` already when today went beyond them before."""
        return DailyLimits(
            max(self.new_cards, done.new_cards) + more.new_cards,
            max(self.reviews, done.reviews) + more.reviews,
        )

    def raised_to(self, caps: DailyLimits) -> DailyLimits:
        """These limits raised, never lowered, to ``caps`` (a study-ahead session's, from ``ahead``)."""
        return DailyLimits(max(self.new_cards, caps.new_cards), max(self.reviews, caps.reviews))


def daily_limits(user: User, default_new: int, default_reviews: int) -> DailyLimits:
    """Return the user's limits, falling back to the application's defaults."""
    new = user.new_cards_per_day if user.new_cards_per_day is not None else default_new
    reviews = user.reviews_per_day if user.reviews_per_day is not None else default_reviews
    return DailyLimits(max(0, new), max(0, reviews))
