"""The real-notes corpus: its files and sources are in order, its scorer counts right, the extractor holds."""

from __future__ import annotations

import hashlib
import importlib.util
import json
import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "tests" / "corpus"
SOURCES = CORPUS / "SOURCES.md"
PERMISSIVE = re.compile(r"^(MIT|Apache-2\.0|BSD-[23]-Clause|ISC|CC0-1\.0|CC-BY(-SA)?-[1-4]\.0)$")


def _tool():
    spec = importlib.util.spec_from_file_location("corpus_tool", ROOT / "tools" / "corpus.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


corpus = _tool()


def label(kind="command", cue="list files", back="ls -la", topic=("Shell",), line=5, level="must"):
    return {"kind": kind, "cue": cue, "back": back, "topic": list(topic), "line": line, "level": level}


def card(kind="command", front="list files", back="ls -la", topic=("Notes", "Shell"), line=5):
    return {"kind": kind, "front": front, "back": back, "topic": list(topic), "line": line}


# --------------------------------------------------------------------------- the scorer


def test_a_card_with_the_labelled_command_is_found_and_its_front_judged_apart():
    labels = corpus.Labels([label(), label(cue="show disk usage", back="du -sh DIR", line=9)], [])
    got = corpus.score_note("n", labels, [card(), card(front="Shell (2)", back="du -sh DIR", line=9)])
    assert got.commands == (2, 2)  # both pairs are there …
    assert got.fronts == (1, 2)  # … but the second one's front is the heading, not the description
    assert got.figures()["precision"] == 1.0
    assert len(got.wrong_fronts) == 1 and "show disk usage" in got.wrong_fronts[0]


def test_a_card_for_another_command_topic_or_line_stands_for_nothing():
    labels = corpus.Labels([label()], [])
    cards = [
        card(back="ls -l"),  # another command
        card(topic=("Git",)),  # under other headings
        card(line=20),  # far from the labelled line
        card(kind="concept"),  # a concept card for a command label
    ]
    got = corpus.score_note("n", labels, cards)
    assert got.commands == (0, 1) and got.right == 0 and got.counted == 4 and len(got.extras) == 4
    assert got.misses == ["L5 [must command] list files -> ls -la"]


def test_one_card_stands_for_one_label_and_stretch_labels_are_not_counted_in_recall():
    labels = corpus.Labels([label(), label(line=6), label(cue="x", back="pwd", line=30, level="stretch")], [])
    got = corpus.score_note("n", labels, [card(), card(back="pwd", front="x", line=30)])
    assert got.commands == (1, 2)  # the one `ls -la` card cannot stand for both labels
    assert got.right == 2 and got.counted == 2  # the stretch card is right, not extra


def test_concepts_pair_on_the_definition_and_cards_in_unlabelled_ranges_count_neither_way():
    labels = corpus.Labels(
        [label(kind="concept", cue="镜像", back="一个只读的模板", line=3)], [(10, 20, "a Dockerfile")]
    )
    cards = [
        card(kind="concept", front="镜像是什么", back="镜像是一个只读的模板。", line=3),
        card(front="anything", back="RUN apt-get update", line=15),  # in the unlabelled range
        card(front="anything", back="echo", line=25),  # outside it: an extra card
    ]
    got = corpus.score_note("n", labels, cards)
    assert got.concepts == (1, 1) and got.fronts == (1, 1)
    assert (got.right, got.counted) == (1, 2) and got.figures()["precision"] == 0.5


def test_a_malformed_label_names_its_line(tmp_path):
    path = tmp_path / "x.jsonl"
    path.write_text(json.dumps(label()) + "\n" + json.dumps({"kind": "command"}) + "\n", encoding="utf-8")
    with pytest.raises(SystemExit, match=r"x\.jsonl:2: not a label: missing"):
        corpus.read_labels(path)


# --------------------------------------------------------------------------- the corpus itself


def source_rows() -> dict[str, list[str]]:
    rows = {}
    for line in SOURCES.read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if cells and cells[0].startswith("notes/"):
            rows[cells[0]] = cells
    return rows


def test_every_note_has_a_source_row_with_a_commit_and_a_permissive_licence():
    notes = sorted(p.relative_to(CORPUS).as_posix() for p in (CORPUS / "notes").glob("*.md"))
    rows = source_rows()
    assert notes and sorted(rows) == notes
    for name, cells in rows.items():
        _, repo, path, commit, licence, attribution, *_ = cells + [""] * 7
        assert re.fullmatch(r"[\w.-]+/[\w.-]+", repo) and path.endswith(".md"), name
        assert re.fullmatch(r"[0-9a-f]{40}", commit), name
        assert PERMISSIVE.match(licence), f"{name}: {licence}"
        assert attribution, name


def test_the_corpus_has_enough_notes_in_each_language_and_labels():
    notes = list((CORPUS / "notes").glob("*.md"))
    zh = [p for p in notes if p.name.startswith("zh")]
    en = [p for p in notes if p.name.startswith("en")]
    assert len(notes) >= 20 and len(zh) >= 8 and len(en) >= 8
    labels = [corpus.read_labels(p) for p in (CORPUS / "labels").glob("*.jsonl")]
    assert sum(len(x.cards) for x in labels) >= 400


@pytest.mark.parametrize("path", sorted((CORPUS / "labels").glob("*.jsonl")), ids=lambda p: p.stem)
def test_each_label_points_at_its_answer_in_the_note(path):
    note = (
        (CORPUS / "notes" / f"{path.stem}.md").read_bytes().decode("utf-8-sig", errors="replace").splitlines()
    )
    labels = corpus.read_labels(path)
    for first, last, reason in labels.unlabelled:
        assert 1 <= first <= last <= len(note) and reason, (first, last)
    for item in labels.cards:
        assert item["kind"] in ("command", "concept", "cloze", "qa") and item["level"] in ("must", "stretch")
        assert 1 <= item["line"] <= len(note), item
        # The answer's first words stand within a few lines of the labelled line.
        window = corpus.cardscore.norm(" ".join(note[max(0, item["line"] - 4) : item["line"] + 3]))
        answer = item["back"].splitlines()[0]
        owner = item["cue"].split(" › ")[0] + " "
        if " › " in item["cue"] and answer.startswith(owner):
            answer = answer[len(owner) :]  # an option card "cmd › what -o does": the option is on its line
        head = corpus.cardscore.norm(answer)[:12]
        assert corpus.cardscore.part_ratio(head, window) >= 0.6, item


def test_the_notes_are_kept_as_fetched():
    """A note is stored byte for byte; its digest in SOURCES.md would show an edit."""
    for name, cells in source_rows().items():
        digest = cells[6] if len(cells) > 6 else ""
        if digest:
            assert hashlib.sha256((CORPUS / name).read_bytes()).hexdigest().startswith(digest), name


# --------------------------------------------------------------------------- the extractor on it

# Raise these to what the extractor reaches so that a regression is caught.
FLOORS = {"command_recall": 0.96, "concept_recall": 0.84, "precision": 0.95, "front_match": 0.97}


def test_the_extractor_holds_its_level_on_the_corpus():
    _, total = corpus.score_corpus()
    figures = total.figures()
    assert {name: figures[name] >= floor for name, floor in FLOORS.items()} == dict.fromkeys(FLOORS, True), (
        figures
    )
