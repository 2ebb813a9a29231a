"""The command line: preview, import, export, init-db; and the migrations that init-db runs."""

from __future__ import annotations

import json
import zipfile

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import func, select

from quiz.models import LOCAL_USER_NAME, Card, Deck, ReviewLog, ReviewState, db, now_utc
from quiz.store.days import get_or_create_user
from quiz.store.grading import record_grade
from tests.conftest import SAMPLE_NOTES, drop_schema, make_app


@pytest.fixture
def preview_runner(tmp_path):
    """A CLI runner for commands that need no database: preview runs once, not per backend."""
    return make_app(f"sqlite:///{tmp_path / 'unused.sqlite'}", tmp_path).test_cli_runner()


def test_preview_json_has_the_documented_fields(preview_runner, notes_dir):
    result = preview_runner.invoke(args=["notes", "preview", str(notes_dir / "git.md"), "--json"])
    assert result.exit_code == 0, result.output
    cards = json.loads(result.output)
    assert {tuple(sorted(c)) for c in cards} == {("back", "front", "key", "kind", "line", "topic")}
    branch = next(c for c in cards if c["back"] == "git branch")
    assert branch["kind"] == "command"
    assert branch["topic"] == ["Git basics", "Branches"]
    assert branch["line"] == 5
    assert "lists local branches" in branch["front"]


SKIPPING_NOTE = (
    "## 文件\n\n- `ls -la` 列出所有文件\n- `git branch` 的数量很多\n\n```yaml\ndocker run -d nginx\n```\n"
)


def test_preview_explain_names_the_rule_of_each_card_and_lists_the_lines_not_carded(preview_runner, tmp_path):
    note = tmp_path / "n.md"
    note.write_text(SKIPPING_NOTE, encoding="utf-8")
    plain = preview_runner.invoke(args=["notes", "preview", str(note)])
    assert plain.exit_code == 0, plain.output
    assert "L3 [command] 文件" in plain.output and "(command_line)" not in plain.output
    assert "not carded: line 4: git branch (talked_about)" in plain.output
    assert "not carded: line 7: docker run -d nginx (example)" in plain.output
    explained = preview_runner.invoke(args=["notes", "preview", str(note), "--explain"])
    assert "L3 [command] (command_line) 文件" in explained.output
    cards = json.loads(
        preview_runner.invoke(args=["notes", "preview", str(note), "--json", "--explain"]).output
    )
    assert [c["why"] for c in cards] == ["command_line"]
    plain_json = json.loads(preview_runner.invoke(args=["notes", "preview", str(note), "--json"]).output)
    assert [sorted(c) for c in plain_json] == [["back", "front", "key", "kind", "line", "topic"]]
    skipped = json.loads(
        preview_runner.invoke(args=["notes", "preview", str(note), "--json", "--skipped"]).output
    )
    assert skipped == [
        {"line": 4, "text": "git branch", "reason": "talked_about"},
        {"line": 7, "text": "docker run -d nginx", "reason": "example"},
    ]


def test_preview_of_the_sample_prints_chinese_unescaped(preview_runner):
    result = preview_runner.invoke(args=["notes", "preview", str(SAMPLE_NOTES), "--json"])
    assert result.exit_code == 0
    cards = json.loads(result.output)
    assert len(cards) >= 24
    assert "\\u" not in result.output and "docker" in result.output


def test_preview_of_a_binary_file_is_a_clear_error(preview_runner, tmp_path):
    path = tmp_path / "image.md"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00")
    result = preview_runner.invoke(args=["notes", "preview", str(path), "--json"])
    assert result.exit_code == 1
    assert "image.md" in result.output


def test_import_then_reimport_reports_counts(app, runner, notes_dir):
    result = runner.invoke(args=["notes", "import", str(notes_dir)])
    assert result.exit_code == 0, result.output
    assert "git.md: 3 added" in result.output
    again = runner.invoke(args=["notes", "import", str(notes_dir / "git.md")])
    assert "0 added, 0 updated, 0 retired, 3 unchanged" in again.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Deck)) == 2


def test_failed_import_leaves_the_database_as_it_was(app, runner, notes_dir, tmp_path):
    assert runner.invoke(args=["notes", "import", str(notes_dir / "git.md")]).exit_code == 0
    with app.app_context():
        before = db.session.scalar(select(func.count()).select_from(Card))
    (notes_dir / "git.md").write_text("# Git basics\n\n- `git log` shows history\n", encoding="utf-8")
    (notes_dir / "zz-binary.md").write_bytes(b"\x00" * 64)
    result = runner.invoke(args=["notes", "import", str(notes_dir)])
    assert result.exit_code == 1
    assert "zz-binary.md" in result.output and "Nothing was imported" in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Card)) == before
        assert not db.session.scalars(select(Card).where(Card.retired)).all()
        assert db.session.scalar(select(func.count()).select_from(Deck)) == 1


def test_anki_export_command_writes_a_package(app, runner, notes_dir, tmp_path):
    runner.invoke(args=["notes", "import", str(notes_dir)])
    out = tmp_path / "deck.apkg"
    result = runner.invoke(args=["anki", "export", str(out)])
    assert result.exit_code == 0, result.output
    assert "Wrote 5 notes" in result.output
    with zipfile.ZipFile(out) as apkg:
        assert "collection.anki2" in apkg.namelist()


def test_anki_export_with_no_cards_says_so(runner, tmp_path):
    result = runner.invoke(args=["anki", "export", str(tmp_path / "deck.apkg")])
    assert result.exit_code == 1 and "no cards" in result.output


def test_init_db_twice_loads_the_demo_once_and_keeps_progress(database_url, tmp_path):
    app = make_app(database_url, tmp_path)
    drop_schema(app)
    runner = app.test_cli_runner()
    try:
        first = runner.invoke(args=["init-db"])
        assert first.exit_code == 0, first.output
        assert "Demo deck loaded" in first.output
        with app.app_context():
            user = get_or_create_user(db.session, LOCAL_USER_NAME)
            card = db.session.scalars(select(Card).order_by(Card.position)).first()
            record_grade(db.session, user, card, 5, now_utc())
            card_id = card.id
            db.session.commit()
            cards = db.session.scalar(select(func.count()).select_from(Card))
        second = runner.invoke(args=["init-db"])
        assert second.exit_code == 0, second.output
        assert "Demo deck loaded" not in second.output
        with app.app_context():
            assert db.session.scalar(select(func.count()).select_from(Card)) == cards
            assert db.session.scalar(select(func.count()).select_from(ReviewLog)) == 1
            state = db.session.scalars(select(ReviewState).where(ReviewState.card_id == card_id)).one()
            assert state.repetitions == 1
    finally:
        drop_schema(app)


def test_migrations_build_exactly_the_models_schema(database_url, tmp_path):
    app = make_app(database_url, tmp_path)
    drop_schema(app)
    try:
        assert app.test_cli_runner().invoke(args=["init-db", "--no-demo"]).exit_code == 0
        with app.app_context(), db.engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), db.metadata)
        assert diff == []
    finally:
        drop_schema(app)


def test_preview_of_a_one_megabyte_note_prints_valid_json(preview_runner, tmp_path):
    sample = SAMPLE_NOTES.read_text(encoding="utf-8")
    parts, size, n = [], 0, 0
    while size < 1_000_000:
        n += 1
        chunk = sample.replace("## ", f"## 第{n}部分 ", 1)
        parts.append(chunk)
        size += len(chunk.encode("utf-8"))
    big = tmp_path / "big.md"
    big.write_text("\n\n".join(parts), encoding="utf-8")
    result = preview_runner.invoke(args=["notes", "preview", str(big), "--json"])
    assert result.exit_code == 0
    cards = json.loads(result.output)
    per_copy = len(
        json.loads(preview_runner.invoke(args=["notes", "preview", str(SAMPLE_NOTES), "--json"]).output)
    )
    assert len(cards) == per_copy * n
    assert cards[-1]["line"] > 100 * (n - 1)
    assert len({c["key"] for c in cards}) == len(cards)
