"""Tests for quiz.charts: inline SVG charts, parsed back with ElementTree."""

from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable
from datetime import date, timedelta

import pytest

from quiz import charts
from quiz.charts import ChartLabels, HistoryPoint, card_history_svg, forecast_svg, heatmap_svg, retention_svg

SVG = "{http://www.w3.org/2000/svg}"
END = date(2026, 3, 11)  # a Wednesday
ZH = ChartLabels(
    reviews="次复习",
    due="到期",
    retention="记忆保持率",
    interval_days="间隔（天）",
    grade="评分",
    no_data="暂无数据",
    weekdays=("周一", "周二", "周三", "周四", "周五", "周六", "周日"),
    months=tuple(f"{m}月" for m in range(1, 13)),
    date_format=lambda day: f"{day.year}年{day.month}月{day.day}日",
    short_date_format=lambda day: f"{day.month}月{day.day}日",
    count_reviews=lambda _n, shown: f"{shown} 次复习",
    count_due=lambda _n, shown: f"{shown} 张到期",
    drill="练习",
)
EVIL = ChartLabels(
    reviews="<script>alert(1)</script>",
    due="<script>alert(2)</script>",
    retention="<script>alert(3)</script>",
    interval_days="<script>alert(4)</script>",
    grade="<b onload='x'>&",
    no_data="<script>alert(5)</script>",
    weekdays=("<script>",) * 7,
    months=("<script>",) * 12,
    date_format=lambda day: f"<i>{day.year}</i>-{day.month}-{day.day}",
    short_date_format=lambda day: f"<i>{day.month}</i>",
    count_reviews=lambda _n, shown: f"{shown} <script>",
    count_due=lambda _n, shown: f"{shown} <script>",
    drill="<script>",
)


def parse(svg: str) -> ET.Element:
    """Parse an SVG string (failing the test if it is not well-formed XML)."""
    return ET.fromstring(svg)


def by_class(root: ET.Element, cls: str) -> list[ET.Element]:
    """All elements whose class list contains ``cls``, in document order."""
    return [el for el in root.iter() if cls in el.get("class", "").split()]


def title_of(el: ET.Element) -> str:
    """The text of an element's ``<title>`` child."""
    title = el.find(f"{SVG}title")
    assert title is not None, f"{el.tag} {el.attrib} has no <title>"
    return title.text or ""


def texts(root: ET.Element) -> list[str]:
    """The content of every ``<text>`` element."""
    return [el.text or "" for el in root.iter(f"{SVG}text")]


def view_box(root: ET.Element) -> tuple[float, float]:
    """Width and height from the viewBox."""
    x, y, w, h = (float(v) for v in root.get("viewBox", "").split())
    assert (x, y) == (0, 0)
    return w, h


def history(n: int = 6) -> list[HistoryPoint]:
    """A card history with rising intervals and one drill grade."""
    grades = [1, 3, 4, 5, 2, 4, 5, 0]
    return [
        HistoryPoint(
            day=END + timedelta(days=3 * i), grade=grades[i % len(grades)], interval_days=2**i, drill=i == 2
        )
        for i in range(n)
    ]


def sample_counts() -> dict[date, int]:
    """Reviews on some days before END."""
    return {END - timedelta(days=i): (i * 7) % 23 for i in range(400)}


# Each chart with data, with the given labels.
CHARTS: dict[str, Callable[[ChartLabels], str]] = {
    "heatmap": lambda labels: heatmap_svg(sample_counts(), END, labels),
    "forecast": lambda labels: forecast_svg([3, 0, 12, 5, 7] * 6, END, labels),
    "retention": lambda labels: retention_svg(
        {
            "Docker": [(END - timedelta(weeks=i), 0.1 * i if i != 3 else None) for i in range(8)],
            "<script>": [(END, 0.5)],
        },
        labels,
    ),
    "history": lambda labels: card_history_svg(history(), labels),
}
EMPTY: dict[str, Callable[[ChartLabels], str]] = {
    "heatmap": lambda labels: heatmap_svg({}, END, labels),
    "forecast": lambda labels: forecast_svg([], END, labels),
    "retention": lambda labels: retention_svg({}, labels),
    "history": lambda labels: card_history_svg([], labels),
}
DATA_CLASSES = {"heatmap": "wg-day", "forecast": "wg-bar", "retention": "wg-point", "history": "wg-dot"}


# --- every chart -----------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", list(CHARTS) + [f"empty-{k}" for k in EMPTY])
def test_svg_root_is_accessible_and_responsive(kind: str) -> None:
    make = EMPTY[kind.removeprefix("empty-")] if kind.startswith("empty-") else CHARTS[kind]
    root = parse(make(charts.DEFAULT_LABELS))
    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img"
    assert root.get("width") == "100%"
    assert root.get("height") is None
    assert "Noto Sans CJK SC" in root.get("font-family", "") and "PingFang SC" in root.get("font-family", "")
    title, desc = root[0], root[1]
    assert title.tag == f"{SVG}title" and title.text
    assert desc.tag == f"{SVG}desc" and desc.text
    assert root.get("aria-labelledby") == title.get("id")
    assert root.get("aria-describedby") == desc.get("id")
    width, _ = view_box(root)
    if kind != "heatmap":
        assert width <= 375


@pytest.mark.parametrize("kind", list(CHARTS))
def test_no_script_handlers_or_inline_styles(kind: str) -> None:
    root = parse(CHARTS[kind](charts.DEFAULT_LABELS))
    for el in root.iter():
        assert el.tag != f"{SVG}script"
        assert not [name for name in el.attrib if name.lower().startswith("on") or name == "style"], el.attrib


@pytest.mark.parametrize("kind", list(CHARTS))
def test_every_data_element_has_a_tooltip(kind: str) -> None:
    root = parse(CHARTS[kind](charts.DEFAULT_LABELS))
    elements = by_class(root, DATA_CLASSES[kind])
    assert elements
    for el in elements:
        assert title_of(el).strip()


@pytest.mark.parametrize("kind", list(CHARTS))
def test_deterministic(kind: str) -> None:
    assert CHARTS[kind](ZH) == CHARTS[kind](ZH)


def test_ids_differ_between_charts() -> None:
    ids = [parse(make(charts.DEFAULT_LABELS)).get("aria-labelledby") for make in CHARTS.values()]
    assert len(set(ids)) == len(ids)


@pytest.mark.parametrize("kind", list(CHARTS) + [f"empty-{k}" for k in EMPTY])
def test_hostile_labels_are_escaped(kind: str) -> None:
    make = EMPTY[kind.removeprefix("empty-")] if kind.startswith("empty-") else CHARTS[kind]
    svg = make(EVIL)
    root = parse(svg)
    tags = {el.tag for el in root.iter()}
    assert f"{SVG}script" not in tags and "script" not in tags
    assert f"{SVG}b" not in tags and f"{SVG}i" not in tags
    assert "<script" not in svg
    assert "&lt;script&gt;" in svg
    all_text = "".join(root.itertext())
    assert "<script>" in all_text  # shown literally, as text


@pytest.mark.parametrize("kind", list(CHARTS))
def test_chinese_labels_appear_unmangled(kind: str) -> None:
    svg = CHARTS[kind](ZH)
    root = parse(svg)
    all_text = "".join(root.itertext())
    expected = {"heatmap": "次复习", "forecast": "到期", "retention": "记忆保持率", "history": "评分"}[kind]
    assert expected in svg  # written as characters, not as entities
    assert expected in all_text
    assert "年" in all_text and "月" in all_text  # the zh date format is used


@pytest.mark.parametrize("kind", list(EMPTY))
def test_empty_input_says_no_data(kind: str) -> None:
    root = parse(EMPTY[kind](ZH))
    assert "暂无数据" in texts(root)
    assert not by_class(root, DATA_CLASSES[kind])


def test_chart_labels_reject_wrong_lengths() -> None:
    with pytest.raises(ValueError, match="weekdays"):
        ChartLabels(weekdays=("Mon",))
    with pytest.raises(ValueError, match="months"):
        ChartLabels(months=("Jan",) * 11)


# --- heatmap ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("offset", range(7))
@pytest.mark.parametrize("weeks", [1, 26, 53])
def test_heatmap_cell_count_excludes_future_days(offset: int, weeks: int) -> None:
    end = date(2026, 3, 9) + timedelta(days=offset)  # 2026-03-09 is a Monday
    root = parse(heatmap_svg({end: 1}, end, weeks=weeks))
    cells = by_class(root, "wg-day")
    assert len(cells) == weeks * 7 - (6 - end.weekday())
    dates = [date.fromisoformat(c.get("data-date", "")) for c in cells]
    assert dates[-1] == end
    assert dates[0].weekday() == 0
    assert dates == [dates[0] + timedelta(days=i) for i in range(len(dates))]


def test_heatmap_layout_columns_are_weeks_rows_are_weekdays() -> None:
    root = parse(heatmap_svg({END: 3}, END, weeks=4))
    cells = {c.get("data-date"): c for c in by_class(root, "wg-day")}
    monday = END - timedelta(days=END.weekday())
    same_row = [cells[(monday - timedelta(weeks=w)).isoformat()].get("y") for w in range(4)]
    assert len(set(same_row)) == 1
    same_column = {cells[(monday + timedelta(days=d)).isoformat()].get("x") for d in range(END.weekday() + 1)}
    assert len(same_column) == 1
    xs = [float(c.get("x", "")) for c in cells.values()]
    assert float(cells[END.isoformat()].get("x", "")) == max(xs)
    assert float(cells[END.isoformat()].get("y", "")) > float(cells[monday.isoformat()].get("y", ""))


def test_heatmap_levels_max_vs_zero() -> None:
    counts = {END: 40, END - timedelta(days=1): 10, END - timedelta(days=2): 0}
    root = parse(heatmap_svg(counts, END))
    cells = {c.get("data-date"): c for c in by_class(root, "wg-day")}
    top, low, zero = (cells[(END - timedelta(days=i)).isoformat()] for i in range(3))
    missing = cells[(END - timedelta(days=3)).isoformat()]
    assert "wg-level-4" in top.get("class", "")
    assert "wg-level-1" in low.get("class", "")
    assert "wg-level-0" in zero.get("class", "") and "wg-level-0" in missing.get("class", "")
    assert zero.get("fill") == missing.get("fill") == charts.HEAT_COLORS[0]
    assert top.get("fill") == charts.HEAT_COLORS[4]
    assert len({top.get("fill"), low.get("fill"), zero.get("fill")}) == 3
    assert len(set(charts.HEAT_COLORS)) == 5


def test_heatmap_levels_are_quarters_of_the_max() -> None:
    counts = {END - timedelta(days=i): n for i, n in enumerate([40, 31, 30, 21, 20, 11, 10, 1])}
    root = parse(heatmap_svg(counts, END))
    cells = {c.get("data-date"): c for c in by_class(root, "wg-day")}
    levels = [cells[(END - timedelta(days=i)).isoformat()].get("class", "").split()[-1] for i in range(8)]
    assert levels == [f"wg-level-{n}" for n in (4, 4, 3, 3, 2, 2, 1, 1)]


def test_heatmap_huge_day_and_one_review_are_distinct_levels() -> None:
    counts = {END: 10_000, END - timedelta(days=5): 1}
    root = parse(heatmap_svg(counts, END))
    cells = {c.get("data-date"): c for c in by_class(root, "wg-day")}
    assert "wg-level-4" in cells[END.isoformat()].get("class", "")
    assert "wg-level-1" in cells[(END - timedelta(days=5)).isoformat()].get("class", "")
    assert title_of(cells[END.isoformat()]) == "2026-03-11: 10000 reviews"


def test_heatmap_scales_to_the_max_inside_the_window() -> None:
    counts = {END: 8, END - timedelta(weeks=60): 1_000_000}  # the huge day is outside the 53 weeks
    root = parse(heatmap_svg(counts, END))
    cell = next(c for c in by_class(root, "wg-day") if c.get("data-date") == END.isoformat())
    assert "wg-level-4" in cell.get("class", "")


def test_heatmap_tooltips_show_date_and_count() -> None:
    day = date(2026, 3, 10)
    root = parse(heatmap_svg({day: 12}, END))
    tips = {c.get("data-date"): title_of(c) for c in by_class(root, "wg-day")}
    assert tips["2026-03-10"] == "2026-03-10: 12 reviews"
    assert tips["2026-03-09"] == "2026-03-09: 0 reviews"
    zh = parse(heatmap_svg({day: 12}, END, ZH))
    tips = {c.get("data-date"): title_of(c) for c in by_class(zh, "wg-day")}
    assert tips["2026-03-10"] == "2026年3月10日: 12 次复习"


def test_heatmap_axis_labels() -> None:
    root = parse(heatmap_svg(sample_counts(), END))
    months = [el.text for el in by_class(root, "wg-month")]
    assert months[-3:] == ["Jan", "Feb", "Mar"]
    assert len(months) >= 12
    weekday_texts = [t for t in texts(root) if t in charts.DEFAULT_LABELS.weekdays]
    assert weekday_texts == ["Mon", "Wed", "Fri"]
    zh = parse(heatmap_svg(sample_counts(), END, ZH))
    assert {"周一", "周三", "周五", "3月"} <= set(texts(zh))
    assert "周二" not in texts(zh)


def test_heatmap_month_labels_do_not_overlap() -> None:
    for weeks in (1, 2, 5, 26, 53):
        for offset in range(0, 31, 3):
            end = END + timedelta(days=offset)
            root = parse(heatmap_svg({end: 1}, end, weeks=weeks))
            xs = [float(el.get("x", "")) for el in by_class(root, "wg-month")]
            assert all(b - a >= 3 * charts.PITCH for a, b in zip(xs, xs[1:], strict=False)), (weeks, end, xs)


def test_heatmap_long_month_names_do_not_overlap() -> None:
    long_names = ChartLabels(months=tuple(f"Monthname{m:03d}" for m in range(1, 13)))  # 12 characters each
    root = parse(heatmap_svg(sample_counts(), END, long_names))
    months = by_class(root, "wg-month")
    xs = [float(el.get("x", "")) for el in months]
    assert len(xs) >= 4
    assert all(b - a >= 12 * 0.55 * 9 for a, b in zip(xs, xs[1:], strict=False)), xs


@pytest.mark.parametrize("labels", [charts.DEFAULT_LABELS, ZH], ids=["en", "zh"])
def test_heatmap_month_labels_are_not_cut_at_the_right_edge(labels: ChartLabels) -> None:
    for offset in range(0, 70):
        end = date(2025, 11, 20) + timedelta(days=offset)  # months starting in the last column included
        for weeks in (26, 53):
            root = parse(heatmap_svg({end: 1}, end, labels, weeks=weeks))
            width, _ = view_box(root)
            for el in by_class(root, "wg-month"):
                assert float(el.get("x", "")) + label_width(el.text or "") <= width, (end, weeks, el.text)


def test_heatmap_month_starting_in_the_last_week_keeps_its_label() -> None:
    end = date(2025, 12, 2)  # a Tuesday: December starts in the last column
    root = parse(heatmap_svg({end: 1}, end, ZH))
    months = by_class(root, "wg-month")
    assert months[-1].text == "12月"
    last_column = max(float(c.get("x", "")) for c in by_class(root, "wg-day"))
    assert float(months[-1].get("x", "")) == last_column


def test_heatmap_without_reviews_in_window_says_no_data() -> None:
    root = parse(heatmap_svg({END - timedelta(weeks=80): 5, END: 0}, END))
    assert "No data yet" in texts(root)


def test_heatmap_rejects_zero_weeks() -> None:
    with pytest.raises(ValueError):
        heatmap_svg({END: 1}, END, weeks=0)


# --- forecast --------------------------------------------------------------------------------------


def bars(root: ET.Element) -> list[ET.Element]:
    return by_class(root, "wg-bar")


def test_forecast_one_bar_per_day_with_proportional_heights() -> None:
    due = [4, 0, 12, 6, 3, 9, 1] * 4 + [2, 5]
    root = parse(forecast_svg(due, END))
    found = bars(root)
    assert len(found) == len(due)
    heights = [float(b.get("height", "")) for b in found]
    assert heights[1] == 0
    scale = heights[2] / 12
    for count, height in zip(due, heights, strict=True):
        assert height == pytest.approx(count * scale, abs=0.02)
    bottoms = {round(float(b.get("y", "")) + float(b.get("height", "")), 1) for b in found}
    assert len(bottoms) == 1  # all bars stand on the same baseline
    xs = [float(b.get("x", "")) for b in found]
    assert xs == sorted(xs)


def test_forecast_tooltips_and_today() -> None:
    root = parse(forecast_svg([5, 7, 0], END))
    found = bars(root)
    assert [title_of(b) for b in found] == ["2026-03-11: 5 due", "2026-03-12: 7 due", "2026-03-13: 0 due"]
    assert "wg-today" in found[0].get("class", "") and "wg-today" not in found[1].get("class", "")
    assert found[0].get("fill") != found[1].get("fill")


def y_ticks(root: ET.Element) -> list[int]:
    return [int(t) for t in texts(root) if t.isdigit()]


@pytest.mark.parametrize(
    ("top", "ticks"),
    [(12, [0, 5, 10, 15]), (30, [0, 10, 20, 30]), (1, [0, 1]), (3, [0, 1, 2, 3]), (10_000, [0, 5000, 10000])],
)
def test_forecast_nice_y_ticks(top: int, ticks: list[int]) -> None:
    root = parse(forecast_svg([top, 0], END, ChartLabels(short_date_format=lambda day: f"d{day.day}")))
    assert y_ticks(root) == ticks


def test_forecast_huge_value_fills_the_plot() -> None:
    root = parse(forecast_svg([10_000, 1, 0], END))
    _, height = view_box(root)
    big, small, _ = (float(b.get("height", "")) for b in bars(root))
    assert 0 < small < 0.1 < big < height
    assert small == pytest.approx(big / 10_000, abs=0.01)
    assert float(bars(root)[0].get("y", "")) >= 0


def test_forecast_x_labels_every_seven_days() -> None:
    root = parse(forecast_svg([1] * 30, END))
    dates = [el.text for el in by_class(root, "wg-date")]
    assert dates == ["3/11", "3/18", "3/25", "4/1", "4/8"]


def test_forecast_x_labels_thin_out_on_long_ranges() -> None:
    root = parse(forecast_svg([1] * 365, END, ZH))
    labels = by_class(root, "wg-date")
    xs = [float(el.get("x", "")) for el in labels]
    assert 3 <= len(labels) < 365 // 7
    assert all(b - a > 40 for a, b in zip(xs, xs[1:], strict=False))


def label_width(text: str, size: float = 9) -> float:
    """A generous estimate of a label's width: CJK glyphs 1 em, others 0.65 em (digits are ~0.55)."""
    return sum(1.0 if ord(ch) > 0x2E80 else 0.65 for ch in text) * size


@pytest.mark.parametrize("labels", [charts.DEFAULT_LABELS, ZH], ids=["en", "zh"])
def test_forecast_date_labels_sit_under_their_own_bar(labels: ChartLabels) -> None:
    root = parse(forecast_svg([3] * 30, END, labels))
    centres = {b.get("data-date"): float(b.get("x", "")) + float(b.get("width", "")) / 2 for b in bars(root)}
    dates = by_class(root, "wg-date")
    assert [el.get("data-date") for el in dates] == [
        (END + timedelta(days=i)).isoformat() for i in range(0, 30, 7)
    ]
    for el in dates:
        assert el.get("text-anchor") == "middle"
        assert float(el.get("x", "")) == pytest.approx(centres[el.get("data-date")], abs=0.01)
    ticks = [float(t.get("x1", "")) for t in by_class(root, "wg-date-tick")]
    assert ticks == pytest.approx([float(el.get("x", "")) for el in dates], abs=0.01)


@pytest.mark.parametrize("labels", [charts.DEFAULT_LABELS, ZH], ids=["en", "zh"])
def test_forecast_date_labels_stay_inside_the_chart_and_the_last_is_there(labels: ChartLabels) -> None:
    for days in range(22, 40):
        for start in (date(2026, 12, 3), date(2026, 3, 11), date(2026, 9, 27)):
            root = parse(forecast_svg([1] * days, start, labels))
            width, _ = view_box(root)
            found = by_class(root, "wg-date")
            for el in found:
                half = label_width(el.text or "") / 2
                assert 0 <= float(el.get("x", "")) - half and float(el.get("x", "")) + half <= width, (
                    days,
                    el.text,
                )
            offsets = [(date.fromisoformat(el.get("data-date", "")) - start).days for el in found]
            step = offsets[1] - offsets[0]
            assert offsets == list(range(0, days, step)), (days, start)  # none dropped, the last included


def test_forecast_zh_month_day_labels_all_shown_on_thirty_days() -> None:
    root = parse(forecast_svg([2] * 30, date(2026, 12, 3), ZH))
    assert [el.text for el in by_class(root, "wg-date")] == [
        "12月3日",
        "12月10日",
        "12月17日",
        "12月24日",
        "12月31日",
    ]


def test_forecast_single_day_and_all_zero() -> None:
    root = parse(forecast_svg([3], END))
    assert len(bars(root)) == 1 and float(bars(root)[0].get("height", "")) > 0
    root = parse(forecast_svg([0, 0, 0], END))
    assert [float(b.get("height", "")) for b in bars(root)] == [0, 0, 0]


# --- retention -------------------------------------------------------------------------------------


def weeks_from(start: date, values: list[float | None]) -> list[tuple[date, float | None]]:
    return [(start + timedelta(weeks=i), v) for i, v in enumerate(values)]


def series_groups(root: ET.Element) -> list[ET.Element]:
    return by_class(root, "wg-series")


def test_retention_none_makes_a_gap() -> None:
    start = date(2026, 1, 5)
    root = parse(retention_svg({"Docker": weeks_from(start, [0.5, 0.6, None, 0.7, 0.8, None])}))
    (group,) = series_groups(root)
    lines = by_class(group, "wg-line")
    assert len(lines) == 2
    assert [len(line.get("points", "").split()) for line in lines] == [2, 2]
    points = by_class(group, "wg-point")
    assert [p.get("data-date") for p in points] == ["2026-01-05", "2026-01-12", "2026-01-26", "2026-02-02"]
    assert title_of(points[2]) == "Docker, 2026-01-26: 70% retention"


def test_retention_without_gaps_is_one_line() -> None:
    root = parse(retention_svg({"Docker": weeks_from(date(2026, 1, 5), [0.5, 0.6, 0.7])}))
    assert len(by_class(root, "wg-line")) == 1


def test_retention_y_scale_zero_to_hundred_percent() -> None:
    root = parse(retention_svg({"t": weeks_from(date(2026, 1, 5), [0.0, 1.0, 0.5, 1.7])}))
    labels = [t for t in texts(root) if t.endswith("%")]
    assert labels == ["0%", "25%", "50%", "75%", "100%"]
    grid = {round(float(line.get("y1", ""))) for line in by_class(root, "wg-grid")}
    zero, full, half, clamped = (float(p.get("cy", "")) for p in by_class(root, "wg-point"))
    assert round(zero) == max(grid) and round(full) == min(grid)
    assert half == pytest.approx((zero + full) / 2)
    assert clamped == full


def test_retention_x_positions_follow_dates() -> None:
    start = date(2026, 1, 5)
    data = [(start, 0.5), (start + timedelta(days=7), 0.5), (start + timedelta(days=28), 0.5)]
    root = parse(retention_svg({"t": data}))
    a, b, c = (float(p.get("cx", "")) for p in by_class(root, "wg-point"))
    assert (c - a) == pytest.approx(4 * (b - a))


def test_retention_unsorted_and_single_points() -> None:
    start = date(2026, 1, 5)
    root = parse(
        retention_svg({"a": [(start + timedelta(weeks=1), 0.4), (start, None)], "b": [(start, 0.9)]})
    )
    assert len(by_class(root, "wg-point")) == 2
    assert not by_class(root, "wg-line")  # a lone point has no line


def test_retention_legend_truncates_long_names() -> None:
    name = "Docker 容器与镜像的基础知识和进阶技巧总结"
    root = parse(retention_svg({name: [(END, 0.8)], "Git": [(END, 0.6)]}))
    entries = by_class(root, "wg-legend-entry")
    assert [title_of(e) for e in entries] == [name, "Git"]
    legend_texts = [el.text or "" for e in entries for el in e.iter(f"{SVG}text")]
    assert legend_texts[0] == name[:15] + "…" and len(legend_texts[0]) == 16
    assert legend_texts[1] == "Git"
    assert title_of(series_groups(root)[0]) == name


def test_retention_many_series_have_distinct_colors_and_fit() -> None:
    series = {f"主题 {i} with a long name": weeks_from(date(2026, 1, 5), [0.1 * i, 0.5]) for i in range(10)}
    root = parse(retention_svg(series))
    groups = series_groups(root)
    assert len(groups) == 10
    styles = [
        (g.find(f"{SVG}polyline").get("stroke"), g.find(f"{SVG}polyline").get("stroke-dasharray"))
        for g in groups
    ]
    assert len({s for s, _ in styles[:8]}) == 8
    assert len(set(styles)) == 10
    width, height = view_box(root)
    for el in root.iter(f"{SVG}text"):
        assert 0 <= float(el.get("y", "")) <= height
        assert float(el.get("x", "")) <= width


def points_by_day(root: ET.Element) -> dict[str, list[ET.Element]]:
    found: dict[str, list[ET.Element]] = {}
    for point in by_class(root, "wg-point"):
        found.setdefault(point.get("data-date", ""), []).append(point)
    return found


def test_retention_equal_values_are_set_side_by_side() -> None:
    start = date(2026, 1, 5)
    same = weeks_from(start, [0.5, 0.75, 0.8])
    root = parse(retention_svg({"a": same, "b": same, "c": same, "d": weeks_from(start, [0.1, 0.2, 0.3])}))
    for day, points in points_by_day(root).items():
        shared = [p for p in points if "wg-shared" in p.get("class", "")]
        assert len(shared) == 3, day
        assert {p.get("data-shared") for p in shared} == {"3"}
        xs = sorted(float(p.get("cx", "")) for p in shared)
        assert all(b - a >= 2 * float(shared[0].get("r", "")) for a, b in zip(xs, xs[1:], strict=False))
        assert len({p.get("cy") for p in shared}) == 1  # the height still reads the value
        (alone,) = [p for p in points if p not in shared]
        assert alone.get("data-shared") is None
    for group in series_groups(root):  # each line runs through its own dots
        (line,) = by_class(group, "wg-line")
        vertices = [tuple(map(float, pair.split(","))) for pair in line.get("points", "").split()]
        dots = [(float(p.get("cx", "")), float(p.get("cy", ""))) for p in by_class(group, "wg-point")]
        assert vertices == dots


def test_retention_nearly_equal_values_do_not_cover_each_other() -> None:
    start = date(2026, 1, 5)
    root = parse(retention_svg({"a": weeks_from(start, [0.70]), "b": weeks_from(start, [0.71])}))
    a, b = by_class(root, "wg-point")
    distance = math.dist(
        (float(a.get("cx", "")), float(a.get("cy", ""))), (float(b.get("cx", "")), float(b.get("cy", "")))
    )
    assert distance >= 2 * float(a.get("r", ""))


def test_retention_spread_dots_stay_inside_the_plot() -> None:
    start = date(2026, 1, 5)
    root = parse(retention_svg({f"t{i}": weeks_from(start, [0.5, 0.5]) for i in range(8)}))
    grid = by_class(root, "wg-grid")
    left, right = float(grid[0].get("x1", "")), float(grid[0].get("x2", ""))
    xs = [float(p.get("cx", "")) for p in by_class(root, "wg-point")]
    assert len(xs) == 16 and min(xs) >= left and max(xs) <= right


def test_retention_all_none_says_no_data() -> None:
    root = parse(retention_svg({"Docker": weeks_from(date(2026, 1, 5), [None, None])}))
    assert "No data yet" in texts(root)


def test_retention_escapes_topic_names() -> None:
    svg = retention_svg({"<script>alert(1)</script> & co": [(END, 0.5)]})
    root = parse(svg)
    assert not [el for el in root.iter() if el.tag.endswith("script")]
    assert title_of(series_groups(root)[0]) == "<script>alert(1)</script> & co"
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; co" in svg


# --- card history ----------------------------------------------------------------------------------


def test_history_one_dot_per_review_and_drills_hollow() -> None:
    points = history(8)
    root = parse(card_history_svg(points))
    dots = by_class(root, "wg-dot")
    assert len(dots) == 8
    drills = by_class(root, "wg-drill")
    assert len(drills) == 1 and drills[0] is dots[2]
    normal = dots[3]
    assert float(drills[0].get("r", "")) < float(normal.get("r", ""))
    assert drills[0].get("fill") == "#ffffff" and drills[0].get("stroke")
    assert normal.get("fill") != "#ffffff"
    assert title_of(drills[0]).endswith("(drill)")
    assert "drill" not in title_of(normal)


def test_history_grade_colors() -> None:
    root = parse(card_history_svg(history(8)))
    dots = by_class(root, "wg-dot")
    bands = {int(d.get("data-grade", "")): d for d in dots if "wg-drill" not in d.get("class", "")}
    assert "wg-grade-low" in bands[0].get("class", "") and "wg-grade-low" in bands[2].get("class", "")
    assert "wg-grade-high" in bands[5].get("class", "")
    assert bands[1].get("fill") == bands[2].get("fill") == charts.GRADE_COLORS["low"]
    assert bands[4].get("fill") == bands[5].get("fill") == charts.GRADE_COLORS["high"]
    assert len({bands[0].get("fill"), bands[5].get("fill"), charts.GRADE_COLORS["mid"]}) == 3
    drill = by_class(root, "wg-drill")[0]
    assert drill.get("data-grade") == "4" and drill.get("stroke") == charts.GRADE_COLORS["high"]
    mid = parse(card_history_svg([HistoryPoint(END, 3, 1, False)]))
    assert by_class(mid, "wg-dot")[0].get("fill") == charts.GRADE_COLORS["mid"]


def test_history_grade_scale() -> None:
    points = [HistoryPoint(END, 0, 1, False), HistoryPoint(END, 5, 2, False), HistoryPoint(END, 9, 2, False)]
    root = parse(card_history_svg(points))
    zero, five, clamped = (float(d.get("cy", "")) for d in by_class(root, "wg-dot"))
    assert zero > five and clamped == five
    grid = sorted(float(line.get("y1", "")) for line in by_class(root, "wg-grid"))
    assert len(grid) == 6 and five == grid[0] and zero == grid[-1]
    xs = [float(d.get("cx", "")) for d in by_class(root, "wg-dot")]
    assert xs == sorted(xs) and len(set(xs)) == 3


def test_history_interval_step_line_rises_with_intervals() -> None:
    root = parse(card_history_svg(history(5)))
    (path,) = by_class(root, "wg-interval")
    d = path.get("d", "")
    assert d.startswith("M") and d.count("V") == 4
    ys = [float(v) for v in re.findall(r"V(-?\d+(?:\.\d+)?)", d)]
    assert ys == sorted(ys, reverse=True) and len(set(ys)) == 4  # higher interval = higher on screen
    assert title_of(path) == "interval (days)"


def test_history_huge_interval_stays_inside_the_chart() -> None:
    points = [HistoryPoint(END, 4, 1, False), HistoryPoint(END + timedelta(days=1), 5, 3_000_000, False)]
    root = parse(card_history_svg(points))
    width, height = view_box(root)
    (path,) = by_class(root, "wg-interval")
    d = path.get("d", "")
    xs = [float(v) for v in re.findall(r"[MH](-?[\d.]+)", d)]
    ys = [float(v) for v in re.findall(r"(?:,|V)(-?[\d.]+)", d)]
    assert len(xs) == 3 and len(ys) == 2
    assert all(0 <= x <= width for x in xs) and all(0 <= y <= height for y in ys)
    assert ys[1] < ys[0]
    assert "3000000" in title_of(by_class(root, "wg-dot")[1])
    tick_texts = by_class(root, "wg-axis-right")
    assert "1000000" in [t.text for t in tick_texts]
    for el in root.iter(f"{SVG}text"):
        assert 0 <= float(el.get("x", "")) <= width and 0 <= float(el.get("y", "")) <= height


def test_history_interval_scale_keeps_short_intervals_visible() -> None:
    points = [
        HistoryPoint(END, 4, 0, False),
        HistoryPoint(END, 4, 1, False),
        HistoryPoint(END, 5, 3_000_000, False),
    ]
    root = parse(card_history_svg(points))
    (path,) = by_class(root, "wg-interval")
    zero = float(re.findall(r"M[-\d.]+,([-\d.]+)", path.get("d", ""))[0])
    one, huge = (float(v) for v in re.findall(r"V([-\d.]+)", path.get("d", "")))
    assert zero - one > 0.03 * (zero - huge)  # a 1-day interval is not flattened onto the 0 line
    ticks = [int(t.text or "") for t in by_class(root, "wg-axis-right")]
    assert 2 <= len(ticks) <= 4 and ticks[0] == 0 and ticks == sorted(ticks)
    assert all(str(t).strip("0") == "1" for t in ticks[1:])  # powers of ten


def test_history_single_point_and_tooltip() -> None:
    root = parse(card_history_svg([HistoryPoint(date(2026, 3, 10), 4, 6, False)]))
    (dot,) = by_class(root, "wg-dot")
    assert title_of(dot) == "2026-03-10: grade 4, interval (days) 6"
    assert len(by_class(root, "wg-interval")) == 1
    zh = parse(card_history_svg([HistoryPoint(date(2026, 3, 10), 4, 6, True)], ZH))
    assert title_of(by_class(zh, "wg-dot")[0]) == "2026年3月10日: 评分 4, 间隔（天） 6 (练习)"
