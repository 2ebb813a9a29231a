"""What identifies a deck and a card survives what users do (issue 14, point 4).

A deck is its note's folder-relative name: a moved folder, or the command line then an upload, is one
deck with the same slug, cards, GUIDs and history.  A card whose kind changes in the note (a concept
rewritten as ``Term::definition``) is the same card.  A card keeps its first key: what is not in the
key (a description, a definition, a fix of the wording) gives the same GUID on every machine.  The
``slow`` tests import the exports into the real Anki.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func, select

from quiz.backup import dump_user, restore_user
from quiz.export import note_guid
from quiz.models import Card, Deck, ReviewLog, User, db
from quiz.notes import NoteError, parse_note
from quiz.store.browser import set_override
from quiz.store.days import get_or_create_user
from quiz.store.decks import EDITED, compare_note, new_slugs, stored_identities
from quiz.store.exporting import export_cards, export_package
from quiz.store.grading import record_grade
from quiz.store.importing import import_note_files, import_parsed
from quiz.store.matching import unique_drafts
from tests.conftest import SAMPLE_NOTES, log_in, make_app
from tests.test_import_preview import fix, key_of, preview
from tests.test_import_web import form_of, statuses, upload

NOON = datetime(2026, 5, 4, 12, tzinfo=UTC)

GIT = (
    "# Git basics\n\n## Branches\n\n"
    "- `git branch` lists local branches\n"
    "- `git switch -c NAME` creates a branch and switches to it\n\n"
    "## Remotes\n\n"
    "- `git remote -v` shows the remotes with their URLs\n"
)
LINUX = (
    "# Linux 命令\n\n## 文件\n\n- `ls -la` 列出所有文件，包括隐藏文件\n- `du -sh DIR` 显示目录占用的空间\n"
)
TERMS = (
    "# Net\n\n## Terms\n\n"
    "- **Latency**: the delay before data starts to arrive\n"
    "- **Jitter**: the variation in latency between packets\n"
)


def write_folder(root: Path) -> Path:
    """A notes folder with a subfolder: ``git.md`` and ``sub/linux.md``."""
    (root / "sub").mkdir(parents=True)
    (root / "git.md").write_text(GIT, encoding="utf-8")
    (root / "sub" / "linux.md").write_text(LINUX, encoding="utf-8")
    return root


def decks_of(session, user: User) -> list[tuple[int, str, str, str]]:
    rows = session.execute(
        select(Deck.id, Deck.source_path, Deck.slug, Deck.title)
        .where(Deck.user_id == user.id)
        .order_by(Deck.id)
    )
    return [tuple(row) for row in rows]


def cards_of(session, user: User) -> dict[tuple[str, str], int]:
    """The user's cards by (slug, key): their ids."""
    rows = session.execute(
        select(Deck.slug, Card.key, Card.id)
        .join(Deck, Deck.id == Card.deck_id)
        .where(Deck.user_id == user.id)
    )
    return {(slug, key): card_id for slug, key, card_id in rows}


def log_of(session, user: User) -> list[tuple]:
    rows = session.execute(
        select(ReviewLog.card_id, ReviewLog.grade, ReviewLog.reviewed_at)
        .where(ReviewLog.user_id == user.id)
        .order_by(ReviewLog.id)
    )
    return [tuple(row) for row in rows]


def guids(session, user: User) -> dict[str, tuple[str, str, str]]:
    """The GUIDs an export gives the user's cards, with what each note shows (kind, front, back)."""
    return {note_guid(c): (c.kind, c.front, c.back) for c in export_cards(session, user)}


def grade_some(session, user: User, backs: tuple[str, ...]) -> None:
    by_back = {c.back: c for c in session.scalars(select(Card))}
    for n, back in enumerate(backs):
        record_grade(session, user, by_back[back], 4, NOON + timedelta(minutes=n))
    session.commit()


# --- (a) a deck is its note's folder-relative name ----------------------------------------------------


def test_a_moved_folder_updates_its_decks_keeping_slugs_cards_and_history(ctx, user, tmp_path):
    old = write_folder(tmp_path / "old" / "notes")
    first = import_note_files(ctx, user, [old])
    ctx.commit()
    assert [r.deck.source_path for r in first] == ["git.md", "sub/linux.md"]
    grade_some(ctx, user, ("git branch", "ls -la"))
    before = decks_of(ctx, user), cards_of(ctx, user), log_of(ctx, user), guids(ctx, user)

    new = tmp_path / "elsewhere" / "my notes"
    shutil.copytree(old, new)
    shutil.rmtree(tmp_path / "old")
    again = import_note_files(ctx, user, [new])
    ctx.commit()
    assert [(r.added, r.updated, r.retired, r.unchanged) for r in again] == [(0, 0, 0, 3), (0, 0, 0, 2)]
    assert (decks_of(ctx, user), cards_of(ctx, user), log_of(ctx, user), guids(ctx, user)) == before
    assert "elsewhere" not in again[0].summary and again[0].summary.startswith("git.md:")


def test_the_command_line_then_an_upload_of_the_same_note_is_one_deck(ctx, user, tmp_path):
    note = tmp_path / "docker-notes.md"
    note.write_bytes(SAMPLE_NOTES.read_bytes())
    (cli,) = import_note_files(ctx, user, [note])
    ctx.commit()
    before = decks_of(ctx, user), cards_of(ctx, user), guids(ctx, user)
    text = note.read_text(encoding="utf-8")
    (uploaded,) = import_parsed(ctx, user, [("docker-notes.md", text, parse_note(text))])
    ctx.commit()
    assert uploaded.deck.id == cli.deck.id and uploaded.added == 0
    assert (decks_of(ctx, user), cards_of(ctx, user), guids(ctx, user)) == before
    assert before[0][0][1:3] == ("docker-notes.md", "docker-notes")
    # The demo deck is the same note by the same name: loading it is that deck again.
    (demo,) = import_note_files(ctx, user, [SAMPLE_NOTES])
    assert demo.deck.id == cli.deck.id and demo.added == 0


def test_a_name_is_one_deck_whatever_its_unicode_form(ctx, user):
    composed, decomposed = "caf\u00e9.md", "cafe\u0301.md"
    import_parsed(ctx, user, [(composed, GIT, parse_note(GIT))])
    (again,) = import_parsed(ctx, user, [(decomposed, GIT, parse_note(GIT))])
    assert again.added == 0 and len(decks_of(ctx, user)) == 1
    assert again.deck.source_path == composed and again.deck.source_name == decomposed


def test_two_readmes_imported_apart_are_one_deck_and_together_are_refused(ctx, user, tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir(), b.mkdir()
    (a / "README.md").write_text(GIT, encoding="utf-8")
    (b / "README.md").write_text(LINUX, encoding="utf-8")
    with pytest.raises(NoteError, match="same name"):
        import_note_files(ctx, user, [a, b])
    ctx.rollback()
    assert decks_of(ctx, user) == []
    # The same file given twice is read once.
    assert len(import_note_files(ctx, user, [a / "README.md", a])) == 1
    ctx.commit()
    # Imported apart, the same name is the same deck: the second README replaces the first's cards.
    (second,) = import_note_files(ctx, user, [b])
    ctx.commit()
    assert (second.added, second.retired) == (2, 3) and len(decks_of(ctx, user)) == 1
    # Their common folder names them apart: a/README.md is another deck (and slug) than README.md.
    results = import_note_files(ctx, user, [tmp_path])
    assert [(r.deck.source_path, r.deck.slug) for r in results] == [
        ("a/README.md", "a/README"),
        ("b/README.md", "b/README"),
    ]


def test_new_slugs_do_not_depend_on_the_order_of_an_import(ctx):
    names = ["sub/README.md", "README.md", "other/README.md", "git.md"]
    slugs = []
    for n, order in enumerate((names, names[::-1])):
        user = get_or_create_user(ctx, f"user{n}")
        import_parsed(ctx, user, [(name, GIT, parse_note(GIT)) for name in order])
        slugs.append({path: slug for _id, path, slug, _title in decks_of(ctx, user)})
    assert (
        slugs[0]
        == slugs[1]
        == {
            "README.md": "README",
            "git.md": "git",
            "other/README.md": "other/README",
            "sub/README.md": "sub/README",
        }
    )
    # A deck made later than one holding its stem takes its folder path, never a counter.
    user = get_or_create_user(ctx, "user2")
    import_parsed(ctx, user, [("README.md", GIT, parse_note(GIT))])
    import_parsed(ctx, user, [("sub/README.md", GIT, parse_note(GIT))])
    assert [slug for _id, _path, slug, _title in decks_of(ctx, user)] == ["README", "sub/README"]


def test_a_note_deep_in_folders_gets_a_slug_that_fits(ctx, user):
    deep = "/".join(["a-rather-long-folder-name"] * 12) + "/x.md"
    import_parsed(ctx, user, [("x.md", GIT, parse_note(GIT)), (deep, GIT, parse_note(GIT))])
    ctx.commit()
    slugs = [slug for _id, _path, slug, _title in decks_of(ctx, user)]
    assert slugs[0] == "x" and len(slugs[1]) <= 200 and len(set(slugs)) == 2


def test_a_slug_that_is_taken_falls_back_to_the_name_then_a_counter():
    taken = {"README", "README-2", "x"}
    assert new_slugs(taken, [("README-2.md", "README-2"), ("x.markdown", "x"), ("x", "x")]) == {
        "README-2.md": "README-2.md",
        "x": "x-2",
        "x.markdown": "x.markdown",
    }
    assert taken == {"README", "README-2", "x", "README-2.md", "x-2", "x.markdown"}
    # A deep folder's path is cut to fit the column, told apart by its digest.
    deep = "/".join(["a-rather-long-folder-name"] * 12) + "/x.md"
    (slug,) = new_slugs(taken, [(deep, "x")]).values()
    assert len(slug) <= 196 and slug.startswith("a-rather-long-folder-name/") and slug != deep
    assert new_slugs(set(taken) - {slug}, [(deep, "x")]) == {deep: slug}


def test_stored_identities_keep_the_older_of_two_decks_and_change_nothing_the_second_time():
    decks = [
        ("/home/mei/notes/docker-notes.md", "docker-notes.md"),  # the command line's
        ("upload:docker-notes.md", "docker-notes.md"),  # the upload that made docker-notes-2
        ("/srv/notes/sub/git.md", "sub/git.md"),
        ("upload:cafe\u0301.md", None),  # before display names were kept
        ("C:\\notes\\linux.md", None),
        ("notes/a.md", "a.md"),  # a restored deck's identity that is already a name
        ("anki:1712345678", "Spanish.apkg"),  # another kind of deck's identity
    ]
    identities = stored_identities(decks)
    assert identities == [
        "docker-notes.md",
        "upload:docker-notes.md",
        "sub/git.md",
        "caf\u00e9.md",
        "linux.md",
        "notes/a.md",
        "anki:1712345678",
    ]
    names = [name for _path, name in decks]
    assert stored_identities(zip(identities, names, strict=True)) == identities


def test_a_restored_backup_from_before_takes_the_notes_name_and_a_new_one_round_trips(ctx, user, tmp_path):
    from tests.test_backup import valid_backup

    data = valid_backup()  # source_path "/notes/git.md", no display name: a backup from an old version
    dora = get_or_create_user(ctx, "dora")
    restore_user(ctx, data, dora)
    ctx.commit()
    assert [path for _id, path, _slug, _title in decks_of(ctx, dora)] == ["git.md"]
    (result,) = import_parsed(ctx, dora, [("git.md", GIT, parse_note(GIT))])
    assert len(decks_of(ctx, dora)) == 1 and result.deck.slug == "git"

    # Two decks that collided at the upgrade: each keeps its identity through a backup.
    import_parsed(ctx, user, [("docker-notes.md", GIT, parse_note(GIT))])
    kept = Deck(
        user_id=user.id,
        title="docker-notes",
        slug="docker-notes-2",
        source_path="upload:docker-notes.md",
        source_name="docker-notes.md",
        content_hash="x",
    )
    ctx.add(kept)
    ctx.commit()
    bob = get_or_create_user(ctx, "bob")
    restore_user(ctx, dump_user(ctx, user), bob)
    ctx.commit()
    assert [d[1:] for d in decks_of(ctx, bob)] == [d[1:] for d in decks_of(ctx, user)]


def test_the_preview_of_an_upload_finds_the_deck_the_command_line_made(app, client, tmp_path):
    note = tmp_path / "git.md"
    note.write_text(GIT, encoding="utf-8")
    with app.app_context():
        alice = db.session.scalar(select(User).where(User.name == "alice"))
        import_note_files(db.session, alice, [note])
        db.session.commit()
    location = upload(client, ("git.md", GIT.encode())).headers["Location"]
    page = client.get(location).get_data(as_text=True)
    assert "updates your existing deck" in page and statuses(page) == ["unchanged"] * 3
    client.post(location, data=form_of(page))
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Deck)) == 1


# --- (b) a card whose kind changes is the same card ---------------------------------------------------


def reimport(session, user: User, text: str, name: str = "net.md"):
    (result,) = import_parsed(session, user, [(name, text, parse_note(text))])
    session.commit()
    return result


def test_a_concept_rewritten_as_a_question_and_back_is_the_same_card(ctx, user):
    reimport(ctx, user, TERMS)
    grade_some(ctx, user, ("the delay before data starts to arrive",))
    (latency,) = ctx.scalars(select(Card).where(Card.front == "**Latency**"))
    key, card_id, history = latency.key, latency.id, log_of(ctx, user)
    deck_id = latency.deck_id

    qa = TERMS.replace("- **Latency**: ", "- Latency::")
    drafts = unique_drafts(parse_note(qa).cards)
    assert drafts[0].kind == "qa" and drafts[0].key != key
    compared = compare_note(ctx, deck_id, drafts)
    assert [c.status for c in compared.cards] == [EDITED, "unchanged"] and compared.retiring == []
    result = reimport(ctx, user, qa)
    assert (result.added, result.updated, result.retired, result.unchanged) == (0, 1, 0, 1)
    card = ctx.get(Card, card_id)
    assert (card.key, card.kind, card.note_kind, card.front) == (key, "qa", None, "Latency")
    assert card.edited_at is not None and log_of(ctx, user) == history

    # Back to a concept, its definition reworded: its first key again.
    concept = TERMS.replace("- **Latency**: the delay", "- **Latency**: the short delay")
    result = reimport(ctx, user, concept)
    assert (result.added, result.updated, result.retired) == (0, 1, 0)
    card = ctx.get(Card, card_id)
    assert (card.key, card.kind, card.back) == (
        key,
        "concept",
        "the short delay before data starts to arrive",
    )
    # The kind and both sides changed, a little: the close text across kinds finds it.
    reworded = concept.replace(
        "- **Latency**: the short delay before data", "- Latency time:: the short delay before the data"
    )
    result = reimport(ctx, user, reworded)
    assert (result.added, result.updated, result.retired) == (0, 1, 0)
    card = ctx.get(Card, card_id)
    assert (card.key, card.kind, card.front) == (key, "qa", "Latency time")
    assert log_of(ctx, user) == history


def test_a_concept_made_a_two_way_question_keeps_its_card_for_the_forward_direction(ctx, user):
    reimport(ctx, user, TERMS)
    (latency,) = ctx.scalars(select(Card).where(Card.front == "**Latency**"))
    key, card_id = latency.key, latency.id
    result = reimport(ctx, user, TERMS.replace("- **Latency**: ", "- Latency:::"))
    assert (result.added, result.updated, result.retired) == (1, 1, 0)
    ctx.expire_all()
    card = ctx.get(Card, card_id)
    assert (card.key, card.kind, card.front) == (key, "qa", "Latency")
    (reverse,) = ctx.scalars(select(Card).where(Card.back == "Latency"))
    assert reverse.front == "the delay before data starts to arrive" and reverse.id != card_id


def test_a_card_of_the_same_kind_is_matched_before_one_of_another(ctx, user):
    reimport(ctx, user, TERMS)
    (latency,) = ctx.scalars(select(Card).where(Card.front == "**Latency**"))
    # The concept renamed under the same definition, and a new question with that definition.
    text = (
        TERMS.replace("- **Latency**: ", "- **Delay**: ")
        + "- Latency::the delay before data starts to arrive\n"
    )
    result = reimport(ctx, user, text)
    assert (result.added, result.updated) == (1, 1)
    assert ctx.get(Card, latency.id).front == "**Delay**"


def test_a_command_does_not_become_a_concept(ctx, user):
    command = "# Net\n\n- `ss -tlnp` lists listening TCP ports\n"
    reimport(ctx, user, command)
    result = reimport(ctx, user, "# Net\n\n- **ss -tlnp**: lists listening TCP ports\n")
    kinds = {c.kind: c.retired for c in ctx.scalars(select(Card))}
    assert (result.added, result.retired) == (1, 1) and kinds == {"command": True, "concept": False}


def test_a_kind_the_user_chose_and_the_note_now_gives_is_no_longer_an_override(ctx, user):
    reimport(ctx, user, TERMS)
    (latency,) = ctx.scalars(select(Card).where(Card.front == "**Latency**"))
    (jitter,) = ctx.scalars(select(Card).where(Card.front == "**Jitter**"))
    set_override(latency, latency.front, latency.back, kind="qa")
    set_override(jitter, jitter.front, jitter.back, kind="command")
    ctx.commit()
    reimport(
        ctx, user, TERMS.replace("- **Latency**: ", "- Latency::").replace("- **Jitter**: ", "- Jitter::")
    )
    latency, jitter = ctx.get(Card, latency.id), ctx.get(Card, jitter.id)
    assert (latency.kind, latency.note_kind, latency.overridden) == ("qa", None, False)
    assert (jitter.kind, jitter.note_kind, jitter.overridden) == ("command", "qa", True)


# --- (c) a card keeps its first key; what is not in the key is the same everywhere ---------------------


@contextmanager
def machine(tmp_path: Path, name: str) -> Iterator[tuple[Flask, User]]:
    """Another instance of the app with a database of its own, and its local user."""
    app = make_app(f"sqlite:///{tmp_path / f'{name}.sqlite'}", tmp_path / name)
    with app.app_context():
        db.create_all()
        user = get_or_create_user(db.session, "local")
        user.timezone = "UTC"
        db.session.commit()
        try:
            yield app, user
        finally:
            db.session.remove()
            db.engine.dispose()


EDITED_DESCRIPTIONS = (
    GIT.replace("lists local branches", "lists the local branches")
    .replace("creates a branch and switches to it", "makes a branch and moves onto it")
    .replace("shows the remotes with their URLs", "prints every remote with its URL")
)


def test_a_description_edited_before_the_first_import_gives_the_guids_of_one_edited_later(tmp_path):
    """Machine A imports the note, studies, then imports it edited; machine B first sees it edited."""
    with machine(tmp_path, "a") as (_app, user):
        reimport(db.session, user, GIT, "git.md")
        grade_some(db.session, user, ("git branch",))
        assert reimport(db.session, user, EDITED_DESCRIPTIONS, "git.md").updated == 3
        on_a = guids(db.session, user)
    with machine(tmp_path, "b") as (_app, user):
        reimport(db.session, user, EDITED_DESCRIPTIONS, "git.md")
        on_b = guids(db.session, user)
    assert on_a == on_b and len(on_a) == 3


def test_an_edited_command_keeps_its_first_key_where_the_card_has_history(tmp_path):
    """The documented trade-off: the identifying text itself edited differs from a fresh machine's."""
    changed = GIT.replace("`git branch`", "`git branch --list`")
    with machine(tmp_path, "a") as (_app, user):
        reimport(db.session, user, GIT, "git.md")
        first = db.session.scalar(select(Card.key).where(Card.back == "git branch"))
        reimport(db.session, user, changed, "git.md")
        kept = db.session.scalar(select(Card.key).where(Card.back == "git branch --list"))
        on_a = guids(db.session, user)
    with machine(tmp_path, "b") as (_app, user):
        reimport(db.session, user, changed, "git.md")
        fresh = db.session.scalar(select(Card.key).where(Card.back == "git branch --list"))
        on_b = guids(db.session, user)
    assert kept == first != fresh
    assert len(set(on_a) & set(on_b)) == 2  # the two other cards agree


FIXED_FRONT = "Which command shows the remotes?"


def fixed_or_edited(app: Flask, fix_first: bool) -> tuple[tuple, User]:
    """Import ``GIT`` in the browser, its remote card fixed in the preview, or edited afterwards in the
    card browser; that card's identity and wording, and the user."""
    client = log_in(app)
    location, page = preview(client, GIT, "git")
    if fix_first:
        wording = {"kind": "command", "front": FIXED_FRONT, "back": "git remote -v"}
        fix(client, location, page, key_of(page, "git remote -v"), **wording)
        page = client.get(location).get_data(as_text=True)
    client.post(location, data=form_of(page))
    card_id = db.session.scalar(select(Card.id).where(Card.back == "git remote -v"))
    if not fix_first:
        edited = client.post(f"/cards/{card_id}/edit", data={"front": FIXED_FRONT, "back": "git remote -v"})
        assert edited.status_code == 302
    db.session.expire_all()
    card = db.session.get(Card, card_id)
    alice = db.session.scalar(select(User).where(User.name == "alice"))
    return (card.key, card.kind, card.note_kind, card.override_front, card.override_back), alice


def test_a_fix_in_the_preview_gives_the_card_the_same_edit_in_the_browser_gives(tmp_path):
    exported = []
    for name, fix_first in (("a", True), ("b", False)):
        with machine(tmp_path, name) as (app, _user):
            card, alice = fixed_or_edited(app, fix_first)
            exported.append((card, guids(db.session, alice)))
    assert exported[0] == exported[1]
    assert exported[0][0][3] == FIXED_FRONT and len(exported[0][1]) == 3


# --- the real Anki: one deck, one note per card, reviews kept ------------------------------------------


@contextmanager
def anki_collection(tmp_path: Path) -> Iterator:
    from anki.collection import Collection

    col = Collection(str(tmp_path / "collection.anki2"))
    try:
        yield col
    finally:
        col.close()


def export_into(col, session, user: User, path: Path):
    """Export the user's cards to ``path`` and import the package into Anki; Anki's import log."""
    from tests.test_anki_roundtrip import anki_import

    assert export_package(session, user, path, datetime.now(UTC)) is not None
    session.commit()
    return anki_import(col, path)


def study_in_anki(col, count: int) -> list[tuple[int, int]]:
    """Answer ``count`` of Anki's cards Good; Anki's review log as (card id, ease)."""
    for card_id in sorted(col.find_cards(""))[:count]:
        card = col.get_card(card_id)
        card.start_timer()
        col.sched.answerCard(card, 3)
    return anki_reviews(col)


def anki_reviews(col) -> list[tuple[int, int]]:
    return [tuple(row) for row in col.db.all("SELECT cid, ease FROM revlog ORDER BY id")]


def anki_guids(col) -> set[str]:
    return set(col.db.list("SELECT guid FROM notes"))


@pytest.mark.slow
def test_anki_a_moved_folder_updates_the_same_notes_and_keeps_their_reviews(ctx, user, tmp_path):
    old = write_folder(tmp_path / "old" / "notes")
    import_note_files(ctx, user, [old])
    ctx.commit()
    with anki_collection(tmp_path) as col:
        log = export_into(col, ctx, user, tmp_path / "first.apkg")
        assert len(log.new) == col.note_count() == 5
        reviews = study_in_anki(col, 2)
        grade_some(ctx, user, ("git branch", "ls -la"))
        history = log_of(ctx, user)

        new = tmp_path / "moved" / "notes"
        shutil.copytree(old, new)
        shutil.rmtree(tmp_path / "old")
        (new / "git.md").write_text(GIT.replace("lists local branches", "lists the local branches"), "utf-8")
        import_note_files(ctx, user, [new])
        ctx.commit()
        log = export_into(col, ctx, user, tmp_path / "second.apkg")
        assert len(log.new) == 0 and col.note_count() == 5
        assert anki_reviews(col) == reviews and len(reviews) == 2
        assert anki_guids(col) == set(guids(ctx, user))
        assert any("the local branches" in col.get_note(n)["Description"] for n in col.find_notes(""))
    assert log_of(ctx, user) == history and len(decks_of(ctx, user)) == 2


@pytest.mark.slow
def test_anki_the_command_line_then_an_upload_adds_no_note(ctx, user, tmp_path):
    note = tmp_path / "docker-notes.md"
    note.write_bytes(SAMPLE_NOTES.read_bytes())
    import_note_files(ctx, user, [note])
    ctx.commit()
    with anki_collection(tmp_path) as col:
        first = export_into(col, ctx, user, tmp_path / "first.apkg")
        notes = col.note_count()
        assert notes == len(first.new) == len(guids(ctx, user)) > 20
        reviews = study_in_anki(col, 3)
        text = note.read_text(encoding="utf-8").replace(
            "docker container stop", "docker container stop -t 5", 1
        )
        import_parsed(ctx, user, [("docker-notes.md", text, parse_note(text))])
        ctx.commit()
        log = export_into(col, ctx, user, tmp_path / "second.apkg")
        assert len(log.new) == 0 and col.note_count() == notes and anki_reviews(col) == reviews
        assert anki_guids(col) == set(guids(ctx, user))
    assert len(decks_of(ctx, user)) == 1


@pytest.mark.slow
def test_anki_a_concept_rewritten_as_a_question_stays_one_note_with_its_reviews(ctx, user, tmp_path):
    reimport(ctx, user, TERMS)
    with anki_collection(tmp_path) as col:
        export_into(col, ctx, user, tmp_path / "first.apkg")
        assert col.note_count() == 2
        reviews = study_in_anki(col, 2)
        grade_some(ctx, user, ("the delay before data starts to arrive",))
        history = log_of(ctx, user)
        reimport(ctx, user, TERMS.replace("- **Latency**: ", "- Latency::"))
        log = export_into(col, ctx, user, tmp_path / "second.apkg")
        assert len(log.new) == 0 and col.note_count() == 2
        assert anki_reviews(col) == reviews and len(reviews) == 2
        fronts = {col.get_note(n)["Front"] for n in col.find_notes("")}
        assert fronts == {"<p>Latency</p>", "<p><strong>Jitter</strong></p>"}  # the question's text
        assert anki_guids(col) == set(guids(ctx, user))
    assert log_of(ctx, user) == history


@pytest.mark.slow
def test_anki_a_description_edited_before_the_first_import_on_another_machine_adds_no_note(tmp_path):
    """Machine A exports, edits and exports again; machine B first imports the edited note: Anki has
    one note per card from both, and its reviews."""
    with anki_collection(tmp_path) as col:
        with machine(tmp_path, "a") as (_app, user):
            reimport(db.session, user, GIT, "git.md")
            export_into(col, db.session, user, tmp_path / "a1.apkg")
            reviews = study_in_anki(col, 2)
            reimport(db.session, user, EDITED_DESCRIPTIONS, "git.md")
            log = export_into(col, db.session, user, tmp_path / "a2.apkg")
            assert len(log.new) == 0 and col.note_count() == 3
        with machine(tmp_path, "b") as (_app, user):
            reimport(db.session, user, EDITED_DESCRIPTIONS, "git.md")
            log = export_into(col, db.session, user, tmp_path / "b.apkg")
            assert len(log.new) == 0 and col.note_count() == 3
            assert anki_guids(col) == set(guids(db.session, user))
        assert anki_reviews(col) == reviews


@pytest.mark.slow
def test_anki_a_fix_in_the_preview_and_an_edit_in_the_browser_are_one_note(tmp_path):
    with anki_collection(tmp_path) as col:
        for name, fix_first in (("a", True), ("b", False)):
            with machine(tmp_path, name) as (app, _user):
                _card, alice = fixed_or_edited(app, fix_first)
                log = export_into(col, db.session, alice, tmp_path / f"{name}.apkg")
                assert len(log.new) == (3 if fix_first else 0) and col.note_count() == 3
        descriptions = {col.get_note(n)["Description"] for n in col.find_notes("")}
        assert f"<p>{FIXED_FRONT}</p>" in descriptions
