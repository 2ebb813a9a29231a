"""The database operations: import, the daily queue, grading, drill, progress, export stamps."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from quiz.models import AnkiExport, Card, Deck, ReviewLog, ReviewState, Topic, User
from quiz.notes import NoteError
from quiz.store.browser import choice_options, set_override, source_excerpt
from quiz.store.days import DailyLimits, daily_limits, local_today
from quiz.store.exporting import export_cards, export_package, next_export_timestamp, record_export
from quiz.store.grading import NotDueError, record_grade, session_summary, undo_last
from quiz.store.importing import import_note_files
from quiz.store.progress import (
    due_forecast,
    retention_by_week,
    reviews_per_day,
    today_overview,
    topic_progress,
)
from quiz.store.queue import next_card, next_card_id, pending_drill, queue_counts

NOON = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
TODAY = date(2026, 3, 10)


def done_today(session, user: User) -> DailyLimits:
    """What TODAY has used of the limits: new cards introduced, scheduled reviews done."""
    return queue_counts(session, user, TODAY, DailyLimits(0, 0)).done


def cards_by_back(session) -> dict[str, Card]:
    return {c.back: c for c in session.scalars(select(Card))}


def count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


def test_import_creates_decks_topic_tree_cards_and_new_states(ctx, user, notes_dir):
    results = import_note_files(ctx, user, [notes_dir])
    ctx.commit()
    assert [r.deck.title for r in results] == ["git", "linux"]
    assert sum(r.added for r in results) == count(ctx, Card) >= 5
    git = results[0].deck
    paths = {t.path for t in ctx.scalars(select(Topic).where(Topic.deck_id == git.id))}
    assert paths == {("Git basics",), ("Git basics", "Branches"), ("Git basics", "Remotes")}
    branch = cards_by_back(ctx)["git branch"]
    assert branch.topic_path == ("Git basics", "Branches")
    assert branch.topic.parent.path == ("Git basics",)
    states = ctx.scalars(select(ReviewState)).all()
    assert len(states) == count(ctx, Card)
    assert all(s.is_new and s.ease_hundredths == 250 for s in states)


def test_reimport_unchanged_file_changes_nothing(ctx, user, notes_dir):
    import_note_files(ctx, user, [notes_dir])
    ctx.commit()
    again = import_note_files(ctx, user, [notes_dir])
    assert [(r.added, r.updated, r.retired) for r in again] == [(0, 0, 0), (0, 0, 0)]
    assert count(ctx, Deck) == 2


def test_reimport_keeps_review_history_and_retires_removed_cards(ctx, user, notes_dir):
    import_note_files(ctx, user, [notes_dir / "git.md"])
    ctx.commit()
    branch = cards_by_back(ctx)["git branch"]
    record_grade(ctx, user, branch, 5, NOON)
    ctx.commit()
    note = notes_dir / "git.md"
    note.write_text(note.read_text().replace("- `git remote -v` shows the remotes with their URLs\n", ""))
    (result,) = import_note_files(ctx, user, [note])
    ctx.commit()
    assert result.retired == 1
    cards = cards_by_back(ctx)
    assert cards["git remote -v"].retired
    assert cards["git branch"].id == branch.id
    state = ctx.get(ReviewState, (user.id, branch.id))
    assert (state.repetitions, state.interval_days) == (1, 1)
    assert count(ctx, ReviewLog) == 1


def test_failed_import_stores_nothing(ctx, user, notes_dir):
    (notes_dir / "broken.md").write_bytes(b"\x00\x01\x02binary\xff\xfe")
    with pytest.raises(NoteError, match="broken.md"):
        import_note_files(ctx, user, [notes_dir])
    ctx.rollback()
    assert count(ctx, Deck) == count(ctx, Card) == 0


def test_missing_path_is_a_clear_error(ctx, user, tmp_path):
    with pytest.raises(NoteError, match="no such file"):
        import_note_files(ctx, user, [tmp_path / "nope.md"])


def test_queue_gives_due_most_overdue_first_then_new_in_note_order(ctx, user, notes_dir):
    import_note_files(ctx, user, [notes_dir / "git.md"])
    ctx.commit()
    cards = ctx.scalars(select(Card).order_by(Card.position)).all()
    first = next_card(ctx, user, TODAY, new_per_day=20)
    assert (first.card.id, first.reason) == (cards[0].id, "new")
    # Make the last card overdue by 3 days and the second by 1 day.
    for card, days in ((cards[-1], 3), (cards[1], 1)):
        state = ctx.get(ReviewState, (user.id, card.id))
        state.due, state.repetitions, state.interval_days, state.introduced_on = (
            TODAY - timedelta(days=days),
            1,
            1,
            TODAY - timedelta(days=10),
        )
    ctx.flush()
    order = []
    for _ in range(3):
        item = next_card(ctx, user, TODAY, new_per_day=20)
        order.append((item.card.id, item.reason))
        record_grade(ctx, user, item.card, 4, NOON)
    assert order == [(cards[-1].id, "due"), (cards[1].id, "due"), (cards[0].id, "new")]


def test_new_cards_per_day_limit(ctx, user, notes_dir):
    import_note_files(ctx, user, [notes_dir])
    ctx.commit()
    seen = []
    while (item := next_card(ctx, user, TODAY, new_per_day=2)) is not None:
        seen.append(item.card.id)
        record_grade(ctx, user, item.card, 5, NOON)
    assert len(seen) == 2
    assert done_today(ctx, user).new_cards == 2
    assert next_card(ctx, user, TODAY + timedelta(days=1), new_per_day=2).reason == "due"


def test_scheduled_grade_updates_state_and_logs_before_and_after(ctx, user, notes_dir):
    import_note_files(ctx, user, [notes_dir / "git.md"])
    card = cards_by_back(ctx)["git branch"]
    log = record_grade(ctx, user, card, 3, NOON)
    ctx.commit()
    state = ctx.get(ReviewState, (user.id, card.id))
    assert (state.repetitions, state.ease_hundredths, state.interval_days) == (1, 236, 1)
    assert state.due == TODAY + timedelta(days=1)
    assert state.introduced_on == TODAY
    assert state.last_reviewed_at == NOON
    assert not log.drill
    assert (log.repetitions_before, log.ease_hundredths_before, log.interval_days_before, log.due_before) == (
        0,
        250,
        0,
        None,
    )
    assert (log.repetitions_after, log.ease_hundredths_after, log.interval_days_after, log.due_after) == (
        1,
        236,
        1,
        TODAY + timedelta(days=1),
    )
    assert log.reviewed_at == NOON and log.review_day == TODAY


def test_drill_repeats_low_grades_until_four_without_changing_schedule(ctx, user, notes_dir):
    import_note_files(ctx, user, [notes_dir / "git.md"])
    card = cards_by_back(ctx)["git branch"]
    record_grade(ctx, user, card, 2, NOON)
    after_scheduled = ctx.get(ReviewState, (user.id, card.id))
    snapshot = (after_scheduled.repetitions, after_scheduled.ease_hundredths, after_scheduled.interval_days)
    assert snapshot == (0, 218, 1)
    assert pending_drill(ctx, user, TODAY) == [card.id]
    for grade in (3, 1):
        log = record_grade(ctx, user, card, grade, NOON + timedelta(minutes=grade))
        assert log.drill
        assert pending_drill(ctx, user, TODAY) == [card.id]
    record_grade(ctx, user, card, 4, NOON + timedelta(minutes=9))
    assert pending_drill(ctx, user, TODAY) == []
    state = ctx.get(ReviewState, (user.id, card.id))
    assert (state.repetitions, state.ease_hundredths, state.interval_days) == snapshot
    with pytest.raises(NotDueError):
        record_grade(ctx, user, card, 5, NOON + timedelta(minutes=10))


def test_drill_comes_after_due_and_new_cards(ctx, user, notes_dir):
    import_note_files(ctx, user, [notes_dir / "git.md"])
    cards = ctx.scalars(select(Card).order_by(Card.position)).all()
    record_grade(ctx, user, cards[0], 1, NOON)
    reasons = []
    while (item := next_card(ctx, user, TODAY, new_per_day=20)) is not None:
        reasons.append((item.card.id, item.reason))
        record_grade(ctx, user, item.card, 5, NOON)
    assert reasons[-1] == (cards[0].id, "drill")
    assert [r for _, r in reasons[:-1]] == ["new"] * (len(cards) - 1)


def test_grade_three_is_drilled_too(ctx, user, notes_dir):
    import_note_files(ctx, user, [notes_dir / "git.md"])
    card = cards_by_back(ctx)["git branch"]
    record_grade(ctx, user, card, 3, NOON)
    assert pending_drill(ctx, user, TODAY) == [card.id]


def test_invalid_grade_is_rejected(ctx, user, notes_dir):
    import_note_files(ctx, user, [notes_dir / "git.md"])
    card = cards_by_back(ctx)["git branch"]
    for grade in (-1, 6, True, 2.5):
        with pytest.raises(ValueError, match="grade"):
            record_grade(ctx, user, card, grade, NOON)
    assert count(ctx, ReviewLog) == 0


def test_review_log_is_append_only(ctx, user, notes_dir):
    import_note_files(ctx, user, [notes_dir / "git.md"])
    graded = record_grade(ctx, user, cards_by_back(ctx)["git branch"], 4, NOON)
    ctx.commit()
    log = ctx.get(ReviewLog, graded.id)
    assert (log.grade, log.card_id, log.due_after) == (graded.grade, graded.card_id, graded.due_after)
    log.grade = 5
    with pytest.raises(ValueError, match="append-only"):
        ctx.flush()
    ctx.rollback()
    ctx.delete(ctx.get(ReviewLog, log.id))
    with pytest.raises(ValueError, match="append-only"):
        ctx.flush()


def test_local_day_follows_the_users_time_zone(ctx, user):
    late_evening_utc = datetime(2026, 3, 10, 23, 30, tzinfo=UTC)
    user.timezone = "Asia/Shanghai"
    assert local_today(user, late_evening_utc) == date(2026, 3, 11)
    user.timezone = "America/New_York"
    assert local_today(user, late_evening_utc) == date(2026, 3, 10)


def test_progress_counts_roll_up_and_retention(ctx, user, notes_dir):
    import_note_files(ctx, user, [notes_dir / "git.md"])
    cards = cards_by_back(ctx)
    record_grade(ctx, user, cards["git branch"], 5, NOON)
    record_grade(ctx, user, cards["git remote -v"], 1, NOON)
    mature = ctx.get(ReviewState, (user.id, cards["git switch -c NAME"].id))
    mature.repetitions, mature.interval_days, mature.ease_hundredths = 3, 30, 270
    mature.due, mature.introduced_on = TODAY + timedelta(days=20), TODAY - timedelta(days=40)
    ctx.flush()
    (root,) = topic_progress(ctx, user, TODAY)
    (basics,) = root.children
    branches, remotes = basics.children
    assert (root.cards, root.new, root.learning, root.mature) == (3, 0, 2, 1)
    assert (branches.cards, branches.learning, branches.mature) == (2, 1, 1)
    assert (remotes.cards, remotes.learning, remotes.due) == (1, 1, 0)
    assert root.retention == pytest.approx(0.5)
    assert branches.retention == 1.0 and remotes.retention == 0.0
    assert branches.average_ease == pytest.approx((260 + 270) / 2 / 100)
    # A day later the two learning cards are due.
    (later,) = topic_progress(ctx, user, TODAY + timedelta(days=1))
    assert later.due == 2


def test_session_summary(ctx, user, notes_dir):
    import_note_files(ctx, user, [notes_dir / "git.md"])
    cards = cards_by_back(ctx)
    record_grade(ctx, user, cards["git branch"], 5, NOON)
    record_grade(ctx, user, cards["git remote -v"], 2, NOON)
    record_grade(ctx, user, cards["git remote -v"], 4, NOON)
    summary = session_summary(ctx, user, NOON - timedelta(minutes=1), TODAY)
    assert (summary.reviewed, summary.right, summary.drilled, summary.due_tomorrow) == (2, 1, 1, 2)


def test_export_timestamps_always_increase(ctx, user):
    first = next_export_timestamp(ctx, user, NOON)
    assert first == int(NOON.timestamp())
    record_export(ctx, user, first, 3)
    assert next_export_timestamp(ctx, user, NOON) == first + 1
    assert next_export_timestamp(ctx, user, NOON + timedelta(hours=1)) == first + 3600


def test_an_export_writes_the_package_and_stamps_the_next_one_later(ctx, user, notes_dir: Path, tmp_path):
    # What the export view and `flask anki export` both run.
    assert export_package(ctx, user, tmp_path / "none.apkg", NOON) is None  # no cards: nothing at all
    assert not (tmp_path / "none.apkg").exists() and count(ctx, AnkiExport) == 0
    import_note_files(ctx, user, [notes_dir])
    assert export_package(ctx, user, tmp_path / "a.apkg", NOON) == len(export_cards(ctx, user))
    assert (tmp_path / "a.apkg").stat().st_size > 0
    assert ctx.scalar(select(AnkiExport.timestamp)) == int(NOON.timestamp())
    assert next_export_timestamp(ctx, user, NOON) == int(NOON.timestamp()) + 1


def test_export_cards_mark_retired_and_carry_topics(ctx, user, notes_dir: Path):
    import_note_files(ctx, user, [notes_dir])
    cards_by_back(ctx)["git branch"].retired = True
    ctx.flush()
    exported = export_cards(ctx, user)
    assert {c.back for c in exported if c.retired} == {"git branch"}
    remote = next(c for c in exported if c.back == "git remote -v")
    assert (remote.topic, remote.deck_slug, remote.kind) == (("Git basics", "Remotes"), "git", "command")
    assert remote.deck_title == "git"
    # The user's own wording is what goes to Anki; a card without a topic has an empty path.
    card = cards_by_back(ctx)["git remote -v"]
    set_override(card, "Show my remotes", card.back)
    card.topic = None
    ctx.flush()
    [remote] = [c for c in export_cards(ctx, user) if c.key == card.key]
    assert (remote.front, remote.back, remote.topic) == ("Show my remotes", "git remote -v", ())


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("- `git branch` lists local branches", "- `git branch` lists the local branches only"),
        ("- `git branch` lists local branches", "- `git branch --list` lists local branches"),
    ],
    ids=["description-edited", "command-edited"],
)
def test_reimport_after_editing_one_side_keeps_the_card(ctx, user, notes_dir, old, new):
    note = notes_dir / "git.md"
    import_note_files(ctx, user, [note])
    card = cards_by_back(ctx)["git branch"]
    card_id, key = card.id, card.key
    record_grade(ctx, user, card, 4, NOON)
    ctx.commit()
    note.write_text(note.read_text().replace(old, new))
    (result,) = import_note_files(ctx, user, [note])
    ctx.commit()
    assert (result.added, result.updated, result.retired) == (0, 1, 0)
    edited = ctx.get(Card, card_id)
    assert edited.key == key and not edited.retired
    assert new.split("`")[1] == edited.back and new.split("` ")[1] in edited.front
    assert ctx.get(ReviewState, (user.id, card_id)).repetitions == 1


STATE_COLUMNS = (
    "repetitions",
    "ease_hundredths",
    "interval_days",
    "due",
    "lapses",
    "introduced_on",
    "last_reviewed_at",
    "drill_day",
    "drill_at",
)


def state_row(session, user, card) -> tuple:
    session.expire_all()
    state = session.get(ReviewState, (user.id, card.id))
    return tuple(getattr(state, c) for c in STATE_COLUMNS)


def test_undo_restores_the_state_exactly_several_steps_back(ctx, user, notes_dir):
    import_note_files(ctx, user, [notes_dir / "git.md"])
    card = cards_by_back(ctx)["git branch"]
    state = ctx.get(ReviewState, (user.id, card.id))
    # A learned card with a history: reviewed yesterday, now due.
    state.repetitions, state.ease_hundredths, state.interval_days, state.lapses = 2, 236, 6, 1
    state.due, state.introduced_on = TODAY, TODAY - timedelta(days=20)
    state.last_reviewed_at = NOON - timedelta(days=6)
    ctx.commit()
    rows = [state_row(ctx, user, card)]
    logs_before = count(ctx, ReviewLog)
    record_grade(ctx, user, card, 1, NOON)  # a lapse: lapses 1 -> 2
    rows.append(state_row(ctx, user, card))
    record_grade(ctx, user, card, 2, NOON + timedelta(minutes=1))  # drill: only drill_at moves
    rows.append(state_row(ctx, user, card))
    record_grade(ctx, user, card, 5, NOON + timedelta(minutes=2))  # drill passes
    ctx.commit()
    assert rows[1][4] == 2 and rows[1][0] == 0
    assert rows[2][:-1] == rows[1][:-1] and rows[2][-1] == NOON + timedelta(minutes=1)
    assert state_row(ctx, user, card)[-2:] == (None, None)  # out of the drill

    undone = undo_last(ctx, user, TODAY)
    assert undone.drill and undone.grade == 5
    assert state_row(ctx, user, card) == rows[2]
    assert pending_drill(ctx, user, TODAY) == [card.id]  # the drill is open again
    undo_last(ctx, user, TODAY)
    assert state_row(ctx, user, card) == rows[1]
    undone = undo_last(ctx, user, TODAY)
    ctx.commit()
    assert not undone.drill and undone.grade == 1
    assert state_row(ctx, user, card) == rows[0]
    assert count(ctx, ReviewLog) == logs_before
    assert undo_last(ctx, user, TODAY) is None


def _drill_from_the_log(session, user, today: date) -> list[int]:
    """SM-2 rule 7 read from the day's log: a card waits while its newest grade today is under 4."""
    logs = session.scalars(
        select(ReviewLog)
        .where(ReviewLog.user_id == user.id, ReviewLog.review_day == today)
        .order_by(ReviewLog.id)
    )
    pending: dict[int, bool] = {}
    for log in logs:
        pending.pop(log.card_id, None)  # re-inserted: the order follows the newest grade
        pending[log.card_id] = log.grade < 4
    return [card_id for card_id, waits in pending.items() if waits]


@pytest.mark.parametrize("seed", range(4))
def test_the_drill_marks_on_the_states_agree_with_the_days_log(ctx, user, notes_dir, seed):
    """record_grade and undo_last keep drill_day/drill_at equal to what the log says, step by step."""
    import random

    rng = random.Random(seed)
    import_note_files(ctx, user, [notes_dir])
    now = NOON
    for _step in range(80):
        today = local_today(user, now)
        roll = rng.random()
        if roll < 0.7:
            found = next_card_id(ctx, user, today, new_per_day=4)
            if found is not None:
                record_grade(ctx, user, ctx.get(Card, found[0]), rng.choice([1, 2, 3, 4, 5]), now)
        elif roll < 0.9:
            undo_last(ctx, user, today)
        else:
            now += timedelta(days=rng.choice([1, 2]))
        now += timedelta(minutes=1)
        ctx.commit()
        today = local_today(user, now)
        assert pending_drill(ctx, user, today) == _drill_from_the_log(ctx, user, today)


def test_undo_of_a_new_cards_first_grade_makes_it_new_again(ctx, user, notes_dir):
    import_note_files(ctx, user, [notes_dir / "git.md"])
    card = cards_by_back(ctx)["git branch"]
    before = state_row(ctx, user, card)
    record_grade(ctx, user, card, 4, NOON)
    undo_last(ctx, user, TODAY)
    assert state_row(ctx, user, card) == before
    assert done_today(ctx, user).new_cards == 0


def test_undo_only_reaches_back_to_the_start_of_the_day(ctx, user, notes_dir):
    import_note_files(ctx, user, [notes_dir / "git.md"])
    record_grade(ctx, user, cards_by_back(ctx)["git branch"], 4, NOON)
    assert undo_last(ctx, user, TODAY + timedelta(days=1)) is None
    assert count(ctx, ReviewLog) == 1


@pytest.mark.parametrize(
    ("zone", "utc_time", "expected_day"),
    [
        # Shanghai is UTC+8: 19:59 UTC is 03:59 the next morning, still the previous study day.
        ("Asia/Shanghai", datetime(2026, 3, 10, 19, 59, tzinfo=UTC), date(2026, 3, 10)),
        ("Asia/Shanghai", datetime(2026, 3, 10, 20, 0, tzinfo=UTC), date(2026, 3, 11)),
        # New York is UTC-4 in March (daylight saving): 07:59 UTC is 03:59 local.
        ("America/New_York", datetime(2026, 3, 10, 7, 59, tzinfo=UTC), date(2026, 3, 9)),
        ("America/New_York", datetime(2026, 3, 10, 8, 0, tzinfo=UTC), date(2026, 3, 10)),
    ],
)
def test_the_study_day_rolls_over_at_four_in_the_users_zone(ctx, user, zone, utc_time, expected_day):
    user.timezone = zone
    assert local_today(user, utc_time) == expected_day


def test_day_start_hour_is_a_setting(ctx, user):
    user.timezone, user.day_starts_at_hour = "Asia/Shanghai", 0
    assert local_today(user, datetime(2026, 3, 10, 16, 30, tzinfo=UTC)) == date(2026, 3, 11)


def test_a_late_night_grade_counts_for_the_evening_before(ctx, user, notes_dir):
    user.timezone = "Asia/Shanghai"
    import_note_files(ctx, user, [notes_dir / "git.md"])
    card = cards_by_back(ctx)["git branch"]
    log = record_grade(ctx, user, card, 4, datetime(2026, 3, 10, 18, 30, tzinfo=UTC))  # 02:30 local
    assert log.review_day == date(2026, 3, 10)
    assert ctx.get(ReviewState, (user.id, card.id)).due == date(2026, 3, 11)


def test_reviews_per_day_limit_holds_back_due_cards(ctx, user, notes_dir):
    import_note_files(ctx, user, [notes_dir / "git.md"])
    for card in ctx.scalars(select(Card)):
        state = ctx.get(ReviewState, (user.id, card.id))
        state.repetitions, state.interval_days, state.due = 1, 1, TODAY
        state.introduced_on = TODAY - timedelta(days=1)
    ctx.flush()
    reasons = []
    while (item := next_card(ctx, user, TODAY, new_per_day=0, reviews_per_day=2)) is not None:
        reasons.append(item.reason)
        record_grade(ctx, user, item.card, 5, NOON)
    assert reasons == ["due", "due"]
    assert done_today(ctx, user).reviews == 2
    overview = today_overview(ctx, user, TODAY, DailyLimits(new_cards=0, reviews=2))
    assert overview.due == 0


def test_daily_limits_fall_back_to_the_defaults(ctx, user):
    assert daily_limits(user, 20, 200) == DailyLimits(20, 200)
    user.new_cards_per_day, user.reviews_per_day = 5, 0
    assert daily_limits(user, 20, 200) == DailyLimits(5, 0)


def test_choice_options_come_from_the_same_topic_first_and_never_repeat_the_answer(ctx, user, tmp_path):
    note = tmp_path / "terms.md"
    note.write_text(
        "# Terms\n\n## Networking\n\n"
        "- Latency: the delay before data arrives\n"
        "- Bandwidth: how much data fits through per second\n"
        "- Jitter: the variation in latency\n"
        "- Throughput: how much data fits through per second\n"
        "- Packet loss: packets that never arrive\n\n"
        "## Storage\n\n"
        "- IOPS: input/output operations per second\n",
        encoding="utf-8",
    )
    import_note_files(ctx, user, [note])
    cards = {c.front: c for c in ctx.scalars(select(Card))}
    latency = next(c for f, c in cards.items() if "Latency" in f)
    options = choice_options(ctx, latency, TODAY)
    assert len(options) == 4
    assert [o.correct for o in options].count(True) == 1
    texts = [" ".join(o.text.split()).casefold() for o in options]
    assert len(set(texts)) == 4
    assert not any("input/output" in t for t in texts)  # the same topic had enough options
    assert options == choice_options(ctx, latency, TODAY)  # stable within the day
    bandwidth = next(c for f, c in cards.items() if "Bandwidth" in f)
    assert sum("fits through" in o.text for o in choice_options(ctx, bandwidth, TODAY)) == 1


def test_no_choice_options_without_other_cards(ctx, user, tmp_path):
    note = tmp_path / "one.md"
    note.write_text("# One\n\n- Latency: the delay before data arrives\n", encoding="utf-8")
    import_note_files(ctx, user, [note])
    assert choice_options(ctx, ctx.scalars(select(Card)).one(), TODAY) == []


def test_charts_data(ctx, user, notes_dir):
    import_note_files(ctx, user, [notes_dir / "git.md"])
    cards = cards_by_back(ctx)
    record_grade(ctx, user, cards["git branch"], 5, NOON)
    record_grade(ctx, user, cards["git remote -v"], 1, NOON)
    record_grade(ctx, user, cards["git remote -v"], 4, NOON)
    assert reviews_per_day(ctx, user, TODAY - timedelta(days=365), TODAY) == {TODAY: 3}
    forecast = due_forecast(ctx, user, TODAY, days=30)
    assert len(forecast) == 30 and forecast[1] == 2 and sum(forecast) == 2
    weekly = retention_by_week(ctx, user, TODAY, weeks=4)
    series = weekly.series
    assert set(series) == {"Branches", "Remotes"} and (weekly.topics, weekly.left_out) == (2, 0)
    assert series["Branches"][-1][1] == 1.0 and series["Remotes"][-1][1] == 0.0
    assert series["Branches"][0][1] is None


def test_source_excerpt_shows_the_cards_line(ctx, user, notes_dir):
    import_note_files(ctx, user, [notes_dir / "git.md"])
    card = cards_by_back(ctx)["git remote -v"]
    excerpt = source_excerpt(card, context=2)
    assert excerpt.stored and excerpt.name == "git.md"
    assert excerpt.lines[excerpt.highlight - excerpt.first_line].startswith("- `git remote -v`")
    # The excerpt comes from the text kept at import: the file itself is never read again.
    (notes_dir / "git.md").unlink()
    assert source_excerpt(card, context=2) == excerpt


def test_today_overview_counts_without_reading_the_review_log(ctx, user, notes_dir):
    import_note_files(ctx, user, [notes_dir / "git.md"])
    record_grade(ctx, user, cards_by_back(ctx)["git branch"], 5, NOON)
    overview = today_overview(ctx, user, TODAY, DailyLimits(20, 200))
    assert (overview.trees[0].cards, overview.trees[0].new, overview.new) == (3, 2, 2)
    assert overview.trees[0].retention is None  # the Today page shows no retention: the log is not read
    assert topic_progress(ctx, user, TODAY)[0].retention == 1.0


def test_a_bulk_import_restores_the_collector_as_it_found_it(tmp_path: Path) -> None:
    import gc

    from quiz.store.importing import IMPORT_GC_YOUNG, older_objects_set_aside

    before = gc.get_threshold()
    with older_objects_set_aside():
        assert gc.get_threshold()[0] == max(before[0], IMPORT_GC_YOUNG)
        assert gc.get_freeze_count() > 0
    assert gc.get_threshold() == before and gc.get_freeze_count() == 0
    with pytest.raises(RuntimeError), older_objects_set_aside():
        raise RuntimeError("an import that fails midway")
    assert gc.get_threshold() == before and gc.get_freeze_count() == 0


def test_charted_topics_of_the_same_title_are_named_with_their_deck(ctx, user, tmp_path):
    # Two notes, each with a "Basics" topic: the chart names both series, with their decks' titles.
    for name in ("git", "docker"):
        (tmp_path / f"{name}.md").write_text(f"# Basics\n\n- `{name} help` shows help\n", encoding="utf-8")
    import_note_files(ctx, user, [tmp_path / "git.md", tmp_path / "docker.md"])
    for card in ctx.scalars(select(Card)):
        record_grade(ctx, user, card, 4, NOON)
    series = retention_by_week(ctx, user, TODAY, weeks=4).series
    assert set(series) == {"Basics · git", "Basics · docker"}
