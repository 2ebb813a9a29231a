"""Sessions that can be ended, and logins that give nothing away and cannot be hammered or used to lock out.

Sessions: a copied cookie stops working after logout, a password change or "log out everywhere";
a session idle too long ends (a fixed clock, no sleeping).  Logins: an unknown name costs one
password hash like a known one; simultaneous guesses are counted before any is checked; failures
from one address do not lock the owner out elsewhere.  Passwords: common ones and blank ones are
refused.  Names: NFKC, no invisible characters, unique regardless of case, in the database too.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from flask_migrate import upgrade
from werkzeug.security import check_password_hash

from quiz import accounts, auth
from quiz.models import LoginAttempt, Topic, User, db
from quiz.store.importing import import_note_files
from tests.conftest import TEST_PASSWORD, drop_schema, log_in, make_app
from tests.test_migrations import insert

ZH = {"Accept-Language": "zh"}


def copy_of(app: Flask, client: FlaskClient) -> FlaskClient:
    """A second browser holding a copy of ``client``'s session cookie (as a thief would)."""
    name = app.config["SESSION_COOKIE_NAME"]
    twin = app.test_client()
    twin.set_cookie(name, client.get_cookie(name).value)
    return twin


def logged_in(client: FlaskClient) -> bool:
    return client.get("/settings").status_code == 200


def user_id(app: Flask, name: str) -> int:
    with app.app_context():
        return accounts.find_user(db.session, name).id


# --- ending sessions ----------------------------------------------------------------------------


def test_a_copied_cookie_stops_working_after_logout(app):
    client = log_in(app, "alice")
    twin = copy_of(app, client)
    assert logged_in(twin)
    assert client.post("/logout", data={}).status_code == 302
    assert not logged_in(twin) and not logged_in(client)
    assert twin.get("/settings").headers["Location"].startswith("/login")
    # Logging in again makes a new session; the copied one stays dead.
    fresh = log_in(app, "alice")
    assert logged_in(fresh) and not logged_in(twin)


def test_a_password_change_ends_every_other_session(app):
    client = log_in(app, "alice")
    twin = copy_of(app, client)
    other_device = log_in(app, "alice")
    response = client.post(
        "/account",
        data={
            "pw-current": TEST_PASSWORD,
            "pw-password": "a new pass phrase",
            "pw-confirm": "a new pass phrase",
        },
    )
    assert response.status_code == 302
    assert logged_in(client)  # the browser that changed it goes on
    assert not logged_in(twin) and not logged_in(other_device)


def test_the_admin_logs_an_account_out_everywhere(app):
    admin = log_in(app, "ada")  # the first account: admin
    alice = log_in(app, "alice")
    bob = log_in(app, "bob")
    twin = copy_of(app, alice)
    page = admin.get("/account").get_data(as_text=True)
    alice_id = user_id(app, "alice")
    assert f"/account/{alice_id}/logout-everywhere" in page and ">bob<" in page
    # Only the admin may do it to someone else: bob cannot, and learns nothing.
    assert bob.post(f"/account/{alice_id}/logout-everywhere", data={}).status_code == 404
    assert logged_in(alice)
    response = admin.post(f"/account/{alice_id}/logout-everywhere", data={})
    assert response.status_code == 302 and response.headers["Location"].endswith("/account")
    assert not logged_in(alice) and not logged_in(twin)
    assert logged_in(admin) and logged_in(bob)
    # Unknown account: 404, not 500.
    for unknown in ("999999", "9" * 30):
        assert admin.post(f"/account/{unknown}/logout-everywhere", data={}).status_code == 404


def test_everyone_can_log_themselves_out_everywhere(app):
    alice = log_in(app, "alice")
    elsewhere = log_in(app, "alice")
    page = alice.get("/account").get_data(as_text=True)
    assert "Log out everywhere" in page
    response = alice.post(f"/account/{user_id(app, 'alice')}/logout-everywhere", data={})
    assert response.headers["Location"].endswith("/login")
    assert not logged_in(alice) and not logged_in(elsewhere)


def test_the_admin_finds_accounts_by_the_start_of_their_name(app):
    admin = log_in(app, "ada")
    for name in ("Zhang_wei", "zhou", "li"):
        log_in(app, name)
    page = admin.get("/account?q=ZHA").get_data(as_text=True)
    assert ">Zhang_wei<" in page and ">zhou<" not in page and ">li<" not in page
    assert ">zhou<" in admin.get("/account?q=zho").get_data(as_text=True)
    assert "Zhang_wei" not in admin.get("/account?q=%25").get_data(as_text=True)  # LIKE wildcards are text
    # Only the admin sees the list.
    assert "/logout-everywhere" in log_in(app, "li").get("/account").get_data(as_text=True)
    assert ">ada<" not in log_in(app, "li").get("/account").get_data(as_text=True)


class Clock:
    """A fixed clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


def test_an_idle_session_ends_and_a_used_one_goes_on(app, monkeypatch, notes_dir):
    clock = Clock()
    monkeypatch.setattr(auth, "now_utc", clock)
    idle = timedelta(minutes=app.config["SESSION_IDLE_MINUTES"])
    assert idle == timedelta(days=7)
    client = log_in(app, "alice")
    with app.app_context():
        alice = accounts.find_user(db.session, "alice")
        import_note_files(db.session, alice, [notes_dir / "git.md"])
        db.session.commit()
        topic_id = db.session.scalars(sa.select(Topic.id)).first()
    client.post("/quiz/start", data={"topic_id": str(topic_id)})
    client.get("/settings")  # the first page after logging in stores its CSRF token
    # Within a minute the cookie is not rewritten at all.
    clock.now += timedelta(seconds=30)
    assert "Set-Cookie" not in client.get("/settings").headers
    # Used just before the limit: the session goes on, and its last-seen time moves.
    clock.now += idle - timedelta(minutes=1)
    response = client.get("/settings")
    assert response.status_code == 200 and "Set-Cookie" in response.headers
    clock.now += idle - timedelta(minutes=1)
    assert logged_in(client)
    with client.session_transaction() as session:
        assert session["quiz"]["topic_id"] == topic_id  # the quiz in progress is still there
        assert session["seen"] == int(clock.now.timestamp())
    # Unused for longer than the limit: it ends, and a copy of it too.
    twin = copy_of(app, client)
    clock.now += idle + timedelta(seconds=1)
    assert not logged_in(twin)
    assert client.get("/settings").headers["Location"].startswith("/login")
    with client.session_transaction() as session:
        assert "quiz" not in session and "_user_id" not in session


def test_the_idle_limit_is_configurable(app, database_url, tmp_path, monkeypatch):
    monkeypatch.setenv("WENGU_SESSION_IDLE_MINUTES", "30")
    short = make_app(database_url, tmp_path / "short")
    assert short.config["SESSION_IDLE_MINUTES"] == 30
    clock = Clock()
    monkeypatch.setattr(auth, "now_utc", clock)
    try:
        client = log_in(short, "alice")
        clock.now += timedelta(minutes=29)
        assert logged_in(client)
        clock.now += timedelta(minutes=31)
        assert not logged_in(client)
    finally:
        with short.app_context():
            db.session.remove()
            db.engine.dispose()


def test_a_session_cookie_from_before_tokens_is_refused(app):
    log_in(app, "alice")
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = str(user_id(app, "alice"))  # the old form: the bare id
        session["seen"] = int(datetime.now(UTC).timestamp())
    assert not logged_in(client)


# --- logins -------------------------------------------------------------------------------------


@pytest.fixture
def hash_checks(monkeypatch) -> list[str]:
    """Every password hash checked by accounts, in order (the real check still runs)."""
    checked: list[str] = []
    real = accounts.check_password_hash
    lock = threading.Lock()

    def counting(pwhash: str, password: str) -> bool:
        with lock:
            checked.append(pwhash)
        return real(pwhash, password)

    monkeypatch.setattr(accounts, "check_password_hash", counting)
    return checked


def test_an_unknown_name_costs_the_same_hash_check_as_a_known_one(app, hash_checks):
    log_in(app, "alice")
    with app.app_context():
        nobody = accounts.create_user(db.session, "nobody", TEST_PASSWORD)
        nobody.password_hash = None  # an account without a password, like the built-in local user
        db.session.commit()
        real_hash = accounts.find_user(db.session, "alice").password_hash
    client = app.test_client()
    for name, address in (("alice", "10.0.0.1"), ("no-such-user", "10.0.0.2"), ("nobody", "10.0.0.3")):
        hash_checks.clear()
        response = client.post(
            "/login", data={"name": name, "password": "wrong password"}, environ_base={"REMOTE_ADDR": address}
        )
        assert response.status_code == 401 and "Wrong user name or password" in response.get_data(
            as_text=True
        )
        assert len(hash_checks) == 1, name
        # The same method and scrypt parameters ("scrypt:32768:8:1"), so the same work.
        assert hash_checks[0].split("$")[0] == real_hash.split("$")[0]


def test_simultaneous_guesses_get_at_most_the_limit_checked(app, hash_checks):
    log_in(app, "alice")
    hash_checks.clear()
    guesses = 12  # within the connection pool (5 + 10 overflow): all really at once
    barrier = threading.Barrier(guesses)
    outcomes: list[str] = []
    now = datetime.now(UTC)

    def guess(n: int) -> None:
        with app.app_context():
            try:
                barrier.wait(timeout=30)
                accounts.authenticate(db.session, "alice", f"guess number {n}", "192.0.2.5", now)
                outcomes.append("in")
            except accounts.RateLimited:
                outcomes.append("limited")
            except accounts.AccountError:
                outcomes.append("wrong")
            finally:
                db.session.remove()

    threads = [threading.Thread(target=guess, args=(n,)) for n in range(guesses)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert len(outcomes) == guesses
    assert len(hash_checks) == outcomes.count("wrong") <= accounts.MAX_FAILURES_PER_ACCOUNT
    assert outcomes.count("limited") >= guesses - accounts.MAX_FAILURES_PER_ACCOUNT
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(LoginAttempt)) == guesses
    # And afterwards, from there, even the right password waits.
    with app.app_context(), pytest.raises(accounts.RateLimited):
        accounts.authenticate(db.session, "alice", TEST_PASSWORD, "192.0.2.5", now)


def test_failures_from_one_address_do_not_lock_the_owner_out_elsewhere(app):
    log_in(app, "alice")
    attacker, owner = {"REMOTE_ADDR": "203.0.113.66"}, {"REMOTE_ADDR": "198.51.100.7"}
    client = app.test_client()
    for _ in range(accounts.MAX_FAILURES_PER_ACCOUNT):
        assert (
            client.post(
                "/login", data={"name": "alice", "password": "guessing"}, environ_base=attacker
            ).status_code
            == 401
        )
    right = {"name": "alice", "password": TEST_PASSWORD}
    assert client.post("/login", data=right, environ_base=attacker).status_code == 429
    assert app.test_client().post("/login", data=right, environ_base=owner).status_code == 302
    # The owner's success does not wipe the attacker's count.
    assert app.test_client().post("/login", data=right, environ_base=attacker).status_code == 429
    # The same name in other letters is the same account for the limit too.
    assert (
        app.test_client()
        .post("/login", data={"name": "ALICE", "password": "x"}, environ_base=attacker)
        .status_code
        == 429
    )


def test_an_ipv6_network_counts_as_one_address(app):
    log_in(app, "alice")
    client = app.test_client()
    for n in range(accounts.MAX_FAILURES_PER_ADDRESS):
        client.post(
            "/login",
            data={"name": f"user{n}", "password": "guessing"},
            environ_base={"REMOTE_ADDR": f"2001:db8:1:2::{n + 1:x}"},
        )
    right = {"name": "alice", "password": TEST_PASSWORD}
    assert (
        client.post("/login", data=right, environ_base={"REMOTE_ADDR": "2001:db8:1:2:ffff::9"}).status_code
        == 429
    )
    assert (
        client.post("/login", data=right, environ_base={"REMOTE_ADDR": "2001:db8:1:3::1"}).status_code == 302
    )
    assert accounts.address_key("::ffff:192.0.2.1") == "192.0.2.1"
    assert accounts.address_key("not an address") == "not an address"


def test_rate_limited_logins_say_so_in_chinese(app):
    log_in(app, "alice")
    client = app.test_client()
    for _ in range(accounts.MAX_FAILURES_PER_ACCOUNT):
        page = client.post("/login", data={"name": "alice", "password": "guessing"}, headers=ZH)
    assert "用户名或密码错误" in page.get_data(as_text=True)
    page = client.post("/login", data={"name": "alice", "password": "guessing"}, headers=ZH)
    assert page.status_code == 429 and "尝试失败次数过多" in page.get_data(as_text=True)


# --- passwords ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "password", ["password1", "PassWord1", "qwertyuiop", "ILOVEYOU1", "        ", "\t \u3000\t    "]
)
def test_common_and_blank_passwords_are_refused(app, password):
    with app.app_context(), pytest.raises(accounts.AccountError):
        accounts.create_user(db.session, "mei", password)
    assert len(accounts.common_passwords()) > 5000


def test_a_common_password_is_refused_on_every_path_with_a_clear_message(app, runner):
    result = runner.invoke(args=["users", "create", "dai", "--password", "iloveyou123"])
    assert result.exit_code == 1 and "most common" in result.output
    client = log_in(app, "ada")
    client.post("/account", data={"reg-csrf_token": "", "reg-open": "y"})
    page = app.test_client().post(
        "/register", data={"name": "cai", "password": "Password123", "confirm": "Password123"}, headers=ZH
    )
    assert page.status_code == 200 and "最常见" in page.get_data(as_text=True)
    page = client.post(
        "/account", data={"pw-current": TEST_PASSWORD, "pw-password": "         ", "pw-confirm": "         "}
    )
    assert "cannot be only spaces" in page.get_data(as_text=True)
    assert logged_in(client)


# --- user names ---------------------------------------------------------------------------------


def test_names_are_nfkc_and_unique_regardless_of_case(app):
    with app.app_context():
        user = accounts.create_user(db.session, "Ｍｅｉ", TEST_PASSWORD)  # full width
        db.session.commit()
        assert user.name == "Mei" and user.name_key == "mei"
        for same in ("mei", "MEI", " Mei ", "ｍｅｉ"):
            with pytest.raises(accounts.AccountError, match="taken"):
                accounts.create_user(db.session, same, TEST_PASSWORD)
        assert accounts.create_user(db.session, "Straße", TEST_PASSWORD).name_key == "strasse"
        with pytest.raises(accounts.AccountError):
            accounts.create_user(db.session, "STRASSE", TEST_PASSWORD)
        db.session.rollback()
    # Login matches the name in any case and width.
    for spelling in ("MEI", "mei", "ｍｅｉ"):
        client = app.test_client()
        response = client.post("/login", data={"name": spelling, "password": TEST_PASSWORD})
        assert response.status_code == 302, spelling


@pytest.mark.parametrize(
    "name",
    [
        "evil\u202egnp.exe",
        "zero\u200bwidth",
        "bell\x07",
        "new\nline",
        "ltr\u200emark",
        "sep\u2028x",
        "x" * 81,
        "   ",
    ],
)
def test_names_with_invisible_characters_are_refused(app, name):
    with app.app_context(), pytest.raises(accounts.AccountError):
        accounts.create_user(db.session, name, TEST_PASSWORD)


def test_a_bad_name_gets_a_message_in_the_users_language(app):
    log_in(app, "ada").post("/account", data={"reg-csrf_token": "", "reg-open": "y"})
    page = app.test_client().post(
        "/register",
        data={"name": "a\u202eb", "password": TEST_PASSWORD, "confirm": TEST_PASSWORD},
        headers=ZH,
    )
    assert page.status_code == 200 and "用户名不能包含" in page.get_data(as_text=True)
    page = app.test_client().post(
        "/register", data={"name": "ADA", "password": TEST_PASSWORD, "confirm": TEST_PASSWORD}, headers=ZH
    )
    assert "已被占用" in page.get_data(as_text=True)


def test_the_database_refuses_names_differing_only_in_case(app):
    with app.app_context():
        db.session.add_all([User(name="Bob"), User(name="bob")])
        with pytest.raises(sa.exc.IntegrityError):
            db.session.flush()
        db.session.rollback()


def test_the_migration_renames_names_that_differ_only_in_case(database_url, tmp_path):
    app = make_app(database_url, tmp_path)
    drop_schema(app)
    try:
        with app.app_context():
            directory = app.extensions["migrate"].directory
            upgrade(directory=directory, revision="0008")
            with db.engine.begin() as conn:
                for user_id, name in ((1, "Alice"), (2, "alice"), (3, "ALICE"), (4, "alice-2"), (5, "bob")):
                    insert(conn, "users", id=user_id, name=name, created_at=datetime(2026, 2, 1))
                # 20 characters the old code took, whose NFKC form is 360 (the key column holds 255).
                insert(conn, "users", id=6, name="\ufdfa" * 20, created_at=datetime(2026, 2, 1))
            upgrade(directory=directory)
            users = db.session.scalars(sa.select(User).order_by(User.id)).all()
            # The oldest keeps its name; later ones get their id, avoiding any name already there.
            assert [u.name for u in users] == ["Alice", "alice-2-2", "ALICE-3", "alice-2", "bob", "user-6"]
            assert [u.name_key for u in users] == [u.name.casefold() for u in users]
            assert len({u.session_token for u in users}) == 6 and all(u.session_token for u in users)
            assert not accounts.registration_open(db.session)
    finally:
        drop_schema(app)


def test_logging_in_as_someone_else_drops_the_previous_accounts_quiz(app):
    client = log_in(app, "alice")
    log_in(app, "bob")
    with client.session_transaction() as session:
        session["quiz"] = {"topic_id": 1, "choices": False}
    client.post("/login", data={"name": "alice", "password": TEST_PASSWORD})
    with client.session_transaction() as session:
        assert session["quiz"] == {"topic_id": 1, "choices": False}  # the same account: it stays
    client.post("/login", data={"name": "bob", "password": TEST_PASSWORD})
    with client.session_transaction() as session:
        assert "quiz" not in session and session["_user_id"].startswith(f"{user_id(app, 'bob')}:")


def test_the_current_password_on_the_account_page_counts_as_a_login_attempt(app):
    """A stolen session cannot guess the password (and then change it) faster than a login could."""
    client = log_in(app, "alice")

    def change(current: str, address: str = "127.0.0.1"):
        form = {"pw-current": current, "pw-password": "a new password 7", "pw-confirm": "a new password 7"}
        return client.post("/account", data=form, environ_base={"REMOTE_ADDR": address})

    for _ in range(accounts.MAX_FAILURES_PER_ACCOUNT):
        assert "The current password is wrong." in change("not it").get_data(as_text=True)
    page = change(TEST_PASSWORD).get_data(as_text=True)
    assert "Too many failed attempts" in page
    with app.app_context():
        user = db.session.scalars(sa.select(User).where(User.name == "alice")).one()
        assert check_password_hash(user.password_hash, TEST_PASSWORD)  # unchanged
    # From another address the owner still changes it, and the new password works.
    assert change(TEST_PASSWORD, "192.0.2.7").status_code == 302
    with app.app_context():
        user = db.session.scalars(sa.select(User).where(User.name == "alice")).one()
        assert check_password_hash(user.password_hash, "a new password 7")
