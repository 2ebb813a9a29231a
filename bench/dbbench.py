"""Benchmarks on a generated collection: the app's own code beside the bare SQL, in the same run.

Every function takes a Flask app bound to the collection's database and returns result rows (and
diagnostics).  The app side goes through ``quiz.store``'s modules (or the Flask test client); the baseline
sends the same query as plain SQL (``sqlite3`` on SQLite, a SQLAlchemy connection with ``text()``
on PostgreSQL) on a separate connection.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import sqlalchemy as sa
from flask import Flask, render_template
from flask_wtf.csrf import generate_csrf
from timing import Row, captured, interleaved, sample, timed_row

from quiz.forms import GRADE_LABELS
from quiz.models import Card, Topic, User, db
from quiz.store import exporting
from quiz.store.days import local_today
from quiz.store.grading import record_grade
from quiz.store.progress import RETENTION_WINDOW_DAYS, topic_progress
from quiz.store.queue import next_card, next_card_id

NEXT_DUE_SQL = (
    "SELECT card_id FROM review_states WHERE user_id=:u AND active=:t AND suspended=:f AND due<=:today "
    "ORDER BY due, deck_id, position LIMIT 1"
)
STATE_COUNTS_SQL = (
    "SELECT deck_id, topic_id, count(*), "
    "sum(CASE WHEN due IS NULL THEN 1 ELSE 0 END), "
    "sum(CASE WHEN due IS NOT NULL AND interval_days < 21 THEN 1 ELSE 0 END), "
    "sum(CASE WHEN due IS NOT NULL AND interval_days >= 21 THEN 1 ELSE 0 END), "
    "sum(CASE WHEN due <= :today THEN 1 ELSE 0 END), "
    "coalesce(sum(CASE WHEN due IS NOT NULL THEN ease_hundredths ELSE 0 END), 0) "
    "FROM review_states WHERE user_id=:u AND active=:t AND suspended=:f GROUP BY deck_id, topic_id"
)
LOG_COUNTS_SQL = (
    "SELECT deck_id, topic_id, count(*), sum(CASE WHEN grade >= 3 THEN 1 ELSE 0 END) FROM review_log "
    "WHERE user_id=:u AND review_day >= :since AND drill=:f GROUP BY deck_id, topic_id"
)
TOPICS_SQL = (
    "SELECT topics.* FROM topics JOIN decks ON decks.id = topics.deck_id WHERE decks.user_id=:u "
    "ORDER BY topics.position"
)
PER_DAY_SQL = (
    "SELECT review_day, count(*) FROM review_log WHERE user_id=:u AND review_day >= :year_ago "
    "AND review_day <= :today GROUP BY review_day"
)
FORECAST_SQL = (
    "SELECT due, count(*) FROM review_states WHERE user_id=:u AND active=:t AND suspended=:f "
    "AND due <= :end GROUP BY due"
)
WEEKLY_SQL = (
    "SELECT topic_id, review_day, count(*), sum(CASE WHEN grade >= 3 THEN 1 ELSE 0 END) FROM review_log "
    "WHERE user_id=:u AND review_day >= :monday AND review_day <= :today AND drill=:f "
    "GROUP BY topic_id, review_day"
)
USER_SQL = "SELECT * FROM users WHERE id=:u"
CARD_SQL = (
    "SELECT cards.*, decks.*, topics.* FROM cards JOIN decks ON decks.id = cards.deck_id "
    "LEFT JOIN topics ON topics.id = cards.topic_id WHERE cards.id=:c"
)
STATE_SQL = "SELECT * FROM review_states WHERE user_id=:u AND card_id=:c"
SHOWN_CARD_SQL = (
    "SELECT cards.id, cards.kind, coalesce(cards.override_front, cards.front), "
    "coalesce(cards.override_back, cards.back), decks.title, topics.path_key FROM cards "
    "JOIN decks ON decks.id = cards.deck_id LEFT JOIN topics ON topics.id = cards.topic_id "
    "WHERE cards.id=:c AND decks.user_id=:u"
)
SHOWN_STATE_SQL = "SELECT version, due FROM review_states WHERE user_id=:u AND card_id=:c"
# The session's "N left": due and new cards counted up to the day's limits, the day's use of them, the drill.
IN_QUIZ_SQL = "user_id=:u AND active=:t AND suspended=:f"
LEFT_SQL = (
    f"SELECT (SELECT count(*) FROM (SELECT 1 FROM review_states WHERE {IN_QUIZ_SQL} AND due<=:today "
    "LIMIT :reviews) AS due_cards), "
    "(SELECT count(*) FROM review_log WHERE user_id=:u AND review_day=:today AND drill=:f "
    "AND due_before IS NOT NULL), "
    f"(SELECT count(*) FROM (SELECT 1 FROM review_states WHERE {IN_QUIZ_SQL} AND due IS NULL "
    "LIMIT :new) AS new_cards), "
    "(SELECT count(*) FROM review_states WHERE user_id=:u AND introduced_on=:today), "
    "(SELECT count(*) FROM review_states WHERE user_id=:u AND drill_day=:today AND active AND NOT suspended)"
)
LOG_COLUMNS = (
    "user_id, card_id, reviewed_at, review_day, grade, deck_id, topic_id, drill, repetitions_before, "
    "ease_hundredths_before, interval_days_before, due_before, lapses_before, introduced_on_before, "
    "last_reviewed_at_before, repetitions_after, ease_hundredths_after, interval_days_after, due_after"
)

BARE_GRADE_UPDATE = (
    "UPDATE review_states SET repetitions=2, ease_hundredths=250, interval_days=6, due=:due, "
    "last_reviewed_at=:at, version=version+1 WHERE user_id=:u AND card_id=:c AND version=1"
)
BARE_GRADE_INSERT = (
    f"INSERT INTO review_log ({LOG_COLUMNS}) SELECT user_id, card_id, :at, :day, 4, deck_id, "
    "topic_id, false, 1, 250, 1, :day, 0, :day, :at, 2, 250, "
    "6, :due FROM review_states WHERE user_id=:u AND card_id=:c"
)


class Raw:
    """The baseline's own connection: sqlite3 with the app's pragmas, or a SQLAlchemy connection."""

    def __init__(self, url: str) -> None:
        self.url = sa.make_url(url)
        self.sqlite = self.url.get_backend_name() == "sqlite"
        if self.sqlite:
            self.conn = sqlite3.connect(self.url.database, isolation_level=None)
            # The same pragmas as the app's connections (app.py): WAL, busy timeout, foreign keys.
            for pragma in ("journal_mode=WAL", "busy_timeout=10000", "foreign_keys=ON"):
                self.conn.execute(f"PRAGMA {pragma}")
        else:
            self.engine = sa.create_engine(url)
            self.sa_conn = self.engine.connect()

    def prepare(self, sql: str) -> Callable[..., list]:
        """A callable running ``sql`` with named parameters and fetching every row."""
        if self.sqlite:
            conn = self.conn

            def run(**params: Any) -> list:
                return conn.execute(sql, {k: _sqlite_value(v) for k, v in params.items()}).fetchall()

            return run
        statement = sa.text(sql)
        sa_conn = self.sa_conn

        def run_pg(**params: Any) -> list:
            rows = sa_conn.execute(statement, params).fetchall()
            return rows

        return run_pg

    def replay(self, statements: Sequence[tuple[str, Any]]) -> Callable[[], list]:
        """A callable sending statements captured from the app (SQL and parameters as the driver got
        them) straight to the driver, fetching every row."""
        if self.sqlite:
            conn = self.conn

            def run() -> list:
                return [conn.execute(sql, params).fetchall() for sql, params in statements]

            return run
        driver = self.sa_conn.connection.driver_connection

        def run_pg() -> list:
            rows = []
            with driver.cursor() as cur:
                for sql, params in statements:
                    cur.execute(sql, params)
                    rows.append(cur.fetchall())
            return rows

        return run_pg

    def script(self, statements: Sequence[tuple[str, dict]]) -> None:
        """Run statements in one transaction and commit."""
        if self.sqlite:
            self.conn.execute("BEGIN")
            for sql, params in statements:
                self.conn.execute(sql, {k: _sqlite_value(v) for k, v in params.items()})
            self.conn.execute("COMMIT")
        else:
            for sql, params in statements:
                self.sa_conn.execute(sa.text(sql), params)
            self.sa_conn.commit()

    def end_read(self) -> None:
        if not self.sqlite:
            self.sa_conn.rollback()

    def close(self) -> None:
        if self.sqlite:
            self.conn.close()
        else:
            self.sa_conn.close()
            self.engine.dispose()


def _sqlite_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")
    if isinstance(value, date):
        return value.isoformat()
    return value


def explain(url: str, statements: list[tuple[str, Any]]) -> list[str]:
    """EXPLAIN QUERY PLAN (SQLite) or EXPLAIN (PostgreSQL) of captured statements, one block each."""
    out = []
    parsed = sa.make_url(url)
    if parsed.get_backend_name() == "sqlite":
        conn = sqlite3.connect(parsed.database)
        try:
            for sql, params in statements:
                if not sql.lstrip().upper().startswith("SELECT"):
                    continue
                plan = conn.execute("EXPLAIN QUERY PLAN " + sql, params or ()).fetchall()
                out.append(_one_line(sql) + "\n" + "\n".join(f"    {row[-1]}" for row in plan))
        finally:
            conn.close()
    else:
        engine = sa.create_engine(url)
        try:
            with engine.connect() as conn:
                raw = conn.connection.driver_connection
                for sql, params in statements:
                    if not sql.lstrip().upper().startswith("SELECT"):
                        continue
                    with raw.cursor() as cur:
                        cur.execute("EXPLAIN " + sql, params)
                        plan = [row[0] for row in cur.fetchall()]
                    out.append(_one_line(sql) + "\n" + "\n".join(f"    {line}" for line in plan))
        finally:
            engine.dispose()
    return out


def _one_line(sql: str) -> str:
    return " ".join(sql.split())


# --- the benchmarks -----------------------------------------------------------------------------


def queue(
    app: Flask,
    raw: Raw,
    user_id: int,
    today: date,
    case: str,
    reps: int,
    limits: tuple[int, int],
    max_ms: float | None = 1,
) -> tuple[list[Row], dict]:
    """``next_card_id`` (what the ``/quiz`` view calls; a fresh identity map each call) beside the
    same statements sent raw, and the bare next-due query for reference."""
    new_per_day, reviews_per_day = limits
    with app.app_context():
        session = db.session
        user = session.get(User, user_id)
        _ = user.id, user.timezone

        def app_call() -> object:
            return next_card_id(session, user, today, new_per_day, None, reviews_per_day)

        item = app_call()
        with captured(db.engine) as statements:
            session.expunge_all()
            app_call()
        # The baseline: the very statements the app sent, straight to the driver ("its raw query"),
        # called in turn with the app's code so that a busy moment falls on both.
        replay = raw.replay(statements)
        app_times, base_times = [], []
        for rep in range(reps + 5):
            session.expunge_all()
            start = time.perf_counter_ns()
            app_call()
            middle = time.perf_counter_ns()
            replay()
            end = time.perf_counter_ns()
            if rep >= 5:
                app_times.append(middle - start)
                base_times.append(end - middle)
        session.rollback()
        db.session.remove()
    # For reference, the simplest query of the queue: the next due card alone.
    query = raw.prepare(NEXT_DUE_SQL)
    params = {"u": user_id, "t": True, "f": False, "today": today}
    found = query(**params)
    simple_times = sample(lambda: query(**params), reps)
    raw.end_read()
    row = timed_row(
        f"next queue card, {case}",
        app_times,
        base_times,
        max_ms=max_ms,
        max_ratio=7,
        base_label=f"the same {len(statements)} statement{'s' if len(statements) > 1 else ''}, raw driver",
    )
    reason = item[1] if item is not None else "none"
    row.notes.append(f"next_card → {reason}; {len(statements)} statements")
    simple = timed_row(f"  ↳ the next due card alone, raw ({case})", simple_times, None)
    simple.notes.append(f"{len(found)} row; the app's statement also finds the next new and drill card")
    return [row, simple], {"statements": statements, "reason": reason}


def progress(app: Flask, raw: Raw, user_id: int, today: date, reps: int) -> tuple[list[Row], dict]:
    """``topic_progress`` beside its two bare GROUP BY queries."""
    with app.app_context():
        session = db.session
        user = session.get(User, user_id)
        _ = user.id

        def app_call() -> object:
            return topic_progress(session, user, today)

        trees = app_call()
        with captured(db.engine) as statements:
            session.expunge_all()
            app_call()
        app_times = sample(app_call, reps, warmup=1, setup=session.expunge_all)
        session.rollback()
        db.session.remove()
    states = raw.prepare(STATE_COUNTS_SQL)
    logs = raw.prepare(LOG_COUNTS_SQL)
    p = {"u": user_id, "t": True, "f": False, "today": today}
    since = today - timedelta(days=RETENTION_WINDOW_DAYS - 1)
    state_times = sample(lambda: states(**p), reps, warmup=1)
    log_times = sample(lambda: logs(u=user_id, f=False, since=since), reps, warmup=1)
    both_times = sample(lambda: (states(**p), logs(u=user_id, f=False, since=since)), reps, warmup=1)
    raw.end_read()
    rows = [
        timed_row(
            "progress counts, 200 topics",
            app_times,
            both_times,
            max_ms=25,
            base_label="from scratch: 2 GROUP BYs",
        ),
        timed_row("  ↳ bare GROUP BY review_states", state_times, None),
        timed_row("  ↳ bare GROUP BY review_log (30 days)", log_times, None),
    ]
    topics = sum(1 for _ in _walk(trees))
    rows[0].notes.append(f"{len(trees)} decks, {topics} topic nodes; {len(statements)} statements")
    return rows, {"statements": statements}


def _walk(nodes: list) -> Any:
    for node in nodes:
        yield node
        yield from _walk(node.children)


def grade(
    app: Flask, raw: Raw, user_id: int, today: date, reps: int, max_ms: float | None = 1
) -> tuple[Row, dict]:
    """``record_grade`` + commit of due cards, beside a bare UPDATE + INSERT + COMMIT.

    Changes the database (the graded cards and the log): run it last on a collection.
    """
    due = raw.prepare(
        "SELECT card_id FROM review_states WHERE user_id=:u AND active=:t AND suspended=:f "
        "AND due<=:today ORDER BY due, deck_id, position LIMIT :n"
    )(u=user_id, t=True, f=False, today=today, n=2 * (reps + 5))
    raw.end_read()
    ids = [r[0] for r in due]
    app_ids, raw_ids = iter(ids[0::2]), iter(ids[1::2])
    now = datetime(today.year, today.month, today.day, 12, tzinfo=UTC)
    with app.app_context():
        session = db.session
        user = session.get(User, user_id)
        current: dict[str, Any] = {}

        def setup() -> None:
            _ = user.id  # reloads the user expired by the last commit, outside the timing
            current["card"] = session.get(Card, next(app_ids))

        def app_call() -> None:
            record_grade(session, user, current["card"], 4, now)
            session.commit()

        setup()
        with captured(db.engine) as statements:
            app_call()

        def raw_call() -> None:
            cid = next(raw_ids)
            values = {
                "u": user_id,
                "c": cid,
                "day": today,
                "due": today + timedelta(days=6),
                "at": now,
            }
            raw.script(
                [
                    (BARE_GRADE_UPDATE, values),
                    (BARE_GRADE_INSERT, values),
                ]
            )

        # App and bare grade in turn, so that the disk's bad moments (each commit syncs the WAL) fall on both.
        app_times, base_times = [], []
        for rep in range(reps + 2):
            setup()
            start = time.perf_counter_ns()
            app_call()
            middle = time.perf_counter_ns()
            raw_call()
            end = time.perf_counter_ns()
            if rep >= 2:  # two warm-up rounds
                app_times.append(middle - start)
                base_times.append(end - middle)
        db.session.remove()
    row = timed_row(
        "save one grade + commit", app_times, base_times, max_ms=max_ms, base_label="UPDATE+INSERT+COMMIT"
    )
    writes = sum(1 for s, _ in statements if not s.lstrip().upper().startswith("SELECT"))
    row.notes.append(f"{len(statements)} statements ({writes} writes) per grade")
    return row, {"statements": statements}


def pages(app: Flask, raw: Raw, user_id: int, name: str, password: str, today: date, reps: int) -> list[Row]:
    """The quiz page and the progress page through the test client, logged in, beside their bare queries;
    the quiz page also beside a bare page: the same five queries on the raw driver and the same template,
    served by the same app (so with the same login, CSRF token, translations and headers)."""
    user_q, next_q = raw.prepare(USER_SQL), raw.prepare(NEXT_DUE_SQL)
    shown_q, version_q = raw.prepare(SHOWN_CARD_SQL), raw.prepare(SHOWN_STATE_SQL)
    left_q = raw.prepare(LEFT_SQL)
    limits = {"new": app.config["NEW_CARDS_PER_DAY"], "reviews": app.config["REVIEWS_PER_DAY"]}

    def bare_left() -> int:
        [(due, reviewed, new, introduced, drill)] = left_q(u=user_id, t=True, f=False, today=today, **limits)
        due_left = min(due, max(0, limits["reviews"] - reviewed))
        return due_left + min(new, max(0, limits["new"] - introduced)) + drill

    def bare_card(card_id: int) -> str:
        user_q(u=user_id)
        next_q(u=user_id, t=True, f=False, today=today)
        [(cid, kind, front, back, title, path_key)] = shown_q(c=card_id, u=user_id)
        [(version, due)] = version_q(u=user_id, c=card_id)
        left = bare_left()
        card = SimpleNamespace(
            id=cid, kind=kind, shown_front=front, shown_back=back,
            topic_path=tuple(path_key.split(Topic.PATH_SEPARATOR)) if path_key else (),
        )  # fmt: skip
        day = _sqlite_value(today)
        reason = "new" if due is None else ("due" if str(due) <= str(day) else "drill")
        return render_template(
            "quiz/card.html", card=card, deck=SimpleNamespace(title=title), reason=reason, show=False,
            verdict=None, typed=None, options=None, picked=None, suggested=None, csrf=generate_csrf(),
            version=version, labels=GRADE_LABELS, left=left,
        )  # fmt: skip

    app.add_url_rule("/bench/bare-card/<int:card_id>", "bench_bare_card", bare_card)
    client = app.test_client()
    response = client.post("/login", data={"name": name, "password": password})
    if response.status_code != 302:
        raise RuntimeError(f"log-in failed: {response.status_code}")
    with app.app_context():
        user = db.session.get(User, user_id)
        config = app.config
        item = next_card(
            db.session, user, local_today(user, datetime.now(UTC)), config["NEW_CARDS_PER_DAY"], None,
            config["REVIEWS_PER_DAY"],
        )  # fmt: skip
        card_id = item.card.id if item is not None else 1
        db.session.remove()

    def get(url: str) -> Callable[[], None]:
        def call() -> None:
            r = client.get(url)
            if r.status_code != 200:
                raise RuntimeError(f"GET {url}: {r.status_code}")

        return call

    if client.get(f"/bench/bare-card/{card_id}").status_code != 200:
        raise RuntimeError("the bare card page failed")
    # The page, the floor and the bare page in turn, call by call: a busy moment falls on all three.
    page, floor, bare_page = f"/quiz/card/{card_id}", "/favicon.ico", f"/bench/bare-card/{card_id}"
    quiz_times, floor_times, bare_page_times = interleaved(
        [get(page), lambda: client.get(floor), get(bare_page)], reps
    )
    progress_reps = max(3, reps // 10)
    progress_times = sample(get("/progress"), progress_reps, warmup=1)

    user_q, card_q, next_q, state_q = (raw.prepare(s) for s in (USER_SQL, CARD_SQL, NEXT_DUE_SQL, STATE_SQL))

    def quiz_bare() -> None:
        user_q(u=user_id)
        card_q(c=card_id)
        next_q(u=user_id, t=True, f=False, today=today)
        state_q(u=user_id, c=card_id)
        bare_left()

    quiz_base = sample(quiz_bare, reps, warmup=3)
    queries = [raw.prepare(s) for s in (STATE_COUNTS_SQL, LOG_COUNTS_SQL, TOPICS_SQL, PER_DAY_SQL)]
    forecast, weekly = raw.prepare(FORECAST_SQL), raw.prepare(WEEKLY_SQL)
    monday = today - timedelta(days=today.weekday()) - timedelta(weeks=11)

    def progress_bare() -> None:
        queries[0](u=user_id, t=True, f=False, today=today)
        queries[1](u=user_id, f=False, since=today - timedelta(days=29))
        queries[2](u=user_id)
        queries[3](u=user_id, year_ago=today - timedelta(weeks=53), today=today)
        forecast(u=user_id, t=True, f=False, end=today + timedelta(days=29))
        weekly(u=user_id, f=False, monday=monday, today=today)

    progress_base = sample(progress_bare, progress_reps, warmup=1)
    raw.end_read()
    quiz_row = timed_row(
        "quiz page GET /quiz/card/<next>", quiz_times, quiz_base, max_ratio=1.5, base_label="5 bare queries"
    )
    quiz_row.notes.append("bare: user, card+deck+topic, next due card, review state, cards left")
    floor_row = timed_row("  ↳ the same client, GET /favicon.ico (Flask's floor)", floor_times, None)
    bare_page_row = timed_row(
        "  ↳ quiz page beside a bare page (its 5 bare queries + the same template, same app)",
        quiz_times,
        bare_page_times,
        max_ratio=1.5,
        base_label="bare page",
    )
    bare_page_row.target = "≤ 1.5× baseline (the target read as page beside bare page)"
    progress_row = timed_row(
        "progress page GET /progress", progress_times, progress_base, base_label="6 bare queries"
    )
    progress_row.notes.append("bare: both counts, topics, reviews/day (1 y), forecast (30 d), retention/week")
    return [quiz_row, floor_row, bare_page_row, progress_row]


def export_cards(app: Flask, raw: Raw, user_id: int, reps: int) -> Row:
    """``exporting.export_cards`` of the whole collection beside the bare SELECT of the same rows."""
    with app.app_context():
        session = db.session
        user = session.get(User, user_id)
        _ = user.id
        count = len(exporting.export_cards(session, user))
        app_times = sample(
            lambda: exporting.export_cards(session, user), reps, warmup=0, setup=session.expunge_all
        )
        db.session.remove()
    # Every card (retired ones too) with its suspension and last change, and the state's schedule
    # columns the export reads (the review log only with the schedule: not here).
    query = raw.prepare(
        "SELECT cards.id, cards.key, decks.slug, cards.kind, coalesce(cards.override_front, cards.front), "
        "coalesce(cards.override_back, cards.back), topics.path_key, decks.title, cards.retired, "
        "cards.changed_at, s.suspended, s.due, s.interval_days, s.ease_hundredths, s.repetitions, s.lapses "
        "FROM cards JOIN decks ON decks.id = cards.deck_id LEFT JOIN topics ON topics.id = cards.topic_id "
        "LEFT JOIN review_states s ON s.card_id = cards.id AND s.user_id = :u "
        "WHERE decks.user_id = :u ORDER BY decks.title, decks.id, cards.position, cards.retired, cards.id"
    )
    base_times = sample(lambda: query(u=user_id), reps, warmup=1)
    raw.end_read()
    row = timed_row(
        f"export_cards, {count:,} cards from the DB", app_times, base_times, base_label="bare JOIN"
    )
    return row
