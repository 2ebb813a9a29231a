"""The import preview as a person sees it, in headless Chromium: statuses and counts, the retired cards,
Markdown and monospace, topics in note order, no button without cards, a fix made before importing."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from quiz.models import Card, Deck, db

pytestmark = pytest.mark.slow

V1 = (
    "# Git\n\n## Zeta branches\n\n"
    "- `git branch` lists **local** branches\n"
    "- `git switch -c NAME` creates a branch and switches to it\n\n"
    "## Alpha terms\n\n"
    "- Remote: a **copy** of the repository on another machine\n"
    "- `git remote -v` shows the remotes with their URLs\n"
)
V2 = (
    V1.replace("lists **local** branches", "lists the **local** branches")
    .replace("- `git remote -v` shows the remotes with their URLs\n", "")
    .replace("## Alpha terms\n\n", "## Alpha terms\n\n- `git fetch` downloads what the remote has\n")
)


def paste(page, base: str, text: str, name: str = "git") -> None:
    """Paste a note on the import page and open its preview."""
    page.goto(base + "/import")
    page.fill("#pasted", text)
    page.fill("#pasted_name", name)
    with page.expect_navigation():
        page.click("#upload-form button[type=submit]")
    page.wait_for_selector("#preview-form")


def confirm(page) -> dict[str, str]:
    """Import the ticked cards; the report's numbers by column."""
    with page.expect_navigation():
        page.click("#confirm-import")
    row = page.locator("#import-report tbody tr").last
    return {
        name: row.locator(f"td.{name}").inner_text() for name in ("added", "updated", "retired", "unchanged")
    }


def card(page, text: str):
    return page.locator("#preview-form li[id^=card-]", has_text=text)


def monospace(locator) -> bool:
    """Whether the element is set in the stylesheet's monospace fonts (those of code)."""
    return locator.evaluate("element => getComputedStyle(element).fontFamily").startswith("ui-monospace")


def test_the_preview_shows_markdown_commands_in_monospace_and_topics_in_note_order(page, server):
    base, _app = server
    paste(page, base, V1)
    assert page.locator("#preview-form h3").all_inner_texts() == ["Git › Zeta branches", "Git › Alpha terms"]
    branch = card(page, "git branch")
    assert branch.locator(".front strong").inner_text() == "local"
    assert "**" not in branch.inner_text()
    assert monospace(branch.locator(".back pre code"))
    concept = card(page, "copy of the repository")
    assert concept.locator(".back strong").inner_text() == "copy"
    assert not monospace(concept.locator(".back p")) and concept.locator(".back code, .back pre").count() == 0
    assert page.locator("#preview-counts").inner_text() == "4 new · 0 edited · 0 unchanged · 0 retired"


def test_the_reimport_preview_marks_cards_lists_the_retired_and_the_report_agrees(page, server):
    base, _app = server
    paste(page, base, V1)
    confirm(page)
    paste(page, base, V2)
    badges = page.locator("#preview-form li[id^=card-] > label .badge").all_inner_texts()
    assert badges == ["edited", "unchanged", "new", "unchanged"]
    assert page.locator("#preview-counts").inner_text() == "1 new · 1 edited · 2 unchanged · 1 retired"
    retiring = page.locator("#preview-retiring")
    assert retiring.is_visible() and "git remote -v" in retiring.inner_text()
    assert retiring.locator(".badge").inner_text() == "retired"
    # Unticking a card the user has warns that the import retires it.
    switch = card(page, "git switch")
    hint = switch.locator(".retires-hint")
    assert not hint.is_visible()
    switch.locator("input[name=keep]").uncheck()
    assert hint.is_visible()
    switch.locator("input[name=keep]").check()
    assert confirm(page) == {"added": "1", "updated": "1", "retired": "1", "unchanged": "2"}


def test_a_note_without_cards_offers_no_import_button(page, server):
    base, _app = server
    paste(page, base, "# Thoughts\n\nProse only, nothing to learn.\n", name="thoughts")
    assert page.locator("#confirm-import").count() == 0
    assert (
        page.locator("#nothing-to-import").is_visible() and page.locator("#discard-form button").is_visible()
    )


def test_an_unticked_card_stays_unticked_at_the_next_import(page, server):
    base, app = server
    paste(page, base, V1)
    card(page, "git switch").locator("input[name=keep]").uncheck()
    confirm(page)
    paste(page, base, V2)
    assert not card(page, "git switch").locator("input[name=keep]").is_checked()
    assert "1 card unticked" in page.locator("#preview-summary").inner_text()
    confirm(page)
    with app.app_context():
        assert "git switch -c NAME" not in set(db.session.scalars(select(Card.back)))


def test_a_card_fixed_in_the_preview_is_imported_as_fixed(page, server):
    base, app = server
    paste(page, base, V1)
    card(page, "git switch").locator("input[name=keep]").uncheck()  # the ticks survive the fix page
    with page.expect_navigation():
        card(page, "git remote -v").locator("button[name=fix]").click()
    page.wait_for_selector("#fix-form")
    assert page.locator("#front").input_value() == "shows the remotes with their URLs"
    page.select_option("#kind", "qa")
    page.fill("#front", "How do you list the **remotes**?")
    with page.expect_navigation():
        page.click("#fix-form button.primary")
    assert re.search(r"#card-\w+$", page.url)
    fixed = card(page, "remotes")
    assert "your fix" in fixed.inner_text() and "Question" in fixed.inner_text()
    assert fixed.locator(".front strong").inner_text() == "remotes"
    assert not monospace(fixed.locator(".back p"))  # a question's answer, no longer a command
    assert not card(page, "git switch").locator("input[name=keep]").is_checked()
    confirm(page)
    with app.app_context():
        stored = db.session.scalars(select(Card).join(Deck).where(Card.back == "git remote -v")).one()
        assert (stored.kind, stored.note_kind, stored.shown_front) == (
            "qa",
            "command",
            "How do you list the **remotes**?",
        )


def test_the_preview_fits_a_phone(browser, server):
    from tests.browser.live import log_in

    base, _app = server
    context = browser.new_context(
        viewport={"width": 375, "height": 740}, device_scale_factor=2, is_mobile=True
    )
    try:
        page = context.new_page()
        log_in(page, base)
        paste(page, base, V1)
        confirm(page)
        paste(page, base, V2)  # with a retired card
        fits(page, "the preview")
        with page.expect_navigation():
            card(page, "git fetch").locator("button[name=fix]").click()
        fits(page, "the fix page")
    finally:
        context.close()


def fits(page, what: str) -> None:
    """The page does not scroll sideways, and its buttons are big enough to tap."""
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"{what} scrolls sideways by {overflow}px at 375px"
    for button in page.locator("button:visible").all():
        assert button.bounding_box()["height"] >= 32, (what, button.inner_text())
