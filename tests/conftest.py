"""Fixtures: every test that takes ``app`` runs once on SQLite and once on PostgreSQL.

PostgreSQL is the server at 127.0.0.1:5432 (override with ``WENGU_TEST_PG_URL``);
the run creates its own database and drops it at the end.  When the server does
not answer, the PostgreSQL half is skipped, except with ``CI=true``, where it fails.
"""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from werkzeug.security import generate_password_hash

from app import create_app
from quiz import accounts, counters
from quiz.models import LOCAL_USER_NAME, ReviewDayCount, TopicCount, User, db
from quiz.store.days import get_or_create_user

ROOT = Path(__file__).resolve().parents[1]
SAMPLE_NOTES = ROOT / "data" / "docker-notes.md"
PG_SERVER_URL = os.environ.get("WENGU_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str]:
    """A fresh PostgreSQL database for this test run, dropped afterwards."""
    server = sa.create_engine(PG_SERVER_URL, isolation_level="AUTOCOMMIT")
    try:
        with server.connect():
            pass
    except sa.exc.OperationalError as exc:
        server.dispose()
        message = f"PostgreSQL at {PG_SERVER_URL} does not answer: {exc.orig}"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)
    name = f"wengu_test_{uuid.uuid4().hex[:12]}"
    with server.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        # A test that waits on a lock it holds itself (a session left open across DDL, say) fails
        # after two minutes instead of hanging the run until CI gives up on it.
        conn.execute(sa.text(f"ALTER DATABASE \"{name}\" SET lock_timeout = '120s'"))
    url = sa.make_url(PG_SERVER_URL).set(database=name)
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with server.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        server.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The database of one test: a new SQLite file, or the run's PostgreSQL database."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'test.sqlite'}"
    return request.getfixturevalue("pg_database")


def make_app(database_url: str, tmp_path: Path, **config: object) -> Flask:
    """Create an app for tests on ``database_url`` with CSRF off unless asked."""
    settings = {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "WTF_CSRF_ENABLED": False,
        "SECRET_KEY": "test-secret",
        "INSTANCE_PATH": str(tmp_path / "instance"),
        "NEW_CARDS_PER_DAY": 20,
        # Background import jobs run within the request that starts them: deterministic tests.  The
        # tests of the background thread itself turn this off.
        "IMPORT_JOBS_SYNCHRONOUS": True,
    }
    settings.update(config)
    return create_app(settings)


@pytest.fixture
def app(database_url: str, tmp_path: Path) -> Iterator[Flask]:
    app = make_app(database_url, tmp_path)
    with app.app_context():
        db.create_all()
    yield app
    with app.app_context():
        db.session.remove()
        if db.engine.dialect.name == "postgresql":
            tables = ", ".join(f'"{t.name}"' for t in db.metadata.sorted_tables)
            with db.engine.begin() as conn:
                conn.execute(sa.text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        db.engine.dispose()


TEST_USER = "alice"
TEST_PASSWORD = "correct horse battery"


_PASSWORD_HASHES: dict[str, str] = {}


def _hash_once(password: str) -> str:
    """Werkzeug's scrypt hash of ``password``, made once per run and reused (salt included).

    Nearly every test creates its user afresh, and scrypt is slow on purpose: a hash per test added up
    to a good part of the run.  Creating the account still goes through ``accounts.create_user``, and
    logging in through the login page's real check of the password.
    """
    if password not in _PASSWORD_HASHES:
        _PASSWORD_HASHES[password] = generate_password_hash(password)
    return _PASSWORD_HASHES[password]


def log_in(app: Flask, name: str = TEST_USER, password: str = TEST_PASSWORD) -> FlaskClient:
    """A test client logged in as ``name``, creating the account (UTC time zone) when missing."""
    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.name == name))
        if user is None:
            with pytest.MonkeyPatch.context() as patch:
                patch.setattr(accounts, "generate_password_hash", _hash_once)
                user = accounts.create_user(db.session, name, password)
            user.timezone = "UTC"
            db.session.commit()
    client = app.test_client()
    form = {"name": name, "password": password}
    token = re.search(
        r'name="csrf_token" type="hidden" value="([^"]+)"', client.get("/login").get_data(as_text=True)
    )
    if token:
        form["csrf_token"] = token.group(1)
    response = client.post("/login", data=form)
    assert response.status_code == 302, response.get_data(as_text=True)
    return client


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """A client logged in as the test user."""
    return log_in(app)


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    return app.test_cli_runner()


@pytest.fixture
def notes_dir(tmp_path: Path) -> Path:
    """A folder with two small notes files, in Chinese and in English."""
    folder = tmp_path / "notes"
    folder.mkdir()
    (folder / "git.md").write_text(
        "# Git basics\n\n## Branches\n\n"
        "- `git branch` lists local branches\n"
        "- `git switch -c NAME` creates a branch and switches to it\n\n"
        "## Remotes\n\n"
        "- `git remote -v` shows the remotes with their URLs\n",
        encoding="utf-8",
    )
    (folder / "linux.md").write_text(
        "# Linux 命令\n\n## 文件\n\n"
        "- `ls -la` 列出所有文件，包括隐藏文件\n"
        "- `du -sh DIR` 显示目录占用的空间\n",
        encoding="utf-8",
    )
    return folder


def drop_schema(app: Flask) -> None:
    """Drop every table, Alembic's included, so a test can start from an empty database."""
    with app.app_context():
        db.session.remove()
        db.drop_all()
        with db.engine.begin() as conn:
            conn.execute(sa.text("DROP TABLE IF EXISTS alembic_version"))
        db.engine.dispose()


def counter_mismatches(connection: sa.Connection) -> list[str]:
    """Where the counter tables the triggers keep differ from ``quiz.counters.rebuild``'s count from the
    rows (empty when they agree).  The rebuild is rolled back: the tables stay as the triggers left them.

    A row missing from one side counts as all zeros (a cascade leaves zero rows behind).
    """

    def nonzero_rows() -> dict[tuple[str, tuple], tuple]:
        found = {}
        for model in (TopicCount, ReviewDayCount):
            table = model.__table__
            keys = [column for column in table.columns if column.primary_key]
            sums = [column for column in table.columns if not column.primary_key]
            for row in connection.execute(sa.select(*keys, *sums)):
                if any(row[len(keys) :]):
                    found[(table.name, tuple(row[: len(keys)]))] = tuple(row[len(keys) :])
        return found

    stored = nonzero_rows()
    counters.rebuild(connection)
    rebuilt = nonzero_rows()
    connection.rollback()
    return [
        f"{table} {key}: stored {stored.get((table, key))}, rows say {rebuilt.get((table, key))}"
        for table, key in sorted(set(stored) | set(rebuilt), key=repr)
        if stored.get((table, key)) != rebuilt.get((table, key))
    ]


@pytest.fixture
def ctx(app: Flask) -> Iterator[sa.orm.scoped_session]:
    """The app's database session, inside its app context (store-level tests)."""
    with app.app_context():
        yield db.session


@pytest.fixture
def user(ctx) -> User:
    """The single-user instance's local account, on UTC."""
    user = get_or_create_user(ctx, LOCAL_USER_NAME)
    user.timezone = "UTC"
    ctx.commit()
    return user
