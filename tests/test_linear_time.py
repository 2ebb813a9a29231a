"""Hostile notes and answers: extraction and answer checking do work linear in their input.

Three kinds of evidence, none of them a wall-clock limit:

* a structural audit (``tests/regex_audit.py``) of every regular expression in the extraction,
  rendering and answer-checking modules, which rejects the shapes a backtracking engine runs in
  super-linear time;
* the rewritten matchers (clozes, code spans, trailing conjunctions, answer word patterns) give
  exactly what the patterns they replace give, on generated input;
* the work for adversarial input at size n and 8n: Python-level events (calls and lines, counted
  with ``sys.settrace``, deterministic) must grow less than 20× (quadratic would be 64×); for the
  parts that run in C (regex matching, string searches) the CPU time of the same inputs, the least
  of several runs, must grow less than 20× too, a margin that noise does not cross.

A property test runs the whole extractor and the answer checker on generated text and checks
that they never raise, give the same result twice, and stay within a bound of events per
input character.
"""

from __future__ import annotations

import gc
import re
import sys
import time
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import quiz.answers
import quiz.notes
import quiz.render
from quiz.answers import Verdict, WordPattern, _lex, _token_regex, _Where, check_command
from quiz.notes import NOTES_MODULES, parse_note
from quiz.notes.rules.explicit import (
    CLOZE_REFERENCE,
    CLOZE_TEXT_ALLOWANCE,
    CLOZE_TEXT_PER_NOTE_CHAR,
    MAX_CLOZE_GROUPS,
    cloze,
    cloze_matches,
)
from quiz.notes.rules.prose_use import strip_trailing_conj
from quiz.notes.text import CODE_SPAN_REFERENCE, _span_matches
from quiz.render import render_markdown
from tests.regex_audit import audit, audit_modules

MODULES = (*NOTES_MODULES, quiz.render, quiz.answers)

# Patterns the audit flags that are linear where they are used, and why.  Each entry must still be
# flagged (see test_allowed_patterns_are_still_needed), so the list cannot outlive its reason.
ALLOWED: dict[str, tuple[str, str]] = {
    "quiz.notes.rules.prose_use._ZH_BEFORE_TAIL_RE": (
        "restart",
        "run on a clause of at most 40 characters (_desc_before)",
    ),
    "quiz.notes.rules.prose_use._EN_BEFORE_RE": (
        "overrun",
        "searched in at most the 200 characters before a verb (_desc_before)",
    ),
    "quiz.notes.rules.prose_use._EN_BY_RE": (
        "overrun",
        "searched in at most the 200 characters before a verb (_desc_before)",
    ),
    "quiz.notes.rules.code_lines._TRAILING_COMMENT_RE": (
        "overrun",
        "run on one line of a code block: with no newline, the final .*$ cannot fail",
    ),
    "quiz.render._CODE_OR_STARS": (
        "overrun",
        "a start inside the [^`]* run is a * run, which always matches; the backtick branch cannot"
        " start inside it",
    ),
}


# --------------------------------------------------------------------------- measuring work


def events(fn: Callable[..., Any], *args: Any) -> int:
    """Python-level calls and lines run by ``fn(*args)`` (deterministic; C code counts once per call)."""
    count = 0

    def tracer(_frame: Any, _event: str, _arg: Any) -> Any:
        nonlocal count
        count += 1
        return tracer

    previous = sys.gettrace()
    sys.settrace(tracer)
    try:
        fn(*args)
    finally:
        sys.settrace(previous)
    return count


def cpu_cost(fn: Callable[..., Any], *args: Any, runs: int = 5) -> float:
    """The least CPU time of several runs of ``fn(*args)`` (caches cleared between runs)."""
    best = float("inf")
    for _ in range(runs):
        _clear_caches()
        gc.collect()
        gc.disable()
        try:
            start = time.process_time()
            fn(*args)
            best = min(best, time.process_time() - start)
        finally:
            gc.enable()
    return best


def _clear_caches() -> None:
    for module in MODULES:
        for value in vars(module).values():
            if hasattr(value, "cache_clear"):
                value.cache_clear()


def rep(fragment: str, n: int) -> str:
    """`fragment` repeated to exactly n characters."""
    return (fragment * (n // len(fragment) + 1))[:n]


# Adversarial notes: each a function of the size.
NOTES: dict[str, Callable[[int], str]] = {
    "cloze openers": lambda n: rep("{{c1::", n),
    "highlight openers": lambda n: rep("==a ", n),
    "unclosed cloze": lambda n: "{{c1::a" + rep("x", n),
    "unclosed highlight": lambda n: "==a" + rep("b", n),
    "many cloze numbers": lambda n: "".join(f"{{{{c{i % 999 + 1}::a}}}}" for i in range(n // 10)),
    "many highlights": lambda n: rep("==a== ", n),
    "backticks": lambda n: rep("`", n),
    "backtick pairs": lambda n: rep("`a", n),
    "backtick runs of growing length": lambda n: "".join("`" * i + "a" for i in range(1, 2000))[:n],
    "stars": lambda n: rep("*a ", n),
    "underscores": lambda n: rep("_a ", n),
    "pipes": lambda n: rep("|", n),
    "table row": lambda n: "|命令|说明|\n|-|-|\n|" + rep("`ls -a` / ", n) + "|x|",
    "brackets": lambda n: rep("[", n),
    "links": lambda n: rep("[a](", n),
    "dashes": lambda n: rep("- ", n),
    "spaces in a list item": lambda n: "- a" + rep(" ", n) + "(b",
    "spaces before a comment": lambda n: "```sh\nls" + rep(" ", n) + "x\n```",
    "spaces in prose": lambda n: "use `ls -l` to a" + rep(" ", n) + "x",
    "spaces after a command": lambda n: "use `ls -l`" + rep(" ", n) + "x",
    "one character": lambda n: rep("a", n),
    "CJK": lambda n: rep("中文", n),
    "是": lambda n: rep("是", n),
    "double colons": lambda n: rep("::", n),
    "triple colons": lambda n: rep(":::", n),
    "arrows": lambda n: rep("=>", n),
    "full-width colons": lambda n: rep("：", n),
    "colon and space": lambda n: rep("a: ", n),
    "program words": lambda n: rep("git ", n),
    "use verbs": lambda n: rep("use `ls -l` ", n),
    "conjunctions": lambda n: "use `ls -l` to a" + rep(" and", n) + " x `ls -a` to b",
    "use 用": lambda n: rep("创建分支可以用 `git branch`，", n),
    "lines of qa": lambda n: rep("a::b\n", n),
    "headings": lambda n: rep("# error\nanswer\n", n),
    "list items": lambda n: rep("- a\n", n),
    "definitions": lambda n: rep("- a 是 b\n", n),
    "continuations": lambda n: "# h\n```sh\n" + rep("ls \\\n", n) + "\n```",
    "code lines": lambda n: "# h\n```sh\n" + rep("ls -a\n", n) + "```",
    "link definitions": lambda n: rep("[a]: b\n", n),
    "blockquotes": lambda n: rep("> ", n) + "a::b",
    "nested lists": lambda n: rep("- ", n) + "a::b",
    "code spans ending a line": lambda n: rep("a — `ls -l` ", n),
}

# Adversarial answers: the card's command grows with the size; the typed answer is a fixed
# hostile one (the form takes 2,000 characters at most).  Growing both would measure the
# alignment, which is O(expected × typed) words by design and capped at 200 words a side.
_SLOTS_TYPED = "cmd " + " ".join(["x" * 95] * 20)
ANSWERS: dict[str, Callable[[int], tuple[str, str]]] = {
    "four-slot placeholders": lambda n: ("cmd " + " ".join(["<a>x<b>x<c>x<d>y"] * (n // 17)), _SLOTS_TYPED),
    "unclosed {{": lambda n: ("cmd " + rep("{{", n), "cmd x"),
    "angles": lambda n: ("cmd " + rep("<", n), "cmd " + rep("<", 500)),
    "option cluster": lambda n: ("cmd -" + rep("a", n), "cmd -" + rep("b", 1_000)),
    "many options": lambda n: ("ls " + rep("-a ", n), "ls " + rep("-b ", 600)),
    "brackets": lambda n: ("cmd " + rep("[a", n), "cmd x"),
    "alternatives": lambda n: (rep("ls -a 或 ", n), "ls -b"),
    "spaced alternatives": lambda n: ("ls -a" + rep(" ", n) + "或 ls -b", "ls -c"),
    "quotes": lambda n: (rep('"', n), rep("'", 1_000)),
    "CJK placeholders": lambda n: ("cmd " + rep("项 ", n), "cmd " + rep("x ", 600)),
    "example IDs": lambda n: (
        "docker rm " + rep("7691a814370e ", n),
        "docker rm " + rep("0123456789ab ", 2_000),
    ),
    "example addresses": lambda n: (
        "ssh " + rep("root@192.168.1.10 ", n),
        "ssh " + rep("a@10.0.0.1 ", 2_000),
    ),
    "a placeholder before an ID": lambda n: (
        "cmd " + rep("<a>7691a814370e ", n),
        "cmd " + rep("a" * 99 + " ", 2_000),
    ),
    "ports": lambda n: ("docker run -p " + rep("8:", n), "docker run -p " + rep("9:", 2_000)),
    "process IDs": lambda n: ("kill " + rep("12 ", n), "kill " + rep("3 ", 2_000)),
    "hex digits": lambda n: ("git show " + rep("a1", n), "git show " + rep("b2", 2_000)),
    "dotted numbers": lambda n: ("ping " + rep("1.", n), "ping " + rep("2.", 2_000)),
    "letter clusters": lambda n: ("find -" + rep("ab", n), "find -" + rep("ba", 2_000)),
}

SMALL, LARGE = 1_500, 12_000  # 8×: linear work grows about 8×, quadratic 64×
LIMIT = 20


@pytest.mark.parametrize("name", list(NOTES))
def test_extractor_python_work_grows_linearly(name: str) -> None:
    make = NOTES[name]
    small, large = events(parse_note, make(SMALL)), events(parse_note, make(LARGE))
    assert large < LIMIT * small, f"{name}: {small} events at {SMALL} chars, {large} at {LARGE}"


@pytest.mark.parametrize("name", list(ANSWERS))
def test_answer_checker_python_work_grows_linearly(name: str) -> None:
    make = ANSWERS[name]
    small = events(check_command, *make(SMALL // 4))
    large = events(check_command, *make(LARGE // 4))
    assert large < LIMIT * small, f"{name}: {small} events, then {large}"


# The inputs whose work is mostly in C (regex engine, string search), where events say little.
CPU_NOTES = (
    "cloze openers",
    "highlight openers",
    "backtick runs of growing length",
    "spaces in a list item",
    "spaces before a comment",
    "spaces in prose",
    "spaces after a command",
    "conjunctions",
    "是",
)


@pytest.mark.parametrize("name", CPU_NOTES)
def test_extractor_cpu_time_grows_linearly(name: str) -> None:
    make = NOTES[name]
    small, large = make(4_000), make(32_000)
    cost_small = cpu_cost(parse_note, small)
    cost_large = cpu_cost(parse_note, large)
    # 1 ms of slack absorbs the clock's granularity on the small input.
    assert cost_large < LIMIT * cost_small + 0.001 * LIMIT, (
        f"{name}: {cost_small:.4f}s then {cost_large:.4f}s"
    )


@pytest.mark.slow
@pytest.mark.parametrize("name", list(NOTES))
def test_every_adversarial_note_at_100k_characters_costs_linear_time(name: str) -> None:
    # The size: 100,000 characters of each shape, beside 12,500 of it (8x: linear work
    # grows about 8x).  CPU time, least of three runs, so that a busy machine counts little.
    make = NOTES[name]
    cost_small = cpu_cost(parse_note, make(12_500), runs=3)
    cost_large = cpu_cost(parse_note, make(100_000), runs=3)
    assert cost_large < LIMIT * cost_small + 0.002 * LIMIT, (
        f"{name}: {cost_small:.4f}s then {cost_large:.4f}s"
    )


def _slots(length: int) -> tuple[str, str]:
    """40 four-slot patterns against 20 typed words of `length` x (no word matches: no y)."""
    return "cmd " + " ".join(["<a>x<b>x<c>x<d>y"] * 40), "cmd " + " ".join(["x" * length] * 20)


def test_placeholder_matching_grows_linearly_with_the_typed_words() -> None:
    # A backtracking regex took O(length⁴) a word here (8× longer words: 4,096× the work).
    small, large = events(check_command, *_slots(12)), events(check_command, *_slots(96))
    assert large < LIMIT * small, f"{small} events, then {large}"
    cost_small = cpu_cost(check_command, *_slots(12), runs=3)
    cost_large = cpu_cost(check_command, *_slots(96), runs=3)
    assert cost_large < LIMIT * cost_small + 0.001 * LIMIT, f"{cost_small:.4f}s then {cost_large:.4f}s"


def _shapes(length: int) -> tuple[str, str]:
    """40 words of a placeholder, an example ID and an example address against 20 typed words of
    `length` characters made of ID-like runs and address-like pieces (none matches in full)."""
    card = "docker rm " + " ".join(["<a>7691a814370e:10.1.2.3"] * 40)
    return card, "docker rm " + " ".join([rep("aaaaaaaaa:1.2.3.", length)] * 20)


def test_example_value_matching_grows_linearly_with_the_typed_words() -> None:
    small, large = events(check_command, *_shapes(12)), events(check_command, *_shapes(96))
    assert large < LIMIT * small, f"{small} events, then {large}"
    cost_small = cpu_cost(check_command, *_shapes(12), runs=3)
    cost_large = cpu_cost(check_command, *_shapes(96), runs=3)
    assert cost_large < LIMIT * cost_small + 0.001 * LIMIT, f"{cost_small:.4f}s then {cost_large:.4f}s"


# --------------------------------------------------------------------------- the regex audit


def test_every_pattern_in_extraction_and_answer_checking_is_linear() -> None:
    problems = audit_modules(MODULES)
    unexplained = {
        name: found
        for name, found in problems.items()
        if name not in ALLOWED or any(not p.startswith(ALLOWED[name][0]) for p in found)
    }
    assert not unexplained, "super-linear patterns:\n" + "\n".join(
        f"{name}: {'; '.join(found)}" for name, found in unexplained.items()
    )


def test_allowed_patterns_are_still_needed() -> None:
    problems = audit_modules(MODULES)
    for name, (kind, _reason) in ALLOWED.items():
        assert any(p.startswith(kind) for p in problems.get(name, [])), (
            f"{name} no longer needs its exception"
        )


@pytest.mark.parametrize(
    ("source", "flags", "kind"),
    [
        (CLOZE_REFERENCE, 0, "overrun"),
        (CODE_SPAN_REFERENCE, 0, "overrun"),
        (r"(a+)+b", 0, "nested"),
        (r"(?:\s*x)*y", 0, "nested"),
        (r"\s*[（(]", 0, "restart"),
        (r"\s+#\s+(.*)$", 0, "restart"),
        (r"\s+(?:或者|或)\s+", 0, "restart"),
        (r"^\s*(?:x)?\s*y", 0, "adjacent"),
        (r"\w+\d+z", 0, "adjacent"),
        (r"(?:\s*(?:,|and))+\s*$", 0, "restart"),
        (r".+?x.+?x.+?y", re.DOTALL, "adjacent"),
    ],
)
def test_the_audit_finds_known_super_linear_patterns(source: str, flags: int, kind: str) -> None:
    assert any(p.startswith(kind) for p in audit(re.compile(source, flags))), source


@pytest.mark.parametrize(
    "source",
    [
        r"(?<!\s)\s*+[（(]",
        r"(?<!\s)\s++#\s++x",
        r"^\s*+(?:x)?\s*+y",
        r"[A-Za-z][\w.+-]*",
        r"(?<![\w-])[A-Z][A-Z0-9_]*[A-Z0-9](?![\w-])",
        r"<[^<>\s](?:[^<>\n]*[^<>\s])?>",
        r"\{\{c(\d{1,3})::|(?<![=\\A-Za-z0-9_])==(?=[^\s=])",
    ],
)
def test_the_audit_passes_linear_patterns(source: str) -> None:
    assert audit(re.compile(source)) == []


# --------------------------------------------------------------------------- rewritten matchers

_CLOZE_ALPHABET = [
    "{",
    "}",
    "{{",
    "}}",
    "c",
    "1",
    "2",
    "::",
    ":",
    "=",
    "==",
    "a",
    " ",
    "\n",
    "\\",
    "_",
    "{{c1::",
    "01",
]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(_CLOZE_ALPHABET), max_size=30).map("".join))
def test_cloze_matches_are_the_reference_patterns_matches(text: str) -> None:
    want = [
        (
            m.start(),
            m.end(),
            m.group(1) or "",
            m.span(2) if m.group(1) else m.span(4),
            m.span(3) if m.group(3) is not None else None,
        )
        for m in re.finditer(CLOZE_REFERENCE, text)
    ]
    assert [(c.start, c.end, c.number, c.answer, c.hint) for c in cloze_matches(text)] == want


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(["`", "``", "```", "a", " ", "\n"]), max_size=30).map("".join))
def test_code_spans_are_the_reference_patterns_matches(text: str) -> None:
    want = [(m.start(), m.end(), m.group(2)) for m in re.finditer(CODE_SPAN_REFERENCE, text)]
    assert _span_matches(text) == want


_CONJ_PATTERN = re.compile(r"(?:\s*(?:,|，|、|and|or|和|或者|或|以及|及|与))+\s*$")


@settings(max_examples=400, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [
                ",",
                "，",
                "、",
                "and",
                "or",
                "和",
                "或者",
                "或",
                "以及",
                "及",
                "与",
                " ",
                "\n",
                "a",
                "d",
                "以",
                "x",
            ]
        ),
        max_size=12,
    ).map("".join)
)
def test_trailing_conjunctions_are_stripped_as_the_pattern_did(text: str) -> None:
    assert strip_trailing_conj(text) == _CONJ_PATTERN.sub("", text)


_WORD_PIECES = [
    "<a>",
    "{{p}}",
    "[",
    "]",
    "|",
    "x",
    "y",
    "项目",
    "FILE",
    ":",
    "/",
    "@",
    "-",
    "[:TAG]",
    "[x|y]",
    "*",
]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(st.sampled_from(_WORD_PIECES), min_size=1, max_size=7).map("".join),
    st.lists(st.text(alphabet="xya:/@-项*[]F", max_size=8), min_size=1, max_size=5),
)
def test_word_patterns_match_as_the_regex_would(word: str, typed: list[str]) -> None:
    for raw in _lex(word):
        found = _token_regex(raw.parts)
        if found is None:
            continue
        pattern = found[0]
        assert isinstance(pattern, WordPattern)
        reference = re.compile(pattern.pattern, re.DOTALL)
        for t in typed:
            assert (pattern.fullmatch(t) is not None) == (reference.fullmatch(t) is not None), (
                pattern.pattern,
                t,
            )


_EXAMPLE_PIECES = [
    "<a>",
    "x",
    ":",
    "@",
    ".",
    "/",
    "7691a814370e",
    "3f2a9c1",
    "10.1.2.3",
    "8080",
    "1",
    "ab",
    "[:TAG]",
]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(st.sampled_from(_EXAMPLE_PIECES), min_size=1, max_size=6).map("".join),
    st.lists(st.text(alphabet="0123456789abcdefx.:@/", max_size=40), min_size=1, max_size=5),
    st.sampled_from([_Where("ssh"), _Where("docker", ports="value"), _Where("kill", pid=True)]),
)
def test_example_value_shapes_match_as_the_regex_would(word: str, typed: list[str], where: _Where) -> None:
    for raw in _lex(word):
        found = _token_regex(raw.parts, where)
        if found is None:
            continue
        pattern = found[0]
        reference = re.compile(pattern.pattern, re.DOTALL)
        others = {
            "id": "0123456789abcdef0",
            "commit": "fedcba9",
            "ip": "192.168.0.1",
            "port": "22",
            "pid": "99",
        }
        filled = raw.text
        for kind, value in found[2]:
            filled = filled.replace(value, others[kind])
        for t in [*typed, raw.text, filled]:
            assert (pattern.fullmatch(t) is not None) == (reference.fullmatch(t) is not None), (
                pattern.pattern,
                t,
            )


def test_a_line_gives_cards_for_at_most_the_lowest_cloze_numbers() -> None:
    line = " ".join(f"{{{{c{i}::w{i}}}}}" for i in range(1, MAX_CLOZE_GROUPS + 11))
    cards = cloze(line)
    assert [g for _, _, g in cards] == [str(i) for i in range(1, MAX_CLOZE_GROUPS + 1)]
    last_front = cards[-1][0]
    assert f"w{MAX_CLOZE_GROUPS + 1}" in last_front  # a group past the cap shows its answer


@pytest.mark.parametrize("gap", [10, 1_000, 100_000])
def test_a_notes_cloze_cards_hold_a_small_multiple_of_its_text(gap: int) -> None:
    # 50 numbers a line, each answer followed by `gap` characters: every card repeats the line, so
    # without a budget the cards would hold 100x the note (a 5 MB line: 500 MB of card text).
    line = " ".join(f"{{{{c{i}::a{i}}}}} " + "x" * gap for i in range(1, MAX_CLOZE_GROUPS + 1))
    text = "\n\n".join([line] * max(1, 2_000_000 // (len(line) * 4)))
    cards = parse_note(text).cards
    held = sum(len(c.front) + len(c.back) for c in cards)
    assert held <= (CLOZE_TEXT_PER_NOTE_CHAR + 2) * len(text) + CLOZE_TEXT_ALLOWANCE, (len(text), held)
    assert cards and all(c.kind == "cloze" for c in cards)  # every line still gives its first card


def test_the_named_cases_still_give_their_cards() -> None:
    note = parse_note("{{c1::" * 5000 + "\n\n" + "==a " * 5000 + "\n\nThe {{c1::answer}} here.")
    assert [c.front for c in note.cards if c.kind == "cloze"] == ["The [...] here."]


# --------------------------------------------------------------------------- properties

_MD_FRAGMENTS = [
    "# ",
    "## ",
    "- ",
    "  - ",
    "1. ",
    "> ",
    "```sh\n",
    "```\n",
    "\n",
    "\n\n",
    "`ls -l`",
    "`",
    "``",
    "$ ",
    "ls -a",
    "git status",
    "use ",
    "使用 ",
    "用 ",
    "to ",
    "run ",
    ", ",
    "，",
    "。",
    ". ",
    "? ",
    "？",
    ":",
    "：",
    "::",
    ":::",
    "{{c1::",
    "}}",
    "{{c2::a::h}}",
    "==",
    "a",
    "进程",
    "是",
    "指",
    "is ",
    "如果",
    "为了",
    "If ",
    "To ",
    "**X**",
    "__y__",
    "|",
    "|---|",
    "命令",
    "说明",
    "(",
    ")",
    "（",
    "）",
    "http://x",
    "  ",
    "\t",
    " # c",
    "\\",
    "—",
    " - ",
    " and ",
    "或",
    "比如",
    "错误",
    "shows ",
    "<名>",
    "[选项]",
    "?\n",
    "*",
    "_",
    "[a]",
    "[c]reate",
    "<br>",
    "=>",
    "\u3000",
]
_fragment = st.sampled_from(_MD_FRAGMENTS) | st.text(max_size=4)
_repeated = st.tuples(_fragment, st.integers(1, 400)).map(lambda t: t[0] * t[1])
notes_text = st.lists(_fragment | _repeated, max_size=40).map("".join)

# Events per character, with room: the adversarial notes above stay under ~350 per character.
EVENTS_PER_CHAR = 2_000
EVENTS_BASE = 200_000


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large]
)
@given(notes_text)
def test_the_extractor_never_raises_is_deterministic_and_bounded(text: str) -> None:
    first = parse_note(text)
    work = events(parse_note, text)
    assert parse_note(text) == first
    assert work <= EVENTS_BASE + EVENTS_PER_CHAR * len(text)
    for card in first.cards:
        assert card.kind in ("command", "concept", "cloze", "qa") and card.front and card.back


# The alignment of expected and typed words is capped at 200 tokens a side (longer commands get
# a plain word diff), so its work has a constant bound: about 4 M events at the cap, all tokens
# different.  Everything else (lexing, parsing) is linear.
ALIGNMENT_CAP = 8_000_000

_SHELL_FRAGMENTS = [
    "git",
    "docker",
    "ls",
    " ",
    "  ",
    "-a",
    "--all",
    "-it",
    "=",
    "'",
    '"',
    "\\",
    "|",
    "||",
    "&&",
    ";",
    ">",
    ">>",
    "2>",
    "<",
    "<镜像>",
    "{{path}}",
    "[",
    "]",
    "[选项]",
    "...",
    "项目名",
    "IMAGE",
    "[:TAG]",
    "或",
    " or ",
    "/",
    "$ ",
    "\n",
    "\\\n",
    "x",
    "项",
    "(",
    ")",
    "#",
]
_shell = st.lists(
    st.sampled_from(_SHELL_FRAGMENTS)
    | st.tuples(st.sampled_from(_SHELL_FRAGMENTS), st.integers(1, 200)).map(lambda t: t[0] * t[1]),
    max_size=25,
).map("".join)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_shell, _shell.map(lambda s: s[:2000]))
def test_the_answer_checker_never_raises_is_deterministic_and_bounded(expected: str, typed: str) -> None:
    verdict = check_command(expected, typed)
    work = events(check_command, expected, typed)
    assert isinstance(verdict, Verdict) and verdict.grade in (0, 1, 2, 4, 5)
    assert check_command(expected, typed) == verdict
    assert work <= ALIGNMENT_CAP + EVENTS_PER_CHAR * (len(expected) + len(typed))


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(notes_text)
def test_rendering_never_raises_and_is_deterministic(text: str) -> None:
    assert render_markdown(text) == render_markdown(text)
