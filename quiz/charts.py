"""Small, accessible charts for the progress pages, rendered as inline SVG strings.

Pure and dependency-free (standard library only): no Flask, no database, no
JavaScript, nothing fetched from a CDN, so the charts work offline and in tests.

Every word a chart shows comes in through :class:`ChartLabels`, already
translated by the caller, with the functions that write its dates and counts
(the web layer passes Babel's, in the user's locale, and ngettext's plurals);
all of it is XML-escaped here, as are topic names.  Each chart is
``<svg role="img">`` with a ``<title>`` and a ``<desc>``; every data element
(day cell, bar, point, dot) carries its own ``<title>`` as a tooltip.  The SVG
has ``width="100%"`` and a ``viewBox``, so it scales to its container; the
fixed-size charts are laid out 360 units wide to read 1:1 on a 375 px phone
(the heatmap is wider: 26 ``weeks`` read 1:1 on a phone, a year needs a wide
screen).  Text is measured (estimated) so that no label runs past the chart.  Colours are set
both as CSS classes (``wg-…``, for the page stylesheet to override) and as
``fill``/``stroke`` attributes, so a chart looks right without any CSS.
Output is deterministic: the same input gives the same string, ids included.
"""

from __future__ import annotations

import hashlib
import math
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from html import escape

__all__ = [
    "DEFAULT_LABELS",
    "ChartLabels",
    "HistoryPoint",
    "card_history_svg",
    "forecast_svg",
    "heatmap_svg",
    "retention_svg",
]

FONT_FAMILY = "system-ui, 'PingFang SC', 'Noto Sans CJK SC', 'Microsoft YaHei', sans-serif"
WIDTH = 360  # viewBox width of the fixed-size charts: 1:1 on a 375 px phone

HEAT_COLORS = ("#ebedf0", "#9be9a8", "#40c463", "#30a14e", "#216e39")  # level 0 (no reviews) .. 4
BAR_COLOR = "#4e79a7"
TODAY_COLOR = "#f28e2b"
GRID_COLOR = "#e3e0d8"
AXIS_COLOR = "#5d6b78"
TEXT_COLOR = "#333333"
INTERVAL_COLOR = "#4e79a7"
GRADE_COLORS = {"low": "#c62828", "mid": "#e0a100", "high": "#2e8b57"}
SERIES_COLORS = ("#4e79a7", "#f28e2b", "#e15759", "#59a14f", "#b07aa1", "#76b7b2", "#9c755f", "#edc948")
LEGEND_NAME_CHARS = 16


def _iso_date(day: date) -> str:
    """The default tooltip date: ISO ``2026-03-11``."""
    return day.isoformat()


def _month_slash_day(day: date) -> str:
    """The default axis date: ``3/11``."""
    return f"{day.month}/{day.day}"


def _counter(singular: str, plural: str) -> Callable[[int, str], str]:
    """An English count: ``count(n, shown)`` is ``"{shown} {singular}"`` when n is 1, else ``plural``."""

    def count(n: int, shown: str) -> str:
        return f"{shown} {singular if n == 1 else plural}"

    return count


@dataclass(frozen=True)
class ChartLabels:
    """Every word a chart shows, and how it writes dates and counts; the caller passes them translated.

    Dates and counts are functions, so the caller can format them in the user's locale (with
    Babel) and choose plural forms (with ngettext); the defaults are plain English and ISO dates.
    """

    reviews: str = "reviews"  # the heatmap's title
    due: str = "due"  # the forecast's title
    retention: str = "retention"
    interval_days: str = "interval (days)"
    grade: str = "grade"
    no_data: str = "No data yet"
    weekdays: tuple[str, ...] = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
    months: tuple[str, ...] = (
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    )  # fmt: skip
    date_format: Callable[[date], str] = _iso_date  # tooltip dates, e.g. "Mar 11, 2026", "2026年3月11日"
    short_date_format: Callable[[date], str] = _month_slash_day  # axis dates, where space is short
    # Counts: (n, n as shown) -> "1 review", "12 reviews", "1–3 reviews" (a range takes its top's plural).
    count_reviews: Callable[[int, str], str] = _counter("review", "reviews")
    count_due: Callable[[int, str], str] = _counter("due", "due")
    drill: str = "drill"  # marks a same-day drill grade in the card history tooltips

    def __post_init__(self) -> None:
        """Reject weekday and month tuples of the wrong length."""
        if len(self.weekdays) != 7:
            raise ValueError(f"weekdays needs 7 labels (Mon..Sun), got {len(self.weekdays)}")
        if len(self.months) != 12:
            raise ValueError(f"months needs 12 labels (Jan..Dec), got {len(self.months)}")

    def format_date(self, day: date, short: bool = False) -> str:
        """``day`` written by ``date_format`` (or ``short_date_format``), unescaped."""
        return self.short_date_format(day) if short else self.date_format(day)


DEFAULT_LABELS = ChartLabels()


@dataclass(frozen=True)
class HistoryPoint:
    """One review of a card: its day, grade (0..5), the interval after it, and whether it was a drill."""

    day: date
    grade: int  # 0..5
    interval_days: int  # the interval after this review
    drill: bool  # a same-day drill grade (changes no interval): drawn smaller and hollow


# --- helpers ---------------------------------------------------------------------------------------


def _esc(text: object) -> str:
    """XML-escape text for an element body or a double-quoted attribute."""
    return escape(str(text), quote=True)


def _num(value: float) -> str:
    """A coordinate with at most two decimals and no trailing zeros."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _text_width(text: str, size: float) -> float:
    """Estimated rendered width of ``text`` at font ``size``: CJK glyphs are 1 em, others ~0.65 em."""
    return sum(1.0 if unicodedata.east_asian_width(ch) in "WF" else 0.65 for ch in text) * size


def _truncate(text: str, limit: int = LEGEND_NAME_CHARS) -> str:
    """Shorten ``text`` to ``limit`` characters, ending with "…" when cut."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _text(
    x: float,
    y: float,
    content: str,
    cls: str,
    size: float = 10,
    anchor: str = "start",
    fill: str = TEXT_COLOR,
    data_date: date | None = None,
) -> str:
    """A ``<text>`` element; ``content`` is escaped here.  ``data_date``: the day it labels (an attribute)."""
    data = f' data-date="{data_date.isoformat()}"' if data_date is not None else ""
    return (
        f'<text class="{cls}"{data} x="{_num(x)}" y="{_num(y)}" font-size="{_num(size)}" '
        f'text-anchor="{anchor}" fill="{fill}">{_esc(content)}</text>'
    )


def _svg(kind: str, width: float, height: float, title: str, desc: str, body: Sequence[str]) -> str:
    """Wrap ``body`` in the accessible ``<svg>`` root with its ``<title>`` and ``<desc>``."""
    content = "".join(body)
    digest = hashlib.sha1(f"{kind}\0{title}\0{desc}\0{content}".encode()).hexdigest()[:10]
    ident = f"wg-{kind}-{digest}"
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="wg-chart wg-{kind}" width="100%" '
        f'viewBox="0 0 {_num(width)} {_num(height)}" role="img" '
        f'aria-labelledby="{ident}-title" aria-describedby="{ident}-desc" '
        f'font-family="{FONT_FAMILY}" font-size="10">'
        f'<title id="{ident}-title">{_esc(title)}</title><desc id="{ident}-desc">{_esc(desc)}</desc>'
        f"{content}</svg>"
    )


def _no_data(kind: str, title: str, labels: ChartLabels) -> str:
    """A small chart that only says ``labels.no_data``."""
    body = [_text(WIDTH / 2, 34, labels.no_data, "wg-nodata", size=13, anchor="middle")]
    return _svg(kind, WIDTH, 60, title, labels.no_data, body)


def _nice_ticks(top_value: int) -> list[int]:
    """Two to four round axis ticks from 0 up to at least ``top_value`` (steps of 1, 2 or 5 × 10^k)."""
    top_value = max(top_value, 1)
    magnitude = 1
    while True:
        for factor in (1, 2, 5):
            step = factor * magnitude
            count = -(-top_value // step)
            if count <= 3:
                return [step * i for i in range(count + 1)]
        magnitude *= 10


def _hline(x1: float, x2: float, y: float, cls: str = "wg-grid", color: str = GRID_COLOR) -> str:
    """A horizontal line (grid line or axis)."""
    return (
        f'<line class="{cls}" x1="{_num(x1)}" y1="{_num(y)}" x2="{_num(x2)}" y2="{_num(y)}" '
        f'stroke="{color}" stroke-width="1"/>'
    )


# --- heatmap ---------------------------------------------------------------------------------------

CELL = 10
PITCH = 12


def _heat_level(count: int, most: int) -> int:
    """Colour level of a day: 0 for no reviews, else 1..4 by quarters of the busiest day."""
    if count <= 0 or most <= 0:
        return 0
    return min(4, max(1, -(-4 * count // most)))


def heatmap_svg(
    counts: Mapping[date, int], end: date, labels: ChartLabels = DEFAULT_LABELS, weeks: int = 53
) -> str:
    """A calendar heatmap of reviews per day for the ``weeks`` weeks (Mon..Sun columns) ending at ``end``."""
    if weeks < 1:
        raise ValueError(f"weeks must be at least 1, got {weeks}")
    start = end - timedelta(days=end.weekday() + 7 * (weeks - 1))
    days = [start + timedelta(days=i) for i in range((end - start).days + 1)]
    values = [max(0, int(counts.get(day, 0))) for day in days]
    most = max(values)
    title = labels.reviews
    if most == 0:
        return _no_data("heatmap", title, labels)

    shown = [labels.weekdays[0], labels.weekdays[2], labels.weekdays[4]]
    left = max(_text_width(text, 9) for text in shown) + 8
    top = 16
    grid_right = left + weeks * PITCH + 4
    width = grid_right
    grid_bottom = top + 7 * PITCH
    height = grid_bottom + 22
    body: list[str] = []

    for row, text in zip((0, 2, 4), shown, strict=True):
        body.append(_text(left - 4, top + row * PITCH + CELL - 1, text, "wg-axis", size=9, anchor="end"))

    candidates: list[tuple[int, str]] = []
    for column in range(weeks):
        monday = start + timedelta(days=7 * column)
        firsts = [monday + timedelta(days=i) for i in range(7)]
        firsts = [day for day in firsts if day.day == 1 and day <= end]
        if firsts:
            candidates.append((column, labels.months[firsts[0].month - 1]))
        elif column == 0:
            candidates.append((0, labels.months[monday.month - 1]))
    if len(candidates) > 1 and candidates[0][0] == 0 and candidates[1][0] != 0:
        # The first column's month is partial: keep its label only if it fits before the next one.
        if candidates[1][0] * PITCH < _text_width(candidates[0][1], 9) + 8:
            candidates.pop(0)
    label_end = -math.inf
    for column, text in candidates:
        x = left + column * PITCH
        if x >= label_end + 6:
            body.append(_text(x, top - 5, text, "wg-axis wg-month", size=9))
            label_end = x + _text_width(text, 9)
    # A month that starts in the last weeks has its label run past the grid: widen the chart to hold it.
    width = max(width, label_end + 2)

    for index, (day, count) in enumerate(zip(days, values, strict=True)):
        column, row = divmod(index, 7)
        level = _heat_level(count, most)
        tip = f"{labels.format_date(day)}: {labels.count_reviews(count, str(count))}"
        body.append(
            f'<rect class="wg-day wg-level-{level}" x="{_num(left + column * PITCH)}" '
            f'y="{_num(top + row * PITCH)}" width="{CELL}" height="{CELL}" rx="2" '
            f'fill="{HEAT_COLORS[level]}" data-date="{day.isoformat()}" data-count="{count}">'
            f"<title>{_esc(tip)}</title></rect>"
        )

    # Legend: "0 ▢▢▢▢▢ max", each swatch titled with the counts it stands for.
    legend_y = grid_bottom + 8
    max_text = str(most)
    legend_right = grid_right - 4 - _text_width(max_text, 9) - 4
    x0 = legend_right - 5 * PITCH
    body.append(_text(x0 - 4, legend_y + CELL - 1, "0", "wg-axis wg-legend", size=9, anchor="end"))
    for level in range(5):
        if level == 0:
            span, high = "0", 0
        else:
            low, high = most * (level - 1) // 4 + 1, most * level // 4
            span = "" if low > high else (str(low) if low == high else f"{low}–{high}")
        tip = f"<title>{_esc(labels.count_reviews(high, span))}</title>" if span else ""
        body.append(
            f'<rect class="wg-legend-swatch wg-level-{level}" x="{_num(x0 + level * PITCH)}" '
            f'y="{_num(legend_y)}" width="{CELL}" height="{CELL}" rx="2" '
            f'fill="{HEAT_COLORS[level]}">{tip}</rect>'
        )
    body.append(_text(legend_right + 4, legend_y + CELL - 1, max_text, "wg-axis wg-legend", size=9))

    total = sum(values)
    desc = (
        f"{labels.format_date(start)} – {labels.format_date(end)}: {labels.count_reviews(total, str(total))}"
    )
    return _svg("heatmap", width, height, title, desc, body)


# --- forecast --------------------------------------------------------------------------------------


def forecast_svg(due_per_day: Sequence[int], start: date, labels: ChartLabels = DEFAULT_LABELS) -> str:
    """A bar chart of the cards due on each day from ``start`` (day 0 = today) on.

    Every seventh day (or 14th, 21st, … when the bars are narrow) has its date centred under its
    bar, with a tick; the margins leave room for half a label on either side, so the first and the
    last label are never cut off, whatever the language.
    """
    title = labels.due
    if not due_per_day:
        return _no_data("forecast", title, labels)
    values = [max(0, int(v)) for v in due_per_day]
    ticks = _nice_ticks(max(values))
    top_value = ticks[-1]
    labelled = [start + timedelta(days=i) for i in range(0, len(values), 7)]
    half_label = max(_text_width(labels.format_date(day, short=True), 9) for day in labelled) / 2

    height = 180
    top, bottom = 10, height - 22
    left = max(max(_text_width(str(t), 9) for t in ticks) + 8, half_label + 2)
    right = WIDTH - max(8, half_label + 2)
    plot_h = bottom - top
    pitch = (right - left) / len(values)
    bar_w = pitch * 0.8 if pitch > 2 else pitch
    body: list[str] = []

    for tick in ticks:
        y = bottom - tick / top_value * plot_h
        body.append(_hline(left, right, y))
        body.append(_text(left - 4, y + 3, str(tick), "wg-axis", size=9, anchor="end"))

    for i, count in enumerate(values):
        day = start + timedelta(days=i)
        h = count / top_value * plot_h
        x = left + i * pitch + (pitch - bar_w) / 2
        today = i == 0
        cls = "wg-bar wg-today" if today else "wg-bar"
        tip = f"{labels.format_date(day)}: {labels.count_due(count, str(count))}"
        body.append(
            f'<rect class="{cls}" x="{_num(x)}" y="{_num(bottom - h)}" width="{_num(bar_w)}" '
            f'height="{_num(h)}" fill="{TODAY_COLOR if today else BAR_COLOR}" '
            f'data-date="{day.isoformat()}" data-count="{count}"><title>{_esc(tip)}</title></rect>'
        )
    body.append(_hline(left, right, bottom, "wg-axis-line", AXIS_COLOR))

    every = 7
    while every * pitch < 2 * half_label + 4:
        every += 7
    for i in range(0, len(values), every):
        day = start + timedelta(days=i)
        centre = left + (i + 0.5) * pitch
        body.append(
            f'<line class="wg-date-tick" x1="{_num(centre)}" y1="{_num(bottom)}" x2="{_num(centre)}" '
            f'y2="{_num(bottom + 3)}" stroke="{AXIS_COLOR}" stroke-width="1"/>'
        )
        text = labels.format_date(day, short=True)
        body.append(_text(centre, bottom + 13, text, "wg-axis wg-date", 9, "middle", data_date=day))

    last = start + timedelta(days=len(values) - 1)
    total = sum(values)
    desc = f"{labels.format_date(start)} – {labels.format_date(last)}: {labels.count_due(total, str(total))}"
    return _svg("forecast", WIDTH, height, title, desc, body)


# --- retention -------------------------------------------------------------------------------------


def _ratio(value: float | None) -> float | None:
    """A retention clamped to 0..1, or None for a missing (or NaN) value."""
    if value is None or math.isnan(value):
        return None
    return min(1.0, max(0.0, float(value)))


DOT_RADIUS = 2.5
DOT_SPREAD = 2 * DOT_RADIUS + 1  # centre to centre: dots closer than this on one day would cover each other


def _spread_dots(
    places: Mapping[tuple[int, date], tuple[float, float]], left: float, right: float
) -> dict[tuple[int, date], tuple[float, int]]:
    """Where each dot goes so that none hides another: (x, how many dots share its place).

    ``places`` maps (series, day) to the dot's (x, y).  Dots of one day whose heights lie
    within ``DOT_SPREAD`` of each other (equal values above all) form a group, set side by
    side ``DOT_SPREAD`` apart around their day, in series order, and kept inside the plot.
    """
    by_day: dict[date, list[tuple[float, int]]] = {}
    for (index, day), (_x, y) in places.items():
        by_day.setdefault(day, []).append((y, index))
    spread: dict[tuple[int, date], tuple[float, int]] = {}
    for day, dots in by_day.items():
        dots.sort()
        groups: list[list[tuple[float, int]]] = [[dots[0]]]
        for dot in dots[1:]:
            if dot[0] - groups[-1][-1][0] < DOT_SPREAD:
                groups[-1].append(dot)
            else:
                groups.append([dot])
        for group in groups:
            x = places[(group[0][1], day)][0]
            width = (len(group) - 1) * DOT_SPREAD
            first = min(max(x - width / 2, left), max(left, right - width))
            for slot, index in enumerate(sorted(index for _y, index in group)):
                spread[(index, day)] = (first + slot * DOT_SPREAD, len(group))
    return spread


def retention_svg(
    series: Mapping[str, Sequence[tuple[date, float | None]]], labels: ChartLabels = DEFAULT_LABELS
) -> str:
    """Retention (0..1) over time, one line per topic, with gaps where a value is None.

    Dots that would cover each other (two topics with the same retention in a week) are set side
    by side and marked ``wg-shared``, so every topic's dot stays visible and has its tooltip.
    """
    title = labels.retention
    cleaned = {
        name: sorted(((day, _ratio(v)) for day, v in points), key=lambda point: point[0])
        for name, points in series.items()
    }
    all_days = [day for points in cleaned.values() for day, v in points if v is not None]
    if not all_days:
        return _no_data("retention", title, labels)
    first, last = min(all_days), max(all_days)

    top, plot_h = 10, 140
    bottom = top + plot_h
    left = _text_width("100%", 9) + 8
    right = WIDTH - 12
    span = (last - first).days

    def x_of(day: date) -> float:
        return (left + right) / 2 if span == 0 else left + (day - first).days / span * (right - left)

    def y_of(value: float) -> float:
        return bottom - value * plot_h

    body: list[str] = []
    for pct in (0, 25, 50, 75, 100):
        y = y_of(pct / 100)
        body.append(_hline(left, right, y))
        body.append(_text(left - 4, y + 3, f"{pct}%", "wg-axis", size=9, anchor="end"))
    body.append(_text(left, bottom + 13, labels.format_date(first, short=True), "wg-axis wg-date", size=9))
    if span:
        text = labels.format_date(last, short=True)
        body.append(_text(right, bottom + 13, text, "wg-axis wg-date", size=9, anchor="end"))

    places = {
        (index, day): (x_of(day), y_of(value))
        for index, points in enumerate(cleaned.values())
        for day, value in points
        if value is not None
    }
    spread = _spread_dots(places, left, right)

    legend: list[str] = []
    legend_x, legend_y = left, bottom + 30
    for index, (name, points) in enumerate(cleaned.items()):
        color = SERIES_COLORS[index % len(SERIES_COLORS)]
        dash = (
            f' stroke-dasharray="{4 + 2 * (index // len(SERIES_COLORS))} 3"'
            if index >= len(SERIES_COLORS)
            else ""
        )
        runs: list[list[tuple[float, float]]] = [[]]
        dots: list[str] = []
        for day, value in points:
            if value is None:
                if runs[-1]:
                    runs.append([])
                continue
            y = places[(index, day)][1]
            x, sharing = spread[(index, day)]
            runs[-1].append((x, y))
            tip = f"{name}, {labels.format_date(day)}: {round(value * 100)}% {labels.retention}"
            cls, shared = (
                ("wg-point wg-shared", f' data-shared="{sharing}"') if sharing > 1 else ("wg-point", "")
            )
            dots.append(
                f'<circle class="{cls}" cx="{_num(x)}" cy="{_num(y)}" r="{DOT_RADIUS}" fill="{color}" '
                f'data-date="{day.isoformat()}" data-value="{_num(value)}"{shared}>'
                f"<title>{_esc(tip)}</title></circle>"
            )
        lines = [
            f'<polyline class="wg-line" fill="none" stroke="{color}" stroke-width="2"{dash} '
            f'points="{" ".join(f"{_num(x)},{_num(y)}" for x, y in run)}"/>'
            for run in runs
            if len(run) > 1
        ]
        body.append(
            f'<g class="wg-series wg-series-{index}" data-series="{_esc(name)}"><title>{_esc(name)}</title>'
            f"{''.join(lines)}{''.join(dots)}</g>"
        )

        short = _truncate(name)
        entry_w = 16 + _text_width(short, 10) + 12
        if legend_x > left and legend_x + entry_w > WIDTH - 4:
            legend_x, legend_y = left, legend_y + 16
        legend.append(
            f'<g class="wg-legend-entry"><title>{_esc(name)}</title>'
            f'<line x1="{_num(legend_x)}" y1="{_num(legend_y - 4)}" x2="{_num(legend_x + 12)}" '
            f'y2="{_num(legend_y - 4)}" stroke="{color}" stroke-width="3"{dash}/>'
            f"{_text(legend_x + 16, legend_y, short, 'wg-legend')}</g>"
        )
        legend_x += entry_w
    body.extend(legend)

    names = ", ".join(cleaned)
    desc = f"{names}: {labels.format_date(first)} – {labels.format_date(last)}"
    return _svg("retention", WIDTH, legend_y + 10, title, desc, body)


# --- card history ----------------------------------------------------------------------------------


def _grade_band(grade: int) -> str:
    """The colour band of a grade: low (0-2), mid (3) or high (4-5)."""
    return "low" if grade <= 2 else "mid" if grade == 3 else "high"


def _interval_ticks(top_value: int) -> list[int]:
    """0 and up to three powers of ten no larger than ``top_value``, the largest always included."""
    exponents = list(range(int(math.log10(top_value)) + 1)) if top_value >= 1 else [0]
    stride = -(-len(exponents) // 3)
    chosen = exponents[::-1][::stride][::-1]
    return [0] + [10**e for e in chosen]


def card_history_svg(history: Sequence[HistoryPoint], labels: ChartLabels = DEFAULT_LABELS) -> str:
    """One card's reviews: grades as coloured dots (0..5) and the interval as a step line (log scale)."""
    title = f"{labels.grade} / {labels.interval_days}"
    if not history:
        return _no_data("history", title, labels)
    grades = [min(5, max(0, int(p.grade))) for p in history]
    intervals = [max(0, int(p.interval_days)) for p in history]
    top_interval = max(1, max(intervals))
    interval_ticks = _interval_ticks(top_interval)

    height = 190
    top, bottom = 22, height - 22
    plot_h = bottom - top
    left = _text_width("5", 9) + 10
    right = WIDTH - max(_text_width(str(t), 9) for t in interval_ticks) - 10
    pitch = (right - left) / len(history)
    log_top = math.log1p(top_interval)

    def x_of(i: int) -> float:
        return left + (i + 0.5) * pitch

    def grade_y(grade: int) -> float:
        return bottom - grade / 5 * plot_h

    def interval_y(days: int) -> float:
        return bottom - math.log1p(days) / log_top * plot_h

    body: list[str] = [
        _text(left - 6, top - 10, labels.grade, "wg-axis wg-axis-title", size=9),
        _text(
            WIDTH - 4,
            top - 10,
            labels.interval_days,
            "wg-axis wg-axis-title",
            size=9,
            anchor="end",
            fill=INTERVAL_COLOR,
        ),
    ]
    for grade in range(6):
        y = grade_y(grade)
        body.append(_hline(left, right, y))
        body.append(_text(left - 4, y + 3, str(grade), "wg-axis", size=9, anchor="end"))
    last_y = math.inf
    for tick in interval_ticks:
        if last_y - interval_y(tick) < 11:  # too close to the tick below it
            continue
        last_y = interval_y(tick)
        body.append(_text(right + 4, interval_y(tick) + 3, str(tick), "wg-axis wg-axis-right", size=9))

    half = pitch / 2
    path = [f"M{_num(x_of(0) - half)},{_num(interval_y(intervals[0]))}"]
    for i in range(1, len(history)):
        path.append(f"H{_num(x_of(i))}V{_num(interval_y(intervals[i]))}")
    path.append(f"H{_num(x_of(len(history) - 1) + half)}")
    body.append(
        f'<path class="wg-interval" d="{"".join(path)}" fill="none" stroke="{INTERVAL_COLOR}" '
        f'stroke-width="1.5" stroke-opacity="0.7"><title>{_esc(labels.interval_days)}</title></path>'
    )

    for i, (point, grade, interval) in enumerate(zip(history, grades, intervals, strict=True)):
        band = _grade_band(grade)
        color = GRADE_COLORS[band]
        tip = f"{labels.format_date(point.day)}: {labels.grade} {grade}, {labels.interval_days} {interval}"
        common = (
            f'cx="{_num(x_of(i))}" cy="{_num(grade_y(grade))}" '
            f'data-grade="{grade}" data-interval="{interval}"'
        )
        if point.drill:
            tip += f" ({labels.drill})"
            shape = f'class="wg-dot wg-drill wg-grade-{band}" {common} r="3" fill="#ffffff" stroke="{color}" '
            shape += 'stroke-width="1.5"'
        else:
            shape = f'class="wg-dot wg-grade-{band}" {common} r="4.5" fill="{color}"'
        body.append(f"<circle {shape}><title>{_esc(tip)}</title></circle>")

    body.append(
        _text(left, bottom + 14, labels.format_date(history[0].day, short=True), "wg-axis wg-date", size=9)
    )
    if len(history) > 1 and history[-1].day != history[0].day:
        text = labels.format_date(history[-1].day, short=True)
        body.append(_text(right, bottom + 14, text, "wg-axis wg-date", size=9, anchor="end"))

    desc = (
        f"{labels.count_reviews(len(history), str(len(history)))}: "
        f"{labels.format_date(history[0].day)} – {labels.format_date(history[-1].day)}"
    )
    return _svg("history", WIDTH, height, title, desc, body)
