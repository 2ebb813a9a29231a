"""The domain limits: the one definition of every value range the app relies on.

Standard library only (no Flask, no SQLAlchemy; ``quiz.i18n`` for the words of a broken rule,
which the web layer shows in the user's language), so every layer can use it:
the scheduler (``quiz.sm2``), the settings form (``quiz.forms``), the models'
CHECK constraints (``quiz.models``, written from :func:`check_constraints`),
the grade path (``quiz.store.grading.review_card`` caps intervals with
:func:`cap_interval`) and restore (``quiz.backup`` checks every value with
:func:`column_rule` and :func:`row_problem`).  A value outside these limits is
refused where it enters, and the database refuses it too where SQL can say it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from zoneinfo import available_timezones

from quiz.i18n import N_, LocalizedText

MIN_EASE_HUNDREDTHS = 130
"""The SM-2 E-Factor never goes below 1.3 (rule 5 of the text), in hundredths."""

MAX_INTERVAL_DAYS = 36_500
"""The longest interval stored: 100 years.  SM-2 as published has no maximum, so
``quiz.sm2.review`` computes any interval exactly; the grade path stores at most
this (:func:`cap_interval`), which keeps ``due`` far inside :class:`datetime.date`
and every interval inside the database's integers."""

MIN_GRADE, MAX_GRADE = 0, 5
"""SM-2 grades are the integers 0..5."""

CARD_KINDS = ("command", "concept", "cloze", "qa")
"""The kinds of card a note yields (see ``quiz.notes``)."""

LOCALES = ("zh", "en")
"""The interface languages; a user's locale is one of these or None (the browser's choice)."""

FIRST_HOUR, LAST_HOUR = 0, 23
"""The hour a user's study day starts at."""

MAX_NEW_CARDS_PER_DAY = 9_999
MAX_REVIEWS_PER_DAY = 99_999
MAX_TIMEZONE_LENGTH = 64

DB_INT_MAX = 2**31 - 1
"""The largest id (and INTEGER value) both databases store: PostgreSQL's INTEGER is 32 bits.  SQLite's are
64, but one bound for both keeps them alike, and no SQLite id gets near two billion.  Ids in URLs, query
strings and forms beyond it are refused before they reach a query."""


def cap_interval(days: int) -> int:
    """The interval to store for an interval of ``days`` computed by SM-2: at most ``MAX_INTERVAL_DAYS``."""
    return min(days, MAX_INTERVAL_DAYS)


@lru_cache(maxsize=1)
def _zones() -> frozenset[str]:
    return frozenset(available_timezones())


def shown_value(value: object, limit: int = 60) -> str:
    """``value`` as a message quotes it: its ``repr``, shortened to ``limit`` characters with "…"."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def is_known_timezone(name: str) -> bool:
    """Whether ``name`` is an IANA time zone this system knows (e.g. ``Asia/Shanghai``)."""
    return name in _zones()


# --- rules on one value ----------------------------------------------------------------------


@dataclass(frozen=True)
class Range:
    """A whole number from ``low`` to ``high`` (either end open when None)."""

    low: int | None = None
    high: int | None = None

    def problem(self, value: object) -> LocalizedText | None:
        """Why ``value`` breaks the rule, or None when it keeps it (None itself is not judged here)."""
        if isinstance(value, bool) or not isinstance(value, int):
            return LocalizedText(N_("expected a whole number, got %(value)s"), value=shown_value(value))
        if (self.low is not None and value < self.low) or (self.high is not None and value > self.high):
            return LocalizedText(N_("must be %(range)s, got %(value)s"), range=self.describe(), value=value)
        return None

    def describe(self) -> LocalizedText:
        if self.high is None:
            return LocalizedText(N_("%(low)s or more"), low=self.low)
        if self.low is None:
            return LocalizedText(N_("%(high)s or less"), high=self.high)
        return LocalizedText(N_("%(low)s-%(high)s"), low=self.low, high=self.high)

    def sql(self, column: str) -> str | None:
        parts = []
        if self.low is not None:
            parts.append(f"{column} >= {self.low}")
        if self.high is not None:
            parts.append(f"{column} <= {self.high}")
        return " AND ".join(parts)


@dataclass(frozen=True)
class OneOf:
    """One of a few fixed strings."""

    values: tuple[str, ...]

    def problem(self, value: object) -> LocalizedText | None:
        if value not in self.values:
            return LocalizedText(
                N_("must be one of %(values)s, got %(value)s"),
                values=", ".join(self.values),
                value=shown_value(value),
            )
        return None

    def sql(self, column: str) -> str | None:
        return f"{column} IN ({', '.join(repr(v) for v in self.values)})"


@dataclass(frozen=True)
class TimeZoneName:
    """An IANA time zone name this system knows.  Too many names for a CHECK constraint."""

    def problem(self, value: object) -> LocalizedText | None:
        if not isinstance(value, str) or not is_known_timezone(value):
            return LocalizedText(N_("unknown time zone %(value)s"), value=shown_value(value))
        return None

    def sql(self, column: str) -> str | None:
        return None


Rule = Range | OneOf | TimeZoneName

EASE = Range(MIN_EASE_HUNDREDTHS, None)
INTERVAL = Range(0, MAX_INTERVAL_DAYS)
COUNT = Range(0, None)
GRADE = Range(MIN_GRADE, MAX_GRADE)

# Per table and column.  A nullable column may also hold NULL; the rule judges the other values.
COLUMN_RULES: Mapping[str, Mapping[str, Rule]] = {
    "users": {
        "timezone": TimeZoneName(),
        "new_cards_per_day": Range(0, MAX_NEW_CARDS_PER_DAY),
        "reviews_per_day": Range(0, MAX_REVIEWS_PER_DAY),
        "day_starts_at_hour": Range(FIRST_HOUR, LAST_HOUR),
        "locale": OneOf(LOCALES),
    },
    "topics": {"position": COUNT},
    "cards": {"kind": OneOf(CARD_KINDS), "line": COUNT, "position": COUNT, "note_kind": OneOf(CARD_KINDS)},
    "review_states": {
        "repetitions": COUNT,
        "ease_hundredths": EASE,
        "interval_days": INTERVAL,
        "lapses": COUNT,
    },
    "review_log": {
        "grade": GRADE,
        "repetitions_before": COUNT,
        "ease_hundredths_before": EASE,
        "interval_days_before": INTERVAL,
        "lapses_before": COUNT,
        "repetitions_after": COUNT,
        "ease_hundredths_after": EASE,
        "interval_days_after": INTERVAL,
    },
    "anki_exports": {"timestamp": COUNT, "note_count": COUNT},
}


def column_rule(table: str, column: str) -> Rule | None:
    """The rule for ``table.column``, if it has one."""
    return COLUMN_RULES.get(table, {}).get(column)


# --- rules across the values of one row ------------------------------------------------------


@dataclass(frozen=True)
class RowRule:
    """A rule tying columns of one row together."""

    name: str
    columns: tuple[str, ...]
    sql: str
    holds: Callable[[Mapping[str, object]], bool]
    message: LocalizedText


def _whole(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"expected a whole number, got {value!r}")
    return value


def _interval_after_passes(repetitions: str, interval: str) -> RowRule:
    # SM-2's state rule (spec rule 14, ``quiz.sm2``): two passes in a row mean an interval of a day or more.
    return RowRule(
        name=f"{interval}_after_passes",
        columns=(repetitions, interval),
        sql=f"{repetitions} < 2 OR {interval} >= 1",
        holds=lambda row: _whole(row[repetitions]) < 2 or _whole(row[interval]) >= 1,
        message=LocalizedText(
            N_("%(interval)s must be 1 or more once %(repetitions)s is 2 or more"),
            interval=interval,
            repetitions=repetitions,
        ),
    )


ROW_RULES: Mapping[str, tuple[RowRule, ...]] = {
    "review_states": (_interval_after_passes("repetitions", "interval_days"),),
    "review_log": (
        _interval_after_passes("repetitions_before", "interval_days_before"),
        _interval_after_passes("repetitions_after", "interval_days_after"),
    ),
}


def row_problem(table: str, row: Mapping[str, object]) -> tuple[str, LocalizedText] | None:
    """The first row rule of ``table`` that ``row`` breaks, as (column, why), or None."""
    for rule in ROW_RULES.get(table, ()):
        if all(row.get(c) is not None for c in rule.columns) and not rule.holds(row):
            return rule.columns[-1], rule.message
    return None


def check_constraints(table: str) -> list[tuple[str, str]]:
    """The CHECK constraints of ``table`` as (name, SQL condition): every rule SQL can state.

    A nullable column's condition lets NULL through (SQL's CHECK passes on NULL).
    """
    found = []
    for column, rule in COLUMN_RULES.get(table, {}).items():
        condition = rule.sql(column)
        if condition:
            found.append((column, condition))
    found += [(rule.name, rule.sql) for rule in ROW_RULES.get(table, ())]
    return found


# --- images kept with a deck (``quiz.media``, ``quiz.store.media``) --------------------------

MAX_MEDIA_FILE_BYTES = 5 * 1024 * 1024
"""The largest image kept: 5 MB (a screenshot is well under; a photo straight from a camera may not be)."""

MAX_DECK_MEDIA_BYTES = 50 * 1024 * 1024
"""All the images of one deck together: 50 MB."""

MAX_DECK_MEDIA_FILES = 500
"""Images per deck."""

MAX_MEDIA_NAME_CHARS = 255
"""The longest image reference kept (the column's length)."""


# --- Anki packages read for an import (``quiz.anki_package``) ---------------------------------

MAX_ANKI_COLLECTION_BYTES = 512 * 1024 * 1024
"""The largest collection (the SQLite file, after decompression) read from an Anki package."""

MAX_ANKI_UNPACKED_BYTES = 1024 * 1024 * 1024
"""Everything decompressed from one package together (collection and media): a zip or zstd bomb stops here."""

MAX_ANKI_MEDIA_FILE_BYTES = MAX_MEDIA_FILE_BYTES
"""A media file larger than this is left out of what the package gives (Wengu would not keep it)."""

MAX_ANKI_MEDIA_FILES = 20_000
"""Media files one package may list."""

MAX_ANKI_NOTES = 100_000
MAX_ANKI_CARDS = 200_000
MAX_ANKI_REVLOG = 1_000_000
"""Notes, cards and review-log rows one package may hold: a collection beyond them is refused."""

MAX_ANKI_NOTE_TYPES = 1_000
MAX_ANKI_DECKS = 10_000
"""Note types and decks one package may hold."""
