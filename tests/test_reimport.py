"""Importing a changed note keeps progress: every case, with the review history checked row by row."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from quiz.models import Card, ReviewLog, ReviewState
from quiz.store.browser import set_override
from quiz.store.decks import ImportResult
from quiz.store.exporting import export_cards
from quiz.store.grading import record_grade
from quiz.store.importing import import_note_files
from quiz.store.progress import topic_progress
from quiz.store.queue import next_card

NOON = datetime(2026, 5, 4, 12, tzinfo=UTC)
TODAY = date(2026, 5, 4)

NOTE = """# Networking

## Terms

- Latency: the delay before data starts to arrive
- Jitter: the variation in latency between packets
- Throughput: how much data gets through per second

## Commands

- `ping -c 4 HOST` sends four echo requests
- `ss -tlnp` lists listening TCP ports with their processes
"""

LOG_COLUMNS = (
    "id", "card_id", "reviewed_at", "review_day", "grade", "drill", "repetitions_before",
    "ease_hundredths_before", "interval_days_before", "due_before", "repetitions_after",
    "ease_hundredths_after", "interval_days_after", "due_after",
)  # fmt: skip
STATE_COLUMNS = ("repetitions", "ease_hundredths", "interval_days", "due", "lapses", "introduced_on")


@pytest.fixture
def note(tmp_path):
    path = tmp_path / "net.md"
    path.write_text(NOTE, encoding="utf-8")
    return path


def by_back(ctx) -> dict[str, Card]:
    return {c.back: c for c in ctx.scalars(select(Card))}


def history(ctx) -> list[tuple]:
    ctx.expire_all()
    return [
        tuple(getattr(r, c) for c in LOG_COLUMNS)
        for r in ctx.scalars(select(ReviewLog).order_by(ReviewLog.id))
    ]


def state(ctx, user, card_id) -> tuple:
    ctx.expire_all()
    s = ctx.get(ReviewState, (user.id, card_id))
    return tuple(getattr(s, c) for c in STATE_COLUMNS)


def study(ctx, user, note) -> dict[str, int]:
    """Import the note and give every card a history: two days of reviews."""
    import_note_files(ctx, user, [note])
    cards = by_back(ctx)
    for back, grade in (
        ("ss -tlnp", 5),
        ("ping -c 4 HOST", 2),
        ("the delay before data starts to arrive", 4),
    ):
        record_grade(ctx, user, cards[back], grade, NOON)
    record_grade(ctx, user, cards["ping -c 4 HOST"], 4, NOON + timedelta(minutes=5))  # drill
    record_grade(ctx, user, cards["ss -tlnp"], 3, NOON + timedelta(days=1))
    ctx.commit()
    return {back: card.id for back, card in cards.items()}


def reimport(ctx, user, note, text: str) -> ImportResult:
    note.write_text(text, encoding="utf-8")
    (result,) = import_note_files(ctx, user, [note])
    ctx.commit()
    return result


def test_unchanged_note_keeps_every_card_state_and_log_row(ctx, user, note):
    ids = study(ctx, user, note)
    before = history(ctx), {i: state(ctx, user, i) for i in ids.values()}
    result = reimport(ctx, user, note, NOTE)
    assert (result.added, result.updated, result.retired, result.unchanged) == (0, 0, 0, 5)
    assert (history(ctx), {i: state(ctx, user, i) for i in ids.values()}) == before
    assert by_back(ctx)["ss -tlnp"].edited_at is None


def test_reworded_description_keeps_the_card_and_marks_it_edited(ctx, user, note):
    ids = study(ctx, user, note)
    before = history(ctx), state(ctx, user, ids["ss -tlnp"])
    result = reimport(
        ctx, user, note, NOTE.replace("lists listening TCP ports", "shows the listening TCP ports")
    )
    assert (result.added, result.updated, result.retired) == (0, 1, 0)
    card = by_back(ctx)["ss -tlnp"]
    assert card.id == ids["ss -tlnp"] and "shows the listening" in card.front
    assert card.edited_at is not None
    assert (history(ctx), state(ctx, user, card.id)) == before


def test_changed_command_under_the_same_description_keeps_the_card(ctx, user, note):
    ids = study(ctx, user, note)
    before = history(ctx), state(ctx, user, ids["ping -c 4 HOST"])
    result = reimport(ctx, user, note, NOTE.replace("`ping -c 4 HOST`", "`ping -c 4 -W 2 HOST`"))
    assert (result.added, result.updated, result.retired) == (0, 1, 0)
    card = by_back(ctx)["ping -c 4 -W 2 HOST"]
    assert card.id == ids["ping -c 4 HOST"] and card.edited_at is not None
    assert (history(ctx), state(ctx, user, card.id)) == before


def test_small_edit_to_both_sides_is_matched_fuzzily_within_its_topic(ctx, user, note):
    ids = study(ctx, user, note)
    latency = ids["the delay before data starts to arrive"]
    before = history(ctx), state(ctx, user, latency)
    edited = NOTE.replace(
        "- Latency: the delay before data starts to arrive",
        "- Latency time: the delay before the data starts to arrive",
    )
    result = reimport(ctx, user, note, edited)
    assert (result.added, result.updated, result.retired) == (0, 1, 0)
    card = ctx.get(Card, latency)
    assert "Latency time" in card.front and not card.retired and card.edited_at is not None
    assert (history(ctx), state(ctx, user, latency)) == before


def test_a_different_card_in_another_topic_is_not_matched_fuzzily(ctx, user, note):
    ids = study(ctx, user, note)
    moved = NOTE.replace("- Latency: the delay before data starts to arrive\n", "") + (
        "\n## Elsewhere\n\n- Latency time: the delay before the data starts to arrive\n"
    )
    result = reimport(ctx, user, note, moved)
    assert (result.added, result.retired) == (1, 1)
    assert ctx.get(Card, ids["the delay before data starts to arrive"]).retired


def test_removed_card_is_retired_hidden_and_kept_then_restored(ctx, user, note):
    ids = study(ctx, user, note)
    ss = ids["ss -tlnp"]
    before = history(ctx), state(ctx, user, ss)
    result = reimport(
        ctx, user, note, NOTE.replace("- `ss -tlnp` lists listening TCP ports with their processes\n", "")
    )
    assert (result.added, result.updated, result.retired, result.unchanged) == (0, 0, 1, 4)
    assert ctx.get(Card, ss).retired
    # Hidden from quizzes and counts, kept with its history.
    later = TODAY + timedelta(days=30)
    seen = set()
    while (item := next_card(ctx, user, later, new_per_day=99)) is not None:
        seen.add(item.card.id)
        record_grade(ctx, user, item.card, 5, datetime.combine(later, NOON.timetz()))
    assert ss not in seen
    ctx.rollback()
    (tree,) = topic_progress(ctx, user, later)
    assert tree.cards == 4
    assert ss not in {c.back for c in export_cards(ctx, user) if not c.retired}
    assert [row for row in history(ctx) if row[1] == ss] == [row for row in before[0] if row[1] == ss]
    # It comes back with its state and history when the note brings it back.
    result = reimport(ctx, user, note, NOTE)
    assert (result.added, result.restored, result.retired) == (0, 1, 0)
    assert not ctx.get(Card, ss).retired
    assert (history(ctx), state(ctx, user, ss)) == before


def test_new_cards_come_in_as_new(ctx, user, note):
    study(ctx, user, note)
    result = reimport(ctx, user, note, NOTE + "- `dig +short NAME` prints just the addresses of a name\n")
    assert (result.added, result.updated, result.retired, result.unchanged) == (1, 0, 0, 5)
    card = by_back(ctx)["dig +short NAME"]
    assert state(ctx, user, card.id) == (0, 250, 0, None, 0, None)


def test_the_users_own_wording_survives_a_reimport(ctx, user, note):
    ids = study(ctx, user, note)
    card = ctx.get(Card, ids["ss -tlnp"])
    set_override(card, "Which command lists listening TCP sockets?", "ss -tlnp")
    ctx.commit()
    reimport(ctx, user, note, NOTE.replace("lists listening TCP ports", "shows the listening TCP ports"))
    card = ctx.get(Card, ids["ss -tlnp"])
    assert card.shown_front == "Which command lists listening TCP sockets?"
    assert "shows the listening" in card.front  # the note's text is kept underneath
    assert card.override_back is None  # the same as the note's, so not an override


def test_a_kind_the_user_chose_survives_a_reimport_and_the_card_is_still_matched(ctx, user, note):
    ids = study(ctx, user, note)
    card = ctx.get(Card, ids["ping -c 4 HOST"])
    set_override(card, card.front, card.back, kind="qa")
    ctx.commit()
    assert (card.kind, card.note_kind, card.overridden) == ("qa", "command", True)
    # The command changes under the same description: matched by its unchanged side, as the note's kind.
    result = reimport(ctx, user, note, NOTE.replace("`ping -c 4 HOST`", "`ping -c 4 -W 2 HOST`"))
    assert (result.added, result.updated, result.retired) == (0, 1, 0)
    card = ctx.get(Card, ids["ping -c 4 HOST"])
    assert (card.kind, card.note_kind, card.back) == ("qa", "command", "ping -c 4 -W 2 HOST")


def test_cards_unticked_at_an_import_stay_out_of_imports_without_ticks(ctx, user, note):
    from quiz.notes import parse_note
    from quiz.store.decks import NoteToSync, sync_decks

    source = note.name  # the deck's identity: the note's name, as the command line's import gives it
    parsed = parse_note(NOTE)
    keys = {c.key for c in parsed.cards if c.back != "ss -tlnp"}
    (first,) = sync_decks(
        ctx, user, [NoteToSync(source, "net", "hash-1", parsed, keys, text=NOTE, name="net.md")]
    )
    assert (first.added, first.unticked) == (4, 1)
    ctx.commit()
    # The command line has no ticks: what was unticked stays out, and it says so.
    result = reimport(ctx, user, note, NOTE + "- `dig +short NAME` prints just the addresses of a name\n")
    assert (result.added, result.unticked) == (
        1,
        1,
    ) and "1 left out (unticked at an import)" in result.summary
    assert "ss -tlnp" not in by_back(ctx)
