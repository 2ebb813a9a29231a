"""The web layer: request → call into ``quiz`` → commit once → render or redirect."""

from __future__ import annotations

import io
import tempfile
from collections.abc import Mapping
from datetime import date, datetime, timedelta
from pathlib import Path
from urllib.parse import quote
from zoneinfo import available_timezones

from babel.dates import format_skeleton, get_day_names, get_month_names
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
from flask_babel import format_date, format_decimal, format_number, get_locale, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup
from sqlalchemy.orm import contains_eager
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from quiz import backup, charts, errors, import_jobs, pending
from quiz.anki_package import AnkiPackageError, read_package
from quiz.answers import DiffToken, Verdict, check_command, example_values, load_aliases
from quiz.auth import error_text
from quiz.errors import bounded_int, int_arg
from quiz.forms import (
    GRADE_LABELS,
    AnkiImportForm,
    AnswerForm,
    CardEditForm,
    ChoiceForm,
    EmptyForm,
    ExportForm,
    GradeForm,
    PreviewFixForm,
    RestoreConfirmForm,
    RestoreForm,
    SettingsForm,
    StartForm,
    UploadForm,
)
from quiz.limits import DB_INT_MAX, LOCALES
from quiz.models import Card, PendingImport, ReviewState, db, now_utc
from quiz.notes import SKIP_REASONS
from quiz.render import render_command, render_markdown, render_placeholders
from quiz.store.anki_importing import import_anki_package
from quiz.store.browser import (
    CARD_STATES,
    CARDS_PER_PAGE,
    Wording,
    card_history,
    choice_options,
    clear_override,
    search_cards,
    set_override,
    source_excerpt,
    user_topics,
)
from quiz.store.days import DailyLimits, daily_limits, local_today
from quiz.store.exporting import ExportOptions, export_package
from quiz.store.grading import NotDueError, record_grade, session_summary, undo_last
from quiz.store.importing import import_note_files
from quiz.store.media import media_for_deck, owned_media
from quiz.store.progress import (
    due_forecast,
    retention_by_week,
    reviews_per_day,
    today_overview,
    topic_progress,
)
from quiz.store.queue import cards_left, next_card_id, queue_counts, show_reason
from quiz.store.scopes import owned_cards, owned_topic, topic_and_descendants
from quiz.uploads import UploadedImage, UploadedNote, UploadError, UploadLimits, read_pasted, read_uploads

bp = Blueprint("quiz", __name__)

# A multiple-choice pick suggests these grades: recognising is easier than recalling, so a right pick is 4.
CHOICE_RIGHT_GRADE = 4
CHOICE_WRONG_GRADE = 1
# How many cards past today's limit one press of a topic's "Study N more" adds (Anki's custom study).
STUDY_AHEAD_BATCH = 10


def init_app(app: Flask) -> None:
    """Register the blueprint, the answer checker's alias table and the template helpers."""
    app.register_blueprint(bp)
    app.extensions["wengu.aliases"] = load_aliases(app.config.get("ALIASES_FILE"))
    app.add_template_filter(markdown_html, "markdown")
    app.add_template_filter(command_html, "command")
    app.add_template_filter(card_words_html, "card_words")
    app.add_template_filter(format_number, "format_number")
    app.add_template_filter(format_date, "format_date")
    app.context_processor(lambda: {"current_locale": str(get_locale() or "en")})


# How an example value of a card's command is shown (quiz.answers.example_values): a placeholder.
EXAMPLE_LABELS = {
    "id": _l("ID"),
    "commit": _l("commit"),
    "pid": _l("PID"),
    "ip": _l("IP address"),
    "port": _l("port"),
}


def _placeholder(start: int, end: int, kind: str, value: str) -> tuple[int, int, str, str]:
    label = str(EXAMPLE_LABELS.get(kind, kind))
    return start, end, f"<{label}>", _("any %(what)s; the note has %(value)s", what=label, value=value)


def markdown_html(text: str, media: Mapping[str, str] | None = None) -> Markup:
    """A card field as HTML; ``media`` maps the deck's stored image names to their URLs (``deck_media_urls``).
    An image not in it shows its alt text: a page never asks for a file from a note's path."""
    return Markup(render_markdown(text, (media or {}).get))


def card_media_urls(card: Card) -> dict[str, str]:
    """The URLs of the images of ``card``'s deck, for ``markdown_html``; none to look up when the card
    shows no image (most cards: the quiz page then makes no query for them)."""
    if not any("![" in text or "<img" in text.lower() for text in (card.shown_front, card.shown_back)):
        return {}
    return deck_media_urls(card.deck_id)


def deck_media_urls(deck_id: int) -> dict[str, str]:
    """The URLs of a deck's images by stored name, for ``markdown_html``."""
    return {
        name: url_for("quiz.deck_media", media_id=info.id, digest=info.content_hash[:MEDIA_DIGEST_CHARS])
        for name, info in media_for_deck(db.session, deck_id).items()
    }


def command_html(command: str) -> Markup:
    """A card's command as a code block, its example values shown as placeholders."""
    spans = example_values(command, current_app.extensions["wengu.aliases"])
    return Markup(render_command(command, [_placeholder(a, b, kind, command[a:b]) for a, b, kind in spans]))


def card_words_html(token: DiffToken) -> Markup:
    """The card's words of a verdict token, its example values shown as placeholders."""
    text, spans, pos = token.text, [], 0
    for kind, value in token.examples:
        at = text.find(value, pos)
        if at >= 0:
            spans.append(_placeholder(at, at + len(value), kind, value))
            pos = at + len(value)
    return Markup(render_placeholders(text, spans))


def select_locale() -> str | None:
    """The user's chosen language, else the browser's best match (Chinese or English)."""
    user = g.get("user")
    if user is not None and user.locale in LOCALES:
        return user.locale
    return request.accept_languages.best_match(LOCALES, default="en")


def _owned_card(card_id: int) -> Card:
    # One plain join for the card, its deck (the owner check) and its topic (the breadcrumb), filling
    # card.deck and card.topic (contains_eager): no EXISTS subquery, no lazy load afterwards.
    card = db.session.scalar(
        owned_cards(g.user.id)
        .outerjoin(Card.topic)
        .options(contains_eager(Card.deck), contains_eager(Card.topic))
        .where(Card.id == card_id)
    )
    if card is None:
        abort(404)
    return card


def _quiz_scope() -> list[int] | None:
    """The topic ids the running session is limited to, or None for all topics."""
    topic_id = (session.get("quiz") or {}).get("topic_id")
    if topic_id is None:
        return None
    topic = owned_topic(db.session, g.user.id, topic_id)
    return topic_and_descendants(db.session, topic) if topic is not None else None


def _today() -> date:
    return local_today(g.user, now_utc())


def _limits() -> DailyLimits:
    config = current_app.config
    return daily_limits(g.user, config["NEW_CARDS_PER_DAY"], config["REVIEWS_PER_DAY"])


def _session_limits(today: date) -> DailyLimits:
    """The limits the running session's queue keeps: the user's, raised for a session started to study
    ahead (``study_ahead``) on the day it started."""
    limits = _limits()
    ahead = (session.get("quiz") or {}).get("ahead")
    if isinstance(ahead, dict) and ahead.get("day") == today.isoformat():
        limits = limits.raised_to(DailyLimits(int(ahead["new_cards"]), int(ahead["reviews"])))
    return limits


def _next_card_id() -> tuple[int, str] | None:
    today = _today()
    limits = _session_limits(today)
    return next_card_id(db.session, g.user, today, limits.new_cards, _quiz_scope(), limits.reviews)


@bp.get("/")
def today() -> str:
    """Today's page: due and new counts per topic within today's limits, what the limits hold back, and
    the start buttons."""
    overview = today_overview(db.session, g.user, _today(), _limits())
    return render_template("quiz/today.html", overview=overview, form=StartForm(), batch=STUDY_AHEAD_BATCH)


@bp.post("/quiz/start")
def start() -> Response:
    """Start a session on every topic, or on one topic and its subtopics."""
    form = StartForm()
    if not form.validate_on_submit():
        abort(400)
    topic_id = form.topic_id.data
    if topic_id is not None:
        if owned_topic(db.session, g.user.id, topic_id) is None:
            abort(404)
    session["quiz"] = {
        "since": now_utc().isoformat(),
        "topic_id": topic_id,
        "choices": bool(form.choices.data),
    }
    return redirect(url_for("quiz.next_card"))


@bp.post("/quiz/ahead/<kind>")
def study_ahead(kind: str) -> Response:
    """Start a session on one topic that goes past today's limit on purpose, as Anki's custom study
    does: ``STUDY_AHEAD_BATCH`` more new cards (``kind`` "new") or reviews ("due") than the limit, or
    than today has done when it is past the limit already.  The raise is the session's, for today:
    the limits themselves and the other topics' counts stay as they are."""
    if kind not in ("new", "due"):
        abort(404)
    form = StartForm()
    if not form.validate_on_submit() or form.topic_id.data is None:
        abort(400)
    topic_id = form.topic_id.data
    if owned_topic(db.session, g.user.id, topic_id) is None:
        abort(404)
    today = _today()
    more = DailyLimits(STUDY_AHEAD_BATCH, 0) if kind == "new" else DailyLimits(0, STUDY_AHEAD_BATCH)
    limits = _limits()
    caps = limits.ahead(queue_counts(db.session, g.user, today, limits).done, more)
    session["quiz"] = {
        "since": now_utc().isoformat(),
        "topic_id": topic_id,
        "choices": bool(form.choices.data),
        "ahead": {"day": today.isoformat(), "new_cards": caps.new_cards, "reviews": caps.reviews},
    }
    return redirect(url_for("quiz.next_card"))


@bp.get("/quiz")
def next_card() -> Response:
    """Send the user to the next card of the queue, or to the summary when none is left."""
    found = _next_card_id()
    if found is None:
        return redirect(url_for("quiz.done"))
    return redirect(url_for("quiz.card", card_id=found[0]))


def _render_card(
    card: Card,
    *,
    show: bool,
    verdict: Verdict | None = None,
    typed: str | None = None,
    picked: int | None = None,
    status: int = 200,
) -> tuple[str, int]:
    today = _today()
    options = None
    if card.kind != "command" and (session.get("quiz") or {}).get("choices"):
        options = choice_options(db.session, card, today)
    left = cards_left(db.session, g.user, today, _session_limits(today), _quiz_scope())
    suggested = verdict.grade if verdict is not None else None
    if picked is not None and options:
        suggested = CHOICE_RIGHT_GRADE if options[picked].correct else CHOICE_WRONG_GRADE
    state = db.session.get(ReviewState, (g.user.id, card.id))
    # The page's forms are plain HTML around one CSRF token (CSRFProtect checks it on every POST): the
    # grade, typed answer and pick are still checked by GradeForm, AnswerForm and ChoiceForm when they
    # arrive, but building those form objects for every card shown cost more than the rest of the page.
    page = render_template(
        "quiz/card.html",
        card=card,
        deck=card.deck,
        media=card_media_urls(card),
        reason=show_reason(state, today),
        show=show,
        verdict=verdict,
        typed=typed,
        options=options,
        picked=picked,
        left=left,
        suggested=suggested,
        csrf=generate_csrf(),
        version=state.version if state is not None else 0,
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
    verdict = check_command(card.shown_back, typed, current_app.extensions["wengu.aliases"])
    return _render_card(card, show=True, verdict=verdict, typed=typed)


@bp.post("/quiz/card/<int:card_id>/choose")
def choose(card_id: int) -> tuple[str, int]:
    """Mark a multiple-choice pick right or wrong, then show the answer and a suggested grade."""
    card = _owned_card(card_id)
    form = ChoiceForm()
    if not form.validate_on_submit():
        abort(400)
    options = choice_options(db.session, card, _today())
    if form.choice.data >= len(options):
        abort(400)
    return _render_card(card, show=True, picked=form.choice.data)


@bp.get("/cards/<int:card_id>")
def card_detail(card_id: int) -> str:
    """A card's source lines in its note and its history of grades and intervals."""
    card = _owned_card(card_id)
    history = card_history(db.session, g.user, card)
    points = [charts.HistoryPoint(h.review_day, h.grade, h.interval_days_after, h.drill) for h in history]
    return render_template(
        "quiz/card_detail.html",
        card=card,
        deck=card.deck,
        media=card_media_urls(card),
        source=source_excerpt(card),
        history=history,
        state=db.session.get(ReviewState, (g.user.id, card.id)),
        chart=charts.card_history_svg(points, _chart_labels()),
        edit_form=CardEditForm(data={"front": card.shown_front, "back": card.shown_back}),
        form=EmptyForm(),
    )


@bp.post("/quiz/card/<int:card_id>/grade")
def grade(card_id: int) -> Response:
    """Record the grade given to a card, then go to the next one."""
    card = _owned_card(card_id)
    form = GradeForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        version = form.version.data
        record_grade(db.session, g.user, card, form.grade.data, now_utc(), expected_version=version)
        db.session.commit()
    except (NotDueError, StaleDataError):
        # Graded already: in another tab, by a double click, or by a request that won the race.
        db.session.rollback()
        flash(_("That card was already graded; here is the next one."))
    return redirect(url_for("quiz.next_card"))


@bp.post("/quiz/undo")
def undo() -> Response:
    """Take back the newest grade of the day and show that card again."""
    try:
        log = undo_last(db.session, g.user, _today())
        if log is not None:
            db.session.commit()
    except StaleDataError:
        # Two undos sent at once (a double press): the other one took the grade back; this one
        # takes back nothing more and shows where the first one leads.
        db.session.rollback()
        flash(_("Grade taken back."))
        return redirect(url_for("quiz.next_card"))
    if log is None:
        flash(_("Nothing to undo today."))
        return redirect(url_for("quiz.next_card"))
    flash(_("Grade taken back."))
    return redirect(url_for("quiz.card", card_id=log.card_id))


@bp.get("/quiz/done")
def done() -> str:
    """End of session: what was reviewed, how much was right, what tomorrow holds."""
    quiz = session.get("quiz") or {}
    since = datetime.fromisoformat(quiz["since"]) if "since" in quiz else now_utc()
    summary = session_summary(db.session, g.user, since, _today())
    return render_template("quiz/done.html", summary=summary, form=EmptyForm())


@bp.post("/quiz/end")
def end() -> Response:
    """Forget the running session and go back to today's page."""
    session.pop("quiz", None)
    return redirect(url_for("quiz.today"))


def _chart_labels() -> charts.ChartLabels:
    """The charts' words in the user's language; dates, weekdays and months from Babel's locale data."""
    locale = get_locale() or "en"
    days = get_day_names("abbreviated", locale=locale)  # 0 is Monday
    months = get_month_names("abbreviated", locale=locale, context="stand-alone")
    return charts.ChartLabels(
        reviews=_("reviews"),
        due=_("due"),
        retention=_("retention"),
        interval_days=_("interval (days)"),
        grade=_("grade"),
        no_data=_("No data yet"),
        weekdays=tuple(days[i] for i in range(7)),
        months=tuple(months[m] for m in range(1, 13)),
        date_format=lambda day: format_date(day, "medium"),
        short_date_format=lambda day: format_skeleton("MMMd", day, locale=locale),
        count_reviews=lambda n, shown: ngettext("%(count)s review", "%(count)s reviews", n, count=shown),
        count_due=lambda _n, shown: _("%(n)s due", n=shown),
        drill=_("drill"),
    )


# The heatmap on a wide screen (a year) and on a phone (half a year, its cells as large as on paper):
# the page holds both, and its stylesheet shows the one that fits.
HEATMAP_WEEKS = 53
HEATMAP_WEEKS_NARROW = 26


@bp.get("/progress")
def progress() -> str:
    """Progress per topic: counts, retention and ease, and charts of reviews, due cards and retention."""
    today = _today()
    labels = _chart_labels()
    trees = topic_progress(db.session, g.user, today)
    counts = reviews_per_day(db.session, g.user, today - timedelta(weeks=HEATMAP_WEEKS), today)
    weekly = retention_by_week(db.session, g.user, today)
    return render_template(
        "quiz/progress.html",
        trees=trees,
        form=ExportForm(formdata=None),
        heatmap=charts.heatmap_svg(counts, today, labels, weeks=HEATMAP_WEEKS),
        heatmap_narrow=charts.heatmap_svg(counts, today, labels, weeks=HEATMAP_WEEKS_NARROW),
        forecast=charts.forecast_svg(due_forecast(db.session, g.user, today), today, labels),
        retention=charts.retention_svg(weekly.series, labels),
        weekly=weekly,
    )


@bp.post("/anki/export")
def export_anki() -> Response:
    """Download the user's cards as an Anki package, with the options ticked on the Progress page.

    A request without the form (no field at all) exports with the defaults: no schedule, typed commands.
    """
    form = ExportForm()
    options = ExportOptions(
        with_schedule=bool(form.with_schedule.data), typed_commands=bool(form.typed_commands.data)
    )
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "wengu.apkg"
        if export_package(db.session, g.user, path, now_utc(), options) is None:
            flash(_("There are no cards to export yet: import some notes first."))
            return redirect(url_for("quiz.progress"))
        data = path.read_bytes()
    db.session.commit()
    return send_file(
        io.BytesIO(data), mimetype="application/apkg", as_attachment=True, download_name="wengu.apkg"
    )


@bp.route("/settings", methods=("GET", "POST"))
def settings() -> tuple[str, int] | Response:
    """Daily limits, time zone, when the day starts, and the interface language."""
    user = g.user
    form = SettingsForm() if request.method == "POST" else _current_settings()
    if form.validate_on_submit():
        user.new_cards_per_day = form.new_cards_per_day.data
        user.reviews_per_day = form.reviews_per_day.data
        user.timezone = form.timezone.data or None
        user.day_starts_at_hour = form.day_starts_at_hour.data
        user.locale = form.locale.data or None
        db.session.commit()
        flash(_("Settings saved."))
        return redirect(url_for("quiz.settings"))
    return _settings_page(form)


def _current_settings() -> SettingsForm:
    """The settings form filled with the user's settings as they are."""
    form = SettingsForm(formdata=None)
    limits = _limits()
    form.process(
        data={
            "new_cards_per_day": limits.new_cards,
            "reviews_per_day": limits.reviews,
            "timezone": g.user.timezone or "",
            "day_starts_at_hour": g.user.day_starts_at_hour,
            "locale": g.user.locale or "",
        }
    )
    return form


def _settings_page(
    form: SettingsForm, restore_error: str | None = None, status: int = 200
) -> tuple[str, int]:
    page = render_template(
        "quiz/settings.html",
        form=form,
        today=_today(),
        zones=sorted(available_timezones()),
        restore_form=RestoreForm(formdata=None),
        restore_error=restore_error,
        restore_limit=_megabytes(current_app.config["RESTORE_MAX_BYTES"]),
    )
    return page, status


# The URL of an image carries the start of its content hash: the address changes when the image does, so
# the browser may keep it for good.
MEDIA_DIGEST_CHARS = 16


@bp.get("/media/<int:media_id>/<digest>")
def deck_media(media_id: int, digest: str) -> Response:
    """One image of the user's decks (anyone else's: 404), with its own type, never sniffed as another."""
    found = owned_media(db.session, g.user.id, media_id)
    if found is None or len(digest) != MEDIA_DIGEST_CHARS or not found[2].startswith(digest):
        abort(404)
    content, mime_type, content_hash = found
    response = current_app.response_class(content, mimetype=mime_type)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["Cache-Control"] = "private, max-age=31536000, immutable"
    response.set_etag(content_hash)
    return response.make_conditional(request)


# --- card browser -----------------------------------------------------------------------------


@bp.get("/cards")
def cards() -> str:
    """Search the user's cards by text, topic and state."""
    text = request.args.get("q", "")
    state = request.args.get("state", "all")
    state = state if state in CARD_STATES else "all"
    topic_id = int_arg("topic", None, 1, DB_INT_MAX)
    page = int_arg("page", 1, 1, DB_INT_MAX // CARDS_PER_PAGE) or 1
    rows, total = search_cards(db.session, g.user, _today(), text, topic_id, state, page, CARDS_PER_PAGE)
    pages = max(1, -(-total // CARDS_PER_PAGE))
    if page > pages:  # past the end (an old link, a hand-made one): show the last page
        page = pages
        rows, total = search_cards(db.session, g.user, _today(), text, topic_id, state, page, CARDS_PER_PAGE)
    return render_template(
        "quiz/cards.html",
        rows=rows,
        total=total,
        page=page,
        pages=pages,
        text=text,
        state=state,
        topic_id=topic_id,
        topics=user_topics(db.session, g.user),
        states=CARD_STATES,
        today=_today(),
    )


@bp.post("/cards/<int:card_id>/edit")
def edit_card(card_id: int) -> Response:
    """Save the user's own wording of a card (or put the note's back with "reset")."""
    card = _owned_card(card_id)
    if "reset" in request.form:
        clear_override(card)
        flash(_("The card follows your note again."))
    else:
        form = CardEditForm()
        if not form.validate_on_submit():
            abort(400)
        set_override(card, form.front.data.strip(), form.back.data.strip())
        flash(_("Card saved. Your wording stays when the note is imported again."))
    db.session.commit()
    return redirect(url_for("quiz.card_detail", card_id=card.id))


@bp.post("/cards/<int:card_id>/suspend")
def suspend_card(card_id: int) -> Response:
    """Suspend a card (it leaves the quiz and the counts, keeping its history) or bring it back."""
    card = _owned_card(card_id)
    state = db.session.get(ReviewState, (g.user.id, card.id))
    if state is None:
        abort(404)
    # The page's button says what it wants ("suspend"=1 or 0), so sending it twice does it once;
    # without that field the button toggles.
    wanted = request.form.get("suspend")
    suspend = wanted == "1" if wanted in ("0", "1") else not state.suspended
    if state.suspended != suspend:
        state.suspended = suspend
        try:
            db.session.commit()
        except StaleDataError:
            db.session.rollback()  # changed by a request sent at the same time: show it as it is now
            state = db.session.get(ReviewState, (g.user.id, card.id))
    flash(_("Card suspended.") if state is not None and state.suspended else _("Card back in the quiz."))
    return redirect(url_for("quiz.card_detail", card_id=card.id))


# --- import in the browser --------------------------------------------------------------------


def _upload_limits() -> UploadLimits:
    config = current_app.config
    return UploadLimits(
        max_file_bytes=config["UPLOAD_MAX_FILE_BYTES"],
        max_files=config["UPLOAD_MAX_FILES"],
        max_total_bytes=10 * config["UPLOAD_MAX_FILE_BYTES"],
    )


def _open_imports() -> list[PendingImport]:
    pending.sweep(db.session, g.user, now_utc())
    return pending.open_imports(db.session, g.user)


def _import_form(
    form: UploadForm, error: str | None, status: int, waiting: list[PendingImport] | None = None
) -> tuple[str, int]:
    waiting = _open_imports() if waiting is None else waiting
    return render_template("quiz/import.html", form=form, error=error, waiting=waiting), status


@bp.route("/import", methods=("GET", "POST"))
def import_notes() -> tuple[str, int] | Response:
    """Upload or paste notes; they are parsed once, then previewed; nothing is stored until confirmed."""
    form = UploadForm()
    waiting = _open_imports()
    if request.method == "GET":
        db.session.commit()  # the sweep of stale pending imports
        return _import_form(form, None, 200, waiting)
    if not form.validate_on_submit():
        abort(400)
    limit = current_app.config["IMPORT_MAX_PENDING"]
    if len(waiting) >= limit:
        db.session.commit()
        message = ngettext(
            "You have %(num)d import waiting: import or discard it first.",
            "You have %(num)d imports waiting: import or discard one of them first.",
            len(waiting),
        )
        return _import_form(form, message, 409, waiting)
    images: list[UploadedImage] = []
    try:
        notes = _read_upload_form(form, images)
    except UploadError as exc:
        return _import_form(form, error_text(exc), exc.status, waiting)
    upload = pending.create(
        db.session, g.user, [(n.name, n.text) for n in notes], now_utc(), [(i.name, i.data) for i in images]
    )
    db.session.commit()
    upload_id, token = upload.id, upload.job_token
    assert token is not None
    inline = sum(n.size for n in notes) <= current_app.config["IMPORT_INLINE_BYTES"]
    import_jobs.run(upload_id, token, "parse", background=not inline)
    if inline:
        upload = db.session.get(PendingImport, upload_id, populate_existing=True)
        if upload is not None and upload.status == "refused":
            error = _too_many_cards(upload)
            db.session.delete(upload)  # nothing of a refused upload is kept
            db.session.commit()
            return _import_form(form, error, 413)
    return redirect(url_for("quiz.import_preview", pending_id=upload_id))


def _too_many_cards(upload: PendingImport) -> str:
    why = pending.outcome(upload)
    return _(
        "Too many cards: with %(note)s (%(cards)s cards) this import passes the limit of %(limit)s cards "
        "per import. Nothing was stored: import fewer notes at a time, or split the note.",
        note=why.get("note", ""),
        cards=format_number(why.get("cards", 0)),
        limit=format_number(why.get("limit", 0)),
    )


def _read_upload_form(form: UploadForm, images: list[UploadedImage] | None = None) -> list[UploadedNote]:
    limits = _upload_limits()
    files = [(f.filename or "unnamed", f.read()) for f in (form.files.data or []) if f and f.filename]
    notes = read_uploads(files, limits, images) if files else []
    if form.pasted.data and form.pasted.data.strip():
        name = (form.pasted_name.data or "").strip() or "pasted"
        notes.append(read_pasted(form.pasted.data, name if name.endswith(".md") else name + ".md", limits))
    if not notes:
        raise UploadError(_("Choose a file or paste some Markdown first."), 400)
    return notes


def _owned_pending(pending_id: int) -> PendingImport:
    upload = db.get_or_404(PendingImport, pending_id)
    if upload.user_id != g.user.id:
        abort(404)
    return upload


@bp.get("/import/<int:pending_id>")
def import_preview(pending_id: int) -> tuple[str, int]:
    """Where an upload stands: parsing (progress), its preview one page at a time, storing, done or failed.

    The preview shows one note at a time (a list of all notes with their card counts leads to the
    others) and at most ``pending.PAGE_CARDS`` of its cards; nothing is parsed here.
    """
    upload = _owned_pending(pending_id)
    form = EmptyForm()
    if upload.status in pending.RUNNING_STATUSES and not pending.is_stale(
        upload, now_utc(), import_jobs.stale_after()
    ):
        return render_template("quiz/import_progress.html", pending=upload, form=form), 200
    if upload.status in pending.RUNNING_STATUSES or upload.status == "failed":
        phase = pending.failed_phase(upload)
        return render_template("quiz/import_failed.html", pending=upload, phase=phase, form=form), 200
    if upload.status == "refused":
        return _import_form(UploadForm(formdata=None), _too_many_cards(upload), 413)
    if upload.status == "done":
        results = pending.outcome(upload).get("results", [])
        return render_template("quiz/import_done.html", results=results), 200
    notes = pending.note_summaries(db.session, upload)
    note = min(int_arg("note", 0, 0, DB_INT_MAX) or 0, max(0, len(notes) - 1))
    current = notes[note] if notes else None
    page = min(int_arg("page", 0, 0, DB_INT_MAX) or 0, current.pages - 1 if current else 0)
    cards = pending.page_cards(db.session, upload, note, page) if current else []
    skipped = pending.note_skipped(db.session, upload, note) if current else []
    tally = pending.total_tally(notes)
    return render_template(
        "quiz/import_preview.html",
        skipped=skipped,
        skip_reasons=SKIP_REASONS,
        pending=upload,
        notes=notes,
        note=current,
        page=page,
        first=page * pending.PAGE_CARDS,
        cards=cards,
        groups=pending.by_topic(cards),
        tally=tally,
        retiring=pending.retiring_cards(db.session, upload, note) if current else [],
        retiring_shown=pending.PAGE_CARDS,
        # A button that would store nothing and retire nothing is not offered.
        can_import=any(n.card_count for n in notes) or bool(tally and tally.retiring),
        form=form,
    ), 200


@bp.post("/import/<int:pending_id>")
def import_confirm(pending_id: int) -> Response:
    """Keep the ticks of the page shown, then go to another page or to a card's fix, or store the ticked
    cards of all notes.

    Storing runs from the kept parse (no second parse): within the request for a small import, else
    in a background thread that the preview address follows.
    """
    upload = _owned_pending(pending_id)
    if upload.status != "ready":
        return redirect(url_for("quiz.import_preview", pending_id=pending_id))
    note = int_arg("note", None, 0, DB_INT_MAX, form=True)
    page = int_arg("page", None, 0, DB_INT_MAX, form=True)
    if note is not None and page is not None:
        pending.save_ticks(db.session, upload, note, page, set(request.form.getlist("keep")))
    fix = request.form.get("fix", "")
    if fix:  # a card's Fix button: never an import
        db.session.commit()
        if note is None or page is None:
            return redirect(url_for("quiz.import_preview", pending_id=pending_id))
        return redirect(url_for("quiz.import_fix", pending_id=pending_id, note=note, page=page, key=fix[:64]))
    goto = request.form.get("goto", "")
    if goto:
        target_note, _sep, target_page = goto.partition(":")
        db.session.commit()
        return redirect(
            url_for(
                "quiz.import_preview",
                pending_id=pending_id,
                note=bounded_int(target_note, 0, 0, DB_INT_MAX),
                page=bounded_int(target_page, 0, 0, DB_INT_MAX),
            )
        )
    small = pending.card_total(db.session, upload) <= current_app.config["IMPORT_INLINE_CARDS"]
    token = pending.start_job(db.session, upload, "importing", now_utc())
    if token is None:
        db.session.rollback()  # another request started the import first: its ticks stand
    else:
        db.session.commit()
        import_jobs.run(pending_id, token, "import", background=not small)
    return redirect(url_for("quiz.import_preview", pending_id=pending_id))


def _preview_card_or_404(upload: PendingImport, form: bool) -> tuple[int, int, pending.PreviewCard]:
    """The preview card the request names (note, page and key), or 404."""
    note = int_arg("note", None, 0, DB_INT_MAX, form=form)
    page = int_arg("page", None, 0, DB_INT_MAX, form=form)
    key = (request.form if form else request.args).get("key", "")
    card = (
        pending.find_card(db.session, upload, note, page, key)
        if note is not None and page is not None
        else None
    )
    if card is None:
        abort(404)
    return note, page, card


def _preview_at(pending_id: int, note: int, page: int, key: str) -> str:
    return url_for("quiz.import_preview", pending_id=pending_id, note=note, page=page, _anchor=f"card-{key}")


@bp.route("/import/<int:pending_id>/fix", methods=("GET", "POST"))
def import_fix(pending_id: int) -> tuple[str, int] | Response:
    """Fix a card of the preview before it is imported: its front, back and kind.

    The fix is stored with the card as the user's wording (``quiz.store.browser.override_columns``),
    so later imports of the note keep it, as they keep an edit made in the card browser.
    """
    upload = _owned_pending(pending_id)
    if upload.status != "ready":
        return redirect(url_for("quiz.import_preview", pending_id=pending_id))
    posted = request.method == "POST"
    note, page, card = _preview_card_or_404(upload, form=posted)
    back = _preview_at(pending_id, note, page, card.draft.key)
    wording = card.wording
    form = PreviewFixForm(data={"kind": wording.kind, "front": wording.front, "back": wording.back})
    form.allow_kind(card.draft.kind)
    if posted and "reset" in request.form:
        if not EmptyForm().validate_on_submit():
            abort(400)
        pending.save_fix(db.session, upload, note, card, None)
        db.session.commit()
        return redirect(back)
    if posted and form.validate_on_submit():
        fixed = Wording(form.kind.data, form.front.data.strip(), form.back.data.strip())
        pending.save_fix(db.session, upload, note, card, fixed)
        db.session.commit()
        return redirect(back)
    status = 400 if posted else 200
    return render_template("quiz/import_fix.html", form=form, card=card, pending=upload, back=back), status


@bp.post("/import/<int:pending_id>/retry")
def import_retry(pending_id: int) -> Response:
    """Run a failed (or dead) parse or store job again, from what the pending import kept."""
    upload = _owned_pending(pending_id)
    now = now_utc()
    dead = pending.is_stale(upload, now, import_jobs.stale_after())
    if upload.status == "failed" or dead:
        phase = pending.failed_phase(upload)
        token = pending.start_job(db.session, upload, "parsing" if phase == "parse" else "importing", now)
        db.session.commit()
        if token is not None:
            import_jobs.run(pending_id, token, phase, background=True)
    return redirect(url_for("quiz.import_preview", pending_id=pending_id))


@bp.post("/import/<int:pending_id>/discard")
def import_discard(pending_id: int) -> Response:
    """Forget a pending import and everything kept of it (not while its cards are being stored)."""
    upload = _owned_pending(pending_id)
    if upload.status == "importing" and not pending.is_stale(upload, now_utc(), import_jobs.stale_after()):
        flash(_("These notes are being imported right now; they can no longer be discarded."))
        return redirect(url_for("quiz.import_preview", pending_id=pending_id))
    db.session.delete(upload)
    db.session.commit()
    flash(_("Import discarded."))
    return redirect(url_for("quiz.import_notes"))


# --- import of an Anki package ------------------------------------------------------------------
#
# Thin on purpose: quiz.anki_package reads the file (and says what is wrong with it),
# quiz.store.anki_importing stores it; this commits, or rolls back and shows the form again with the reason.


# The result page lists at most this many of a deck's notes that made no card (a deck may have thousands).
ANKI_SKIPPED_SHOWN = 100


def _anki_form(form: AnkiImportForm, error: str | None, status: int) -> tuple[str, int]:
    limit = _megabytes(current_app.config["ANKI_IMPORT_MAX_BYTES"])
    return render_template("quiz/import_anki.html", form=form, error=error, limit=limit), status


def _anki_too_large() -> str:
    return _(
        "The package is larger than %(limit)s, the most this Wengu accepts for an Anki import. "
        "Nothing was stored.",
        limit=_megabytes(current_app.config["ANKI_IMPORT_MAX_BYTES"]),
    )


@bp.route("/import/anki", methods=("GET", "POST"))
def import_anki() -> tuple[str, int]:
    """Import an Anki package (.apkg or .colpkg): its decks, cards, scheduling and review history."""
    form = AnkiImportForm()
    if request.method == "GET":
        return _anki_form(form, None, 200)
    upload = form.package.data
    if not form.validate_on_submit() or upload is None or not getattr(upload, "filename", ""):
        return _anki_form(form, _("Choose an Anki package (.apkg or .colpkg) first."), 400)
    limit = current_app.config["ANKI_IMPORT_MAX_BYTES"]
    raw = upload.stream.read(limit + 1)
    if len(raw) > limit:
        return _anki_form(form, _anki_too_large(), 413)
    try:
        results = import_anki_package(db.session, g.user, read_package(raw), now_utc())
        db.session.commit()
    except AnkiPackageError as exc:
        db.session.rollback()
        message = _("This package cannot be imported (%(why)s). Nothing was stored.", why=error_text(exc))
        return _anki_form(form, message, 400)
    except Exception:  # read without complaint, yet refused when stored: a bad file must not answer 500
        current_app.logger.exception("an Anki package was read but could not be stored")
        db.session.rollback()
        message = _(
            "This package cannot be imported: it holds something Wengu cannot store. Nothing was stored."
        )
        return _anki_form(form, message, 400)
    return render_template(
        "quiz/import_anki_done.html", results=results, skipped_shown=ANKI_SKIPPED_SHOWN
    ), 200


@bp.post("/demo")
def load_demo() -> Response:
    """Load the demo deck (Chinese notes on Docker) into the user's account."""
    import_note_files(db.session, g.user, [current_app.config["DEMO_NOTES"]])
    db.session.commit()
    return redirect(url_for("quiz.today"))


@bp.post("/settings/backup")
def download_backup() -> Response:
    """Download everything of the user's: decks, cards, states and review log, as one file."""
    buffer = io.BytesIO()
    backup.write_backup(db.session, g.user, buffer)
    buffer.seek(0)
    fallback, name = backup.backup_file_names(g.user.name, _today())
    response = send_file(buffer, mimetype="application/gzip", as_attachment=True, download_name=fallback)
    if name != fallback:  # RFC 6266: the Unicode name for browsers that read filename*, the ASCII one else
        response.headers["Content-Disposition"] = (
            f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"
        )
    return response


# --- restore from the browser -------------------------------------------------------------------
#
# Restoring replaces the user's data, so it takes two steps: the upload is checked as `flask restore`
# checks a file (quiz.backup) and kept; a page shows what it holds against what the account holds;
# only the confirmation there replaces anything.  The session holds the upload's token and contents.


def _megabytes(size: int) -> str:
    return _("%(size)s MB", size=format_decimal(size / 2**20, "#,##0.#"))


def _restore_folder() -> Path:
    return Path(current_app.instance_path) / "restores"


def _settings_with_restore_error(message: str, status: int) -> tuple[str, int]:
    return _settings_page(_current_settings(), message, status)


def _backup_too_large() -> str:
    return _(
        "The backup file is larger than %(limit)s, the most this Wengu accepts for a restore. "
        "Nothing was changed.",
        limit=_megabytes(current_app.config["RESTORE_MAX_BYTES"]),
    )


@bp.post("/settings/restore")
def restore_check() -> tuple[str, int] | Response:
    """Check an upload as ``flask restore`` does; keep it and show what it holds, or what is wrong."""
    form = RestoreForm()
    upload = form.backup.data
    if not form.validate_on_submit() or upload is None or not getattr(upload, "filename", ""):
        return _settings_with_restore_error(_("Choose a backup file first."), 400)
    raw = upload.stream.read(current_app.config["RESTORE_MAX_BYTES"] + 1)
    if len(raw) > current_app.config["RESTORE_MAX_BYTES"]:
        return _settings_with_restore_error(_backup_too_large(), 413)
    try:
        data = backup.read_backup(io.BytesIO(raw), current_app.config["RESTORE_MAX_UNCOMPRESSED_BYTES"])
    except backup.BackupError as exc:
        message = _("This file cannot be restored: %(why)s. Nothing was changed.", why=error_text(exc))
        return _settings_with_restore_error(message, 400)
    token = backup.keep_upload(_restore_folder(), g.user.id, raw)
    contents = backup.backup_contents(data)
    session["restore"] = {
        "token": token,
        "name": (upload.filename or "")[:200],
        "decks": contents.decks,
        "cards": contents.cards,
        "reviews": contents.reviews,
        "exported_at": contents.exported_at.isoformat() if contents.exported_at else None,
    }
    return redirect(url_for("quiz.restore_page"))


def _waiting_restore() -> dict[str, object] | None:
    waiting = session.get("restore")
    if not isinstance(waiting, dict):
        return None
    if backup.kept_upload(_restore_folder(), g.user.id, waiting.get("token")) is None:
        session.pop("restore", None)
        return None
    return waiting


@bp.get("/settings/restore")
def restore_page() -> str | Response:
    """What the checked backup holds and what the account holds now, and the button that replaces it."""
    waiting = _waiting_restore()
    if waiting is None:
        flash(_("No backup is waiting to be restored: choose the file again."))
        return redirect(url_for("quiz.settings"))
    exported_at = waiting.get("exported_at")
    return render_template(
        "quiz/restore.html",
        waiting=waiting,
        exported_at=datetime.fromisoformat(exported_at) if isinstance(exported_at, str) else None,
        now=backup.account_contents(db.session, g.user),
        form=RestoreConfirmForm(data={"token": waiting["token"]}),
    )


@bp.post("/settings/restore/confirm")
def restore_confirm() -> Response:
    """Replace the user's decks, cards, review history and settings with the backup checked before."""
    form = RestoreConfirmForm()
    waiting = session.get("restore")
    valid = (
        form.validate_on_submit() and isinstance(waiting, dict) and form.token.data == waiting.get("token")
    )
    raw = backup.take_upload(_restore_folder(), g.user.id, form.token.data) if valid else None
    if raw is None:
        flash(
            _(
                "That backup is not waiting to be restored any more (restored already, cancelled, or left "
                "over an hour): choose the file again to restore it."
            )
        )
        return redirect(url_for("quiz.settings"))
    try:
        data = backup.read_backup(io.BytesIO(raw), current_app.config["RESTORE_MAX_UNCOMPRESSED_BYTES"])
        result = backup.restore_user(db.session, data, g.user, replace=True)
        db.session.commit()
    except backup.BackupError as exc:
        db.session.rollback()
        flash(_("This file cannot be restored: %(why)s. Nothing was changed.", why=error_text(exc)))
        return redirect(url_for("quiz.settings"))
    session.pop("restore", None)
    session.pop("quiz", None)  # a running session's topic belongs to the data just replaced
    flash(
        _(
            "Backup restored: %(decks)s, %(cards)s and %(reviews)s.",
            decks=ngettext(
                "%(count)s deck", "%(count)s decks", result.decks, count=format_number(result.decks)
            ),
            cards=ngettext(
                "%(count)s card", "%(count)s cards", result.cards, count=format_number(result.cards)
            ),
            reviews=ngettext(
                "%(count)s review", "%(count)s reviews", result.reviews, count=format_number(result.reviews)
            ),
        )
    )
    return redirect(url_for("quiz.today"))


@bp.post("/settings/restore/cancel")
def restore_cancel() -> Response:
    """Forget the backup that was checked; nothing is changed."""
    backup.discard_uploads(_restore_folder(), g.user.id)
    session.pop("restore", None)
    flash(_("Restore cancelled: nothing was changed."))
    return redirect(url_for("quiz.settings"))


@bp.errorhandler(413)
def too_large(error: HTTPException) -> Response | HTTPException:
    """A request too large to read: on the restore form, say how large a backup may be."""
    if request.endpoint == "quiz.restore_check":
        return errors.error_page_with(413, _backup_too_large())
    if request.endpoint == "quiz.import_anki":
        return errors.error_page_with(413, _anki_too_large())
    return errors.error_page(error)
