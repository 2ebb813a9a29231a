"""Importing a package that the real ``anki`` library exported, as a person does in headless Chromium: the
upload, the result page, then the studied card first in today's quiz."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import select

from quiz.models import Card, Deck, db

pytestmark = pytest.mark.slow

DECK = "Capitals 首都"
NOTES = [("The capital of France?", "Paris"), ("The capital of Japan?", "Tokyo")]


def anki_export(folder: Path) -> Path:
    """A package made by Anki itself: two notes in ``DECK``, the first studied (answered, then due today as
    a review card), exported with its scheduling in Anki's current format."""
    from anki.collection import Collection, ExportAnkiPackageOptions

    (folder / "anki").mkdir()
    col = Collection(str(folder / "anki" / "collection.anki2"))
    try:
        deck_id = col.decks.id(DECK)
        model = col.models.by_name("Basic")
        for front, back in NOTES:
            note = col.new_note(model)
            note.fields[0], note.fields[1] = front, back
            col.add_note(note, deck_id)
        studied = col.get_card(sorted(col.find_cards(f'"deck:{DECK}" "front:{NOTES[0][0]}"'))[0])
        studied.start_timer()
        col.sched.answerCard(studied, 4)  # Easy: a review card, due in a few days
        col.sched.set_due_date([studied.id], "0")  # due today, so the quiz starts with it
        assert col.db.scalar("select count() from revlog where cid = ?", studied.id) >= 1
        out = folder / "capitals.apkg"
        options = ExportAnkiPackageOptions(
            with_scheduling=True, with_deck_configs=False, with_media=True, legacy=False
        )
        col.export_anki_package(out_path=str(out), options=options, limit=None)
        return out
    finally:
        col.close()


def test_a_package_exported_by_anki_is_imported_and_its_studied_card_comes_up_in_the_quiz(
    page, server, tmp_path
):
    base, app = server
    package = anki_export(tmp_path)
    page.goto(base + "/import")
    with page.expect_navigation():
        page.click("#anki-import-link a")
    page.set_input_files("#package", str(package))
    with page.expect_navigation():
        page.click("#anki-form button[type=submit]")
    row = page.locator("#anki-report tbody tr", has_text=DECK)
    assert row.locator("td.added").inner_text() == "2"
    assert int(row.locator("td.reviews").inner_text()) >= 1
    assert "new deck" in row.inner_text()
    with page.expect_navigation():
        row.locator("a").click()
    assert page.locator(f"tr[id^=deck-][data-topic='{DECK}'] td.cards").inner_text() == "2"
    # The studied card is due today: the quiz starts with it (the demo deck's cards are all new).
    page.goto(base + "/")
    with page.expect_navigation():
        page.click("#start")
    page.wait_for_url(re.compile(r"/quiz/card/\d+$"))
    assert page.locator("article.card .front").inner_text().strip() == NOTES[0][0]
    card_id = int(page.locator("article.card").get_attribute("data-card"))
    with app.app_context():
        card = db.session.get(Card, card_id)
        assert db.session.scalar(select(Deck.title).where(Deck.id == card.deck_id)) == DECK
