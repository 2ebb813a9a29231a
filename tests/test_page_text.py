"""The words of the pages: plurals through ngettext, dates through Babel in the user's locale, no raw
Markdown in Settings, account and upload errors wholly in Chinese on Chinese pages, and the Progress
page saying what its charts leave out.  On SQLite and PostgreSQL."""

from __future__ import annotations

import html
import io
import re
import zipfile
from datetime import timedelta

import pytest
from babel.dates import format_date, format_skeleton
from sqlalchemy import select

from quiz.models import Card, User, db, now_utc
from quiz.store.days import local_today
from quiz.store.grading import record_grade
from quiz.store.importing import import_note_files
from tests.conftest import TEST_USER, log_in

ZH = {"Accept-Language": "zh-CN,zh;q=0.9"}


def alice(session) -> User:
    return session.scalars(select(User).where(User.name == TEST_USER)).one()


def import_for_alice(app, path) -> None:
    with app.app_context():
        import_note_files(db.session, alice(db.session), [path])
        db.session.commit()


def grade_cards(app, grade: int = 4) -> list[int]:
    """Grade every card of alice's once, now; return their ids."""
    with app.app_context():
        user = alice(db.session)
        cards = db.session.scalars(select(Card).order_by(Card.id)).all()
        when = now_utc()
        for card in cards:
            record_grade(db.session, user, card, grade, when)
        db.session.commit()
        return [card.id for card in cards]


def today(app):
    with app.app_context():
        return local_today(alice(db.session), now_utc())


# --- plurals --------------------------------------------------------------------------------------


def test_an_interval_of_one_day_is_singular(app, client, notes_dir):
    import_for_alice(app, notes_dir / "git.md")
    card_id = grade_cards(app)[0]  # a first pass: an interval of 1 day
    assert "<dt>Interval</dt><dd>1 day</dd>" in client.get(f"/cards/{card_id}").get_data(as_text=True)
    assert "<dt>间隔</dt><dd>1 天</dd>" in client.get(f"/cards/{card_id}", headers=ZH).get_data(as_text=True)
    with app.app_context():  # passed again tomorrow: 6 days
        user = alice(db.session)
        card = db.session.get(Card, card_id)
        record_grade(db.session, user, card, 5, now_utc() + timedelta(days=1))
        db.session.commit()
    assert "<dd>6 days</dd>" in client.get(f"/cards/{card_id}").get_data(as_text=True)


def test_chart_tooltips_count_in_the_right_number(app, client, notes_dir):
    import_for_alice(app, notes_dir / "linux.md")
    ids = grade_cards(app)
    assert len(ids) == 2
    day = today(app).isoformat()
    page = client.get("/progress").get_data(as_text=True)
    cell = re.search(rf'data-date="{day}" data-count="2"><title>([^<]*)</title>', page).group(1)
    assert cell.endswith(": 2 reviews")
    with app.app_context():
        db.session.execute(db.text("DELETE FROM review_log WHERE id = (SELECT min(id) FROM review_log)"))
        db.session.commit()
    page = client.get("/progress").get_data(as_text=True)
    cell = re.search(rf'data-date="{day}" data-count="1"><title>([^<]*)</title>', page).group(1)
    assert cell.endswith(": 1 review")


# --- dates through Babel ------------------------------------------------------------------------


@pytest.mark.parametrize(("headers", "locale", "monday"), [({}, "en", "Mon"), (ZH, "zh", "周一")])
def test_progress_dates_and_weekdays_come_from_babel(app, client, notes_dir, headers, locale, monday):
    import_for_alice(app, notes_dir / "git.md")
    grade_cards(app)
    day = today(app)
    page = html.unescape(client.get("/progress", headers=headers).get_data(as_text=True))
    forecast = re.search(r'id="chart-forecast".*?</svg>', page, re.S).group(0)
    labels = re.findall(r'class="wg-axis wg-date" data-date="([^"]+)"[^>]*>([^<]*)<', forecast)
    assert labels[0] == (day.isoformat(), format_skeleton("MMMd", day, locale=locale))
    assert f"<title>{format_date(day, 'medium', locale=locale)}: " in forecast
    heatmap = re.search(r'id="chart-heatmap".*?</svg>', page, re.S).group(0)
    assert f">{monday}</text>" in heatmap


def test_settings_show_the_study_day_and_no_backticks(app, client):
    page = client.get("/settings", headers=ZH).get_data(as_text=True)
    day = today(app)
    assert f"你的学习日现在是 {format_date(day, 'medium', locale='zh')}" in html.unescape(page)
    visible = re.sub(r"<[^>]+>", "", page)
    assert "`" not in visible
    assert "<code>flask restore</code>" in page


# --- the Progress page's charts -----------------------------------------------------------------


def many_topics_note(tmp_path, topics: int):
    note = tmp_path / "many.md"
    sections = "".join(f"## Topic {i}\n\n- `cmd{i} --flag` does thing number {i}\n\n" for i in range(topics))
    note.write_text(f"# Many\n\n{sections}", encoding="utf-8")
    return note


def test_the_retention_chart_says_how_many_topics_it_leaves_out(app, client, tmp_path):
    import_for_alice(app, many_topics_note(tmp_path, 11))
    assert len(grade_cards(app)) == 11
    page = client.get("/progress").get_data(as_text=True)
    retention = re.search(r'id="chart-retention".*?</svg>', page, re.S).group(0)
    assert len(re.findall(r'class="wg-series ', retention)) == 8
    note = re.search(r'id="retention-note">([^<]*)<', page).group(1)
    assert note == "Showing the 8 topics with the most reviews; 3 more topics are not shown."
    page = client.get("/progress", headers=ZH).get_data(as_text=True)
    assert "只显示复习最多的 8 个主题；另有 3 个主题未显示。" in page


def test_no_note_when_every_topic_is_charted(app, client, tmp_path):
    import_for_alice(app, many_topics_note(tmp_path, 8))
    grade_cards(app)
    page = client.get("/progress").get_data(as_text=True)
    assert len(re.findall(r'class="wg-series ', page)) == 8 and 'id="retention-note"' not in page


def test_progress_holds_a_year_heatmap_and_a_half_year_one_for_phones(app, client, notes_dir):
    import_for_alice(app, notes_dir / "git.md")
    grade_cards(app)
    page = client.get("/progress").get_data(as_text=True)
    wide = re.search(r'class="chart wide-only" id="chart-heatmap">.*?</svg>', page, re.S).group(0)
    narrow = re.search(r'class="chart narrow-only" id="chart-heatmap-narrow">.*?</svg>', page, re.S).group(0)
    weekday = today(app).weekday()
    assert wide.count('class="wg-day ') == 52 * 7 + weekday + 1
    assert narrow.count('class="wg-day ') == 25 * 7 + weekday + 1


# --- errors in the user's language --------------------------------------------------------------

# What may stay in Latin letters in a Chinese message: file names, formats and units.
LATIN_ALLOWED = {"zip", "md", "markdown", "txt", "KB", "MB", "GB", "UTF", "GB18030", "NUL", "Markdown"}


def zip_of(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def stored_crc_error_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("a.md", b"# a\n\nhello world\n")
    return buffer.getvalue().replace(b"hello world", b"hellX world", 1)


def english_words(message: str, names: tuple[str, ...]) -> list[str]:
    for name in names:
        message = message.replace(name, "")
    return [word for word in re.findall(r"[A-Za-z]{2,}", message) if word not in LATIN_ALLOWED]


@pytest.mark.parametrize(
    ("files", "names", "expected"),
    [
        ([("n.zip", zip_of({"big.md": b"x" * 3000}))], ("n.zip", "big.md"), "n.zip 中的 big.md 太大了"),
        (
            [("n.zip", zip_of({"bin.md": b"\x00\x01" * 40}))],
            ("n.zip", "bin.md"),
            "n.zip 中的 bin.md：看起来是二进制文件",
        ),
        (
            [("n.zip", stored_crc_error_zip())],
            ("n.zip", "a.md"),
            "无法读取 n.zip 中的 a.md（zip 可能已损坏）",
        ),
        (
            [("broken.zip", b"PK\x03\x04garbage")],
            ("broken.zip",),
            "broken.zip 不是有效的 zip 压缩包（可能已损坏）",
        ),
        ([("big.md", b"x" * 1500)], ("big.md",), "big.md 太大了：每个文件最多 1000 字节"),
        ([(f"n{i}.md", b"# n\n") for i in range(4)], (), "笔记文件太多"),
    ],
    ids=[
        "zip-member-too-large",
        "zip-member-binary",
        "zip-member-damaged",
        "damaged-zip",
        "bytes",
        "too-many",
    ],
)
def test_upload_errors_on_chinese_pages_are_wholly_chinese(app, client, files, names, expected):
    app.config.update(
        UPLOAD_MAX_FILE_BYTES=1000 if expected.endswith("1000 字节") else 2000, UPLOAD_MAX_FILES=3
    )
    response = client.post(
        "/import",
        data={"files": [(io.BytesIO(content), name) for name, content in files], "pasted": ""},
        content_type="multipart/form-data",
        headers=ZH,
    )
    message = html.unescape(
        re.search(r'id="upload-error">([^<]+)<', response.get_data(as_text=True)).group(1)
    )
    assert response.status_code in (400, 413, 415)
    assert expected in message, message
    assert english_words(message, names) == [], message


def account_errors(app) -> list[str]:
    """The error messages of every account form on Chinese pages, one bad submission each."""
    found: list[str] = []

    def errors_of(response) -> list[str]:
        return [
            html.unescape(m)
            for m in re.findall(r'<p class="error" role="alert">([^<]*)</p>', response.get_data(as_text=True))
        ]

    client = log_in(app)
    found += errors_of(
        client.post(
            "/account",
            data={"pw-current": "wrong wrong", "pw-password": "abcdefghij12", "pw-confirm": "abcdefghij12"},
            headers=ZH,
        )
    )
    found += errors_of(
        client.post(
            "/account", data={"pw-current": "", "pw-password": "short", "pw-confirm": "other"}, headers=ZH
        )
    )
    found += errors_of(
        client.post(
            "/account",
            data={
                "pw-current": "correct horse battery",
                "pw-password": "password123",
                "pw-confirm": "password123",
            },
            headers=ZH,
        )
    )
    with app.app_context():
        from quiz import accounts

        accounts.set_registration_open(db.session, True)
        db.session.commit()
    stranger = app.test_client()
    found += errors_of(
        stranger.post(
            "/register",
            data={"name": TEST_USER, "password": "a fine long secret", "confirm": "a fine long secret"},
            headers=ZH,
        )
    )
    found += errors_of(
        stranger.post(
            "/register",
            data={"name": "x\u202e", "password": "a fine long secret", "confirm": "a fine long secret"},
            headers=ZH,
        )
    )
    found += errors_of(stranger.post("/login", data={"name": TEST_USER, "password": "wrong"}, headers=ZH))
    found += errors_of(stranger.post("/login", data={"name": "", "password": ""}, headers=ZH))
    for _attempt in range(6):
        response = stranger.post("/login", data={"name": "nobody", "password": "wrong"}, headers=ZH)
    found += errors_of(response)
    return found


def test_account_errors_on_chinese_pages_are_wholly_chinese(app):
    messages = account_errors(app)
    assert len(messages) >= 9
    assert "当前密码不对。" in messages and "用户名或密码错误。" in messages
    for message in messages:
        assert english_words(message, (TEST_USER,)) == [], message
