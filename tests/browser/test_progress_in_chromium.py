"""The Progress page on a 375 px phone and on a wide screen, in English and Chinese, as Chromium draws it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from quiz.models import User, db
from quiz.store.days import local_today
from quiz.store.grading import record_grade
from quiz.store.queue import next_card
from tests.browser.live import log_in

pytestmark = pytest.mark.slow

PHONE = {"width": 375, "height": 740}


def seed_reviews(app, days: int = 10, grades: tuple[int, ...] = (5, 4, 3, 1)) -> None:
    """A few days of reviews ending today, so that every chart and stage column has something to show."""
    with app.app_context():
        user = db.session.scalars(select(User)).one()
        start = datetime.now(UTC) - timedelta(days=days)
        for day in range(days + 1):
            now = start + timedelta(days=day)
            today = local_today(user, now)
            while (item := next_card(db.session, user, today, new_per_day=4, reviews_per_day=50)) is not None:
                if item.reason == "drill":
                    break
                record_grade(db.session, user, item.card, grades[(item.card.id + day) % len(grades)], now)
        db.session.commit()


def open_progress(browser, base: str, locale: str, viewport: dict[str, int]):
    context = browser.new_context(locale=locale, viewport=viewport, device_scale_factor=2, is_mobile=True)
    page = context.new_page()
    log_in(page, base)
    page.goto(base + "/progress")
    return context, page


def box(locator) -> dict[str, float]:
    found = locator.bounding_box()
    assert found is not None
    return found


@pytest.mark.parametrize("locale", ["en-US", "zh-CN"])
def test_phone_shows_learning_and_mature_and_a_readable_heatmap(browser, server, locale):
    base, app = server
    seed_reviews(app)
    context, page = open_progress(browser, base, locale, PHONE)
    try:
        row = page.locator("table.progress tbody tr").first
        for column in ("new", "learning", "mature", "due", "retention"):
            assert row.locator(f"td.{column}").is_visible(), column
            assert page.locator(f"table.progress thead th.{column}").is_visible(), column
        wrap = page.evaluate(
            "(() => { const w = document.querySelector('.table-wrap');"
            " return [w.scrollWidth, w.clientWidth]; })()"
        )
        assert wrap[0] <= wrap[1], f"the table scrolls sideways at 375px: {wrap}"

        assert not page.locator("#chart-heatmap").is_visible()
        heatmap = page.locator("#chart-heatmap-narrow svg")
        assert heatmap.is_visible()
        cell = box(heatmap.locator("rect.wg-day").last)
        assert cell["width"] >= 10 and cell["height"] >= 10, cell  # at 53 weeks a cell was 5 px
        svg = box(heatmap)
        for label in heatmap.locator("text.wg-month").all():
            text = box(label)
            assert svg["x"] <= text["x"] and text["x"] + text["width"] <= svg["x"] + svg["width"] + 0.5
            assert text["height"] >= 9  # the month names are as large as the other charts' labels
    finally:
        context.close()


@pytest.mark.parametrize("locale", ["en-US", "zh-CN"])
@pytest.mark.parametrize("viewport", [PHONE, {"width": 1000, "height": 900}], ids=["375px", "1000px"])
def test_forecast_dates_sit_under_their_own_bar_and_none_is_cut(browser, server, locale, viewport):
    base, app = server
    seed_reviews(app, days=3)
    context, page = open_progress(browser, base, locale, viewport)
    try:
        chart = page.locator("#chart-forecast svg")
        svg = box(chart)
        bars = {b.get_attribute("data-date"): box(b) for b in chart.locator("rect.wg-bar").all()}
        dates = chart.locator("text.wg-date").all()
        assert len(dates) == 5  # days 0, 7, 14, 21 and 28 of 30: the last one too, in Chinese as well
        for label in dates:
            bar = bars[label.get_attribute("data-date")]
            text = box(label)
            bar_centre, text_centre = bar["x"] + bar["width"] / 2, text["x"] + text["width"] / 2
            assert abs(bar_centre - text_centre) < 1, (label.text_content(), bar, text)
            assert svg["x"] <= text["x"] and text["x"] + text["width"] <= svg["x"] + svg["width"] + 0.5
        if locale == "zh-CN":
            assert "月" in dates[-1].text_content() and "日" in dates[-1].text_content()
    finally:
        context.close()


def test_wide_screen_shows_the_year_heatmap_with_its_last_month_label_whole(browser, server):
    base, app = server
    seed_reviews(app)
    context, page = open_progress(browser, base, "zh-CN", {"width": 1000, "height": 900})
    try:
        assert not page.locator("#chart-heatmap-narrow").is_visible()
        heatmap = page.locator("#chart-heatmap svg")
        assert heatmap.locator("rect.wg-day").count() > 360
        svg = box(heatmap)
        for label in heatmap.locator("text.wg-month").all():
            text = box(label)
            assert text["x"] + text["width"] <= svg["x"] + svg["width"] + 0.5, label.text_content()
    finally:
        context.close()


def test_equal_retention_dots_stay_visible(browser, server):
    base, app = server
    seed_reviews(app, grades=(4,))  # every topic keeps 100% each week: all of a week's dots coincide
    context, page = open_progress(browser, base, "en-US", PHONE)
    try:
        dots = page.locator("#chart-retention circle.wg-point").all()
        assert dots
        centres: dict[str, list[tuple[float, float]]] = {}
        for dot in dots:
            found = box(dot)
            centre = (found["x"] + found["width"] / 2, found["y"] + found["height"] / 2)
            centres.setdefault(dot.get_attribute("data-date") or "", []).append(centre)
        for day, points in centres.items():
            for i, a in enumerate(points):
                for b in points[i + 1 :]:
                    assert abs(a[0] - b[0]) >= 4 or abs(a[1] - b[1]) >= 4, (day, a, b)  # none hides another
    finally:
        context.close()
