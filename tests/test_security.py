"""Accounts and being on a network: set-up, isolation, CSRF, XSS, rate limits, redirects, headers."""

from __future__ import annotations

import gzip
import re
import sqlite3
import zipfile
from datetime import timedelta
from io import BytesIO
from urllib.parse import unquote

import pytest
from sqlalchemy import func, select

from quiz import accounts, pending
from quiz.models import (
    LOCAL_USER_NAME,
    Card,
    Deck,
    LoginAttempt,
    PendingImport,
    PendingImportNote,
    ReviewLog,
    ReviewState,
    Topic,
    User,
    db,
    now_utc,
)
from quiz.store.days import get_or_create_user
from quiz.store.importing import import_note_files
from tests.conftest import SAMPLE_NOTES, TEST_PASSWORD, drop_schema, log_in, make_app

XSS_NOTE = (
    "# Safety <script>alert('heading')</script>\n\n"
    "- `rm -i FILE` asks <img src=x onerror=alert(1)> before removing\n"
    "- Phishing: [click me](javascript:alert(1)) <script>alert('def')</script>\n"
)


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def import_for(app, name: str, path) -> None:
    with app.app_context():
        user = db.session.scalars(select(User).where(User.name == name)).one()
        import_note_files(db.session, user, [path])
        db.session.commit()


# --- set-up and accounts ------------------------------------------------------------------------


def test_a_fresh_instance_sends_everyone_to_set_up(app):
    client = app.test_client()
    for path in ("/", "/progress", "/cards", "/login", "/register"):
        assert client.get(path).headers["Location"].endswith("/setup"), path
    assert client.get("/setup").status_code == 200


def load_demo_as_init_db_does(app) -> None:
    with app.app_context():
        local = get_or_create_user(db.session, LOCAL_USER_NAME)
        import_note_files(db.session, local, [SAMPLE_NOTES])
        db.session.commit()


def test_the_first_account_becomes_admin_and_takes_over_the_demo_deck(app):
    load_demo_as_init_db_does(app)
    client = app.test_client()
    response = client.post(
        "/setup", data={"name": "mei", "password": TEST_PASSWORD, "confirm": TEST_PASSWORD}
    )
    assert response.status_code == 302
    with app.app_context():
        (user,) = db.session.scalars(select(User)).all()
        assert (user.name, user.is_admin) == ("mei", True)
        assert user.password_hash.startswith("scrypt:")
        assert db.session.scalar(select(func.count()).select_from(Deck).where(Deck.user_id == user.id)) == 1
    assert "docker" in client.get("/").get_data(as_text=True)
    assert client.get("/setup").headers["Location"].endswith("/login")  # set-up happens once


def test_no_default_password_can_log_in(app):
    load_demo_as_init_db_does(app)
    with app.app_context():
        accounts.create_user(db.session, "admin", TEST_PASSWORD)
        local = accounts.create_user(db.session, "bob", TEST_PASSWORD)
        local.password_hash = None  # a user without a password, like the built-in local user
        db.session.commit()
    client = app.test_client()
    for password in ("", "local", "admin", "password"):
        response = client.post("/login", data={"name": "bob", "password": password})
        assert response.status_code != 302
    assert client.get("/").status_code == 302


def test_registration_is_closed_until_the_admin_opens_it(app):
    admin = log_in(app, "ada")
    assert app.test_client().get("/register").status_code == 403
    assert "Create an account" not in app.test_client().get("/login").get_data(as_text=True)
    assert admin.post("/account", data={"reg-csrf_token": "", "reg-open": "y"}).status_code == 302
    assert app.test_client().get("/register").status_code == 200
    response = admin.post("/account", data={"reg-csrf_token": "", "reg-open": ""})
    assert response.status_code == 302
    assert app.test_client().get("/register").status_code == 403
    other = log_in(app, "bea")  # accounts can still be made by the admin's CLI (here: directly)
    assert other.post("/account", data={"reg-csrf_token": "", "reg-open": "y"}).status_code == 403


def test_a_name_registered_twice_at_once_is_taken_not_a_500(app, monkeypatch):
    """The second of two registrations of one name (a double click) finds it only at its INSERT."""
    log_in(app, "ada").post("/account", data={"reg-csrf_token": "", "reg-open": "y"})
    form = {"name": "Cai", "password": TEST_PASSWORD, "confirm": TEST_PASSWORD}
    assert app.test_client().post("/register", data=form).status_code == 302
    # As if the first request had not committed yet when the second looked the name up:
    monkeypatch.setattr(accounts, "find_user", lambda session, name: None)
    response = app.test_client().post("/register", data={**form, "name": "cai"})
    assert response.status_code == 200 and "is taken" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(User).where(User.name_key == "cai")) == 1


def test_register_and_change_password(app):
    log_in(app, "ada").post("/account", data={"reg-csrf_token": "", "reg-open": "y"})
    client = app.test_client()
    response = client.post("/register", data={"name": "cai", "password": "short", "confirm": "short"})
    assert response.status_code == 200 and "between 8 and 200 characters" in response.get_data(as_text=True)
    response = client.post(
        "/register", data={"name": "cai", "password": TEST_PASSWORD, "confirm": TEST_PASSWORD}
    )
    assert response.status_code == 302
    with app.app_context():
        assert not db.session.scalars(select(User).where(User.name == "cai")).one().is_admin
    page = client.post(
        "/account",
        data={"pw-current": "wrong", "pw-password": "new password 1", "pw-confirm": "new password 1"},
    )
    assert "current password is wrong" in page.get_data(as_text=True)
    response = client.post(
        "/account",
        data={"pw-current": TEST_PASSWORD, "pw-password": "new password 1", "pw-confirm": "new password 1"},
    )
    assert response.status_code == 302
    assert log_in(app, "cai", "new password 1").get("/").status_code == 200


def test_users_create_command(app, runner):
    result = runner.invoke(args=["users", "create", "dai", "--password", TEST_PASSWORD])
    assert result.exit_code == 0 and "(admin)" in result.output
    result = runner.invoke(args=["users", "create", "dai", "--password", TEST_PASSWORD])
    assert result.exit_code == 1 and "taken" in result.output
    result = runner.invoke(args=["users", "create", "eve"], input=f"{TEST_PASSWORD}\n{TEST_PASSWORD}\n")
    assert result.exit_code == 0 and "(admin)" not in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(User)) == 2


def test_cli_needs_user_when_there_are_several(app, runner, notes_dir):
    log_in(app, "ada")
    log_in(app, "bea")
    result = runner.invoke(args=["notes", "import", str(notes_dir)])
    assert result.exit_code == 1 and "--user" in result.output
    assert runner.invoke(args=["notes", "import", str(notes_dir), "--user", "bea"]).exit_code == 0
    with app.app_context():
        bea = db.session.scalars(select(User).where(User.name == "bea")).one()
        assert {d.user_id for d in db.session.scalars(select(Deck))} == {bea.id}


# --- isolation between users --------------------------------------------------------------------


def test_users_cannot_see_or_change_each_others_data(app, notes_dir):
    alice, bob = log_in(app, "alice"), log_in(app, "bob")
    import_for(app, "alice", notes_dir / "git.md")
    with app.app_context():
        card = db.session.scalars(select(Card)).first()
        topic = db.session.scalars(select(Topic)).first()
        card_id, topic_id = card.id, topic.id
        state = db.session.scalars(select(ReviewState)).first()
        version = state.version
        alice_user = db.session.scalars(select(User).where(User.name == "alice")).one()
        upload = pending.create(db.session, alice_user, [("x.md", "# X\n\n- `ls` lists\n")], now_utc())
        db.session.commit()
        pending_id = upload.id
        pending.parse(db.session, pending_id, upload.job_token, 100)
    alice.post(f"/quiz/card/{card_id}/grade", data={"grade": "5", "version": str(version)})
    attempts = [
        ("get", f"/quiz/card/{card_id}", {}),
        ("get", f"/quiz/card/{card_id}?show=1", {}),
        ("post", f"/quiz/card/{card_id}/grade", {"grade": "0"}),
        ("post", f"/quiz/card/{card_id}/answer", {"typed": "git branch"}),
        ("post", f"/quiz/card/{card_id}/choose", {"choice": "0"}),
        ("get", f"/cards/{card_id}", {}),
        ("post", f"/cards/{card_id}/edit", {"front": "hacked", "back": "hacked"}),
        ("post", f"/cards/{card_id}/suspend", {}),
        ("post", "/quiz/start", {"topic_id": str(topic_id)}),
        ("get", f"/import/{pending_id}", {}),
        ("post", f"/import/{pending_id}", {"keep": "x", "note": "0", "page": "0"}),
        ("post", f"/import/{pending_id}/retry", {}),
        ("post", f"/import/{pending_id}/discard", {}),
    ]
    for method, path, data in attempts:
        response = getattr(bob, method)(path, data=data)
        assert response.status_code == 404, (method, path, response.status_code)
    # What bob can reach shows none of alice's things.
    assert "git branch" not in bob.get("/cards").get_data(as_text=True)
    assert "Git basics" not in bob.get("/progress").get_data(as_text=True)
    assert "Git basics" not in bob.get(f"/cards?topic={topic_id}").get_data(as_text=True)
    assert bob.post("/anki/export", data={}).status_code == 302  # nothing of his to export
    bob.post(
        "/settings",
        data={
            "new_cards_per_day": "3",
            "reviews_per_day": "9",
            "timezone": "",
            "day_starts_at_hour": "4",
            "locale": "",
        },
    )
    with app.app_context():
        card = db.session.get(Card, card_id)
        assert (card.override_front, card.override_back) == (None, None)
        assert db.session.scalar(select(func.count()).select_from(ReviewLog)) == 1
        assert not db.session.scalars(select(ReviewState).where(ReviewState.suspended)).all()
        assert db.session.get(PendingImport, pending_id) is not None
        alice_user = db.session.scalars(select(User).where(User.name == "alice")).one()
        assert alice_user.new_cards_per_day is None
    backup = bob.post("/settings/backup", data={}).data
    assert b"git branch" not in gzip.decompress(backup)


# --- CSRF, XSS, rate limit, redirects, cookies, headers -----------------------------------------


def test_csrf_is_required_for_every_state_change(database_url, tmp_path, notes_dir):
    app = make_app(database_url, tmp_path, WTF_CSRF_ENABLED=True)
    with app.app_context():
        db.create_all()
    try:
        client = log_in(app)
        import_for(app, "alice", notes_dir / "git.md")
        # Every address that takes a POST, its ids filled with 1: CSRFProtect checks them all before
        # any view runs (the views themselves check no token).
        posts = sorted(
            re.sub(r"<[^>]+>", "1", rule.rule) for rule in app.url_map.iter_rules() if "POST" in rule.methods
        )
        assert {"/quiz/undo", "/import/1/discard", "/logout", "/account/1/logout-everywhere"} <= set(posts)
        for path in posts:
            assert client.post(path, data={"grade": "4"}).status_code == 400, path
        assert (
            app.test_client().post("/login", data={"name": "alice", "password": TEST_PASSWORD}).status_code
            == 400
        )
        assert count(app, ReviewLog) == 0
    finally:
        drop_schema(app)


def test_xss_from_a_note_is_inert_in_pages_and_in_the_anki_export(app, client, tmp_path):
    note = tmp_path / "xss.md"
    note.write_text(XSS_NOTE, encoding="utf-8")
    import_for(app, "alice", note)
    with app.app_context():
        ids = [c.id for c in db.session.scalars(select(Card))]
    assert ids
    pages = [client.get(f"/quiz/card/{i}?show=1").get_data(as_text=True) for i in ids]
    pages += [client.get(f"/cards/{i}").get_data(as_text=True) for i in ids]
    pages += [client.get(p).get_data(as_text=True) for p in ("/", "/progress", "/cards")]
    for page in pages:
        body = page.split("<main>")[1]
        assert "<script" not in body
        assert not re.search(r"<img[^>]*onerror", body)
        assert 'href="javascript:' not in body.lower()
    apkg = client.post("/anki/export", data={}).data
    with zipfile.ZipFile(BytesIO(apkg)) as package, package.open("collection.anki2") as fh:
        path = tmp_path / "c.anki2"
        path.write_bytes(fh.read())
    fields = " ".join(row[0] for row in sqlite3.connect(path).execute("SELECT flds FROM notes"))
    assert fields and "<script" not in fields and not re.search(r"<img[^>]*onerror", fields)
    assert 'href="javascript' not in fields.lower()
    assert "&lt;script&gt;" in fields and "&lt;img" in fields


def test_logins_are_rate_limited_per_account_and_per_address(app):
    log_in(app, "alice")
    client = app.test_client()
    for _ in range(accounts.MAX_FAILURES_PER_ACCOUNT):
        assert client.post("/login", data={"name": "alice", "password": "nope nope"}).status_code in (
            401,
            429,
        )
    # Now even the right password waits.
    response = client.post("/login", data={"name": "alice", "password": TEST_PASSWORD})
    assert response.status_code == 429 and "Too many failed attempts" in response.get_data(as_text=True)
    # The owner, from another address, still logs in: failures pause the account at their address only.
    other = app.test_client()
    other_env = {"REMOTE_ADDR": "10.9.9.9"}
    assert (
        other.post(
            "/login", data={"name": "alice", "password": TEST_PASSWORD}, environ_base=other_env
        ).status_code
        == 302
    )
    # Per address: one address guessing many names is paused too.
    guesser = {"REMOTE_ADDR": "10.1.2.3"}
    for n in range(accounts.MAX_FAILURES_PER_ADDRESS):
        other.post("/login", data={"name": f"user{n}", "password": "x x x x x"}, environ_base=guesser)
    log_in(app, "zed")
    response = other.post("/login", data={"name": "zed", "password": TEST_PASSWORD}, environ_base=guesser)
    assert response.status_code == 429
    # The window passes.
    with app.app_context():
        for attempt in db.session.scalars(select(LoginAttempt)):
            attempt.attempted_at -= accounts.FAILURE_WINDOW + timedelta(seconds=1)
        db.session.commit()
    assert client.post("/login", data={"name": "alice", "password": TEST_PASSWORD}).status_code == 302


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/progress", "/progress"),
        ("/cards?q=a", "/cards?q=a"),
        ("https://evil.example/", "/"),
        ("//evil.example/x", "/"),
        ("/\\evil.example", "/"),
        ("javascript:alert(1)", "/"),
        ("evil.example", "/"),
    ],
)
def test_next_redirects_stay_on_this_site(app, target, expected):
    log_in(app, "alice")
    response = app.test_client().post(
        "/login", data={"name": "alice", "password": TEST_PASSWORD, "next": target}
    )
    assert response.status_code == 302
    assert response.headers["Location"] == expected


def test_login_page_remembers_where_you_were_going(app):
    log_in(app, "alice")
    client = app.test_client()
    location = client.get("/progress").headers["Location"]
    assert unquote(location) == "/login?next=/progress"
    page = client.get(location).get_data(as_text=True)
    assert 'name="next" type="hidden" value="/progress"' in page


def test_logout(app):
    client = log_in(app, "alice")
    assert client.post("/logout", data={}).headers["Location"].endswith("/login")
    assert client.get("/").headers["Location"].startswith("/login")


def test_session_cookie_flags(app, monkeypatch, tmp_path, database_url):
    client = app.test_client()
    log_in(app, "alice")
    response = client.post("/login", data={"name": "alice", "password": TEST_PASSWORD})
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    monkeypatch.setenv("WENGU_HTTPS", "1")
    secure = make_app(database_url, tmp_path / "secure")
    assert secure.config["SESSION_COOKIE_SECURE"] and secure.config["REMEMBER_COOKIE_SECURE"]


def test_security_headers_and_pages_without_inline_script_or_style(app, client, notes_dir):
    import_for(app, "alice", notes_dir / "git.md")
    for path in (
        "/",
        "/progress",
        "/cards",
        "/settings",
        "/import",
        "/account",
        "/quiz/card/1?show=1",
        "/cards/1",
    ):
        response = client.get(path)
        assert response.status_code == 200, path
        csp = response.headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "style-src 'self'" in csp and "frame-ancestors 'none'" in csp
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        page = response.get_data(as_text=True)
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page), path  # only external scripts
        assert not re.search(r"\sstyle=", page), path
        assert not re.search(r"\son[a-z]+=", page), path


def test_uploaded_file_names_are_never_paths(app, client, tmp_path):
    response = client.post(
        "/import",
        data={"files": [(BytesIO(b"# T\n\n- `ls -l` lists files\n"), "../../../../tmp/evil.md")]},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    with app.app_context():
        names = list(db.session.scalars(select(PendingImportNote.name)))
    assert names == ["tmp/evil.md"]
    assert not (tmp_path.parent / "evil.md").exists()


def test_the_icon_is_public(app):
    with app.test_client().get("/favicon.ico") as response:
        assert response.status_code == 200 and response.mimetype == "image/svg+xml"


def test_behind_a_proxy_the_login_limit_counts_the_forwarded_address(monkeypatch, tmp_path, database_url):
    monkeypatch.setenv("WENGU_PROXIES", "1")
    app = make_app(database_url, tmp_path)
    with app.app_context():
        db.create_all()
    try:
        log_in(app, "alice")
        client = app.test_client()
        for n in range(accounts.MAX_FAILURES_PER_ADDRESS):
            client.post(
                "/login",
                data={"name": f"u{n}", "password": "x x x x x"},
                headers={"X-Forwarded-For": "203.0.113.7"},
            )
        blocked = client.post(
            "/login",
            data={"name": "alice", "password": TEST_PASSWORD},
            headers={"X-Forwarded-For": "203.0.113.7"},
        )
        other = client.post(
            "/login",
            data={"name": "alice", "password": TEST_PASSWORD},
            headers={"X-Forwarded-For": "198.51.100.9"},
        )
        assert (blocked.status_code, other.status_code) == (429, 302)
    finally:
        drop_schema(app)
