"""Snapshot what `parse_note` makes of Markdown notes, to prove a refactor changes nothing.

Usage (from the repository root):

    python tools/extract_snapshot.py -o before.json data/*.md tests/ --strings tests/test_notes.py
    ... change the extractor ...
    python tools/extract_snapshot.py -o after.json data/*.md tests/ --strings tests/test_notes.py \
        --compare before.json

Arguments are Markdown files or folders (searched for ``*.md``).  ``--strings FILE.py`` also runs
every string literal of a Python file (e.g. the notes written inside tests).  The snapshot holds,
per input, every field of the `ParsedNote` (topics, cards with all their fields including the key,
and whatever else it carries).  ``--compare OLD`` reports the inputs whose result differs from OLD,
comparing only the fields OLD has (so fields added since then do not count), and exits 1 if any.
"""

from __future__ import annotations

import argparse
import ast
import dataclasses
import hashlib
import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from quiz.notes import decode_note, parse_note  # noqa: E402


def _plain(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    return value


def _inputs(paths: list[str], strings: list[str]) -> dict[str, str]:
    """Name → note text, in a stable order."""
    out: dict[str, str] = {}
    for arg in paths:
        path = Path(arg)
        files = sorted(path.rglob("*.md")) if path.is_dir() else [path]
        for f in files:
            out[str(f)] = decode_note(f.read_bytes(), str(f))
    for arg in strings:
        tree = ast.parse(Path(arg).read_text(encoding="utf-8"))
        seen: set[str] = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value not in seen:
                seen.add(node.value)
                digest = hashlib.sha1(node.value.encode()).hexdigest()[:12]
                out[f"{arg}:{digest}"] = node.value  # named by content: stable when the file changes
    return out


def snapshot(paths: list[str], strings: list[str]) -> dict[str, Any]:
    return {name: _plain(parse_note(text)) for name, text in _inputs(paths, strings).items()}


def _project(new: Any, old: Any) -> Any:
    """`new` restricted to the keys `old` has (recursively), so that added fields are ignored."""
    if isinstance(old, dict) and isinstance(new, dict):
        return {k: _project(new.get(k), v) for k, v in old.items()}
    if isinstance(old, list) and isinstance(new, list) and len(old) == len(new):
        return [_project(n, o) for n, o in zip(new, old, strict=True)]
    return new


def main() -> int:
    raw = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=raw)
    parser.add_argument("paths", nargs="*", help="Markdown files or folders")
    parser.add_argument("--strings", action="append", default=[], help="a Python file whose literals to run")
    parser.add_argument("-o", "--output", help="write the snapshot here (JSON)")
    parser.add_argument("--compare", help="an earlier snapshot to compare with")
    args = parser.parse_args()
    snap = snapshot(args.paths, args.strings)
    cards = sum(len(v["cards"]) for v in snap.values())
    print(f"{len(snap)} inputs, {cards} cards", file=sys.stderr)
    if args.output:
        Path(args.output).write_text(json.dumps(snap, ensure_ascii=False, indent=1), encoding="utf-8")
    if args.compare:
        old = json.loads(Path(args.compare).read_text(encoding="utf-8"))
        differ = [name for name in old if name not in snap or _project(snap[name], old[name]) != old[name]]
        missing = [name for name in snap if name not in old]
        for name in differ:
            print(f"DIFFERS: {name}")
        print(f"{len(old) - len(differ)}/{len(old)} identical; {len(missing)} new inputs", file=sys.stderr)
        return 1 if differ else 0
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
