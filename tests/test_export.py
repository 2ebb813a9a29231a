"""Tests for ``quiz.export``: the .apkg read back raw, then imported by the real Anki library."""

from __future__ import annotations

import json
import sqlite3
import zipfile
from collections.abc import Iterator
from dataclasses import replace
from html import escape
from pathlib import Path
from typing import Any

import genanki
import pytest
from anki.collection import Collection, ImportAnkiPackageOptions, ImportAnkiPackageRequest
from anki.import_export_pb2 import ImportAnkiPackageUpdateCondition, ImportResponse

from quiz.export import (
    COMMAND_MODEL_ID,
    CONCEPT_MODEL_ID,
    ExportCard,
    build_package,
    card_tags,
    cloze_source,
    deck_id,
    deck_name,
    note_guid,
    write_package,
)
from quiz.render import render_markdown

T0 = 1_700_000_000.0  # a fixed export time; the module never reads the clock

DOCKER = "docker学习"
IMAGES = "docker镜像使用"
GIT = "Git basics"
BRANCHES = "Working with branches"

CARDS: tuple[ExportCard, ...] = (
    ExportCard(
        key="pull",
        deck_slug="docker-notes",
        kind="command",
        front="获取镜像",
        back="docker pull ubuntu:18.04",
        topic=(DOCKER, IMAGES),
        deck_title="Docker 笔记",
    ),
    ExportCard(
        key="dangling",
        deck_slug="docker-notes",
        kind="command",
        front="列出 *悬空* 镜像并保存",
        back='docker image ls | grep "<none>" > dangling.txt && echo done',
        topic=(DOCKER, IMAGES),
        deck_title="Docker 笔记",
    ),
    ExportCard(
        key="image",
        deck_slug="docker-notes",
        kind="concept",
        front="什么是 Docker 镜像？",
        back="Docker 镜像是用于创建 Docker 容器的**模板**。",
        topic=(DOCKER,),
        deck_title="Docker 笔记",
    ),
    ExportCard(
        key="switch",
        deck_slug="git-notes",
        kind="qa",
        front="How do you create and switch to a branch?",
        back="```bash\ngit switch -c feature\n```\n\nThen `git push -u origin feature`.",
        topic=(GIT, BRANCHES),
        deck_title="Git notes",
    ),
    ExportCard(
        key="cloze-1",
        deck_slug="git-notes",
        kind="cloze",
        front="A commit is identified by its {{c1::hash}}.",
        back="SHA-1 or SHA-256",
        topic=(),
        deck_title="Git notes",
    ),
)

# deck name -> cards directly in it (parents included, with no cards of their own)
EXPECTED_DECKS: dict[str, int] = {
    DOCKER: 1,
    f"{DOCKER}::{IMAGES}": 2,
    GIT: 0,
    f"{GIT}::{BRANCHES}": 1,
    "Git notes": 1,
}


def _card(**changes: Any) -> ExportCard:
    return replace(CARDS[0], **changes)


# ---------------------------------------------------------------- pure functions


def test_deck_name_joins_topic_levels() -> None:
    assert deck_name(CARDS[0]) == "docker学习::docker镜像使用"
    assert deck_name(CARDS[2]) == "docker学习"


def test_deck_name_falls_back_to_deck_title() -> None:
    assert deck_name(CARDS[4]) == "Git notes"
    assert deck_name(_card(topic=(), deck_title="a::b\n")) == "a:b"
    assert deck_name(_card(topic=(" ", "\x1f"), deck_title="")) == "Wengu"


def test_deck_name_titles_cannot_add_levels() -> None:
    card = _card(topic=("C++::STL", "a\x1fb", "", "x:::y", ":lead", "trail:"))
    name = deck_name(card)
    assert name == "C++:STL::a b::x:y::lead::trail"
    assert len(name.split("::")) == 5
    assert deck_name(_card(topic=("tab\there", "new\nline"))) == "tab here::new line"


def test_deck_id_is_stable_and_in_range() -> None:
    names = ["docker学习", "docker学习::docker镜像使用", "Git notes", ""]
    ids = [deck_id(name) for name in names]
    assert ids == [deck_id(name) for name in names]
    assert len(set(ids)) == len(ids)
    for value in ids:
        assert 1 << 30 < value < 1 << 53


def test_note_guid_depends_only_on_slug_and_key() -> None:
    card = CARDS[0]
    assert note_guid(card) == genanki.guid_for("docker-notes", "pull")
    edited = replace(card, front="x", back="y", kind="concept", topic=("z",), deck_title="w")
    assert note_guid(edited) == note_guid(card)
    assert note_guid(replace(card, deck_slug="other")) != note_guid(card)
    assert note_guid(replace(card, key="other")) != note_guid(card)


def test_card_tags_are_hierarchical_without_spaces() -> None:
    assert card_tags(CARDS[0]) == ["docker学习::docker镜像使用"]
    assert card_tags(CARDS[3]) == ["Git_basics::Working_with_branches"]
    assert card_tags(CARDS[4]) == []
    assert card_tags(_card(topic=("a b\u3000c", 'say "hi"', "x::y"))) == ["a_b_c::say_hi::x:y"]


def test_build_package_rejects_duplicate_guids() -> None:
    with pytest.raises(ValueError, match="share the note GUID"):
        build_package([CARDS[0], replace(CARDS[0], front="again")])


def test_build_package_decks_include_parents() -> None:
    package = build_package(CARDS)
    decks = {deck.name: deck for deck in package.decks}
    assert {name: len(deck.notes) for name, deck in decks.items()} == EXPECTED_DECKS
    assert all(deck.deck_id == deck_id(name) for name, deck in decks.items())


# ---------------------------------------------------------------- the .apkg read back raw


def _read_apkg(path: Path, tmp_path: Path) -> sqlite3.Connection:
    with zipfile.ZipFile(path) as archive:
        assert set(archive.namelist()) == {"collection.anki2", "media"}
        assert json.loads(archive.read("media")) == {}
        target = tmp_path / "read-back.anki2"
        target.write_bytes(archive.read("collection.anki2"))
    return sqlite3.connect(target)


def test_apkg_contents(tmp_path: Path) -> None:
    path = tmp_path / "wengu.apkg"
    assert write_package(iter(CARDS), path, T0 + 0.75) == len(CARDS)

    db = _read_apkg(path, tmp_path)
    try:
        notes = {
            guid: (mid, mod, tags, flds.split("\x1f"))
            for guid, mid, mod, tags, flds in db.execute("SELECT guid, mid, mod, tags, flds FROM notes")
        }
        cards = db.execute("SELECT n.guid, c.did, c.ord FROM cards c JOIN notes n ON n.id = c.nid").fetchall()
        decks_json, models_json = db.execute("SELECT decks, models FROM col").fetchone()
    finally:
        db.close()

    assert set(notes) == {note_guid(card) for card in CARDS}
    for card in CARDS:
        mid, mod, tags, fields = notes[note_guid(card)]
        assert mod == int(T0)  # whole seconds: genanki stores int(timestamp)
        assert tags.split() == card_tags(card)
        assert fields[0] == render_markdown(card.front)
        if card.kind == "command":
            assert mid == COMMAND_MODEL_ID
            assert fields[1] == escape(card.back, quote=False)  # plain text: Anki compares the typed answer
        else:
            assert mid == CONCEPT_MODEL_ID
            assert fields[1] == render_markdown(card.back)
        assert fields[2] == " › ".join(card.topic)

    dangling = notes[note_guid(CARDS[1])][3][1]
    assert dangling == 'docker image ls | grep "&lt;none&gt;" &gt; dangling.txt &amp;&amp; echo done'

    switch = notes[note_guid(CARDS[3])][3][1]
    assert '<pre><code class="language-bash">git switch -c feature\n</code></pre>' in switch
    assert "<code>git push -u origin feature</code>" in switch
    assert "<strong>模板</strong>" in notes[note_guid(CARDS[2])][3][1]

    assert len(cards) == len(CARDS)  # one card per note
    by_guid = {note_guid(card): card for card in CARDS}
    for guid, did, ord_ in cards:
        assert ord_ == 0
        assert did == deck_id(deck_name(by_guid[guid]))

    decks = json.loads(decks_json)
    names = {deck["name"] for deck in decks.values()}
    assert set(EXPECTED_DECKS) <= names
    for name in EXPECTED_DECKS:
        assert decks[str(deck_id(name))]["name"] == name

    models = json.loads(models_json)
    command, concept = models[str(COMMAND_MODEL_ID)], models[str(CONCEPT_MODEL_ID)]
    assert command["name"] == "Wengu command"
    assert [field["name"] for field in command["flds"]] == ["Description", "Command", "Topic"]
    assert [t["name"] for t in command["tmpls"]] == ["Wengu command card"]
    assert "monospace" in command["css"]
    assert concept["name"] == "Wengu concept"
    assert [field["name"] for field in concept["flds"]] == ["Front", "Back", "Topic"]
    assert [t["name"] for t in concept["tmpls"]] == ["Wengu concept card"]
    assert command["mod"] == concept["mod"] == int(T0)


def test_same_cards_and_timestamp_give_same_notes(tmp_path: Path) -> None:
    rows = []
    for name in ("one.apkg", "two.apkg"):
        write_package(CARDS, tmp_path / name, T0)
        db = _read_apkg(tmp_path / name, tmp_path)
        try:
            rows.append(
                (
                    db.execute("SELECT * FROM notes ORDER BY id").fetchall(),
                    db.execute("SELECT * FROM cards ORDER BY id").fetchall(),
                    db.execute("SELECT decks, models FROM col").fetchone(),
                )
            )
        finally:
            db.close()
    assert rows[0] == rows[1]


def test_empty_export(tmp_path: Path) -> None:
    assert write_package([], tmp_path / "empty.apkg", T0) == 0
    assert (tmp_path / "empty.apkg").exists()


# ---------------------------------------------------------------- imported by the real Anki

IF_NEWER = ImportAnkiPackageUpdateCondition.IMPORT_ANKI_PACKAGE_UPDATE_CONDITION_IF_NEWER

# What Anki's import dialog starts with (its "presets" on a fresh profile): the defaults.
DEFAULT_OPTIONS = ImportAnkiPackageOptions(
    merge_notetypes=False,
    update_notes=IF_NEWER,
    update_notetypes=IF_NEWER,
    with_scheduling=False,
    with_deck_configs=False,
)


@pytest.fixture
def col(tmp_path: Path) -> Iterator[Collection]:
    collection = Collection(str(tmp_path / "c.anki2"))
    try:
        yield collection
    finally:
        collection.close()


def _import(
    col: Collection, cards: tuple[ExportCard, ...], path: Path, timestamp: float
) -> ImportResponse.Log:
    assert write_package(cards, path, timestamp) == len(cards)
    request = ImportAnkiPackageRequest(package_path=str(path), options=DEFAULT_OPTIONS)
    return col.import_anki_package(request).log


def _notes_by_guid(col: Collection) -> dict[str, Any]:
    notes = [col.get_note(nid) for nid in col.find_notes("")]
    return {note.guid: note for note in notes}


@pytest.mark.slow
def test_default_options_are_the_import_dialog_presets(col: Collection) -> None:
    assert col._backend.get_import_anki_package_presets() == DEFAULT_OPTIONS


@pytest.mark.slow
def test_import_into_anki(col: Collection, tmp_path: Path) -> None:
    log = _import(col, CARDS, tmp_path / "wengu.apkg", T0)

    assert len(log.new) == len(CARDS)
    assert not log.updated and not log.duplicate and not log.conflicting
    assert col.note_count() == len(CARDS)
    notes = _notes_by_guid(col)
    assert set(notes) == {note_guid(card) for card in CARDS}
    for card in CARDS:
        note = notes[note_guid(card)]
        assert note.mid == (COMMAND_MODEL_ID if card.kind == "command" else CONCEPT_MODEL_ID)
        assert note.mod == int(T0)  # Anki keeps the package's mtime on a new note
        assert note.tags == card_tags(card)
    assert notes[note_guid(CARDS[1])]["Command"] == escape(CARDS[1].back, quote=False)
    assert notes[note_guid(CARDS[3])]["Back"] == render_markdown(CARDS[3].back)

    for name, count in EXPECTED_DECKS.items():
        did = col.decks.id_for_name(name)
        assert did is not None, name
        assert col.decks.card_count(did, include_subdecks=False) == count, name
    docker = col.decks.id_for_name(DOCKER)
    assert docker is not None
    assert col.decks.card_count(docker, include_subdecks=True) == 3

    names = {model.name for model in col.models.all_names_and_ids()}
    assert {"Wengu command", "Wengu concept"} <= names


def _edited() -> tuple[ExportCard, ...]:
    return (*CARDS[:2], replace(CARDS[2], back="镜像是**只读**模板。"), *CARDS[3:])


@pytest.mark.slow
def test_reimport_with_newer_timestamp_updates_in_place(col: Collection, tmp_path: Path) -> None:
    _import(col, CARDS, tmp_path / "first.apkg", T0)
    ids_before = {guid: note.id for guid, note in _notes_by_guid(col).items()}

    log = _import(col, _edited(), tmp_path / "second.apkg", T0 + 1)

    assert not log.new and not log.duplicate and not log.conflicting
    # every note in the package is newer, so Anki rewrites all of them (same text or not)
    assert len(log.updated) == len(CARDS)
    assert col.note_count() == len(CARDS)
    notes = _notes_by_guid(col)
    assert {guid: note.id for guid, note in notes.items()} == ids_before
    assert notes[note_guid(CARDS[2])]["Back"] == "<p>镜像是<strong>只读</strong>模板。</p>"
    assert notes[note_guid(CARDS[2])].mod == int(T0) + 1
    assert notes[note_guid(CARDS[0])]["Command"] == escape(CARDS[0].back, quote=False)
    for name, count in EXPECTED_DECKS.items():
        did = col.decks.id_for_name(name)
        assert did is not None
        assert col.decks.card_count(did, include_subdecks=False) == count


@pytest.mark.slow
@pytest.mark.parametrize(
    "later",
    [0.0, 0.9, -1.0],
    ids=["same-timestamp", "same-second", "older"],
)
def test_reimport_not_newer_keeps_ankis_copy(col: Collection, tmp_path: Path, later: float) -> None:
    """Anki compares whole-second note mtimes: only a strictly later second updates."""
    _import(col, CARDS, tmp_path / "first.apkg", T0)

    log = _import(col, _edited(), tmp_path / "second.apkg", T0 + later)

    assert not log.new and not log.updated
    assert len(log.duplicate) == len(CARDS)
    assert col.note_count() == len(CARDS)
    assert _notes_by_guid(col)[note_guid(CARDS[2])]["Back"] == render_markdown(CARDS[2].back)


@pytest.mark.slow
def test_reimport_does_not_clobber_a_later_edit_in_anki(col: Collection, tmp_path: Path) -> None:
    _import(col, CARDS, tmp_path / "first.apkg", T0)
    note = _notes_by_guid(col)[note_guid(CARDS[2])]
    note["Back"] = "edited in Anki"
    col.update_note(note)  # stamps the note with Anki's current clock, far after T0

    log = _import(col, _edited(), tmp_path / "second.apkg", T0 + 1)

    assert len(log.updated) == len(CARDS) - 1
    assert len(log.duplicate) == 1
    assert _notes_by_guid(col)[note_guid(CARDS[2])]["Back"] == "edited in Anki"


def test_package_is_deflated(tmp_path: Path) -> None:
    cards = [replace(_card(), key=f"k{i}", front=f"describe thing {i} in a sentence") for i in range(300)]
    path = tmp_path / "deflated.apkg"
    assert write_package(cards, path, T0) == 300
    with zipfile.ZipFile(path) as package:
        info = package.getinfo("collection.anki2")
        assert info.compress_type == zipfile.ZIP_DEFLATED
        assert info.compress_size * 3 < info.file_size


# ---------------------------------------------------------------- clozes rebuilt from the cards

SENTENCE = "The kernel shares namespaces and cgroups."


@pytest.mark.parametrize(
    ("fronts", "expected"),
    [
        (
            ["The [...] shares namespaces and [limits].", "The kernel shares [...] and cgroups."],
            "The {{c1::kernel}} shares {{c2::namespaces}} and {{c1::cgroups::limits}}.",
        ),
        (
            ["[...] kernel shares namespaces and cgroups."],
            "{{c1::The}} kernel shares namespaces and cgroups.",
        ),
        (["The kernel shares namespaces and [...]"], "The kernel shares namespaces and {{c1::cgroups.}}"),
        (
            ["The [...] shares [...] and cgroups.", "The kernel shares namespaces and [a hint]."],
            "The {{c1::kernel}} shares {{c1::namespaces}} and {{c2::cgroups::a hint}}.",
        ),
    ],
    ids=["two-numbers-and-a-hint", "at-the-start", "at-the-end", "two-blanks-one-number"],
)
def test_cloze_source_rebuilds_the_sentence(fronts: list[str], expected: str) -> None:
    assert cloze_source(SENTENCE, fronts) == expected


def test_cloze_source_keeps_bracketed_text_of_the_sentence() -> None:
    sentence = "See [the docs](https://example.org) about namespaces."
    front = "See [the docs](https://example.org) about [...]."
    assert cloze_source(sentence, [front]) == "See [the docs](https://example.org) about {{c1::namespaces}}."


@pytest.mark.parametrize(
    "fronts",
    [
        ["The [...] shares namespaces."],  # not the sentence
        ["The kernel shares namespaces and cgroups."],  # no blank
        ["The [...][...] namespaces and cgroups."],  # blanks side by side
        ["The [...] shares namespaces and cgroups.", "The [...] namespaces and cgroups."],  # overlap
        [
            "The [...] shares namespaces and cgroups.",
            "The [...] shares namespaces and cgroups.",
        ],  # same blank
        [],
    ],
    ids=["misaligned", "no-blank", "side-by-side", "overlap", "same-blank-twice", "no-cards"],
)
def test_cloze_source_gives_up_rather_than_guess(fronts: list[str]) -> None:
    assert cloze_source(SENTENCE, fronts) is None


@pytest.mark.parametrize(
    ("sentence", "front"),
    [
        ("Use std::vector here.", "Use [...] here."),  # "::" would start a hint
        ("Write {{ name }} in Jinja.", "Write {{ name }} in [...]."),  # braces are cloze syntax
        ("A map is a{b}.", "A map is [...]."),
        ("Its type: int.", "Its type: [:kind]."),  # a hint after "::" may not start with ":"
        ("Its type: int:", "Its type: [...]"),  # nor the answer end with one,
    ],
)
def test_cloze_source_refuses_what_anki_cannot_carry(sentence: str, front: str) -> None:
    assert cloze_source(sentence, [front]) is None


def test_a_failed_cloze_sentence_exports_concept_notes(tmp_path: Path) -> None:
    cards = [
        _card(key="z1", kind="cloze", front="Use [...] here.", back="Use std::vector here.", topic=()),
        _card(
            key="z2", kind="cloze", front="[...] std::vector here.", back="Use std::vector here.", topic=()
        ),
    ]
    path = tmp_path / "z.apkg"
    assert write_package(cards, path, T0) == 2
    db = _read_apkg(path, tmp_path)
    try:
        rows = db.execute("SELECT guid, mid FROM notes").fetchall()
    finally:
        db.close()
    assert sorted(rows) == sorted((note_guid(card), CONCEPT_MODEL_ID) for card in cards)


def test_hostile_topics_give_clean_tags() -> None:
    card = _card(topic=("C++ <templates> & more", 'say "hi"', "a>b", "<", "&amp;"))
    (tag,) = card_tags(card)
    assert tag == "C++_templates_more::say_hi::a_b::amp;"
    assert not set(tag) & set('<>&" ')
    assert card_tags(replace(card, retired=True)) == [tag, "wengu::retired"]


@pytest.mark.parametrize("name", ["", "..", "a/b.png", "..\\x.png"])
def test_media_names_are_plain_file_names(name: str, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="media file name"):
        write_package(CARDS, tmp_path / "m.apkg", T0, media={name: b"x"})


def test_media_are_numbered_in_the_zip(tmp_path: Path) -> None:
    path = tmp_path / "m.apkg"
    write_package(CARDS, path, T0, media={"b.png": b"B", "a.svg": b"<svg/>"})
    with zipfile.ZipFile(path) as archive:
        assert json.loads(archive.read("media")) == {"0": "a.svg", "1": "b.png"}
        assert archive.read("0") == b"<svg/>" and archive.read("1") == b"B"
