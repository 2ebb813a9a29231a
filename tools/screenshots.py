"""Take the README's screenshots: quiz card, typed-answer verdict, progress page; in English and Chinese.

Usage: .venv/bin/python tools/screenshots.py   (needs Debian's chromium: tools/ensure-chromium.sh)
Writes docs/screenshots/*.png from a throwaway server with the demo deck and a few days of reviews.
"""

from __future__ import annotations

import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from playwright.sync_api import sync_playwright  # noqa: E402
from sqlalchemy import select  # noqa: E402

from quiz.models import Card, User, db  # noqa: E402
from quiz.store.days import local_today  # noqa: E402
from quiz.store.grading import record_grade  # noqa: E402
from quiz.store.queue import next_card  # noqa: E402
from tests.browser.live import CHROMIUM, CHROMIUM_ARGS, live_server, log_in  # noqa: E402

OUT = ROOT / "docs" / "screenshots"


def seed_history(app) -> None:
    """Three weeks of plausible reviews, so the charts have something to show."""
    with app.app_context():
        user = db.session.scalars(select(User)).one()
        cards = db.session.scalars(select(Card).order_by(Card.position)).all()
        start = datetime.now(UTC) - timedelta(days=21)
        for day in range(21):
            now = start + timedelta(days=day, hours=12)
            today = local_today(user, now)
            introduced = 0
            while (
                item := next_card(db.session, user, today, new_per_day=4, reviews_per_day=200)
            ) is not None:
                if item.reason == "drill":
                    break
                introduced += item.reason == "new"
                grade = (5, 4, 4, 3, 2, 4, 5, 1)[(item.card.id + day) % 8]
                record_grade(db.session, user, item.card, grade, now)
        del cards
        db.session.commit()


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp, live_server(Path(tmp)) as (base, app):
        seed_history(app)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
            for lang, locale in (("en", "en-US"), ("zh", "zh-CN")):
                page = browser.new_context(locale=locale, viewport={"width": 900, "height": 760}).new_page()
                log_in(page, base)
                page.goto(base + "/")
                page.screenshot(path=str(OUT / f"today-{lang}.png"))
                page.click("#start")
                page.wait_for_load_state("load")
                # Find a command card in the queue for the typed-answer shots.
                for _ in range(40):
                    if page.locator("#answer-form").count():
                        break
                    page.goto(page.url.split("?")[0] + "?show=1")
                    with page.expect_navigation():
                        page.keyboard.press("4")
                page.screenshot(path=str(OUT / f"card-{lang}.png"))
                back = page.locator("article.card").get_attribute("data-card")
                with app.app_context():
                    command = db.session.get(Card, int(back)).back
                page.fill(
                    "#typed", command.replace(" ls", " list", 1) if " ls" in command else command + " -x"
                )
                with page.expect_navigation():
                    page.keyboard.press("Enter")
                page.screenshot(path=str(OUT / f"verdict-{lang}.png"))
                page.goto(base + "/progress")
                page.screenshot(path=str(OUT / f"progress-{lang}.png"), full_page=True)
            phone = browser.new_context(
                locale="zh-CN", viewport={"width": 375, "height": 740}, is_mobile=True
            )
            page = phone.new_page()
            log_in(page, base)
            page.goto(base + "/quiz")
            page.goto(page.url.split("?")[0] + "?show=1")
            page.screenshot(path=str(OUT / "phone-zh.png"), full_page=True)
            browser.close()
    for path in sorted(OUT.glob("*.png")):
        print(path.relative_to(ROOT))


if __name__ == "__main__":
    main()
