"""The SM-2 scheduler, "SM-2 as published" (the team's SM-2 specification, §3).

Pure domain code: standard library only, no Flask, no database, and it never
reads the clock.  The caller passes the review day (the user's local calendar
day) to :func:`due_date`.

The algorithm is P.A. Wozniak's SM-2 (MSc thesis, 1990, §3.2) together with the
official SuperMemo 2 plug-in source.  A card is ``(n, EF, I)``: ``n`` passes in
a row, the E-Factor ``EF`` and the interval ``I`` in whole days.  A new card is
``(0, 2.5, 0)``.  For one scheduled review with grade ``q``:

- pass (``q >= 3``): ``I = 1`` if ``n == 0``, ``6`` if ``n == 1``, else
  ``ceil(I * EF)``; then ``n += 1``;
- fail (``q < 3``): ``n = 0``, ``I = 1``;
- always: ``EF = max(1.3, EF + 0.1 - (5 - q) * (0.08 + (5 - q) * 0.02))``.

The published text leaves seven questions open.  This module resolves them as
the spec does:

A1  EF on a fail: **updated**.  Rule 5 says "after each repetition"; rule 6's
    "without changing the E-Factor" is read as "without resetting it to 2.5".
    The official Delphi plug-in, PyPI ``supermemo2`` >= 1.0.2 (after asking
    SuperMemo support) and npm ``supermemo`` agree.
A2  EF for the interval: the value **before** this review's update.  Compute
    the interval, then update EF (Delphi plug-in and the majority).
A3  Rounding: **ceiling**, as the text says ("round it up to the nearest
    integer").  Most code rounds to nearest instead; ties such as
    58125 x 2.5 = 145312.5 give 145313 here for that reason.
A4  After a fail: ``n = 0``, ``I = 1`` (due tomorrow), and the next pass is a
    first repetition again, so the intervals go 1, 1, 6, then x EF.
A5  Same-day drill (rule 7): a card whose scheduled review got ``q <= 3`` is
    shown again the same day until it is graded ``>= 4`` (see
    :func:`needs_drill`).  Drill grades change nothing, so the caller must not
    pass them to :func:`review`.
A6  EF ceiling: **none**; only the 1.3 floor from rule 5.
A7  Floats: **never**.  EF is a :class:`~decimal.Decimal` and every step is
    computed exactly, so float drift cannot add a day
    (``math.ceil(140 * 3.0000000000000004) == 421``; the answer is 420).
    The arithmetic uses a private context with the maximum precision and the
    ``Inexact`` trap set, so even huge intervals or off-grid ease factors are
    never silently rounded.  A float ease given to :class:`Sm2State` is read
    by its ``repr`` (``2.345`` means ``Decimal("2.345")``), as the reference
    vectors do.

Also per the spec: grades outside the integers 0..5 are rejected, not clamped
(rule 1); there is no fuzz, lateness bonus or maximum interval (rules 10, 12);
an interval too large for :class:`datetime.date` gives ``date.max``
("never") rather than an error, and the interval itself is kept (rule 13); and
an impossible state makes :func:`review` raise ``ValueError`` (rule 14).

The app stores at most ``quiz.limits.MAX_INTERVAL_DAYS`` (100 years): the grade
path (``quiz.store.grading.review_card``) caps what :func:`review` returns with
``quiz.limits.cap_interval`` before it computes the due day, so stored
intervals and due days stay in range; this module itself stays SM-2 as published.
"""

from __future__ import annotations

import decimal
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from quiz import limits

__all__ = [
    "DRILL_PASS_GRADE",
    "MIN_EASE",
    "NEW_CARD",
    "PASSING_GRADE",
    "Sm2State",
    "due_date",
    "needs_drill",
    "review",
]

MIN_EASE = Decimal(limits.MIN_EASE_HUNDREDTHS) / 100
"""The E-Factor never goes below this (rule 5 of the text)."""

PASSING_GRADE = 3
"""A scheduled review graded at least this is a pass; below it, a fail."""

DRILL_PASS_GRADE = 4
"""A same-day drill ends once the card is graded at least this (rule 7)."""

_MIN_GRADE = limits.MIN_GRADE
_MAX_GRADE = limits.MAX_GRADE

# Exact arithmetic: additions and multiplications of finite decimals are always
# representable at MAX_PREC, and any rounding at all would raise (Inexact).
_EXACT = decimal.Context(
    prec=decimal.MAX_PREC,
    Emax=decimal.MAX_EMAX,
    Emin=decimal.MIN_EMIN,
    rounding=decimal.ROUND_CEILING,
    traps=[decimal.InvalidOperation, decimal.DivisionByZero, decimal.Overflow, decimal.Inexact],
)


def _to_decimal(value: object) -> Decimal:
    """Read an ease factor exactly: floats by their ``repr``, ints and strings directly."""
    if isinstance(value, Decimal):
        return value
    if isinstance(value, bool):
        raise TypeError(f"ease_factor must be a number, not {value!r}")
    if isinstance(value, float):
        return Decimal(repr(value))
    if isinstance(value, int | str):
        try:
            return Decimal(value)
        except decimal.InvalidOperation:
            raise ValueError(f"ease_factor is not a number: {value!r}") from None
    raise TypeError(f"ease_factor must be a Decimal, float, int or str, not {type(value).__name__}")


def _tidy(value: Decimal) -> Decimal:
    """Drop trailing fractional zeros (2.50 -> 2.5, 3.00 -> 3) without changing the value."""
    normal = value.normalize(_EXACT)
    if normal.as_tuple().exponent > 0:  # e.g. 1E+1: write it as an integer again
        normal = normal.quantize(Decimal(1), context=_EXACT)
    return normal


@dataclass(frozen=True)
class Sm2State:
    """The SM-2 scheduling state of one card.

    ``repetitions`` is n, the passes in a row since creation or the last fail;
    ``ease_factor`` is EF; ``interval_days`` is the last interval in whole days.
    A float, int or str ease factor is converted to an exact :class:`Decimal`
    (a float by its ``repr``, so ``2.345`` becomes ``Decimal("2.345")``).
    Validity (spec rule 14) is checked by :func:`review`.
    """

    repetitions: int
    ease_factor: Decimal
    interval_days: int

    def __post_init__(self) -> None:
        object.__setattr__(self, "ease_factor", _to_decimal(self.ease_factor))


NEW_CARD = Sm2State(repetitions=0, ease_factor=Decimal("2.5"), interval_days=0)
"""The state of a card that has never been reviewed."""


def _check_grade(grade: object) -> int:
    """Return ``grade`` if it is an int 0..5, else raise ValueError naming it."""
    if isinstance(grade, bool) or not isinstance(grade, int) or not _MIN_GRADE <= grade <= _MAX_GRADE:
        raise ValueError(f"invalid SM-2 grade {grade!r}: must be an integer from 0 to 5")
    return grade


def _is_count(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _check_state(state: Sm2State) -> None:
    """Raise ValueError unless ``state`` satisfies spec rule 14."""
    if not isinstance(state, Sm2State):
        raise TypeError(f"expected an Sm2State, not {type(state).__name__}")
    if not _is_count(state.repetitions):
        raise ValueError(f"invalid SM-2 state {state!r}: repetitions must be an int >= 0")
    if not _is_count(state.interval_days):
        raise ValueError(f"invalid SM-2 state {state!r}: interval_days must be an int >= 0")
    if state.repetitions >= 2 and state.interval_days < 1:
        raise ValueError(f"invalid SM-2 state {state!r}: interval_days must be >= 1 once repetitions >= 2")
    ease = state.ease_factor
    if not isinstance(ease, Decimal) or not ease.is_finite() or ease <= 0:
        raise ValueError(f"invalid SM-2 state {state!r}: ease_factor must be finite and > 0")


def _ease_after(ease: Decimal, grade: int) -> Decimal:
    """EF' = max(1.3, EF + 0.1 - (5-q)(0.08 + (5-q)0.02)), exactly; no ceiling."""
    miss = Decimal(_MAX_GRADE - grade)
    step = _EXACT.subtract(
        Decimal("0.1"),
        _EXACT.multiply(miss, _EXACT.add(Decimal("0.08"), _EXACT.multiply(miss, Decimal("0.02")))),
    )
    return _tidy(max(MIN_EASE, _EXACT.add(ease, step)))


def review(state: Sm2State, grade: int) -> Sm2State:
    """Apply one scheduled review graded ``grade`` (0..5) and return the new state.

    Only the first grade a card gets on or after its due day is a scheduled
    review; same-day drill grades (see :func:`needs_drill`) must not be passed
    here.  Raises ValueError for a grade that is not an int 0..5 or for an
    invalid state.
    """
    grade = _check_grade(grade)
    _check_state(state)
    old_ease = state.ease_factor
    if grade >= PASSING_GRADE:
        if state.repetitions == 0:
            interval = 1
        elif state.repetitions == 1:
            interval = 6
        else:
            product = _EXACT.multiply(Decimal(state.interval_days), old_ease)  # EF before the update
            interval = int(product.to_integral_value(rounding=decimal.ROUND_CEILING, context=_EXACT))
        repetitions = state.repetitions + 1
    else:
        repetitions = 0
        interval = 1
    return Sm2State(
        repetitions=repetitions,
        ease_factor=_ease_after(old_ease, grade),
        interval_days=interval,
    )


def due_date(review_day: date, interval_days: int) -> date:
    """The day a card reviewed on ``review_day`` is next due: ``review_day + interval_days``.

    If that is past the end of :class:`datetime.date`'s range the card is in
    effect never due, and ``date.max`` is returned (spec rule 13); this never
    raises for a large interval.  ``review_day`` must be a calendar date (the
    user's local day), not a datetime.
    """
    if isinstance(review_day, datetime) or not isinstance(review_day, date):
        raise TypeError(f"review_day must be a date (the user's local day), not {review_day!r}")
    if not _is_count(interval_days):
        raise ValueError(f"invalid interval {interval_days!r}: must be an int >= 0")
    try:
        return review_day + timedelta(days=interval_days)
    except OverflowError:
        return date.max


def needs_drill(grade: int) -> bool:
    """Whether a card graded ``grade`` must be shown again the same day (spec rule 11).

    True for 0..3, False for 4 and 5.  This holds both for a scheduled review
    and for a drill grade: drilling goes on until a grade of at least
    :data:`DRILL_PASS_GRADE`.  Raises ValueError for a grade that is not an
    int 0..5.
    """
    return _check_grade(grade) < DRILL_PASS_GRADE
