"""Issue 14's export, checked in the real ``anki`` library: what an Anki user sees after *File → Import*."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from anki.collection import Collection, ImportAnkiPackageOptions, ImportAnkiPackageRequest
from anki.import_export_pb2 import ImportAnkiPackageUpdateCondition, ImportResponse

from quiz.export import (
    CLOZE_MODEL_ID,
    COMMAND_MODEL_ID,
    CONCEPT_MODEL_ID,
    RETIRED_TAG,
    REVERSED_MODEL_ID,
    AnkiReview,
    AnkiSchedule,
    ExportCard,
    note_guid,
    write_package,
)
from tests.test_export import DEFAULT_OPTIONS

pytestmark = pytest.mark.slow

T0 = 1_700_000_000.0
NEVER = ImportAnkiPackageUpdateCondition.IMPORT_ANKI_PACKAGE_UPDATE_CONDITION_NEVER


def _options(**changes: Any) -> ImportAnkiPackageOptions:
    options = ImportAnkiPackageOptions()
    options.CopyFrom(DEFAULT_OPTIONS)
    for name, value in changes.items():
        setattr(options, name, value)
    return options


@pytest.fixture
def col(tmp_path: Path) -> Iterator[Collection]:
    collection = Collection(str(tmp_path / "c.anki2"))
    try:
        yield collection
    finally:
        collection.close()


_packages = iter(range(1_000_000))


def _import(
    col: Collection,
    tmp_path: Path,
    cards: list[ExportCard],
    timestamp: float = T0,
    options: ImportAnkiPackageOptions = DEFAULT_OPTIONS,
    **kwargs: Any,
) -> ImportResponse.Log:
    path = tmp_path / f"p{next(_packages)}.apkg"
    write_package(cards, path, timestamp, **kwargs)
    return col.import_anki_package(ImportAnkiPackageRequest(package_path=str(path), options=options)).log


def _card(key: str, kind: str = "concept", front: str = "", back: str = "", **changes: Any) -> ExportCard:
    card = ExportCard(
        key=key,
        deck_slug="notes",
        kind=kind,
        front=front or f"front {key}",
        back=back or f"back {key}",
        topic=("Topic",),
        deck_title="Notes",
    )
    return replace(card, **changes)


def _cards_of(col: Collection, search: str = "") -> list[Any]:
    return [col.get_card(cid) for cid in sorted(col.find_cards(search))]


def _note(col: Collection, guid: str) -> Any:
    for nid in col.find_notes(""):
        note = col.get_note(nid)
        if note.guid == guid:
            return note
    raise AssertionError(f"no note {guid}")


# ---------------------------------------------------------------- 1. retired cards


@pytest.mark.parametrize("with_scheduling", [True, False], ids=["with-progress", "defaults"])
def test_retired_cards_are_found_by_one_search(
    col: Collection, tmp_path: Path, with_scheduling: bool
) -> None:
    """Suspended with "Import any learning progress"; without it Anki imports every card active."""
    cards = [_card(f"k{i}", order=i + 1, retired=i in (1, 4)) for i in range(6)]
    cards[4] = replace(cards[4], kind="command", back="ls -la")
    _import(col, tmp_path, cards, options=_options(with_scheduling=with_scheduling))

    retired = {note_guid(cards[1]), note_guid(cards[4])}
    found = _cards_of(col, f"tag:{RETIRED_TAG}")
    assert {card.note().guid for card in found} == retired
    assert all(card.queue == (-1 if with_scheduling else 0) for card in found)
    assert all(card.queue == 0 for card in _cards_of(col, f"-tag:{RETIRED_TAG}"))
    col.remove_notes(col.find_notes(f"tag:{RETIRED_TAG}"))  # what the README's one search then deletes
    assert col.card_count() == 4


# ---------------------------------------------------------------- 2. typed commands

COMMAND = 'docker image ls | grep "<none>" > dangling.txt && echo done'


def test_a_command_card_asks_to_type_the_command(col: Collection, tmp_path: Path) -> None:
    _import(col, tmp_path, [_card("c", "command", "List dangling images", COMMAND)])
    (card,) = _cards_of(col)
    note = card.note()
    assert note.mid == COMMAND_MODEL_ID
    assert note["Command"] == 'docker image ls | grep "&lt;none&gt;" &gt; dangling.txt &amp;&amp; echo done'
    assert "[[type:Command]]" in card.question()
    answer = card.answer()
    assert "[[type:Command]]" in answer
    assert '<pre class="command"><code>docker image ls | grep "&lt;none&gt;"' in answer

    # What the reviewer compares: the field's text against what was typed.
    right = col.compare_answer(note["Command"], COMMAND)
    assert "typeGood" in right and "typeBad" not in right and "typeMissed" not in right
    wrong = col.compare_answer(note["Command"], COMMAND.replace("<none>", "<nil>"))
    assert "typeBad" in wrong or "typeMissed" in wrong


def test_plain_command_cards_on_request(col: Collection, tmp_path: Path) -> None:
    _import(col, tmp_path, [_card("c", "command", "List files", "ls -la")], typed_commands=False)
    (card,) = _cards_of(col)
    assert "[[type:" not in card.question() and "[[type:" not in card.answer()
    assert '<pre class="command"><code>ls -la</code></pre>' in card.answer()


def _command_qfmt(col: Collection) -> str:
    col.models._clear_cache()  # the Python side caches note types; the import changed them underneath
    notetype = col.models.get(COMMAND_MODEL_ID)  # type: ignore[arg-type]
    assert notetype is not None
    qfmt: str = notetype["tmpls"][0]["qfmt"]
    return qfmt


def test_a_newer_package_updates_the_note_type_template(col: Collection, tmp_path: Path) -> None:
    """The note type's mod is the export's timestamp: a later export's template replaces the one Anki has.

    Anki keeps the package's note type ``mod`` and, with "update note types: if newer", takes a
    package's note type only when its ``mod`` is later.  A fixed per-version ``mod`` would never let
    ``typed_commands`` switch back and forth; the export's timestamp does, and replaces templates
    edited in Anki unless the import says "never".
    """
    cards = [_card("c", "command", "List files", "ls -la", modified=int(T0) - 100)]
    _import(col, tmp_path, cards, T0, typed_commands=False)
    assert "{{type:Command}}" not in _command_qfmt(col)

    log = _import(col, tmp_path, cards, T0 + 60)  # the notes unchanged, the template changed
    assert "{{type:Command}}" in _command_qfmt(col)
    assert len(log.duplicate) == 1 and not log.updated  # the note itself is left alone
    (card,) = _cards_of(col)
    assert card.note().mid == COMMAND_MODEL_ID and "[[type:Command]]" in card.question()

    _import(col, tmp_path, cards, T0 + 120, typed_commands=False)
    assert "{{type:Command}}" not in _command_qfmt(col)
    _import(col, tmp_path, cards, T0 + 110)  # stamped before the note type Anki has: ignored
    assert "{{type:Command}}" not in _command_qfmt(col)

    # A template edited in Anki (stamped now): kept with "never", replaced by a later export.
    col.models._clear_cache()
    notetype = col.models.get(COMMAND_MODEL_ID)  # type: ignore[arg-type]
    assert notetype is not None
    notetype["tmpls"][0]["qfmt"] += "<p>my own hint</p>"
    col.models.update_dict(notetype)
    _import(col, tmp_path, cards, time.time() + 60, options=_options(update_notetypes=NEVER))
    assert "my own hint" in _command_qfmt(col)
    _import(col, tmp_path, cards, time.time() + 120)
    assert "my own hint" not in _command_qfmt(col) and "{{type:Command}}" in _command_qfmt(col)


def test_a_field_added_in_anki_forks_the_note_type(col: Collection, tmp_path: Path) -> None:
    """The README's warning: Anki imports the export's note type as a copy, the notes stop updating."""
    cards = [_card("c", "command", "List files", "ls -la", modified=int(T0))]
    _import(col, tmp_path, cards, T0)
    col.models._clear_cache()
    notetype = col.models.get(COMMAND_MODEL_ID)  # type: ignore[arg-type]
    assert notetype is not None
    col.models.add_field(notetype, col.models.new_field("My notes"))
    col.models.update_dict(notetype)

    log = _import(col, tmp_path, [replace(cards[0], back="ls -l", modified=int(T0) + 10)], time.time() + 60)
    assert len(log.conflicting) == 1 and not log.updated
    assert _note(col, note_guid(cards[0]))["Command"] == "ls -la"
    assert len([nt for nt in col.models.all_names_and_ids() if nt.name.startswith("Wengu command")]) == 2


# ---------------------------------------------------------------- 3. note modification time


def test_only_changed_notes_are_updated(col: Collection, tmp_path: Path) -> None:
    cards = [
        _card(
            f"k{i:02d}", "command" if i % 3 == 0 else "concept", back=f"echo {i}", modified=int(T0) - 1000 + i
        )
        for i in range(70)
    ]
    first = _import(col, tmp_path, cards, T0)
    assert len(first.new) == 70

    own = _note(col, note_guid(cards[10]))
    own["Back"] = "my own words"
    col.update_note(own)

    changed = {5, 33, 61}
    later = [
        replace(card, back=f"{card.back} (edited)", modified=int(T0) + 500) if i in changed else card
        for i, card in enumerate(cards)
    ]
    log = _import(col, tmp_path, later, T0 + 1000)

    updated = {note.id.nid for note in log.updated}
    assert updated == {_note(col, note_guid(cards[i])).id for i in changed}
    assert len(log.duplicate) == 67 and not log.new and not log.conflicting
    assert _note(col, note_guid(cards[10]))["Back"] == "my own words"
    assert _note(col, note_guid(cards[5]))["Back"] == "<p>echo 5 (edited)</p>"
    assert _note(col, note_guid(cards[5])).mod == int(T0) + 500
    assert _note(col, note_guid(cards[6])).mod == int(T0) - 1000 + 6


def test_unknown_modification_time_is_the_export_time(col: Collection, tmp_path: Path) -> None:
    _import(col, tmp_path, [_card("a"), _card("b", modified=int(T0) - 7)], T0)
    assert _note(col, note_guid(_card("a"))).mod == int(T0)
    assert _note(col, note_guid(_card("b"))).mod == int(T0) - 7
    assert {card.mod for card in _cards_of(col)} == {int(T0), int(T0) - 7}


# ---------------------------------------------------------------- 5. clozes and reversed cards

SENTENCE = "The kernel shares namespaces and cgroups."


def _cloze_cards(**changes: Any) -> list[ExportCard]:
    # `notes preview --json` of "The {{c1::kernel}} shares {{c2::namespaces}} and {{c1::cgroups::limits}}."
    return [
        _card("z1", "cloze", "The [...] shares namespaces and [limits].", SENTENCE, order=1, **changes),
        _card("z2", "cloze", "The kernel shares [...] and cgroups.", SENTENCE, order=2, **changes),
    ]


def _pair(**changes: Any) -> list[ExportCard]:
    return [
        _card("p1", "qa", "What is a pod?", "A group of containers", order=3, **changes),
        _card("p2", "qa", "A group of containers", "What is a pod?", order=4, **changes),
    ]


def _text(html: str) -> str:
    """What a card shows: its HTML without style, tags and extra spaces."""
    html = re.sub(r"<style>.*?</style>", " ", html, flags=re.DOTALL)
    return " ".join(re.sub(r"<[^>]*>", " ", html).split()).replace(" .", ".")


def test_a_cloze_sentence_is_one_cloze_note(col: Collection, tmp_path: Path) -> None:
    cards = _cloze_cards()
    cards[1] = replace(cards[1], suspended=True)
    log = _import(col, tmp_path, cards, options=_options(with_scheduling=True), legacy_guids=False)
    assert len(log.new) == 1
    (nid,) = col.find_notes("")
    note = col.get_note(nid)
    assert note.mid == CLOZE_MODEL_ID
    assert note["Text"] == (
        "<p>The {{c1::kernel}} shares {{c2::namespaces}} and {{c1::cgroups::limits}}.</p>"
    )
    first, second = sorted(note.cards(), key=lambda card: card.ord)
    assert (first.ord, second.ord) == (0, 1)
    assert _text(first.question()) == "Topic The [...] shares namespaces and [limits]."
    assert _text(second.question()) == "Topic The kernel shares [...] and cgroups."
    assert _text(first.answer()) == "Topic The kernel shares namespaces and cgroups."
    assert (first.queue, second.queue) == (0, -1)  # each Anki card is its Wengu card
    assert (first.due, second.due) == (1, 2)


def test_both_directions_are_one_reversed_note(col: Collection, tmp_path: Path) -> None:
    cards = _pair()
    cards[0] = replace(cards[0], suspended=True)
    log = _import(col, tmp_path, cards, options=_options(with_scheduling=True), legacy_guids=False)
    assert len(log.new) == 1
    (nid,) = col.find_notes("")
    note = col.get_note(nid)
    assert note.mid == REVERSED_MODEL_ID
    first, second = sorted(note.cards(), key=lambda card: card.ord)
    assert "What is a pod?" in first.question() and "A group of containers" not in first.question()
    assert "A group of containers" in second.question() and "What is a pod?" not in second.question()
    assert "A group of containers" in first.answer()
    assert (first.queue, second.queue) == (-1, 0)
    assert (first.due, second.due) == (3, 4)


def test_a_sentence_that_does_not_align_stays_concept_notes(col: Collection, tmp_path: Path) -> None:
    cards = [
        _card("z1", "cloze", "The [...] shares namespaces.", SENTENCE),  # not the sentence's text
        _card("z2", "cloze", "The kernel [...] namespaces and cgroups.", SENTENCE),
    ]
    log = _import(col, tmp_path, cards)
    assert len(log.new) == 2
    notes = [col.get_note(nid) for nid in col.find_notes("")]
    assert {note.mid for note in notes} == {CONCEPT_MODEL_ID}
    assert {note.guid for note in notes} == {note_guid(card) for card in cards}


def test_notes_exported_before_grouping_are_tagged_for_removal(col: Collection, tmp_path: Path) -> None:
    """Anki skips a note whose GUID it holds with another note type ("conflicting"): grouped notes get
    GUIDs of their own, and the old one-card notes come along suspended and tagged wengu::retired."""
    cards = [*_cloze_cards(), *_pair()]
    old = [
        replace(card, kind="concept") for card in cards
    ]  # what earlier exports wrote: one concept note each
    _import(col, tmp_path, old, T0)
    assert col.note_count() == 4

    log = _import(col, tmp_path, cards, T0 + 10)
    assert len(log.new) == 2 and len(log.updated) == 4 and not log.conflicting
    models = {col.get_note(nid).mid for nid in col.find_notes(f"-tag:{RETIRED_TAG}")}
    assert models == {CLOZE_MODEL_ID, REVERSED_MODEL_ID}
    leftovers = col.find_notes(f"tag:{RETIRED_TAG}")
    assert {col.get_note(nid).guid for nid in leftovers} == {note_guid(card) for card in cards}
    col.remove_notes(leftovers)
    assert col.card_count() == 4  # two cloze cards, two directions

    # Into a fresh collection, the leftovers arrive suspended.
    fresh = Collection(str(tmp_path / "fresh.anki2"))
    try:
        _import(fresh, tmp_path, cards, T0 + 10, options=_options(with_scheduling=True))
        assert {card.queue for card in _cards_of(fresh, f"tag:{RETIRED_TAG}")} == {-1}
        assert len(fresh.find_cards(f"tag:{RETIRED_TAG}")) == 4
        assert {card.queue for card in _cards_of(fresh, f"-tag:{RETIRED_TAG}")} == {0}
    finally:
        fresh.close()


def test_conflicting_guid_is_what_anki_does(col: Collection, tmp_path: Path) -> None:
    """Why grouped notes need fresh GUIDs: a known GUID with another note type is skipped."""
    cards = _cloze_cards()
    _import(col, tmp_path, [replace(cards[0], kind="concept")], T0)
    # A package whose cloze note reused the first card's old GUID:
    from quiz import export

    original = export._grouped_guid
    export._grouped_guid = lambda kind, card: note_guid(card)  # type: ignore[assignment]
    try:
        log = _import(col, tmp_path, cards, T0 + 10, legacy_guids=False)
    finally:
        export._grouped_guid = original  # type: ignore[assignment]
    assert len(log.conflicting) == 1 and not log.new and not log.updated
    assert {col.get_note(nid).mid for nid in col.find_notes("")} == {CONCEPT_MODEL_ID}


# ---------------------------------------------------------------- 6. suspension, order, tags, media


def test_suspension_order_and_clean_tags(col: Collection, tmp_path: Path) -> None:
    hostile = ("C++ <templates> & more", 'say "hi"', "a>b")
    cards = [
        _card("a", order=3),
        _card("b", order=1, suspended=True),
        _card("c", order=2, topic=hostile),
    ]
    _import(col, tmp_path, cards, options=_options(with_scheduling=True))
    by_guid = {card.note().guid: card for card in _cards_of(col)}
    assert [by_guid[note_guid(card)].due for card in cards] == [3, 1, 2]  # Anki's "New #3, #1, #2"
    assert [by_guid[note_guid(card)].queue for card in cards] == [0, -1, 0]
    tags = col.tags.all()
    assert "C++_templates_more::say_hi::a_b" in tags
    for tag in tags:
        assert not set(tag) & set('<>&" ')
    assert col.find_cards('"tag:C++_templates_more::say_hi::a_b"') == [by_guid[note_guid(cards[2])].id]


PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000001e221bc330000000049454e44ae426082"
)


def test_media_go_into_the_package(col: Collection, tmp_path: Path) -> None:
    cards = [
        _card("img", front="What is shown?", back="![diagram](wengu-diagram.png)"),
        _card("svg", front="![a box](box.svg)", back="a box"),
    ]
    media = {"wengu-diagram.png": PNG, "box.svg": b"<svg/>", "unused.png": PNG}
    _import(col, tmp_path, cards, media=media)
    assert col.media.have("wengu-diagram.png") and col.media.have("box.svg")
    assert not col.media.have("unused.png")  # Anki takes only the files the imported notes refer to
    assert (Path(col.media.dir()) / "wengu-diagram.png").read_bytes() == PNG
    card = next(card for card in _cards_of(col) if card.note().guid == note_guid(cards[0]))
    assert '<img src="wengu-diagram.png"' in card.answer()
    assert col.media.check().missing == []


# ---------------------------------------------------------------- 7. schedule and review log

OFFSETS = [-30, -1, 0, 1, 7, 400]


def _scheduled(offset: int, index: int, **changes: Any) -> ExportCard:
    schedule = AnkiSchedule(
        card_type=2,
        queue=2,
        due_in_days=offset,
        interval_days=10 + index,
        factor=2500 + 10 * index,
        reps=5,
        lapses=1,
    )
    reviews = tuple(
        AnkiReview(
            id_ms=1_690_000_000_000 + 86_400_000 * r,  # the same instants for every card: ids collide
            ease=3,
            interval=r + 1,
            last_interval=r,
            factor=2500,
            time_ms=4000,
            review_type=1,
        )
        for r in range(index + 1)
    )
    return _card(f"s{index}", order=index + 1, schedule=schedule, reviews=reviews, **changes)


def test_a_first_import_with_scheduling_keeps_the_due_days(col: Collection, tmp_path: Path) -> None:
    cards = [_scheduled(offset, i) for i, offset in enumerate(OFFSETS)]
    cards.append(_scheduled(5, len(OFFSETS), suspended=True))
    cards.append(_card("new", order=99))
    _import(col, tmp_path, cards, time.time(), options=_options(with_scheduling=True))

    today = col.sched.today
    by_guid = {card.note().guid: card for card in _cards_of(col)}
    for index, card in enumerate(cards[: len(OFFSETS)]):
        anki = by_guid[note_guid(card)]
        assert (anki.type, anki.queue) == (2, 2)
        assert anki.due - today == OFFSETS[index]
        assert (anki.ivl, anki.factor, anki.reps, anki.lapses) == (10 + index, 2500 + 10 * index, 5, 1)
        assert len(col.card_stats_data(anki.id).revlog) == index + 1
    suspended = by_guid[note_guid(cards[len(OFFSETS)])]
    assert (suspended.type, suspended.queue, suspended.due - today) == (2, -1, 5)
    new = by_guid[note_guid(cards[-1])]
    assert (new.type, new.queue, new.due) == (0, 0, 99)
    total = sum(range(1, len(OFFSETS) + 2))
    assert col.db.scalar("select count() from revlog") == total
    assert col.db.scalar("select count(distinct id) from revlog") == total
    assert len(col.find_cards("is:due")) == 3  # the two overdue and today's


def test_each_card_of_a_grouped_note_keeps_its_own_schedule(col: Collection, tmp_path: Path) -> None:
    seen = _scheduled(4, 2)
    cloze = _cloze_cards()
    cloze[1] = replace(cloze[1], schedule=seen.schedule, reviews=seen.reviews)
    pair = _pair()
    pair[0] = replace(pair[0], schedule=replace(seen.schedule, due_in_days=-2), reviews=seen.reviews[:1])
    _import(
        col,
        tmp_path,
        [*cloze, *pair],
        time.time(),
        options=_options(with_scheduling=True),
        legacy_guids=False,
    )
    today = col.sched.today
    for mid, expected in (
        (CLOZE_MODEL_ID, [(0, 0, 1, 0), (1, 2, 4, 3)]),
        (REVERSED_MODEL_ID, [(0, 2, -2, 1), (1, 0, 4, 0)]),
    ):
        (nid,) = col.find_notes(f"mid:{mid}")
        cards = sorted(col.get_note(nid).cards(), key=lambda card: card.ord)
        got = [
            (
                card.ord,
                card.type,
                card.due - today if card.type == 2 else card.due,
                len(col.card_stats_data(card.id).revlog),
            )
            for card in cards
        ]
        assert got == expected


def test_learning_cards_are_due_in_seconds(col: Collection, tmp_path: Path) -> None:
    now = time.time()
    cards = [
        _card("learning", schedule=AnkiSchedule(1, 1, 0, 0, 2500, 1, 0)),
        _card("relearning", schedule=AnkiSchedule(3, 1, 0, 3, 2300, 6, 2)),
        _card("day-learning", schedule=AnkiSchedule(3, 3, 1, 3, 2300, 6, 2)),
    ]
    _import(col, tmp_path, cards, now, options=_options(with_scheduling=True))
    by_guid = {card.note().guid: card for card in _cards_of(col)}
    learning, relearning, day = (by_guid[note_guid(card)] for card in cards)
    assert (learning.type, learning.queue, learning.due) == (1, 1, int(now))
    assert (relearning.type, relearning.queue, relearning.due, relearning.lapses) == (3, 1, int(now), 2)
    assert (day.type, day.queue, day.due - col.sched.today) == (3, 3, 1)


@pytest.mark.parametrize("day_start_hour", [0, 4, 23])
def test_due_days_for_any_day_start(col: Collection, tmp_path: Path, day_start_hour: int) -> None:
    cards = [_scheduled(offset, i) for i, offset in enumerate(OFFSETS)]
    _import(
        col,
        tmp_path,
        cards,
        time.time(),
        options=_options(with_scheduling=True),
        day_start_hour=day_start_hour,
    )
    today = col.sched.today
    by_guid = {card.note().guid: card for card in _cards_of(col)}
    assert [by_guid[note_guid(card)].due - today for card in cards] == OFFSETS


def test_without_scheduling_anki_imports_new_cards(col: Collection, tmp_path: Path) -> None:
    cards = [_scheduled(offset, i) for i, offset in enumerate(OFFSETS)]
    log = _import(col, tmp_path, cards, time.time())
    assert len(log.new) == len(OFFSETS)
    assert {(card.type, card.queue) for card in _cards_of(col)} == {(0, 0)}
    assert col.db.scalar("select count() from revlog") == 0
