"""Restoring a backup from Settings: checked as `flask restore` checks it, shown, and only then, when the
user confirms, put in place of the account's data; refused with a clear message, in the user's language,
when anything is wrong, and then nothing changes.  On SQLite and PostgreSQL."""

from __future__ import annotations

import gc
import html
import io
import os
import re
import time
import warnings
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from quiz import backup
from quiz.models import Card, Deck, ReviewLog, User, db
from quiz.store.days import get_or_create_user
from quiz.store.grading import record_grade
from quiz.store.importing import import_note_files
from tests.conftest import TEST_USER, counter_mismatches, drop_schema, log_in, make_app
from tests.test_backup import BAD_BACKUPS, gz, valid_backup

NOON = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


def backup_of_bob(app, notes_dir: Path) -> bytes:
    """A backup of another account: both notes of ``notes_dir``, three grades, its own settings."""
    with app.app_context():
        bob = get_or_create_user(db.session, "bob")
        bob.timezone, bob.reviews_per_day, bob.locale = "Asia/Shanghai", 77, "en"
        import_note_files(db.session, bob, [notes_dir])
        cards = db.session.scalars(
            select(Card).join(Deck).where(Deck.user_id == bob.id).order_by(Card.id)
        ).all()
        for minutes, card in enumerate(cards[:3]):
            record_grade(db.session, bob, card, 4, NOON + timedelta(minutes=minutes))
        db.session.commit()
        buffer = io.BytesIO()
        backup.write_backup(db.session, bob, buffer)
        return buffer.getvalue()


def alice(session) -> User:
    return session.scalars(select(User).where(User.name == TEST_USER)).one()


def what_alice_has(app) -> tuple[list[str], int, int]:
    """Alice's deck titles, review count and reviews-per-day setting."""
    with app.app_context():
        user = alice(db.session)
        decks = sorted(db.session.scalars(select(Deck.title).where(Deck.user_id == user.id)))
        reviews = db.session.scalar(
            select(func.count()).select_from(ReviewLog).where(ReviewLog.user_id == user.id)
        )
        return decks, reviews, user.reviews_per_day


def kept_files(app) -> list[str]:
    folder = Path(app.instance_path) / "restores"
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def give_alice_a_deck(client) -> None:
    client.post("/demo")
    card_page = client.post("/quiz/start", data={}, follow_redirects=True).get_data(as_text=True)
    card_id = re.search(r'data-card="(\d+)"', card_page).group(1)
    assert client.post(f"/quiz/card/{card_id}/grade", data={"grade": 5}).status_code == 302


def upload(client, raw: bytes, name: str = "wengu-bob.json.gz", **headers: str):
    return client.post(
        "/settings/restore",
        data={"backup": (io.BytesIO(raw), name)},
        content_type="multipart/form-data",
        headers=headers,
    )


def restore_error(response) -> str:
    found = re.search(r'id="restore-error">([^<]*)<', response.get_data(as_text=True))
    assert found, response.get_data(as_text=True)[-2000:]
    return html.unescape(found.group(1))


def flashes(page: str) -> list[str]:
    return [html.unescape(m) for m in re.findall(r'<p class="flash" role="status">([^<]*)</p>', page)]


def token_on(page: str) -> str:
    return re.search(r'name="token" type="hidden" value="([0-9a-f]+)"', page).group(1)


def test_settings_offer_the_restore_and_say_no_backticks(client):
    page = client.get("/settings").get_data(as_text=True)
    assert 'id="restore-form"' in page and 'enctype="multipart/form-data"' in page and 'type="file"' in page
    assert "<code>flask restore</code>" in page
    text = re.sub(r"<[^>]+>", "", page)
    assert "`" not in text


def test_the_backup_is_shown_and_replaces_the_account_only_when_confirmed(app, client, notes_dir):
    give_alice_a_deck(client)
    before = what_alice_has(app)
    assert before[1] == 1
    raw = backup_of_bob(app, notes_dir)

    checked = upload(client, raw)
    assert checked.status_code == 302 and checked.headers["Location"].endswith("/settings/restore")
    assert what_alice_has(app) == before  # checked and kept, nothing replaced yet
    assert len(kept_files(app)) == 1
    page = client.get("/settings/restore").get_data(as_text=True)
    rows = {
        row: re.findall(r"<td>([^<]*)</td>", re.search(rf'<tr id="restore-{row}">(.*?)</tr>', page).group(1))
        for row in ("backup", "account")
    }
    assert rows == {"backup": ["2", "5", "3"], "account": ["1", "40", "1"]}
    assert "wengu-bob.json.gz" in page and "cannot be undone" in page

    done = client.post("/settings/restore/confirm", data={"token": token_on(page)})
    assert done.status_code == 302 and done.headers["Location"].endswith("/")
    assert flashes(client.get("/").get_data(as_text=True)) == [
        "Backup restored: 2 decks, 5 cards and 3 reviews."
    ]
    assert what_alice_has(app) == (["git", "linux"], 3, 77)
    with app.app_context():
        user = alice(db.session)
        assert (user.name, user.timezone) == (TEST_USER, "Asia/Shanghai")
        bob = db.session.scalars(select(User).where(User.name == "bob")).one()
        assert (
            len(db.session.scalars(select(Deck).where(Deck.user_id == bob.id)).all()) == 2
        )  # bob's untouched
        with db.engine.connect() as connection:
            assert counter_mismatches(connection) == []
    assert kept_files(app) == []
    assert client.get("/settings/restore").status_code == 302  # nothing waits any more


def test_cancel_changes_nothing(app, client, notes_dir):
    give_alice_a_deck(client)
    before = what_alice_has(app)
    upload(client, backup_of_bob(app, notes_dir))
    response = client.post("/settings/restore/cancel")
    assert response.status_code == 302 and response.headers["Location"].endswith("/settings")
    assert "Restore cancelled: nothing was changed." in flashes(
        client.get("/settings").get_data(as_text=True)
    )
    assert what_alice_has(app) == before and kept_files(app) == []


@pytest.mark.parametrize(("mutate", "message"), [c[1:] for c in BAD_BACKUPS], ids=[c[0] for c in BAD_BACKUPS])
def test_a_bad_backup_is_refused_naming_the_first_bad_field(app, client, mutate, message):
    give_alice_a_deck(client)
    before = what_alice_has(app)
    data = valid_backup()
    mutate(data)
    response = upload(client, gz(data).getvalue())
    assert response.status_code == 400
    error = restore_error(response)
    assert re.search(message, error) and error.startswith("This file cannot be restored: ")
    assert error.endswith("Nothing was changed.")
    assert what_alice_has(app) == before and kept_files(app) == []
    assert client.get("/settings/restore").status_code == 302


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"PK\x03\x04 a zip file", "not gzip-compressed"),
        (b"", "not a Wengu backup: the file is empty"),
        (gz([1, 2]).getvalue(), "expected a JSON object, got list"),
    ],
    ids=["not-gzip", "empty-file", "not-a-backup"],
)
def test_files_that_are_no_backup_are_refused(app, client, raw, message):
    response = upload(client, raw)
    assert response.status_code == 400 and message in restore_error(response)
    assert kept_files(app) == []


def test_no_file_chosen(client):
    response = client.post("/settings/restore", data={}, content_type="multipart/form-data")
    assert response.status_code == 400 and restore_error(response) == "Choose a backup file first."


def test_refusals_are_in_the_users_language(app, client):
    data = valid_backup()
    data["decks"][0]["cards"][0]["log"][0]["grade"] = 6
    response = upload(client, gz(data).getvalue(), **{"Accept-Language": "zh-CN,zh;q=0.9"})
    assert restore_error(response) == (
        "无法恢复这个文件：decks[0].cards[0].log[0].grade：必须是 0 到 5，实际为 6。没有做任何更改。"
    )
    data = valid_backup()
    data["decks"][0]["cards"][0]["kind"] = "poem"
    error = restore_error(upload(client, gz(data).getvalue(), **{"Accept-Language": "zh-CN"}))
    assert "decks[0].cards[0].kind：必须是 command, concept, cloze, qa 之一，实际为 'poem'" in error
    error = restore_error(upload(client, b"garbage", **{"Accept-Language": "zh-CN"}))
    assert error == "无法恢复这个文件：不是温故备份：文件不是 gzip 压缩的，或已损坏。没有做任何更改。"


def test_a_file_over_the_limit_is_refused_with_the_limit_named(app, client):
    app.config["RESTORE_MAX_BYTES"] = 1024 * 1024
    response = upload(client, b"\x1f\x8b" + os.urandom(1024 * 1024))
    assert response.status_code == 413
    assert restore_error(response) == (
        "The backup file is larger than 1 MB, the most this Wengu accepts for a restore. Nothing was changed."
    )
    assert kept_files(app) == []
    app.config["MAX_CONTENT_LENGTH"] = 64 * 1024  # a body too large to read at all: the same words
    with warnings.catch_warnings():
        # Werkzeug leaves the temporary file of the refused body to the garbage collector.
        warnings.simplefilter("ignore", ResourceWarning)
        response = upload(client, os.urandom(200 * 1024), **{"Accept-Language": "zh-CN"})
        page, status = response.get_data(as_text=True), response.status_code
        response.close()
        gc.collect()
    assert status == 413 and "备份文件超过了 1 MB" in page


def test_a_backup_larger_uncompressed_than_allowed_is_refused(app, client):
    app.config["RESTORE_MAX_UNCOMPRESSED_BYTES"] = 500
    response = upload(client, gz(valid_backup()).getvalue())
    assert response.status_code == 400 and "larger than 500 bytes uncompressed" in restore_error(response)


def test_only_the_upload_this_session_checked_can_be_confirmed(app, client, notes_dir):
    give_alice_a_deck(client)
    before = what_alice_has(app)
    bob = log_in(app, "bob")  # bob checks a backup of his own
    raw = backup_of_bob(app, notes_dir)
    token = token_on(upload(bob, raw) and bob.get("/settings/restore").get_data(as_text=True))
    for sent in ({"token": token}, {"token": "0" * 32}, {"token": "../../secret_key"}, {}):
        response = client.post("/settings/restore/confirm", data=sent)
        assert response.status_code == 302 and response.headers["Location"].endswith("/settings")
    assert what_alice_has(app) == before
    upload(client, raw)
    response = client.post("/settings/restore/confirm", data={"token": token})  # bob's token, alice's upload
    assert response.status_code == 302 and what_alice_has(app) == before
    assert "not waiting to be restored any more" in flashes(client.get("/settings").get_data(as_text=True))[0]


def test_an_upload_left_waiting_too_long_is_gone(app, client, notes_dir):
    give_alice_a_deck(client)
    before = what_alice_has(app)
    upload(client, backup_of_bob(app, notes_dir))
    token = token_on(client.get("/settings/restore").get_data(as_text=True))
    (kept,) = (Path(app.instance_path) / "restores").iterdir()
    old = time.time() - backup.KEPT_UPLOAD_SECONDS - 60
    os.utime(kept, (old, old))
    response = client.post("/settings/restore/confirm", data={"token": token})
    assert response.status_code == 302 and what_alice_has(app) == before
    response = client.get("/settings/restore")
    assert response.status_code == 302 and response.headers["Location"].endswith("/settings")


def test_every_restore_form_needs_its_csrf_token(database_url, tmp_path, notes_dir):
    app = make_app(database_url, tmp_path, WTF_CSRF_ENABLED=True)
    with app.app_context():
        db.create_all()
    try:
        client = log_in(app)
        raw = backup_of_bob(app, notes_dir)
        response = upload(client, raw)  # no token
        assert response.status_code == 400 and kept_files(app) == []
        page = client.get("/settings").get_data(as_text=True)
        csrf = re.search(
            r'id="restore-form".*?name="csrf_token" type="hidden" value="([^"]+)"', page, re.S
        ).group(1)
        response = client.post(
            "/settings/restore",
            data={"backup": (io.BytesIO(raw), "b.json.gz"), "csrf_token": csrf},
            content_type="multipart/form-data",
        )
        assert response.status_code == 302
        token = token_on(client.get("/settings/restore").get_data(as_text=True))
        assert client.post("/settings/restore/confirm", data={"token": token}).status_code == 400
        assert what_alice_has(app)[0] == []
        page = client.get("/settings/restore").get_data(as_text=True)
        csrf = re.search(
            r'id="restore-confirm-form".*?name="csrf_token" type="hidden" value="([^"]+)"', page, re.S
        )
        response = client.post(
            "/settings/restore/confirm", data={"token": token, "csrf_token": csrf.group(1)}
        )
        assert response.status_code == 302 and what_alice_has(app)[0] == ["git", "linux"]
    finally:
        drop_schema(app)


def test_a_kept_upload_is_taken_once(tmp_path):
    token = backup.keep_upload(tmp_path, 7, b"backup bytes")
    assert backup.kept_upload(tmp_path, 7, token) == b"backup bytes"
    assert backup.kept_upload(tmp_path, 8, token) is None  # another user's id: not this file
    assert backup.take_upload(tmp_path, 7, token) == b"backup bytes"
    assert backup.take_upload(tmp_path, 7, token) is None  # the second click of a double click
    first = backup.keep_upload(tmp_path, 7, b"one")
    second = backup.keep_upload(tmp_path, 7, b"two")  # a new upload replaces the waiting one
    assert (
        backup.kept_upload(tmp_path, 7, first) is None and backup.kept_upload(tmp_path, 7, second) == b"two"
    )
    assert [p.stat().st_mode & 0o777 for p in tmp_path.iterdir()] == [0o600]
