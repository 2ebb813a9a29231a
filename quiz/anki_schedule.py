"""Wengu's SM-2 state and review log as Anki's: ``cards`` scheduling columns and ``revlog`` rows.

A pure domain module (standard library and ``quiz.export``'s value types only): it never reads the
clock or the database.  ``quiz.store.exporting`` reads the rows and hands their values here; the writer
(``quiz.export``) puts the results in the package.

The mapping, as the README's Anki section documents it:

* **A new card** (no due day) has no schedule: the writer exports it as new.
* **A seen card** is an Anki review card: type 2, queue 2 (-1 when suspended or retired), interval
  ``interval_days`` (at least 1), factor ``ease_hundredths * 10`` (2.5 -> 2500), lapses as counted,
  ``reps`` the number of its review log rows (every grade, drills included, as Anki counts every
  answer; the state's SM-2 repetitions when the log holds none), and due ``due - today`` days from the
  export's day (0: due today, negative: overdue).
* **Grades**: 0, 1, 2 -> 1 (Again); 3 -> 2 (Hard); 4 -> 3 (Good); 5 -> 4 (Easy).
* **Review log rows**: id the review's time in milliseconds (made unique: ``revlog_ids``), ivl and
  lastIvl the interval after and before (days), factor the ease after * 10, time 0 (Wengu does not
  time answers), and the type is the card's state when reviewed: 0 (learn) for a new card's first
  review, 1 (review) for a scheduled review of a seen card, passed or failed (SM-2 has no relearning
  steps: a failed card is due the next day), and 3 (filtered: a review outside the schedule) for a
  same-day drill, which SM-2 leaves the schedule unchanged by.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta

from quiz.export import AnkiReview, AnkiSchedule

__all__ = [
    "REVLOG_FILTERED",
    "REVLOG_LEARN",
    "REVLOG_REVIEW",
    "anki_ease",
    "anki_review",
    "anki_schedule",
    "millis",
    "revlog",
    "revlog_ids",
]

CARD_TYPE_REVIEW = 2
QUEUE_REVIEW = 2
QUEUE_SUSPENDED = -1
REVLOG_LEARN = 0
REVLOG_REVIEW = 1
REVLOG_FILTERED = 3

_EASE_BY_GRADE = {0: 1, 1: 1, 2: 1, 3: 2, 4: 3, 5: 4}


def anki_ease(grade: int) -> int:
    """Anki's answer button for an SM-2 grade: 0-2 Again (1), 3 Hard (2), 4 Good (3), 5 Easy (4)."""
    try:
        return _EASE_BY_GRADE[grade]
    except KeyError:
        raise ValueError(f"grade must be an integer 0-5, got {grade!r}") from None


def anki_factor(ease_hundredths: int) -> int:
    """Anki's factor (permille) for an ease in hundredths: 250 (2.5) -> 2500."""
    return ease_hundredths * 10


def anki_schedule(
    *,
    due: date | None,
    interval_days: int,
    ease_hundredths: int,
    repetitions: int,
    lapses: int,
    suspended: bool,
    today: date,
    reviews: int = 0,
) -> AnkiSchedule | None:
    """A card's SM-2 state as Anki's, or None for a new card (no due day).

    ``today`` is the user's study day at the export; ``reviews`` the number of the card's log rows.
    """
    if due is None:
        return None
    return AnkiSchedule(
        card_type=CARD_TYPE_REVIEW,
        queue=QUEUE_SUSPENDED if suspended else QUEUE_REVIEW,
        due_in_days=(due - today).days,
        interval_days=max(1, interval_days),
        factor=anki_factor(ease_hundredths),
        reps=reviews if reviews > 0 else repetitions,
        lapses=lapses,
    )


def review_type(*, drill: bool, due_before: date | None) -> int:
    """The revlog type of a review: the card's state when it was graded (see the module's text)."""
    if drill:
        return REVLOG_FILTERED
    return REVLOG_LEARN if due_before is None else REVLOG_REVIEW


def anki_review(
    *,
    id_ms: int,
    grade: int,
    drill: bool,
    due_before: date | None,
    interval_days_before: int,
    interval_days_after: int,
    ease_hundredths_after: int,
) -> AnkiReview:
    """One review log row as Anki's revlog row (its id given: see ``revlog_ids``)."""
    return AnkiReview(
        id_ms=id_ms,
        ease=anki_ease(grade),
        interval=interval_days_after,
        last_interval=interval_days_before,
        factor=anki_factor(ease_hundredths_after),
        time_ms=0,
        review_type=review_type(drill=drill, due_before=due_before),
    )


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MILLISECOND = timedelta(milliseconds=1)


# One review log row as ``revlog`` reads it: card id, reviewed_at in milliseconds since the epoch,
# grade, drill, whether the card was new (no due_before), interval_days_before, interval_days_after,
# ease_hundredths_after.
LogRow = tuple[int, int, int, bool, bool, int, int, int]


def revlog(rows: Iterable[LogRow]) -> dict[int, list[AnkiReview]]:
    """A whole review log (rows in log order) as revlog rows by card, oldest first: ``anki_review`` of
    each row with ids made unique as ``revlog_ids`` makes them, in one loop (an export reads hundreds of
    thousands of rows, their times already in milliseconds)."""
    by_card: dict[int, list[AnkiReview]] = {}
    last = -1
    for card_id, millis, grade, drill, was_new, before, after, ease_after in rows:
        last = millis if millis > last else last + 1
        if grade not in _EASE_BY_GRADE:
            raise ValueError(f"grade must be an integer 0-5, got {grade!r}")
        kind = REVLOG_FILTERED if drill else REVLOG_LEARN if was_new else REVLOG_REVIEW
        review = AnkiReview(last, _EASE_BY_GRADE[grade], after, before, ease_after * 10, 0, kind)
        entries = by_card.get(card_id)
        if entries is None:
            by_card[card_id] = [review]
        else:
            entries.append(review)
    return by_card


def millis(moment: datetime) -> int:
    """Milliseconds since the epoch of an aware datetime (truncated, as Anki's revlog ids are)."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime given as a review time")
    return (moment - _EPOCH) // _MILLISECOND


def revlog_ids(times: Iterable[datetime]) -> list[int]:
    """Revlog ids for reviews made at ``times`` (in log order): each its time in milliseconds, but
    at least one more than the id before, since Anki keys its revlog by the id alone."""
    ids: list[int] = []
    last = -1
    for moment in times:
        last = max(millis(moment), last + 1)
        ids.append(last)
    return ids
