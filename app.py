"""Wengu's application factory: ``flask`` finds ``create_app`` here from the repo root."""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask, Response
from flask_babel import Babel
from flask_migrate import Migrate
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import event
from sqlalchemy.engine import Engine
from werkzeug.middleware.proxy_fix import ProxyFix

from quiz import auth, cli, errors, views
from quiz.models import db

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def database_url_from_env(instance_path: str) -> str:
    """Return the SQLAlchemy URL from ``DATABASE_URL``, defaulting to SQLite in the instance folder."""
    url = os.environ.get("DATABASE_URL", "").strip()
    if not url:
        return "sqlite:///" + os.path.join(instance_path, "wengu.sqlite")
    # Accept the URLs that hosting platforms hand out and use psycopg 3 for them.
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def secret_key_from_env(instance_path: str) -> str:
    """Return ``SECRET_KEY``, or a random key generated once and kept in the instance folder.

    Several worker processes may start at once on a fresh instance: each writes
    a candidate to a file of its own and links it into place, which succeeds for
    exactly one of them; all then read the same key.
    """
    key = os.environ.get("SECRET_KEY", "").strip()
    if key:
        return key
    path = Path(instance_path) / "secret_key"
    if not path.exists():
        candidate = path.with_name(f".secret_key.{os.getpid()}")
        fd = os.open(candidate, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_hex(32))
        try:
            os.link(candidate, path)
        except FileExistsError:
            pass  # another process was first: use its key
        finally:
            candidate.unlink()
    key = path.read_text().strip()
    if not key:
        raise RuntimeError(f"{path} is empty: delete it to have a new key generated, or set SECRET_KEY")
    return key


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Create the Wengu application; ``config`` overrides settings (tests pass theirs here)."""
    config = dict(config or {})
    app = Flask(__name__, instance_relative_config=True, instance_path=config.pop("INSTANCE_PATH", None))
    os.makedirs(app.instance_path, exist_ok=True)
    app.config.from_mapping(
        SQLALCHEMY_DATABASE_URI=config.get("SQLALCHEMY_DATABASE_URI")
        or database_url_from_env(app.instance_path),
        SQLALCHEMY_ENGINE_OPTIONS={"pool_pre_ping": True},
        NEW_CARDS_PER_DAY=int(os.environ.get("WENGU_NEW_CARDS_PER_DAY", "20")),
        REVIEWS_PER_DAY=int(os.environ.get("WENGU_REVIEWS_PER_DAY", "200")),
        ALIASES_FILE=os.environ.get("WENGU_ALIASES") or None,
        BABEL_TRANSLATION_DIRECTORIES=str(Path(__file__).resolve().parent / "translations"),
        DEMO_NOTES=str(Path(app.root_path) / "data" / "docker-notes.md"),
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        # Behind HTTPS (WENGU_HTTPS=1) the cookies are sent over HTTPS only.
        SESSION_COOKIE_SECURE=os.environ.get("WENGU_HTTPS", "") == "1",
        REMEMBER_COOKIE_SECURE=os.environ.get("WENGU_HTTPS", "") == "1",
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SAMESITE="Lax",
        # A login session unused for this long ends (checked on the server; default 7 days).
        SESSION_IDLE_MINUTES=int(os.environ.get("WENGU_SESSION_IDLE_MINUTES", str(7 * 24 * 60))),
        UPLOAD_MAX_FILE_BYTES=int(os.environ.get("WENGU_UPLOAD_MAX_BYTES", str(5 * 1024 * 1024))),
        UPLOAD_MAX_FILES=int(os.environ.get("WENGU_UPLOAD_MAX_FILES", "200")),
        # Browser imports: at most this many cards in one import, and this many imports waiting on
        # their preview per user.  Uploads up to IMPORT_INLINE_BYTES are parsed within the request and
        # imports of up to IMPORT_INLINE_CARDS cards stored within it; larger ones run in a background
        # thread, which a progress page follows.  A job silent for IMPORT_JOB_STALE_SECONDS has died.
        IMPORT_MAX_CARDS=int(os.environ.get("WENGU_IMPORT_MAX_CARDS", "20000")),
        IMPORT_MAX_PENDING=int(os.environ.get("WENGU_IMPORT_MAX_PENDING", "3")),
        IMPORT_INLINE_BYTES=int(os.environ.get("WENGU_IMPORT_INLINE_BYTES", str(256 * 1024))),
        IMPORT_INLINE_CARDS=int(os.environ.get("WENGU_IMPORT_INLINE_CARDS", "2000")),
        IMPORT_JOB_HEARTBEAT_SECONDS=5.0,
        IMPORT_JOB_STALE_SECONDS=60.0,
        IMPORT_JOBS_SYNCHRONOUS=False,  # tests: run background jobs within the request, deterministically
        # Restoring a backup in the browser (Settings): the largest file taken, and the most it may
        # hold uncompressed (`flask restore` reads up to quiz.backup.MAX_BACKUP_BYTES).
        RESTORE_MAX_BYTES=int(os.environ.get("WENGU_RESTORE_MAX_BYTES", str(32 * 1024 * 1024))),
        RESTORE_MAX_UNCOMPRESSED_BYTES=int(
            os.environ.get("WENGU_RESTORE_MAX_UNCOMPRESSED_BYTES", str(256 * 1024 * 1024))
        ),
        # Importing an Anki package in the browser (/import/anki): the largest .apkg or .colpkg taken.
        ANKI_IMPORT_MAX_BYTES=int(os.environ.get("WENGU_ANKI_IMPORT_MAX_BYTES", str(64 * 1024 * 1024))),
        # A form's CSRF token is good for as long as the session it is bound to (not one hour): a card
        # page left open over lunch still takes its grade.
        WTF_CSRF_TIME_LIMIT=None,
    )
    if "SECRET_KEY" not in config:
        app.config["SECRET_KEY"] = secret_key_from_env(app.instance_path)
    app.config.update(config)
    # A request body larger than a whole upload (of notes, of a backup to restore or of an Anki package) is
    # refused before it is read.
    if app.config.get("MAX_CONTENT_LENGTH") is None:
        largest = max(
            4 * app.config["UPLOAD_MAX_FILE_BYTES"],
            app.config["RESTORE_MAX_BYTES"],
            app.config["ANKI_IMPORT_MAX_BYTES"],
        )
        app.config["MAX_CONTENT_LENGTH"] = largest + 1024 * 1024

    db.init_app(app)
    errors.init_app(app)  # first: the bounded id converter must be in place before any route is added
    Migrate(app, db, directory=str(MIGRATIONS_DIR))
    CSRFProtect(app)
    Babel(app, locale_selector=views.select_locale)
    auth.init_app(app)
    views.init_app(app)
    cli.init_app(app)
    app.after_request(add_security_headers)
    # Behind N reverse proxies (WENGU_PROXIES=N), take the client's address and scheme from their
    # X-Forwarded-* headers: the per-address login limit needs the real address.  Only set it behind a
    # proxy, or clients could choose their own address.
    proxies = int(os.environ.get("WENGU_PROXIES", "0") or 0)
    if proxies:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)  # type: ignore[method-assign]
    # Browsers ask for /favicon.ico whatever the page says.
    app.add_url_rule("/favicon.ico", "favicon", lambda: app.send_static_file("favicon.svg"))
    return app


# Every page is served from this site alone: no inline script or style, no framing.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'self'; object-src 'none'"
)


def add_security_headers(response: Response) -> Response:
    """Set the headers that keep a page from being framed, sniffed or made to run foreign script."""
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    return response


@event.listens_for(Engine, "connect")
def _configure_sqlite(dbapi_connection: Any, _connection_record: Any) -> None:
    # SQLite: write-ahead logging so readers never block the writer, a busy timeout so concurrent
    # writers wait instead of failing, and enforced foreign keys (ON DELETE CASCADE).
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()
