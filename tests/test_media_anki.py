"""Images end to end with the real Anki: a note with an image -> `flask notes import` -> `flask anki export`
-> Anki's import has the file in its media folder and the note's field names it."""

from __future__ import annotations

import re

import pytest
from anki.collection import Collection

from tests.test_anki_roundtrip import anki_import
from tests.test_media import GIF, PNG


@pytest.mark.slow
def test_an_image_in_a_note_reaches_anki_as_media(runner, tmp_path):
    root = tmp_path / "notes"
    (root / "img").mkdir(parents=True)
    (root / "img" / "layers.png").write_bytes(PNG)
    (root / "img" / "dup.gif").write_bytes(GIF)
    (root / "docker.md").write_text(
        "# Docker\n\n## Images\n\n"
        "What is a layer? :: A diff ![layers](img/layers.png)\n"
        "- `docker images` lists images ![same](img/dup.gif)\n"
        "What is gone? :: Nothing ![gone](img/missing.png)\n",
        encoding="utf-8",
    )
    (root / "other").mkdir()
    (root / "other" / "img").mkdir()
    (root / "other" / "img" / "layers.png").write_bytes(PNG + b"\x01")  # same name, other picture
    (root / "other" / "k8s.md").write_text(
        "# K8s\n\n## Pods\n\nWhat is a pod? :: Containers ![pods](img/layers.png)\n", encoding="utf-8"
    )
    result = runner.invoke(args=["notes", "import", str(root)])
    assert result.exit_code == 0, result.output
    apkg = tmp_path / "out.apkg"
    result = runner.invoke(args=["anki", "export", str(apkg)])
    assert result.exit_code == 0, result.output
    col = Collection(str(tmp_path / "collection.anki2"))
    try:
        anki_import(col, apkg)
        sources: dict[str, str] = {}
        for nid in col.find_notes(""):
            note = col.get_note(nid)
            for field in note.fields:
                for src in re.findall(r'<img src="([^"]+)"', field):
                    sources[src] = field
        assert len(sources) == 3, sources  # two different layers.png, one gif; the missing one is alt text
        for name in sources:
            assert re.fullmatch(r"wengu-[0-9a-f]{12}-[A-Za-z0-9._-]+", name)
            assert col.media.have(name)
        fields = [field for nid in col.find_notes("") for field in col.get_note(nid).fields]
        assert any("Nothing" in f and "gone" in f and "<img" not in f for f in fields)
        check = col.media.check()
        assert not check.missing and not check.unused, (check.missing, check.unused)
    finally:
        col.close()
