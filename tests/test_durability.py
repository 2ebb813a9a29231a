"""Nothing lost: one review per shown card, races between requests, and kill -9 during an import."""

from __future__ import annotations

import os
import re
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from quiz.models import Card, ReviewLog, ReviewState, User, db, now_utc
from quiz.store.grading import record_grade
from quiz.store.importing import import_note_files
from tests.conftest import ROOT, TEST_USER


def import_git(app, notes_dir) -> int:
    with app.app_context():
        user = db.session.scalars(select(User).where(User.name == TEST_USER)).one()
        import_note_files(db.session, user, [notes_dir / "git.md"])
        db.session.commit()
        return db.session.scalars(select(Card).order_by(Card.position)).first().id


def log_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(ReviewLog))


def test_two_tabs_showing_the_same_card_record_one_review(app, client, notes_dir):
    card_id = import_git(app, notes_dir)
    tab1 = client.get(f"/quiz/card/{card_id}?show=1").get_data(as_text=True)
    tab2 = client.get(f"/quiz/card/{card_id}?show=1").get_data(as_text=True)
    version = re.search(r'name="version" value="(\d+)"', tab1).group(1)
    assert re.search(r'name="version" value="(\d+)"', tab2).group(1) == version
    assert (
        client.post(f"/quiz/card/{card_id}/grade", data={"grade": "4", "version": version}).status_code == 302
    )
    response = client.post(f"/quiz/card/{card_id}/grade", data={"grade": "1", "version": version})
    assert response.status_code == 302
    assert "already graded" in client.get(response.headers["Location"], follow_redirects=True).get_data(
        as_text=True
    )
    assert log_count(app) == 1


def test_a_double_click_on_a_drill_grade_records_it_once(app, client, notes_dir):
    card_id = import_git(app, notes_dir)
    page = client.get(f"/quiz/card/{card_id}?show=1").get_data(as_text=True)
    version = re.search(r'name="version" value="(\d+)"', page).group(1)
    client.post(f"/quiz/card/{card_id}/grade", data={"grade": "2", "version": version})  # now in the drill
    page = client.get(f"/quiz/card/{card_id}?show=1").get_data(as_text=True)
    drill_version = re.search(r'name="version" value="(\d+)"', page).group(1)
    assert drill_version != version
    for _ in range(2):
        client.post(f"/quiz/card/{card_id}/grade", data={"grade": "3", "version": drill_version})
    assert log_count(app) == 2


def test_two_requests_racing_on_one_card_write_one_review(app, client, notes_dir):
    card_id = import_git(app, notes_dir)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def grade(value: int) -> None:
        with app.app_context():
            user = db.session.scalars(select(User).where(User.name == TEST_USER)).one()
            card = db.session.get(Card, card_id)
            version = db.session.get(ReviewState, (user.id, card_id)).version
            barrier.wait()
            try:
                record_grade(db.session, user, card, value, now_utc(), expected_version=version)
                db.session.commit()
                outcomes.append("saved")
            except Exception as exc:  # the loser's error is the point of the test
                db.session.rollback()
                outcomes.append(type(exc).__name__)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=grade, args=(g,)) for g in (5, 1)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(outcomes)[-1] == "saved" and outcomes.count("saved") == 1, outcomes
    assert log_count(app) == 1
    with app.app_context():
        state = db.session.scalars(select(ReviewState).where(ReviewState.card_id == card_id)).one()
        log = db.session.scalars(select(ReviewLog)).one()
        assert (state.repetitions, state.ease_hundredths) == (
            log.repetitions_after,
            log.ease_hundredths_after,
        )


def test_sqlite_runs_in_wal_mode_with_a_busy_timeout(app):
    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            pytest.skip("SQLite settings")
        with db.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 10000
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def _notes_folder(folder: Path, files: int = 160) -> Path:
    folder.mkdir()
    body = "".join(f"- `tool{n} sub{n} --flag{n}` does thing number {n}\n" for n in range(120))
    for i in range(files):
        (folder / f"note{i:03d}.md").write_text(f"# Note {i}\n\n## Part\n\n{body}", encoding="utf-8")
    return folder


def _env(db_path: Path) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{db_path}",
        "SECRET_KEY": "kill-test",
        "FLASK_APP": "app",
    }


def _flask_run(args: list[str], db_path: Path) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "flask", *args]
    return subprocess.run(command, cwd=ROOT, env=_env(db_path), capture_output=True, text=True, timeout=300)


def _flask_start(args: list[str], db_path: Path) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "flask", *args]
    return subprocess.Popen(
        command, cwd=ROOT, env=_env(db_path), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )


@pytest.mark.slow
def test_kill_9_during_an_import_leaves_a_consistent_database(tmp_path):
    db_path = tmp_path / "wengu.sqlite"
    setup = _flask_run(["init-db", "--no-demo"], db_path)
    assert setup.returncode == 0, setup.stderr
    folder = _notes_folder(tmp_path / "notes")
    files = len(list(folder.iterdir()))
    wal = db_path.with_name(db_path.name + "-wal")
    outcomes = []
    # First kill the moment the import starts writing (the write-ahead log grows), then at fixed delays.
    for delay in ("first write", 0.4, 1.0, 1.6, 2.2, 2.8):
        wal_size = wal.stat().st_size if wal.exists() else 0
        process = _flask_start(["notes", "import", str(folder)], db_path)
        if delay == "first write":
            deadline = time.monotonic() + 120
            while process.poll() is None and time.monotonic() < deadline:
                if wal.exists() and wal.stat().st_size > wal_size:
                    break
                time.sleep(0.002)
        else:
            time.sleep(delay)
        finished = process.poll() is not None
        if not finished:
            process.send_signal(signal.SIGKILL)
        process.wait(timeout=60)
        outcomes.append((delay, "finished" if finished else "killed"))
        with sqlite3.connect(db_path) as conn:
            assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            decks, cards, states = (
                conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
                for table in ("decks", "cards", "review_states")
            )
            assert decks in (0, files), (delay, decks)  # all of the import or none of it
            assert cards == states == decks * 120
            orphans = conn.execute(
                "SELECT count(*) FROM cards WHERE deck_id NOT IN (SELECT id FROM decks)"
            ).fetchone()[0]
            assert orphans == 0
        if decks:
            break
    assert ("first write", "killed") in outcomes, outcomes
    # The database is still good for work.
    final = _flask_run(["notes", "import", str(folder)], db_path)
    assert final.returncode == 0, final.stderr
    with sqlite3.connect(db_path) as conn:
        assert conn.execute("SELECT count(*) FROM decks").fetchone()[0] == files
