"""Restoring a backup from Settings in Chromium, as a person does it: download, choose the file, read what
it holds, confirm (or cancel); and a bad file refused with its reason, in Chinese on a Chinese page."""

from __future__ import annotations

import gzip
import json
import re

import pytest
from sqlalchemy import func, select

from quiz.models import Deck, ReviewLog, db
from tests.browser.live import log_in

pytestmark = pytest.mark.slow


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def download_backup(page, base: str, tmp_path) -> bytes:
    page.goto(base + "/settings")
    with page.expect_download() as download:
        page.click("#backup-form button[type=submit]")
    path = tmp_path / "backup.json.gz"
    download.value.save_as(path)
    return path.read_bytes()


def test_restore_a_downloaded_backup_after_confirming(browser, server, tmp_path):
    base, app = server
    context = browser.new_context(locale="en-US", viewport={"width": 375, "height": 740}, is_mobile=True)
    page = context.new_page()
    try:
        log_in(page, base)
        saved = tmp_path / "before.json.gz"
        saved.write_bytes(download_backup(page, base, tmp_path))  # the demo deck, never reviewed
        page.goto(base + "/")
        page.locator("#start").click()
        page.wait_for_url(re.compile(r"/quiz/card/\d+$"))
        page.goto(page.url + "?show=1")
        page.click('#grade-form button[value="4"]')
        page.wait_for_load_state("load")
        assert count(app, ReviewLog) == 1

        page.goto(base + "/settings")
        page.set_input_files("#restore-form input[type=file]", str(saved))
        page.click("#restore-form button[type=submit]")
        page.wait_for_url(base + "/settings/restore")
        assert page.locator("#restore-backup td").all_inner_texts() == ["1", "40", "0"]
        assert page.locator("#restore-account td").all_inner_texts() == ["1", "40", "1"]
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0
        assert count(app, ReviewLog) == 1  # nothing replaced before the confirmation

        page.click("#restore-cancel-form button")
        page.wait_for_url(base + "/settings")
        assert "nothing was changed" in page.locator(".flash").inner_text()
        assert count(app, ReviewLog) == 1

        page.set_input_files("#restore-form input[type=file]", str(saved))
        page.click("#restore-form button[type=submit]")
        page.wait_for_url(base + "/settings/restore")
        page.click("#restore-confirm-form button")
        page.wait_for_url(base + "/")
        assert page.locator(".flash").inner_text() == "Backup restored: 1 deck, 40 cards and 0 reviews."
        assert count(app, ReviewLog) == 0 and count(app, Deck) == 1
    finally:
        context.close()


def test_a_bad_backup_is_refused_in_chinese_and_nothing_changes(browser, server, tmp_path):
    base, app = server
    context = browser.new_context(locale="zh-CN", viewport={"width": 1000, "height": 900})
    page = context.new_page()
    try:
        log_in(page, base)
        data = json.loads(gzip.decompress(download_backup(page, base, tmp_path)))
        data["decks"][0]["cards"][2]["line"] = -4
        bad = tmp_path / "bad.json.gz"
        bad.write_bytes(gzip.compress(json.dumps(data).encode()))
        page.goto(base + "/settings")
        page.set_input_files("#restore-form input[type=file]", str(bad))
        page.click("#restore-form button[type=submit]")
        page.wait_for_load_state("load")
        assert page.locator("#restore-error").inner_text() == (
            "无法恢复这个文件：decks[0].cards[2].line：必须是 0 或更大，实际为 -4。没有做任何更改。"
        )
        assert page.locator("#restore-error").is_visible()
        assert count(app, Deck) == 1 and page.url == base + "/settings/restore"
        page.goto(base + "/settings/restore")  # nothing waits
        page.wait_for_url(base + "/settings")
    finally:
        context.close()
