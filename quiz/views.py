"""The web layer: request → call into ``quiz`` → commit once → render or redirect."""

from __future__ import annotations

import io
import tempfile
from datetime import date, datetime
from pathlib import Path

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
from markupsafe import Markup
from werkzeug.wrappers import Response

from quiz import sm2, store
from quiz.export import write_package
from quiz.forms import EmptyForm, GradeForm, StartForm
from quiz.models import LOCAL_USER_NAME, Card, Topic, User, db, now_utc
from quiz.render import render_command, render_markdown

bp = Blueprint("quiz", __name__)


def init_app(app: Flask) -> None:
    """Register the blueprint and the template filters that render card fields."""
    app.register_blueprint(bp)
    app.add_template_filter(lambda text: Markup(render_markdown(text)), "markdown")
    app.add_template_filter(lambda text: Markup(render_command(text)), "command")


@bp.before_app_request
def load_user() -> None:
    # One built-in local user until accounts arrive; progress is already keyed by user.
    user = db.session.scalar(db.select(User).where(User.name == LOCAL_USER_NAME))
    if user is None:
        user = store.get_or_create_user(db.session, LOCAL_USER_NAME)
        db.session.commit()
    g.user = user


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


@bp.get("/")
def today() -> str:
    """Today's page: due and new counts per topic and a start button."""
    trees, due, new, drill = store.today_overview(
        db.session, g.user, _today(), current_app.config["NEW_CARDS_PER_DAY"]
    )
    return render_template(
        "quiz/today.html",
        trees=trees,
        due=due,
        new=new,
        drill=drill,
        form=StartForm(),
        running="quiz" in session,
    )


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
    session["quiz"] = {"since": now_utc().isoformat(), "topic_id": topic_id}
    return redirect(url_for("quiz.next_card"))


@bp.get("/quiz")
def next_card() -> Response:
    """Send the user to the next card of the queue, or to the summary when none is left."""
    item = store.next_card(
        db.session, g.user, _today(), current_app.config["NEW_CARDS_PER_DAY"], _quiz_scope()
    )
    if item is None:
        return redirect(url_for("quiz.done"))
    return redirect(url_for("quiz.card", card_id=item.card.id))


@bp.get("/quiz/card/<int:card_id>")
def card(card_id: int) -> str:
    """Show a card's front; with ``?show=1`` its answer and the six grade buttons."""
    card = _owned_card(card_id)
    item = store.next_card(
        db.session, g.user, _today(), current_app.config["NEW_CARDS_PER_DAY"], _quiz_scope()
    )
    reason = item.reason if item is not None and item.card.id == card.id else None
    return render_template(
        "quiz/card.html",
        card=card,
        deck=card.deck,
        reason=reason,
        show=request.args.get("show") == "1",
        form=GradeForm(),
        labels=sm2.GRADE_LABELS,
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
        flash("That card was already graded today; here is the next one.")
        return redirect(url_for("quiz.next_card"))
    db.session.commit()
    return redirect(url_for("quiz.next_card"))


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


@bp.get("/progress")
def progress() -> str:
    """Progress per topic: counts, retention over 30 days and average ease."""
    trees = store.topic_progress(db.session, g.user, _today())
    return render_template("quiz/progress.html", trees=trees, form=EmptyForm())


@bp.post("/anki/export")
def export_anki() -> Response:
    """Download the user's cards as an Anki package."""
    if not EmptyForm().validate_on_submit():
        abort(400)
    cards = store.export_cards(db.session, g.user)
    if not cards:
        flash("There are no cards to export yet: import some notes first.")
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
