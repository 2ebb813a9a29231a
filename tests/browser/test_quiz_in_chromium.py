"""The quiz as a person uses it, in headless Chromium: keys, undo, choices, charts, languages, phone."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from quiz.models import Card, ReviewLog, ReviewState, User, db
from tests.browser.live import log_in

pytestmark = pytest.mark.slow


def log_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(ReviewLog))


def card_on_page(page, app) -> Card:
    card_id = int(page.locator("article.card").get_attribute("data-card"))
    with app.app_context():
        card = db.session.get(Card, card_id)
        db.session.expunge(card)
        return card


def press(page, key: str) -> None:
    """Press a key that submits or follows a link, and wait for the next page to be ready."""
    page.wait_for_load_state("load")
    with page.expect_navigation():
        page.keyboard.press(key)
    page.wait_for_load_state("load")


def start_with_keyboard(page, base: str) -> None:
    page.goto(base + "/")
    page.locator("#start").focus()
    press(page, "Enter")
    page.wait_for_url(re.compile(r"/quiz/card/\d+$"))


def test_keyboard_only_daily_quiz_with_typed_commands(page, server):
    base, app = server
    start_with_keyboard(page, base)
    kinds = []
    for n in range(20):
        card = card_on_page(page, app)
        kinds.append(card.kind)
        if card.kind == "command":
            # The answer box has the focus: type the right command, with different spacing.
            page.keyboard.type("  " + card.back.replace(" ", "  ") + " ")
            press(page, "Enter")
            assert (
                page.locator("#verdict")
                .get_attribute("class")
                .endswith(("verdict-exact", "verdict-equivalent"))
            )
            assert page.locator("#grade-form .suggested").get_attribute("data-grade") in ("4", "5")
            press(page, "Enter")  # accept the suggested grade
        else:
            press(page, "Space")
            assert page.locator("#answer").is_visible()
            press(page, "4")
        assert log_count(app) == n + 1
        if kinds.count("command") == 3:
            break
    assert kinds.count("command") == 3 and "concept" in kinds
    with app.app_context():
        graded = db.session.scalar(
            select(func.count()).select_from(ReviewState).where(ReviewState.due.is_not(None))
        )
    assert graded == len(kinds)


def test_wrong_typed_command_shows_the_difference_and_escape_ends(page, server):
    base, app = server
    start_with_keyboard(page, base)
    while card_on_page(page, app).kind != "command":
        press(page, "Space")
        press(page, "5")
    card = card_on_page(page, app)
    page.keyboard.type(card.back.split()[0] + " nonsense-subcommand")
    press(page, "Enter")
    assert "verdict-wrong" in page.locator("#verdict").get_attribute("class")
    assert page.locator(".tok-missing, .tok-changed").count() >= 1
    assert page.locator("#grade-form .suggested").get_attribute("data-grade") == "1"
    press(page, "2")  # the user overrides the suggestion
    with app.app_context():
        last = db.session.scalars(select(ReviewLog).order_by(ReviewLog.id.desc())).first()
        assert (last.card_id, last.grade) == (card.id, 2)
    press(page, "Escape")
    assert page.url == base + "/"


def test_an_equivalent_answer_shows_what_was_typed_over_the_cards_words(page, server):
    base, app = server
    with app.app_context():
        card_id = db.session.scalar(
            select(Card.id).where(Card.back == "docker export 7691a814370e > ubuntu.tar")
        )
    page.goto(f"{base}/quiz/card/{card_id}")
    page.locator("#typed").fill("docker export >ubuntu.tar 0123456789ab")
    press(page, "Enter")
    assert "verdict-equivalent" in page.locator("#verdict").get_attribute("class")
    tokens = page.locator("#verdict .answer-map > .tok").all()
    typed = [
        t.locator(".typed").inner_text() if t.locator(".typed").count() else t.inner_text() for t in tokens
    ]
    assert typed == ["docker", "export", ">", "ubuntu.tar", "0123456789ab"]  # as typed, in the order typed
    mapped = page.locator("#verdict .tok-mapped")
    assert mapped.count() == 1
    word, on_card = mapped.locator(".typed").bounding_box(), mapped.locator(".on-card").bounding_box()
    assert on_card["y"] >= word["y"] + word["height"] - 1  # the card's word sits under the typed one
    placeholder = mapped.locator(".on-card var.example")
    assert placeholder.inner_text() == "<ID>"
    assert placeholder.get_attribute("title") == "any ID; the note has 7691a814370e"
    assert page.locator("#answer var.example").inner_text() == "<ID>"  # the card shows a placeholder
    assert "7691a814370e" not in page.locator("#answer").inner_text()


def test_undo_with_u_restores_the_card(page, server):
    base, app = server
    start_with_keyboard(page, base)
    first = card_on_page(page, app)
    with app.app_context():
        before = db.session.get(ReviewState, (1, first.id))
        before = (
            before.repetitions,
            before.ease_hundredths,
            before.interval_days,
            before.due,
            before.introduced_on,
        )
    page.goto(f"{base}/quiz/card/{first.id}?show=1")
    press(page, "3")
    assert card_on_page(page, app).id != first.id and log_count(app) == 1
    press(page, "u")
    assert page.url == f"{base}/quiz/card/{first.id}"
    assert "Grade taken back" in page.content()
    assert log_count(app) == 0
    with app.app_context():
        after = db.session.get(ReviewState, (1, first.id))
        assert (
            after.repetitions,
            after.ease_hundredths,
            after.interval_days,
            after.due,
            after.introduced_on,
        ) == before


def test_multiple_choice_session(page, server):
    base, app = server
    page.goto(base + "/")
    page.check("#choices")
    page.click("#start")
    page.wait_for_url(re.compile(r"/quiz/card/\d+$"))
    while page.locator("#choice-form").count() == 0:
        page.goto(page.url + "?show=1")
        press(page, "5")
    options = page.locator("#choice-form .choice")
    assert options.count() == 4
    assert "1–4 picks an answer" in page.locator("#key-hint").inner_text()
    press(page, "1")
    assert "0–5 grade" in page.locator("#key-hint").inner_text()
    assert page.locator("ol.choices-result li.right").count() == 1
    assert page.locator("ol.choices-result li.picked").count() == 1
    suggested = page.locator("#grade-form .suggested").get_attribute("data-grade")
    right_picked = page.locator("ol.choices-result li.right.picked").count() == 1
    assert suggested == ("4" if right_picked else "1")


def cards_left(page) -> int:
    count = page.locator("#left-count")
    assert count.inner_text() == f"{count.get_attribute('data-left')} left"
    return int(count.get_attribute("data-left"))


def test_the_session_counts_the_cards_left(page, server):
    base, _app = server
    start_with_keyboard(page, base)
    left = cards_left(page)
    assert left == 20  # the demo deck's new cards, as many as the day's limit lets in
    press(page, "Space")
    assert cards_left(page) == left  # the answer shown: the card is still to grade
    press(page, "5")
    assert cards_left(page) == left - 1
    press(page, "Space")
    press(page, "1")  # a wrong answer waits in the drill: still left for today
    assert cards_left(page) == left - 1
    press(page, "u")
    assert cards_left(page) == left - 1


def test_a_topic_held_back_by_the_limit_studies_ahead(page, server):
    base, app = server
    with app.app_context():
        db.session.get(User, 1).new_cards_per_day = 1
        db.session.commit()
    start_with_keyboard(page, base)
    press(page, "Space")
    press(page, "5")
    assert page.url == base + "/quiz/done"
    page.goto(base + "/")
    assert page.locator("#new-count").inner_text() == "0"
    assert page.locator("button:has-text('Study this topic')").count() == 0
    ahead = page.locator('button[data-ahead="new"]').first
    assert re.fullmatch(r"Study \d+ more new cards?", ahead.inner_text())
    more = int(ahead.inner_text().split()[1])
    with page.expect_navigation():
        ahead.click()
    page.wait_for_url(re.compile(r"/quiz/card/\d+$"))
    assert "new" in page.locator("article.card .meta").inner_text()
    assert cards_left(page) == more


def test_progress_page_charts_after_some_reviews(page, server):
    base, app = server
    start_with_keyboard(page, base)
    for _ in range(3):
        page.goto(page.url.split("?")[0] + "?show=1")
        press(page, "4")
    page.goto(base + "/progress")
    for chart in ("#chart-heatmap svg", "#chart-forecast svg", "#chart-retention svg"):
        box = page.locator(chart).bounding_box()
        assert box and box["width"] > 200 and box["height"] > 50, chart
    assert page.locator('tr[data-topic="docker-notes"] td.learning').inner_text() == "3"


def test_language_switch_in_settings(page, server):
    base, _app = server
    page.goto(base + "/settings")
    assert page.locator("h1").inner_text() == "Settings"
    page.select_option("#locale", "zh")
    page.click("#settings-form button[type=submit]")
    page.wait_for_url(base + "/settings")
    assert page.locator("h1").inner_text() == "设置"
    page.goto(base + "/")
    assert page.locator("#start").inner_text() == "开始今日测验"
    assert page.locator("html").get_attribute("lang") == "zh-CN"


@pytest.mark.parametrize(
    "path",
    ["/", "/quiz/card/1?show=1", "/progress", "/settings", "/cards", "/import", "/cards/1", "/account"],
)
def test_phone_width_layout(browser, server, path):
    base, _app = server
    context = browser.new_context(
        viewport={"width": 375, "height": 740}, device_scale_factor=2, is_mobile=True
    )
    try:
        page = context.new_page()
        log_in(page, base)
        page.goto(base + path)
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"{path} scrolls sideways by {overflow}px at 375px"
        for button in page.locator("button:visible").all():
            assert button.bounding_box()["height"] >= 32
        if "show=1" in path:
            heights = [b.bounding_box()["height"] for b in page.locator("#grade-form button").all()]
            assert len(heights) == 6 and min(heights) >= 44
    finally:
        context.close()


def test_pages_satisfy_their_content_security_policy(page, server):
    base, _app = server
    problems: list[str] = []
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    for path in ("/", "/quiz", "/progress", "/cards", "/cards/1", "/import", "/settings", "/account"):
        page.goto(base + path)
        page.wait_for_load_state("load")
    page.goto(base + "/quiz/card/1?show=1")
    press(page, "4")  # the keyboard script runs under the policy
    assert problems == []
