"""Per-topic counters kept by the database itself: triggers on ``review_states`` and ``review_log``.

Counting a user's cards per topic from scratch reads every one of their states,
even through a covering index, and retention over a month reads every log row
of it: work that grows with the collection (bench/RESULTS.md, "progress counts",
sets the counters beside those GROUP BYs).  Instead two small tables hold the
sums and triggers keep them exact in the same transaction as every write, whatever
path made it: a grade, an undo, an import moving or retiring cards, a restore,
a deck deleted with its cascade.  Nothing is cached in the application, so
nothing can go stale; ``rebuild`` recomputes both tables from the rows (the
migration that introduced them uses it to fill them).

- ``topic_counts``: per (user, deck, topic) the cards in the quiz (active and
  not suspended), how many are new, learning (interval under
  ``MATURE_INTERVAL_DAYS``) and mature, and the sum of the seen cards' ease.
- ``review_day_counts``: per (user, day, deck, topic) the scheduled reviews,
  how many passed (grade 3 or better) and the drill grades.

A missing topic or deck is keyed 0.  Counter rows have no foreign keys: a
cascade deleting a deck's states fires the triggers while the deck goes, and
the rows it leaves behind are all zero.  How many cards are *due* depends on
the day, so it is not a counter: it is an indexed range scan over the due
cards only.

SQLite batch migrations rebuild a table and drop its triggers: a migration
that alters ``review_states`` or ``review_log`` that way must call ``install``
again.  The trigger bodies are this module's SQL (``MATURE_INTERVAL_DAYS``
included): a change to them ships with a migration that calls ``install`` and
then ``rebuild``, or existing databases keep counting the old way.
"""

from __future__ import annotations

from sqlalchemy import Connection, text

from quiz.sm2 import PASSING_GRADE

MATURE_INTERVAL_DAYS = 21  # Anki's threshold between young and mature cards

# The one definition of "in the quiz": the values two columns of ``review_states`` hold for a card that
# is still in its note (``active``, the state's copy of ``not cards.retired``) and not suspended.
# ``quiz.store.scopes`` writes it as SQLAlchemy, the queue (``quiz.store.queue``) and this module's
# triggers as SQL text: all from this pair, which sits here because the triggers, installed below the
# models, need it too.
IN_QUIZ_VALUES: tuple[tuple[str, bool], ...] = (("active", True), ("suspended", False))


def in_quiz_sql(row: str = "") -> str:
    """ "In the quiz" as a SQL condition on ``review_states`` (``row``: a prefix such as ``NEW.``)."""
    return " AND ".join(
        f"{row}{column}" if value else f"NOT {row}{column}" for column, value in IN_QUIZ_VALUES
    )


def stage_sql(row: str = "") -> tuple[str, str, str]:
    """The stages as SQL conditions on ``review_states``: new (never graded: no due day), learning (an
    interval under ``MATURE_INTERVAL_DAYS``) and mature.  ``quiz.store.scopes.STAGES`` is the same in
    SQLAlchemy."""
    seen = f"{row}due IS NOT NULL"
    return (
        f"{row}due IS NULL",
        f"{seen} AND {row}interval_days < {MATURE_INTERVAL_DAYS}",
        f"{seen} AND {row}interval_days >= {MATURE_INTERVAL_DAYS}",
    )


_STATE_COLUMNS = ("cards", "new", "learning", "mature", "ease_sum")
_DAY_COLUMNS = ("reviews", "passed", "drills")


def _as_int(dialect: str, condition: str) -> str:
    return f"(CASE WHEN {condition} THEN 1 ELSE 0 END)" if dialect == "postgresql" else f"({condition})"


def _state_values(dialect: str, row: str, sign: str) -> list[str]:
    b = _as_int
    new, learning, mature = stage_sql(f"{row}.")
    return [
        f"{row}.user_id",
        f"{row}.deck_id",
        f"coalesce({row}.topic_id, 0)",
        f"{sign}1",
        f"{sign}{b(dialect, new)}",
        f"{sign}{b(dialect, learning)}",
        f"{sign}{b(dialect, mature)}",
        f"{sign}(CASE WHEN {new} THEN 0 ELSE {row}.ease_hundredths END)",
    ]


def _day_values(dialect: str, row: str, sign: str) -> list[str]:
    b = _as_int
    return [
        f"{row}.user_id",
        f"{row}.review_day",
        f"coalesce({row}.deck_id, 0)",
        f"coalesce({row}.topic_id, 0)",
        f"{sign}{b(dialect, f'NOT {row}.drill')}",
        f"{sign}{b(dialect, f'NOT {row}.drill AND {row}.grade >= {PASSING_GRADE}')}",
        f"{sign}{b(dialect, f'{row}.drill')}",
    ]


def _upsert(table: str, keys: tuple[str, ...], sums: tuple[str, ...], values: list[str], where: str) -> str:
    columns = ", ".join(keys + sums)
    updates = ", ".join(f"{c} = {table}.{c} + excluded.{c}" for c in sums)
    # INSERT … SELECT … WHERE: the WHERE also settles SQLite's parse of ON CONFLICT after a SELECT.
    return (
        f"INSERT INTO {table} ({columns}) SELECT {', '.join(values)} WHERE {where} "
        f"ON CONFLICT ({', '.join(keys)}) DO UPDATE SET {updates}"
    )


_STATE_KEYS = ("user_id", "deck_id", "topic_key")
_DAY_KEYS = ("user_id", "review_day", "deck_key", "topic_key")


def _state_delta(dialect: str, row: str, sign: str) -> str:
    counted = in_quiz_sql(f"{row}.")
    return _upsert("topic_counts", _STATE_KEYS, _STATE_COLUMNS, _state_values(dialect, row, sign), counted)


def _day_delta(dialect: str, row: str, sign: str) -> str:
    return _upsert("review_day_counts", _DAY_KEYS, _DAY_COLUMNS, _day_values(dialect, row, sign), "true")


# The columns whose change moves a counter; an UPDATE touching only others fires nothing.
_STATE_WATCHED = "user_id, deck_id, topic_id, active, suspended, due, interval_days, ease_hundredths"
_LOG_WATCHED = "user_id, review_day, deck_id, topic_id, drill, grade"

_TRIGGERS = ("trg_review_states_counts", "trg_review_log_counts")

# PostgreSQL only: while this setting is "on" in a transaction (``defer``), the triggers leave the counters
# alone and the writer adds what it wrote itself (``add_counts``).  A bulk import writes hundreds of
# thousands of rows into a few hundred counter rows: updating one row thousands of times in one
# transaction leaves a chain of versions that every later update walks (measured: 500,000 review rows
# took ten minutes through the triggers, seconds summed beforehand).  SQLite keeps no versions: its
# triggers stay on.
DEFER_SETTING = "wengu.defer_counters"


def _sqlite_ddl() -> list[str]:
    ddl = []
    for table, name, delta, watched in (
        ("review_states", _TRIGGERS[0], _state_delta, _STATE_WATCHED),
        ("review_log", _TRIGGERS[1], _day_delta, _LOG_WATCHED),
    ):
        # Dropped and made again, as on PostgreSQL: install() always leaves this module's trigger bodies.
        ddl += [f"DROP TRIGGER IF EXISTS {name}_{event}" for event in ("insert", "delete", "update")]
        ddl += [
            f"CREATE TRIGGER {name}_insert AFTER INSERT ON {table} BEGIN {delta('sqlite', 'NEW', '')}; END",
            f"CREATE TRIGGER {name}_delete AFTER DELETE ON {table} BEGIN {delta('sqlite', 'OLD', '-')}; END",
            f"CREATE TRIGGER {name}_update AFTER UPDATE OF {watched} ON {table} "
            f"BEGIN {delta('sqlite', 'OLD', '-')}; {delta('sqlite', 'NEW', '')}; END",
        ]
    return ddl


def _postgresql_ddl() -> list[str]:
    ddl = []
    for table, name, delta, watched in (
        ("review_states", _TRIGGERS[0], _state_delta, _STATE_WATCHED),
        ("review_log", _TRIGGERS[1], _day_delta, _LOG_WATCHED),
    ):
        ddl += [
            f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$\n"
            "BEGIN\n"
            f"  IF current_setting('{DEFER_SETTING}', true) = 'on' THEN RETURN NULL; END IF;\n"
            f"  IF TG_OP <> 'INSERT' THEN {delta('postgresql', 'OLD', '-')}; END IF;\n"
            f"  IF TG_OP <> 'DELETE' THEN {delta('postgresql', 'NEW', '')}; END IF;\n"
            "  RETURN NULL;\n"
            "END $$",
            # DROP + CREATE rather than CREATE OR REPLACE TRIGGER, which needs PostgreSQL 14.
            f"DROP TRIGGER IF EXISTS {name} ON {table}",
            f"CREATE TRIGGER {name} AFTER INSERT OR DELETE OR UPDATE OF {watched} ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION {name}()",
        ]
    return ddl


def install(connection: Connection) -> None:
    """(Re)create the triggers on the connection's database, replacing any older version of them."""
    dialect = connection.dialect.name
    if dialect == "sqlite":
        statements = _sqlite_ddl()
    elif dialect == "postgresql":
        statements = _postgresql_ddl()
    else:  # pragma: no cover - the app supports these two
        raise NotImplementedError(f"no counter triggers for {dialect}")
    for statement in statements:
        connection.exec_driver_sql(statement)


def uninstall(connection: Connection) -> None:
    """Drop the triggers (the migration's downgrade)."""
    if connection.dialect.name == "sqlite":
        for name in _TRIGGERS:
            for event in ("insert", "delete", "update"):
                connection.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name}_{event}")
    else:
        for name, table in zip(_TRIGGERS, ("review_states", "review_log"), strict=True):
            connection.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name} ON {table}")
            connection.exec_driver_sql(f"DROP FUNCTION IF EXISTS {name}()")


def _from_scratch(dialect: str) -> tuple[str, str]:
    """The two SELECTs that compute the counters from the rows, in the counter tables' column order."""
    b = _as_int
    new, learning, mature = stage_sql()
    states = (
        "SELECT user_id, deck_id, coalesce(topic_id, 0), count(*), "
        f"sum{b(dialect, new)}, sum{b(dialect, learning)}, sum{b(dialect, mature)}, "
        f"sum(CASE WHEN {new} THEN 0 ELSE ease_hundredths END) "
        f"FROM review_states WHERE {in_quiz_sql()} GROUP BY user_id, deck_id, coalesce(topic_id, 0)"
    )
    days = (
        "SELECT user_id, review_day, coalesce(deck_id, 0), coalesce(topic_id, 0), "
        f"sum{b(dialect, 'NOT drill')}, sum{b(dialect, f'NOT drill AND grade >= {PASSING_GRADE}')}, "
        f"sum{b(dialect, 'drill')} "
        "FROM review_log GROUP BY user_id, review_day, coalesce(deck_id, 0), coalesce(topic_id, 0)"
    )
    return states, days


def rebuild(connection: Connection) -> None:
    """Recompute both counter tables from the rows, for every user."""
    states, days = _from_scratch(connection.dialect.name)
    connection.execute(text("DELETE FROM topic_counts"))
    connection.execute(text("DELETE FROM review_day_counts"))
    connection.execute(text(f"INSERT INTO topic_counts ({', '.join(_STATE_KEYS + _STATE_COLUMNS)}) {states}"))
    connection.execute(text(f"INSERT INTO review_day_counts ({', '.join(_DAY_KEYS + _DAY_COLUMNS)}) {days}"))


# --- writes that sum their own counts (``DEFER_SETTING``) -------------------------------------------

StateKey = tuple[int, int, int]  # user, deck, topic (0 for none)
DayKey = tuple[int, object, int, int]  # user, review day, deck (0 for none), topic (0 for none)


def defer(connection: Connection) -> bool:
    """Turn the triggers off for the rest of the transaction, on PostgreSQL; whether they are off.

    The caller then sums what it writes into ``CountDeltas`` and hands them to ``add_counts`` before
    the transaction ends (then ``resume``)."""
    if connection.dialect.name != "postgresql":
        return False
    connection.execute(text("SELECT set_config(:name, 'on', true)"), {"name": DEFER_SETTING})
    return True


def resume(connection: Connection) -> None:
    """Turn the triggers back on (``defer``)."""
    connection.execute(text("SELECT set_config(:name, 'off', true)"), {"name": DEFER_SETTING})


class CountDeltas:
    """What rows written with the triggers off add to the counters, summed as the triggers would."""

    def __init__(self) -> None:
        self.states: dict[StateKey, list[int]] = {}
        self.days: dict[DayKey, list[int]] = {}

    def state(
        self,
        sign: int,
        key: StateKey,
        *,
        active: bool,
        suspended: bool,
        due: object,
        interval_days: int,
        ease_hundredths: int,
    ) -> None:
        """A state row added (``sign`` 1) or removed (-1): counted when it is in the quiz."""
        if not active or suspended:
            return
        sums = self.states.setdefault(key, [0, 0, 0, 0, 0])
        sums[0] += sign
        if due is None:
            sums[1] += sign
        else:
            sums[2 if interval_days < MATURE_INTERVAL_DAYS else 3] += sign
            sums[4] += sign * ease_hundredths

    def review(self, key: DayKey, *, drill: bool, grade: int) -> None:
        """A review log row added."""
        sums = self.days.setdefault(key, [0, 0, 0])
        if drill:
            sums[2] += 1
        else:
            sums[0] += 1
            if grade >= PASSING_GRADE:
                sums[1] += 1


def add_counts(connection: Connection, deltas: CountDeltas) -> None:
    """Add ``deltas`` to the counter tables (as the triggers would have, row by row)."""
    for table, keys, sums, found in (
        ("topic_counts", _STATE_KEYS, _STATE_COLUMNS, deltas.states),
        ("review_day_counts", _DAY_KEYS, _DAY_COLUMNS, deltas.days),
    ):
        rows = [
            dict(zip(keys + sums, (*key, *values), strict=True))
            for key, values in found.items()
            if any(values)
        ]
        if not rows:
            continue
        columns = keys + sums
        updates = ", ".join(f"{c} = {table}.{c} + excluded.{c}" for c in sums)
        connection.execute(
            text(
                f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join(':' + c for c in columns)}) "
                f"ON CONFLICT ({', '.join(keys)}) DO UPDATE SET {updates}"
            ),
            rows,
        )
