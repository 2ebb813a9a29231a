"""``write_package`` skips genanki's per-note path but writes the rows ``Note.write_to_db`` would."""

from __future__ import annotations

import sqlite3
import zipfile
from pathlib import Path

import pytest

from quiz.export import ExportCard, build_package, write_package

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
    "cards", [CARDS, CARDS[:1], list(reversed(CARDS)), []], ids=["all", "one", "reversed", "none"]
)
def test_rows_are_the_ones_genanki_writes(cards: list[ExportCard], tmp_path: Path) -> None:
    reference = tmp_path / "genanki.apkg"
    build_package(cards).write_to_file(str(reference), timestamp=T0)  # genanki's Note.write_to_db per note
    fast = tmp_path / "fast.apkg"
    assert write_package(cards, fast, T0) == len(cards)

    expected, actual = _tables(reference, tmp_path), _tables(fast, tmp_path)
    assert set(actual) == set(expected)
    assert (
        actual["notes"] == expected["notes"]
    )  # ids, guid, mid, mod, usn, tags, flds, sfld, csum, flags, data
    assert actual["cards"] == expected["cards"]  # ids, nid, did, ord, mod, usn, type, queue, due, ...
    assert actual == expected  # col (decks and note types JSON included), revlog, graves


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
