"""The grade as a pure step (quiz.store.grading.review_card) and the one conversion of a stored schedule."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace

import pytest

from quiz import limits
from quiz.store.grading import (
    LOG_AFTER_FIELDS,
    LOG_BEFORE_FIELDS,
    NEW_SCHEDULE,
    SCHEDULE_FIELDS,
    NotDueError,
    Schedule,
    drill_mark,
    review_card,
)

TODAY = date(2026, 3, 10)
NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


def test_a_new_card_graded_good_is_introduced_and_due_tomorrow():
    after, log = review_card(NEW_SCHEDULE, 4, TODAY, NOW)
    assert after == Schedule(1, 250, 1, TODAY + timedelta(days=1), 0, TODAY, NOW, None, None)
    assert log == {
        "reviewed_at": NOW,
        "review_day": TODAY,
        "grade": 4,
        "drill": False,
        **dict(zip(LOG_BEFORE_FIELDS, (0, 250, 0, None, 0, None, None), strict=True)),
        **dict(zip(LOG_AFTER_FIELDS, (1, 250, 1, TODAY + timedelta(days=1)), strict=True)),
    }


def test_a_learned_card_forgotten_counts_a_lapse_and_waits_in_the_drill():
    learned = Schedule(3, 250, 15, TODAY, 1, date(2026, 1, 1), NOW - timedelta(days=15))
    after, log = review_card(learned, 2, TODAY, NOW)
    assert (after.repetitions, after.ease_hundredths, after.interval_days, after.lapses) == (0, 218, 1, 2)
    assert (after.introduced_on, after.drill_day, after.drill_at) == (date(2026, 1, 1), TODAY, NOW)
    assert log["lapses_before"] == 1 and not log["drill"]


def test_a_drill_grade_moves_nothing_but_the_drill_mark():
    waiting = Schedule(0, 218, 1, TODAY + timedelta(days=1), 2, TODAY, NOW, TODAY, NOW)
    later = NOW + timedelta(minutes=5)
    after, log = review_card(waiting, 5, TODAY, later)
    assert after == replace(waiting, drill_day=None, drill_at=None)
    assert log["drill"] and log["due_after"] == waiting.due and log["interval_days_after"] == 1
    still, _log = review_card(waiting, 3, TODAY, later)
    assert (still.drill_day, still.drill_at) == (TODAY, later)


def test_a_card_neither_due_nor_in_the_drill_is_refused():
    later = Schedule(1, 250, 1, TODAY + timedelta(days=1), 0, TODAY, NOW)
    with pytest.raises(NotDueError, match="not due until 2026-03-11"):
        review_card(later, 4, TODAY, NOW)


@pytest.mark.parametrize("grade", [-1, 6, True, 2.5, "4"])
def test_a_grade_outside_0_to_5_is_refused_whatever_the_card(grade):
    later = Schedule(1, 250, 1, TODAY + timedelta(days=1), 0, TODAY, NOW)
    for state in (NEW_SCHEDULE, later):
        with pytest.raises(ValueError, match="grade must be an integer 0-5"):
            review_card(state, grade, TODAY, NOW)


def test_the_interval_is_capped_where_it_is_stored():
    old = Schedule(5, 250, limits.MAX_INTERVAL_DAYS, TODAY, 0, date(2000, 1, 1), NOW)
    after, _log = review_card(old, 5, TODAY, NOW)
    assert after.interval_days == limits.MAX_INTERVAL_DAYS
    assert after.due == TODAY + timedelta(days=limits.MAX_INTERVAL_DAYS)


def test_one_conversion_between_rows_logs_and_the_scheduler():
    state = Schedule(2, 236, 6, TODAY, 1, date(2026, 3, 1), NOW, TODAY, NOW)
    row = state.values()
    assert tuple(row)[: len(SCHEDULE_FIELDS)] == SCHEDULE_FIELDS
    assert Schedule.of(row) == state
    # What a log row keeps from before a grade is the whole schedule, without the drill mark.
    log = SimpleNamespace(**state.logged(LOG_BEFORE_FIELDS))
    assert Schedule.before(log) == replace(state, drill_day=None, drill_at=None)  # type: ignore[arg-type]
    assert str(state.sm2_state().ease_factor) == "2.36"
    assert drill_mark(3, TODAY, NOW) == (TODAY, NOW) and drill_mark(4, TODAY, NOW) == (None, None)
