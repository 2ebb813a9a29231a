"""The import preview says what an import will do, remembers what the user decided, and lets them fix cards.

Each card is new, edited, unchanged or restored, the cards the note no longer holds are listed as
retired, and the counts agree with the import's report; a card unticked stays out at later imports
until ticked again; a card fixed in the preview keeps the user's wording through re-imports.
"""

from __future__ import annotations

import re

from sqlalchemy import select

from quiz.models import Card, Deck, UntickedCard, db
from tests.test_import_web import counts, form_of, statuses, upload

V1 = (
    "# Git\n\n## Branches\n\n"
    "- `git branch` lists local branches\n"
    "- `git switch -c NAME` creates a branch and switches to it\n\n"
    "## Remotes\n\n"
    "- `git remote -v` shows the remotes with their URLs\n"
)
# Reworded, unchanged, removed, and a new card.
V2 = (
    "# Git\n\n## Branches\n\n"
    "- `git branch` lists the local branches\n"
    "- `git switch -c NAME` creates a branch and switches to it\n\n"
    "## History\n\n"
    "- `git log --oneline` shows the history, one commit a line\n"
)


def preview(client, text: str, name: str = "git") -> tuple[str, str]:
    """Paste ``text`` as the note ``name``; the preview's address and page."""
    location = upload(client, pasted=text, pasted_name=name).headers["Location"]
    return location, client.get(location).get_data(as_text=True)


def report(response) -> dict[str, int]:
    page = response.get_data(as_text=True)
    return {
        column: int(re.search(rf'class="{column}">(\d+)<', page).group(1))
        for column in ("added", "updated", "retired", "restored", "unchanged")
    }


def key_of(page: str, text: str) -> str:
    """The key of the preview card whose text holds ``text``."""
    for key, body in re.findall(r'<li id="card-([^"]+)"[^>]*>(.*?)</li>', page, re.S):
        if text in body:
            return key
    raise AssertionError(f"no card with {text!r}")


def cards(app) -> dict[str, Card]:
    with app.app_context():
        found = {c.back: c for c in db.session.scalars(select(Card))}
        db.session.expunge_all()
        return found


# --- item 5: new / edited / unchanged / retired, with the counts, before anything is stored ----------


def test_the_reimport_preview_marks_each_card_and_lists_the_retired_with_counts_the_import_keeps(app, client):
    location, page = preview(client, V1)
    assert (
        statuses(page) == ["new", "new", "new"]
        and counts(page) == "3 new · 0 edited · 0 unchanged · 0 retired"
    )
    client.post(location, data=form_of(page))

    location, page = preview(client, V2)
    assert statuses(page) == ["edited", "unchanged", "new"]
    assert counts(page) == "1 new · 1 edited · 1 unchanged · 1 retired"
    retiring = re.search(
        r'<section class="preview-retiring" id="preview-retiring">(.*?)</section>', page, re.S
    )
    assert retiring and "1 card no longer in the note" in retiring.group(1)
    assert "git remote -v" in retiring.group(1) and "shows the remotes" in retiring.group(1)
    assert "git remote -v" in {c for c in cards(app)}  # nothing stored yet: the card is still in the quiz
    assert not cards(app)["git remote -v"].retired
    done = client.post(location, data=form_of(page), follow_redirects=True)
    assert report(done) == {"added": 1, "updated": 1, "retired": 1, "restored": 0, "unchanged": 1}

    # Back to the first version: the retired card is restored, the new one retired.
    location, page = preview(client, V1)
    assert statuses(page) == ["edited", "unchanged", "restored"]
    assert counts(page) == "0 new · 1 edited · 1 unchanged · 1 restored · 1 retired"
    done = client.post(location, data=form_of(page), follow_redirects=True)
    assert report(done) == {"added": 0, "updated": 1, "retired": 1, "restored": 1, "unchanged": 1}


def test_unticking_a_card_the_user_has_counts_it_as_retired_and_the_import_agrees(app, client):
    location, page = preview(client, V1)
    client.post(location, data=form_of(page))
    location, page = preview(client, V2)
    switch = key_of(page, "git switch")
    assert "unticked: importing retires your card" in page  # shown by the stylesheet once unticked
    # Untick the unchanged card, and go to the same page again: the counts follow the ticks.
    client.post(location, data={**form_of(page, drop={switch}), "goto": "0:0"})
    page = client.get(location).get_data(as_text=True)
    assert counts(page) == "1 new · 1 edited · 0 unchanged · 2 retired"
    # Tick it again: back as it was.
    client.post(location, data={**form_of(page), "keep": [*form_of(page)["keep"], switch], "goto": "0:0"})
    page = client.get(location).get_data(as_text=True)
    assert counts(page) == "1 new · 1 edited · 1 unchanged · 1 retired"
    done = client.post(location, data=form_of(page, drop={switch}), follow_redirects=True)
    assert report(done) == {"added": 1, "updated": 1, "retired": 2, "restored": 0, "unchanged": 0}
    assert cards(app)["git switch -c NAME"].retired


def test_counts_over_several_notes_add_up(app, client):
    location, page = preview(client, V1)
    client.post(location, data=form_of(page))
    response = upload(
        client, ("git.md", V2.encode()), ("linux.md", b"# Linux\n\n- `ls -la` lists all files\n")
    )
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert counts(page) == "2 new · 1 edited · 1 unchanged · 1 retired"
    assert 'id="preview-note-counts"' in page  # and the note's own


# --- item 6: an unticked card stays skipped until the user ticks it -----------------------------------


def test_a_card_unticked_at_the_first_import_stays_out_of_later_imports_until_ticked(app, client):
    location, page = preview(client, V1)
    switch = key_of(page, "git switch")
    client.post(location, data=form_of(page, drop={switch}))
    assert "git switch -c NAME" not in cards(app)

    # A re-import of a changed note: the card starts unticked, and the import leaves it out again.
    location, page = preview(client, V1 + "- `git fetch` downloads from the remote\n")
    assert f'name="keep" value="{switch}" checked' not in page and f'value="{switch}"' in page
    assert "1 card unticked" in page
    assert counts(page) == "1 new · 0 edited · 2 unchanged · 0 retired"
    client.post(location, data=form_of(page))
    assert "git switch -c NAME" not in cards(app)

    # Ticked again: imported, and from then on ticked.
    location, page = preview(client, V1)
    client.post(location, data={**form_of(page), "keep": [*form_of(page)["keep"], switch]})
    assert "git switch -c NAME" in cards(app)
    location, page = preview(client, V1)
    assert f'name="keep" value="{switch}" checked' in page
    with app.app_context():
        assert db.session.scalars(select(UntickedCard)).all() == []


def test_a_card_unticked_at_a_reimport_is_retired_and_stays_out(app, client):
    location, page = preview(client, V1)
    client.post(location, data=form_of(page))
    location, page = preview(client, V1)
    branch = key_of(page, "git branch")
    client.post(location, data=form_of(page, drop={branch}))
    assert cards(app)["git branch"].retired
    location, page = preview(client, V1)
    assert f'name="keep" value="{branch}" checked' not in page
    # Left unticked, it is not counted as restored (nor retired again: it is retired already).
    assert counts(page) == "0 new · 0 edited · 2 unchanged · 0 retired"
    client.post(location, data=form_of(page))
    assert cards(app)["git branch"].retired


def test_the_unticked_cards_go_with_their_deck(app, client):
    location, page = preview(client, V1)
    client.post(location, data=form_of(page, drop={key_of(page, "git switch")}))
    with app.app_context():
        db.session.delete(db.session.scalars(select(Deck)).one())
        db.session.commit()
        assert db.session.scalars(select(UntickedCard)).all() == []


# --- item 8: Markdown, concept answers, topics in note order, no button without cards -----------------


def test_the_preview_renders_markdown_and_commands_as_the_quiz_does_with_topics_in_note_order(app, client):
    note = (
        "# Notes\n\n## Zeta\n\n- `zcat FILE` shows a **compressed** file\n\n"
        "## Alpha\n\n- Inode: the **record** of a file's metadata\n"
    )
    _location, page = preview(client, note)
    assert re.findall(r"<h3>([^<]+)</h3>", page) == ["Notes › Zeta", "Notes › Alpha"]
    assert "<p>shows a <strong>compressed</strong> file</p>" in page and "**" not in page
    assert '<div class="back"><pre class="command"><code>zcat FILE</code></pre></div>' in page
    assert '<div class="back"><p>the <strong>record</strong> of a file\'s metadata</p></div>' in page


def test_markdown_in_a_card_is_escaped_not_run(app, client):
    _location, page = preview(client, "# N\n\n- Danger: <script>alert(1)</script> **bold**\n")
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page


def test_a_note_with_no_cards_offers_no_import_button(app, client):
    _location, page = preview(client, "# Thoughts\n\nJust prose, nothing to learn here.\n")
    assert "No cards found in this note." in page
    assert 'id="confirm-import"' not in page and 'id="nothing-to-import"' in page
    assert 'id="discard-form"' in page
    _location, page = preview(client, V1, name="other")
    assert 'id="confirm-import"' in page


def test_a_note_emptied_of_its_cards_still_offers_to_retire_them(app, client):
    location, page = preview(client, V1)
    client.post(location, data=form_of(page))
    _location, page = preview(client, "# Git\n\nNothing left.\n")
    assert counts(page) == "0 new · 0 edited · 0 unchanged · 3 retired" and 'id="confirm-import"' in page


# --- item 9: fix a card in the preview; the fix is the user's wording through re-imports --------------


def fix(client, location: str, page: str, key: str, **fields: str):
    """Press the card's Fix button (the page's ticks are kept), then send the fix form."""
    opened = client.post(location, data={**form_of(page), "fix": key})
    assert opened.status_code == 302 and "/fix?" in opened.headers["Location"]
    form_page = client.get(opened.headers["Location"]).get_data(as_text=True)
    hidden = dict(re.findall(r'<input type="hidden" name="(note|page|key)" value="([^"]*)"', form_page))
    return client.post(f"{location}/fix", data={**hidden, **fields})


def test_a_card_fixed_in_the_preview_is_imported_as_fixed_and_keeps_the_fix_through_reimports(app, client):
    location, page = preview(client, V1)
    remote = key_of(page, "git remote -v")
    saved = fix(
        client,
        location,
        page,
        remote,
        kind="qa",
        front="How do you see the **remotes**?",
        back="git remote -v",
    )
    assert saved.status_code == 302 and saved.headers["Location"].endswith(f"#card-{remote}")
    page = client.get(location).get_data(as_text=True)
    card = re.search(rf'<li id="card-{remote}"[^>]*>(.*?)</li>', page, re.S).group(1)
    assert "your fix" in card and "<strong>remotes</strong>" in card and "Question" in card
    assert '<div class="back"><p>git remote -v</p></div>' in card  # a question's answer: not a command block
    client.post(location, data=form_of(page))
    stored = cards(app)["git remote -v"]
    assert (stored.kind, stored.note_kind) == ("qa", "command")
    assert (stored.shown_front, stored.front) == (
        "How do you see the **remotes**?",
        "shows the remotes with their URLs",
    )
    assert stored.override_back is None  # the same as the note's

    # The note changes around it: the card is matched, its note text follows, the user's wording stays.
    location, page = preview(client, V1.replace("shows the remotes with", "lists the remotes with"))
    card = re.search(rf'<li id="card-{remote}"[^>]*>(.*?)</li>', page, re.S).group(1)
    assert "your wording" in card and "How do you see the" in card and 'class="status-edited"' not in card
    assert statuses(page) == ["unchanged", "unchanged", "edited"]
    client.post(location, data=form_of(page))
    stored = cards(app)["git remote -v"]
    assert (stored.kind, stored.note_kind, stored.shown_front) == (
        "qa",
        "command",
        "How do you see the **remotes**?",
    )
    assert stored.front == "lists the remotes with their URLs"


def test_fixing_a_card_the_user_has_starts_from_their_wording(app, client):
    location, page = preview(client, V1)
    branch = key_of(page, "git branch")
    fix(
        client,
        location,
        page,
        branch,
        kind="command",
        front="Which command lists branches?",
        back="git branch",
    )
    client.post(location, data=form_of(client.get(location).get_data(as_text=True)))
    location, page = preview(client, V1)
    opened = client.post(location, data={**form_of(page), "fix": branch})
    form_page = client.get(opened.headers["Location"]).get_data(as_text=True)
    assert "Which command lists branches?" in form_page and 'id="forget-fix"' not in form_page
    # Only the back changes: the front stays the user's.
    fix(
        client,
        location,
        page,
        branch,
        kind="command",
        front="Which command lists branches?",
        back="git branch -a",
    )
    client.post(location, data=form_of(client.get(location).get_data(as_text=True)))
    stored = cards(app)["git branch"]
    assert (stored.shown_front, stored.shown_back) == ("Which command lists branches?", "git branch -a")


def test_a_fix_can_be_forgotten_and_bad_fixes_get_a_message(app, client):
    location, page = preview(client, V1)
    branch = key_of(page, "git branch")
    refused = fix(client, location, page, branch, kind="command", front="   ", back="git branch")
    assert refused.status_code == 400 and "Write the card's front." in refused.get_data(as_text=True)
    refused = fix(client, location, page, branch, kind="nonsense", front="x", back="y")
    assert refused.status_code == 400 and 'id="fix-form"' in refused.get_data(as_text=True)
    fix(client, location, page, branch, kind="concept", front="Branches?", back="git branch")
    assert "your fix" in client.get(location).get_data(as_text=True)
    forgot = client.post(f"{location}/fix", data={"note": "0", "page": "0", "key": branch, "reset": "1"})
    assert forgot.status_code == 302
    page = client.get(location).get_data(as_text=True)
    assert "your fix" not in page
    client.post(location, data=form_of(page))
    stored = cards(app)["git branch"]
    assert (stored.kind, stored.note_kind, stored.override_front) == ("command", None, None)


def test_the_fix_page_answers_404_for_a_card_not_in_the_preview_and_others_imports(app, client):
    location, _page = preview(client, V1)
    assert client.get(f"{location}/fix?note=0&page=0&key=nope").status_code == 404
    assert client.get(f"{location}/fix?note=x&page=0&key=nope").status_code in (400, 404)
    assert client.post(f"{location}/fix", data={"note": "0", "page": "9", "key": "x"}).status_code == 404
    from tests.conftest import log_in

    other = log_in(app, "bob")
    assert other.get(f"{location}/fix?note=0&page=0&key=nope").status_code == 404


def test_the_card_browser_puts_the_notes_kind_back_with_its_text(app, client):
    location, page = preview(client, V1)
    fix(client, location, page, key_of(page, "git branch"), kind="qa", front="Branches?", back="git branch")
    client.post(location, data=form_of(client.get(location).get_data(as_text=True)))
    card = cards(app)["git branch"]
    assert card.kind == "qa" and card.overridden
    client.post(f"/cards/{card.id}/edit", data={"reset": "1"})
    card = cards(app)["git branch"]
    assert (card.kind, card.note_kind, card.override_front) == ("command", None, None)


def test_a_fix_button_sent_without_its_page_imports_nothing(app, client):
    location, page = preview(client, V1)
    response = client.post(location, data={"fix": key_of(page, "git branch")})
    assert response.status_code == 302 and response.headers["Location"].endswith(location)
    assert cards(app) == {}
