"""Big browser imports: parsed once, previewed a page at a time, bounded, and run as background jobs."""

from __future__ import annotations

import logging
import re
import threading
import time
from datetime import timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import delete, func, select, update

from quiz import import_jobs, pending
from quiz.models import Card, Deck, PendingImport, PendingImportNote, PendingImportPage, User, db, now_utc
from tests.conftest import log_in
from tests.test_import_web import form_of, stored, upload

GIT = "# Git\n\n## Branches\n\n- `git branch` lists local branches\n- `git switch -c NAME` creates a branch\n"


def big_note(cards: int, title: str = "Big") -> bytes:
    """A note of ``cards`` question::answer cards."""
    return ("# " + title + "\n\n" + "".join(f"question {i}::answer {i}\n" for i in range(cards))).encode()


@pytest.fixture
def parses(monkeypatch) -> list[str]:
    """The notes parsed, as the names of the threads that parsed them (through ``pending.parse_note``)."""
    calls: list[str] = []
    real = pending.parse_note

    def counting(text: str):
        calls.append(threading.current_thread().name)
        return real(text)

    monkeypatch.setattr(pending, "parse_note", counting)
    return calls


def no_inline_script_or_style(page: str) -> bool:
    return not (
        re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page)
        or re.search(r"\sstyle=", page)
        or re.search(r"\son[a-z]+=", page)
    )


def test_a_big_note_is_parsed_once_and_previewed_a_bounded_page_at_a_time(app, client, parses):
    cards = 5000
    response = upload(client, ("big.md", big_note(cards)), ("git.md", GIT.encode()))
    location = response.headers["Location"]
    assert len(parses) == 2  # one parse per note, at upload
    first = client.get(location).get_data(as_text=True)
    # One page of one note: 200 of its 5,000 cards, the list of notes with their counts, page links.
    assert len(re.findall(r'name="keep"', first)) == pending.PAGE_CARDS
    assert "Cards 1–200 of 5,000" in first and "1 / 25" in first
    assert re.search(r'value="1:0" class="link">git.md</button>\s*<span class="muted small">2 cards', first)
    # The page's size does not grow with the note (every card on one page would be about 2 MB).
    assert len(first.encode()) < 100_000
    assert no_inline_script_or_style(first)

    # Untick a card on the first page, go to the last page, untick one there, go back: both remembered.
    page0 = form_of(first)
    dropped0 = page0["keep"][0]
    last = client.post(location, data={**form_of(first, drop={dropped0}), "goto": "0:24"})
    last_page = client.get(last.headers["Location"]).get_data(as_text=True)
    assert "Cards 4,801–5,000 of 5,000" in last_page and len(last_page.encode()) < 100_000
    dropped24 = form_of(last_page)["keep"][-1]
    back = client.post(location, data={**form_of(last_page, drop={dropped24}), "goto": "0:0"})
    again = client.get(back.headers["Location"]).get_data(as_text=True)
    assert f'value="{dropped0}">' in again and f'value="{dropped0}" checked' not in again
    assert "2 cards unticked" in again
    client.get(location + "?note=0&page=24")  # reloading and paging never parse again

    # Import: everything but the two unticked cards, without parsing again.
    report = client.post(location, data=form_of(again), follow_redirects=True).get_data(as_text=True)
    assert f'class="added">{cards - 2}<' in report and 'class="added">2<' in report
    assert len(parses) == 2
    with app.app_context():
        backs = set(db.session.scalars(select(Card.back)))
        assert len(backs) == cards - 2 + 2
        assert "answer 0" not in backs and f"answer {cards - 1}" not in backs
        # The kept parse is gone once imported: only the report stays.
        assert db.session.scalar(select(func.count()).select_from(PendingImportPage)) == 0
        assert db.session.scalar(select(func.count()).select_from(PendingImportNote)) == 0


def test_confirming_twice_imports_once(app, client):
    location = upload(client, ("git.md", GIT.encode())).headers["Location"]
    form = form_of(client.get(location).get_data(as_text=True))
    client.post(location, data=form)
    second = client.post(location, data=form, follow_redirects=True)
    assert 'id="import-report"' in second.get_data(as_text=True)
    assert stored(app) == (1, 2, 1)


@pytest.mark.parametrize("inline", [True, False], ids=["inline", "background"])
def test_an_import_over_the_card_limit_is_refused_naming_the_note_and_the_limit(app, client, parses, inline):
    app.config["IMPORT_MAX_CARDS"] = 10
    if not inline:
        app.config["IMPORT_INLINE_BYTES"] = 0
    files = [("a-small.md", big_note(4, "Small")), ("b-big.md", big_note(8)), ("c.md", big_note(3))]
    response = upload(client, *files)
    if not inline:
        assert response.status_code == 302
        response = client.get(response.headers["Location"])
    assert response.status_code == 413
    message = re.search(r'id="upload-error">([^<]+)<', response.get_data(as_text=True)).group(1)
    assert "b-big.md" in message and "10" in message and "Nothing was stored" in message
    assert len(parses) == 2  # the parse stops at the note that passes the limit
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Card)) == 0
        assert db.session.scalar(select(func.count()).select_from(PendingImportNote)) == 0
        # Nothing of the upload is kept: inline, no row at all; in the background, the reason alone.
        assert [(p.status, p.payload) for p in db.session.scalars(select(PendingImport))] == (
            [] if inline else [("refused", b"")]
        )
    assert client.get("/import").get_data(as_text=True).count('id="waiting-imports"') == 0


def test_the_card_limit_message_is_in_the_users_language(app, client):
    app.config["IMPORT_MAX_CARDS"] = 5
    response = client.post(
        "/import",
        data={"pasted": big_note(6).decode(), "pasted_name": "big"},
        headers={"Accept-Language": "zh-CN"},
    )
    assert response.status_code == 413
    message = re.search(r'id="upload-error">([^<]+)<', response.get_data(as_text=True)).group(1)
    assert "big.md" in message and "5" in message and "卡片" in message


def test_pending_imports_per_user_are_capped_and_can_be_discarded(app, client):
    app.config["IMPORT_MAX_PENDING"] = 2
    first = upload(client, ("a.md", GIT.encode())).headers["Location"]
    second = upload(client, ("b.md", GIT.encode())).headers["Location"]
    refused = upload(client, ("c.md", GIT.encode()))
    assert refused.status_code == 409
    page = refused.get_data(as_text=True)
    assert "You have 2 imports waiting" in page
    assert f'href="{first}"' in page and f'href="{second}"' in page  # links to the waiting ones
    assert stored(app) == (0, 0, 2)
    # Another user has places of their own.
    assert upload(log_in(app, "bob"), ("c.md", GIT.encode())).status_code == 302
    # A discarded import frees its place; an imported one too.
    assert 'id="discard-form"' in client.get(first).get_data(as_text=True)
    assert client.post(first + "/discard").headers["Location"].endswith("/import")
    assert client.get(first).status_code == 404
    third = upload(client, ("c.md", GIT.encode())).headers["Location"]
    client.post(third, data=form_of(client.get(third).get_data(as_text=True)))
    assert upload(client, ("d.md", GIT.encode())).status_code == 302
    # Pending imports untouched for a day are forgotten, but not one uploaded two days ago whose job
    # is storing it now (its heartbeat is fresh).
    with app.app_context():
        two_days_ago = now_utc() - timedelta(days=2)
        db.session.execute(update(PendingImport).values(created_at=two_days_ago, heartbeat_at=two_days_ago))
        alice = db.session.scalars(select(User).where(User.name == "alice")).one()
        storing = pending.create(db.session, alice, [("e.md", GIT)], now_utc())
        storing.created_at, storing.status = two_days_ago, "importing"
        db.session.commit()
        storing_id = storing.id
    assert f'href="/import/{storing_id}"' in client.get("/import").get_data(as_text=True)
    with app.app_context():
        assert db.session.get(PendingImport, storing_id) is not None
        db.session.execute(update(PendingImport).values(heartbeat_at=two_days_ago))
        db.session.commit()
    assert 'id="waiting-imports"' not in client.get("/import").get_data(as_text=True)
    with app.app_context():
        alice = db.session.scalars(select(User).where(User.name == "alice")).one()
        assert not db.session.scalars(select(PendingImport).where(PendingImport.user_id == alice.id)).all()


def test_a_running_job_shows_progress_and_a_dead_one_can_be_tried_again(app, client, parses):
    with app.app_context():
        alice = db.session.scalars(select(User).where(User.name == "alice")).one()
        job = pending.create(db.session, alice, [("a.md", GIT), ("b.md", GIT)], now_utc())
        db.session.commit()
        location = f"/import/{job.id}"
    # Parsing, alive (a fresh heartbeat): the progress page, which refreshes itself without script.
    page = client.get(location).get_data(as_text=True)
    assert '<meta http-equiv="refresh" content="2">' in page and "0 of 2 notes read" in page
    assert no_inline_script_or_style(page)
    # No heartbeat for longer than the limit: its process died.  Shown as failed, never as running.
    with app.app_context():
        stale = now_utc() - timedelta(seconds=app.config["IMPORT_JOB_STALE_SECONDS"] + 1)
        db.session.execute(update(PendingImport).values(heartbeat_at=stale))
        db.session.commit()
    page = client.get(location).get_data(as_text=True)
    assert 'id="import-failed"' in page and 'id="retry-form"' in page and "refresh" not in page
    assert no_inline_script_or_style(page)
    assert not parses
    preview = client.post(location + "/retry", follow_redirects=True).get_data(as_text=True)
    assert 'id="preview-form"' in preview and len(parses) == 2
    # The same for a store step that died: "try again" stores the ticked cards from the kept parse.
    with app.app_context():
        db.session.execute(update(PendingImport).values(status="importing", heartbeat_at=stale))
        db.session.commit()
    assert 'id="retry-form"' in client.get(location).get_data(as_text=True)
    report = client.post(location + "/retry", follow_redirects=True).get_data(as_text=True)
    assert 'id="import-report"' in report and len(parses) == 2
    assert stored(app)[:2] == (2, 4)


def test_a_restarted_job_leaves_the_old_attempt_nothing_to_finish(app):
    with app.app_context():
        user = User(name="carol")
        db.session.add(user)
        db.session.flush()
        job = pending.create(db.session, user, [("a.md", GIT)], now_utc())
        db.session.commit()
        old_token = job.job_token
        db.session.execute(update(PendingImport).values(status="failed"))
        db.session.commit()
        # Two "try again" clicks on the same page: both requests read the same failed job.
        seen = SimpleNamespace(id=job.id, status="failed", job_token=old_token)
        new_token = pending.start_job(db.session, seen, "parsing", now_utc())
        db.session.commit()
        assert new_token and new_token != old_token
        assert pending.start_job(db.session, seen, "parsing", now_utc()) is None  # the second starts nothing
        with pytest.raises(pending.JobSuperseded):
            pending.parse(db.session, job.id, old_token, 100)
        db.session.rollback()
        assert db.session.scalar(select(func.count()).select_from(PendingImportNote)) == 0
        pending.parse(db.session, job.id, new_token, 100)
        assert db.session.get(PendingImport, job.id).status == "ready"


def poll(client, location: str, until: str) -> str:
    """GET ``location`` until its page holds ``until`` (the job finished); a bounded number of tries."""
    for _ in range(1200):
        page = client.get(location).get_data(as_text=True)
        if until in page:
            return page
        assert 'id="import-failed"' not in page, page
        assert 'http-equiv="refresh"' in page  # still running: the progress page
        time.sleep(0.05)
    raise AssertionError(f"{location} never showed {until}")


def test_big_uploads_and_imports_run_in_a_background_thread(app, client, parses):
    app.config.update(
        IMPORT_JOBS_SYNCHRONOUS=False,
        IMPORT_INLINE_BYTES=0,
        IMPORT_INLINE_CARDS=0,
        IMPORT_JOB_HEARTBEAT_SECONDS=0.01,
    )
    response = upload(client, ("big.md", big_note(3000)), ("git.md", GIT.encode()))
    assert response.status_code == 302
    location = response.headers["Location"]
    preview = poll(client, location, 'id="preview-form"')
    assert "Cards 1–200 of 3,000" in preview
    report = client.post(location, data=form_of(preview))
    assert report.headers["Location"].endswith(location)
    report = poll(client, location, 'id="import-report"')
    assert 'class="added">3000<' in report and 'class="added">2<' in report
    assert parses == [f"wengu-import-{location.rsplit('/', 1)[1]}"] * 2  # parsed once, in the job's thread
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Card)) == 3002
        assert db.session.scalar(select(func.count()).select_from(Deck)) == 2
        assert db.session.scalars(select(PendingImport.status)).one() == "done"


def test_an_import_discarded_while_it_is_read_ends_quietly(app, monkeypatch, caplog):
    """Discard while the job parses: the job's writes find no pending import; nothing is logged as failed."""
    log_in(app, "alice")
    with app.app_context():
        alice = db.session.scalars(select(User).where(User.name == "alice")).one()
        job = pending.create(db.session, alice, [("a.md", GIT)], now_utc())
        db.session.commit()
        job_id, token = job.id, job.job_token
        real_parse = pending.parse_note

        def parse_then_discard(text: str):
            with db.engine.begin() as conn:  # another request discards it meanwhile
                conn.execute(delete(PendingImport).where(PendingImport.id == job_id))
            return real_parse(text)

        monkeypatch.setattr(pending, "parse_note", parse_then_discard)
        import_jobs._run(app, db.session, job_id, token, "parse")
        assert db.session.get(PendingImport, job_id) is None
        assert not db.session.scalars(select(PendingImportNote)).all()
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR], caplog.text
