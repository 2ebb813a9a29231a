"""The Anki export on the Progress page, as a person uses it in Chromium: tick "with my schedule",
download, and the package holds the review history (revlog) and the schedule of the cards studied."""

from __future__ import annotations

import sqlite3
import zipfile

import pytest
from sqlalchemy import func, select

from quiz.models import ReviewLog, db
from tests.browser.test_progress_in_chromium import open_progress, seed_reviews

pytestmark = pytest.mark.slow


def download_package(page, tmp_path, name: str) -> sqlite3.Connection:
    with page.expect_download() as download:
        page.click("#export-form button[type=submit]")
    path = tmp_path / f"{name}.apkg"
    download.value.save_as(path)
    with zipfile.ZipFile(path) as apkg:
        apkg.extract("collection.anki2", tmp_path / name)
    return sqlite3.connect(tmp_path / name / "collection.anki2")


@pytest.mark.parametrize("locale", ["en-US", "zh-CN"])
def test_ticking_the_schedule_downloads_the_review_history(browser, server, tmp_path, locale):
    base, app = server
    seed_reviews(app, days=3)
    with app.app_context():
        logged = db.session.scalar(select(func.count()).select_from(ReviewLog))
    assert logged > 0
    context, page = open_progress(browser, base, locale, {"width": 375, "height": 740})
    try:
        schedule, typed = page.locator("#with_schedule"), page.locator("#typed_commands")
        assert schedule.is_visible() and typed.is_visible()
        assert not schedule.is_checked() and typed.is_checked()  # the defaults
        label = page.locator("label", has=schedule).inner_text()
        assert label.strip() == (
            "包含我的复习计划和复习记录" if locale == "zh-CN" else "With my schedule and review history"
        )
        # Without the tick: no history in the package.
        plain = download_package(page, tmp_path, "plain")
        assert plain.execute("select count(*) from revlog").fetchone() == (0,)
        assert plain.execute("select count(*) from cards where queue = 2").fetchone() == (0,)
        # With it: every review of the log, and the studied cards in the review queue.
        page.goto(base + "/progress")
        page.check("#with_schedule")
        package = download_package(page, tmp_path, "schedule")
        assert package.execute("select count(*) from revlog").fetchone() == (logged,)
        assert package.execute("select count(*) from cards where type = 2").fetchone()[0] > 0
    finally:
        context.close()
