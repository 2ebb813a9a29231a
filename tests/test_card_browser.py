"""The card browser: search by text, topic and state; edit, suspend; backups from the command line."""

from __future__ import annotations

import gzip
import json
import re

from sqlalchemy import select

from quiz.models import Card, ReviewState, Topic, User, db
from quiz.store.importing import import_note_files
from tests.conftest import TEST_USER


def setup_cards(app, notes_dir) -> dict[str, int]:
    with app.app_context():
        user = db.session.scalars(select(User).where(User.name == TEST_USER)).one()
        import_note_files(db.session, user, [notes_dir])
        db.session.commit()
        return {c.back: c.id for c in db.session.scalars(select(Card))}


def listed(page: str) -> list[str]:
    return re.findall(r'<code class="back">([^<]*)</code>', page)


def test_search_by_text_topic_and_state(app, client, notes_dir):
    ids = setup_cards(app, notes_dir)
    assert len(listed(client.get("/cards").get_data(as_text=True))) == 5
    assert listed(client.get("/cards?q=BRANCH").get_data(as_text=True)) == [
        "git branch",
        "git switch -c NAME",
    ]
    assert listed(client.get("/cards?q=隐藏").get_data(as_text=True)) == ["ls -la"]
    assert listed(client.get("/cards?q=100%25").get_data(as_text=True)) == []  # % is text, not a wildcard
    with app.app_context():
        remotes = db.session.scalars(select(Topic).where(Topic.title == "Remotes")).one().id
        basics = db.session.scalars(select(Topic).where(Topic.title == "Git basics")).one().id
    assert listed(client.get(f"/cards?topic={remotes}").get_data(as_text=True)) == ["git remote -v"]
    assert len(listed(client.get(f"/cards?topic={basics}").get_data(as_text=True))) == 3
    client.post(f"/quiz/card/{ids['git branch']}/grade", data={"grade": "4"})
    assert listed(client.get("/cards?state=learning").get_data(as_text=True)) == ["git branch"]
    assert len(listed(client.get("/cards?state=new").get_data(as_text=True))) == 4
    page = client.get("/cards?state=nonsense").get_data(as_text=True)
    assert len(listed(page)) == 5


def test_edit_overrides_the_note_and_reset_brings_it_back(app, client, notes_dir):
    ids = setup_cards(app, notes_dir)
    card_id = ids["git branch"]
    response = client.post(
        f"/cards/{card_id}/edit", data={"front": "List my branches", "back": "git branch --list"}
    )
    assert response.status_code == 302
    page = client.get(f"/quiz/card/{card_id}?show=1").get_data(as_text=True)
    assert "List my branches" in page and "git branch --list" in page
    assert "your wording" in client.get("/cards?state=edited").get_data(as_text=True)
    client.post(f"/cards/{card_id}/edit", data={"reset": "1"})
    with app.app_context():
        card = db.session.get(Card, card_id)
        assert (card.override_front, card.override_back) == (None, None)


def test_suspended_cards_leave_the_quiz_and_come_back(app, client, notes_dir):
    ids = setup_cards(app, notes_dir)
    for card_id in ids.values():
        client.post(f"/cards/{card_id}/suspend", data={})
    assert client.get("/quiz").headers["Location"].endswith("/quiz/done")
    assert 'id="new-count">0<' in client.get("/").get_data(as_text=True)
    assert len(listed(client.get("/cards?state=suspended").get_data(as_text=True))) == 5
    client.post(f"/cards/{ids['ls -la']}/suspend", data={})
    assert client.get("/quiz").headers["Location"].endswith(f"/quiz/card/{ids['ls -la']}")
    with app.app_context():
        assert (
            db.session.scalars(select(ReviewState).where(ReviewState.suspended.is_(False))).one().card_id
            == ids["ls -la"]
        )


def test_backup_and_restore_from_the_command_line(app, client, runner, notes_dir, tmp_path):
    ids = setup_cards(app, notes_dir)
    client.post(f"/quiz/card/{ids['git branch']}/grade", data={"grade": "5"})
    out = tmp_path / "alice.json.gz"
    result = runner.invoke(args=["backup", str(out), "--user", TEST_USER])
    assert result.exit_code == 0, result.output
    data = json.loads(gzip.decompress(out.read_bytes()))
    assert data["format"] == "wengu-backup" and len(data["decks"]) == 2
    assert runner.invoke(args=["users", "create", "bob", "--password", "another password"]).exit_code == 0
    restored = runner.invoke(args=["restore", str(out), "--user", "bob"])
    assert restored.exit_code == 0, restored.output
    again = runner.invoke(args=["restore", str(out), "--user", "bob"])
    assert again.exit_code == 1 and "empty account" in again.output and "Nothing was restored" in again.output
    with app.app_context():
        bob = db.session.scalars(select(User).where(User.name == "bob")).one()
        states = db.session.scalars(select(ReviewState).where(ReviewState.user_id == bob.id)).all()
        assert len(states) == 5 and sorted(s.repetitions for s in states) == [0, 0, 0, 0, 1]
    download = client.post("/settings/backup", data={})
    assert download.headers["Content-Disposition"].startswith("attachment; filename=wengu-alice-")
    assert json.loads(gzip.decompress(download.data))["user"]["name"] == TEST_USER
