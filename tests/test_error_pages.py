"""Clear answers instead of 500s: error pages, stale forms, racing requests, redirects and download names."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from urllib.parse import unquote

import itsdangerous
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from quiz import pending, views
from quiz.auth import safe_next
from quiz.backup import backup_file_names
from quiz.models import Card, Deck, PendingImport, ReviewState, User, db
from tests.conftest import TEST_PASSWORD, TEST_USER, drop_schema, log_in, make_app
from tests.test_import_web import GIT, upload
from tests.test_views import card_id_from, import_notes, logs

CSRF_RE = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def count(app: Flask, model: type) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


# --- one error page for every 4xx and 5xx ----------------------------------------------------------


@pytest.mark.parametrize(
    ("accept", "title"),
    [("en", "Not found"), ("zh-CN,zh;q=0.9", "找不到")],
)
def test_a_missing_card_answers_404_with_a_page_in_the_users_language(client, accept, title):
    for path in ("/cards/2147483648", "/quiz/card/9223372036854775808", "/import/1", "/no/such/page"):
        response = client.get(path, headers={"Accept-Language": accept})
        page = response.get_data(as_text=True)
        assert response.status_code == 404, path
        assert title in page and "<nav>" in page, path  # the site's own page, with its navigation


def test_a_wrong_method_answers_405_with_a_page_and_the_allowed_methods(client):
    response = client.get("/quiz/undo")
    assert response.status_code == 405
    assert "POST" in response.headers["Allow"]
    assert "Not allowed" in response.get_data(as_text=True)
    # An id too large for the database is not an address at all: 404, not 405 (the path is shared
    # by the preview's GET and the confirmation's POST).
    assert client.post("/import/99999999999").status_code == 404


def test_a_forbidden_action_answers_403_with_a_page(app):
    log_in(app, "admin")
    other = log_in(app, "bob")
    response = other.post("/account", data={"reg-csrf_token": "", "reg-open": "y"})
    assert response.status_code == 403
    assert "Your account may not do this." in response.get_data(as_text=True)


def test_a_failed_flush_is_rolled_back_and_the_500_page_shows_no_traceback(
    app, client, notes_dir, monkeypatch
):
    import_notes(app, notes_dir / "git.md")

    def clashing_override(card: Card, front: str, back: str) -> None:
        # A second deck with the same source path: the flush fails inside the request.
        db.session.add(
            Deck(user_id=card.deck.user_id, title="x", slug="x", source_path=card.deck.source_path)
        )
        db.session.flush()

    monkeypatch.setattr(views, "set_override", clashing_override)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    response = client.post("/cards/1/edit", data={"front": "a", "back": "b"})
    page = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "Something went wrong" in page and "Nothing was saved" in page
    assert TEST_USER in page  # rendered with the database (the user's name) after the rollback
    assert "Traceback" not in page and "IntegrityError" not in page and "UNIQUE" not in page.upper()
    assert client.get("/cards/1").status_code == 200  # nothing poisoned
    with app.app_context():
        assert db.session.get(Card, 1).override_front is None


def test_the_500_page_survives_a_database_that_is_gone(app, client, monkeypatch):
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("database on fire")

    monkeypatch.setattr(views, "today_overview", broken)
    monkeypatch.setattr("flask_login.utils._get_user", broken)  # the page header cannot load the user
    app.config["PROPAGATE_EXCEPTIONS"] = False
    response = client.get("/")
    assert response.status_code == 500
    page = response.get_data(as_text=True)
    assert "Nothing was saved" in page and "fire" not in page


def test_too_large_a_request_answers_413_with_a_page(database_url, tmp_path):
    app = make_app(database_url, tmp_path, MAX_CONTENT_LENGTH=1000)
    with app.app_context():
        db.create_all()
    try:
        client = log_in(app)
        response = client.post("/cards/1/edit", data={"front": "x" * 5000, "back": "y"})
        assert response.status_code == 413
        assert "larger than this Wengu accepts" in response.get_data(as_text=True)
    finally:
        drop_schema(app)


# --- bounded ids, pages and form numbers ----------------------------------------------------------


def test_numbers_beyond_the_database_range_get_a_sane_answer(app, client, notes_dir):
    import_notes(app, notes_dir / "git.md")
    huge = "9223372036854775808"
    assert client.post("/quiz/start", data={"topic_id": huge}).status_code == 400
    assert client.post("/quiz/start", data={"topic_id": "2147483648"}).status_code == 400
    page = client.get(f"/cards?topic={huge}&page={huge}").get_data(as_text=True)
    assert "git branch" in page  # an impossible topic is ignored; a page past the end shows the last one
    assert client.get("/cards?page=99999").status_code == 200
    card_id = card_id_from(client.get("/quiz"))
    response = client.post(f"/quiz/card/{card_id}/grade", data={"grade": "4", "version": huge})
    assert response.status_code == 400 and logs(app) == []


def test_nul_characters_are_refused_with_a_page(app, client, notes_dir):
    import_notes(app, notes_dir / "git.md")
    for method, path, data in (
        ("GET", "/cards?q=a%00b", None),
        ("POST", "/cards/1/edit", {"front": "a\x00b", "back": "b"}),
        ("POST", "/import", {"pasted": "# T\n\n- `ls` \x00 lists\n"}),
    ):
        response = client.open(path, method=method, data=data)
        assert response.status_code == 400, path
        assert "NUL" in response.get_data(as_text=True), path
    zh = client.get("/cards?q=%00", headers={"Accept-Language": "zh"}).get_data(as_text=True)
    assert "空字符" in zh
    with app.app_context():
        assert db.session.get(Card, 1).override_front is None
    assert count(app, PendingImport) == 0


# --- next= only ever leads to this site -------------------------------------------------------------


@pytest.mark.parametrize(
    "target",
    [
        "/\r\n//evil.example",
        "/\r//evil.example",
        "/\t/evil.example",
        "/\x00//evil.example",
        " //evil.example",
        "/%2F/evil.example",
        "/%2f%2fevil.example",
        "/%252F%252Fevil.example",
        "/%5Cevil.example",
        "/%09/evil.example",
        "/\\evil.example",
        "/cards\\..\\..\\evil",
        "/\u2028//evil.example",
        "/\u200b/evil.example",
        "https:/evil.example",
        "http:evil.example",
    ],
)
def test_next_with_control_characters_backslashes_or_encoded_slashes_goes_to_today(app, target):
    with app.test_request_context():
        assert safe_next(target) == "/"
    log_in(app)
    response = app.test_client().post(
        "/login", data={"name": TEST_USER, "password": TEST_PASSWORD, "next": target}
    )
    if "\x00" in target:
        assert response.status_code == 400  # no text may hold a NUL: the login is refused whole
    else:
        assert response.status_code == 302 and response.headers["Location"] == "/"


@pytest.mark.parametrize("target", ["/progress", "/cards?q=a%2F%2Fb", "/cards?q=%0A&page=2", "/cards/3"])
def test_next_to_a_page_of_this_site_is_followed(app, target):
    with app.test_request_context():
        assert safe_next(target) == target


def test_next_from_the_login_link_with_encoded_line_breaks_goes_to_today(app):
    log_in(app)
    client = app.test_client()
    page = client.get("/login?next=/%0D%0A//evil.example").get_data(as_text=True)
    token = CSRF_RE.search(page)
    form = {"name": TEST_USER, "password": TEST_PASSWORD, "next": "/\r\n//evil.example"}
    if token:
        form["csrf_token"] = token.group(1)
    assert client.post("/login", data=form).headers["Location"] == "/"


# --- the backup's download name -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "fallback", "full"),
    [
        ("alice", "wengu-alice-2026-03-04.json.gz", None),
        (
            "mei\r\nSet-Cookie: x=1",
            "wengu-mei_Set-Cookie_x_1-2026-03-04.json.gz",
            "wengu-mei_Set-Cookie_x=1-2026-03-04.json.gz",
        ),
        ("小明", "wengu-user-2026-03-04.json.gz", "wengu-小明-2026-03-04.json.gz"),
        (
            '"; filename=../../x',
            "wengu-filename_.._.._x-2026-03-04.json.gz",
            "wengu-;_filename=.._.._x-2026-03-04.json.gz",
        ),
        ("\x00\x1b[2J", "wengu-2J-2026-03-04.json.gz", "wengu-[2J-2026-03-04.json.gz"),
    ],
)
def test_backup_file_names_are_safe(name, fallback, full):
    assert backup_file_names(name, date(2026, 3, 4)) == (fallback, full or fallback)


def test_a_user_name_with_line_breaks_downloads_its_backup(app, client):
    with app.app_context():
        user = db.session.scalars(select(User).where(User.name == TEST_USER)).one()
        user.name = "小明\r\nX-Evil: 1"  # an old account: names were not always checked
        db.session.commit()
    response = client.post("/settings/backup", data={})
    assert response.status_code == 200 and response.mimetype == "application/gzip"
    disposition = response.headers["Content-Disposition"]
    assert "\r" not in disposition and "\n" not in disposition and "X-Evil" not in response.headers
    assert re.search(r'filename="wengu-X-Evil_1-\d{4}-\d\d-\d\d\.json\.gz"', disposition)
    encoded = re.search(r"filename\*=UTF-8''(\S+)", disposition).group(1)
    assert re.fullmatch(r"wengu-小明_X-Evil_1-\d{4}-\d\d-\d\d\.json\.gz", unquote(encoded))


# --- stale CSRF tokens: nothing is lost -----------------------------------------------------------


@contextmanager
def csrf_app(database_url: str, tmp_path, **config: object) -> Iterator[Flask]:
    app = make_app(database_url, tmp_path, WTF_CSRF_ENABLED=True, **config)
    with app.app_context():
        db.create_all()
    try:
        yield app
    finally:
        drop_schema(app)


def later(monkeypatch: pytest.MonkeyPatch, seconds: int) -> None:
    """Move itsdangerous's clock (the CSRF token's timestamp) forward."""
    now = itsdangerous.TimestampSigner.get_timestamp

    def shifted(self: itsdangerous.TimestampSigner) -> int:
        return now(self) + seconds

    monkeypatch.setattr(itsdangerous.TimestampSigner, "get_timestamp", shifted)


def test_a_card_page_open_for_two_days_still_grades(database_url, tmp_path, monkeypatch, notes_dir):
    with csrf_app(database_url, tmp_path) as app:
        client = log_in(app)
        import_notes(app, notes_dir / "git.md")
        card_id = card_id_from(client.get("/quiz"))
        token = CSRF_RE.search(client.get(f"/quiz/card/{card_id}?show=1").get_data(as_text=True)).group(1)
        later(monkeypatch, 2 * 24 * 3600)
        response = client.post(f"/quiz/card/{card_id}/grade", data={"grade": "4", "csrf_token": token})
        assert response.status_code == 302 and logs(app) == [(card_id, 4, False)]


def test_an_expired_grade_brings_the_card_back_to_grade_again(database_url, tmp_path, monkeypatch, notes_dir):
    with csrf_app(database_url, tmp_path, WTF_CSRF_TIME_LIMIT=3600) as app:
        client = log_in(app)
        import_notes(app, notes_dir / "git.md")
        card_id = card_id_from(client.get("/quiz"))
        token = CSRF_RE.search(client.get(f"/quiz/card/{card_id}?show=1").get_data(as_text=True)).group(1)
        later(monkeypatch, 3601)
        response = client.post(
            f"/quiz/card/{card_id}/grade",
            data={"grade": "4", "csrf_token": token},
            headers={"Accept-Language": "zh"},
        )
        assert response.status_code == 302
        assert response.headers["Location"] == f"/quiz/card/{card_id}?show=1"
        assert logs(app) == []
        page = client.get(response.headers["Location"], headers={"Accept-Language": "zh"}).get_data(
            as_text=True
        )
        assert "页面已过期" in page and page.count('name="grade"') == 6
        fresh = CSRF_RE.search(page).group(1)
        client.post(f"/quiz/card/{card_id}/grade", data={"grade": "4", "csrf_token": fresh})
        assert logs(app) == [(card_id, 4, False)]
        # A typed answer comes back to the card's front, to be typed again.
        other = card_id_from(client.get("/quiz"))
        response = client.post(f"/quiz/card/{other}/answer", data={"typed": "git", "csrf_token": token})
        assert response.headers["Location"] == f"/quiz/card/{other}"


def test_an_expired_settings_form_goes_back_to_its_page_and_saves_nothing(
    database_url, tmp_path, monkeypatch
):
    with csrf_app(database_url, tmp_path, WTF_CSRF_TIME_LIMIT=3600) as app:
        client = log_in(app)
        token = CSRF_RE.search(client.get("/settings").get_data(as_text=True)).group(1)
        later(monkeypatch, 3601)
        form = {
            "new_cards_per_day": "3",
            "reviews_per_day": "9",
            "day_starts_at_hour": "4",
            "csrf_token": token,
        }
        response = client.post("/settings", data=form)
        assert response.status_code == 302 and response.headers["Location"] == "/settings"
        assert "nothing was saved" in client.get("/settings").get_data(as_text=True)
        # A button-only form goes back to the page it was on (here the card's page).
        response = client.post(
            "/quiz/undo", data={"csrf_token": token}, headers={"Referer": "http://localhost/quiz/done"}
        )
        assert response.headers["Location"] == "/quiz/done"
        response = client.post(
            "/quiz/undo", data={"csrf_token": token}, headers={"Referer": "http://evil.example/x"}
        )
        assert response.headers["Location"] == "/"
        with app.app_context():
            assert db.session.scalars(select(User)).one().new_cards_per_day is None


def test_a_form_without_a_token_is_still_a_400_page(database_url, tmp_path):
    with csrf_app(database_url, tmp_path) as app:
        client = log_in(app)
        response = client.post("/quiz/card/1/grade", data={"grade": "4"})
        assert response.status_code == 400
        assert "reload the page" in response.get_data(as_text=True)


# --- requests racing each other -------------------------------------------------------------------


def race(
    app: Flask, requests: list[Callable[[FlaskClient], object]], hook: Callable[[Callable[[], None]], None]
) -> list:
    """Run the requests in two threads, each with its own client, meeting at a barrier ``hook`` places.

    ``hook(wait)`` installs ``wait`` at the point where both requests have read
    what they are about to change: the first to arrive waits for the other, then
    both write at once.
    """
    barrier = threading.Barrier(len(requests), timeout=30)
    waited = threading.local()

    def wait() -> None:
        if not getattr(waited, "done", False):
            waited.done = True
            barrier.wait()

    clients = [log_in(app) for _ in requests]  # before the hook: logging in writes too
    hook(wait)
    results: list[object] = [None] * len(requests)

    def run(i: int) -> None:
        try:
            results[i] = requests[i](clients[i])
        except BaseException as exc:  # reported below
            results[i] = exc
            barrier.abort()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(requests))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    for result in results:
        if isinstance(result, BaseException):
            raise result
    return results


@contextmanager
def at_first_flush() -> Iterator[Callable[[Callable[[], None]], None]]:
    """A ``hook`` for :func:`race`: wait at each thread's first flush (after its reads, before its writes)."""
    listeners = []

    def hook(wait: Callable[[], None]) -> None:
        def before_flush(_session: Session, _context: object, _instances: object) -> None:
            wait()

        listeners.append(before_flush)
        event.listen(Session, "before_flush", before_flush)

    try:
        yield hook
    finally:
        for listener in listeners:
            event.remove(Session, "before_flush", listener)


def status_and_location(response) -> tuple[int, str]:
    return response.status_code, response.headers.get("Location", "")


@pytest.mark.parametrize("drill", [False, True])
def test_two_undos_at_once_take_back_one_grade(app, client, notes_dir, drill):
    import_notes(app, notes_dir / "git.md")
    client.post("/quiz/start", data={})
    first = card_id_from(client.get("/quiz"))
    client.post(f"/quiz/card/{first}/grade", data={"grade": "2" if drill else "5"})
    # The newest grade: the failed card's drill grade, or a second card's first review.
    newest = first if drill else card_id_from(client.get("/quiz"))
    client.post(f"/quiz/card/{newest}/grade", data={"grade": "4"})
    assert logs(app)[-1] == (newest, 4, drill)
    kept = logs(app)[0]
    with at_first_flush() as hook:
        results = race(app, [lambda c: status_and_location(c.post("/quiz/undo", data={}))] * 2, hook)
    assert [status for status, _ in results] == [302, 302]
    assert logs(app) == [kept]  # one grade taken back, not two
    with app.app_context():
        state = db.session.get(ReviewState, (1, newest))
        if drill:  # the card waits in today's drill again
            assert state.drill_day is not None and state.interval_days == 1
        else:  # the card is new again
            assert (state.repetitions, state.due) == (0, None)


def test_two_suspends_at_once_suspend_once(app, client, notes_dir):
    import_notes(app, notes_dir / "git.md")
    with at_first_flush() as hook:
        results = race(app, [lambda c: status_and_location(c.post("/cards/1/suspend", data={}))] * 2, hook)
    assert results == [(302, "/cards/1")] * 2
    with app.app_context():
        assert db.session.get(ReviewState, (1, 1)).suspended is True
    # The page's button says what it wants: sent again later, it does not undo itself.
    assert 'name="suspend" value="0"' in client.get("/cards/1").get_data(as_text=True)
    client.post("/cards/1/suspend", data={"suspend": "1"})
    with app.app_context():
        assert db.session.get(ReviewState, (1, 1)).suspended is True
    client.post("/cards/1/suspend", data={"suspend": "0"})
    with app.app_context():
        assert db.session.get(ReviewState, (1, 1)).suspended is False


def _both_read_the_preview(monkeypatch: pytest.MonkeyPatch) -> Callable[[Callable[[], None]], None]:
    """A race hook: each confirmation waits, after reading its pending import, until both have read."""
    real_total = pending.card_total

    def hook(wait: Callable[[], None]) -> None:
        def total_then_wait(session: Session, upload_row: PendingImport) -> int:
            total = real_total(session, upload_row)
            wait()
            return total

        monkeypatch.setattr(pending, "card_total", total_then_wait)

    return hook


def test_one_preview_confirmed_twice_at_once_imports_once(app, client, monkeypatch):
    preview = upload(client, ("git.md", GIT.encode())).headers["Location"]
    shown = len(re.findall(r'name="keep" value="([^"]+)"', client.get(preview).get_data(as_text=True)))

    def confirm(c: FlaskClient) -> tuple[int, str]:
        return status_and_location(c.post(preview, data={}))

    results = race(app, [confirm, confirm], _both_read_the_preview(monkeypatch))
    # Only one of them starts the import (a conditional UPDATE of the pending import's status); the
    # other is sent to the same address, which shows the report of the one import.
    assert results == [(302, preview)] * 2
    assert count(app, Deck) == 1 and count(app, Card) == shown
    page = client.get(preview).get_data(as_text=True)
    assert "<nav>" in page and 'id="preview-form"' not in page
    # Sent again afterwards, it imports nothing more.
    assert status_and_location(client.post(preview, data={})) == (302, preview)
    assert count(app, Deck) == 1 and count(app, Card) == shown


def test_two_previews_of_one_new_note_confirmed_at_once_import_it_once(app, client, monkeypatch):
    previews = [upload(client, ("git.md", GIT.encode())).headers["Location"] for _ in range(2)]

    def confirm(path: str) -> Callable[[FlaskClient], tuple[int, str]]:
        return lambda c: status_and_location(c.post(path, data={}))

    results = race(app, [confirm(previews[0]), confirm(previews[1])], _both_read_the_preview(monkeypatch))
    assert results == [(302, previews[0]), (302, previews[1])]
    # Whichever way the race goes (SQLite writes one transaction after the other, so the second is a
    # re-import; PostgreSQL may run both and refuse the second's new deck): the note is there once,
    # and a refused import is kept as failed, to try again, never a 500.
    assert count(app, Deck) == 1
    pages = [client.get(path) for path in previews]
    assert all(page.status_code == 200 for page in pages)
    failed = [
        path
        for path, page in zip(previews, pages, strict=True)
        if 'id="retry-form"' in page.get_data(as_text=True)
    ]
    for path in failed:
        client.post(path + "/retry")
    assert count(app, Deck) == 1
