"""The web layer: request → call into ``quiz`` → commit once → render or redirect."""

from __future__ import annotations

import io
import tempfile
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import available_timezones

from flask import (
    Blueprint,
    Flask,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    send_file,
    session,
    url_for,
)
from flask_babel import format_date, format_number, get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from werkzeug.wrappers import Response

from quiz import charts, store
from quiz.answers import Verdict, check_command, load_aliases
from quiz.export import write_package
from quiz.forms import (
    GRADE_LABELS,
    LOCALES,
    AnswerForm,
    ChoiceForm,
    EmptyForm,
    GradeForm,
    SettingsForm,
    StartForm,
)
from quiz.models import LOCAL_USER_NAME, Card, ReviewState, Topic, User, db, now_utc
from quiz.render import render_command, render_markdown

bp = Blueprint("quiz", __name__)

# A multiple-choice pick suggests these grades: recognising is easier than recalling, so a right pick is 4.
CHOICE_RIGHT_GRADE = 4
CHOICE_WRONG_GRADE = 1


def init_app(app: Flask) -> None:
    """Register the blueprint, the answer checker's alias table and the template helpers."""
    app.register_blueprint(bp)
    app.extensions["wengu.aliases"] = load_aliases(app.config.get("ALIASES_FILE"))
    app.add_template_filter(lambda text: Markup(render_markdown(text)), "markdown")
    app.add_template_filter(lambda text: Markup(render_command(text)), "command")
    app.add_template_filter(format_number, "format_number")
    app.add_template_filter(format_date, "format_date")
    app.context_processor(lambda: {"current_locale": str(get_locale() or "en")})


@bp.before_app_request
def load_user() -> None:
    # One built-in local user until accounts arrive; progress is already keyed by user.
    user = db.session.scalar(db.select(User).where(User.name == LOCAL_USER_NAME))
    if user is None:
        user = store.get_or_create_user(db.session, LOCAL_USER_NAME)
        db.session.commit()
    g.user = user


def select_locale() -> str | None:
    """The user's chosen language, else the browser's best match (Chinese or English)."""
    user = g.get("user")
    if user is not None and user.locale in LOCALES:
        return user.locale
    return request.accept_languages.best_match(LOCALES, default="en")


def _owned_card(card_id: int) -> Card:
    card = db.get_or_404(Card, card_id)
    if card.deck.user_id != g.user.id:
        abort(404)
    return card


def _quiz_scope() -> list[int] | None:
    """The topic ids the running session is limited to, or None for all topics."""
    topic_id = (session.get("quiz") or {}).get("topic_id")
    if topic_id is None:
        return None
    topic = db.session.get(Topic, topic_id)
    if topic is None or topic.deck.user_id != g.user.id:
        return None
    return store.topic_and_descendants(db.session, topic)


def _today() -> date:
    return store.local_today(g.user, now_utc())


def _limits() -> store.DailyLimits:
    config = current_app.config
    return store.daily_limits(g.user, config["NEW_CARDS_PER_DAY"], config["REVIEWS_PER_DAY"])


def _next_item() -> store.QueueItem | None:
    limits = _limits()
    return store.next_card(db.session, g.user, _today(), limits.new_cards, _quiz_scope(), limits.reviews)


@bp.get("/")
def today() -> str:
    """Today's page: due and new counts per topic and a start button."""
    overview = store.today_overview(db.session, g.user, _today(), _limits())
    return render_template("quiz/today.html", overview=overview, form=StartForm())


@bp.post("/quiz/start")
def start() -> Response:
    """Start a session on every topic, or on one topic and its subtopics."""
    form = StartForm()
    if not form.validate_on_submit():
        abort(400)
    topic_id = form.topic_id.data
    if topic_id is not None:
        topic = db.session.get(Topic, topic_id)
        if topic is None or topic.deck.user_id != g.user.id:
            abort(404)
    session["quiz"] = {
        "since": now_utc().isoformat(),
        "topic_id": topic_id,
        "choices": bool(form.choices.data),
    }
    return redirect(url_for("quiz.next_card"))


@bp.get("/quiz")
def next_card() -> Response:
    """Send the user to the next card of the queue, or to the summary when none is left."""
    item = _next_item()
    if item is None:
        return redirect(url_for("quiz.done"))
    return redirect(url_for("quiz.card", card_id=item.card.id))


def _render_card(
    card: Card,
    *,
    show: bool,
    verdict: Verdict | None = None,
    typed: str | None = None,
    picked: int | None = None,
    status: int = 200,
) -> tuple[str, int]:
    item = _next_item()
    options = None
    if card.kind != "command" and (session.get("quiz") or {}).get("choices"):
        options = store.choice_options(db.session, card, _today())
    suggested = verdict.grade if verdict is not None else None
    if picked is not None and options:
        suggested = CHOICE_RIGHT_GRADE if options[picked].correct else CHOICE_WRONG_GRADE
    page = render_template(
        "quiz/card.html",
        card=card,
        deck=card.deck,
        reason=item.reason if item is not None and item.card.id == card.id else None,
        show=show,
        verdict=verdict,
        typed=typed,
        options=options,
        picked=picked,
        suggested=suggested,
        form=GradeForm(),
        answer_form=AnswerForm(),
        choice_form=ChoiceForm(),
        undo_form=EmptyForm(),
        labels=GRADE_LABELS,
    )
    return page, status


@bp.get("/quiz/card/<int:card_id>")
def card(card_id: int) -> tuple[str, int]:
    """Show a card's front; with ``?show=1`` its answer and the six grade buttons."""
    return _render_card(_owned_card(card_id), show=request.args.get("show") == "1")


@bp.post("/quiz/card/<int:card_id>/answer")
def answer(card_id: int) -> tuple[str, int]:
    """Check a typed command, then show the answer with the verdict and a suggested grade."""
    card = _owned_card(card_id)
    form = AnswerForm()
    if card.kind != "command" or not form.validate_on_submit():
        abort(400)
    typed = form.typed.data or ""
    verdict = check_command(card.back, typed, current_app.extensions["wengu.aliases"])
    return _render_card(card, show=True, verdict=verdict, typed=typed)


@bp.post("/quiz/card/<int:card_id>/choose")
def choose(card_id: int) -> tuple[str, int]:
    """Mark a multiple-choice pick right or wrong, then show the answer and a suggested grade."""
    card = _owned_card(card_id)
    form = ChoiceForm()
    if not form.validate_on_submit():
        abort(400)
    options = store.choice_options(db.session, card, _today())
    if form.choice.data >= len(options):
        abort(400)
    return _render_card(card, show=True, picked=form.choice.data)


@bp.get("/cards/<int:card_id>")
def card_detail(card_id: int) -> str:
    """A card's source lines in its note and its history of grades and intervals."""
    card = _owned_card(card_id)
    history = store.card_history(db.session, g.user, card)
    points = [charts.HistoryPoint(h.review_day, h.grade, h.interval_days_after, h.drill) for h in history]
    return render_template(
        "quiz/card_detail.html",
        card=card,
        deck=card.deck,
        source=store.source_excerpt(card),
        history=history,
        state=db.session.get(ReviewState, (g.user.id, card.id)),
        chart=charts.card_history_svg(points, _chart_labels()),
    )


@bp.post("/quiz/card/<int:card_id>/grade")
def grade(card_id: int) -> Response:
    """Record the grade given to a card, then go to the next one."""
    card = _owned_card(card_id)
    form = GradeForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        store.record_grade(db.session, g.user, card, form.grade.data, now_utc())
    except store.NotDueError:
        db.session.rollback()
        flash(_("That card was already graded today; here is the next one."))
        return redirect(url_for("quiz.next_card"))
    db.session.commit()
    return redirect(url_for("quiz.next_card"))


@bp.post("/quiz/undo")
def undo() -> Response:
    """Take back the newest grade of the day and show that card again."""
    if not EmptyForm().validate_on_submit():
        abort(400)
    log = store.undo_last(db.session, g.user, _today())
    if log is None:
        flash(_("Nothing to undo today."))
        return redirect(url_for("quiz.next_card"))
    db.session.commit()
    flash(_("Grade taken back."))
    return redirect(url_for("quiz.card", card_id=log.card_id))


@bp.get("/quiz/done")
def done() -> str:
    """End of session: what was reviewed, how much was right, what tomorrow holds."""
    quiz = session.get("quiz") or {}
    since = datetime.fromisoformat(quiz["since"]) if "since" in quiz else now_utc()
    summary = store.session_summary(db.session, g.user, since, _today())
    return render_template("quiz/done.html", summary=summary, form=EmptyForm())


@bp.post("/quiz/end")
def end() -> Response:
    """Forget the running session and go back to today's page."""
    if not EmptyForm().validate_on_submit():
        abort(400)
    session.pop("quiz", None)
    return redirect(url_for("quiz.today"))


WEEKDAYS = (_l("Mon"), _l("Tue"), _l("Wed"), _l("Thu"), _l("Fri"), _l("Sat"), _l("Sun"))
MONTHS = (
    _l("Jan"),
    _l("Feb"),
    _l("Mar"),
    _l("Apr"),
    _l("May"),
    _l("Jun"),
    _l("Jul"),
    _l("Aug"),
    _l("Sep"),
    _l("Oct"),
    _l("Nov"),
    _l("Dec"),
)


def _chart_labels() -> charts.ChartLabels:
    zh = str(get_locale()).startswith("zh")
    return charts.ChartLabels(
        reviews=_("reviews"),
        due=_("due"),
        retention=_("retention"),
        interval_days=_("interval (days)"),
        grade=_("grade"),
        no_data=_("No data yet"),
        weekdays=tuple(str(d) for d in WEEKDAYS),
        months=tuple(str(m) for m in MONTHS),
        date_format="{y}年{m}月{d}日" if zh else "{y}-{m:02d}-{d:02d}",
        short_date_format="{m}月{d}日" if zh else "{m}/{d}",
    )


@bp.get("/progress")
def progress() -> str:
    """Progress per topic: counts, retention and ease, and charts of reviews, due cards and retention."""
    today = _today()
    labels = _chart_labels()
    trees = store.topic_progress(db.session, g.user, today)
    year_ago = today - timedelta(weeks=53)
    return render_template(
        "quiz/progress.html",
        trees=trees,
        form=EmptyForm(),
        heatmap=charts.heatmap_svg(store.reviews_per_day(db.session, g.user, year_ago, today), today, labels),
        forecast=charts.forecast_svg(store.due_forecast(db.session, g.user, today), today, labels),
        retention=charts.retention_svg(store.retention_by_week(db.session, g.user, today), labels),
    )


@bp.post("/anki/export")
def export_anki() -> Response:
    """Download the user's cards as an Anki package."""
    if not EmptyForm().validate_on_submit():
        abort(400)
    cards = store.export_cards(db.session, g.user)
    if not cards:
        flash(_("There are no cards to export yet: import some notes first."))
        return redirect(url_for("quiz.progress"))
    timestamp = store.next_export_timestamp(db.session, g.user, now_utc())
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "wengu.apkg"
        count = write_package(cards, path, timestamp)
        data = path.read_bytes()
    store.record_export(db.session, g.user, timestamp, count)
    db.session.commit()
    return send_file(
        io.BytesIO(data), mimetype="application/apkg", as_attachment=True, download_name="wengu.apkg"
    )


@bp.route("/settings", methods=("GET", "POST"))
def settings() -> str | Response:
    """Daily limits, time zone, when the day starts, and the interface language."""
    user = g.user
    form = SettingsForm()
    if request.method == "GET":
        limits = _limits()
        form.process(
            data={
                "new_cards_per_day": limits.new_cards,
                "reviews_per_day": limits.reviews,
                "timezone": user.timezone or "",
                "day_starts_at_hour": user.day_starts_at_hour,
                "locale": user.locale or "",
            }
        )
    if form.validate_on_submit():
        user.new_cards_per_day = form.new_cards_per_day.data
        user.reviews_per_day = form.reviews_per_day.data
        user.timezone = form.timezone.data or None
        user.day_starts_at_hour = form.day_starts_at_hour.data
        user.locale = form.locale.data or None
        db.session.commit()
        flash(_("Settings saved."))
        return redirect(url_for("quiz.settings"))
    return render_template(
        "quiz/settings.html", form=form, today=_today(), zones=sorted(available_timezones())
    )
