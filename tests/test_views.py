"""The daily quiz through the web pages, as a user drives it."""

from __future__ import annotations

import re
import zipfile
from io import BytesIO

import pytest
from sqlalchemy import func, select

from quiz.models import Card, ReviewLog, ReviewState, User, db, now_utc
from quiz.store.browser import choice_options
from quiz.store.days import local_today
from quiz.store.importing import import_note_files
from tests.conftest import TEST_USER, drop_schema, log_in, make_app


def import_notes(app, *paths, user: str = TEST_USER) -> None:
    with app.app_context():
        owner = db.session.scalars(select(User).where(User.name == user)).one()
        import_note_files(db.session, owner, paths)
        db.session.commit()


def card_id_from(response) -> int:
    match = re.search(r"/quiz/card/(\d+)$", response.headers["Location"])
    assert match, response.headers.get("Location")
    return int(match.group(1))


def state_of(app, card_id: int) -> tuple:
    with app.app_context():
        s = db.session.scalars(select(ReviewState).where(ReviewState.card_id == card_id)).one()
        return (s.repetitions, s.ease_hundredths, s.interval_days, s.due is not None)


def logs(app) -> list[tuple[int, int, bool]]:
    with app.app_context():
        rows = db.session.scalars(select(ReviewLog).order_by(ReviewLog.id))
        return [(r.card_id, r.grade, r.drill) for r in rows]


def test_today_page_without_notes_explains_how_to_import(client):
    page = client.get("/").get_data(as_text=True)
    assert "flask notes import" in page


def test_today_page_shows_due_and_new_counts_per_topic(app, client, notes_dir):
    import_notes(app, notes_dir)
    page = client.get("/").get_data(as_text=True)
    assert re.search(r'id="new-count">5<', page)
    assert re.search(r'id="due-count">0<', page)
    assert "Branches" in page and "文件" in page
    assert page.count('name="topic_id"') >= 5  # one start button per topic with cards


def test_full_session_through_the_pages(app, client, notes_dir):
    import_notes(app, notes_dir / "git.md")
    response = client.post("/quiz/start", data={})
    assert response.status_code == 302 and response.headers["Location"].endswith("/quiz")
    first = card_id_from(client.get("/quiz"))

    page = client.get(f"/quiz/card/{first}").get_data(as_text=True)
    assert "Git basics" in page and "Branches" in page  # topic breadcrumb
    assert "Show answer" in page and 'name="grade"' not in page
    page = client.get(f"/quiz/card/{first}?show=1").get_data(as_text=True)
    assert "<code>git branch</code>" in page
    assert page.count('name="grade"') == 6 and "Perfect" in page and "Blackout" in page

    response = client.post(f"/quiz/card/{first}/grade", data={"grade": "2"})
    assert response.headers["Location"].endswith("/quiz")
    assert state_of(app, first) == (0, 218, 1, True)
    assert logs(app) == [(first, 2, False)]

    # The remaining new cards come next, then the failed card again as a drill.
    seen = []
    while (location := client.get("/quiz").headers["Location"]).startswith("/quiz/card/"):
        card_id = int(location.rsplit("/", 1)[1])
        seen.append(card_id)
        client.post(f"/quiz/card/{card_id}/grade", data={"grade": "5" if card_id != first else "4"})
        assert len(seen) < 10
    assert location.endswith("/quiz/done")
    assert seen[-1] == first and first not in seen[:-1]
    assert logs(app)[-1] == (first, 4, True)
    assert state_of(app, first) == (0, 218, 1, True)  # the drill changed nothing

    summary = client.get("/quiz/done").get_data(as_text=True)
    assert re.search(r'id="reviewed">3<', summary)
    assert re.search(r'id="right">2<', summary)
    assert re.search(r'id="drilled">1<', summary)
    assert re.search(r'id="due-tomorrow">3<', summary)


def test_progress_page_changes_after_grading(app, client, notes_dir):
    import_notes(app, notes_dir / "git.md")
    before = client.get("/progress").get_data(as_text=True)
    assert re.search(r'data-topic="git".*?class="new">3<', before, re.S)
    client.post("/quiz/start", data={})
    card_id = card_id_from(client.get("/quiz"))
    client.post(f"/quiz/card/{card_id}/grade", data={"grade": "5"})
    after = client.get("/progress").get_data(as_text=True)
    row = re.search(r'data-topic="git".*?</tr>', after, re.S).group(0)
    assert 'class="new">2<' in row and 'class="learning">1<' in row
    assert "100%" in row and "2.60" in row


def test_start_on_one_topic_only(app, client, notes_dir):
    import_notes(app, notes_dir / "git.md")
    with app.app_context():
        remote = db.session.scalars(select(Card).where(Card.back == "git remote -v")).one()
        topic_id = remote.topic_id
    client.post("/quiz/start", data={"topic_id": str(topic_id)})
    assert card_id_from(client.get("/quiz")) == remote.id
    client.post(f"/quiz/card/{remote.id}/grade", data={"grade": "5"})
    assert client.get("/quiz").headers["Location"].endswith("/quiz/done")


def test_grading_a_card_twice_does_not_count_twice(app, client, notes_dir):
    import_notes(app, notes_dir / "git.md")
    card_id = card_id_from(client.get("/quiz"))
    client.post(f"/quiz/card/{card_id}/grade", data={"grade": "5"})
    response = client.post(f"/quiz/card/{card_id}/grade", data={"grade": "5"})
    assert response.status_code == 302
    assert logs(app) == [(card_id, 5, False)]


def test_a_card_without_a_state_is_graded_from_its_page(app, client, notes_dir):
    """A card shown before it has a review state (e.g. restored without one) carries version 0; its first
    grade is recorded, not refused as "graded since it was shown"."""
    import_notes(app, notes_dir / "git.md")
    card_id = card_id_from(client.get("/quiz"))
    with app.app_context():
        db.session.delete(db.session.scalars(select(ReviewState).where(ReviewState.card_id == card_id)).one())
        db.session.commit()
    page = client.get(f"/quiz/card/{card_id}?show=1").get_data(as_text=True)
    version = re.search(r'name="version" value="(\d+)"', page).group(1)
    assert version == "0"
    client.post(f"/quiz/card/{card_id}/grade", data={"grade": "4", "version": version})
    assert logs(app) == [(card_id, 4, False)]
    # The same page sent again is refused: the state now exists with another version.
    client.post(f"/quiz/card/{card_id}/grade", data={"grade": "4", "version": version})
    assert logs(app) == [(card_id, 4, False)]


@pytest.mark.parametrize("grade", ["6", "-1", "x", ""])
def test_invalid_grade_is_rejected(app, client, notes_dir, grade):
    import_notes(app, notes_dir / "git.md")
    card_id = card_id_from(client.get("/quiz"))
    assert client.post(f"/quiz/card/{card_id}/grade", data={"grade": grade}).status_code == 400
    assert logs(app) == []


def test_unknown_card_is_404(client):
    assert client.get("/quiz/card/999").status_code == 404


def test_note_markdown_is_rendered_and_script_is_inert(app, client, tmp_path):
    note = tmp_path / "xss.md"
    note.write_text(
        "# Safety\n\n- `rm -i FILE` asks before removing <script>alert(1)</script> a **file**\n",
        encoding="utf-8",
    )
    import_notes(app, note)
    card_id = card_id_from(client.get("/quiz"))
    page = client.get(f"/quiz/card/{card_id}?show=1").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;" in page


def test_anki_download(app, client, notes_dir):
    import_notes(app, notes_dir)
    response = client.post("/anki/export", data={})
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment")
    with zipfile.ZipFile(BytesIO(response.data)) as apkg:
        assert "collection.anki2" in apkg.namelist()


def test_csrf_protects_grades(database_url, tmp_path, notes_dir):
    app = make_app(database_url, tmp_path, WTF_CSRF_ENABLED=True)
    with app.app_context():
        db.create_all()
    try:
        client = log_in(app)
        import_notes(app, notes_dir / "git.md")
        card_id = card_id_from(client.get("/quiz"))
        assert client.post(f"/quiz/card/{card_id}/grade", data={"grade": "4"}).status_code == 400
        assert client.post("/quiz/start", data={}).status_code == 400
        assert logs(app) == []
        page = client.get(f"/quiz/card/{card_id}?show=1").get_data(as_text=True)
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
        response = client.post(f"/quiz/card/{card_id}/grade", data={"grade": "4", "csrf_token": token})
        assert response.status_code == 302
        assert logs(app) == [(card_id, 4, False)]
        with app.app_context():
            assert db.session.scalar(select(func.count()).select_from(ReviewLog)) == 1
    finally:
        drop_schema(app)


def test_typed_command_is_checked_and_the_grade_suggested(app, client, notes_dir):
    import_notes(app, notes_dir / "git.md")
    client.post("/quiz/start", data={})
    card_id = card_id_from(client.get("/quiz"))
    page = client.get(f"/quiz/card/{card_id}").get_data(as_text=True)
    assert 'id="typed"' in page and "Show answer" in page
    page = client.post(f"/quiz/card/{card_id}/answer", data={"typed": "git  branch"}).get_data(as_text=True)
    assert 'class="verdict verdict-exact"' in page
    assert re.search(r'class="grade g5 suggested"', page)
    page = client.post(f"/quiz/card/{card_id}/answer", data={"typed": "git brunch"}).get_data(as_text=True)
    assert "verdict-close" in page and 'class="grade g2 suggested"' in page
    assert "tok-changed" in page
    page = client.post(f"/quiz/card/{card_id}/answer", data={"typed": ""}).get_data(as_text=True)
    assert "verdict-wrong" in page and 'class="grade g0 suggested"' in page
    # Checking saves nothing: the grade does.
    assert logs(app) == []
    client.post(f"/quiz/card/{card_id}/grade", data={"grade": "3"})
    assert logs(app) == [(card_id, 3, False)]


VERDICT_NOTE = """# Containers

- `docker export 7691a814370e > ubuntu.tar` exports a container to a tar file
- `find /var/log -type f -name "*.log"` lists the log files
- `docker image ls` lists the images
"""


def command_cards(app, client, tmp_path) -> dict[str, int]:
    note = tmp_path / "containers.md"
    note.write_text(VERDICT_NOTE, encoding="utf-8")
    import_notes(app, note)
    with app.app_context():
        return {
            card.back.split()[0] + " " + card.back.split()[1]: card.id
            for card in db.session.scalars(select(Card))
        }


def verdict_of(page: str) -> str:
    return re.search(r'<section class="verdict.*?</section>', page, re.S).group(0)


def test_an_equivalent_answer_is_shown_as_typed_with_the_cards_words(app, client, tmp_path):
    card_id = command_cards(app, client, tmp_path)["find /var/log"]
    typed = "find /var/log -name '*.log' -type f"
    page = client.post(f"/quiz/card/{card_id}/answer", data={"typed": typed}).get_data(as_text=True)
    verdict = verdict_of(page)
    assert "verdict-equivalent" in verdict
    words = re.findall(
        r'<span class="tok tok-same(?: tok-mapped)?">(?:<span class="typed">)?([^<]*)<', verdict
    )
    assert words == ["find", "/var/log", "-name", "&#39;*.log&#39;", "-type", "f"]  # as typed, in its order
    on_card = '<span class="on-card" title="on the card">'
    assert f'<span class="typed">&#39;*.log&#39;</span>{on_card}&quot;*.log&quot;</span>' in verdict
    assert "-t -y" not in verdict and "tok-changed" not in verdict


def test_an_example_value_shows_as_a_placeholder(app, client, tmp_path):
    card_id = command_cards(app, client, tmp_path)["docker export"]
    page = client.get(f"/quiz/card/{card_id}?show=1").get_data(as_text=True)
    answer = re.search(r'<section class="back" id="answer">.*?</section>', page, re.S).group(0)
    placeholder = '<var class="example" title="any ID; the note has 7691a814370e">&lt;ID&gt;</var>'
    assert f"docker export {placeholder} &gt; ubuntu.tar" in answer
    with app.app_context():
        assert (
            db.session.get(Card, card_id).back == "docker export 7691a814370e > ubuntu.tar"
        )  # stored as written
    typed = "docker export 0123456789ab > ubuntu.tar"
    page = client.post(f"/quiz/card/{card_id}/answer", data={"typed": typed}).get_data(as_text=True)
    verdict = verdict_of(page)
    assert "verdict-equivalent" in verdict and 'class="grade g4 suggested"' in page
    on_card = '<span class="on-card" title="on the card">'
    assert f'<span class="typed">0123456789ab</span>{on_card}{placeholder}</span>' in verdict
    typed = "docker export web > ubuntu.tar"
    verdict = verdict_of(
        client.post(f"/quiz/card/{card_id}/answer", data={"typed": typed}).get_data(as_text=True)
    )
    assert f"<del>web</del><ins>{placeholder}</ins>" in verdict


def test_added_options_are_close_and_marked(app, client, tmp_path):
    card_id = command_cards(app, client, tmp_path)["docker image"]
    typed = "docker image ls -f since=x"
    page = client.post(f"/quiz/card/{card_id}/answer", data={"typed": typed}).get_data(as_text=True)
    verdict = verdict_of(page)
    assert "verdict-close" in verdict and 'class="grade g2 suggested"' in page
    assert re.findall(r'<span class="tok tok-extra" title="extra">([^<]*)</span>', verdict) == [
        "-f",
        "since=x",
    ]
    assert "All of the card's command is there, and more than it has: -f since=x" in verdict
    typed = "docker image ls '<b>x</b>'"
    verdict = verdict_of(
        client.post(f"/quiz/card/{card_id}/answer", data={"typed": typed}).get_data(as_text=True)
    )
    assert "<b>" not in verdict and "more than it has: &#39;&lt;b&gt;x&lt;/b&gt;&#39;" in verdict


def test_the_verdict_page_in_chinese(app, client, tmp_path):
    cards = command_cards(app, client, tmp_path)
    page = client.post(
        f"/quiz/card/{cards['docker export']}/answer",
        data={"typed": "docker export 0123456789ab > ubuntu.tar"},
        headers={"Accept-Language": "zh"},
    ).get_data(as_text=True)
    assert "&lt;ID&gt;" in page and "任意ID；笔记中是 7691a814370e" in page and "卡片上" in page


def test_multiple_choice_session(app, client, tmp_path):
    note = tmp_path / "terms.md"
    note.write_text(
        "# Terms\n\n- Latency: the delay before data arrives\n- Bandwidth: data per second\n"
        "- Jitter: the variation in latency\n- Packet loss: packets that never arrive\n",
        encoding="utf-8",
    )
    import_notes(app, note)
    client.post("/quiz/start", data={"choices": "y"})
    card_id = card_id_from(client.get("/quiz"))
    page = client.get(f"/quiz/card/{card_id}").get_data(as_text=True)
    assert page.count('name="choice"') == 4 and "Show answer" not in page
    with app.app_context():
        card = db.session.get(Card, card_id)
        user = db.session.get(User, card.deck.user_id)
        options = choice_options(db.session, card, local_today(user, now_utc()))
    right = next(i for i, o in enumerate(options) if o.correct)
    page = client.post(f"/quiz/card/{card_id}/choose", data={"choice": str(right)}).get_data(as_text=True)
    assert 'class="grade g4 suggested"' in page and 'class="right picked"' in page
    wrong = (right + 1) % 4
    page = client.post(f"/quiz/card/{card_id}/choose", data={"choice": str(wrong)}).get_data(as_text=True)
    assert 'class="grade g1 suggested"' in page
    assert client.post(f"/quiz/card/{card_id}/choose", data={"choice": "7"}).status_code == 400


def test_undo_through_the_page_restores_state_and_log(app, client, notes_dir):
    import_notes(app, notes_dir / "git.md")
    client.post("/quiz/start", data={})
    card_id = card_id_from(client.get("/quiz"))
    before = state_of(app, card_id)
    client.post(f"/quiz/card/{card_id}/grade", data={"grade": "5"})
    assert state_of(app, card_id) != before
    response = client.post("/quiz/undo", data={})
    assert response.headers["Location"].endswith(f"/quiz/card/{card_id}")
    assert state_of(app, card_id) == before and logs(app) == []
    assert "Nothing to undo" in client.post("/quiz/undo", data={}, follow_redirects=True).get_data(
        as_text=True
    )


def test_card_detail_shows_source_and_history(app, client, notes_dir):
    import_notes(app, notes_dir / "git.md")
    card_id = card_id_from(client.get("/quiz"))
    client.post(f"/quiz/card/{card_id}/grade", data={"grade": "2"})
    page = client.get(f"/cards/{card_id}").get_data(as_text=True)
    assert 'class="hl"><span class="ln">5</span>- `git branch`' in page
    assert "<svg" in page and page.count("<tr><td>") == 1


def test_settings_change_limits_zone_and_language(app, client, notes_dir):
    import_notes(app, notes_dir / "git.md")
    page = client.get("/settings").get_data(as_text=True)
    assert 'value="20"' in page and 'value="UTC"' in page
    bad = client.post(
        "/settings",
        data={
            "new_cards_per_day": "1",
            "reviews_per_day": "50",
            "timezone": "Mars/Base",
            "day_starts_at_hour": "4",
            "locale": "",
        },
    )
    assert "Unknown time zone" in bad.get_data(as_text=True)
    response = client.post(
        "/settings",
        data={
            "new_cards_per_day": "1",
            "reviews_per_day": "50",
            "timezone": "Asia/Shanghai",
            "day_starts_at_hour": "5",
            "locale": "zh",
        },
    )
    assert response.status_code == 302
    with app.app_context():
        user = db.session.scalars(select(User)).one()
        assert (
            user.new_cards_per_day,
            user.reviews_per_day,
            user.timezone,
            user.day_starts_at_hour,
            user.locale,
        ) == (1, 50, "Asia/Shanghai", 5, "zh")
    page = client.get("/").get_data(as_text=True)
    assert re.search(r'id="new-count">1<', page)
    assert "开始今日测验" in page and 'lang="zh-CN"' in page


@pytest.mark.parametrize(
    ("accept", "expected"),
    [("zh-CN,zh;q=0.9,en;q=0.8", "开始今日测验"), ("en-US,en;q=0.9", "Start today's quiz")],
)
def test_language_follows_the_browser(app, client, notes_dir, accept, expected):
    import_notes(app, notes_dir / "git.md")
    assert expected in client.get("/", headers={"Accept-Language": accept}).get_data(as_text=True)


def test_progress_page_has_its_charts(app, client, notes_dir):
    import_notes(app, notes_dir / "git.md")
    card_id = card_id_from(client.get("/quiz"))
    client.post(f"/quiz/card/{card_id}/grade", data={"grade": "4"})
    page = client.get("/progress", headers={"Accept-Language": "zh"}).get_data(as_text=True)
    for chart in ("chart-heatmap", "chart-forecast", "chart-retention"):
        assert re.search(rf'id="{chart}".*?<svg', page, re.S), chart
    assert "过去一年每天的复习次数" in page
