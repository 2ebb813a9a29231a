"""A synthetic Wengu collection for one user: decks, topics, cards, review states and a long review log.

Usage:
    .venv/bin/python bench/collection.py [--out FILE.sqlite | --pg] [--caught-up] [--cards N] [--logs N]

Default size: 100,000 cards in 10 decks x 20 topics (a tree of 4 headings with 4 subheadings each),
1,000,000 review-log rows (scheduled reviews plus the same-day drill rows SM-2 rule 7 adds after a
grade of 3 or less).  The schema is the app's own (``db.create_all()`` through ``create_app``); rows
go in chunks of 20,000 through the SQLAlchemy Core connection, never through the ORM: one
executemany of the table's INSERT on SQLite, COPY on PostgreSQL (see ``_bulk`` for why both skip
SQLAlchemy's per-value bind processing).  About 20 s per variant on SQLite, 45 s on PostgreSQL.

Every reviewed card has a consistent history: its grades are replayed with SM-2 exactly as
``quiz.sm2.review`` computes it (ease in hundredths, ceiling of interval x ease, a fail resets to
1 day), each log row's ``*_before`` is the previous row's ``*_after``, every review falls on or after
the day the card was due, and the last row's state is the card's ``review_states`` row.  A pass
that would push the interval beyond a year is turned into a fail, so a history of ~11 reviews spans
a few years, not millennia.

Two variants (``today`` is the user's study day; the user's zone is UTC, the day starts at 04:00):

* **backlog** (default): due dates spread from a month ago to a year ahead, so about 8% of the reviewed
  cards (~7,000) are overdue; 10% of the cards are new; 50 reviews already done today (below the
  200-a-day review limit), no new card introduced yet.
* **caught-up**: every due date lies in the future (tomorrow up to a year ahead), 170 cards were
  reviewed today, all with grade 4 or 5 (so no same-day drill is pending), 20 of them new cards
  introduced today: the new-card limit (20 a day) is reached while 10% of the cards are still new.
  This is the case where ``next_card`` runs every query of the queue (due, new, new count, drill)
  and finds nothing.

PostgreSQL (``--pg``): a fresh database on postgresql+psycopg://postgres@127.0.0.1:5432 (printed;
dropped again unless ``--keep``) with ``ANALYZE`` after the load, as autovacuum would do.  SQLite
gets no ``ANALYZE``: the app never runs it, so the planner works without statistics, as in production.
"""

from __future__ import annotations

import argparse
import operator
import random
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from app import create_app  # noqa: E402
from quiz import accounts, counters  # noqa: E402
from quiz.models import Card, Deck, ReviewLog, ReviewState, Topic, db  # noqa: E402

PG_SERVER_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
USER_NAME = "bench"
PASSWORD = "bench-password-123"
NEW_PER_DAY = 20
REVIEWS_PER_DAY = 200
MAX_INTERVAL = 365  # a pass that would go beyond this becomes a fail (see the module docstring)
CHUNK = 20_000
TOP_UP_CAP = 10 * MAX_INTERVAL  # the few passes added to reach the exact row count may go further
# Grades of a scheduled review: mostly passes, one review in twelve a fail.
GRADES = [5] * 35 + [4] * 45 + [3] * 12 + [2] * 3 + [1] * 3 + [0] * 2
EASE_STEP = {5: 10, 4: 0, 3: -14, 2: -32, 1: -54, 0: -80}  # SM-2's EF change, in hundredths


@dataclass(frozen=True)
class Collection:
    """What was generated, and how to reach it."""

    url: str
    variant: str
    today: date
    user_id: int
    user_name: str
    password: str
    cards: int
    topics: int
    decks: int
    log_rows: int
    new_cards: int
    due_now: int
    seconds: float


def bench_config(url: str, instance: str, **extra: object) -> dict[str, object]:
    """The app configuration the benchmarks use (CSRF off so the test client can log in)."""
    config: dict[str, object] = {
        "TESTING": False,
        "SQLALCHEMY_DATABASE_URI": url,
        "SECRET_KEY": "bench-secret",
        "INSTANCE_PATH": instance,
        "WTF_CSRF_ENABLED": False,
        "NEW_CARDS_PER_DAY": NEW_PER_DAY,
        "REVIEWS_PER_DAY": REVIEWS_PER_DAY,
    }
    config.update(extra)
    return config


def study_day(now: datetime | None = None) -> date:
    """The bench user's study day (UTC, the day starting at 04:00) at ``now``."""
    now = now or datetime.now(UTC)
    return (now.astimezone(UTC).replace(tzinfo=None) - timedelta(hours=4)).date()


# --- PostgreSQL databases -----------------------------------------------------------------------


def pg_available(server_url: str = PG_SERVER_URL) -> str | None:
    """None when PostgreSQL answers, else why not."""
    engine = sa.create_engine(server_url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect():
            return None
    except sa.exc.OperationalError as exc:
        return str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
    finally:
        engine.dispose()


def pg_create_database(server_url: str = PG_SERVER_URL) -> str:
    """Create a fresh database and return its URL."""
    name = f"wengu_bench_{uuid.uuid4().hex[:12]}"
    engine = sa.create_engine(server_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return sa.make_url(server_url).set(database=name).render_as_string(hide_password=False)


def pg_drop_database(url: str, server_url: str = PG_SERVER_URL) -> None:
    name = sa.make_url(url).database
    engine = sa.create_engine(server_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()


# --- the review histories -----------------------------------------------------------------------


def _would_pass(reps: int, interval: int, ease: int) -> int:
    if reps == 0:
        return 1
    if reps == 1:
        return 6
    return (interval * ease + 99) // 100  # ceil(I * EF) with EF in hundredths


class _History:
    """One card's scheduled grades and the SM-2 state they lead to (kept up to date as grades are added)."""

    __slots__ = ("grades", "reps", "interval", "ease")

    def __init__(self) -> None:
        self.grades: list[int] = []
        self.reps, self.interval, self.ease = 0, 0, 250

    def add(self, grade: int) -> None:
        self.grades.append(grade)
        self.reps, self.interval, self.ease = _step(self.reps, self.interval, self.ease, grade)

    def pop(self) -> None:
        grades = self.grades[:-1]
        self.__init__()
        for g in grades:
            self.add(g)

    def add_pass(self, cap: int | None = MAX_INTERVAL) -> None:
        """Add a grade-5 review (a fail instead where a pass would exceed ``cap``)."""
        passes = cap is None or _would_pass(self.reps, self.interval, self.ease) <= cap
        self.add(5 if passes else 2)

    @property
    def rows(self) -> int:
        return len(self.grades) + sum(1 for g in self.grades if g <= 3)  # a drill row after a grade <= 3


def _step(reps: int, interval: int, ease: int, grade: int) -> tuple[int, int, int]:
    if grade >= 3:
        interval, reps = _would_pass(reps, interval, ease), reps + 1
    else:
        interval, reps = 1, 0
    return reps, interval, max(130, ease + EASE_STEP[grade])


def _history(rng: random.Random, n: int) -> _History:
    """``n`` random scheduled grades, a pass beyond MAX_INTERVAL turned into a fail."""
    h = _History()
    for _ in range(n):
        grade = rng.choice(GRADES)
        if grade >= 3 and _would_pass(h.reps, h.interval, h.ease) > MAX_INTERVAL:
            grade = rng.choice((1, 2))
        h.add(grade)
    return h


def _draft(
    rng: random.Random, reviewed: int, per_card: float, variant: str
) -> tuple[list[_History], list[int], set[int]]:
    """Histories of about ``per_card`` reviews, extended until each card's due offset fits."""
    hi = max(1, round(2 * per_card - 1))
    plans = [_history(rng, rng.randint(1, hi)) for _ in range(reviewed)]
    low = 1 if variant == "caught-up" else -30
    offsets = [rng.randint(low, MAX_INTERVAL - 1) for _ in range(reviewed)]
    if variant == "caught-up":
        # 20 new cards introduced today (one grade 5 each) and 150 reviews done today.
        today_cards = set(range(min(NEW_PER_DAY + 150, reviewed)))
        for i in range(min(NEW_PER_DAY, reviewed)):
            plans[i] = _History()
            plans[i].add(5)
    else:
        today_cards = set(range(min(50, reviewed)))  # 50 reviews done today
    for i, h in enumerate(plans):
        if i in today_cards:
            # A review of a card seen before (not a new one), graded 4-5: no same-day drill pending.
            while h.grades[-1] < 4 or (
                len(h.grades) < 2 and not (variant == "caught-up" and i < NEW_PER_DAY)
            ):
                h.add_pass()
            offsets[i] = h.interval
        else:
            while h.interval <= offsets[i]:
                h.add_pass(cap=None)
    return plans, offsets, today_cards


def _plan(rng: random.Random, reviewed: int, log_rows: int, variant: str) -> tuple[list[_History], list[int]]:
    """Plan the reviewed cards: histories summing to exactly ``log_rows`` rows, and due offsets.

    A card due ``u`` days from today was last reviewed ``interval - u`` days ago, in the past: so its
    last interval must exceed ``u``; passes are appended until it does.
    """
    factor = 0.62  # about 95% of the rows; the rest added one pass at a time below
    for _attempt in range(6):
        per_card = log_rows / max(reviewed, 1) / 1.2 * factor
        plans, offsets, today_cards = _draft(rng, reviewed, per_card, variant)
        total = sum(h.rows for h in plans)
        if total <= log_rows:
            break
        factor *= log_rows / total * 0.97
    free = [i for i in range(reviewed) if i not in today_cards]
    tries = 0
    while total != log_rows and free and tries < 20 * reviewed + 1000:
        tries += 1
        i = rng.choice(free)
        h = plans[i]
        if total < log_rows:
            before = h.rows
            h.add_pass(cap=TOP_UP_CAP)
            added = h.rows - before
            if h.grades[-1] < 3 or total + added > log_rows:
                h.pop()
                continue
            total += added
        elif len(h.grades) > 1 and h.grades[-1] > 3:
            last = h.grades[-1]
            h.pop()
            if h.interval <= offsets[i]:
                h.add(last)
                continue
            total -= 1
    return plans, offsets


# --- the rows -----------------------------------------------------------------------------------


def _texts(i: int) -> tuple[str, str, str]:
    progs = ("docker", "git", "kubectl", "npm", "tar", "ssh", "grep", "curl")
    subs = ("ls", "rm", "run", "show", "push", "pull", "inspect", "log")
    objs = ("镜像", "容器", "文件", "分支", "节点", "日志", "依赖包", "服务")
    if i % 2 == 0:
        return (
            "command",
            f"列出所有{objs[i % 8]}，编号 {i}",
            f"{progs[i % 8]} {subs[(i // 8) % 8]} --filter label=n{i} -a",
        )
    return (
        "concept",
        f"**术语 {i}** 是什么？ What is *term {i}*?",
        f"一种用于{objs[i % 8]}的机制 — a way to {subs[i % 8]} `{progs[i % 8]}` objects ({i}).",
    )


def _chunks(rows: Iterator[dict], size: int = CHUNK) -> Iterator[list[dict]]:
    buf: list[dict] = []
    for row in rows:
        buf.append(row)
        if len(buf) >= size:
            yield buf
            buf = []
    if buf:
        yield buf


def _bulk(conn: sa.Connection, table: sa.Table, rows: list, names: Sequence[str] | None = None) -> None:
    """Insert ``rows`` (dicts, or tuples in the order of ``names``) with one executemany.

    ``insert(table)`` with a list of dicts spends about 40 s per million log rows in SQLAlchemy's
    per-value bind processing, more than the database takes.  So the INSERT is built from the app's
    own ``Table`` and run with ``exec_driver_sql``; the values come ready for the driver (see
    ``_converters``).  On PostgreSQL the rows go through COPY on the same connection instead.
    """
    if not rows:
        return
    if names is None:
        names = [c.name for c in table.columns if c.name in rows[0]]
        getter = operator.itemgetter(*names)
        rows = [getter(row) for row in rows]
    marker = "?"
    if conn.dialect.name == "sqlite":
        sql = f"INSERT INTO {table.name} ({', '.join(names)}) VALUES ({', '.join([marker] * len(names))})"
        conn.exec_driver_sql(sql, rows)
        return
    # PostgreSQL: an executemany through psycopg manages ~30,000 rows/s here; COPY on the same
    # connection (and transaction) several times that.
    with conn.connection.driver_connection.cursor() as cursor:
        with cursor.copy(f"COPY {table.name} ({', '.join(names)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)


class _Memo(dict):
    def __init__(self, fn: Callable[[int], object]) -> None:
        super().__init__()
        self.fn = fn

    def __missing__(self, key: int) -> object:
        value = self[key] = self.fn(key)
        return value


def _converters(dialect: str) -> tuple[Callable[[int], object], Callable[[int, int], object]]:
    """Day ordinals and (day, minute of the day) as the driver takes them.

    PostgreSQL (psycopg): ``date`` and naive UTC ``datetime`` objects, which is what ``UTCDateTime``
    binds.  SQLite: the text SQLAlchemy's SQLite dialect writes for ``Date`` and ``DateTime``
    (``YYYY-MM-DD`` and ``YYYY-MM-DD HH:MM:SS.ffffff``), so the app reads them back as usual.
    Booleans go in as Python ``bool`` (sqlite3 stores 1/0).
    """
    if dialect == "sqlite":
        days = _Memo(lambda n: date.fromordinal(n).isoformat())
        clock = [f" {m // 60:02d}:{m % 60:02d}:00.000000" for m in range(1440)]
        return days.__getitem__, lambda n, m: days[n] + clock[m]
    dates = _Memo(date.fromordinal)

    def as_time(n: int, m: int) -> datetime:
        d = dates[n]
        return datetime(d.year, d.month, d.day, m // 60, m % 60)

    return dates.__getitem__, as_time


LOG_COLUMNS = (
    "user_id", "card_id", "reviewed_at", "review_day", "grade", "deck_id", "topic_id", "drill",
    "repetitions_before", "ease_hundredths_before", "interval_days_before", "due_before", "lapses_before",
    "introduced_on_before", "last_reviewed_at_before",
    "repetitions_after", "ease_hundredths_after", "interval_days_after", "due_after",
)  # fmt: skip


def generate(
    url: str,
    *,
    variant: str = "backlog",
    cards: int = 100_000,
    decks: int = 10,
    log_rows: int = 1_000_000,
    today: date | None = None,
    seed: int = 1,
    instance: str | None = None,
) -> Collection:
    """Create the schema on ``url`` and fill it with one user's collection."""
    if variant not in ("backlog", "caught-up"):
        raise ValueError(f"unknown variant {variant!r}")
    started = time.perf_counter()
    today = today or study_day()
    rng = random.Random(seed)
    instance = instance or tempfile.mkdtemp(prefix="wengu-bench-instance-")
    app = create_app(bench_config(url, instance))
    with app.app_context():
        db.create_all()
        user = accounts.create_user(db.session, USER_NAME, PASSWORD)
        user.timezone = "UTC"
        user.day_starts_at_hour = 4
        db.session.commit()
        user_id = user.id
        db.session.remove()
        engine = db.engine
        topics_per_deck = 20
        per_deck = cards // decks
        as_date, as_time = _converters(engine.dialect.name)
        stamp = as_time(today.toordinal(), 180)

        deck_rows = [
            {
                "id": d + 1,
                "user_id": user_id,
                "title": f"Deck {d + 1:02d} 笔记",
                "slug": f"deck-{d + 1:02d}",
                "source_path": f"/bench/notes/deck-{d + 1:02d}.md",
                "content_hash": f"{d:064x}",
                "imported_at": stamp,
            }
            for d in range(decks)
        ]
        topic_rows, topic_of_slot = [], []
        for d in range(decks):
            tid = d * topics_per_deck
            position = 0
            for a in range(4):
                parent_id = tid + 1
                title = f"第{a + 1}章 Chapter {a + 1}"
                topic_rows.append(
                    {
                        "id": parent_id,
                        "deck_id": d + 1,
                        "parent_id": None,
                        "title": title,
                        "path_key": title,
                        "depth": 1,
                        "position": position,
                    }
                )
                tid += 1
                position += 1
                for b in range(4):
                    sub = f"{a + 1}.{b + 1} 小节 Section"
                    topic_rows.append(
                        {
                            "id": tid + 1,
                            "deck_id": d + 1,
                            "parent_id": parent_id,
                            "title": sub,
                            "path_key": title + Topic.PATH_SEPARATOR + sub,
                            "depth": 2,
                            "position": position,
                        }
                    )
                    tid += 1
                    position += 1
            topic_of_slot.append([row["id"] for row in topic_rows[-topics_per_deck:]])

        def card_place(i: int) -> tuple[int, int, int]:
            d = min(i // per_deck, decks - 1)
            position = i - d * per_deck
            slot = min(position * topics_per_deck // per_deck, topics_per_deck - 1)
            return d + 1, topic_of_slot[d][slot], position

        def card_rows() -> Iterator[dict]:
            for i in range(cards):
                deck_id, topic_id, position = card_place(i)
                kind, front, back = _texts(i)
                yield {
                    "id": i + 1,
                    "deck_id": deck_id,
                    "topic_id": topic_id,
                    "kind": kind,
                    "front": front,
                    "back": back,
                    "key": f"k{position:06d}",
                    "line": 3 + position * 2,
                    "position": position,
                    "retired": False,
                    "changed_at": stamp,
                }

        # 10% new cards, spread evenly (every tenth card); the others reviewed in a shuffled order.
        reviewed_ids = [i for i in range(cards) if i % 10 != 9]
        rng.shuffle(reviewed_ids)
        plans, offsets = _plan(rng, len(reviewed_ids), log_rows, variant)

        due_now = 0
        states: dict[int, dict] = {}
        log_count = 0

        def log_rows_iter() -> Iterator[tuple]:
            nonlocal due_now, log_count
            today_n = today.toordinal()
            lateness = (0, 0, 0, 1, 2)
            for k, i in enumerate(reviewed_ids):
                grades = plans[k].grades
                deck_id, topic_id, _position = card_place(i)
                # Replay SM-2 to get each review's interval, then place the reviews in time backwards
                # from the last one, each on or a little after the day the card was due.
                steps = []
                reps, interval, ease, lapses = 0, 0, 250, 0
                for g in grades:
                    new_reps, new_interval, new_ease = _step(reps, interval, ease, g)
                    new_lapses = lapses + (1 if new_reps == 0 and reps > 0 else 0)
                    steps.append(
                        (g, (reps, ease, interval, lapses), (new_reps, new_ease, new_interval, new_lapses))
                    )
                    reps, interval, ease, lapses = new_reps, new_interval, new_ease, new_lapses
                days = [today_n + offsets[k] - interval]
                for _g, _before, after in reversed(steps[:-1]):
                    days.append(days[-1] - after[2] - lateness[int(rng.random() * 5)])
                days.reverse()
                due_before = introduced = last_at = None
                due_n = 0
                for (g, before, after), day in zip(steps, days, strict=True):
                    minute = 300 + int(rng.random() * 1000)  # 05:00 to 21:40
                    at, review_day = as_time(day, minute), as_date(day)
                    due_n = day + after[2]
                    due_after = as_date(due_n)
                    yield (
                        user_id, i + 1, at, review_day, g, deck_id, topic_id, False,
                        *before[:3], due_before, before[3], introduced, last_at,
                        *after[:3], due_after,
                    )  # fmt: skip
                    introduced = introduced or review_day
                    last_at = at
                    due_before = due_after
                    if g <= 3:  # the same-day drill: logged, the schedule unchanged
                        yield (
                            user_id, i + 1, as_time(day, minute + 5), review_day, 4, deck_id, topic_id, True,
                            *after[:3], due_after, after[3], introduced, at,
                            *after[:3], due_after,
                        )  # fmt: skip
                log_count += plans[k].rows
                if due_n <= today_n:
                    due_now += 1
                states[i] = {
                    "repetitions": reps,
                    "ease_hundredths": ease,
                    "interval_days": interval,
                    "due": due_before,
                    "lapses": lapses,
                    "introduced_on": introduced,
                    "last_reviewed_at": last_at,
                }

        def state_rows() -> Iterator[dict]:
            for i in range(cards):
                deck_id, topic_id, position = card_place(i)
                row = states.get(i) or {
                    "repetitions": 0,
                    "ease_hundredths": 250,
                    "interval_days": 0,
                    "due": None,
                    "lapses": 0,
                    "introduced_on": None,
                    "last_reviewed_at": None,
                }
                yield {
                    "user_id": user_id,
                    "card_id": i + 1,
                    **row,
                    "suspended": False,
                    "deck_id": deck_id,
                    "topic_id": topic_id,
                    "position": position,
                    "active": True,
                    "version": 1,
                }

        # Indexes are built once after the load (faster than keeping them up to date row by row).
        indexes = [ix for t in (Card, ReviewLog, ReviewState) for ix in t.__table__.indexes]
        with engine.begin() as conn:
            if engine.dialect.name == "sqlite":
                conn.exec_driver_sql("PRAGMA synchronous=OFF")
            else:
                # The rows are consistent by construction: skip the per-row foreign-key triggers.
                conn.exec_driver_sql("SET LOCAL session_replication_role = replica")
            for index in indexes:
                index.drop(conn)
            # Likewise the counters (quiz.counters): filled once from the rows, then kept by their triggers.
            counters.uninstall(conn)
            _bulk(conn, Deck.__table__, deck_rows)
            _bulk(conn, Topic.__table__, topic_rows)
            for chunk in _chunks(card_rows()):
                _bulk(conn, Card.__table__, chunk)
            for chunk in _chunks(log_rows_iter()):
                _bulk(conn, ReviewLog.__table__, chunk, LOG_COLUMNS)
            for chunk in _chunks(state_rows()):
                _bulk(conn, ReviewState.__table__, chunk)
            for index in indexes:
                index.create(conn)
            counters.rebuild(conn)
            counters.install(conn)
            if engine.dialect.name == "postgresql":
                for table in ("decks", "topics", "cards"):
                    sequence = f"pg_get_serial_sequence('{table}', 'id')"
                    conn.execute(sa.text(f"SELECT setval({sequence}, (SELECT max(id) FROM {table}))"))
        if engine.dialect.name == "postgresql":
            # VACUUM as autovacuum would have by now on a live database: it sets the visibility map that
            # index-only scans need (a freshly bulk-loaded table has none, so every index hit reads the heap).
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(sa.text("VACUUM ANALYZE"))
        engine.dispose()
    return Collection(
        url=url,
        variant=variant,
        today=today,
        user_id=user_id,
        user_name=USER_NAME,
        password=PASSWORD,
        cards=cards,
        topics=decks * topics_per_deck,
        decks=decks,
        log_rows=log_count,
        new_cards=cards - len(reviewed_ids),
        due_now=due_now,
        seconds=time.perf_counter() - started,
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", help="SQLite file to create (default: one in a new temporary folder)")
    ap.add_argument("--pg", action="store_true", help="generate into a fresh PostgreSQL database instead")
    ap.add_argument("--keep", action="store_true", help="with --pg: keep the database (default: drop it)")
    ap.add_argument("--caught-up", action="store_true", help="nothing due today, the new-card limit reached")
    ap.add_argument("--cards", type=int, default=100_000)
    ap.add_argument("--logs", type=int, default=1_000_000)
    args = ap.parse_args()
    variant = "caught-up" if args.caught_up else "backlog"
    if args.pg:
        problem = pg_available()
        if problem:
            print(f"PostgreSQL does not answer: {problem}")
            return
        url = pg_create_database()
    else:
        out = Path(args.out) if args.out else Path(tempfile.mkdtemp(prefix="wengu-bench-")) / "bench.sqlite"
        if out.exists():
            sys.exit(f"{out} exists; choose a new file")
        url = f"sqlite:///{out}"
    try:
        info = generate(url, variant=variant, cards=args.cards, log_rows=args.logs)
        print(info)
    finally:
        if args.pg and not args.keep:
            pg_drop_database(url)


if __name__ == "__main__":
    main()
