"""Importing an Anki package in the browser (/import/anki): the cards arrive with their schedule and the
result page says what was done; a bad file is refused in the user's language and stores nothing.  On
SQLite and PostgreSQL."""

from __future__ import annotations

import io
import re
import sqlite3
import time
import zipfile
from pathlib import Path

import genanki
from sqlalchemy import func, select

from quiz.models import Card, Deck, ReviewLog, db
from tests.conftest import drop_schema, log_in, make_app

MODEL = genanki.Model(
    1_414_141_414,
    "Basic",
    fields=[{"name": "Front"}, {"name": "Back"}],
    templates=[{"name": "Card 1", "qfmt": "{{Front}}", "afmt": "{{FrontSide}}<hr id=answer>{{Back}}"}],
)
NOTES = {
    "Spanish": [("hola", "hello"), ("gracias", "thank you")],
    "Spanish::Verbs": [("comer", "to eat")],
}
CSRF_RE = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def anki_package(tmp_path: Path, studied: str | None = "hola") -> bytes:
    """A genanki package of ``NOTES``; the card of ``studied`` made a review card (due in 3 days, interval
    10 days) with two reviews in its history, as Anki exports it with scheduling."""
    decks = []
    for number, (name, notes) in enumerate(NOTES.items()):
        deck = genanki.Deck(1_500_000_000 + number, name)
        for front, back in notes:
            deck.add_note(genanki.Note(model=MODEL, fields=[front, back], guid=f"guid-{front}"))
        decks.append(deck)
    path = tmp_path / "spanish.apkg"
    genanki.Package(decks).write_to_file(str(path), timestamp=time.time() - 86_400)
    if studied is None:
        return path.read_bytes()
    collection = tmp_path / "collection.anki2"
    with zipfile.ZipFile(path) as package:
        collection.write_bytes(package.read("collection.anki2"))
        media = package.read("media")
    conn = sqlite3.connect(collection)
    with conn:
        (crt,) = conn.execute("SELECT crt FROM col").fetchone()
        today = (int(time.time()) - crt) // 86_400
        (card_id,) = conn.execute(
            "SELECT cards.id FROM cards JOIN notes ON notes.id = cards.nid WHERE notes.sfld = ?", (studied,)
        ).fetchone()
        conn.execute(
            "UPDATE cards SET type = 2, queue = 2, due = ?, ivl = 10, factor = 2500, reps = 2 WHERE id = ?",
            (today + 3, card_id),
        )
        now_ms = int(time.time() * 1000)
        conn.executemany(
            "INSERT INTO revlog VALUES (?, ?, -1, ?, ?, ?, ?, 6000, ?)",
            [
                (now_ms - 8 * 86_400_000, card_id, 3, 1, -600, 2500, 0),
                (now_ms - 7 * 86_400_000, card_id, 3, 10, 1, 2500, 1),
            ],
        )
    conn.close()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as package:
        package.write(collection, "collection.anki2")
        package.writestr("media", media)
    return buffer.getvalue()


def upload(client, data: bytes | None, name: str = "spanish.apkg", **headers: str):
    form = {} if data is None else {"package": (io.BytesIO(data), name)}
    return client.post("/import/anki", data=form, content_type="multipart/form-data", headers=headers)


def stored(app) -> tuple[int, int, int]:
    with app.app_context():
        return tuple(
            db.session.scalar(select(func.count()).select_from(model)) for model in (Deck, Card, ReviewLog)
        )


def report(page: str) -> dict[str, dict[str, str]]:
    """The result table: deck title -> column class -> the number shown."""
    rows = {}
    for row in re.findall(r"<tr data-deck=.*?</tr>", page, re.S):
        title = re.search(r'<a href="[^"]*#deck-\d+">([^<]+)</a>', row).group(1)
        rows[title] = dict(re.findall(r'<td class="(\w+)">([^<]*)</td>', row))
    return rows


def test_the_import_page_links_to_the_anki_import_and_it_shows_its_form(client):
    page = client.get("/import").get_data(as_text=True)
    assert 'href="/import/anki"' in page
    response = client.get("/import/anki")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'type="file"' in page and 'accept=".apkg,.colpkg"' in page and "At most 64 MB" in page
    page = client.get("/import/anki", headers={"Accept-Language": "zh"}).get_data(as_text=True)
    assert "导入 Anki 卡组" in page


def test_a_package_becomes_decks_and_cards_with_their_schedule_and_history(app, client, tmp_path):
    response = upload(client, anki_package(tmp_path))
    page = response.get_data(as_text=True)
    assert response.status_code == 200, page
    rows = report(page)
    assert set(rows) == {"Spanish"}  # the subdeck is a topic of its top-level deck
    assert rows["Spanish"]["added"] == "3" and rows["Spanish"]["reviews"] == "2"
    assert rows["Spanish"]["updated"] == rows["Spanish"]["retired"] == "0"
    with app.app_context():
        deck = db.session.scalars(select(Deck)).one()
        assert deck.title == "Spanish"
        assert f'href="/progress#deck-{deck.id}"' in page
        assert stored(app) == (1, 3, 2)
    # The cards are the user's now: in the card browser, the studied one no longer new, and on the
    # progress page under the deck the result page links to.
    browser = client.get("/cards").get_data(as_text=True)
    assert all(word in browser for word in ("hola", "gracias", "comer"))
    new = client.get("/cards?state=new").get_data(as_text=True)
    assert "gracias" in new and "comer" in new and "hola" not in new
    progress = client.get("/progress").get_data(as_text=True)
    assert f'id="deck-{deck.id}"' in progress and "Verbs" in progress
    assert "Spanish" in client.get("/").get_data(as_text=True)


def test_importing_the_same_package_again_updates_the_deck_and_adds_nothing(app, client, tmp_path):
    package = anki_package(tmp_path)
    assert upload(client, package).status_code == 200
    page = upload(client, package).get_data(as_text=True)
    assert report(page)["Spanish"]["added"] == "0" and report(page)["Spanish"]["unchanged"] == "3"
    assert "new deck" not in page and stored(app)[:2] == (1, 3)


def package_with_empty_fronts(tmp_path: Path, empty: int) -> bytes:
    """Deck "Odd": one note that makes a card and ``empty`` notes whose front is empty (no card)."""
    odd = genanki.Model(
        1_414_141_415,
        "Basic 100% (odd)",  # a name with a per cent sign, which the reason quotes
        fields=[{"name": "Front"}, {"name": "Back"}],
        templates=[{"name": "Card 1", "qfmt": "{{Front}}", "afmt": "{{FrontSide}}<hr id=answer>{{Back}}"}],
    )
    deck = genanki.Deck(1_600_000_000, "Odd")
    deck.add_note(genanki.Note(model=odd, fields=["kept", "a card"], guid="guid-kept"))
    for n in range(empty):
        deck.add_note(genanki.Note(model=odd, fields=[f"emptied {n}", "no front"], guid=f"guid-emptied-{n}"))
    path = tmp_path / "odd.apkg"
    genanki.Package(deck).write_to_file(str(path), timestamp=time.time())
    collection = tmp_path / "collection.anki2"
    with zipfile.ZipFile(path) as package:
        collection.write_bytes(package.read("collection.anki2"))
    conn = sqlite3.connect(collection)
    with conn:
        conn.execute("UPDATE notes SET flds = ? WHERE sfld LIKE 'emptied %'", ("\x1fno front",))
    conn.close()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as package:
        package.write(collection, "collection.anki2")
        package.writestr("media", "{}")
    return buffer.getvalue()


def test_notes_that_make_no_card_are_listed_with_their_reason(app, client, tmp_path):
    package = package_with_empty_fronts(tmp_path, 1)
    for language in ("en", "zh"):
        response = upload(client, package, **{"Accept-Language": language})
        page = response.get_data(as_text=True)
        assert response.status_code == 200, page
        reasons = re.findall(r'<li class="skipped">([^<]*)</li>', page)
        assert len(reasons) == 1 and "Basic 100% (odd)" in reasons[0]
        assert "question side is empty" in reasons[0]
    assert "Odd: left out of the import (1)" in upload(client, package).get_data(as_text=True)
    assert stored(app)[:2] == (1, 1)


def test_the_reasons_shown_are_capped_and_the_rest_counted(app, client, tmp_path):
    page = upload(client, package_with_empty_fronts(tmp_path, 103)).get_data(as_text=True)
    assert "Odd: left out of the import (103)" in page
    assert len(re.findall(r'<li class="skipped">', page)) == 100 and "…and 3 more left out." in page


def test_a_malformed_package_is_refused_in_the_users_language_and_stores_nothing(app, client, tmp_path):
    not_a_zip = b"PK\x03\x04 this is not an Anki package at all" * 10
    response = upload(client, not_a_zip)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "This package cannot be imported" in page and "Nothing was stored." in page
    assert 'id="anki-form"' in page  # the form again, to choose another file
    response = upload(client, not_a_zip, **{"Accept-Language": "zh"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "无法导入这个卡包" in page and "没有保存任何内容" in page
    # A zip that is no Anki package, and a truncated real one.
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("notes.md", "# not Anki")
    assert upload(client, buffer.getvalue()).status_code == 400
    whole = anki_package(tmp_path)
    assert upload(client, whole[: len(whole) // 2]).status_code == 400
    assert stored(app) == (0, 0, 0)


def test_no_file_says_to_choose_one(app, client):
    response = upload(client, None)
    assert response.status_code == 400
    assert "Choose an Anki package (.apkg or .colpkg) first." in response.get_data(as_text=True)
    response = upload(client, b"", name="")
    assert response.status_code == 400
    page = upload(client, None, **{"Accept-Language": "zh"}).get_data(as_text=True)
    assert "请先选择一个 Anki 卡包" in page
    assert stored(app) == (0, 0, 0)


def test_a_package_over_the_limit_is_refused_with_the_limit(database_url, tmp_path):
    app = make_app(database_url, tmp_path, ANKI_IMPORT_MAX_BYTES=1024)
    with app.app_context():
        db.create_all()
    try:
        client = log_in(app)
        response = upload(client, anki_package(tmp_path))
        assert response.status_code == 413
        assert "the most this Wengu accepts for an Anki import" in response.get_data(as_text=True)
        assert stored(app) == (0, 0, 0)
    finally:
        drop_schema(app)
    # A request larger than any upload is refused before it is read, with the same explanation.
    app = make_app(database_url, tmp_path, ANKI_IMPORT_MAX_BYTES=1024, MAX_CONTENT_LENGTH=4096)
    with app.app_context():
        db.create_all()
    try:
        response = upload(log_in(app), anki_package(tmp_path) + b"\0" * 8192, **{"Accept-Language": "zh"})
        assert response.status_code == 413 and "导入 Anki 卡组时接受的上限" in response.get_data(as_text=True)
        assert stored(app) == (0, 0, 0)
    finally:
        drop_schema(app)


def test_the_form_needs_its_csrf_token(database_url, tmp_path):
    app = make_app(database_url, tmp_path, WTF_CSRF_ENABLED=True)
    with app.app_context():
        db.create_all()
    try:
        client = log_in(app)
        package = anki_package(tmp_path)
        assert upload(client, package).status_code == 400
        assert stored(app) == (0, 0, 0)
        token = CSRF_RE.search(client.get("/import/anki").get_data(as_text=True)).group(1)
        response = client.post(
            "/import/anki",
            data={"package": (io.BytesIO(package), "spanish.apkg"), "csrf_token": token},
            content_type="multipart/form-data",
        )
        assert response.status_code == 200 and stored(app) == (1, 3, 2)
    finally:
        drop_schema(app)
