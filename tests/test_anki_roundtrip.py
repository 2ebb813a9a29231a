"""Notes → app → `flask anki export` → the real Anki imports it; a re-export updates it."""

from __future__ import annotations

from pathlib import Path

import pytest
from anki.collection import Collection, ImportAnkiPackageRequest

from tests.conftest import SAMPLE_NOTES
from tests.test_export import DEFAULT_OPTIONS


def anki_import(col: Collection, apkg: Path):
    return col.import_anki_package(
        ImportAnkiPackageRequest(package_path=str(apkg), options=DEFAULT_OPTIONS)
    ).log


@pytest.mark.slow
def test_sample_deck_imports_into_anki_and_reexport_updates(runner, tmp_path):
    note = tmp_path / "docker-notes.md"
    note.write_bytes(SAMPLE_NOTES.read_bytes())
    assert runner.invoke(args=["notes", "import", str(note)]).exit_code == 0
    preview = runner.invoke(args=["notes", "preview", str(note), "--json"])
    first = tmp_path / "first.apkg"
    result = runner.invoke(args=["anki", "export", str(first)])
    assert result.exit_code == 0, result.output
    exported = int(result.output.split()[1])

    col = Collection(str(tmp_path / "collection.anki2"))
    try:
        anki_import(col, first)
        assert col.note_count() == exported == preview.output.count('"key"')
        decks = {d.name for d in col.decks.all_names_and_ids()}
        assert {"docker学习", "docker学习::基础概念", "docker学习::docker镜像使用"} <= decks
        nids = set(col.find_notes('"deck:docker学习::docker镜像使用"'))
        assert nids and all("docker学习::docker镜像使用" in col.get_note(n).tags for n in nids)

        # Edit one answer in the note, re-import it into Wengu, export again.
        text = note.read_text(encoding="utf-8")
        edited = text.replace("docker container stop", "docker container stop --time 5", 1)
        assert edited != text
        note.write_text(edited, encoding="utf-8")
        assert runner.invoke(args=["notes", "import", str(note)]).exit_code == 0
        second = tmp_path / "second.apkg"
        assert runner.invoke(args=["anki", "export", str(second)]).exit_code == 0
        log = anki_import(col, second)
        assert len(log.new) == 0
        assert col.note_count() == exported
        commands = [col.get_note(n)["Command"] for n in col.find_notes('"note:Wengu command"')]
        assert any("docker container stop --time 5" in c for c in commands)
        assert not any(c.endswith("docker container stop") for c in commands)
    finally:
        col.close()
