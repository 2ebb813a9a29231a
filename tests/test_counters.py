"""The per-topic counters (quiz.counters) stay equal to a count from scratch, whatever writes the rows."""

from __future__ import annotations

import io
import random
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from quiz import backup, counters
from quiz.models import Card, Deck, ReviewState, TopicCount, db
from quiz.notes import parse_note
from quiz.store.days import get_or_create_user, local_today
from quiz.store.grading import record_grade, undo_last
from quiz.store.importing import import_note_files, import_parsed
from quiz.store.progress import reviews_per_day, topic_progress
from quiz.store.queue import next_card_id
from quiz.store.scopes import IN_QUIZ, STAGES
from tests.conftest import TEST_USER, counter_mismatches

START = datetime(2026, 3, 2, 12, tzinfo=UTC)
GIT_NOTE = "# Git\n\n- `git status`: show the state\n"


def note(version: int) -> str:
    """A note whose later versions move, retire and add cards, and drop a topic."""
    parts = ["# Shell\n", "## Files\n", "- `ls -la`: list every file\n", "- `pwd`: print the directory\n"]
    if version == 0:
        parts += ["## Moving\n", "- `cd dir`: enter a directory\n", "- `mv a b`: rename a file\n"]
        parts += ["## Search\n", "- `grep -r x .`: search the tree\n", "- `find . -name x`: find files\n"]
    else:
        parts += ["- `cd dir`: enter a directory\n", "- `cp a b`: copy a file\n"]  # moved + new
        parts += ["## Search\n", "- `grep -r x .`: search the tree\n"]  # one retired
    parts += ["term:: a word with a meaning\n"]
    return "\n".join(parts)


def check(app) -> None:
    with db.engine.connect() as conn:
        assert counter_mismatches(conn) == []
    # The SQLAlchemy forms of "in the quiz" and the stages (quiz.store.scopes) count what the triggers'
    # SQL forms (quiz.counters) count.
    columns = (TopicCount.cards, TopicCount.new, TopicCount.learning, TopicCount.mature)
    by_counters = tuple(
        db.session.execute(sa.select(*(sa.func.coalesce(sa.func.sum(c), 0) for c in columns))).one()
    )
    in_quiz = sa.select(sa.func.count()).select_from(ReviewState).where(IN_QUIZ)
    by_scopes = (db.session.scalar(in_quiz),) + tuple(
        db.session.scalar(in_quiz.where(STAGES[stage])) for stage in ("new", "learning", "mature")
    )
    assert by_counters == by_scopes


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_counters_follow_grades_undo_suspend_reimport_restore_and_delete(app, tmp_path: Path, seed: int):
    rng = random.Random(seed)
    path = tmp_path / "shell.md"
    path.write_text(note(0), encoding="utf-8")
    with app.app_context():
        session = db.session
        user = get_or_create_user(session, TEST_USER)
        user.timezone = "UTC"
        import_note_files(session, user, [path])
        session.commit()
        check(app)
        now = START
        version = 0
        for _step in range(60):
            op = rng.choice(["grade"] * 6 + ["undo", "suspend", "reimport", "day"])
            today = local_today(user, now)
            if op == "grade":
                found = next_card_id(session, user, today, 20)
                if found is not None:
                    card = session.get(Card, found[0])
                    record_grade(session, user, card, rng.randint(0, 5), now)
            elif op == "undo":
                undo_last(session, user, today)
            elif op == "suspend":
                state = session.scalars(sa.select(ReviewState).where(ReviewState.user_id == user.id)).all()
                if state:
                    chosen = rng.choice(state)
                    chosen.suspended = not chosen.suspended
            elif op == "reimport":
                version = 1 - version
                path.write_text(note(version), encoding="utf-8")
                import_note_files(session, user, [path])
            else:
                now += timedelta(days=rng.choice([1, 1, 2, 6, 20]))
            session.commit()
            check(app)

        # The progress page's numbers are the counters' and agree with the states themselves.
        [tree] = topic_progress(session, user, local_today(user, now))
        states = session.scalars(
            sa.select(ReviewState).where(
                ReviewState.user_id == user.id, ReviewState.active.is_(True), ReviewState.suspended.is_(False)
            )
        ).all()
        assert tree.cards == len(states)
        assert tree.new == sum(s.due is None for s in states)
        assert tree.due == sum(s.due is not None and s.due <= local_today(user, now) for s in states)

        # A restore into another account counts there; deleting a deck takes its counts with it.
        data = backup.read_backup(io.BytesIO(_backup_bytes(session, user)))
        other = get_or_create_user(session, "bob")
        backup.restore_user(session, data, other)
        session.commit()
        check(app)

        def total(user_id: int) -> int:
            rows = session.scalars(sa.select(TopicCount).where(TopicCount.user_id == user_id))
            return sum(c.cards for c in rows)

        assert total(other.id) == total(user.id) == tree.cards
        for deck in session.scalars(sa.select(Deck).where(Deck.user_id == user.id)):
            session.delete(deck)
        session.commit()
        check(app)
        left = session.scalars(sa.select(TopicCount).where(TopicCount.user_id == user.id)).all()
        assert all(c.cards == c.new == c.learning == c.mature == c.ease_sum == 0 for c in left)


def _backup_bytes(session, user) -> bytes:
    out = io.BytesIO()
    backup.write_backup(session, user, out)
    return out.getvalue()


def test_retention_counts_scheduled_reviews_and_drills_apart(app):
    """review_day_counts: scheduled reviews and passes per topic and day; drills counted on their own."""
    with app.app_context():
        session = db.session
        user = get_or_create_user(session, TEST_USER)
        user.timezone = "UTC"
        import_parsed(session, user, [("git.md", GIT_NOTE, parse_note(GIT_NOTE))])
        session.commit()
        card = session.scalars(sa.select(Card)).one()
        record_grade(session, user, card, 2, START)  # scheduled, failed: drill follows
        record_grade(session, user, card, 3, START + timedelta(minutes=1))  # drill, still pending
        record_grade(session, user, card, 5, START + timedelta(minutes=2))  # drill, passed
        session.commit()
        check(app)
        day = START.date()
        assert reviews_per_day(session, user, day, day) == {day: 3}
        [tree] = topic_progress(session, user, day)
        assert (tree.reviews_30d, tree.passed_30d) == (1, 0)
        undo_last(session, user, day)
        session.commit()
        check(app)
        assert reviews_per_day(session, user, day - timedelta(days=1), date(2026, 12, 31)) == {day: 2}


def test_install_replaces_an_older_version_of_the_triggers(app):
    """install() leaves this module's trigger bodies, whatever an older install left behind."""
    with app.app_context():
        with db.engine.begin() as conn:
            counters.uninstall(conn)
            if conn.dialect.name == "sqlite":
                conn.exec_driver_sql(
                    "CREATE TRIGGER trg_review_states_counts_insert AFTER INSERT ON review_states "
                    "BEGIN SELECT 1; END"
                )
            else:
                conn.exec_driver_sql(
                    "CREATE FUNCTION trg_review_states_counts() RETURNS trigger LANGUAGE plpgsql AS "
                    "$$ BEGIN RETURN NULL; END $$"
                )
                conn.exec_driver_sql(
                    "CREATE TRIGGER trg_review_states_counts AFTER INSERT ON review_states "
                    "FOR EACH ROW EXECUTE FUNCTION trg_review_states_counts()"
                )
            counters.install(conn)
        session = db.session
        user = get_or_create_user(session, TEST_USER)
        import_parsed(session, user, [("git.md", GIT_NOTE, parse_note(GIT_NOTE))])
        session.commit()
        check(app)
        assert session.scalars(sa.select(TopicCount.cards)).all() == [1]
