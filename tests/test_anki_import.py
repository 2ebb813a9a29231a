"""Importing Anki packages: decks and topics, card kinds and text, scheduling and the review log,
re-imports, safety, the command line; then end to end with packages made by the real Anki and genanki."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta

import genanki
import pytest
import sqlalchemy as sa
from sqlalchemy import func, select

from quiz.anki_cards import card_key, card_text, cloze_sides, field_markdown
from quiz.anki_package import (
    AnkiCard,
    AnkiNote,
    AnkiNoteType,
    AnkiPackage,
    AnkiRevlogEntry,
    read_package,
)
from quiz.backup import read_backup, restore_user, write_backup
from quiz.models import Card, Deck, DeckMedia, ReviewLog, ReviewState, Topic, User, db
from quiz.render import render_markdown
from quiz.store.anki_importing import import_anki_package
from quiz.store.days import get_or_create_user, local_today
from quiz.store.exporting import ExportOptions, export_package
from quiz.store.grading import record_grade
from quiz.store.importing import import_note_files
from tests.conftest import TEST_USER, counter_mismatches, log_in
from tests.test_media import PNG

BASIC = AnkiNoteType(
    1, "Basic", False, ("Front", "Back"), (("{{Front}}", '{{FrontSide}}<hr id="answer">{{Back}}'),)
)
REVERSED = AnkiNoteType(
    2,
    "Basic (and reversed card)",
    False,
    ("Front", "Back"),
    (
        ("{{Front}}", '{{FrontSide}}<hr id="answer">{{Back}}'),
        ("{{Back}}", '{{FrontSide}}<hr id="answer">{{Front}}'),
    ),
)
CLOZE = AnkiNoteType(
    3, "Cloze", True, ("Text", "Back Extra"), (("{{cloze:Text}}", "{{cloze:Text}}<br>\n{{Back Extra}}"),)
)
TYPED = AnkiNoteType(
    4,
    "Basic (type in the answer)",
    False,
    ("Front", "Back"),
    (("{{Front}}\n\n{{type:Back}}", '{{Front}}<hr id="answer">{{type:Back}}'),),
)
NOTE_TYPES = {t.id: t for t in (BASIC, REVERSED, CLOZE, TYPED)}

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
CREATED = int(datetime(2026, 1, 1, 4, 0, tzinfo=UTC).timestamp())  # Anki's day 0
ANKI_TODAY = (int(NOW.timestamp()) - CREATED) // 86400
DECKS = {1: "Default", 10: "French", 11: "French::Verbs", 12: "French::Verbs::Irregular", 20: "Shell"}


def ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def new(card_id, note_id, deck_id, ord_=0, position=0, queue=0):
    return AnkiCard(card_id, note_id, deck_id, ord_, 0, queue, position, 0, 0, 0, 0)


def review(card_id, note_id, deck_id, *, ord_=0, due_in=3, ivl=10, factor=2500, reps=5, lapses=1, queue=2):
    return AnkiCard(card_id, note_id, deck_id, ord_, 2, queue, ANKI_TODAY + due_in, ivl, factor, reps, lapses)


def sample() -> AnkiPackage:
    """Two top-level decks with subdecks, every kind of note, a few studied cards with their history."""
    notes = [
        AnkiNote(100, "guidBasic", 1, ("bonjour", "hello"), (), 1),
        AnkiNote(101, "guidRev", 2, ("maison", "house"), (), 1),
        AnkiNote(102, "guidCloze", 3, ("{{c1::Paris}} is the capital of {{c2::France::country}}", ""), (), 1),
        AnkiNote(103, "guidTyped", 4, ("Capital of Italy?", "Rome"), (), 1),
        AnkiNote(104, "guidCmd", 4, ("List every file", "ls -la"), (), 1),
        AnkiNote(105, "guidEmpty", 1, ("", "nothing asked"), (), 1),
        AnkiNote(106, "guidNew2", 1, ("avoir", "to have"), (), 1),
    ]
    t0 = NOW - timedelta(days=20)
    cards = [
        review(1000, 100, 10, due_in=3, ivl=10, factor=2300, reps=4, lapses=1),
        new(1001, 101, 11, 0, position=7),
        new(1002, 101, 11, 1, position=7),
        new(1003, 102, 12, 0, position=3),
        AnkiCard(1004, 102, 12, 1, 1, 1, int(NOW.timestamp()) + 600, -600, 2500, 1, 0),  # learning
        review(
            1005, 103, 10, due_in=-2, ivl=4, factor=1200, reps=2, lapses=0, queue=-1
        ),  # suspended, low ease
        review(1006, 104, 20, due_in=0, ivl=1, reps=1, lapses=0, queue=-2),  # buried
        new(1007, 105, 10, position=1),
        new(1008, 106, 10, position=2),
    ]
    revlog = [
        # card 1000: learn, graduate, review good, lapse, relearn, review good, review easy
        AnkiRevlogEntry(ms(t0), 1000, 3, -600, 0, 0, 0),
        AnkiRevlogEntry(ms(t0 + timedelta(minutes=10)), 1000, 3, 1, -600, 2500, 0),
        AnkiRevlogEntry(ms(t0 + timedelta(days=1)), 1000, 3, 3, 1, 2500, 1),
        AnkiRevlogEntry(ms(t0 + timedelta(days=4)), 1000, 1, -600, 3, 2300, 1),
        AnkiRevlogEntry(ms(t0 + timedelta(days=4, minutes=10)), 1000, 3, 1, -600, 2300, 2),
        AnkiRevlogEntry(ms(t0 + timedelta(days=5)), 1000, 2, 4, 1, 2300, 3),  # cram: a drill
        AnkiRevlogEntry(ms(t0 + timedelta(days=6)), 1000, 3, 4, 1, 2300, 1),
        AnkiRevlogEntry(ms(t0 + timedelta(days=7)), 1000, 0, 10, 4, 2300, 4),  # manual: left out
        AnkiRevlogEntry(ms(t0 + timedelta(days=10)), 1000, 4, 10, 4, 2300, 1),
        AnkiRevlogEntry(ms(t0 + timedelta(days=2)), 1005, 3, 4, 1, 1200, 1),
    ]
    revlog.sort(key=lambda e: e.id)
    return AnkiPackage(CREATED, dict(DECKS), dict(NOTE_TYPES), notes, cards, revlog, {})


@pytest.fixture
def user(app):
    with app.app_context():
        u = get_or_create_user(db.session, "alice")
        u.timezone = "UTC"
        db.session.commit()
        yield u


def run_import(package, now=NOW):
    user = get_or_create_user(db.session, "alice")
    results = import_anki_package(db.session, user, package, now)
    db.session.commit()
    return user, results


def assert_counters_exact():
    """The counters the triggers kept agree with a count from scratch (after the caller's commit)."""
    with db.engine.connect() as connection:
        assert counter_mismatches(connection) == []


def cards_by_key(deck_title):
    deck = db.session.scalar(select(Deck).where(Deck.source_path == f"anki:{deck_title}"))
    return {c.key: c for c in db.session.scalars(select(Card).where(Card.deck_id == deck.id))}


def state_of(user, card):
    return db.session.get(ReviewState, (user.id, card.id))


# ------------------------------------------------------------------------------ text


def test_fields_render_safely_as_markdown():
    hostile = '<script>alert(1)</script><img src="x.png" onerror="alert(2)"><b onclick="x()">bold</b>'
    text = field_markdown(hostile)
    html = render_markdown(text)
    assert "alert" not in text and "onerror" not in text and "onclick" not in text
    assert "<script" not in html and "onerror" not in html
    assert "![](<x.png>)" in text and "bold" in text
    # Text that looks like markup is shown as Anki showed it, never as markup.
    assert render_markdown(field_markdown("&lt;script&gt;alert(1)&lt;/script&gt;")) == (
        "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>"
    )
    assert render_markdown(field_markdown("2*3*4 = 24, a_b_c")) == "<p>2*3*4 = 24, a_b_c</p>"
    assert field_markdown("a<br>b<div>c</div>") == "a  \nb  \nc"
    assert "<br" in render_markdown(field_markdown("a<br>b"))
    assert field_markdown("<div>a</div><div><br></div><div>b</div>") == "a\n\nb"
    assert field_markdown("x [sound:hello.mp3] y&nbsp;z") == "x y z"
    assert field_markdown("<ul><li>one</li><li>two</li></ul>") == "- one  \n- two"
    assert field_markdown('<img src="https://example.com/a.png" alt="remote">') == "remote"


def test_card_kinds_follow_the_note_types():
    assert card_text(BASIC, ("Q", "A"), 0).kind == "concept"
    forward, backward = card_text(REVERSED, ("Q", "A"), 0), card_text(REVERSED, ("Q", "A"), 1)
    assert (forward.kind, forward.front, forward.back) == ("qa", "Q", "A")
    assert (backward.kind, backward.front, backward.back) == ("qa", "A", "Q")
    word = card_text(TYPED, ("Capital of Italy?", "Rome"), 0)
    assert (word.kind, word.back) == ("qa", "Rome")  # prose is not a shell command
    command = card_text(TYPED, ("List every file", "ls&nbsp;-la"), 0)
    assert (command.kind, command.back) == ("command", "ls -la")
    cloze = card_text(CLOZE, ("{{c1::Paris}} is in {{c2::France::country}}", "<i>extra</i>"), 1)
    assert (cloze.kind, cloze.front, cloze.back) == (
        "cloze",
        "Paris is in [country]",
        "Paris is in France\n\nextra",
    )
    assert card_text(CLOZE, ("{{c1::Paris}}", ""), 1) == "cloze card 2 has no {{c2::…}} in its text"
    assert "question side is empty" in card_text(BASIC, ("<br>", "A"), 0)
    assert "answer side is empty" in card_text(BASIC, ("Q", "[sound:a.mp3]"), 0)
    assert "no template" in card_text(BASIC, ("Q", "A"), 3)
    assert cloze_sides("{{c1::a}} {{c1::b::hint}}", 1) == ("[...] [hint]", "a b")
    assert card_key("g", 2) == "anki:g:2"
    long = card_key("x" * 80, 0)
    assert len(long) <= 64 and long.startswith("anki:") and long.endswith(":0")
    assert long != card_key("x" * 81, 0)


# ------------------------------------------------------------------------------ decks, cards, states


def test_first_import_makes_a_deck_per_top_level_deck_with_subdecks_as_topics(app, user):
    with app.app_context():
        user, results = run_import(sample())
        assert [(r.deck.title, r.created) for r in results] == [("French", True), ("Shell", True)]
        french, shell = results
        assert french.deck.source_path == "anki:French" and french.deck.source_text is None
        assert (french.added, french.updated, french.unchanged, french.retired) == (7, 0, 0, 0)
        assert len(french.skipped) == 1 and "guidEmpty" not in french.skipped[0]
        assert "question side is empty" in french.skipped[0]
        assert shell.added == 1
        cards = cards_by_key("French")
        assert set(cards) == {
            "anki:guidBasic:0",
            "anki:guidRev:0",
            "anki:guidRev:1",
            "anki:guidCloze:0",
            "anki:guidCloze:1",
            "anki:guidTyped:0",
            "anki:guidNew2:0",
        }
        kinds = {key: card.kind for key, card in cards.items()}
        assert kinds["anki:guidBasic:0"] == "concept" and kinds["anki:guidRev:1"] == "qa"
        assert kinds["anki:guidCloze:0"] == "cloze" and kinds["anki:guidTyped:0"] == "qa"
        assert cards_by_key("Shell")["anki:guidCmd:0"].kind == "command"
        assert cards["anki:guidBasic:0"].topic is None  # a card of the top deck
        assert cards["anki:guidRev:0"].topic.path == ("Verbs",)
        assert cards["anki:guidCloze:0"].topic.path == ("Verbs", "Irregular")
        assert cards["anki:guidCloze:0"].topic.parent.path == ("Verbs",)
        assert cards["anki:guidCloze:0"].front == "[...] is the capital of France"
        # New cards come in Anki's new-card order, before the cards already studied.
        order = sorted(cards.values(), key=lambda c: c.position)
        assert [c.key for c in order[:4]] == [
            "anki:guidNew2:0",
            "anki:guidCloze:0",
            "anki:guidRev:0",
            "anki:guidRev:1",
        ]
        assert all(c.changed_at is not None for c in cards.values())
        assert_counters_exact()


def test_scheduling_is_carried_over(app, user):
    with app.app_context():
        user, _ = run_import(sample())
        today = local_today(user, NOW)
        cards = cards_by_key("French")
        studied = state_of(user, cards["anki:guidBasic:0"])
        assert (studied.interval_days, studied.ease_hundredths, studied.lapses) == (10, 230, 1)
        assert studied.due == today + timedelta(days=3)
        # Passes since the last lapse: the relearning step's graduation, then good, then easy.
        assert studied.repetitions == 3
        assert studied.introduced_on == (NOW - timedelta(days=20)).date()
        assert studied.last_reviewed_at == NOW - timedelta(days=10)
        assert not studied.suspended and studied.drill_day is None
        suspended = state_of(user, cards["anki:guidTyped:0"])
        assert suspended.suspended and suspended.ease_hundredths == 130  # Anki's 120 % is below SM-2's floor
        assert suspended.due == today - timedelta(days=2) and suspended.repetitions == 1
        fresh = state_of(user, cards["anki:guidRev:0"])
        assert fresh.due is None and fresh.repetitions == 0 and fresh.introduced_on is None
        learning = state_of(user, cards["anki:guidCloze:1"])
        assert learning.due == today and learning.interval_days == 0 and learning.repetitions == 0
        buried = state_of(user, cards_by_key("Shell")["anki:guidCmd:0"])
        assert not buried.suspended and buried.due == today and buried.interval_days == 1


def test_review_log_rows_replay_the_anki_history(app, user):
    with app.app_context():
        user, results = run_import(sample())
        assert results[0].reviews == 9  # 10 rows less the manual reschedule
        card = cards_by_key("French")["anki:guidBasic:0"]
        rows = db.session.scalars(
            select(ReviewLog).where(ReviewLog.card_id == card.id).order_by(ReviewLog.reviewed_at)
        ).all()
        assert [r.grade for r in rows] == [4, 4, 4, 1, 4, 3, 4, 5]
        assert [r.drill for r in rows] == [False] * 5 + [True] + [False] * 2
        first, graduated, _, lapse = rows[:4]
        assert first.due_before is None and first.interval_days_after == 0 and first.repetitions_after == 0
        assert graduated.interval_days_after == 1 and graduated.repetitions_after == 1
        assert lapse.lapses_before == 0 and lapse.repetitions_after == 0 and lapse.interval_days_after == 0
        assert lapse.ease_hundredths_after == 230
        drill = rows[5]
        assert (drill.repetitions_after, drill.interval_days_after) == (
            drill.repetitions_before,
            drill.interval_days_before,
        )
        assert rows[0].review_day == local_today(user, rows[0].reviewed_at)
        assert rows[-1].reviewed_at == NOW - timedelta(days=10)
        assert rows[0].topic_id is None and rows[0].deck_id == card.deck_id
        assert_counters_exact()


def test_reimporting_the_same_package_changes_nothing(app, user):
    with app.app_context():
        user, _ = run_import(sample())
        before = {
            (s.card_id, s.version, s.due, s.interval_days) for s in db.session.scalars(select(ReviewState))
        }
        stamps = {c.id: c.changed_at for c in db.session.scalars(select(Card))}
        user, results = run_import(sample(), NOW + timedelta(hours=1))
        assert [(r.created, r.added, r.updated, r.retired, r.reviews) for r in results] == [
            (False, 0, 0, 0, 0),
            (False, 0, 0, 0, 0),
        ]
        assert results[0].unchanged == 7
        after = {
            (s.card_id, s.version, s.due, s.interval_days) for s in db.session.scalars(select(ReviewState))
        }
        assert after == before
        assert {c.id: c.changed_at for c in db.session.scalars(select(Card))} == stamps
        assert db.session.scalar(select(func.count()).select_from(ReviewLog)) == 9
        assert db.session.scalar(select(func.count()).select_from(Deck)) == 2


def test_a_newer_export_updates_retires_adds_and_keeps_newer_wengu_progress(app, user):
    with app.app_context():
        user, _ = run_import(sample())
        cards = cards_by_key("French")
        # Studied in Wengu after the import: its progress is newer than Anki's.
        graded = cards["anki:guidNew2:0"]
        record_grade(db.session, user, graded, 5, NOW + timedelta(hours=1))
        db.session.commit()
        kept = (state_of(user, graded).due, state_of(user, graded).repetitions)
        old_stamp = cards["anki:guidBasic:0"].changed_at

        package = sample()
        later = NOW + timedelta(days=2)
        package.notes[0] = AnkiNote(100, "guidBasic", 1, ("bonjour!", "hello"), (), 2)  # edited
        package.notes.append(AnkiNote(107, "guidAdded", 1, ("être", "to be"), (), 2))
        package.cards = [c for c in package.cards if c.note_id != 101]  # the reversed note deleted
        package.cards.append(new(1009, 107, 10, position=9))
        package.cards = [
            review(1000, 100, 10, due_in=20, ivl=25, factor=2450, reps=6, lapses=1) if c.id == 1000 else c
            for c in package.cards
        ]
        package.revlog.append(AnkiRevlogEntry(ms(later - timedelta(hours=1)), 1000, 3, 25, 10, 2450, 1))
        # The card graded in Wengu was also seen in Anki, earlier than in Wengu.
        package.cards = [
            review(1008, 106, 10, due_in=1, ivl=1, reps=1, lapses=0) if c.id == 1008 else c
            for c in package.cards
        ]
        package.revlog.append(AnkiRevlogEntry(ms(NOW + timedelta(minutes=30)), 1008, 3, 1, 0, 2500, 0))
        package.revlog.sort(key=lambda e: e.id)

        user, results = run_import(package, later)
        french = results[0]
        assert (french.added, french.updated, french.retired, french.kept_progress) == (1, 1, 2, 1)
        assert french.unchanged == 4
        # Only the new row of the card Anki's state is taken for: the card that keeps its Wengu progress
        # keeps its Wengu history too.
        assert french.reviews == 1
        cards = cards_by_key("French")
        edited = cards["anki:guidBasic:0"]
        assert edited.front == "bonjour!" and edited.changed_at > old_stamp and edited.edited_at is not None
        assert cards["anki:guidRev:0"].retired and cards["anki:guidRev:1"].retired
        assert not state_of(user, cards["anki:guidRev:0"]).active
        studied = state_of(user, edited)
        # Due 20 days after the day the package's numbers count from (NOW), not after the import's day.
        assert studied.interval_days == 25 and studied.due == local_today(user, NOW) + timedelta(days=20)
        assert studied.version > 1  # a page showing the old state is used up
        assert (state_of(user, graded).due, state_of(user, graded).repetitions) == kept
        assert state_of(user, cards["anki:guidAdded:0"]).due is None
        assert db.session.scalar(select(func.count()).select_from(ReviewLog)) == 9 + 1 + 1
        assert_counters_exact()

        # The reversed note back in a later export: its cards are restored.
        user, results = run_import(sample(), later + timedelta(days=1))
        assert not cards_by_key("French")["anki:guidRev:0"].retired
        assert results[0].retired == 1  # the note added in between is gone again


def test_wengu_progress_made_before_a_newer_anki_review_gives_way(app, user):
    with app.app_context():
        user, _ = run_import(sample())
        card = cards_by_key("French")["anki:guidNew2:0"]
        record_grade(db.session, user, card, 5, NOW + timedelta(hours=1))
        db.session.commit()
        package = sample()
        package.cards = [
            review(1008, 106, 10, due_in=8, ivl=8, reps=2, lapses=0) if c.id == 1008 else c
            for c in package.cards
        ]
        package.revlog.append(AnkiRevlogEntry(ms(NOW + timedelta(days=1)), 1008, 4, 8, 0, 2500, 0))
        later = NOW + timedelta(days=1, hours=2)
        user, results = run_import(package, later)
        assert results[0].kept_progress == 0
        state = state_of(user, cards_by_key("French")["anki:guidNew2:0"])
        assert state.interval_days == 8 and state.due == local_today(user, NOW) + timedelta(days=8)


def test_images_are_kept_with_the_deck_and_hostile_html_never_stored(app, user):
    with app.app_context():
        package = sample()
        package.notes[0] = AnkiNote(
            100,
            "guidBasic",
            1,
            (
                '<img src="cat.png" onerror="alert(1)"><script>alert(2)</script>chat',
                '<img src="gone.png">cat',
            ),
            (),
            1,
        )
        package.media = {"cat.png": PNG, "unused.png": PNG + b"1"}
        user, results = run_import(package)
        french = results[0]
        assert french.media == 1
        assert any("gone.png" in reason for reason in french.skipped)
        card = cards_by_key("French")["anki:guidBasic:0"]
        assert card.front == "![](<cat.png>)chat"
        assert "alert" not in card.front + card.back and "onerror" not in card.front
        names = set(db.session.scalars(select(DeckMedia.name).where(DeckMedia.deck_id == card.deck_id)))
        assert names == {"cat.png"}
        # The image gone from the cards is dropped at the next import.
        package.notes[0] = AnkiNote(100, "guidBasic", 1, ("chat", "cat"), (), 2)
        run_import(package, NOW + timedelta(hours=1))
        assert db.session.scalar(select(func.count()).select_from(DeckMedia)) == 0


def test_anki_and_markdown_decks_never_collide(app, user, tmp_path):
    with app.app_context():
        note = tmp_path / "French.md"
        note.write_text("# French\n\n- Term bonjour: hello in French, a greeting\n", encoding="utf-8")
        strange = tmp_path / "anki:French"
        strange.write_text("# X\n\n- Term avoir: to have, an auxiliary verb\n", encoding="utf-8")
        user = get_or_create_user(db.session, "alice")
        import_note_files(db.session, user, [note, strange])
        db.session.commit()
        user, results = run_import(sample())
        assert results[0].created and results[0].deck.slug != "French"
        slugs = db.session.scalars(select(Deck.slug)).all()
        assert len(slugs) == len(set(slugs)) == 4
        # Re-importing the notes leaves the Anki deck alone, and the other way round.
        import_note_files(db.session, user, [note, strange])
        db.session.commit()
        assert len(cards_by_key("French")) == 7
        markdown = db.session.scalars(select(Deck).where(~Deck.source_path.startswith("anki:"))).all()
        assert len(markdown) == 2
        assert all(not c.retired for c in cards_by_key("French").values())


def test_topics_of_a_deck_follow_its_subdecks_only(app, user):
    with app.app_context():
        run_import(sample())
        deck = db.session.scalar(select(Deck).where(Deck.title == "French"))
        paths = {t.path for t in db.session.scalars(select(Topic).where(Topic.deck_id == deck.id))}
        assert paths == {("Verbs",), ("Verbs", "Irregular")}


def test_damaged_numbers_neither_fail_nor_break_the_checks(app, user):
    with app.app_context():
        package = sample()
        huge = 10**15
        package.cards = [
            AnkiCard(1000, 100, 10, 0, 2, 2, huge, huge, huge, huge, huge),  # review
            AnkiCard(1005, 103, 10, 0, 1, 1, huge, -huge, -5, 0, -3),  # learning, due in a far future
            AnkiCard(1007, 106, 10, 0, 3, 3, -huge, 0, 0, 0, 0),  # relearning, due a day number long past
        ]
        package.revlog = [
            AnkiRevlogEntry(-5, 1000, 3, 1, 0, 2500, 1),
            AnkiRevlogEntry(huge * 1000, 1000, 3, huge, huge, huge, 1),
            AnkiRevlogEntry(ms(NOW - timedelta(days=1)), 1000, 3, huge, -huge, huge, 1),
        ]
        package.collection_created = -huge
        user, [result] = run_import(package)
        assert result.added == 3 and result.reviews == 1
        states = [state_of(user, card) for card in cards_by_key("French").values()]
        assert all(s.interval_days <= 36_500 and s.ease_hundredths >= 130 and s.lapses >= 0 for s in states)
        assert_counters_exact()


def test_a_zone_half_an_hour_off_turns_its_days_on_the_half_hour(app):
    with app.app_context():
        user = get_or_create_user(db.session, "alice")
        user.timezone, user.day_starts_at_hour = "Asia/Kolkata", 4  # UTC+5:30: the day turns at 22:30 UTC
        db.session.commit()
        package = sample()
        before = datetime(2026, 3, 1, 22, 10, tzinfo=UTC)
        after = datetime(2026, 3, 1, 22, 50, tzinfo=UTC)
        package.revlog = [
            AnkiRevlogEntry(ms(before), 1005, 3, 4, 1, 2500, 1),
            AnkiRevlogEntry(ms(after), 1005, 3, 4, 1, 2500, 1),
        ]
        run_import(package)
        days = db.session.scalars(select(ReviewLog.review_day).order_by(ReviewLog.reviewed_at)).all()
        assert days == [date(2026, 3, 1), date(2026, 3, 2)]


def test_a_users_day_start_and_zone_decide_the_review_days(app):
    with app.app_context():
        user = get_or_create_user(db.session, "alice")
        user.timezone, user.day_starts_at_hour = "Asia/Shanghai", 5
        db.session.commit()
        package = sample()
        late = datetime(2026, 3, 1, 20, 30, tzinfo=UTC)  # 04:30 the next morning in Shanghai: still the 1st
        package.revlog = [AnkiRevlogEntry(ms(late), 1005, 3, 4, 1, 2500, 1)]
        run_import(package)
        row = db.session.scalar(select(ReviewLog))
        assert row.review_day == date(2026, 3, 1)


# ------------------------------------------------------------------------------ the command line


def test_an_anki_deck_has_a_card_page_a_backup_and_an_anki_export(app, tmp_path):
    client = log_in(app)
    with app.app_context():
        user = db.session.scalar(select(User).where(User.name == TEST_USER))
        package = sample()
        package.media = {"cat.png": PNG}
        package.notes[0] = AnkiNote(100, "guidBasic", 1, ('<img src="cat.png">chat', "cat"), (), 1)
        import_anki_package(db.session, user, package, NOW)
        db.session.commit()
        card = cards_by_key("French")["anki:guidBasic:0"]
        page = client.get(f"/cards/{card.id}")
        assert page.status_code == 200
        text = page.get_data(as_text=True)
        assert "comes from the Anki deck" in text and "import the note again" not in text
        buffer = io.BytesIO()
        write_backup(db.session, user, buffer)
        other = get_or_create_user(db.session, "bob")
        restored = restore_user(db.session, read_backup(io.BytesIO(buffer.getvalue())), other)
        db.session.commit()
        assert restored.decks == 2 and restored.cards == 8 and restored.reviews == 9
        copy = db.session.scalars(select(Deck).where(Deck.user_id == other.id)).all()
        assert {d.source_path for d in copy} == {"anki:French", "anki:Shell"}
        out = tmp_path / "out.apkg"
        count = export_package(db.session, user, out, NOW, ExportOptions(with_schedule=True))
        db.session.commit()
        assert count is not None and count > 0
        exported = read_package(out.read_bytes())
        assert len(exported.revlog) == 9
        # The deck goes back under its own name, subdecks below it.
        assert {"French", "French::Verbs", "French::Verbs::Irregular", "Shell"} <= set(
            exported.decks.values()
        )
        kept = [c for c in exported.cards if c.queue != -1]
        assert len(kept) == 7  # the suspended card (and the export's retired leftovers) aside
        assert any(name.endswith("cat.png") for name in exported.media)


def test_the_quiz_shows_every_kind_of_card_from_anki(app, tmp_path):
    client = log_in(app)
    with app.app_context():
        user = db.session.scalar(select(User).where(User.name == TEST_USER))
        package = sample()
        package.media = {"cat.png": PNG}
        package.notes[0] = AnkiNote(100, "guidBasic", 1, ('<img src="cat.png">chat<br>noir', "cat"), (), 1)
        import_anki_package(db.session, user, package, NOW)
        db.session.commit()
        cards = {**cards_by_key("French"), **cards_by_key("Shell")}
        for key, card in cards.items():
            for show in ("0", "1"):
                page = client.get(f"/quiz/card/{card.id}?show={show}")
                assert page.status_code == 200, (key, show)
        front = client.get(f"/quiz/card/{cards['anki:guidBasic:0'].id}").get_data(as_text=True)
        assert "/media/" in front and "chat<br />" in front and "noir" in front
        cloze = client.get(f"/quiz/card/{cards['anki:guidCloze:1'].id}").get_data(as_text=True)
        assert "Paris is the capital of [country]" in cloze
        command = cards["anki:guidCmd:0"]
        answered = client.post(f"/quiz/card/{command.id}/answer", data={"typed": "ls -la"})
        wrong = client.post(f"/quiz/card/{command.id}/answer", data={"typed": "rm -rf x"})
        assert answered.status_code == wrong.status_code == 200
        assert "verdict-exact" in answered.get_data(as_text=True)
        assert "verdict-wrong" in wrong.get_data(as_text=True)


def genanki_package(path, *, edited=False):
    """A package as genanki writes it (an ``anki2`` collection): a deck with a subdeck, four note types,
    an image; ``edited`` changes one note's text."""
    top = genanki.Deck(2059400110, "Languages")
    sub = genanki.Deck(2059400111, "Languages::French")
    top.add_note(
        genanki.Note(genanki.BASIC_MODEL, ["hello" + ("!" if edited else ""), "你好"], guid="g-basic")
    )
    sub.add_note(genanki.Note(genanki.BASIC_AND_REVERSED_CARD_MODEL, ["chat", "cat"], guid="g-rev"))
    sub.add_note(
        genanki.Note(
            genanki.CLOZE_MODEL, ["{{c1::Paris}} is the capital of {{c2::France}}", ""], guid="g-cloze"
        )
    )
    sub.add_note(genanki.Note(genanki.BASIC_TYPE_IN_THE_ANSWER_MODEL, ["dog", "chien"], guid="g-typed"))
    sub.add_note(
        genanki.Note(genanki.BASIC_MODEL, ['<img src="cat.png" onerror="alert(1)">', "a cat"], guid="g-img")
    )
    image = path.parent / "cat.png"
    image.write_bytes(PNG)
    genanki.Package([top, sub], media_files=[str(image)]).write_to_file(str(path))
    return path


def test_the_command_imports_a_genanki_package_and_updates_it(app, runner, tmp_path):
    apkg = genanki_package(tmp_path / "languages.apkg")
    result = runner.invoke(args=["anki", "import", str(apkg)])
    assert result.exit_code == 0, result.output
    assert "languages.apkg: Languages (new deck): 7 added, 0 updated, 0 unchanged, 0 retired" in result.output
    assert "1 images" in result.output
    with app.app_context():
        cards = cards_by_key("Languages")
        assert {c.kind for c in cards.values()} == {"concept", "qa", "cloze"}
        assert cards["anki:g-typed:0"].back == "chien"
        assert cards["anki:g-cloze:1"].front == "Paris is the capital of [...]"
        assert cards["anki:g-img:0"].front == "![](<cat.png>)"
        assert cards["anki:g-rev:1"].topic.path == ("French",)
    again = runner.invoke(
        args=["anki", "import", str(genanki_package(tmp_path / "languages.apkg", edited=True))]
    )
    assert again.exit_code == 0, again.output
    assert "Languages (updated): 0 added, 1 updated, 6 unchanged, 0 retired" in again.output


def test_a_bad_package_stores_nothing(app, runner, tmp_path):
    good = genanki_package(tmp_path / "languages.apkg")
    bad = tmp_path / "broken.apkg"
    bad.write_bytes(b"PK\x03\x04 not really a zip")
    result = runner.invoke(args=["anki", "import", str(good), str(bad)])
    assert result.exit_code != 0
    assert "broken.apkg" in result.output and "Nothing was imported." in result.output
    missing = runner.invoke(args=["anki", "import", str(tmp_path / "nowhere.apkg")])
    assert missing.exit_code != 0 and "Nothing was imported." in missing.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Deck)) == 0
        assert db.session.scalar(select(func.count()).select_from(Card)) == 0


@pytest.mark.slow
@pytest.mark.parametrize("legacy", [False, True], ids=["anki21b", "anki21"])
def test_a_package_studied_in_the_real_anki_comes_in_with_its_schedule(app, tmp_path, legacy):
    from anki.collection import Collection, ExportAnkiPackageOptions

    col = Collection(str(tmp_path / "collection.anki2"))
    try:
        top = col.decks.id("Spanish")
        sub = col.decks.id("Spanish::Verbs::Irregular")
        col.media.write_data("pic.png", PNG)
        added = []
        for deck, kind, fields in [
            (top, "Basic", {"Front": "hola<br>amigo", "Back": 'hello <img src="pic.png">'}),
            (top, "Basic (and reversed card)", {"Front": "perro", "Back": "dog"}),
            (sub, "Cloze", {"Text": "{{c1::ser}} and {{c2::estar::verb}} both mean to be"}),
            (sub, "Basic (type in the answer)", {"Front": "to go", "Back": "ir"}),
            (sub, "Basic", {"Front": "<script>alert(1)</script>comer", "Back": "to eat"}),
        ]:
            note = col.new_note(col.models.by_name(kind))
            for name, value in fields.items():
                note[name] = value
            col.add_note(note, deck)
            added.append(note)
        card_ids = sorted(col.find_cards(""))
        assert len(card_ids) == 7
        for card_id, ease in zip(card_ids, (4, 3, 1, 4, 4), strict=False):  # easy graduates, good/again learn
            card = col.get_card(card_id)
            card.start_timer()
            col.sched.answerCard(card, ease)
        col.sched.suspend_cards([card_ids[3]])
        apkg = tmp_path / "spanish.apkg"
        options = ExportAnkiPackageOptions(with_scheduling=True, with_media=True, legacy=legacy)
        col.export_anki_package(out_path=str(apkg), options=options, limit=None)
        anki_cards = {card_id: col.get_card(card_id) for card_id in card_ids}
        anki_today = col.sched.today
        guids = {note.id: note.guid for note in added}
        revlog_rows = col.db.scalar("SELECT count() FROM revlog")
    finally:
        col.close()

    package = read_package(apkg.read_bytes())
    with app.app_context():
        user = get_or_create_user(db.session, "alice")
        user.timezone = "UTC"
        now = datetime.now(UTC)
        [result] = import_anki_package(db.session, user, package, now)
        db.session.commit()
        assert (result.deck.title, result.added, result.media, result.reviews) == (
            "Spanish",
            7,
            1,
            revlog_rows,
        )
        cards = cards_by_key("Spanish")
        today = local_today(user, now)
        for anki in anki_cards.values():
            card = cards[card_key(guids[anki.nid], anki.ord)]
            state = state_of(user, card)
            assert state.suspended == (anki.queue == -1)
            if anki.type == 0:
                assert state.due is None
            elif anki.type == 2:
                assert state.interval_days == anki.ivl and state.ease_hundredths == anki.factor // 10
                assert state.due == today + timedelta(days=anki.due - anki_today)
            else:
                assert state.due == today and state.interval_days == 0
        basic = cards[card_key(guids[added[0].id], 0)]
        assert basic.front == "hola  \namigo" and basic.back == "hello ![](<pic.png>)"
        assert cards[card_key(guids[added[3].id], 0)].kind == "qa"
        cloze = cards[card_key(guids[added[2].id], 1)]
        assert cloze.front == "ser and [verb] both mean to be"
        assert "alert" not in cards[card_key(guids[added[4].id], 0)].front
        assert_counters_exact()


def test_0017_gives_a_note_named_like_an_anki_deck_its_new_identity_and_lets_imports_hold_the_counters(
    database_url, tmp_path
):
    from flask_migrate import downgrade, upgrade

    from tests.conftest import drop_schema, make_app
    from tests.test_migrations import insert

    app = make_app(database_url, tmp_path)
    drop_schema(app)
    try:
        with app.app_context():
            directory = app.extensions["migrate"].directory
            upgrade(directory=directory, revision="0016")
            with db.engine.begin() as conn:
                insert(conn, "users", id=1, name="mei", name_key="mei", session_token="t", created_at=NOW)
                for deck_id, path in ((1, "anki:x.md"), (2, "notes.md")):
                    insert(  # (an id from the database: an explicit one leaves the sequence behind)
                        conn,
                        "decks",
                        user_id=1,
                        title=path,
                        slug=f"s{deck_id}",
                        source_path=path,
                        content_hash="abc",
                        imported_at=NOW,
                    )

            def identities():
                with db.engine.connect() as conn:
                    return [
                        row[0] for row in conn.execute(sa.text("SELECT source_path FROM decks ORDER BY id"))
                    ]

            upgrade(directory=directory)
            assert identities() == ["./anki:x.md", "notes.md"]
            mei = db.session.get(User, 1)
            mei.timezone = "UTC"
            [result] = import_anki_package(db.session, mei, sample_with_one_deck(), NOW)
            db.session.commit()
            assert result.created and result.reviews == 9
            assert_counters_exact()
            db.session.remove()
            downgrade(directory=directory, revision="0016")
            assert identities()[:2] == ["anki:x.md", "notes.md"]
    finally:
        drop_schema(app)


def sample_with_one_deck() -> AnkiPackage:
    package = sample()
    package.cards = [c for c in package.cards if c.deck_id != 20]
    return package


@pytest.mark.parametrize(("zone", "day_start"), [("UTC", 4), ("Asia/Shanghai", 5)])
def test_a_wengu_export_imported_back_has_the_same_schedule_and_history(app, tmp_path, zone, day_start):
    from tests.test_anki_schedule_roundtrip import glossary, study, wengu_guids

    note = tmp_path / "glossary.md"
    note.write_text(glossary(), encoding="utf-8")
    now = datetime.now(UTC)
    with app.app_context():
        session = db.session
        users = []
        for name in ("mei", "li"):
            user = get_or_create_user(session, name)
            user.timezone, user.day_starts_at_hour = zone, day_start
            users.append(user)
        mei, li = users
        import_note_files(session, mei, [note])
        session.commit()
        study(session, mei, now - timedelta(days=19), 12)
        out = tmp_path / "schedule.apkg"
        assert export_package(session, mei, out, now, ExportOptions(with_schedule=True))
        session.commit()
        guids = wengu_guids(session, mei)
        results = import_anki_package(session, li, read_package(out.read_bytes()), now)
        session.commit()
        assert [r.deck.title for r in results] == ["Glossary"]
        assert results[0].reviews == session.scalar(
            select(func.count()).select_from(ReviewLog).where(ReviewLog.user_id == mei.id)
        )
        imported = cards_by_key("Glossary")
        assert len(imported) == len(guids)
        compared = 0
        for guid, card in guids.items():
            copy = imported[card_key(guid, 0)]
            assert (copy.kind, copy.topic.path) == (card.kind, card.topic.path[1:])
            if card.kind == "command":
                assert copy.back == card.back
            mine, theirs = state_of(mei, card), state_of(li, copy)
            if mine.due is None:
                assert theirs.due is None
                continue
            assert (theirs.due, theirs.ease_hundredths, theirs.lapses) == (
                mine.due,
                mine.ease_hundredths,
                mine.lapses,
            )
            assert theirs.interval_days == max(1, mine.interval_days)
            assert theirs.repetitions == mine.repetitions and theirs.introduced_on == mine.introduced_on
            grades = [
                (r.grade >= 3, r.drill)
                for r in session.scalars(
                    select(ReviewLog).where(ReviewLog.card_id == card.id).order_by(ReviewLog.id)
                )
            ]
            again = [
                (r.grade >= 3, r.drill)
                for r in session.scalars(
                    select(ReviewLog).where(ReviewLog.card_id == copy.id).order_by(ReviewLog.reviewed_at)
                )
            ]
            assert again == grades
            compared += 1
        assert compared >= 10
        assert_counters_exact()
