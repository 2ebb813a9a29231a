"""Schema migrations upgrade a database that holds progress, in place, losing nothing."""

from __future__ import annotations

import gzip
import json
import re
from datetime import UTC, date, datetime

import sqlalchemy as sa
from flask_migrate import upgrade

from quiz import accounts, counters, limits
from quiz.models import ReviewLog, ReviewState, User, db
from quiz.store.grading import undo_last
from quiz.store.progress import topic_progress
from tests.conftest import TEST_PASSWORD, counter_mismatches, drop_schema, log_in, make_app

DAY1, DAY2 = date(2026, 3, 1), date(2026, 3, 2)


def insert(conn, table: str, **values) -> None:
    """Insert a row with plain SQL, as the first schema had it (the models describe the newest one)."""
    columns = ", ".join(values)
    params = ", ".join(f":{name}" for name in values)
    conn.execute(sa.text(f"INSERT INTO {table} ({columns}) VALUES ({params})"), values)


def test_upgrade_from_the_first_migration_keeps_progress_and_fills_undo_columns(database_url, tmp_path):
    app = make_app(database_url, tmp_path)
    drop_schema(app)
    try:
        with app.app_context():
            directory = app.extensions["migrate"].directory
            upgrade(directory=directory, revision="0001")
            with db.engine.begin() as conn:
                insert(conn, "users", id=1, name="local", created_at=datetime(2026, 2, 1))
                insert(
                    conn,
                    "decks",
                    id=1,
                    user_id=1,
                    title="git",
                    slug="git",
                    source_path="/notes/git.md",
                    content_hash="abc",
                    imported_at=datetime(2026, 2, 1),
                )
                insert(
                    conn,
                    "topics",
                    id=1,
                    deck_id=1,
                    parent_id=None,
                    title="Git",
                    path_key="Git",
                    depth=1,
                    position=0,
                )
                insert(
                    conn,
                    "cards",
                    id=1,
                    deck_id=1,
                    topic_id=1,
                    kind="command",
                    front="list branches",
                    back="git branch",
                    key="k1",
                    line=3,
                    position=0,
                    retired=False,
                )
                # Day 1: first showing, grade 4.  Day 2: due, forgotten (grade 1).
                insert(
                    conn,
                    "review_states",
                    user_id=1,
                    card_id=1,
                    repetitions=0,
                    ease_hundredths=196,
                    interval_days=1,
                    due=date(2026, 3, 3),
                    lapses=1,
                    introduced_on=DAY1,
                    last_reviewed_at=datetime(2026, 3, 2, 9),
                )
                insert(
                    conn,
                    "review_log",
                    id=1,
                    user_id=1,
                    card_id=1,
                    reviewed_at=datetime(2026, 3, 1, 9),
                    review_day=DAY1,
                    grade=4,
                    drill=False,
                    repetitions_before=0,
                    ease_hundredths_before=250,
                    interval_days_before=0,
                    due_before=None,
                    repetitions_after=1,
                    ease_hundredths_after=250,
                    interval_days_after=1,
                    due_after=DAY2,
                )
                insert(
                    conn,
                    "review_log",
                    id=2,
                    user_id=1,
                    card_id=1,
                    reviewed_at=datetime(2026, 3, 2, 9),
                    review_day=DAY2,
                    grade=1,
                    drill=False,
                    repetitions_before=1,
                    ease_hundredths_before=250,
                    interval_days_before=1,
                    due_before=DAY2,
                    repetitions_after=0,
                    ease_hundredths_after=196,
                    interval_days_after=1,
                    due_after=date(2026, 3, 3),
                )

            upgrade(directory=directory)

            state = db.session.get(ReviewState, (1, 1))
            assert (state.repetitions, state.ease_hundredths, state.interval_days, state.lapses) == (
                0,
                196,
                1,
                1,
            )
            first, second = db.session.scalars(sa.select(ReviewLog).order_by(ReviewLog.id)).all()
            assert (first.lapses_before, first.introduced_on_before, first.last_reviewed_at_before) == (
                0,
                None,
                None,
            )
            assert (second.lapses_before, second.introduced_on_before) == (0, DAY1)
            assert second.last_reviewed_at_before == datetime(2026, 3, 1, 9, tzinfo=UTC)
            user = db.session.get(User, 1)
            assert user.day_starts_at_hour == 4 and user.new_cards_per_day is None
            # 0004 copied each card's place onto its state and log rows.
            assert (state.deck_id, state.topic_id, state.position, state.active) == (1, 1, 0, True)
            assert (second.deck_id, second.topic_id) == (1, 1)
            # 0005 filled the counters from the rows and installed the triggers that keep them.
            with db.engine.connect() as conn:
                assert counter_mismatches(conn) == []
            [tree] = topic_progress(db.session, user, DAY2)
            assert (tree.cards, tree.new, tree.learning, tree.reviews_30d, tree.passed_30d) == (1, 0, 1, 2, 1)

            # Undo of the migrated day-2 review puts back exactly the day-1 state.
            undo_last(db.session, user, DAY2)
            db.session.commit()
            db.session.expire_all()
            state = db.session.get(ReviewState, (1, 1))
            assert (
                state.repetitions,
                state.ease_hundredths,
                state.interval_days,
                state.due,
                state.lapses,
                state.introduced_on,
                state.last_reviewed_at,
            ) == (1, 250, 1, DAY2, 0, DAY1, datetime(2026, 3, 1, 9, tzinfo=UTC))
            [tree] = topic_progress(db.session, user, DAY2)
            assert (tree.learning, tree.due, tree.reviews_30d, tree.passed_30d) == (1, 1, 1, 1)
            with db.engine.connect() as conn:
                assert counter_mismatches(conn) == []
    finally:
        drop_schema(app)


def test_the_migrations_build_the_schema_the_models_describe(database_url, tmp_path):
    """Upgrading an empty database to head gives what ``db.create_all()`` would: no table, column or
    index that one has and the other lacks (a model change without its migration fails here)."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    app = make_app(database_url, tmp_path)
    drop_schema(app)
    try:
        with app.app_context():
            upgrade(directory=app.extensions["migrate"].directory)
            with db.engine.connect() as conn:
                differences = compare_metadata(MigrationContext.configure(conn), db.metadata)
            assert differences == []
    finally:
        drop_schema(app)


def test_0009_fixes_rows_out_of_range_and_adds_the_checks(database_url, tmp_path):
    """An existing database gets the CHECK constraints of quiz.limits; rows that would break them are
    brought into range (not a failed upgrade), and decks get a display name but no text (nothing is read)."""
    from tests.conftest import TEST_PASSWORD
    from tests.test_hostile_files import BAD_ROWS, refused_writes

    app = make_app(database_url, tmp_path)
    drop_schema(app)
    try:
        with app.app_context():
            directory = app.extensions["migrate"].directory
            upgrade(directory=directory, revision="0008")
            with db.engine.begin() as conn:
                insert(
                    conn,
                    "users",
                    id=1,
                    name="local",
                    created_at=datetime(2026, 2, 1),
                    day_starts_at_hour=99,
                    locale="xx",
                    new_cards_per_day=-5,
                    reviews_per_day=10**6,
                    is_admin=False,
                )
                for deck_id, path in ((1, "/srv/notes/git.md"), (2, "upload:sub/linux.md")):
                    insert(
                        conn,
                        "decks",
                        id=deck_id,
                        user_id=1,
                        title=f"deck{deck_id}",
                        slug=f"deck{deck_id}",
                        source_path=path,
                        content_hash="abc",
                        imported_at=datetime(2026, 2, 1),
                    )
                insert(
                    conn,
                    "topics",
                    id=1,
                    deck_id=1,
                    parent_id=None,
                    title="Git",
                    path_key="Git",
                    depth=1,
                    position=-2,
                )
                card = dict(deck_id=1, topic_id=1, front="f", back="b", retired=False)
                insert(conn, "cards", id=1, key="k1", kind="<script>", line=-3, position=-1, **card)
                insert(conn, "cards", id=2, key="k2", kind="qa", line=4, position=1, **card)
                insert(
                    conn,
                    "review_states",
                    user_id=1,
                    card_id=1,
                    repetitions=-1,
                    ease_hundredths=0,
                    interval_days=10**12,
                    due=DAY2,
                    lapses=-4,
                    introduced_on=DAY1,
                    suspended=False,
                    deck_id=1,
                    topic_id=1,
                    position=0,
                    active=True,
                    version=1,
                )
                insert(
                    conn,
                    "review_states",
                    user_id=1,
                    card_id=2,
                    repetitions=3,
                    ease_hundredths=250,
                    interval_days=-6,
                    due=DAY2,
                    lapses=0,
                    introduced_on=DAY1,
                    suspended=False,
                    deck_id=1,
                    topic_id=1,
                    position=1,
                    active=True,
                    version=1,
                )
                insert(
                    conn,
                    "review_log",
                    id=1,
                    user_id=1,
                    card_id=1,
                    reviewed_at=datetime(2026, 3, 1, 9),
                    review_day=DAY1,
                    grade=9,
                    drill=False,
                    deck_id=1,
                    topic_id=1,
                    repetitions_before=-1,
                    ease_hundredths_before=-250,
                    interval_days_before=-1,
                    due_before=None,
                    lapses_before=-1,
                    repetitions_after=2,
                    ease_hundredths_after=250,
                    interval_days_after=0,
                    due_after=DAY2,
                )
                insert(conn, "anki_exports", id=1, user_id=1, timestamp=-1, note_count=-1)
                counters.rebuild(conn)

            upgrade(directory=directory)

            with db.engine.connect() as conn:
                rows = {
                    table: conn.execute(sa.text(f"SELECT * FROM {table} ORDER BY 1, 2")).mappings().all()
                    for table in (
                        "users",
                        "topics",
                        "cards",
                        "review_states",
                        "review_log",
                        "anki_exports",
                        "decks",
                    )
                }
                assert counter_mismatches(conn) == []
            user = rows["users"][0]
            assert (user["day_starts_at_hour"], user["locale"]) == (4, None)
            assert (user["new_cards_per_day"], user["reviews_per_day"]) == (0, 99999)
            assert rows["topics"][0]["position"] == 0
            assert [(c["kind"], c["line"], c["position"]) for c in rows["cards"]] == [
                ("qa", 0, 0),
                ("qa", 4, 1),
            ]
            first, second = rows["review_states"]
            assert (
                first["repetitions"],
                first["ease_hundredths"],
                first["interval_days"],
                first["lapses"],
            ) == (0, 130, 36500, 0)
            assert second["interval_days"] == 1  # three passes in a row: at least a day
            log = rows["review_log"][0]
            assert (log["grade"], log["repetitions_before"], log["ease_hundredths_before"]) == (5, 0, 130)
            assert (log["interval_days_before"], log["lapses_before"], log["interval_days_after"]) == (
                0,
                0,
                1,
            )
            assert (rows["anki_exports"][0]["timestamp"], rows["anki_exports"][0]["note_count"]) == (0, 0)
            assert [(d["source_name"], d["source_text"]) for d in rows["decks"]] == [
                ("git.md", None),
                ("sub/linux.md", None),
            ]

            # The constraints are there, with the names the models give them, and refuse bad writes.
            inspector = sa.inspect(db.engine)
            for table in limits.COLUMN_RULES:
                stored = {c["name"] for c in inspector.get_check_constraints(table)}
                assert stored == {f"ck_{table}_{name}" for name, _sql in limits.check_constraints(table)}, (
                    table
                )
            assert {table for table, _c, _v in BAD_ROWS} <= set(limits.COLUMN_RULES)
            assert refused_writes(db.engine) == []

            # The card page: no text kept, so it says so (the migration read no file).
            accounts.set_password(db.session.get(User, 1), TEST_PASSWORD)
            db.session.commit()
            client = log_in(app, "local")
            page = client.get("/cards/2").get_data(as_text=True)
            assert "The source of this card is not stored" in page and "/srv/notes" not in page
    finally:
        drop_schema(app)


def test_pending_imports_from_before_the_kept_parse_can_still_be_previewed(database_url, tmp_path):
    """An upload waiting on its preview during the upgrade is kept: shown as interrupted, then parsed."""
    app = make_app(database_url, tmp_path)
    drop_schema(app)
    note = [{"name": "git.md", "text": "# Git\n\n- `git log` shows history\n"}]
    try:
        with app.app_context():
            directory = app.extensions["migrate"].directory
            upgrade(directory=directory, revision="0008")
            now = datetime.now(UTC).replace(tzinfo=None)
            with db.engine.begin() as conn:
                insert(conn, "users", id=1, name="alice", created_at=now)
                payload = gzip.compress(json.dumps(note).encode())
                insert(conn, "pending_imports", id=7, user_id=1, created_at=now, payload=payload)
            upgrade(directory=directory)
            accounts.set_password(db.session.get(User, 1), TEST_PASSWORD)
            db.session.commit()
        client = log_in(app, "alice")
        assert 'id="retry-form"' in client.get("/import/7").get_data(as_text=True)
        preview = client.post("/import/7/retry", follow_redirects=True).get_data(as_text=True)
        assert 'id="preview-form"' in preview and "git log" in preview
    finally:
        drop_schema(app)


def test_a_preview_parsed_before_0013_still_shows_and_imports(database_url, tmp_path):
    """A parse kept in the old layout (cards marked known or not, no counts) previews and imports."""
    app = make_app(database_url, tmp_path)
    drop_schema(app)
    text = "# Git\n\n- `git log` shows history\n- `git status` shows the working tree\n"

    def packed(value) -> bytes:
        return gzip.compress(json.dumps(value).encode())

    try:
        with app.app_context():
            directory = app.extensions["migrate"].directory
            upgrade(directory=directory, revision="0012")
            now = datetime.now(UTC).replace(tzinfo=None)
            with db.engine.begin() as conn:
                insert(conn, "users", id=1, name="alice", name_key="alice", session_token="t", created_at=now)
                insert(
                    conn,
                    "pending_imports",
                    id=7,
                    user_id=1,
                    created_at=now,
                    payload=b"",
                    status="ready",
                    total=1,
                )
                insert(
                    conn,
                    "pending_import_notes",
                    pending_id=7,
                    position=0,
                    name="git.md",
                    text=gzip.compress(text.encode()),
                    topics=packed([[["Git"], 1]]),
                    card_count=2,
                    deck_exists=False,
                    unticked="[]",
                )
                rows = [
                    ["command", "shows history", "git log", ["Git"], 3, "k-log", True],
                    ["command", "shows the working tree", "git status", ["Git"], 4, "k-status", False],
                ]
                insert(
                    conn, "pending_import_pages", pending_id=7, note_position=0, page=0, cards=packed(rows)
                )
            upgrade(directory=directory)
            accounts.set_password(db.session.get(User, 1), TEST_PASSWORD)
            db.session.commit()
        client = log_in(app, "alice")
        page = client.get("/import/7").get_data(as_text=True)
        assert re.findall(r'<li id="card-([^"]+)" class="status-(\w+)"', page) == [
            ("k-log", "known"),
            ("k-status", "new"),
        ]
        assert 'id="preview-counts"' not in page and 'id="confirm-import"' in page
        report = client.post("/import/7", data={"note": "0", "page": "0", "keep": ["k-log", "k-status"]})
        assert 'class="added">2<' in client.get(report.headers["Location"]).get_data(as_text=True)
    finally:
        drop_schema(app)


def test_0015_identifies_decks_by_their_notes_name_keeping_both_of_two_that_collide(database_url, tmp_path):
    """Decks get their note's name as identity; of two that come to one name, the older takes it and
    the other keeps its old identity with its cards and history; slugs stay; the downgrade goes back."""
    from quiz.notes import parse_note
    from quiz.store.importing import import_parsed

    app = make_app(database_url, tmp_path)
    drop_schema(app)
    text = "# Git\n\n- `git log` shows history\n"
    decks = [  # id, user, source path, display name, slug
        (1, 1, "/home/mei/notes/docker-notes.md", "docker-notes.md", "docker-notes"),
        (2, 1, "upload:docker-notes.md", "docker-notes.md", "docker-notes-2"),
        (3, 1, "/srv/notes/sub/git.md", "sub/git.md", "git"),
        (4, 1, "upload:cafe\u0301.md", None, "cafe"),
        (5, 2, "upload:docker-notes.md", "docker-notes.md", "docker-notes"),
    ]
    try:
        with app.app_context():
            directory = app.extensions["migrate"].directory
            upgrade(directory=directory, revision="0013")
            now = datetime(2026, 2, 1)
            with db.engine.begin() as conn:
                for user_id, name in ((1, "mei"), (2, "li")):
                    insert(
                        conn,
                        "users",
                        id=user_id,
                        name=name,
                        name_key=name,
                        session_token=name,
                        created_at=now,
                    )
                for deck_id, user_id, path, name, slug in decks:
                    insert(
                        conn,
                        "decks",
                        id=deck_id,
                        user_id=user_id,
                        title=slug,
                        slug=slug,
                        source_path=path,
                        source_name=name,
                        content_hash="abc",
                        imported_at=now,
                    )
                    insert(
                        conn,
                        "cards",
                        id=deck_id,
                        deck_id=deck_id,
                        topic_id=None,
                        kind="command",
                        front="shows history",
                        back="git log",
                        key="k1",
                        line=3,
                        position=0,
                        retired=False,
                    )
                    insert(
                        conn,
                        "review_log",
                        id=deck_id,
                        user_id=user_id,
                        card_id=deck_id,
                        deck_id=deck_id,
                        reviewed_at=datetime(2026, 3, 1, 9),
                        review_day=DAY1,
                        grade=4,
                        drill=False,
                        repetitions_before=0,
                        ease_hundredths_before=250,
                        interval_days_before=0,
                        due_before=None,
                        lapses_before=0,
                        repetitions_after=1,
                        ease_hundredths_after=250,
                        interval_days_after=1,
                        due_after=DAY2,
                    )

            def identities() -> list[tuple[int, str, str]]:
                with db.engine.connect() as conn:
                    rows = conn.execute(sa.text("SELECT id, source_path, slug FROM decks ORDER BY id"))
                    return [tuple(row) for row in rows]

            upgrade(directory=directory)
            assert identities() == [
                (1, "docker-notes.md", "docker-notes"),
                (2, "upload:docker-notes.md", "docker-notes-2"),  # lost the name to deck 1: kept as it was
                (3, "sub/git.md", "git"),
                (4, "caf\u00e9.md", "cafe"),
                (5, "docker-notes.md", "docker-notes"),  # another user's
            ]
            with db.engine.connect() as conn:
                kept = conn.execute(sa.text("SELECT card_id, deck_id FROM review_log ORDER BY id")).all()
                assert [tuple(row) for row in kept] == [(i, i) for i in range(1, 6)]

            # The note uploaded (or imported from anywhere) again updates the older deck.
            mei = db.session.get(User, 1)
            (result,) = import_parsed(db.session, mei, [("docker-notes.md", text, parse_note(text))])
            db.session.commit()
            assert result.deck.id == 1 and (result.added, result.retired, result.unchanged) == (0, 0, 1)
            assert len(identities()) == 5
            # The session's reads hold locks that the downgrade's DDL would wait for on PostgreSQL.
            db.session.remove()

            from flask_migrate import downgrade

            downgrade(directory=directory, revision="0013")
            # The form the older version gives an upload, where no deck of the user holds it already.
            assert [path for _id, path, _slug in identities()] == [
                "docker-notes.md",
                "upload:docker-notes.md",
                "upload:sub/git.md",
                "upload:caf\u00e9.md",
                "upload:docker-notes.md",
            ]
    finally:
        drop_schema(app)
