"""What the Anki export reads from the database: every card in note order with its retirement,
suspension and last change, and, with the schedule, its SM-2 state and review log as Anki's; the
notes' stamps; and the export's options on the command line and the Progress page."""

from __future__ import annotations

import re
import zipfile
from datetime import UTC, date, datetime, timedelta
from io import BytesIO

import pytest
from sqlalchemy import select, update

from quiz import anki_schedule
from quiz.models import AnkiExport, Card, ReviewLog, ReviewState, User, db
from quiz.store import exporting
from quiz.store.exporting import (
    ExportOptions,
    export_cards,
    export_layout,
    export_package,
    note_stamp,
    record_export,
)
from quiz.store.grading import record_grade
from quiz.store.importing import import_note_files

NOON = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
TODAY = date(2026, 3, 10)
OLD = datetime(2026, 1, 1, 8, 0, 0, tzinfo=UTC)


def by_back(session) -> dict[str, Card]:
    return {card.back: card for card in session.scalars(select(Card))}


@pytest.fixture
def captured(monkeypatch):
    """The cards each export hands the writer (the writer itself still runs)."""
    calls: list[list] = []
    real = exporting.write_package

    def spy(cards, path, timestamp, **kwargs):
        cards = list(cards)
        calls.append(cards)
        return real(cards, path, timestamp, **kwargs)

    monkeypatch.setattr(exporting, "write_package", spy)
    return calls


def study(ctx, user, notes_dir) -> dict[str, Card]:
    """Two decks; a pass, a fail with its drill, a lapse, a suspension and a retired card with history."""
    import_note_files(ctx, user, [notes_dir])
    cards = by_back(ctx)
    record_grade(ctx, user, cards["git branch"], 5, NOON - timedelta(days=7))
    record_grade(ctx, user, cards["git branch"], 4, NOON - timedelta(days=6))  # due again in 6 days: 03-10
    record_grade(ctx, user, cards["git remote -v"], 1, NOON)  # new card failed: due tomorrow, drilled
    record_grade(ctx, user, cards["git remote -v"], 4, NOON + timedelta(minutes=1))  # the drill
    record_grade(ctx, user, cards["du -sh DIR"], 5, NOON - timedelta(days=30))  # overdue since 02-09
    ctx.get(ReviewState, (user.id, cards["du -sh DIR"].id)).suspended = True
    ctx.commit()
    return cards


def test_export_cards_run_in_note_order_with_retired_and_suspended_marked(ctx, user, notes_dir):
    cards = study(ctx, user, notes_dir)
    note = notes_dir / "git.md"
    note.write_text(
        note.read_text().replace("- `git switch -c NAME` creates a branch and switches to it\n", "")
    )
    import_note_files(ctx, user, [note])
    ctx.commit()
    exported = export_cards(ctx, user)
    assert [c.order for c in exported] == list(range(1, len(exported) + 1))
    git = [c.back for c in exported if c.deck_slug == "git"]
    # The retired card stays at its last position (1), after the active card now holding it.
    assert git == ["git branch", "git remote -v", "git switch -c NAME"]
    flags = {c.back: (c.retired, c.suspended) for c in exported}
    assert flags["git switch -c NAME"] == (True, False)
    assert flags["du -sh DIR"] == (False, True)
    assert flags["git branch"] == (False, False)
    ctx.expire_all()
    for card in exported:
        stored = next(c for c in by_back(ctx).values() if c.key == card.key)
        assert card.modified == int(stored.changed_at.timestamp())
    # Without the schedule, nothing of it.
    assert all(c.schedule is None and c.reviews == () for c in exported)
    assert cards  # (the fixture's cards)


def test_with_the_schedule_each_seen_card_carries_its_state_and_log(ctx, user, notes_dir):
    study(ctx, user, notes_dir)
    exported = {c.back: c for c in export_cards(ctx, user, today=TODAY)}
    branch, remote, du = exported["git branch"], exported["git remote -v"], exported["du -sh DIR"]
    assert (branch.schedule.card_type, branch.schedule.queue) == (2, 2)
    assert (branch.schedule.due_in_days, branch.schedule.interval_days, branch.schedule.reps) == (0, 6, 2)
    assert branch.schedule.factor == 2600  # 2.5 + 0.1 + 0.0 after a 5 and a 4
    assert [r.review_type for r in branch.reviews] == [0, 1]  # learn, then review
    assert [r.ease for r in branch.reviews] == [4, 3]
    assert [(r.last_interval, r.interval) for r in branch.reviews] == [(0, 1), (1, 6)]
    # Failed when new (due tomorrow), then drilled: a learning row and a filtered one.
    assert (remote.schedule.due_in_days, remote.schedule.interval_days, remote.schedule.lapses) == (1, 1, 0)
    assert [(r.review_type, r.ease) for r in remote.reviews] == [(0, 1), (3, 3)]
    # Suspended and overdue since 02-09.
    assert (du.schedule.queue, du.schedule.due_in_days, du.suspended) == (-1, -29, True)
    # A new card: no schedule, no reviews.
    assert exported["git switch -c NAME"].schedule is None and exported["git switch -c NAME"].reviews == ()
    # Revlog ids: each review's milliseconds, unique across the collection.
    ids = [r.id_ms for c in exported.values() for r in c.reviews]
    assert len(ids) == len(set(ids)) == 5
    assert branch.reviews[0].id_ms == int((NOON - timedelta(days=7)).timestamp() * 1000)


def test_revlog_ids_are_the_review_times_to_the_millisecond_on_every_database(ctx, user, notes_dir):
    import_note_files(ctx, user, [notes_dir])
    cards = by_back(ctx)
    times = [
        datetime(1999, 12, 31, 23, 59, 59, 1_000, tzinfo=UTC),
        datetime(2026, 3, 10, 12, 0, 0, 999_999, tzinfo=UTC),  # truncated, never rounded up
        datetime(2026, 3, 10, 23, 59, 59, 123_456, tzinfo=UTC),
    ]
    for card, at in zip(("du -sh DIR", "git branch", "git remote -v"), times, strict=True):
        record_grade(ctx, user, cards[card], 4, at)
    ctx.commit()
    got = {c.back: c.reviews[0].id_ms for c in export_cards(ctx, user, today=TODAY) if c.reviews}
    assert got == {
        "git branch": 1773144000999,
        "git remote -v": 1773187199123,
        "du -sh DIR": 946684799001,
    }


def test_the_schedule_matches_the_mapping_for_every_card(ctx, user, notes_dir):
    study(ctx, user, notes_dir)
    exported = {c.key: c for c in export_cards(ctx, user, today=TODAY)}
    for state in ctx.scalars(select(ReviewState)):
        logs = ctx.scalars(select(ReviewLog).where(ReviewLog.card_id == state.card_id)).all()
        expected = anki_schedule.anki_schedule(
            due=state.due,
            interval_days=state.interval_days,
            ease_hundredths=state.ease_hundredths,
            repetitions=state.repetitions,
            lapses=state.lapses,
            suspended=state.suspended,
            today=TODAY,
            reviews=len(logs),
        )
        assert exported[state.card.key].schedule == expected
        assert [r.ease for r in exported[state.card.key].reviews] == [
            anki_schedule.anki_ease(x.grade) for x in logs
        ]


def test_a_retired_seen_card_is_in_the_suspended_queue(ctx, user, notes_dir):
    cards = study(ctx, user, notes_dir)
    cards["git branch"].retired = True
    ctx.commit()
    (branch,) = [c for c in export_cards(ctx, user, today=TODAY) if c.back == "git branch"]
    assert (branch.retired, branch.suspended, branch.schedule.queue, len(branch.reviews)) == (
        True,
        False,
        -1,
        2,
    )


def test_the_first_export_and_a_new_layout_stamp_every_note_with_the_export(
    ctx, user, notes_dir, captured, tmp_path
):
    import_note_files(ctx, user, [notes_dir])
    ctx.commit()
    export_package(ctx, user, tmp_path / "a.apkg", NOON)
    assert all(c.modified is None for c in captured[-1])  # no export known: every note refreshed
    row = ctx.scalar(select(AnkiExport))
    assert (row.exported_at, row.layout) == (NOON, export_layout(True))
    # Same layout: each note keeps its card's last change (all older than the export).
    ctx.execute(update(Card).values(changed_at=OLD))
    ctx.commit()
    export_package(ctx, user, tmp_path / "b.apkg", NOON + timedelta(hours=1))
    assert {c.modified for c in captured[-1]} == {int(OLD.timestamp())}
    # The plain command note type: every note once more, then not again.
    export_package(
        ctx, user, tmp_path / "c.apkg", NOON + timedelta(hours=2), ExportOptions(typed_commands=False)
    )
    assert all(c.modified is None for c in captured[-1])
    export_package(
        ctx, user, tmp_path / "d.apkg", NOON + timedelta(hours=3), ExportOptions(typed_commands=False)
    )
    assert {c.modified for c in captured[-1]} == {int(OLD.timestamp())}


def test_a_card_changed_in_the_second_of_the_last_export_is_stamped_after_it(ctx, user, notes_dir):
    import_note_files(ctx, user, [notes_dir])
    ctx.execute(update(Card).values(changed_at=OLD))
    ctx.commit()
    layout = export_layout(True)
    # Two exports within one second: the second was stamped a second ahead of the clock.
    record_export(ctx, user, int(NOON.timestamp()) + 1, 5, NOON + timedelta(milliseconds=600), layout)
    card = by_back(ctx)["git branch"]
    card.changed_at = NOON + timedelta(milliseconds=900)  # after that export, in the same second
    ctx.commit()
    last = exporting.last_export(ctx, user)
    stamped = {c.back: c.modified for c in export_cards(ctx, user, stamp=note_stamp(last, layout))}
    assert stamped["git branch"] == int(NOON.timestamp()) + 2  # later than anything that export wrote
    assert {m for back, m in stamped.items() if back != "git branch"} == {int(OLD.timestamp())}
    # An export from before layouts were kept: every note refreshed.
    old = AnkiExport(user_id=user.id, timestamp=1, note_count=1)
    assert all(c.modified is None for c in export_cards(ctx, user, stamp=note_stamp(old, layout)))


# --- the command line ---------------------------------------------------------------------------


def test_cli_export_with_schedule_and_plain_commands(app, runner, notes_dir, tmp_path, captured):
    assert runner.invoke(args=["notes", "import", str(notes_dir)]).exit_code == 0
    with app.app_context():
        user = db.session.scalar(select(User))
        cards = by_back(db.session)
        record_grade(db.session, user, cards["git branch"], 4, datetime.now(UTC))
        db.session.commit()
    out = tmp_path / "s.apkg"
    result = runner.invoke(args=["anki", "export", str(out), "--with-schedule", "--plain-commands"])
    assert result.exit_code == 0, result.output
    branch = next(c for c in captured[-1] if c.back == "git branch")
    assert branch.schedule is not None and branch.schedule.due_in_days == 1 and len(branch.reviews) == 1
    with app.app_context():
        assert db.session.scalar(select(AnkiExport.layout)) == export_layout(False)
    result = runner.invoke(args=["anki", "export", str(tmp_path / "p.apkg")])
    assert result.exit_code == 0, result.output
    assert all(c.schedule is None and not c.reviews for c in captured[-1])
    with app.app_context():
        layouts = db.session.scalars(select(AnkiExport.layout).order_by(AnkiExport.id)).all()
        assert layouts == [export_layout(False), export_layout(True)]
    assert "--with-schedule" in runner.invoke(args=["anki", "export", "--help"]).output


# --- the Progress page ----------------------------------------------------------------------------


def import_for_alice(app, notes_dir) -> None:
    with app.app_context():
        alice = db.session.scalar(select(User).where(User.name == "alice"))
        import_note_files(db.session, alice, [notes_dir])
        cards = by_back(db.session)
        record_grade(db.session, alice, cards["git branch"], 4, datetime.now(UTC))
        db.session.commit()


def test_progress_page_offers_the_two_tick_boxes(app, client, notes_dir):
    import_for_alice(app, notes_dir)
    page = client.get("/progress").get_data(as_text=True)
    form = re.search(r'<form[^>]*id="export-form".*?</form>', page, re.S).group(0)
    assert re.search(r'<input id="with_schedule" name="with_schedule" type="checkbox" value="y">', form)
    assert re.search(
        r'<input checked id="typed_commands" name="typed_commands" type="checkbox" value="y">', form
    )
    assert "With my schedule and review history" in form and "Command cards ask to type the command" in form
    with app.app_context():
        alice = db.session.scalar(select(User).where(User.name == "alice"))
        alice.locale = "zh"
        db.session.commit()
    page = client.get("/progress").get_data(as_text=True)
    assert "包含我的复习计划和复习记录" in page and "命令卡片要求输入命令" in page


def test_the_export_form_carries_the_options(app, client, notes_dir, captured):
    import_for_alice(app, notes_dir)
    response = client.post("/anki/export", data={"with_schedule": "y"})  # "type the command" unticked
    assert response.status_code == 200
    with zipfile.ZipFile(BytesIO(response.data)) as apkg:
        assert "collection.anki2" in apkg.namelist()
    branch = next(c for c in captured[-1] if c.back == "git branch")
    assert branch.schedule is not None and len(branch.reviews) == 1
    with app.app_context():
        assert db.session.scalar(select(AnkiExport.layout).order_by(AnkiExport.id.desc())) == export_layout(
            False
        )
    # No field at all (an old page): the defaults, typed commands and no schedule.
    assert client.post("/anki/export", data={}).status_code == 200
    assert all(c.schedule is None for c in captured[-1])
    with app.app_context():
        assert db.session.scalar(select(AnkiExport.layout).order_by(AnkiExport.id.desc())) == export_layout(
            True
        )


@pytest.mark.parametrize(
    "value", ["", "0", "false", "y", "on", "x" * 10_000, "真", "-1", "<script>", "1e309", "\x00"]
)
def test_any_value_of_the_tick_boxes_exports_or_says_why(app, client, notes_dir, value):
    import_for_alice(app, notes_dir)
    response = client.post("/anki/export", data={"with_schedule": value, "typed_commands": value})
    if "\x00" in value:  # refused before any view, as every form is, with the error page
        assert response.status_code == 400 and b"<html" in response.data.lower()
    else:
        assert response.status_code == 200 and response.data[:2] == b"PK"


def test_nothing_to_export_redirects_whatever_the_options(client):
    response = client.post("/anki/export", data={"with_schedule": "y", "typed_commands": "y"})
    assert response.status_code == 302
