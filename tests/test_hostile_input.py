"""Hostile input never makes a 500: every route of ``app.url_map`` walked with bad ids, queries and forms."""

from __future__ import annotations

import re
from urllib.parse import quote

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from quiz import pending
from quiz.models import PendingImport, Topic, User, db, now_utc
from quiz.store.importing import import_note_files
from tests.conftest import SAMPLE_NOTES, TEST_USER

HUGE = [
    "2147483647",  # the largest PostgreSQL integer
    "2147483648",
    "9223372036854775807",  # the largest SQLite integer
    "9223372036854775808",
    "99999999999999999999999999999999",
]
ID_VALUES = ["0", "1", "-1", "abc", "1.5", "%00", "1%00", "%201", "１", "9" * 5000, *HUGE]
QUERY_VALUES = ["-1", "abc", "%00", "a%00b", "%0D%0A", "%ED%A0%80", "x" * 5000, *HUGE]
FORM_FIELDS = (
    "topic_id",
    "choices",
    "grade",
    "version",
    "typed",
    "choice",
    "front",
    "back",
    "reset",
    "keep",
    "note",
    "page",
    "goto",
    "suspend",
    "name",
    "password",
    "confirm",
    "next",
    "pasted",
    "pasted_name",
    "new_cards_per_day",
    "reviews_per_day",
    "timezone",
    "day_starts_at_hour",
    "locale",
    "pw-current",
    "pw-password",
    "pw-confirm",
    "reg-open",
    "suspended",
)
FORM_VALUES = [
    "",
    "-1",
    "abc",
    "a\x00b",
    "\x00",
    "1\x00",
    "x" * 30_000,
    "\r\n",
    "²:x",
    "9" * 5000 + ":x",
    *HUGE,
]
# Buttons without fields of their own (and slow ones: an import, a package, a backup): sent whole only.
BUTTONS = {"quiz.load_demo", "quiz.export_anki", "quiz.download_backup", "quiz.undo", "quiz.end"}
# Logging out would end the walk: /logout and /account/<id>/logout-everywhere have tests of their own.
SKIPPED = {"static", "auth.logout", "auth.logout_everywhere"}


def user_setup(app: Flask) -> dict[str, int]:
    """Give the test user the demo deck and a pending import; return real ids to fill in."""
    with app.app_context():
        user = db.session.scalars(select(User).where(User.name == TEST_USER)).one()
        import_note_files(db.session, user, [SAMPLE_NOTES])
        upload = pending.create(db.session, user, [("x.md", "# X\n\n- `ls` lists\n")], now_utc())
        db.session.commit()
        pending.parse(db.session, upload.id, upload.job_token, app.config["IMPORT_MAX_CARDS"])
        db.session.commit()
        topic = db.session.scalars(select(Topic)).first()
        return {"card_id": 1, "pending_id": upload.id, "topic": topic.id}


def rules(app: Flask) -> list[tuple[str, str, list[str]]]:
    """(endpoint, rule, methods) for every route the app serves."""
    found = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint in SKIPPED:
            continue
        methods = sorted(m for m in (rule.methods or ()) if m not in ("HEAD", "OPTIONS"))
        found.append((rule.endpoint, rule.rule, methods))
    return sorted(found)


def fill(rule: str, value: str) -> str:
    return re.sub(r"<(?:\w+:)?\w+>", value, rule)


FAILURES: list[str] = []


def send(client: FlaskClient, method: str, path: str, **kwargs):
    try:
        response = client.open(path, method=method, **kwargs)
    except Exception as exc:
        data = str(kwargs.get("data"))[:200]
        FAILURES.append(f"{method} {path} {data}: {type(exc).__name__}: {str(exc)[:300]}")
        return 500, ""
    status = response.status_code
    body = response.get_data().decode(errors="replace")
    response.close()
    if status >= 500:
        FAILURES.append(f"{method} {path} {str(kwargs.get('data'))[:200]}: {status}")
    return status, body


def test_every_route_survives_hostile_ids_queries_and_forms(app: Flask, client: FlaskClient) -> None:
    FAILURES.clear()
    ids = user_setup(app)
    seen = set()
    # The quiz pages first: a hostile form on /register or /setup must not log the client out of its data.
    for endpoint, rule, methods in sorted(rules(app), key=lambda r: r[0].startswith("auth.")):
        seen.add(endpoint)
        has_args = "<" in rule
        real = fill(rule, str(ids["pending_id" if "pending_id" in rule else "card_id"]))
        for method in methods:
            for value in ID_VALUES if has_args else []:
                path = fill(rule, value)
                status, _ = send(client, method, path, data={})
                if value != "1" and status not in (302, 404, 405):
                    FAILURES.append(f"{method} {path}: {status}, not 404")
        for wrong in ("PUT", "DELETE"):
            assert send(client, wrong, real)[0] == 405, (wrong, real)
        # Hostile query strings on the real path.
        for value in QUERY_VALUES:
            query = "&".join(f"{k}={value}" for k in ("topic", "page", "q", "state", "show", "next"))
            send(client, methods[0], f"{real}?{query}")
        # Hostile forms: every field the app knows, all at once, then one at a time.
        if "POST" in methods:
            for value in FORM_VALUES[:4] if endpoint in BUTTONS else FORM_VALUES:
                send(client, "POST", real, data=dict.fromkeys(FORM_FIELDS, value))
            for field in [] if endpoint in BUTTONS else FORM_FIELDS:
                for value in (HUGE[-1], "9" * 5000):
                    send(client, "POST", real, data={field: value})
    assert {"quiz.grade", "quiz.cards", "quiz.import_confirm", "auth.login"} <= seen
    # The same forms from someone not logged in (the login, set-up and register pages take them).
    anonymous = app.test_client()
    for _endpoint, rule, methods in rules(app):
        path = fill(rule, "1")
        for method in methods:
            for value in FORM_VALUES:
                send(
                    anonymous,
                    method,
                    f"{path}?next={quote(value[:100])}",
                    data=dict.fromkeys(FORM_FIELDS, value),
                )
    assert not FAILURES, "\n".join(FAILURES)


def test_the_import_preview_form_survives_hostile_numbers(app: Flask, client: FlaskClient) -> None:
    """The preview's own fields (note, page, goto) on an import still waiting for its confirmation.

    The walk above reaches /import/<id> once it was imported (it then only redirects); here every
    value goes to a preview that is still ready, with ``goto`` set so that it stays ready.
    """
    FAILURES.clear()
    ids = user_setup(app)
    path = f"/import/{ids['pending_id']}"
    values = [*FORM_VALUES, "²", "0:²", "²:0", "0:" + "9" * 5000, "9223372036854775808:0"]
    for value in values:
        for data in (
            {"note": value, "page": value, "goto": f"{value}:"},
            {"note": value, "page": "0", "goto": "0:0"},
            {"note": "0", "page": value, "goto": f"{value}:{value}"},
        ):
            status, _ = send(client, "POST", path, data=data)
            assert status in (302, 400), (data, status)  # 400: a NUL character
            for query in (f"?note={value}&page={value}", f"?note=0&page={value}"):
                send(client, "GET", path + query)
    assert not FAILURES, "\n".join(FAILURES[:20])
    with app.app_context():
        assert db.session.get(PendingImport, ids["pending_id"]).status == "ready"
