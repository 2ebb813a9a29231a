"""Wengu's schedule in the real Anki: a first import "with learning progress" shows the same cards due
on the same days, suspended and retired cards as Wengu has them, the whole review log; and a later
export updates in Anki exactly the notes whose cards changed in Wengu."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import genanki
import pytest
from anki.collection import Collection, ImportAnkiPackageOptions, ImportAnkiPackageRequest
from anki.import_export_pb2 import ImportAnkiPackageUpdateCondition
from sqlalchemy import func, select

import quiz.models
import quiz.store.decks
from quiz.models import Card, Deck, ReviewLog, ReviewState, db
from quiz.store.days import get_or_create_user, local_today
from quiz.store.exporting import ExportOptions, export_package
from quiz.store.grading import record_grade
from quiz.store.importing import import_note_files
from quiz.store.queue import next_card

pytestmark = pytest.mark.slow

IF_NEWER = ImportAnkiPackageUpdateCondition.IMPORT_ANKI_PACKAGE_UPDATE_CONDITION_IF_NEWER
WORDS = "alpha bravo charlie delta echo foxtrot golf hotel india juliet kilo lima mike november oscar".split()


def glossary(edited: frozenset[int] = frozenset(), dropped: frozenset[int] = frozenset()) -> str:
    """A note of 36 definitions and 12 commands in four topics; definitions ``edited`` reworded."""
    lines = ["# Glossary", ""]
    for i in range(48):
        if i % 12 == 0:
            lines += ["", f"## Part {i // 12 + 1}", ""]
        if i in dropped:
            continue
        word = f"{WORDS[i % len(WORDS)]}{i}"
        if i % 4 == 3:
            lines.append(f"- `tool{i} --{word}` runs the {word} step number {i}")
        else:
            more = " and more besides" if i in edited else ""
            lines.append(f"- Term {word}: the meaning of {word}, entry {i} of the glossary{more}")
    return "\n".join(lines) + "\n"


def anki_import(col: Collection, apkg: Path, *, with_scheduling: bool):
    options = ImportAnkiPackageOptions(
        merge_notetypes=False,
        update_notes=IF_NEWER,
        update_notetypes=IF_NEWER,
        with_scheduling=with_scheduling,
        with_deck_configs=False,
    )
    return col.import_anki_package(ImportAnkiPackageRequest(package_path=str(apkg), options=options)).log


def study(session, user, first: datetime, days: int) -> None:
    """``days`` days of study from ``first`` on: each day the queue's cards (three new ones) graded."""
    grades = (5, 4, 3, 1, 4, 2)
    for day in range(days):
        now = first + timedelta(days=day)
        today = local_today(user, now)
        while (item := next_card(session, user, today, new_per_day=3, reviews_per_day=100)) is not None:
            if item.reason == "drill":
                record_grade(session, user, item.card, 4, now + timedelta(minutes=3))  # the drill's repeat
                continue
            record_grade(session, user, item.card, grades[(item.card.id + day) % len(grades)], now)
    session.commit()


def wengu_guids(session, user) -> dict[str, Card]:
    rows = session.scalars(select(Card).join(Deck).where(Deck.user_id == user.id))
    return {genanki.guid_for(card.deck.slug, card.key): card for card in rows}


@pytest.mark.parametrize(("zone", "day_start"), [("UTC", 4), ("Asia/Shanghai", 5)])
def test_a_first_import_with_progress_has_the_same_cards_due_on_the_same_days(app, tmp_path, zone, day_start):
    note = tmp_path / "glossary.md"
    note.write_text(glossary(), encoding="utf-8")
    now = datetime.now(UTC)
    with app.app_context():
        session = db.session
        user = get_or_create_user(session, "local")
        user.timezone, user.day_starts_at_hour = zone, day_start
        import_note_files(session, user, [note])
        session.commit()
        # Studied for twelve days, then a week off: cards due on many days, overdue ones among them.
        study(session, user, now - timedelta(days=19), 12)
        states = {
            s.card_id: s for s in session.scalars(select(ReviewState).where(ReviewState.user_id == user.id))
        }
        seen = [s for s in states.values() if s.due is not None]
        today = local_today(user, now)
        assert len({(s.due - today).days for s in seen}) >= 3 and any(s.due < today for s in seen)
        # One seen card suspended, one new card suspended, one card retired from the note.
        seen[0].suspended = True
        new_suspended = next(s for s in states.values() if s.due is None)
        new_suspended.suspended = True
        session.commit()
        retired = session.scalars(select(Card).where(Card.id == seen[1].card_id)).one()
        index = int(retired.back.rsplit("entry ", 1)[1].split()[0]) if "entry " in retired.back else None
        if index is None:  # a command card: its number ends its description
            index = int(retired.front.rsplit(" ", 1)[1])
        note.write_text(glossary(dropped=frozenset({index})), encoding="utf-8")
        import_note_files(session, user, [note])
        session.commit()
        session.expire_all()
        assert session.get(Card, retired.id).retired
        out = tmp_path / "schedule.apkg"
        assert export_package(session, user, out, now, ExportOptions(with_schedule=True))
        session.commit()
        guids = wengu_guids(session, user)
        states = {
            s.card_id: s for s in session.scalars(select(ReviewState).where(ReviewState.user_id == user.id))
        }
        logged = session.scalar(
            select(func.count()).select_from(ReviewLog).where(ReviewLog.user_id == user.id)
        )

        col = Collection(str(tmp_path / "collection.anki2"))
        try:
            log = anki_import(col, out, with_scheduling=True)
            assert len(log.new) == len(guids)
            anki_today = col.sched.today
            compared = 0
            for cid in col.find_cards(""):
                card = col.get_card(cid)
                wengu = guids[card.note().guid]
                state = states[wengu.id]
                if state.due is None:
                    assert card.type == 0, wengu.back
                else:
                    assert card.type == 2, wengu.back
                    assert card.due - anki_today == (state.due - today).days, wengu.back
                    assert card.ivl == max(1, state.interval_days)
                    assert card.factor == state.ease_hundredths * 10
                    assert card.lapses == state.lapses
                    compared += 1
                suspended = state.suspended or wengu.retired
                assert (card.queue == -1) == suspended, wengu.back
                assert ("wengu::retired" in card.note().tags) == wengu.retired
            assert compared == len([s for s in states.values() if s.due is not None]) > 10
            assert col.db.scalar("select count() from revlog") == logged
            assert col.find_cards("is:suspended") and col.find_notes("tag:wengu::retired")
        finally:
            col.close()


@pytest.fixture
def clock(monkeypatch):
    """Wengu's clock for stamping changes, moved by hand (the exports take their time as an argument)."""
    now = [datetime(2026, 6, 1, 9, 0, tzinfo=UTC)]
    monkeypatch.setattr(quiz.models, "now_utc", lambda: now[0])
    monkeypatch.setattr(quiz.store.decks, "now_utc", lambda: now[0])
    return now


def test_a_second_export_updates_exactly_the_notes_that_changed(app, tmp_path, clock):
    note = tmp_path / "glossary.md"
    note.write_text(glossary(), encoding="utf-8")
    with app.app_context():
        session = db.session
        user = get_or_create_user(session, "local")
        import_note_files(session, user, [note])
        session.commit()
        clock[0] += timedelta(minutes=1)
        first = tmp_path / "first.apkg"
        count = export_package(session, user, first, clock[0])
        session.commit()
        col = Collection(str(tmp_path / "collection.anki2"))
        try:
            log = anki_import(col, first, with_scheduling=False)
            assert len(log.new) == count > 3
            # Three cards edited in the note, re-imported into Wengu, exported again.
            note.write_text(glossary(edited=frozenset({0, 5, 30})), encoding="utf-8")
            clock[0] += timedelta(minutes=1)
            result = import_note_files(session, user, [note])[0]
            session.commit()
            assert (result.updated, result.added, result.retired) == (3, 0, 0)
            clock[0] += timedelta(minutes=1)
            second = tmp_path / "second.apkg"
            export_package(session, user, second, clock[0])
            session.commit()
            log = anki_import(col, second, with_scheduling=False)
            assert (len(log.updated), len(log.new)) == (3, 0)
            backs = " ".join(col.get_note(nid).fields[1] for nid in col.find_notes(""))
            assert backs.count("and more besides") == 3
            # And a third export with nothing changed updates nothing.
            clock[0] += timedelta(minutes=1)
            third = tmp_path / "third.apkg"
            export_package(session, user, third, clock[0])
            session.commit()
            log = anki_import(col, third, with_scheduling=False)
            assert (len(log.updated), len(log.new)) == (0, 0)
        finally:
            col.close()
