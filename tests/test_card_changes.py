"""A card's last change (``Card.changed_at``): stamped when what the Anki export writes of it changes,
and only then, so that Anki's import updates the notes that changed and leaves the others alone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update

from quiz.models import Card, Deck, ReviewState, User, change_time, db, now_utc
from quiz.store.browser import clear_override, set_override
from quiz.store.importing import import_note_files

OLD = datetime(2026, 1, 1, 8, 0, 0, tzinfo=UTC)

NOTE = """# Networking

## Terms

- Latency: the delay before data starts to arrive
- Jitter: the variation in latency between packets

## Commands

- `ping -c 4 HOST` sends four echo requests
- `ss -tlnp` lists listening TCP ports with their processes
"""


@pytest.fixture
def note(tmp_path):
    path = tmp_path / "net.md"
    path.write_text(NOTE, encoding="utf-8")
    return path


def stamps(session) -> dict[str, datetime]:
    """Every card's changed_at, by its back."""
    session.expire_all()
    return {card.back: card.changed_at for card in session.scalars(select(Card))}


def age_all(session) -> None:
    """Stamp every card as last changed long ago, so a new stamp shows."""
    session.execute(update(Card).values(changed_at=OLD))
    session.commit()


def changed(session) -> set[str]:
    return {back for back, stamp in stamps(session).items() if stamp != OLD}


def test_change_time_is_at_least_a_whole_second_after_the_last():
    now = datetime(2026, 5, 4, 12, 0, 0, 300_000, tzinfo=UTC)
    assert change_time(None, now) == now
    assert change_time(now - timedelta(seconds=5), now) == now
    # Anki compares whole seconds: a second change within the same second still gets a later second.
    assert change_time(now.replace(microsecond=100_000), now) == now.replace(microsecond=0) + timedelta(
        1 / 86400
    )
    assert int(change_time(now, now).timestamp()) == int(now.timestamp()) + 1


def test_import_stamps_new_cards(ctx, user, note):
    before = now_utc()
    import_note_files(ctx, user, [note])
    ctx.commit()
    after = now_utc()
    values = stamps(ctx).values()
    assert len(values) == 4 and all(before <= stamp <= after for stamp in values)
    assert all(stamp.tzinfo is not None for stamp in values)


def test_reimport_of_an_unchanged_note_leaves_every_stamp(ctx, user, note):
    import_note_files(ctx, user, [note])
    ctx.commit()
    age_all(ctx)
    import_note_files(ctx, user, [note])  # the same text
    ctx.commit()
    assert changed(ctx) == set()
    # Another text whose cards are the same (a blank line and a paragraph added) changes nothing either.
    note.write_text(NOTE.replace("## Terms\n", "## Terms\n\nSome words.\n"), encoding="utf-8")
    import_note_files(ctx, user, [note])
    ctx.commit()
    assert changed(ctx) == set()


def test_reimport_stamps_the_edited_the_moved_the_retired_and_the_restored(ctx, user, note):
    import_note_files(ctx, user, [note])
    ctx.commit()
    age_all(ctx)
    edited = (
        NOTE.replace("between packets", "between two packets")  # text
        .replace("- `ss -tlnp` lists listening TCP ports with their processes\n", "")  # retired
        .replace("## Commands\n", "## Tools\n")  # ping moves to another topic
    )
    note.write_text(edited, encoding="utf-8")
    import_note_files(ctx, user, [note])
    ctx.commit()
    assert changed(ctx) == {"the variation in latency between two packets", "ss -tlnp", "ping -c 4 HOST"}
    age_all(ctx)
    note.write_text(NOTE.replace("between packets", "between two packets"), encoding="utf-8")
    import_note_files(ctx, user, [note])  # ss comes back (restored), ping returns to its topic
    ctx.commit()
    assert changed(ctx) == {"ss -tlnp", "ping -c 4 HOST"}


def test_reimport_that_changes_the_kind_stamps_the_card(ctx, user, note):
    import_note_files(ctx, user, [note])
    ctx.commit()
    age_all(ctx)
    note.write_text(NOTE.replace("- Latency: the delay", "- Latency :: the delay"), encoding="utf-8")
    import_note_files(ctx, user, [note])
    ctx.commit()
    kinds = {card.back: card.kind for card in ctx.scalars(select(Card)) if not card.retired}
    assert kinds["the delay before data starts to arrive"] == "qa"
    assert "the delay before data starts to arrive" in changed(ctx)


def test_the_users_wording_stamps_the_card_and_the_same_wording_does_not(ctx, user, note):
    import_note_files(ctx, user, [note])
    ctx.commit()
    age_all(ctx)
    card = ctx.scalar(select(Card).where(Card.back == "ss -tlnp"))
    set_override(card, card.front, card.back)  # what the note says already: no override, no change
    clear_override(card)
    ctx.commit()
    assert changed(ctx) == set()
    card = ctx.scalar(select(Card).where(Card.back == "ss -tlnp"))
    set_override(card, "lists listening sockets", card.back)
    ctx.commit()
    assert changed(ctx) == {"ss -tlnp"}
    age_all(ctx)
    card = ctx.scalar(select(Card).where(Card.back == "ss -tlnp"))
    set_override(card, card.front, card.back, kind="qa")
    ctx.commit()
    assert changed(ctx) == {"ss -tlnp"}
    # A re-import that edits the note's text under the user's own wording changes nothing exported.
    age_all(ctx)
    card = ctx.scalar(select(Card).where(Card.back == "ss -tlnp"))
    set_override(card, "my front", "my back", kind="qa")
    ctx.commit()
    age_all(ctx)
    note.write_text(NOTE.replace("with their processes", "with their owning processes"), encoding="utf-8")
    import_note_files(ctx, user, [note])
    ctx.commit()
    assert changed(ctx) == set()


def test_suspending_in_the_browser_stamps_the_card_once(app, client, note):
    with app.app_context():
        alice = db.session.scalar(select(User).where(User.name == "alice"))
        import_note_files(db.session, alice, [note])
        db.session.commit()
        age_all(db.session)
        card_id = db.session.scalar(select(Card.id).where(Card.back == "ss -tlnp"))
    assert client.post(f"/cards/{card_id}/suspend", data={"suspend": "1"}).status_code == 302
    with app.app_context():
        first = stamps(db.session)["ss -tlnp"]
        assert first > OLD and changed(db.session) == {"ss -tlnp"}
    client.post(f"/cards/{card_id}/suspend", data={"suspend": "1"})  # suspended already: no change
    with app.app_context():
        assert stamps(db.session)["ss -tlnp"] == first
    client.post(f"/cards/{card_id}/suspend", data={"suspend": "0"})
    with app.app_context():
        assert stamps(db.session)["ss -tlnp"] > first
        assert db.session.scalar(select(ReviewState.suspended).where(ReviewState.card_id == card_id)) is False


def test_a_deck_touched_without_card_changes_stamps_nothing(ctx, user, note):
    import_note_files(ctx, user, [note])
    ctx.commit()
    age_all(ctx)
    deck = ctx.scalar(select(Deck))
    deck.content_hash = "0" * 64
    for card in ctx.scalars(select(Card)):
        card.line += 1  # not exported
        card.edited_at = now_utc()
    ctx.commit()
    assert changed(ctx) == set()


def test_a_backup_keeps_the_stamps_and_an_older_backup_takes_the_last_edit_or_import(ctx, user, note):
    from quiz.backup import dump_user, restore_user
    from tests.test_backup import valid_backup

    import_note_files(ctx, user, [note])
    ctx.commit()
    card = ctx.scalar(select(Card).where(Card.back == "ss -tlnp"))
    card.changed_at = datetime(2026, 2, 3, 4, 5, 6, 789, tzinfo=UTC)
    ctx.commit()
    data = dump_user(ctx, user)
    bob = User(name="bob")
    ctx.add(bob)
    restore_user(ctx, data, bob)
    ctx.commit()
    restored = ctx.scalar(select(Card).join(Deck).where(Deck.user_id == bob.id, Card.back == "ss -tlnp"))
    assert restored.changed_at == datetime(2026, 2, 3, 4, 5, 6, 789, tzinfo=UTC)

    old = valid_backup()  # written before cards kept their last change
    assert "changed_at" not in old["decks"][0]["cards"][0]
    carol = User(name="carol")
    ctx.add(carol)
    restore_user(ctx, old, carol)
    edited = valid_backup()
    edited["decks"][0]["cards"][0]["edited_at"] = "2026-03-11T10:00:00+00:00"
    dave = User(name="dave")
    ctx.add(dave)
    restore_user(ctx, edited, dave)
    ctx.commit()

    def stamp(owner: User) -> datetime:
        return ctx.scalar(select(Card.changed_at).join(Deck).where(Deck.user_id == owner.id))

    assert stamp(carol) == datetime(2026, 3, 10, 9, 0, tzinfo=UTC)  # the deck's imported_at
    assert stamp(dave) == datetime(2026, 3, 11, 10, 0, tzinfo=UTC)  # the card's edited_at


def test_a_backup_with_a_null_stamp_is_refused(ctx, user):
    from quiz.backup import BackupError, restore_user
    from tests.test_backup import valid_backup

    data = valid_backup()
    data["decks"][0]["cards"][0]["changed_at"] = None
    with pytest.raises(BackupError, match=r"decks\[0\]\.cards\[0\]\.changed_at: must not be null"):
        restore_user(ctx, data, user)


def test_the_migration_fills_the_stamp_from_the_last_edit_or_the_decks_import(database_url, tmp_path):
    from flask_migrate import upgrade

    from tests.conftest import drop_schema, make_app
    from tests.test_migrations import insert

    app = make_app(database_url, tmp_path)
    drop_schema(app)
    try:
        with app.app_context():
            directory = app.extensions["migrate"].directory
            upgrade(directory=directory, revision="0013")
            imported, edited = datetime(2026, 2, 1, 9), datetime(2026, 2, 5, 10, 30)
            with db.engine.begin() as conn:
                insert(
                    conn,
                    "users",
                    id=1,
                    name="alice",
                    name_key="alice",
                    session_token="t",
                    created_at=imported,
                )
                insert(
                    conn, "decks", id=1, user_id=1, title="git", slug="git", source_path="/n/git.md",
                    content_hash="abc", imported_at=imported,
                )  # fmt: skip
                for card_id, edited_at in ((1, None), (2, edited)):
                    insert(
                        conn, "cards", id=card_id, deck_id=1, kind="command", front="f", back=f"b{card_id}",
                        key=f"k{card_id}", line=1, position=card_id, retired=False, edited_at=edited_at,
                    )  # fmt: skip
            upgrade(directory=directory)
            db.session.expire_all()
            got = {card.id: card.changed_at for card in db.session.scalars(select(Card))}
            assert got == {1: imported.replace(tzinfo=UTC), 2: edited.replace(tzinfo=UTC)}
    finally:
        drop_schema(app)
