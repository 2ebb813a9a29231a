"""``write_package`` skips genanki's per-note path but writes the rows ``Note.write_to_db`` would."""

from __future__ import annotations

import sqlite3
import zipfile
from dataclasses import replace
from pathlib import Path

import pytest

from quiz.export import AnkiReview, AnkiSchedule, ExportCard, build_package, write_package

T0 = 1_700_000_000.75  # with a fraction: ids come from int(timestamp * 1000), mod from int(timestamp)


def _card(
    key: str, kind: str, front: str, back: str, topic: tuple[str, ...], slug: str = "notes"
) -> ExportCard:
    return ExportCard(
        key=key, deck_slug=slug, kind=kind, front=front, back=back, topic=topic, deck_title="Deck 笔记"
    )


CARDS = [
    # A child deck's notes come before its parent's: genanki numbers notes deck by deck, not in card order.
    _card("pull", "command", "获取镜像", 'docker pull "ubuntu:18.04" > log', ("docker学习", "镜像")),
    _card("what", "concept", "**术语** 是什么？ What is *term*?", "a way to `ls` objects", ("docker学习",)),
    _card(
        "list", "concept", "Steps:\n\n- one\n- two", "```sh\ntar -xzf a.tar.gz\n```", ("docker学习", "镜像")
    ),
    _card("qa", "qa", "plain question", "plain answer & <more>", ()),
    _card("cloze", "cloze", "[link](https://example.org)", "a_b_c", ("Git basics", "Working with branches")),
    # Empty front and topic: genanki's Front/Back rule gives this note no card at all.
    _card("empty", "concept", "", "only a back", ()),
    _card("empty-cmd", "command", "", "ls", (), slug="other"),
    _card("same", "concept", "same text", "same text", ("a::b", "c\x1fd", ' "quoted" tag ')),
    _card("pull", "command", "获取镜像", "docker pull ubuntu", ("docker学习", "镜像"), slug="other"),
]


SENTENCE = "The kernel shares namespaces and cgroups."
_REVIEW = AnkiReview(
    id_ms=1_690_000_000_000, ease=3, interval=4, last_interval=1, factor=2500, time_ms=3000, review_type=1
)
_SCHEDULE = AnkiSchedule(card_type=2, queue=2, due_in_days=-3, interval_days=4, factor=2500, reps=2, lapses=0)

# What issue 14 added: grouped notes, state, order, modification times, schedule and review log.
STATEFUL = [
    replace(CARDS[0], order=1, modified=1_699_999_000),
    _card("z1", "cloze", "The [...] shares namespaces and [limits].", SENTENCE, ("Kernel",)),
    replace(CARDS[1], order=2, suspended=True),
    _card("p1", "qa", "What is a pod?", "A group", ("Kernel",)),
    _card("z2", "cloze", "The kernel shares [...] and cgroups.", SENTENCE, ("Kernel",)),
    replace(CARDS[2], order=3, retired=True),
    _card("p2", "qa", "A group", "What is a pod?", ("Kernel",)),
    replace(CARDS[3], order=4, schedule=_SCHEDULE, reviews=(_REVIEW, replace(_REVIEW, ease=1))),
    replace(CARDS[4], order=5, schedule=replace(_SCHEDULE, queue=-1), reviews=(_REVIEW,)),
    _card("bad", "cloze", "no blank here", "something else", ("Kernel",)),
    *CARDS[5:],
]
STATEFUL = [
    replace(card, order=index + 1, modified=card.modified or 1_699_990_000 + index)
    if card.order == 0 and index % 2
    else card
    for index, card in enumerate(STATEFUL)
]


def _indexes(apkg: Path, tmp_path: Path) -> set[tuple[str, str]]:
    target = tmp_path / f"{apkg.stem}-indexes.anki2"
    with zipfile.ZipFile(apkg) as archive:
        target.write_bytes(archive.read("collection.anki2"))
    db = sqlite3.connect(target)
    try:
        return set(db.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index'").fetchall())
    finally:
        db.close()


def _tables(apkg: Path, tmp_path: Path) -> dict[str, list[tuple[object, ...]]]:
    target = tmp_path / f"{apkg.stem}.anki2"
    with zipfile.ZipFile(apkg) as archive:
        target.write_bytes(archive.read("collection.anki2"))
    db = sqlite3.connect(target)
    try:
        names = [
            name
            for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        ]
        return {name: db.execute(f"SELECT * FROM {name} ORDER BY rowid").fetchall() for name in names}
    finally:
        db.close()


@pytest.mark.parametrize(
    ("cards", "options"),
    [
        (CARDS, {}),
        (CARDS[:1], {}),
        (list(reversed(CARDS)), {}),
        ([], {}),
        (STATEFUL, {}),
        (list(reversed(STATEFUL)), {}),
        (STATEFUL, {"typed_commands": False, "legacy_guids": False, "day_start_hour": 0}),
    ],
    ids=["all", "one", "reversed", "none", "stateful", "stateful-reversed", "stateful-options"],
)
def test_rows_are_the_ones_genanki_writes(cards: list[ExportCard], options: dict, tmp_path: Path) -> None:
    reference = tmp_path / "genanki.apkg"
    # genanki's objects, each note and card written by its own write_to_db
    build_package(cards, **options).write_to_file(str(reference), timestamp=T0)
    fast = tmp_path / "fast.apkg"
    written = write_package(cards, fast, T0, **options)
    assert written == len(_tables(reference, tmp_path)["notes"])

    expected, actual = _tables(reference, tmp_path), _tables(fast, tmp_path)
    assert set(actual) == set(expected)
    assert (
        actual["notes"] == expected["notes"]
    )  # ids, guid, mid, mod, usn, tags, flds, sfld, csum, flags, data
    assert actual["cards"] == expected["cards"]  # ids, nid, did, ord, mod, usn, type, queue, due, ...
    assert actual["revlog"] == expected["revlog"]
    assert _indexes(fast, tmp_path) == _indexes(reference, tmp_path)  # dropped for the inserts, built again
    assert actual == expected  # col (decks and note types JSON included), graves


def test_the_stateful_comparison_sees_the_state(tmp_path: Path) -> None:
    write_package(STATEFUL, tmp_path / "fast.apkg", T0)
    tables = _tables(tmp_path / "fast.apkg", tmp_path)
    models = {row[2] for row in tables["notes"]}
    assert len(models) == 4  # command, concept, cloze, reversed
    queues = [row[7] for row in tables["cards"]]
    assert -1 in queues and 2 in queues and 0 in queues
    assert len(tables["revlog"]) == 3
    assert len({row[0] for row in tables["revlog"]}) == 3  # the same instant twice: bumped by 1 ms
    assert len({row[3] for row in tables["notes"]}) > 2  # per-note modification times


def test_the_comparison_sees_the_notes(tmp_path: Path) -> None:
    write_package(CARDS, tmp_path / "fast.apkg", T0)
    tables = _tables(tmp_path / "fast.apkg", tmp_path)
    assert len(tables["notes"]) == len(CARDS)
    assert len(tables["cards"]) == len(CARDS) - 2  # the two notes with an empty front and topic get no card
    first_id = int(T0 * 1000)
    assert min(row[0] for row in tables["notes"]) == first_id
    assert {row[3] for row in tables["notes"]} == {int(T0)}
    assert all(row[8] == 0 for row in tables["notes"])  # genanki leaves csum 0 and Anki recomputes it


def test_a_deflated_package(tmp_path: Path) -> None:
    write_package(CARDS, tmp_path / "fast.apkg", T0)
    with zipfile.ZipFile(tmp_path / "fast.apkg") as archive:
        assert [info.filename for info in archive.infolist()] == ["collection.anki2", "media"]
        assert {info.compress_type for info in archive.infolist()} == {zipfile.ZIP_DEFLATED}
        assert archive.read("media") == b"{}"
