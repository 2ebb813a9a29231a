"""Safe against hostile files: a card's source comes from the database, never from a path it stores,
and restore (like the database itself) refuses every value the app cannot use."""

from __future__ import annotations

import ast
import io
import zipfile
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from sqlalchemy import func, select

from quiz import accounts, limits
from quiz.backup import BackupError, dump_user, read_backup, restore_user
from quiz.models import AnkiExport, Card, Deck, ReviewLog, ReviewState, Topic, User, db
from quiz.store.days import get_or_create_user
from quiz.store.grading import record_grade
from quiz.store.importing import import_note_files
from tests.conftest import ROOT, SAMPLE_NOTES, TEST_PASSWORD, TEST_USER, log_in
from tests.test_backup import card0, gz, valid_backup
from tests.test_import_web import form_of, upload

MARKER = "TOP-SECRET-KEY-7c1e0b"
NOTE = (
    "# Git\n\n## Branches\n\n- `git branch` lists local branches\n- `git switch -c NAME` creates a branch\n"
)


def restore_as(app: Flask, data: dict[str, Any], name: str = TEST_USER) -> None:
    """Restore ``data`` into a new account ``name`` (with the test password)."""
    with app.app_context():
        user = accounts.create_user(db.session, name, TEST_PASSWORD)
        restore_user(db.session, data, user)
        db.session.commit()


def card_ids(app: Flask) -> list[int]:
    with app.app_context():
        return list(db.session.scalars(select(Card.id).order_by(Card.id)))


# --- 1. a card's source ---------------------------------------------------------------------------


@pytest.mark.parametrize("target", ["secret_key", "/etc/passwd"])
def test_a_crafted_backup_cannot_show_a_server_file(app, tmp_path, target):
    secret = Path(app.instance_path) / "secret_key"
    secret.parent.mkdir(parents=True, exist_ok=True)
    secret.write_text(f"{MARKER}\n" * 20)
    path = str(secret) if target == "secret_key" else target
    data = valid_backup()
    deck = data["decks"][0]
    deck["source_path"] = path
    card0(data)["line"] = 1
    restore_as(app, data)
    client = log_in(app)
    [card_id] = card_ids(app)
    page = client.get(f"/cards/{card_id}").get_data(as_text=True)
    assert MARKER not in page and "root:x:0:0" not in page
    assert path not in page  # the stored path is not shown either
    assert "The source of this card is not stored" in page
    assert "git branch" in page  # the card itself is there


def test_a_backup_carries_the_note_text_and_a_restore_shows_it(app, notes_dir):
    with app.app_context():
        alice = accounts.create_user(db.session, "alice-source", TEST_PASSWORD)
        import_note_files(db.session, alice, [notes_dir / "git.md"])
        db.session.commit()
        data = read_backup(gz(dump_user(db.session, alice)))
    assert data["decks"][0]["source_text"] == (notes_dir / "git.md").read_text()
    assert data["decks"][0]["source_name"] == "git.md"
    data["decks"][0]["source_path"] = "/etc/passwd"  # only an identity: never opened
    (notes_dir / "git.md").unlink()
    restore_as(app, data)
    client = log_in(app)
    with app.app_context():
        mine = (
            select(Card.id).join(Deck).join(User).where(User.name == TEST_USER, Card.back == "git remote -v")
        )
        card_id = db.session.scalar(mine)
    page = client.get(f"/cards/{card_id}").get_data(as_text=True)
    assert '<span class="hl"><span class="ln">' in page and "shows the remotes" in page
    assert "<code>git.md</code>" in page and "/etc/passwd" not in page and "root:x" not in page


def test_uploaded_cards_show_their_source_lines(app, client):
    # Through the browser: a zip of a folder is uploaded, previewed and confirmed.
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("notes/git.md", NOTE)
    preview = upload(client, ("notes.zip", archive.getvalue())).headers["Location"]
    client.post(preview, data=form_of(client.get(preview).get_data(as_text=True)))
    with app.app_context():
        card_id = db.session.scalar(select(Card.id).where(Card.back == "git branch"))
    page = client.get(f"/cards/{card_id}").get_data(as_text=True)
    assert "cannot be read" not in page and "upload:" not in page
    assert "<code>notes/git.md</code>" in page
    assert '<span class="hl"><span class="ln">5</span>- `git branch` lists local branches</span>' in page


def test_demo_cards_show_no_server_path(app, client):
    assert client.post("/demo", data={}).status_code == 302
    server_dirs = {str(SAMPLE_NOTES.parent), str(ROOT), app.root_path, str(Path(app.root_path).resolve())}
    ids = card_ids(app)
    assert ids
    pages = [client.get(f"/cards/{card_id}").get_data(as_text=True) for card_id in ids[:5]]
    pages += [client.get(path).get_data(as_text=True) for path in ("/cards", "/", "/progress")]
    for page in pages:
        for directory in server_dirs:
            assert directory not in page
    assert all("<code>docker-notes.md</code>" in page for page in pages[:5])
    assert all('class="hl"' in page for page in pages[:5])


def test_a_deck_without_text_says_so_and_a_reimport_brings_the_text(app, client, notes_dir):
    """A deck from before the text was kept (the migration cannot read files either)."""
    with app.app_context():
        user = db.session.scalars(select(User).where(User.name == TEST_USER)).one()
        import_note_files(db.session, user, [notes_dir / "git.md"])
        db.session.execute(sa.update(Deck).values(source_text=None, source_name=None))
        db.session.commit()
        card_id = db.session.scalar(select(Card.id).where(Card.back == "git branch"))
    page = client.get(f"/cards/{card_id}").get_data(as_text=True)
    assert "The source of this card is not stored; import the note again to see it here." in page
    assert "<code>git</code>" in page  # the deck's title stands in for the file name
    client.post(
        "/settings",
        data={
            "new_cards_per_day": 20,
            "reviews_per_day": 200,
            "day_starts_at_hour": 4,
            "timezone": "UTC",
            "locale": "zh",
        },
    )
    assert "此卡片的出处未保存" in client.get(f"/cards/{card_id}").get_data(as_text=True)
    with app.app_context():
        user = db.session.scalars(select(User).where(User.name == TEST_USER)).one()
        [result] = import_note_files(db.session, user, [notes_dir / "git.md"])  # unchanged note
        assert result.unchanged == 3
        db.session.commit()
    page = client.get(f"/cards/{card_id}").get_data(as_text=True)
    assert "此卡片的出处未保存" not in page and "<code>git.md</code>" in page and 'class="hl"' in page


def test_a_folder_import_names_notes_relative_to_the_folder(app, notes_dir):
    (notes_dir / "sub").mkdir()
    (notes_dir / "sub" / "more.md").write_text(NOTE)
    with app.app_context():
        user = get_or_create_user(db.session, "names")
        import_note_files(db.session, user, [notes_dir])
        names = set(db.session.scalars(select(Deck.source_name)))
    assert names == {"git.md", "linux.md", "sub/more.md"}


# Every function in quiz/ that touches files, and where its paths come from: none from the database.
FILE_READERS = {
    ("quiz/store/importing.py", "_named_note_files"): "paths given to `flask notes import`, or DEMO_NOTES",
    ("quiz/store/importing.py", "import_note_files"): "the files _named_note_files listed",
    ("quiz/cli.py", "preview_command"): "the path argument of `flask notes preview`",
    ("quiz/cli.py", "backup_command"): "the output path of `flask backup`",
    ("quiz/cli.py", "restore_command"): "the input path of `flask restore`",
    ("quiz/answers.py", "_read_toml"): "the alias table shipped in quiz/",
    ("quiz/accounts.py", "common_passwords"): "the common-password list shipped in quiz/",
    ("quiz/backup.py", "read_backup"): "a file object (upload or the CLI's file)",
    ("quiz/backup.py", "keep_upload"): "instance/restores/: a checked upload, by user id and token",
    ("quiz/backup.py", "kept_upload"): "that file, by the user's id and the token in their session",
    ("quiz/backup.py", "discard_uploads"): "the user's own files in instance/restores/",
    ("quiz/export.py", "write_package"): "a temporary file the export makes",
    ("quiz/views.py", "export_anki"): "that temporary file",
    ("quiz/views.py", "download_backup"): "an in-memory buffer",
    ("quiz/uploads.py", "_read_zip_unchecked"): "an uploaded zip, in memory",
    ("quiz/uploads.py", "_read_member"): "a member of that zip",
    ("quiz/uploads.py", "_read_image_member"): "an image member of that zip",
    ("quiz/cli.py", "anki_import_command"): "the package paths given to `flask anki import`",
    ("quiz/anki_package.py", "_open_zip"): "an Anki package's bytes, in memory",
    ("quiz/anki_package.py", "_chunks"): "a member of that package's zip",
    ("quiz/anki_package.py", "_unpack_collection"): "a temporary file the package reader makes",
    ("quiz/store/media.py", "_read_regular_file"): (
        "an image a note given to `flask notes import` refers to, resolved inside the folder given"
    ),
}
OPENERS = {
    "open",
    "read_bytes",
    "read_text",
    "open_text",
    "open_binary",
    "rglob",
    "glob",
    "iterdir",
    "is_file",
    "is_dir",
    "exists",
    "stat",
    "send_file",
    "send_from_directory",
    "GzipFile",
    "ZipFile",
}


def test_quiz_opens_no_path_from_the_database():
    """A grep in code: only the known functions touch files, and none of them reads a deck's
    stored path.  A new file access in quiz/ must be added to FILE_READERS, with its origin, on purpose."""
    found: set[tuple[str, str]] = set()
    for path in sorted([*(ROOT / "quiz").glob("*.py"), *(ROOT / "quiz" / "store").glob("*.py")]):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for function in ast.walk(tree):
            if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            calls = {
                node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
                for node in ast.walk(function)
                if isinstance(node, ast.Call)
            }
            if calls & OPENERS:
                key = (path.relative_to(ROOT).as_posix(), function.name)
                found.add(key)
                names = {n.attr for n in ast.walk(function) if isinstance(n, ast.Attribute)}
                names |= {n.id for n in ast.walk(function) if isinstance(n, ast.Name)}
                assert not names & {"source_path", "Deck"}, f"{key} touches files and reads a deck"
    assert found <= FILE_READERS.keys(), sorted(found - FILE_READERS.keys())


# --- 4. restore checks every value against the domain limits ----------------------------------------


def state0(data: dict[str, Any]) -> dict[str, Any]:
    return card0(data)["state"]


def log0(data: dict[str, Any]) -> dict[str, Any]:
    return card0(data)["log"][0]


BAD_VALUES = [
    (
        "ease-zero",
        lambda d: state0(d).update(ease_hundredths=0),
        r"cards\[0\]\.state\.ease_hundredths: must be 130",
    ),
    (
        "ease-negative",
        lambda d: state0(d).update(ease_hundredths=-250),
        r"state\.ease_hundredths: must be 130 or more",
    ),
    (
        "ease-129",
        lambda d: state0(d).update(ease_hundredths=129),
        r"state\.ease_hundredths: must be 130 or more",
    ),
    (
        "interval-negative",
        lambda d: state0(d).update(interval_days=-1),
        r"state\.interval_days: must be 0-36500",
    ),
    (
        "interval-2**63",
        lambda d: state0(d).update(interval_days=2**63),
        r"state\.interval_days: .*out of range",
    ),
    (
        "interval-huge",
        lambda d: state0(d).update(interval_days=2**62),
        r"state\.interval_days: must be 0-36500",
    ),
    ("repetitions", lambda d: state0(d).update(repetitions=-1), r"state\.repetitions: must be 0 or more"),
    ("lapses", lambda d: state0(d).update(lapses=-3), r"state\.lapses: must be 0 or more"),
    (
        "passes-without-interval",
        lambda d: state0(d).update(repetitions=2, interval_days=0),
        r"state\.interval_days: interval_days must be 1 or more once repetitions is 2 or more",
    ),
    (
        "hour",
        lambda d: d["user"].update(day_starts_at_hour=99),
        r"user\.day_starts_at_hour: must be 0-23, got 99",
    ),
    (
        "timezone",
        lambda d: d["user"].update(timezone="Mars/Olympus"),
        r"user\.timezone: unknown time zone 'Mars/Olympus'",
    ),
    ("locale", lambda d: d["user"].update(locale="xx"), r"user\.locale: must be one of zh, en, got 'xx'"),
    (
        "new-per-day",
        lambda d: d["user"].update(new_cards_per_day=-1),
        r"user\.new_cards_per_day: must be 0-9999",
    ),
    (
        "reviews-per-day",
        lambda d: d["user"].update(reviews_per_day=10**6),
        r"user\.reviews_per_day: must be 0-99999",
    ),
    (
        "kind",
        lambda d: card0(d).update(kind="<script>"),
        r"decks\[0\]\.cards\[0\]\.kind: must be one of command, concept, cloze, qa, got '<script>'",
    ),
    ("line", lambda d: card0(d).update(line=-1), r"cards\[0\]\.line: must be 0 or more"),
    ("grade", lambda d: log0(d).update(grade=-1), r"log\[0\]\.grade: must be 0-5, got -1"),
    (
        "log-ease",
        lambda d: log0(d).update(ease_hundredths_after=0),
        r"log\[0\]\.ease_hundredths_after: must be 130",
    ),
    (
        "log-interval",
        lambda d: log0(d).update(interval_days_before=-7),
        r"log\[0\]\.interval_days_before: must be 0",
    ),
    ("topic-position", lambda d: d["decks"][0]["topics"][0].update(position=-1), r"topics\[0\]\.position"),
    ("export", lambda d: d["anki_exports"][0].update(note_count=-1), r"anki_exports\[0\]\.note_count"),
]


@pytest.mark.parametrize(("mutate", "message"), [c[1:] for c in BAD_VALUES], ids=[c[0] for c in BAD_VALUES])
def test_restore_refuses_values_out_of_the_domain_limits(mutate, message):
    data = valid_backup()
    mutate(data)
    with pytest.raises(BackupError, match=message):
        read_backup(gz(data))


def table_counts() -> dict[str, int]:
    return {
        model.__name__: db.session.scalar(select(func.count()).select_from(model))
        for model in (Deck, Topic, Card, ReviewState, ReviewLog, AnkiExport)
    }


@pytest.mark.parametrize(("mutate", "message"), [c[1:] for c in BAD_VALUES], ids=[c[0] for c in BAD_VALUES])
def test_a_refused_restore_stores_nothing(app, mutate, message):
    data = valid_backup()
    mutate(data)
    with app.app_context():
        user = get_or_create_user(db.session, "victim")
        db.session.commit()
        before = table_counts()
        with pytest.raises(BackupError, match=message):
            restore_user(db.session, data, user)
        db.session.flush()
        assert table_counts() == before
        assert (user.timezone, user.locale, user.day_starts_at_hour) == (None, None, 4)


def test_a_good_backup_still_restores_and_grades(app):
    restore_as(app, valid_backup())
    client = log_in(app)
    [card_id] = card_ids(app)
    with app.app_context():
        user = db.session.scalars(select(User).where(User.name == TEST_USER)).one()
        card = db.session.get(Card, card_id)
        record_grade(db.session, user, card, 5, datetime(2026, 3, 11, 9, tzinfo=UTC))
        db.session.commit()
    assert client.get(f"/cards/{card_id}").status_code == 200


# Writes the database must refuse by itself: (table, column, bad value) for every CHECK constraint.
BAD_ROWS = [
    ("users", "day_starts_at_hour", 99),
    ("users", "day_starts_at_hour", -1),
    ("users", "locale", "xx"),
    ("users", "new_cards_per_day", -1),
    ("users", "reviews_per_day", 100_000),
    ("topics", "position", -1),
    ("cards", "kind", "<script>"),
    ("cards", "note_kind", "<script>"),
    ("cards", "line", -1),
    ("cards", "position", -1),
    ("review_states", "ease_hundredths", 0),
    ("review_states", "ease_hundredths", 129),
    ("review_states", "interval_days", -1),
    ("review_states", "interval_days", limits.MAX_INTERVAL_DAYS + 1),
    ("review_states", "repetitions", -1),
    ("review_states", "lapses", -1),
    ("review_log", "grade", 6),
    ("review_log", "grade", -1),
    ("review_log", "ease_hundredths_before", 0),
    ("review_log", "ease_hundredths_after", 100),
    ("review_log", "interval_days_before", -1),
    ("review_log", "interval_days_after", 2**62),
    ("review_log", "repetitions_before", -1),
    ("review_log", "repetitions_after", -1),
    ("review_log", "lapses_before", -1),
    ("anki_exports", "timestamp", -1),
    ("anki_exports", "note_count", -1),
]


def refused_writes(engine: sa.Engine) -> list[str]:
    """Try every bad write of BAD_ROWS on the first row of its table; return those the database took."""
    taken = []
    with engine.connect() as conn:
        for table, column, value in BAD_ROWS:
            trans = conn.begin()
            try:
                conn.execute(sa.text(f"UPDATE {table} SET {column} = :v"), {"v": value})
            except sa.exc.IntegrityError:
                pass
            else:
                taken.append(f"{table}.{column} = {value!r}")
            finally:
                trans.rollback()
        for table, assignments in (
            ("review_states", "repetitions = 2, interval_days = 0"),
            ("review_log", "repetitions_after = 3, interval_days_after = 0"),
        ):
            trans = conn.begin()
            try:
                conn.execute(sa.text(f"UPDATE {table} SET {assignments}"))
            except sa.exc.IntegrityError:
                pass
            else:
                taken.append(f"{table}: {assignments}")
            finally:
                trans.rollback()
    return taken


def every_table_has_a_row(engine: sa.Engine) -> None:
    with engine.connect() as conn:
        for table, _column, _value in BAD_ROWS:
            assert conn.scalar(sa.text(f"SELECT count(*) FROM {table}")), table


def test_check_constraints_refuse_bad_rows_written_directly(app):
    restore_as(app, valid_backup())
    with app.app_context():
        every_table_has_a_row(db.engine)
        assert refused_writes(db.engine) == []
        # And the rows are as they were.
        state = db.session.scalars(select(ReviewState)).one()
        assert (state.ease_hundredths, state.interval_days) == (260, 1)


def test_the_constraints_are_the_domain_limits(app):
    """The database's CHECKs are those quiz.limits states, by name (the migration test checks the
    migrated database has the same)."""
    with app.app_context():
        inspector = sa.inspect(db.engine)
        for table in limits.COLUMN_RULES:
            stored = {c["name"] for c in inspector.get_check_constraints(table)}
            expected = {f"ck_{table}_{name}" for name, _sql in limits.check_constraints(table)}
            assert stored == expected, table


def test_grading_caps_the_interval_at_the_documented_maximum(app):
    """SM-2 has no maximum interval; the grade path stores at most MAX_INTERVAL_DAYS, so the due day
    stays a real date and the database's check holds."""
    data = valid_backup()
    state0(data).update(repetitions=9, ease_hundredths=500, interval_days=30_000, due="2026-03-11")
    restore_as(app, data)
    [card_id] = card_ids(app)
    with app.app_context():
        user = db.session.scalars(select(User).where(User.name == TEST_USER)).one()
        log = record_grade(
            db.session, user, db.session.get(Card, card_id), 5, datetime(2026, 3, 11, 9, tzinfo=UTC)
        )
        db.session.commit()
        state = db.session.get(ReviewState, (user.id, card_id))
        assert state.interval_days == log.interval_days_after == limits.MAX_INTERVAL_DAYS
        assert state.due == date(2026, 3, 11) + timedelta(days=limits.MAX_INTERVAL_DAYS)


def test_the_settings_form_uses_the_same_limits(app, client):
    form = {"new_cards_per_day": 20, "reviews_per_day": 200, "timezone": "UTC", "locale": "en"}
    refused = client.post("/settings", data=form | {"day_starts_at_hour": limits.LAST_HOUR + 1})
    assert refused.status_code == 200  # shown again with the error, nothing saved
    assert (
        client.post(
            "/settings", data=form | {"timezone": "Mars/Olympus", "day_starts_at_hour": 4}
        ).status_code
        == 200
    )
    assert client.post("/settings", data=form | {"day_starts_at_hour": limits.LAST_HOUR}).status_code == 302
    with app.app_context():
        user = db.session.scalars(select(User).where(User.name == TEST_USER)).one()
        assert user.day_starts_at_hour == limits.LAST_HOUR and user.timezone == "UTC"


def test_limits_rules_name_the_field():
    column, why = limits.row_problem("review_states", {"repetitions": 2, "interval_days": 0}) or ("", "")
    assert (column, str(why)) == (
        "interval_days",
        "interval_days must be 1 or more once repetitions is 2 or more",
    )
    assert limits.row_problem("review_states", {"repetitions": 2, "interval_days": 1}) is None
    assert limits.column_rule("cards", "kind").problem("qa") is None
    assert limits.cap_interval(10**40) == limits.MAX_INTERVAL_DAYS and limits.cap_interval(6) == 6


def test_flask_restore_names_the_bad_field_and_stores_nothing(app, runner, tmp_path):
    data = valid_backup()
    data["decks"][0]["cards"].append({**card0(data), "key": "k2", "kind": "<script>", "log": []})
    source = tmp_path / "bad.json.gz"
    source.write_bytes(gz(data).getvalue())
    assert runner.invoke(args=["users", "create", "bob", "--password", "another password"]).exit_code == 0
    result = runner.invoke(args=["restore", str(source), "--user", "bob"])
    assert result.exit_code == 1
    expected = "decks[0].cards[1].kind: must be one of command, concept, cloze, qa, got '<script>'"
    assert expected in result.output
    assert "Nothing was restored" in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Deck)) == 0
