"""Today's counts under the daily limits and studying ahead past them, the session's "N left" counter,
the options of a multiple-choice card, and the card browser's "due today" beside Today's count."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import event, select

from quiz.models import Card, ReviewState, Topic, User, db
from quiz.store.browser import CHOICE_OPTIONS, choice_options, search_cards
from quiz.store.days import DailyLimits, get_or_create_user
from quiz.store.grading import record_grade
from quiz.store.importing import import_note_files
from quiz.store.progress import TopicProgress, today_overview, topic_progress
from quiz.store.queue import cards_left, next_card, queue_counts
from quiz.store.scopes import topic_and_descendants
from tests.conftest import TEST_USER

NOON = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
TODAY = date(2026, 3, 10)


def topic_nodes(trees: list[TopicProgress]) -> list[TopicProgress]:
    """Every topic node of the trees (the decks' roots left out)."""
    nodes, todo = [], list(trees)
    while todo:
        node = todo.pop()
        if node.id is not None:
            nodes.append(node)
        todo.extend(node.children)
    return nodes


def scope(session, topic_id: int) -> list[int]:
    return topic_and_descendants(session, session.get(Topic, topic_id))


def make_due(session, user: User, cards: list[Card], day: date = TODAY) -> None:
    for card in cards:
        state = session.get(ReviewState, (user.id, card.id))
        state.repetitions, state.interval_days, state.due = 1, 1, day
        state.introduced_on = day - timedelta(days=1)
    session.flush()


def drain(session, user: User, limits: DailyLimits, topic_ids=None, grade=5) -> list[str]:
    """Grade every card the queue gives, with ``grade``; the reasons, in order."""
    reasons = []
    while (item := next_card(session, user, TODAY, limits.new_cards, topic_ids, limits.reviews)) is not None:
        reasons.append(item.reason)
        record_grade(session, user, item.card, grade, NOON)
        assert len(reasons) < 100
    return reasons


# --- 10. Today's counts per topic obey the limits; studying ahead on purpose --------------------------


def test_the_limits_hold_and_leave_room_as_one_rule():
    limits = DailyLimits(new_cards=20, reviews=200)
    assert limits.left_after(DailyLimits(5, 30)) == DailyLimits(15, 170)
    assert limits.left_after(DailyLimits(25, 300)) == DailyLimits(0, 0)  # never below zero
    # Studying ahead: past the limit, or past what was done when the day went beyond it already.
    assert limits.ahead(DailyLimits(20, 0), DailyLimits(10, 0)) == DailyLimits(30, 200)
    assert limits.ahead(DailyLimits(35, 0), DailyLimits(10, 0)) == DailyLimits(45, 200)
    assert limits.ahead(DailyLimits(3, 200), DailyLimits(0, 10)) == DailyLimits(20, 210)
    assert limits.raised_to(DailyLimits(30, 100)) == DailyLimits(30, 200)


def test_each_topic_offers_what_a_session_on_it_gets_under_the_limits(ctx, user, notes_dir):
    import_note_files(ctx, user, [notes_dir])
    limits = DailyLimits(new_cards=2, reviews=200)
    overview = today_overview(ctx, user, TODAY, limits)
    assert overview.new == 2
    branches = next(n for n in topic_nodes(overview.trees) if n.title == "Branches")
    assert overview.offered(branches) == (0, 2) and overview.held_back(branches) == (0, 0)
    git = next(n for n in topic_nodes(overview.trees) if n.title == "Git basics")
    assert (git.new, overview.offered(git), overview.held_back(git)) == (3, (0, 2), (0, 1))
    # Two new cards graded: the day's new cards are used up, in every topic alike.
    assert drain(ctx, user, limits) == ["new", "new"]
    overview = today_overview(ctx, user, TODAY, limits)
    assert (overview.due, overview.new) == (0, 0)
    nodes = topic_nodes(overview.trees)
    assert nodes and all(overview.offered(n) == (0, 0) for n in nodes)
    held = {n.title: overview.held_back(n) for n in nodes}
    assert held["Remotes"] == (0, 1) and held["文件"] == (0, 2)
    assert overview.held_back(overview.everything) == (0, 3)
    for node in nodes:  # "Study this topic" would open an empty session: Today offers none
        assert next_card(ctx, user, TODAY, limits.new_cards, scope(ctx, node.id), limits.reviews) is None
        assert cards_left(ctx, user, TODAY, limits, scope(ctx, node.id)) == 0


def test_a_topics_offered_counts_are_what_its_queue_gives(ctx, user, notes_dir):
    import_note_files(ctx, user, [notes_dir])
    cards = {c.back: c for c in ctx.scalars(select(Card))}
    make_due(ctx, user, [cards["git branch"], cards["git remote -v"], cards["ls -la"]])
    limits = DailyLimits(new_cards=1, reviews=2)
    overview = today_overview(ctx, user, TODAY, limits)
    assert (overview.due, overview.new) == (2, 1)
    for node in topic_nodes(overview.trees):
        due, new = overview.offered(node)
        assert cards_left(ctx, user, TODAY, limits, scope(ctx, node.id)) == due + new
        savepoint = ctx.begin_nested()
        reasons = drain(ctx, user, limits, scope(ctx, node.id))
        savepoint.rollback()
        assert (reasons.count("due"), reasons.count("new")) == (due, new), node.title


def test_today_page_says_what_the_limit_holds_back_and_studies_ahead_on_purpose(app, client, notes_dir):
    with app.app_context():
        owner = db.session.scalars(select(User).where(User.name == TEST_USER)).one()
        owner.new_cards_per_day = 1
        import_note_files(db.session, owner, [notes_dir])
        db.session.commit()
        remotes = db.session.scalars(select(Topic).where(Topic.title == "Remotes")).one().id
        files = db.session.scalars(select(Topic).where(Topic.title == "文件")).one().id
    client.post("/quiz/start", data={})
    first = int(client.get("/quiz").headers["Location"].rsplit("/", 1)[1])
    client.post(f"/quiz/card/{first}/grade", data={"grade": "5"})
    assert client.get("/quiz").headers["Location"].endswith("/quiz/done")

    page = client.get("/").get_data(as_text=True)
    assert re.search(r'id="new-count">0<', page) and "Nothing left for today" in page
    assert "Study this topic" not in page  # no topic offers what its session would not give
    assert "Today's limits hold back 4 cards" in page
    assert "2 new cards held back by today's limit" in page
    assert page.count('data-ahead="new"') == 5 and 'data-ahead="due"' not in page
    assert "Study 2 more new cards" in page and "Study 1 more new card<" in page

    # Studying ahead raises the limit for that session and that topic only.
    response = client.post("/quiz/ahead/new", data={"topic_id": str(files)})
    assert response.headers["Location"].endswith("/quiz")
    seen = []
    while (location := client.get("/quiz").headers["Location"]).startswith("/quiz/card/"):
        card_id = int(location.rsplit("/", 1)[1])
        assert f'data-left="{2 - len(seen)}"' in client.get(location).get_data(as_text=True)
        seen.append(card_id)
        client.post(f"/quiz/card/{card_id}/grade", data={"grade": "5"})
        assert len(seen) < 5
    with app.app_context():
        assert {db.session.get(Card, c).topic_id for c in seen} == {files} and len(seen) == 2
    page = client.get("/").get_data(as_text=True)
    assert re.search(r'id="new-count">0<', page) and "Today's limits hold back 2 cards" in page
    # A plain session afterwards keeps the day's limit.
    client.post("/quiz/start", data={"topic_id": str(remotes)})
    assert client.get("/quiz").headers["Location"].endswith("/quiz/done")


def test_studying_ahead_refuses_bad_requests(app, client, notes_dir):
    with app.app_context():
        other = get_or_create_user(db.session, "bob")
        import_note_files(db.session, other, [notes_dir / "git.md"])
        db.session.commit()
        theirs = db.session.scalars(select(Topic)).first().id
    assert client.post("/quiz/ahead/new", data={}).status_code == 400
    assert client.post("/quiz/ahead/new", data={"topic_id": "x"}).status_code == 400
    assert client.post("/quiz/ahead/everything", data={"topic_id": "1"}).status_code == 404
    assert client.post("/quiz/ahead/due", data={"topic_id": str(theirs)}).status_code == 404


def test_a_study_ahead_session_ends_with_its_day(app, client, notes_dir):
    with app.app_context():
        owner = db.session.scalars(select(User).where(User.name == TEST_USER)).one()
        owner.new_cards_per_day = 0
        import_note_files(db.session, owner, [notes_dir / "git.md"])
        db.session.commit()
        topic = db.session.scalars(select(Topic).where(Topic.title == "Branches")).one().id
    client.post("/quiz/ahead/new", data={"topic_id": str(topic)})
    assert "/quiz/card/" in client.get("/quiz").headers["Location"]
    with client.session_transaction() as cookie:
        quiz = cookie["quiz"]
        quiz["ahead"]["day"] = "2000-01-01"  # as if the day had rolled over since
        cookie["quiz"] = quiz
    assert client.get("/quiz").headers["Location"].endswith("/quiz/done")


# --- 11. "N left" in the session, the key hint, four options --------------------------------------------


def test_cards_left_counts_down_with_the_queue_and_keeps_the_drill(ctx, user, notes_dir):
    import_note_files(ctx, user, [notes_dir])
    cards = {c.back: c for c in ctx.scalars(select(Card))}
    make_due(ctx, user, [cards["git branch"], cards["ls -la"]])
    limits = DailyLimits(new_cards=2, reviews=1)  # a due card and two new ones are held back
    assert cards_left(ctx, user, TODAY, limits) == 3
    counts, grades = [], iter([2, 5, 5, 4])  # the first card goes to the drill, then comes back
    while (item := next_card(ctx, user, TODAY, limits.new_cards, None, limits.reviews)) is not None:
        counts.append((cards_left(ctx, user, TODAY, limits), item.reason))
        record_grade(ctx, user, item.card, next(grades), NOON)
    assert counts == [(3, "due"), (3, "new"), (2, "new"), (1, "drill")]
    assert cards_left(ctx, user, TODAY, limits) == 0
    assert queue_counts(ctx, user, TODAY, limits).done == DailyLimits(new_cards=2, reviews=1)
    # A day's limit bounds the count however many cards wait.
    assert cards_left(ctx, user, TODAY + timedelta(days=30), DailyLimits(0, 2)) == 2


def test_cards_left_in_one_topic(ctx, user, notes_dir):
    import_note_files(ctx, user, [notes_dir])
    files = ctx.scalars(select(Topic).where(Topic.title == "文件")).one()
    limits = DailyLimits(new_cards=20, reviews=200)
    assert cards_left(ctx, user, TODAY, limits, scope(ctx, files.id)) == 2
    assert cards_left(ctx, user, TODAY, limits) == 5
    state = ctx.scalars(select(ReviewState).where(ReviewState.topic_id == files.id)).first()
    state.suspended = True
    ctx.flush()
    assert cards_left(ctx, user, TODAY, limits, scope(ctx, files.id)) == 1


def test_the_quiz_page_shows_the_cards_left_of_its_session(app, client, notes_dir):
    with app.app_context():
        owner = db.session.scalars(select(User).where(User.name == TEST_USER)).one()
        import_note_files(db.session, owner, [notes_dir])
        db.session.commit()
        branches = db.session.scalars(select(Topic).where(Topic.title == "Branches")).one().id
    client.post("/quiz/start", data={})
    lefts = []
    while (location := client.get("/quiz").headers["Location"]).startswith("/quiz/card/"):
        page = client.get(location).get_data(as_text=True)
        lefts.append(int(re.search(r'id="left-count" data-left="(\d+)"', page).group(1)))
        assert f">{lefts[-1]} left<" in page
        client.post(location + "/grade", data={"grade": "5"})
        shown = location
    assert lefts == [5, 4, 3, 2, 1]
    client.post("/quiz/start", data={"topic_id": str(branches)})  # nothing left there now
    assert 'data-left="0"' in client.get(shown).get_data(as_text=True)


def test_the_key_hint_of_a_multiple_choice_card_names_the_option_keys(app, client, tmp_path):
    note = tmp_path / "terms.md"
    note.write_text(
        "# Terms\n\n- Latency: the delay before data arrives\n- Bandwidth: data per second\n"
        "- Jitter: the variation in latency\n- Packet loss: packets that never arrive\n",
        encoding="utf-8",
    )
    with app.app_context():
        owner = db.session.scalars(select(User).where(User.name == TEST_USER)).one()
        import_note_files(db.session, owner, [note])
        db.session.commit()
    client.post("/quiz/start", data={"choices": "y"})
    location = client.get("/quiz").headers["Location"]
    page = client.get(location).get_data(as_text=True)
    hint = re.search(r'id="key-hint">([^<]*)<', page).group(1)
    assert "1–4 picks an answer" in hint
    shown = client.get(location + "?show=1").get_data(as_text=True)
    assert "0–5 grade" in re.search(r'id="key-hint">([^<]*)<', shown).group(1)
    client.post("/quiz/start", data={})  # no choices: the hint of a card with a Show answer button
    hint = re.search(r'id="key-hint">([^<]*)<', client.get(location).get_data(as_text=True)).group(1)
    assert "1–4" not in hint and "Space or Enter shows the answer" in hint


def write_note(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def few_concepts(tmp_path: Path) -> list[Path]:
    """A note whose topics hold one or two concepts each, among commands, and another note of concepts."""
    networks = write_note(
        tmp_path,
        "networks.md",
        "# Networks\n\n## Delay\n\n- Latency: the delay before data arrives\n"
        "- `ping HOST` measures the round trip to a host\n\n"
        "## Throughput\n\n- Bandwidth: how much data fits through per second\n\n"
        "## Far away\n\n" + "".join(f"- `tool{n} --flag` does thing number {n}\n" for n in range(40)),
    )
    storage = write_note(
        tmp_path,
        "storage.md",
        "# Storage\n\n- IOPS: input/output operations per second\n- Seek time: moving the disk head\n"
        "- RAID: several disks as one\n",
    )
    return [networks, storage]


def answers(options) -> list[str]:
    return sorted(" ".join(o.text.split()) for o in options)


def test_a_choice_takes_distractors_from_neighbouring_topics_then_other_decks(ctx, user, few_concepts):
    import_note_files(ctx, user, few_concepts[:1])
    latency = ctx.scalars(select(Card).where(Card.front.contains("Latency"))).one()
    # One note with two concepts: two options, the neighbouring topic's concept among them.
    assert answers(choice_options(ctx, latency, TODAY)) == [
        "how much data fits through per second",
        "the delay before data arrives",
    ]
    import_note_files(ctx, user, few_concepts[1:])
    options = choice_options(ctx, latency, TODAY)
    assert len(options) == CHOICE_OPTIONS and [o.correct for o in options].count(True) == 1
    texts = answers(options)
    assert "how much data fits through per second" in texts  # the same deck's before other decks'
    assert len(set(texts)) == 4 and not any("`" in t for t in texts)  # no command's answer
    assert options == choice_options(ctx, latency, TODAY)  # the same all day


def test_choice_options_send_a_few_bounded_queries(app, ctx, user, few_concepts):
    import_note_files(ctx, user, few_concepts)
    ctx.commit()
    latency = ctx.scalars(select(Card).where(Card.front.contains("Latency"))).one()
    latency.deck  # noqa: B018 - loaded, as the quiz page has it
    statements: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        choice_options(ctx, latency, TODAY)
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    # The topic, its neighbours, the other decks: one query each, each with a LIMIT.
    assert len(statements) == 3
    assert all(s.count("LIMIT") >= 1 for s in statements)


# --- 14. The card browser's "due today" agrees with Today ---------------------------------------------


def test_the_browsers_due_and_stage_filters_count_what_today_and_progress_count(ctx, user, notes_dir):
    import_note_files(ctx, user, [notes_dir])
    cards = {c.back: c for c in ctx.scalars(select(Card))}
    make_due(ctx, user, [cards["git branch"], cards["git remote -v"], cards["ls -la"]])
    ctx.get(ReviewState, (user.id, cards["ls -la"].id)).suspended = True
    ctx.get(ReviewState, (user.id, cards["du -sh DIR"].id)).suspended = True
    ctx.flush()
    overview = today_overview(ctx, user, TODAY, DailyLimits(200, 200))
    assert overview.due == 2
    assert search_cards(ctx, user, TODAY, state="due")[1] == overview.due
    totals = TopicProgress(None, "", 0, 0)
    for tree in topic_progress(ctx, user, TODAY):
        totals.add(tree)
    for stage in ("new", "learning", "mature"):
        assert search_cards(ctx, user, TODAY, state=stage)[1] == getattr(totals, stage), stage
    assert search_cards(ctx, user, TODAY, state="suspended")[1] == 2
    assert search_cards(ctx, user, TODAY, state="all")[1] == 5


def test_today_does_not_count_a_suspended_card_in_the_drill(ctx, user, notes_dir):
    import_note_files(ctx, user, [notes_dir / "git.md"])
    cards = {c.back: c for c in ctx.scalars(select(Card))}
    for back in ("git branch", "git remote -v"):
        record_grade(ctx, user, cards[back], 2, NOON)  # both wait in the drill
    assert today_overview(ctx, user, TODAY, DailyLimits(20, 200)).drill == 2
    ctx.get(ReviewState, (user.id, cards["git branch"].id)).suspended = True
    ctx.flush()
    assert today_overview(ctx, user, TODAY, DailyLimits(20, 200)).drill == 1
    assert drain(ctx, user, DailyLimits(0, 200)) == ["drill"]


def test_the_browser_page_does_not_call_a_suspended_card_due(app, client, notes_dir):
    with app.app_context():
        owner = db.session.scalars(select(User).where(User.name == TEST_USER)).one()
        import_note_files(db.session, owner, [notes_dir / "git.md"])
        cards = list(db.session.scalars(select(Card)))
        make_due(db.session, owner, cards, day=date(2000, 1, 1))
        db.session.get(ReviewState, (owner.id, cards[0].id)).suspended = True
        db.session.commit()
    page = client.get("/cards?state=due").get_data(as_text=True)
    assert ">2 cards<" in page and page.count('class="badge due"') == 2
    assert re.search(r'id="due-count">2<', client.get("/").get_data(as_text=True))
    everything = client.get("/cards").get_data(as_text=True)
    assert everything.count('class="badge due"') == 2 and everything.count(">suspended<") == 1
