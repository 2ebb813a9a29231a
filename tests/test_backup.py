"""Backup and restore of one user's data: a faithful round trip, and refusal of anything wrong."""

from __future__ import annotations

import copy
import gzip
import io
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy import func, select

from quiz.backup import (
    BACKUP_FORMAT,
    BACKUP_VERSION,
    BackupError,
    RestoreResult,
    dump_user,
    read_backup,
    restore_user,
    write_backup,
)
from quiz.models import AnkiExport, Card, Deck, ReviewLog, ReviewState, Topic, UntickedCard, User, db
from quiz.store.browser import set_override
from quiz.store.days import get_or_create_user, local_today
from quiz.store.exporting import record_export
from quiz.store.grading import record_grade, undo_last
from quiz.store.importing import import_note_files
from quiz.store.queue import pending_drill
from tests.conftest import make_app

T0 = datetime(2026, 3, 10, 4, 0, 0, 123456, tzinfo=UTC)  # 12:00 in Shanghai: study day 2026-03-10
SECRET_HASH = "scrypt:32768:8:1$SALT-MARKER-7f3a$0123456789abcdef"
SETTINGS = ("timezone", "new_cards_per_day", "reviews_per_day", "day_starts_at_hour", "locale")
# Per-database keys and values that a restore does not carry over.
NOT_COMPARED = {"id", "user_id", "deck_id", "card_id", "topic_id", "parent_id", "version"}


def user_cards(session, user: User) -> dict[str, Card]:
    rows = session.scalars(select(Card).join(Deck).where(Deck.user_id == user.id))
    return {card.back: card for card in rows}


def build_history(session, notes_dir: Path) -> User:
    """A user with two decks, passes, a fail and its drill, a lapse, an override, a kind chosen by the
    user, a suspension, an edit, a retired card with history, a card without topic or state, cards
    unticked at an import, and two exports."""
    user = get_or_create_user(session, "alice")
    user.timezone = "Asia/Shanghai"
    user.day_starts_at_hour = 5
    user.new_cards_per_day = 7
    user.reviews_per_day = 90
    user.locale = "zh"
    user.password_hash = SECRET_HASH
    import_note_files(session, user, [notes_dir])
    cards = user_cards(session, user)
    minute = timedelta(minutes=1)
    # Graded out of note order, so a log restored card by card would come back in the wrong order.
    record_grade(session, user, cards["du -sh DIR"], 5, T0)
    record_grade(session, user, cards["git branch"], 1, T0 + minute)
    record_grade(session, user, cards["git remote -v"], 4, T0 + 2 * minute)
    record_grade(session, user, cards["git branch"], 4, T0 + 3 * minute)  # the drill
    record_grade(session, user, cards["du -sh DIR"], 2, T0 + timedelta(days=1))  # a lapse
    record_grade(session, user, cards["ls -la"], 3, T0 + timedelta(days=1, minutes=1))
    session.get(ReviewState, (user.id, cards["ls -la"].id)).suspended = True
    cards["git branch"].edited_at = T0 + timedelta(hours=2, microseconds=7)
    record_export(session, user, 1773100000, 5)
    record_export(session, user, 1773100001, 4)
    session.commit()

    note = notes_dir / "git.md"
    note.write_text(note.read_text().replace("- `git remote -v` shows the remotes with their URLs\n", ""))
    import_note_files(session, user, [note])
    switch = cards["git switch -c NAME"]
    switch.override_front = "新建分支并切换过去"
    switch.override_back = "git checkout -b NAME"
    switch.topic = None
    session.delete(session.get(ReviewState, (user.id, switch.id)))
    set_override(cards["du -sh DIR"], cards["du -sh DIR"].front, cards["du -sh DIR"].back, kind="qa")
    linux = cards["du -sh DIR"].deck
    session.add_all(UntickedCard(deck=linux, key=key) for key in ("k-unticked-1", "k-unticked-2"))
    session.commit()
    return user


def columns(obj: object) -> dict[str, Any]:
    return {
        attr.key: getattr(obj, attr.key)
        for attr in sa.inspect(type(obj)).column_attrs
        if attr.key not in NOT_COMPARED
    }


def snapshot(session, user: User) -> dict[str, Any]:
    """Everything of a user read straight from the tables (not through the backup code), without ids."""
    decks = session.scalars(select(Deck).where(Deck.user_id == user.id).order_by(Deck.id)).all()
    result: dict[str, Any] = {
        "user": {name: getattr(user, name) for name in SETTINGS},
        "decks": [],
        "log": [],
        "exports": [
            columns(e)
            for e in session.scalars(
                select(AnkiExport).where(AnkiExport.user_id == user.id).order_by(AnkiExport.id)
            )
        ],
    }
    card_names = {}
    for deck in decks:
        topics = session.scalars(select(Topic).where(Topic.deck_id == deck.id)).all()
        cards = session.scalars(select(Card).where(Card.deck_id == deck.id)).all()
        result["decks"].append(
            {
                **columns(deck),
                "topics": sorted(
                    (
                        {**columns(t), "parent": t.parent.path if t.parent else None, "deck": t.deck.slug}
                        for t in topics
                    ),
                    key=lambda t: t["path_key"],
                ),
                "cards": sorted(
                    (
                        {
                            **columns(c),
                            "topic": c.topic.path if c.topic else None,
                            "state": (
                                columns(state)
                                if (state := session.get(ReviewState, (user.id, c.id))) is not None
                                else None
                            ),
                        }
                        for c in cards
                    ),
                    key=lambda c: c["key"],
                ),
                "unticked": sorted(
                    session.scalars(select(UntickedCard.key).where(UntickedCard.deck_id == deck.id))
                ),
                # Active cards in id order: the order new cards come in when positions tie.
                "card_order": [
                    c.key for c in sorted(cards, key=lambda c: (c.position, c.id)) if not c.retired
                ],
            }
        )
        card_names.update({c.id: (deck.slug, c.key) for c in cards})
    for entry in session.scalars(
        select(ReviewLog).where(ReviewLog.user_id == user.id).order_by(ReviewLog.id)
    ):
        result["log"].append({**columns(entry), "card": card_names[entry.card_id]})
    return result


def table_counts(session) -> dict[str, int]:
    return {
        model.__name__: session.scalar(select(func.count()).select_from(model))
        for model in (User, Deck, Topic, Card, ReviewState, ReviewLog, AnkiExport)
    }


def round_trip_file(session, user: User) -> dict[str, Any]:
    buffer = io.BytesIO()
    written = write_backup(session, user, buffer)
    assert written == len(buffer.getvalue()) > 0
    buffer.seek(0)
    return read_backup(buffer)


def check_history_is_rich(snap: dict[str, Any]) -> None:
    """The scenario covers every kind of value, so a round trip that drops one is caught."""
    cards = [card for deck in snap["decks"] for card in deck["cards"]]
    assert any(c["retired"] for c in cards)
    assert any(c["retired"] and c["state"]["last_reviewed_at"] for c in cards)
    assert any(c["override_front"] and c["override_back"] for c in cards)
    assert any(c["note_kind"] and c["note_kind"] != c["kind"] for c in cards)
    assert any(deck["unticked"] for deck in snap["decks"])
    assert any(c["edited_at"] for c in cards)
    assert any(c["topic"] is None for c in cards) and any(c["topic"] and len(c["topic"]) == 2 for c in cards)
    assert any(c["state"] is None for c in cards)
    assert any(c["state"] and c["state"]["suspended"] for c in cards)
    assert any(c["state"] and c["state"]["lapses"] for c in cards)
    assert any(c["state"] and c["state"]["ease_hundredths"] != 250 for c in cards)
    assert [e["drill"] for e in snap["log"]].count(True) == 1
    assert {e["grade"] for e in snap["log"]} >= {1, 2, 4, 5}
    assert len(snap["exports"]) == 2
    assert all(len(deck["topics"]) >= 2 for deck in snap["decks"])


# --- round trips --------------------------------------------------------------------------------


def test_round_trip_into_a_second_user_keeps_everything(app, notes_dir):
    with app.app_context():
        session = db.session
        alice = build_history(session, notes_dir)
        before = snapshot(session, alice)
        check_history_is_rich(before)
        data = round_trip_file(session, alice)

        bob = get_or_create_user(session, "bob")
        result = restore_user(session, data, bob)
        session.commit()
        assert result == RestoreResult(decks=2, topics=5, cards=5, reviews=6, exports=2)
        assert "2 decks" in result.summary and "6 reviews" in result.summary
        session.expire_all()
        assert snapshot(session, bob) == before
        assert snapshot(session, alice) == before  # the source is untouched
        assert bob.name == "bob" and bob.password_hash is None


def test_round_trip_into_a_fresh_sqlite_database(app, notes_dir, tmp_path):
    """From either backend into a new SQLite file: the file holds nothing tied to one database."""
    with app.app_context():
        alice = build_history(db.session, notes_dir)
        before = snapshot(db.session, alice)
        buffer = io.BytesIO()
        write_backup(db.session, alice, buffer)
        db.session.remove()

    other = make_app(f"sqlite:///{tmp_path / 'restored.sqlite'}", tmp_path / "restored")
    with other.app_context():
        db.create_all()
        # Someone else's account first, so the restored rows get other ids than the originals.
        import_note_files(db.session, get_or_create_user(db.session, "carol"), [notes_dir])
        target = get_or_create_user(db.session, "alice")
        restore_user(db.session, read_backup(io.BytesIO(buffer.getvalue())), target)
        db.session.commit()
        db.session.expire_all()
        assert snapshot(db.session, target) == before
        assert target.password_hash is None
        db.session.remove()
        db.engine.dispose()


def test_restored_log_undoes_the_same_grade_first_and_keeps_the_drill(app, notes_dir):
    with app.app_context():
        session = db.session
        alice = build_history(session, notes_dir)
        bob = get_or_create_user(session, "bob")
        restore_user(session, dump_user(session, alice), bob)
        session.commit()
        day = local_today(bob, T0 + timedelta(days=1))

        def waiting(user):
            return [session.get(Card, card_id).back for card_id in pending_drill(session, user, day)]

        # The drill marks are not in the file: restore derives them from each card's newest grade.
        assert waiting(bob) == waiting(alice) == ["du -sh DIR", "ls -la"]
        undone = [undo_last(session, user, day) for user in (alice, bob)]
        assert [session.get(Card, log.card_id).back for log in undone] == ["ls -la", "ls -la"]
        state = session.get(ReviewState, (bob.id, undone[1].card_id))
        assert (state.repetitions, state.due, state.introduced_on) == (0, None, None)


def test_dump_is_plain_json_with_exact_ease_and_utc_times(app, notes_dir):
    with app.app_context():
        alice = build_history(db.session, notes_dir)
        data = dump_user(db.session, alice)
    assert json.loads(json.dumps(data)) == data
    assert (data["format"], data["version"]) == (BACKUP_FORMAT, BACKUP_VERSION)
    assert data["user"]["timezone"] == "Asia/Shanghai"
    git = data["decks"][0]
    assert git["title"] == "git" and git["topics"][0] == {"path": ["Git basics"], "position": 0}
    branch = next(c for c in git["cards"] if c["back"] == "git branch")
    assert branch["topic"] == ["Git basics", "Branches"]
    assert branch["state"]["ease_hundredths"] == 196 and type(branch["state"]["ease_hundredths"]) is int
    assert [e["seq"] for e in branch["log"]] == [1, 3]
    assert branch["log"][0]["reviewed_at"] == "2026-03-10T04:01:00.123456+00:00"
    assert branch["log"][0]["review_day"] == "2026-03-10"
    assert [c["position"] for c in git["cards"]] == sorted(c["position"] for c in git["cards"])


def test_dump_covers_every_column(app, notes_dir):
    """A column added to a model must be added to the backup too (or listed here as left out on purpose)."""
    with app.app_context():
        data = dump_user(db.session, build_history(db.session, notes_dir))
    deck = data["decks"][0]
    card = next(c for c in deck["cards"] if c["log"])
    sections = [
        # name_key follows the name; the session token is a secret like the password hash.
        (User, data["user"], {"id", "created_at", "password_hash", "is_admin", "name_key", "session_token"}),
        (Deck, deck, {"id", "user_id"}),
        (Topic, deck["topics"][0], {"id", "deck_id", "parent_id", "title", "path_key", "depth"}),
        (Card, card, {"id", "deck_id", "topic_id"}),
        # Copied from the card when a state or log row is made (quiz.models), so not in the file.
        (
            ReviewState,
            card["state"],
            {"user_id", "card_id", "version", "deck_id", "topic_id", "position", "active"}
            # Derived from the newest log row on restore.
            | {"drill_day", "drill_at"},
        ),
        (ReviewLog, card["log"][0], {"id", "user_id", "card_id", "deck_id", "topic_id"}),
        (AnkiExport, data["anki_exports"][0], {"id", "user_id"}),
    ]
    for model, section, left_out in sections:
        missing = {column.key for column in model.__table__.columns} - left_out - section.keys()
        assert not missing, f"{model.__name__} columns missing from the backup: {sorted(missing)}"


def test_password_hash_never_in_the_backup(app, notes_dir):
    with app.app_context():
        alice = build_history(db.session, notes_dir)
        alice.is_admin = True
        data = dump_user(db.session, alice)
        buffer = io.BytesIO()
        write_backup(db.session, alice, buffer)
    assert "SALT-MARKER" not in json.dumps(data)
    assert b"SALT-MARKER" not in gzip.decompress(buffer.getvalue())
    assert not any("password" in key or "admin" in key or "session" in key for key in data["user"])
    assert alice.session_token not in gzip.decompress(buffer.getvalue()).decode()


# --- refusals -----------------------------------------------------------------------------------


def test_restore_into_an_account_with_decks_fails_and_stores_nothing(app, notes_dir):
    with app.app_context():
        session = db.session
        alice = build_history(session, notes_dir)
        data = dump_user(session, alice)
        bob = get_or_create_user(session, "bob")
        import_note_files(session, bob, [notes_dir / "linux.md"])
        session.commit()
        counts, bob_before = table_counts(session), snapshot(session, bob)
        with pytest.raises(BackupError, match="restore needs an empty account"):
            restore_user(session, data, bob)
        session.flush()
        assert table_counts(session) == counts
        assert snapshot(session, bob) == bob_before
        assert bob.timezone is None


def test_restore_of_a_bad_backup_stores_nothing(app, notes_dir):
    with app.app_context():
        session = db.session
        data = dump_user(session, build_history(session, notes_dir))
        data["decks"][1]["cards"][-1]["log"][-1]["grade"] = 9  # the very last thing read
        bob = get_or_create_user(session, "bob")
        session.commit()
        counts = table_counts(session)
        with pytest.raises(BackupError, match=r"decks\[1\]\.cards\[1\]\.log\[1\]\.grade: must be 0-5, got 9"):
            restore_user(session, data, bob)
        session.flush()
        assert table_counts(session) == counts
        assert bob.timezone is None and bob.locale is None


def valid_backup() -> dict[str, Any]:
    """A small backup written by hand (one deck, one reviewed card)."""
    return {
        "format": "wengu-backup",
        "version": 1,
        "exported_at": "2026-03-11T08:00:00+00:00",
        "user": {
            "name": "alice",
            "timezone": "UTC",
            "new_cards_per_day": None,
            "reviews_per_day": 50,
            "day_starts_at_hour": 4,
            "locale": "en",
        },
        "decks": [
            {
                "title": "git",
                "slug": "git",
                "source_path": "/notes/git.md",
                "content_hash": "ab" * 32,
                "imported_at": "2026-03-10T09:00:00+00:00",
                "topics": [
                    {"path": ["Git basics"], "position": 0},
                    {"path": ["Git basics", "Branches"], "position": 1},
                ],
                "cards": [
                    {
                        "key": "k1",
                        "kind": "command",
                        "front": "lists local branches",
                        "back": "git branch",
                        "line": 5,
                        "position": 0,
                        "retired": False,
                        "edited_at": None,
                        "override_front": None,
                        "override_back": None,
                        "topic": ["Git basics", "Branches"],
                        "state": {
                            "repetitions": 1,
                            "ease_hundredths": 260,
                            "interval_days": 1,
                            "due": "2026-03-11",
                            "lapses": 0,
                            "introduced_on": "2026-03-10",
                            "last_reviewed_at": "2026-03-10T12:00:00+08:00",
                            "suspended": False,
                        },
                        "log": [
                            {
                                "seq": 0,
                                "reviewed_at": "2026-03-10T12:00:00+08:00",
                                "review_day": "2026-03-10",
                                "grade": 5,
                                "drill": False,
                                "repetitions_before": 0,
                                "ease_hundredths_before": 250,
                                "interval_days_before": 0,
                                "due_before": None,
                                "lapses_before": 0,
                                "introduced_on_before": None,
                                "last_reviewed_at_before": None,
                                "repetitions_after": 1,
                                "ease_hundredths_after": 260,
                                "interval_days_after": 1,
                                "due_after": "2026-03-11",
                            }
                        ],
                    }
                ],
            }
        ],
        "anki_exports": [{"timestamp": 1773144000, "note_count": 1}],
    }


def gz(data: object) -> io.BytesIO:
    return io.BytesIO(gzip.compress(json.dumps(data, ensure_ascii=False).encode("utf-8")))


def test_hand_written_backup_reads_and_restores(app):
    data = read_backup(gz(valid_backup()))
    assert data == valid_backup()
    with app.app_context():
        user = get_or_create_user(db.session, "dora")
        assert restore_user(db.session, data, user) == RestoreResult(1, 2, 1, 1, 1)
        db.session.commit()
        db.session.expire_all()
        (card,) = user_cards(db.session, user).values()
        assert card.topic.path == ("Git basics", "Branches") and card.topic.parent.path == ("Git basics",)
        state = db.session.get(ReviewState, (user.id, card.id))
        assert state.last_reviewed_at == datetime(2026, 3, 10, 4, 0, tzinfo=UTC)
        assert state.last_reviewed_at.tzinfo is not None and state.version == 1
        assert (user.reviews_per_day, user.locale, user.name) == (50, "en", "dora")


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"", "the file is empty"),
        (b"PK\x03\x04 a zip file", "not gzip-compressed"),
        (gzip.compress(json.dumps(valid_backup()).encode())[:-12], "damaged"),
        (gzip.compress(b""), "the file is empty"),
        (gzip.compress("{}".encode("utf-16")), "not UTF-8"),
        (gzip.compress(b'{"format": "wengu-backup", '), "not valid JSON"),
        (gzip.compress(b"NaN"), "not valid JSON"),
        (gzip.compress(b"[1, 2]"), "expected a JSON object, got list"),
    ],
    ids=["empty", "zip", "truncated", "empty-gzip", "utf16", "json-cut", "nan", "list"],
)
def test_unreadable_files_are_refused(raw, message):
    with pytest.raises(BackupError, match=message):
        read_backup(io.BytesIO(raw))


def card0(data: dict[str, Any]) -> dict[str, Any]:
    return data["decks"][0]["cards"][0]


def duplicate_card(data: dict[str, Any]) -> None:
    card = copy.deepcopy(card0(data))
    card["log"][0]["seq"] = 1
    data["decks"][0]["cards"].append(card)


def duplicate_seq(data: dict[str, Any]) -> None:
    card = copy.deepcopy(card0(data))
    card["key"] = "k2"
    data["decks"][0]["cards"].append(card)


BAD_BACKUPS = [
    ("foreign", lambda d: d.update(format="anki-backup"), r"not a Wengu backup \(format 'anki-backup'"),
    ("no-format", lambda d: d.pop("format"), r"not a Wengu backup \(format None"),
    ("newer", lambda d: d.update(version=BACKUP_VERSION + 1), "made by a newer version of Wengu"),
    ("version-text", lambda d: d.update(version="1"), "version '1' is not valid"),
    ("no-decks", lambda d: d.pop("decks"), "backup: missing field 'decks'"),
    ("decks-object", lambda d: d.update(decks={}), "decks: expected a list, got dict"),
    ("no-user", lambda d: d.pop("user"), "backup: missing field 'user'"),
    ("no-key", lambda d: card0(d).pop("key"), r"decks\[0\]\.cards\[0\]: missing field 'key'"),
    ("no-log", lambda d: card0(d).pop("log"), r"decks\[0\]\.cards\[0\]: missing field 'log'"),
    ("null-kind", lambda d: card0(d).update(kind=None), r"cards\[0\]\.kind: must not be null"),
    (
        "float-ease",
        lambda d: card0(d)["state"].update(ease_hundredths=2.6),
        r"state\.ease_hundredths: expected a whole number, got 2\.6",
    ),
    ("bool-line", lambda d: card0(d).update(line=True), r"\.line: expected a whole number, got True"),
    ("text-retired", lambda d: card0(d).update(retired="no"), "expected true or false, got 'no'"),
    (
        "naive-time",
        lambda d: card0(d)["log"][0].update(reviewed_at="2026-03-10T12:00:00"),
        r"log\[0\]\.reviewed_at: the time '2026-03-10T12:00:00' has no UTC offset",
    ),
    ("bad-date", lambda d: card0(d)["state"].update(due="2026-02-30"), r"state\.due: expected an ISO date"),
    ("grade", lambda d: card0(d)["log"][0].update(grade=6), r"log\[0\]\.grade: must be 0-5, got 6"),
    ("huge-int", lambda d: card0(d).update(position=2**40), "out of range"),
    ("long-title", lambda d: d["decks"][0].update(title="x" * 201), "longer than 200 characters"),
    ("orphan-topic", lambda d: d["decks"][0]["topics"].pop(0), "has no parent topic in the backup"),
    ("unknown-topic", lambda d: card0(d).update(topic=["Nope"]), "'Nope' is not a topic of the deck"),
    ("empty-path", lambda d: card0(d).update(topic=[]), "a topic path needs at least one title"),
    ("duplicate-key", duplicate_card, "card key 'k1' appears twice in the deck"),
    ("duplicate-seq", duplicate_seq, r"seq: 0 appears twice in the review log"),
    ("no-exported-at", lambda d: d.pop("exported_at"), "missing field 'exported_at'"),
    ("note-kind", lambda d: card0(d).update(note_kind="poem"), r"cards\[0\]\.note_kind: must be one of"),
    ("unticked-object", lambda d: d["decks"][0].update(unticked={}), r"unticked: expected a list, got dict"),
    ("unticked-twice", lambda d: d["decks"][0].update(unticked=["k", "k"]), "unticked: a key appears twice"),
    ("unticked-long", lambda d: d["decks"][0].update(unticked=["k" * 65]), r"unticked\[0\]: longer than 64"),
]


@pytest.mark.parametrize(("mutate", "message"), [c[1:] for c in BAD_BACKUPS], ids=[c[0] for c in BAD_BACKUPS])
def test_malformed_backups_are_refused_with_a_clear_message(mutate, message):
    data = valid_backup()
    mutate(data)
    with pytest.raises(BackupError, match=message):
        read_backup(gz(data))


def test_backup_larger_than_the_limit_is_refused():
    raw = gz(valid_backup()).getvalue()
    assert read_backup(io.BytesIO(raw), max_bytes=10_000)
    with pytest.raises(BackupError, match="larger than 100 bytes"):
        read_backup(io.BytesIO(raw), max_bytes=100)
