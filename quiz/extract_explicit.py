"""Explicit card syntax written by the note's author: ``Q::A``, ``Q:::A``, ``?`` blocks, clozes.

Pure functions over one line (or one paragraph) of Markdown source.  Code spans
never count: the markers are searched in the line with its code spans blanked out.
"""

from __future__ import annotations

import re

from quiz.extract_text import strip_code

# ``{{c1::answer}}`` / ``{{c1::answer::hint}}`` (Anki) and ``==answer==`` (highlight).
# ``{{path/to/file}}`` (a tldr placeholder) has no ``cN::`` and is not a cloze.
_CLOZE_RE = re.compile(
    r"\{\{c(\d{1,3})::(.+?)(?:::([^{}]*?))?\}\}|(?<![=\\A-Za-z0-9_])==(?=[^\s=])(.+?)(?<=[^\s=\\])==(?![=A-Za-z0-9_])"
)
_REVERSED_RE = re.compile(r"(?<!:):::(?!:)")
_QA_RE = re.compile(r"::")
_CODE_PATH_WORD_RE = re.compile(r"[a-z_][a-z0-9_]*")
_CODE_PATH_NEXT_RE = re.compile(r"[A-Za-z_<~*]")
MULTILINE_MARKS = ("?", "??")


def reversed_qa(text: str) -> tuple[str, str] | None:
    """``Q:::A`` → (Q, A): a card each way."""
    prose = strip_code(text)
    if ":::" not in prose:
        return None
    m = _REVERSED_RE.search(prose)
    if not m:
        return None
    left, right = text[: m.start()].strip(), text[m.end() :].strip()
    if not left or not right:
        return None
    return left, right


def basic_qa(text: str) -> tuple[str, str] | None:
    """``Question::Answer`` → (question, answer); ``std::vector``, ``a::b::c`` are not cards."""
    prose = strip_code(text)
    if "::" not in prose or "{{" in prose:
        return None
    m = _QA_RE.search(prose)
    if m is None:
        return None
    left, right = text[: m.start()].strip(), text[m.end() :].strip()
    if not left or not right:
        return None
    if not left.endswith(("?", "？")) and _CODE_PATH_NEXT_RE.match(text[m.end() :]):
        word = left.split()[-1]
        if _CODE_PATH_WORD_RE.fullmatch(word) or "::" in right.split()[0]:
            return None  # a code path such as std::vector or a::b::c
    return left, right


def cloze(text: str) -> list[tuple[str, str, str]]:
    """Cloze cards of one line: (front, back, group) per cloze number (``==x==`` is one group).

    The front shows each blank of the group as ``[...]`` (or ``[hint]``) and the other
    groups' answers in full; the back is the whole line with the answers.
    """
    if "==" not in text and "{{c" not in text:
        return []
    prose = strip_code(text)
    matches = list(_CLOZE_RE.finditer(prose))
    if not matches:
        return []

    def answer(m: re.Match[str]) -> str:
        g = 2 if m.group(1) else 4
        return text[m.start(g) : m.end(g)]

    def build(blank_group: str | None) -> str:
        out, pos = [], 0
        for m in matches:
            out.append(text[pos : m.start()])
            group = m.group(1) or ""
            if group == blank_group:
                hint = (m.group(3) or "").strip() if m.group(1) else ""
                out.append(f"[{hint or '...'}]")
            else:
                out.append(answer(m))
            pos = m.end()
        out.append(text[pos:])
        return "".join(out).strip()

    back = build(None)
    groups: list[str] = []
    for m in matches:
        group = m.group(1) or ""
        if group not in groups:
            groups.append(group)
    groups.sort(key=lambda g: int(g) if g else 0)
    return [(build(g), back, g) for g in groups]


def multiline_qa(lines: list[str]) -> tuple[str, str, int, bool] | None:
    """A paragraph ``question lines / ? / answer lines`` → (question, answer, answer index, reversed)."""
    for i, raw in enumerate(lines):
        mark = raw.strip()
        if mark in MULTILINE_MARKS and 0 < i < len(lines) - 1:
            question = "\n".join(x.strip() for x in lines[:i] if x.strip())
            answer = "\n".join(x.strip() for x in lines[i + 1 :] if x.strip())
            if question and answer:
                return question, answer, i + 1, mark == "??"
    return None
