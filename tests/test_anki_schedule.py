"""The SM-2 -> Anki mapping (``quiz.anki_schedule``): card states and review log rows, at the edges."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from quiz.anki_schedule import (
    REVLOG_FILTERED,
    REVLOG_LEARN,
    REVLOG_REVIEW,
    anki_ease,
    anki_review,
    anki_schedule,
    millis,
    revlog,
    revlog_ids,
)
from quiz.export import AnkiReview, AnkiSchedule

TODAY = date(2026, 5, 4)


def schedule(**changes) -> AnkiSchedule | None:
    values = dict(
        due=TODAY + timedelta(days=6),
        interval_days=6,
        ease_hundredths=250,
        repetitions=2,
        lapses=0,
        suspended=False,
        today=TODAY,
        reviews=2,
    )
    values.update(changes)
    return anki_schedule(**values)


@pytest.mark.parametrize(("grade", "ease"), [(0, 1), (1, 1), (2, 1), (3, 2), (4, 3), (5, 4)])
def test_every_grade_maps_to_its_button(grade, ease):
    assert anki_ease(grade) == ease


@pytest.mark.parametrize("grade", [-1, 6, 10])
def test_a_grade_out_of_range_is_refused(grade):
    with pytest.raises(ValueError, match="grade must be an integer 0-5"):
        anki_ease(grade)


def test_a_new_card_has_no_schedule():
    assert schedule(due=None, interval_days=0, repetitions=0, reviews=0) is None
    assert schedule(due=None, interval_days=0, repetitions=0, reviews=0, suspended=True) is None


def test_a_seen_card_is_a_review_card_due_in_as_many_days():
    assert schedule() == AnkiSchedule(
        card_type=2, queue=2, due_in_days=6, interval_days=6, factor=2500, reps=2, lapses=0
    )


def test_due_today_and_overdue():
    assert schedule(due=TODAY).due_in_days == 0
    assert schedule(due=TODAY - timedelta(days=40)).due_in_days == -40
    assert schedule(due=TODAY + timedelta(days=1), today=TODAY + timedelta(days=1)).due_in_days == 0


def test_a_suspended_seen_card_keeps_its_schedule_in_the_suspended_queue():
    got = schedule(suspended=True)
    assert (got.card_type, got.queue, got.due_in_days, got.interval_days) == (2, -1, 6, 6)


def test_a_lapsed_card_keeps_its_lapses_and_the_floor_of_one_day():
    got = schedule(
        due=TODAY + timedelta(days=1), interval_days=1, ease_hundredths=130, repetitions=0, lapses=3
    )
    assert (got.interval_days, got.factor, got.lapses, got.due_in_days) == (1, 1300, 3, 1)
    assert schedule(interval_days=0).interval_days == 1  # Anki's review cards need an interval


def test_reps_count_every_logged_grade_and_fall_back_to_the_repetitions():
    assert schedule(repetitions=1, reviews=5).reps == 5
    assert schedule(repetitions=4, reviews=0).reps == 4


def test_ease_factor_is_permille():
    assert schedule(ease_hundredths=262).factor == 2620
    assert schedule(ease_hundredths=130).factor == 1300


def review(**changes) -> AnkiReview:
    values = dict(
        id_ms=1_777_777_777_000,
        grade=4,
        drill=False,
        due_before=TODAY,
        interval_days_before=6,
        interval_days_after=15,
        ease_hundredths_after=250,
    )
    values.update(changes)
    return anki_review(**values)


def test_a_scheduled_review_of_a_seen_card():
    assert review() == AnkiReview(
        id_ms=1_777_777_777_000, ease=3, interval=15, last_interval=6, factor=2500, time_ms=0, review_type=1
    )


def test_the_first_review_of_a_new_card_is_learning():
    got = review(
        due_before=None, interval_days_before=0, interval_days_after=1, grade=5, ease_hundredths_after=260
    )
    assert (got.review_type, got.ease, got.interval, got.last_interval, got.factor) == (
        REVLOG_LEARN,
        4,
        1,
        0,
        2600,
    )


@pytest.mark.parametrize("grade", [0, 1, 2])
def test_a_failed_review_of_a_seen_card_is_a_review_graded_again(grade):
    got = review(grade=grade, interval_days_after=1, ease_hundredths_after=170)
    assert (got.review_type, got.ease, got.interval, got.last_interval, got.factor) == (
        REVLOG_REVIEW,
        1,
        1,
        6,
        1700,
    )


def test_a_drill_row_is_a_review_outside_the_schedule():
    got = review(
        drill=True, grade=4, interval_days_before=1, interval_days_after=1, due_before=TODAY + timedelta(1)
    )
    assert (got.review_type, got.ease, got.interval, got.last_interval) == (REVLOG_FILTERED, 3, 1, 1)


def test_revlog_ids_are_milliseconds_and_unique_in_log_order():
    t = datetime(2026, 5, 4, 12, 0, 0, 123_456, tzinfo=UTC)
    base = int(t.timestamp()) * 1000 + 123
    assert revlog_ids([t]) == [base]
    # The same millisecond twice, and a row logged later with an earlier time: still increasing.
    assert revlog_ids([t, t, t - timedelta(seconds=1), t + timedelta(seconds=2)]) == [
        base,
        base + 1,
        base + 2,
        base + 2000,
    ]
    shanghai = timezone(timedelta(hours=8))
    assert revlog_ids([t.astimezone(shanghai)]) == [base]
    with pytest.raises(ValueError, match="naive"):
        revlog_ids([t.replace(tzinfo=None)])


def test_the_whole_log_at_once_equals_row_by_row():
    t = datetime(2026, 5, 4, 12, 0, 0, 123_456, tzinfo=UTC)
    logged = [  # card, reviewed_at, grade, drill, due_before, interval before, after, ease after
        (7, t, 1, False, None, 0, 1, 170),  # new card failed
        (8, t, 5, False, TODAY - timedelta(days=6), 6, 15, 260),  # same millisecond, another card
        (7, t + timedelta(minutes=3), 4, True, TODAY + timedelta(1), 1, 1, 170),  # its drill
        (7, t - timedelta(days=1), 3, False, TODAY, 1, 6, 156),  # logged later, dated earlier
    ]
    ids = revlog_ids(row[1] for row in logged)
    expected: dict[int, list[AnkiReview]] = {}
    for (card, _at, grade, drill, due_before, before, after, ease), id_ms in zip(logged, ids, strict=True):
        expected.setdefault(card, []).append(
            anki_review(
                id_ms=id_ms,
                grade=grade,
                drill=drill,
                due_before=due_before,
                interval_days_before=before,
                interval_days_after=after,
                ease_hundredths_after=ease,
            )
        )
    rows = [(c, millis(at), g, d, due is None, b, a, e) for c, at, g, d, due, b, a, e in logged]
    assert revlog(rows) == expected
    assert [r.review_type for r in revlog(rows)[7]] == [REVLOG_LEARN, REVLOG_FILTERED, REVLOG_REVIEW]
    assert millis(t) == int(t.timestamp()) * 1000 + 123
    with pytest.raises(ValueError, match="grade must be an integer 0-5"):
        revlog([(1, 0, 6, False, True, 0, 1, 250)])
    with pytest.raises(ValueError, match="naive"):
        millis(t.replace(tzinfo=None))
