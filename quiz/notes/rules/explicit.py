"""Explicit card syntax written by the note's author: ``Q::A``, ``Q:::A``, ``?`` blocks, clozes.

Pure functions over one line (or one paragraph) of Markdown source.  Code spans
never count: the markers are searched in the line with its code spans blanked out.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass
from typing import TYPE_CHECKING

from quiz.notes.text import strip_code

if TYPE_CHECKING:
    from quiz.notes.context import Context

# ``{{c1::answer}}`` / ``{{c1::answer::hint}}`` (Anki) and ``==answer==`` (highlight).
# ``{{path/to/file}}`` (a tldr placeholder) has no ``cN::`` and is not a cloze.
# CLOZE_REFERENCE says which spans are clozes, but it is never run on a note: a backtracking
# engine spends O(n) from every opener that has no closer (``.+?`` scans to the end of the
# line), so a line of 50,000 unclosed ``{{c1::`` took minutes.  `cloze_matches` finds exactly
# the spans ``CLOZE_REFERENCE.finditer`` would (a test compares them) in O(n log n): it lists
# the openers and the closers once each, and pairs each opener with the first closer after it.
CLOZE_REFERENCE = (
    r"\{\{c(\d{1,3})::(.+?)(?:::([^{}]*?))?\}\}"
    r"|(?<![=\\A-Za-z0-9_])==(?=[^\s=])(.+?)(?<=[^\s=\\])==(?![=A-Za-z0-9_])"
)
_CLOZE_OPEN_RE = re.compile(r"\{\{c(\d{1,3})::|(?<![=\\A-Za-z0-9_])==(?=[^\s=])")
_BRACES_AT_RE = re.compile(r"(?=\}\})")  # every position where ``}}`` starts (overlapping)
_COLONS_AT_RE = re.compile(r"(?=::)")  # every position where ``::`` starts (overlapping)
_BRACE_RE = re.compile(r"[{}]")
_HIGHLIGHT_CLOSE_AT_RE = re.compile(r"(?<=[^\s=\\])(?===(?![=A-Za-z0-9_]))")
# A line with more cloze numbers than this gives cards for the lowest ones only; the others
# show their answers in every card.  Each card repeats the whole line, so the cards of one
# line grow with (numbers × line length): unbounded, a 100 KB line would yield gigabytes.
MAX_CLOZE_GROUPS = 50
# And a note's cloze cards together hold at most this many characters per character of the note
# (plus a fixed allowance), however its clozes are spread over lines: past the budget a line gives
# one card for its lowest number.  This keeps what a note yields within a small multiple of its size.
CLOZE_TEXT_PER_NOTE_CHAR = 4
CLOZE_TEXT_ALLOWANCE = 200_000
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


@dataclass(frozen=True, slots=True)
class ClozeMatch:
    """One cloze in a line: its span, its number ("" for ``==x==``), its answer's span and its hint."""

    start: int
    end: int
    number: str
    answer: tuple[int, int]
    hint: tuple[int, int] | None = None


def _first_at_or_after(positions: list[int], at: int, limit: int) -> int | None:
    """The index in sorted `positions` of the first one in ``[at, limit]``, or None."""
    k = bisect_left(positions, at)
    return k if k < len(positions) and positions[k] <= limit else None


def cloze_matches(prose: str) -> list[ClozeMatch]:
    """The clozes of `prose`: the spans ``CLOZE_REFERENCE.finditer(prose)`` matches, in O(n log n).

    An opener ``{{cN::`` ends at the first closer at least one character after it on the same
    line: ``}}``, or ``::hint}}`` (no brace inside the hint).  An opener ``==`` ends at the first
    ``==`` preceded by a character that is not white space, ``=`` or a backslash and not followed
    by ``=`` or a word character.  After a match the search resumes at its end, as finditer does.
    """
    openers = list(_CLOZE_OPEN_RE.finditer(prose))
    if not openers:
        return []
    newlines = [m.start() for m in re.finditer("\n", prose)]
    n = len(prose)
    anki: tuple[list[int], list[tuple[int, tuple[int, int] | None]]] | None = None
    marks: list[int] | None = None
    out: list[ClozeMatch] = []
    resume = 0
    for opener in openers:
        start = opener.start()
        if start < resume:
            continue
        body = opener.end()
        k = bisect_left(newlines, body)
        line_end = newlines[k] if k < len(newlines) else n
        number = opener.group(1)
        if number is not None:
            if anki is None:
                anki = _anki_closers(prose)
            found = _first_at_or_after(anki[0], body + 1, line_end)
            if found is None:
                continue
            at = anki[0][found]
            end, hint = anki[1][found]
            out.append(ClozeMatch(start, end, number, (body, at), hint))
        else:
            if marks is None:
                marks = [m.start() for m in _HIGHLIGHT_CLOSE_AT_RE.finditer(prose)]
            found = _first_at_or_after(marks, body + 1, line_end)
            if found is None:
                continue
            at = marks[found]
            end = at + 2
            out.append(ClozeMatch(start, end, "", (body, at)))
        resume = end
    return out


def _anki_closers(prose: str) -> tuple[list[int], list[tuple[int, tuple[int, int] | None]]]:
    """Where an Anki cloze's answer may end: (positions, (end of the cloze, hint span) per position)."""
    braces = [m.start() for m in _BRACE_RE.finditer(prose)]
    found: dict[int, tuple[int, tuple[int, int] | None]] = {}
    for m in _BRACES_AT_RE.finditer(prose):
        found[m.start()] = (m.start() + 2, None)
    for m in _COLONS_AT_RE.finditer(prose):
        at = m.start()
        k = bisect_left(braces, at + 2)
        if k < len(braces) and prose.startswith("}}", braces[k]):
            found[at] = (braces[k] + 2, (at + 2, braces[k]))
    positions = sorted(found)
    return positions, [found[p] for p in positions]


def cloze(text: str, max_groups: int = MAX_CLOZE_GROUPS) -> list[tuple[str, str, str]]:
    """Cloze cards of one line: (front, back, group) per cloze number (``==x==`` is one group).

    The front shows each blank of the group as ``[...]`` (or ``[hint]``) and the other
    groups' answers in full; the back is the whole line with the answers.  At most
    `MAX_CLOZE_GROUPS` groups (the lowest numbers) give cards.
    """
    if "==" not in text and "{{c" not in text:
        return []
    prose = strip_code(text)
    matches = cloze_matches(prose)
    if not matches:
        return []

    def build(blank_group: str | None) -> str:
        out, pos = [], 0
        for m in matches:
            out.append(text[pos : m.start])
            if m.number == blank_group:
                hint = prose[m.hint[0] : m.hint[1]].strip() if m.number and m.hint else ""
                out.append(f"[{hint or '...'}]")
            else:
                out.append(text[m.answer[0] : m.answer[1]])
            pos = m.end
        out.append(text[pos:])
        return "".join(out).strip()

    back = build(None)
    # first appearance breaks ties (``c1`` and ``c01``), as the stable sort keeps it
    groups = sorted(dict.fromkeys(m.number for m in matches), key=lambda g: int(g) if g else 0)
    return [(build(g), back, g) for g in groups[: max(1, min(max_groups, MAX_CLOZE_GROUPS))]]


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


# --------------------------------------------------------------------------- the rules


def explicit_line(ctx: Context, text: str, lineno: int) -> bool:
    """``Q:::A``, ``Q::A``, ``{{c1::x}}``/``==x==`` → qa/cloze cards; not ``std::vector``.  True if any."""
    if "::" in text:
        pair = reversed_qa(text)
        if pair is not None:
            ctx.propose("qa", pair[0], pair[1], lineno, pair[0], "qa_reversed")
            ctx.propose("qa", pair[1], pair[0], lineno, pair[1], "qa_reversed")
            return True
    clozes = cloze(text, ctx.cloze_budget // max(1, 2 * len(text)))
    if clozes:
        ctx.cloze_budget -= 2 * len(text) * len(clozes)
        for front, back, group in clozes:
            ident = back if len(clozes) == 1 else f"{back}\0c{group}"
            ctx.propose("cloze", front, back, lineno, ident, "cloze")
        return True
    if "::" in text:
        pair = basic_qa(text)
        if pair is not None:
            ctx.propose("qa", pair[0], pair[1], lineno, pair[0], "qa")
            return True
    return False


def multiline_qa_block(ctx: Context, lines: list[str], first_line: int) -> bool:
    """A paragraph ``question / ? / answer`` → a qa card (``??``: both ways); not one without a ``?`` line."""
    multi = multiline_qa(lines)
    if multi is None:
        return False
    question, answer, at, both_ways = multi
    ctx.propose("qa", question, answer, first_line + at + 1, question, "qa_multiline")
    if both_ways:
        ctx.propose("qa", answer, question, first_line + 1, answer, "qa_multiline")
    return True
