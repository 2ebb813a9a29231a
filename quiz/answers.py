"""Grade a typed shell command against the command on a card's back.

Pure domain code: standard library only, no Flask, no database.  A command
card has a description on the front and a bare shell command on the back, taken
from someone's notes, so the expected command may be a usage line with
placeholders (``git clone [选项] 项目地址 [目录]``).  The user types the command
they remember; :func:`check_command` says how close it is:

EXACT (grade 5)
    The same text once outer white space is trimmed and runs of white space are
    collapsed.  An alternative of the expected command (below) counts too.
EQUIVALENT (grade 4)
    The same command to a shell user.  Both commands are split into words the
    way a POSIX shell does (the rules of :mod:`shlex` in POSIX mode: quotes and
    backslashes; an unclosed quote runs to the end), so ``'a b'``, ``"a b"`` and
    ``a\\ b`` are one and the same word.  The operators ``| || && ; & ( )`` and
    the redirections ``> >> < 2> >&`` are words of their own, so ``>out`` is
    ``> out``.  Then:

    * ``--flag=value`` is ``--flag value``; for a program that bundles
      one-letter options (:data:`BUNDLING_PROGRAMS`: ``ls``, ``tar``, ``docker``,
      ``git`` ...) a cluster of ASCII letters ``-it`` is ``-i -t`` (``-rf`` is
      ``-r -f``, ``-n10`` stays as it is); any other program keeps a single-dash
      word whole (``find -name``, ``java -jar``, ``kill -KILL``), so a
      reordered word is at best a typo;
    * the word after an option is that option's value when the expected command
      has it that way (``-p 8080:80``, ``-f status=exited``, ``-m "msg"``) and
      the option is not a known flag, so values travel with their options;
    * options (with their values) and redirections may come in any order and
      anywhere after the program word; arguments keep their order; the program
      and subcommand words must match in order; case always matters
      (``-p`` is not ``-P``);
    * aliases from ``aliases.toml`` (see :func:`load_aliases`) rewrite both
      commands first: ``docker images`` is ``docker image ls``, ``-a`` is
      ``--all``, ``kubectl get po`` is ``kubectl get pods``.  A leading
      ``sudo`` and a ``$`` prompt are kept out of the subcommand words.

    Placeholders in the *expected* command accept any concrete word:
    ``<镜像>``, ``<image>``, ``{{path/to/file}}``, a run of CJK letters
    (``项目名``, ``json模板``, ``文件1``), an upper-case metavariable standing
    alone or next to brackets (``IMAGE``, ``NAME[:TAG]``; not ``HEAD``).  A
    placeholder fills one typed word; ``...`` (or ``X...``) takes any number
    of further arguments, none included.  ``[...]`` marks an optional part:
    a whole word (``[<镜像2> ...]``, ``[-f]``) may be left out or filled in,
    ``[选项]``/``[options]``/``[OPTIONS]`` takes any options, and brackets glued
    into a word are optional pieces of it, nested as deep as needed
    (``[镜像源[:端口]/]项目名[:版本]`` matches ``ubuntu`` and
    ``reg.io:5000/ubuntu:18.04``; ``[:TAG|@DIGEST]`` offers a choice).
    Glob classes such as ``*.[ch]`` stay literal.

    Example values are placeholders too: a card's command is copied from notes,
    with the values of the note-taker's machine in it, so a container or image ID
    (7 to 40 or 64 hex digits; a commit in a git command), a process ID where one
    belongs (``kill 1234``, ``strace -p 1234``), an IPv4 address (not ``127.0.0.1``
    or ``0.0.0.0``, which mean the same everywhere) and a port (``-p 8080:80``,
    ``ssh -p 2222``, ``localhost:8080``) each take any value of the same shape;
    :func:`example_values` finds them for display.
CLOSE (grade 2)
    A near miss: after the rewriting above, exactly one word is wrong, missing
    or extra (a typo counts as one wrong word), e.g. a wrong-case flag or a
    required placeholder left out.  A different subcommand is not a near miss
    unless it is a typo (edit distance at most 2, similarity at least 0.75).
    An option typed where an argument belongs is a missing word plus an extra
    one, so two words off.  An answer that has everything the card has and
    only adds options, their values, arguments or redirections is close
    however many it adds (each is an ``extra`` token of the diff).  For a
    program not known to bundle letters, ``-i -t`` for ``-it`` (the same
    letters in the same order, grouped otherwise) is close too.
WRONG (grade 1; grade 0 for an empty answer, "I don't know")
    Anything else: another subcommand or program, two or more words wrong or
    missing.

An expected command made of alternatives, ``A 或 B`` / ``A 或者 B`` (always), or
``A or B`` / ``A / B`` (when both sides start with the same program word, or
both are options, like ``-P 或 -p``), grades as the best of its alternatives.

The verdict carries a token diff of the expected command against the typed one
(an alignment of the rewritten words, options in the expected order) for the
UI, and a short English explanation; an EQUIVALENT verdict also carries the
typed words in the order typed with the card's words each stands for.
``check_command`` never raises.

Known limits: positional arguments always keep their order (``apt-get install
a b`` is not ``... b a``); an option the card does not have takes no value
unless the card has ``[选项]`` to absorb it; ``git restore --staged`` is not
treated as ``git reset HEAD``; old-style ``tar xzf`` (no dash) is not ``-xzf``.
"""

from __future__ import annotations

import bisect
import difflib
import functools
import heapq
import os
import re
import tomllib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from pathlib import Path
from typing import Any, NamedTuple

__all__ = [
    "ALIASES_FILE",
    "BUNDLING_PROGRAMS",
    "PID_ARGUMENT_PROGRAMS",
    "PID_OPTIONS",
    "PORT_ARGUMENT_PROGRAMS",
    "PORT_OPTIONS",
    "AliasTable",
    "DiffToken",
    "ProgramAliases",
    "Verdict",
    "VerdictKind",
    "check_command",
    "example_values",
    "load_aliases",
]

ALIASES_FILE = Path(__file__).with_name("aliases.toml")


class VerdictKind(StrEnum):
    """How a typed command compares with the expected one, best first."""

    EXACT = "exact"
    EQUIVALENT = "equivalent"
    CLOSE = "close"
    WRONG = "wrong"


GRADES: Mapping[VerdictKind, int] = {
    VerdictKind.EXACT: 5,
    VerdictKind.EQUIVALENT: 4,
    VerdictKind.CLOSE: 2,
    VerdictKind.WRONG: 1,
}
NO_ANSWER_GRADE = 0


@dataclass(frozen=True)
class DiffToken:
    """One step of the diff: an expected token and what was typed in its place.

    ``op`` is ``same``, ``missing``, ``extra`` or ``changed``.  ``text`` is the
    expected token (for ``extra``, the typed one).  ``typed`` is what was typed
    in its place for ``same`` and ``changed`` (``None`` when an optional part or
    ``...`` was left empty), and ``None`` for ``missing`` and ``extra``.
    ``examples`` lists the example values in ``text``, in order, as
    ``(kind, value)``: values of the note-taker's machine that any value of the
    same shape fills (see :func:`example_values` for the kinds).
    """

    text: str
    op: str
    typed: str | None = None
    examples: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Verdict:
    """The grade for one typed answer.

    ``diff`` follows the card's command.  ``correspondence`` is set for an EQUIVALENT answer: the
    typed words in the order typed, each a ``same`` token whose ``typed`` is what was typed and
    whose ``text`` the card's words it stands for (``images`` for ``image ls``, ``-i -t`` for
    ``-it``, ``abc`` for ``<镜像>``); it is empty otherwise.
    """

    kind: VerdictKind
    grade: int
    diff: tuple[DiffToken, ...]
    explanation: str
    correspondence: tuple[DiffToken, ...] = ()


@dataclass(frozen=True)
class ProgramAliases:
    """The aliases of one program; see the header of ``aliases.toml``."""

    has_subcommands: bool = True
    bundles: bool | None = None  # one-letter options bundle (`-la`); None: as BUNDLING_PROGRAMS says
    groups: frozenset[str] = frozenset()
    flags: frozenset[str] = frozenset()
    subcommands: Mapping[tuple[str, ...], tuple[str, ...]] = field(default_factory=dict)
    options: Mapping[str, str] = field(default_factory=dict)
    subcommand_options: Mapping[tuple[str, ...], Mapping[str, str]] = field(default_factory=dict)
    arguments: Mapping[str, str] = field(default_factory=dict)

    @functools.cached_property
    def keys_longest_first(self) -> tuple[tuple[str, ...], ...]:
        return tuple(sorted(self.subcommands, key=lambda k: (-len(k), k)))

    @functools.cached_property
    def known_words(self) -> frozenset[str]:
        """Every word the table names: typed words in it are never typo-corrected."""
        words = set(self.groups) | set(self.arguments) | set(self.arguments.values())
        for key, value in self.subcommands.items():
            words.update(key)
            words.update(value)
        for sub in self.subcommand_options:
            words.update(sub)
        return frozenset(words)

    def canonical_option(self, path: tuple[str, ...], name: str) -> str:
        """The canonical spelling of option ``name`` under subcommand ``path``."""
        per_sub = self.subcommand_options.get(path)
        if per_sub is not None and name in per_sub:
            return per_sub[name]
        return self.options.get(name, name)


NO_ALIASES = ProgramAliases(has_subcommands=False)


@dataclass(frozen=True)
class AliasTable:
    """Aliases per program word; build one with :func:`load_aliases`."""

    programs: Mapping[str, ProgramAliases] = field(default_factory=dict)

    def program(self, name: str) -> ProgramAliases:
        """The aliases of program ``name`` (none for an unknown program)."""
        return self.programs.get(name, NO_ALIASES)


# --------------------------------------------------------------------------- aliases

_TABLE_KEYS = frozenset(
    {
        "has_subcommands",
        "bundles",
        "groups",
        "flags",
        "subcommands",
        "options",
        "subcommand_options",
        "arguments",
    }
)


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except OSError as exc:
        raise ValueError(f"{path}: cannot read alias table: {exc.strerror or exc}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"{path}: invalid TOML: {exc}") from exc


def _str_map(value: Any, where: str) -> dict[str, str]:
    if not isinstance(value, dict) or not all(
        isinstance(k, str) and isinstance(v, str) and v.split() for k, v in value.items()
    ):
        raise ValueError(f"{where} must map words to non-empty strings")
    return dict(value)


def _merge_tables(base: dict[str, dict[str, Any]], extra: Mapping[str, Any], source: Path) -> None:
    for program, section in extra.items():
        where = f"{source}: [{program}]"
        if not isinstance(section, dict):
            raise ValueError(f"{where} must be a table")
        unknown = set(section) - _TABLE_KEYS
        if unknown:
            raise ValueError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}")
        into = base.setdefault(program, {})
        for key, value in section.items():
            if key in ("has_subcommands", "bundles"):
                if not isinstance(value, bool):
                    raise ValueError(f"{where}.{key} must be true or false")
                into[key] = value
            elif key in ("groups", "flags"):
                if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                    raise ValueError(f"{where}.{key} must be a list of strings")
                into[key] = sorted(set(into.get(key, [])) | set(value))
            elif key == "subcommand_options":
                if not isinstance(value, dict):
                    raise ValueError(f"{where}.subcommand_options must be a table")
                subs = into.setdefault(key, {})
                for sub, mapping in value.items():
                    subs.setdefault(sub, {}).update(_str_map(mapping, f"{where}.subcommand_options.{sub}"))
            else:
                into.setdefault(key, {}).update(_str_map(value, f"{where}.{key}"))


def _build_table(raw: Mapping[str, dict[str, Any]]) -> AliasTable:
    programs: dict[str, ProgramAliases] = {}
    for program, section in raw.items():
        programs[program] = ProgramAliases(
            has_subcommands=section.get("has_subcommands", True),
            bundles=section.get("bundles"),
            groups=frozenset(section.get("groups", ())),
            flags=frozenset(section.get("flags", ())),
            subcommands={
                tuple(k.split()): tuple(v.split()) for k, v in section.get("subcommands", {}).items()
            },
            options=dict(section.get("options", {})),
            subcommand_options={
                tuple(sub.split()): dict(m) for sub, m in section.get("subcommand_options", {}).items()
            },
            arguments=dict(section.get("arguments", {})),
        )
    return AliasTable(programs)


def load_aliases(extra_path: str | os.PathLike[str] | None = None) -> AliasTable:
    """Load the shipped alias table, extended and overridden by the file at ``extra_path``.

    Args:
        extra_path: a TOML file laid out like ``quiz/aliases.toml``.  Its
            mappings are merged key by key (its values win); its ``groups`` and
            ``flags`` are added to the shipped ones.

    Returns:
        The merged table.

    Raises:
        ValueError: a file cannot be read, is not TOML, or is not laid out as
            an alias table; the message names the file and the entry.
    """
    raw: dict[str, dict[str, Any]] = {}
    _merge_tables(raw, _read_toml(ALIASES_FILE), ALIASES_FILE)
    if extra_path is not None:
        path = Path(extra_path)
        _merge_tables(raw, _read_toml(path), path)
    return _build_table(raw)


@functools.lru_cache(maxsize=1)
def _shipped_table() -> AliasTable:
    try:
        return load_aliases()
    except ValueError:  # a broken install grades without aliases rather than failing
        return AliasTable()


# --------------------------------------------------------------------------- lexing

_OPERATORS = ("&&", "||", ";;", ">>", "<<", ">&", "<&", "&>", ">|", "|&", "|", "&", ";", "<", ">", "(", ")")
_OP_CHARS = frozenset("|&;<>()")
_REDIRECTS = frozenset({">", ">>", "<", "<<", ">&", "<&", "&>", ">|"})
_ANGLE = re.compile(r"<[^<>\s](?:[^<>\n]*[^<>\s])?>")
_MAX_NESTING = 8


@functools.lru_cache(maxsize=64)
def _marks(s: str) -> tuple[list[int], list[int]]:
    """Where ``}}`` starts and where the newlines are in `s`, found once per string.

    `_group_end` is asked at every ``{{`` of a word; searching for the closing ``}}`` each
    time cost O(n) per opener, so O(n²) on a line of unclosed ``{{``.
    """
    closes, newlines = [], []
    at = s.find("}}")
    while at >= 0:
        closes.append(at)
        at = s.find("}}", at + 1)
    at = s.find("\n")
    while at >= 0:
        newlines.append(at)
        at = s.find("\n", at + 1)
    return closes, newlines


def _group_end(s: str, i: int) -> int | None:
    """End of a placeholder group ``<x>``, ``{{x}}`` or ``[x]`` starting at ``s[i]``."""
    c = s[i]
    if c == "<":
        m = _ANGLE.match(s, i)
        return m.end() if m else None
    if c == "{":
        if not s.startswith("{{", i):
            return None
        closes, newlines = _marks(s)
        k = bisect.bisect_left(closes, i + 2)
        j = closes[k] if k < len(closes) else -1
        if j <= i + 2 or bisect.bisect_left(newlines, i) < bisect.bisect_left(newlines, j):
            return None
        return j + 2
    if c != "[":
        return None
    depth = 0
    for j in range(i, len(s)):
        ch = s[j]
        if ch == "\n":
            return None
        if ch == "[":
            depth += 1
            if depth > _MAX_NESTING:
                return None
        elif ch == "]":
            depth -= 1
            if depth == 0:
                content = s[i + 1 : j]
                if not content or content[0].isspace() or content[0] == "[" or content[-1].isspace():
                    return None
                return j + 1
    return None


@dataclass(frozen=True)
class _Raw:
    """One shell word as lexed: its text and how it was written."""

    text: str  # after quote removal
    shown: str  # as written
    op: bool = False  # an unquoted shell operator
    parts: tuple[tuple[str, str], ...] = ()  # ("lit", text) and ("group", "[..]"/"<..>"/"{{..}}")
    quoted: bool = False
    src: int = 0  # position among the words of the command
    sub: int = 0  # position inside an alias expansion
    tags: frozenset[str] = frozenset()
    at: int = 0  # where it starts in the lexed text
    end: int = 0  # where it ends


def _lex(s: str) -> list[_Raw]:
    """Split ``s`` into words and operators like a POSIX shell (shlex's rules in POSIX mode)."""
    out: list[_Raw] = []
    i, n = 0, len(s)
    while i < n:
        c = s[i]
        if c.isspace():
            i += 1
            continue
        start = i
        if c in _OP_CHARS and not (c == "<" and _group_end(s, i)):
            op = next(o for o in _OPERATORS if s.startswith(o, i))
            i += len(op)
            out.append(_Raw(op, op, op=True, parts=(("lit", op),), src=len(out), at=start, end=i))
            continue
        parts: list[tuple[str, str]] = []
        cur: list[str] = []
        quoted = False
        io_op: str | None = None
        while i < n:
            c = s[i]
            if c.isspace():
                break
            if c in "[<{":
                end = _group_end(s, i)
                if end is not None:
                    if cur:
                        parts.append(("lit", "".join(cur)))
                        cur = []
                    parts.append(("group", s[i:end]))
                    i = end
                    continue
            if c in _OP_CHARS:
                word = "".join(cur)
                if not parts and not quoted and word.isdigit() and word.isascii() and c in "<>":
                    io_op = word + next(o for o in _OPERATORS if s.startswith(o, i))
                    i += len(io_op) - len(word)
                break
            if c == "'":
                quoted = True
                j = s.find("'", i + 1)
                j = n if j < 0 else j
                cur.append(s[i + 1 : j])
                i = j + 1
            elif c == '"':
                quoted = True
                i += 1
                while i < n and s[i] != '"':
                    if s[i] == "\\" and i + 1 < n and s[i + 1] in '\\"$`\n':
                        if s[i + 1] != "\n":
                            cur.append(s[i + 1])
                        i += 2
                    else:
                        cur.append(s[i])
                        i += 1
                i += 1
            elif c == "\\":
                quoted = True
                if i + 1 < n:
                    if s[i + 1] != "\n":  # a line continuation disappears
                        cur.append(s[i + 1])
                    i += 2
                else:
                    cur.append("\\")
                    i += 1
            else:
                cur.append(c)
                i += 1
        if io_op is not None:
            out.append(_Raw(io_op, io_op, op=True, parts=(("lit", io_op),), src=len(out), at=start, end=i))
            continue
        if cur:
            parts.append(("lit", "".join(cur)))
        text = "".join(p for _, p in parts)
        if not parts and not quoted:
            continue
        tags = frozenset({"quoted"}) if quoted else frozenset()
        out.append(
            _Raw(
                text,
                s[start:i].strip(),
                parts=tuple(parts),
                quoted=quoted,
                src=len(out),
                tags=tags,
                at=start,
                end=i,
            )
        )
    return out


# --------------------------------------------------------------------------- placeholders

_SLOT = ".+?"
_MAX_SLOTS = 4
_WORD_RUN = re.compile(r"[\w ]+")
_CJK_LETTER = re.compile(r"[^\W\x00-\u2e7f]")
_META_WORD = re.compile(r"[A-Z][A-Z0-9_]*[A-Z0-9]")
_META_IN_TEXT = re.compile(r"(?<![\w-])[A-Z][A-Z0-9_]*[A-Z0-9](?![\w-])")
_META_STOP = frozenset(
    {"HEAD", "ORIG_HEAD", "FETCH_HEAD", "MERGE_HEAD", "CHERRY_PICK_HEAD", "EOF", "PATH", "HOME", "PWD"}
)
_GLOB_CLASS = re.compile(r"[!^]?[A-Za-z0-9_-]+")
_OPTION_WORDS = frozenset({"选项", "可选项", "参数选项", "options", "option", "opts", "flags", "flag"})
_ELLIPSES = ("...", "…")


def _is_meta(word: str) -> bool:
    return bool(_META_WORD.fullmatch(word)) and word not in _META_STOP


def _lit_rx(
    text: str, meta: bool, acc: list[str], where: _Where | None = None, examples: list[_Example] | None = None
) -> int:
    """Append the regex for literal text (CJK runs and metavariables become slots); return slot count.

    With ``where`` (a card's argument or option value), the example values in the text become
    shapes (`_SHAPES`) and are listed in ``examples``.
    """
    spans = [m.span() for m in _WORD_RUN.finditer(text) if _CJK_LETTER.search(m.group())]
    if meta:
        metas = [m.span() for m in _META_IN_TEXT.finditer(text) if m.group() not in _META_STOP]
        spans = sorted(spans + _disjoint(metas, spans))
    slots = len(spans)
    shapes: dict[tuple[int, int], str] = {}
    if where is not None:
        found = _example_spans(text, where)
        kinds = {(a, b): kind for a, b, kind in found}
        for span in _disjoint([(a, b) for a, b, _ in found], spans):
            shapes[span] = kinds[span]
        spans = sorted(spans + list(shapes))
    pos = 0
    for a, b in spans:
        acc.append(re.escape(text[pos:a]))
        kind = shapes.get((a, b))
        if kind is None:
            acc.append(_SLOT)
        else:
            acc.append(_SHAPES[_SHAPE_OF[kind]].source)
            if examples is not None:
                examples.append((kind, text[a:b]))
        pos = b
    acc.append(re.escape(text[pos:]))
    return slots


def _disjoint(spans: list[tuple[int, int]], taken: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The ``spans`` that overlap none of ``taken``; both sorted, each free of overlaps (one pass)."""
    out: list[tuple[int, int]] = []
    k = 0
    for a, b in spans:
        while k < len(taken) and taken[k][1] <= a:
            k += 1
        if k == len(taken) or taken[k][0] >= b:
            out.append((a, b))
    return out


# --------------------------------------------------------------------------- example values

# A card's command is copied from someone's notes, with the values of their machine in it: a
# container ID, a commit, a process ID, an address, a port.  Such an example value takes any
# value of the same shape, as a placeholder would, and the card shows it as one.  Kinds:
# "id" (container or image ID), "commit", "pid", "ip" and "port".
_Example = tuple[str, str]  # (kind, the value as written on the card)


@dataclass(frozen=True)
class _Where:
    """Where a card's word stands, for finding the example values in it."""

    program: str = ""  # the program word, without a directory
    pid: bool = False  # a process ID belongs here (a number, or numbers with commas)
    ports: str = ""  # "value": a port option's value (``8080:80``); "arg": a port argument


_OCTETS = frozenset(str(n) for n in range(256))
_OCTET_RX = "(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"
_THREE_OCTETS = re.compile(rf"(?:{_OCTET_RX}\.){{3}}")
_THREE_OCTETS_AHEAD = re.compile(rf"(?=(?:{_OCTET_RX}\.){{3}})")
_HEX_DIGITS = re.compile(r"(?<![0-9a-fA-F])[0-9a-fA-F]+")
_DECIMAL_DIGITS = re.compile(r"(?<![0-9])[0-9]+")


def _dotted_quad(text: str) -> bool:
    """Four numbers 0 to 255 with dots between, written without leading zeros."""
    parts = text.split(".")
    return len(parts) == 4 and all(p in _OCTETS for p in parts)


class _Shape:
    """What a typed value must look like to fill an example value.

    ``source`` says the same in the syntax of :mod:`re`, as it appears in a `WordPattern`;
    `valid` and `step` are what `WordPattern` runs instead of it, in linear time.
    """

    source: str

    def valid(self, text: str) -> bool:
        """Whether the whole of ``text`` has this shape."""
        raise NotImplementedError

    def step(self, text: str, found: frozenset[int], tail: int | None) -> frozenset[int]:
        """Where a value of this shape ends that starts at one of ``found`` or anywhere from ``tail`` on."""
        raise NotImplementedError


class _RunShape(_Shape):
    """A run of characters of given lengths: ``shortest`` to ``longest``, or exactly ``also``."""

    def __init__(self, source: str, run: re.Pattern[str], shortest: int, longest: int, also: int = 0):
        self.source, self.run, self.shortest, self.longest, self.also = source, run, shortest, longest, also

    def valid(self, text: str) -> bool:
        size = len(text)
        return bool(self.run.fullmatch(text)) and (self.shortest <= size <= self.longest or size == self.also)

    def step(self, text: str, found: frozenset[int], tail: int | None) -> frozenset[int]:
        starts, stops = _runs(self.run, text)
        ends: set[int] = set()
        if tail is not None:
            # Starting anywhere: every end at least `shortest` into a run (start `shortest` before it).
            for k in range(bisect.bisect_right(stops, tail), len(starts)):
                ends.update(range(max(starts[k], tail) + self.shortest, stops[k] + 1))
        for p in found:
            k = bisect.bisect_right(stops, p)  # the first run that ends after p
            if k < len(starts) and starts[k] <= p:
                stop = stops[k]
                ends.update(range(p + self.shortest, min(p + self.longest, stop) + 1))
                if self.also and p + self.also <= stop:
                    ends.add(p + self.also)
        return frozenset(ends)


@functools.lru_cache(maxsize=16)
def _runs(run: re.Pattern[str], text: str) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """Where the maximal runs of ``run`` in ``text`` start and stop (found once for all steps)."""
    spans = [m.span() for m in run.finditer(text)]
    return tuple(a for a, _ in spans), tuple(b for _, b in spans)


class _AddressShape(_Shape):
    """An IPv4 address: four numbers 0 to 255 with dots between, written without leading zeros."""

    source = rf"(?:{_OCTET_RX}\.){{3}}{_OCTET_RX}"

    def valid(self, text: str) -> bool:
        return _dotted_quad(text)

    def step(self, text: str, found: frozenset[int], tail: int | None) -> frozenset[int]:
        starts = set(found)
        if tail is not None:
            starts.update(m.start() for m in _THREE_OCTETS_AHEAD.finditer(text, tail))
        ends: set[int] = set()
        for p in starts:
            m = _THREE_OCTETS.match(text, p)
            if m is not None:
                at = m.end()
                ends.update(
                    at + size
                    for size in (1, 2, 3)
                    if at + size <= len(text) and text[at : at + size] in _OCTETS
                )
        return frozenset(ends)


_SHAPES: Mapping[str, _Shape] = {
    "hex": _RunShape(r"(?:[0-9a-fA-F]{64}|[0-9a-fA-F]{7,40})", _HEX_DIGITS, 7, 40, also=64),
    "ip": _AddressShape(),
    "port": _RunShape("[0-9]{1,5}", _DECIMAL_DIGITS, 1, 5),
    "pid": _RunShape("[0-9]{1,7}", _DECIMAL_DIGITS, 1, 7),
}
_SHAPE_OF = {"id": "hex", "commit": "hex", "ip": "ip", "port": "port", "pid": "pid"}

# Programs whose numeric arguments are process IDs (`kill -9 1234`, `jstack 1234`).
PID_ARGUMENT_PROGRAMS = frozenset({"gcore", "jcmd", "jinfo", "jmap", "jstack", "kill", "pmap", "pwdx"})
# kill's options whose value is a signal or a signal number, not a process ID.
_KILL_SIGNAL_OPTIONS = frozenset({"-s", "-n", "--signal", "-l", "--list", "-L", "--table"})
# Options whose value is a process ID, per program (`strace -p 1234`, `ps -p 1,2`).
PID_OPTIONS: Mapping[str, frozenset[str]] = {
    "gdb": frozenset({"-p", "--pid"}),
    "lsof": frozenset({"-p"}),
    "ltrace": frozenset({"-p"}),
    "perf": frozenset({"-p", "--pid"}),
    "pidstat": frozenset({"-p"}),
    "prlimit": frozenset({"--pid"}),
    "ps": frozenset({"-p", "--pid"}),
    "renice": frozenset({"-p"}),
    "strace": frozenset({"-p"}),
    "top": frozenset({"-p"}),
}
# Options whose value holds ports, per program, as canonical spellings (aliases.toml's): docker's
# `-p 8080:80` is --publish, `ssh -L 8080:localhost:80`.  _ANY_PORT_OPTIONS hold one for every program.
_ANY_PORT_OPTIONS = frozenset({"--port", "--target-port", "--host-port", "--container-port"})
PORT_OPTIONS: Mapping[str, frozenset[str]] = {
    "docker": frozenset({"--publish"}),
    "firewall-cmd": frozenset({"--add-port", "--remove-port"}),
    "iptables": frozenset({"--dport", "--sport", "--to-ports"}),
    "mysql": frozenset({"-P"}),
    "nc": frozenset({"-p"}),
    "podman": frozenset({"-p", "--publish"}),
    "psql": frozenset({"-p"}),
    "redis-cli": frozenset({"-p"}),
    "scp": frozenset({"-P"}),
    "sftp": frozenset({"-P"}),
    "ssh": frozenset({"-p", "-L", "-R"}),
}
# Programs whose arguments made of digits and colons are ports (`kubectl port-forward web 8080:80`).
PORT_ARGUMENT_PROGRAMS = frozenset({"kubectl", "nc", "ncat", "telnet"})

_HEX_RUN = re.compile(r"(?<![\w-])[0-9a-f]{7,64}(?![\w-])")
_NOT_HEX_ID = re.compile(r"[0-9]+e[0-9]+|[0-9]+|[a-f]+")  # a number (1e10) or a word of a-f letters
_DOTTED_QUAD = re.compile(r"(?<![\w.])(?:[0-9]{1,3}\.){3}[0-9]{1,3}(?![\w.])")
_LOCAL_HOST = re.compile(r"(?<![\w.])(?:localhost|(?:[0-9]{1,3}\.){3}[0-9]{1,3}):([0-9]{1,5})(?![0-9])")
_PORT_NUMBER = re.compile(r"(?<![\w.])[0-9]{1,5}(?![\w.])")
_PORT_WORD = re.compile(r"[0-9:]+")
_PID_LIST = re.compile(r"[0-9]{1,7}(?:,[0-9]{1,7})*")
_VERSION_MARKS = ("==", ">=", "<=", "~=", "!=")


def _example_spans(text: str, where: _Where) -> list[tuple[int, int, str]]:
    """The example values in a card's literal text: (start, end, kind), in order, not overlapping."""
    found: list[tuple[int, int, str]] = []
    if where.pid and _PID_LIST.fullmatch(text):
        at = 0
        for number in text.split(","):
            if int(number) > 1:  # 0 and 1 mean a process group and init, not an example
                found.append((at, at + len(number), "pid"))
            at += len(number) + 1
        return found
    addresses = [
        (m.start(), m.end())
        for m in _DOTTED_QUAD.finditer(text)
        if not text.endswith(_VERSION_MARKS, 0, m.start()) and _dotted_quad(m.group())
    ]
    found.extend((a, b, "ip") for a, b in addresses if _machine_address(text[a:b]))
    if where.ports == "value" or (where.ports == "arg" and _PORT_WORD.fullmatch(text)):
        found.extend((m.start(), m.end(), "port") for m in _PORT_NUMBER.finditer(text) if _port(m.group()))
    else:
        found.extend((m.start(1), m.end(1), "port") for m in _LOCAL_HOST.finditer(text) if _port(m.group(1)))
    kind = "commit" if where.program == "git" else "id"
    for m in _HEX_RUN.finditer(text):
        if _SHAPES["hex"].valid(m.group()) and not _NOT_HEX_ID.fullmatch(m.group()):
            found.append((m.start(), m.end(), kind))
    found.sort()
    out: list[tuple[int, int, str]] = []
    for a, b, k in found:
        if not out or a >= out[-1][1]:
            out.append((a, b, k))
    return out


def _machine_address(address: str) -> bool:
    """An address of one machine, not one that means the same everywhere (0.0.0.0, 127.0.0.1, 255...)."""
    first = int(address.partition(".")[0])
    return 0 < first < 224 and first != 127


def _port(number: str) -> bool:
    return 0 < int(number) <= 65535


def _where(program: str, option: str | None = None) -> _Where:
    """The context of an argument of ``program`` (``option`` None) or of the value of ``option``."""
    name = program.rpartition("/")[2]
    if option is None:
        ports = "arg" if name in PORT_ARGUMENT_PROGRAMS else ""
        return _Where(name, pid=name in PID_ARGUMENT_PROGRAMS, ports=ports)
    pid = option in PID_OPTIONS.get(name, ()) or (name == "kill" and option not in _KILL_SIGNAL_OPTIONS)
    ports = "value" if option in _ANY_PORT_OPTIONS or option in PORT_OPTIONS.get(name, ()) else ""
    return _Where(name, pid=pid, ports=ports)


def _split_top(text: str) -> list[str]:
    """Split bracket content at ``|`` outside nested brackets."""
    out, depth, start = [], 0, 0
    for j, ch in enumerate(text):
        if ch == "[":
            depth += 1
        elif ch == "]":
            depth -= 1
        elif ch == "|" and depth == 0:
            out.append(text[start:j])
            start = j + 1
    out.append(text[start:])
    return out


def _content_rx(text: str, acc: list[str], depth: int) -> int:
    slots, i, lit_start = 0, 0, 0
    while i < len(text):
        end = _group_end(text, i) if text[i] in "[<{" else None
        if end is None:
            i += 1
            continue
        slots += _lit_rx(text[lit_start:i], True, acc)
        slots += _group_rx(text[i:end], acc, depth)
        i = lit_start = end
    return slots + _lit_rx(text[lit_start:], True, acc)


def _group_rx(group: str, acc: list[str], depth: int) -> int:
    if group[0] in "<{":
        acc.append(_SLOT)
        return 1
    content = group[1:-1]
    if depth > _MAX_NESTING or (_GLOB_CLASS.fullmatch(content) and not _is_meta(content)):
        acc.append(re.escape(group))
        return 0
    alternatives, slots = [], 0
    for alt in _split_top(content):
        sub: list[str] = []
        slots += _content_rx(alt, sub, depth + 1)
        alternatives.append("".join(sub))
    acc.append("(?:" + "|".join(alternatives) + ")?")
    return slots


def _token_regex(
    parts: tuple[tuple[str, str], ...], where: _Where | None = None
) -> tuple[WordPattern, int, tuple[_Example, ...]] | None:
    """The pattern a typed word must match for an expected word, its slots and example values.

    None for a plain literal.  Example values are looked for only given ``where`` (the word is
    an argument or an option's value on the card).
    """
    has_group = any(kind == "group" for kind, _ in parts)
    whole = "".join(text for _, text in parts)
    meta = has_group or _is_meta(whole)
    acc: list[str] = []
    examples: list[_Example] = []
    slots = 0
    literal = True
    for kind, text in parts:
        if kind == "lit":
            slots += _lit_rx(text, meta, acc, where, examples)
        else:
            before = len(acc)
            slots += _group_rx(text, acc, 1)
            literal = literal and acc[before:] == [re.escape(text)]
    if slots == 0 and literal and not examples:
        return None
    source = "".join(acc) if slots <= _MAX_SLOTS else ".+"
    try:
        return _compile(source), slots, tuple(examples)
    except ValueError:
        return None


# A word pattern: literal text, a slot (one character or more), the shape of an example value or
# an optional group of alternatives, each a sequence again.
_Seq = tuple[tuple[str, Any], ...]
# A set of positions in the typed word: some positions, and every position from `tail` on.
_Positions = tuple[frozenset[int], int | None]


class WordPattern:
    """The pattern a typed word must match for an expected word, matched in linear time.

    Its ``pattern`` is written in the syntax of :mod:`re` (DOTALL), as `_token_regex` builds it:
    escaped literals, ``.+?`` / ``.+`` slots, optional groups ``(?:A|B)?`` and the shapes of
    example values (`_SHAPES`, each a bounded run of characters).  Python's
    backtracking engine needs O(n^k) steps to reject a word against k slots separated by
    literals (``<a>x<b>x<c>x<d>y`` against a long run of ``x``), which a long answer makes
    unbounded, so `fullmatch` runs the pattern as a set of positions instead: O(pattern × word).
    """

    __slots__ = ("pattern", "_seq")

    def __init__(self, source: str):
        self.pattern = source
        self._seq = _parse_pattern(source)

    def fullmatch(self, text: str) -> bool | None:
        """True when the whole of `text` matches, else None (as ``re.Pattern.fullmatch`` is falsy)."""
        found, tail = _run(self._seq, (frozenset({0}), None), text)
        n = len(text)
        return True if n in found or (tail is not None and tail <= n) else None


def _parse_pattern(source: str) -> _Seq:
    """Read the regex subset `_token_regex` writes; ValueError for anything else."""
    stack: list[tuple[list[tuple[str, Any]], list[_Seq]]] = []
    seq: list[tuple[str, Any]] = []
    alts: list[_Seq] = []
    i, n = 0, len(source)

    def literal(ch: str) -> None:
        if seq and seq[-1][0] == "lit":
            seq[-1] = ("lit", seq[-1][1] + ch)
        else:
            seq.append(("lit", ch))

    while i < n:
        c = source[i]
        shape = next((name for name, sh in _SHAPES.items() if source.startswith(sh.source, i)), None)
        if shape is not None:
            seq.append(("shape", _SHAPES[shape]))
            i += len(_SHAPES[shape].source)
        elif c == "\\" and i + 1 < n:
            literal(source[i + 1])
            i += 2
        elif source.startswith(".+?", i) or source.startswith(".+", i):
            seq.append(("slot", None))
            i += 3 if source.startswith(".+?", i) else 2
        elif source.startswith("(?:", i):
            stack.append((seq, alts))
            seq, alts = [], []
            i += 3
        elif c == "|" and stack:
            alts.append(tuple(seq))
            seq = []
            i += 1
        elif source.startswith(")?", i) and stack:
            alts.append(tuple(seq))
            group = ("opt", tuple(alts))
            seq, alts = stack.pop()
            seq.append(group)
            i += 2
        elif c in ".^$*+?{}[]()|\\":
            raise ValueError(f"unsupported pattern syntax at {i}: {source!r}")
        else:
            literal(c)
            i += 1
    if stack:
        raise ValueError(f"unclosed group: {source!r}")
    return tuple(seq)


def _union(a: _Positions, b: _Positions) -> _Positions:
    tails = [t for t in (a[1], b[1]) if t is not None]
    tail = min(tails) if tails else None
    found = a[0] | b[0]
    if tail is not None:
        found = frozenset(p for p in found if p < tail)
    return found, tail


def _run(seq: _Seq, at: _Positions, text: str) -> _Positions:
    """The positions where `seq` can end, starting from any of `at` (each step O(len(text)))."""
    n = len(text)
    found, tail = at
    for kind, value in seq:
        if not found and tail is None:
            break
        if kind == "lit":
            size = len(value)
            new = {p + size for p in found if text.startswith(value, p)}
            if tail is not None:
                k = text.find(value, tail)
                while k >= 0:
                    new.add(k + size)
                    k = text.find(value, k + 1)
            found, tail = frozenset(new), None
        elif kind == "slot":
            first = min([*found, *([tail] if tail is not None else [])])
            found, tail = frozenset(), (first + 1 if first + 1 <= n else None)
        elif kind == "shape":
            found, tail = value.step(text, found, tail), None
        else:
            out: _Positions = (found, tail)
            for alt in value:
                out = _union(out, _run(alt, (found, tail), text))
            found, tail = out
    return found, tail


@functools.lru_cache(maxsize=512)
def _compile(source: str) -> WordPattern:
    return WordPattern(source)


# --------------------------------------------------------------------------- parsing

_ROLES_OP = frozenset({"op", "redirect"})


@dataclass(frozen=True)
class _Tok:
    """A word after rewriting: typed words are literal, expected ones may be patterns."""

    key: str  # what is compared
    shown: str  # how it was written ("" for the second word of an alias expansion)
    role: str  # prefix, program, path, option, value, arg, redirect, op
    src: int = 0
    sub: int = 0  # position inside its source word (-it, an alias expansion)
    tags: frozenset[str] = frozenset()
    kind: str = "lit"  # lit, pat, rest (...), anyopts ([选项]), group ([...] optional)
    regex: WordPattern | None = None
    slots: int = 0
    children: tuple[_Tok, ...] = ()
    examples: tuple[_Example, ...] = ()  # the example values in it (kind, as written), in order

    @property
    def label(self) -> str:
        return self.shown or self.key


@dataclass(frozen=True)
class _Entry:
    """An option (or redirection) with its value."""

    name: _Tok
    value: _Tok | None
    optional: bool = False


@dataclass
class _Seg:
    """One simple command: the parts compared as a list, a multiset, a list."""

    head: list[_Tok] = field(default_factory=list)
    options: list[_Entry] = field(default_factory=list)
    anyopts: _Tok | None = None
    args: list[_Tok] = field(default_factory=list)
    redirects: list[_Entry] = field(default_factory=list)
    head_words: tuple[str, ...] = ()  # program and following words as written (for typo hints)
    whole_words: bool = False  # a single-dash word of letters kept whole (its program does not bundle)


@dataclass(frozen=True)
class _Hints:
    """What the typed side learns from the expected segment it is compared with."""

    value_names: frozenset[str] = frozenset()
    option_names: frozenset[str] = frozenset()
    any_options: bool = False
    head_words: tuple[str, ...] = ()


def _is_option(raw: _Raw) -> bool:
    return not raw.op and len(raw.text) > 1 and raw.text.startswith("-")


def _standalone_group(raw: _Raw) -> bool:
    return len(raw.parts) == 1 and raw.parts[0][0] == "group" and raw.parts[0][1].startswith("[")


def _is_ellipsis(raw: _Raw) -> bool:
    return not raw.quoted and raw.text in _ELLIPSES


def _is_word(raw: _Raw, pattern: bool) -> bool:
    """A word that can be a value or a subcommand (not an option, operator or special pattern)."""
    if raw.op or _is_option(raw):
        return False
    return not (pattern and (_standalone_group(raw) or _is_ellipsis(raw)))


def _is_literal(raw: _Raw) -> bool:
    return _token_regex(raw.parts) is None


def _plain(raw: _Raw, role: str, key: str | None = None) -> _Tok:
    return _Tok(
        key=raw.text if key is None else key,
        shown=raw.shown,
        role=role,
        src=raw.src,
        sub=raw.sub,
        tags=raw.tags,
    )


def _nodes(raw: _Raw, role: str, pattern: bool, where: _Where | None = None) -> list[_Tok]:
    """The expected-side node(s) for one word; a trailing ``...`` adds a rest node.

    ``where`` says where a card's argument or option value stands, for its example values.
    """
    if not pattern:
        return [_plain(raw, role)]
    if _is_ellipsis(raw):
        return [_Tok(key=raw.text, shown=raw.shown, role=role, src=raw.src, kind="rest")]
    parts, rest = raw.parts, False
    if not raw.quoted and len(raw.text) > 3 and parts and parts[-1][0] == "lit":
        last = parts[-1][1]
        for dots in _ELLIPSES:
            if last.endswith(dots) and len(raw.text) > len(dots):
                trimmed = last[: -len(dots)]
                parts = parts[:-1] + ((("lit", trimmed),) if trimmed else ())
                rest = True
                break
    found = _token_regex(parts, where)
    text = "".join(t for _, t in parts)
    node = _Tok(key=text, shown=raw.shown, role=role, src=raw.src, sub=raw.sub, tags=raw.tags)
    if found is not None:
        node = replace(node, kind="pat", regex=found[0], slots=found[1], examples=found[2])
    out = [node]
    if rest:
        out.append(_Tok(key="...", shown="", role=role, src=raw.src, kind="rest"))
    return out


def _is_typo(expected: str, typed: str) -> bool:
    """A small slip: edit distance (with transpositions) at most 2 and similarity at least 0.75."""
    if expected == typed or not expected or not typed or abs(len(expected) - len(typed)) > 2:
        return False
    if len(expected) > 64 or len(typed) > 64:
        return False
    if difflib.SequenceMatcher(None, expected, typed).ratio() < 0.75:
        return False
    return _osa_distance(expected, typed) <= 2


def _osa_distance(a: str, b: str) -> int:
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        row = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            row[j] = min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                row[j] = min(row[j], prev2[j - 2] + 1)
        prev2, prev = prev, row
    return prev[len(b)]


_MAX_TYPO_CANDIDATES = 16


def _typo_of_any(word: str, candidates: frozenset[str]) -> bool:
    """``word`` is a typo of one of a few ``candidates`` (a long list is not searched: no guessing)."""
    return len(candidates) <= _MAX_TYPO_CANDIDATES and any(_is_typo(c, word) for c in candidates)


def _fix_typo(raw: _Raw, want: str | None, known: frozenset[str]) -> _Raw:
    """A typed head word one slip away from the expected one is read as that word (and tagged)."""
    if want is None or raw.text == want or raw.text in known or not _is_typo(want, raw.text):
        return raw
    return replace(raw, text=want, parts=(("lit", want),), tags=raw.tags | {"typo", "typo=" + want})


def _rewrite_head(words: list[_Raw], prog: ProgramAliases) -> list[_Raw]:
    """Apply subcommand aliases to the words after the program, longest key first, until stable."""
    seen: set[tuple[str, ...]] = set()
    for _ in range(6):
        for key in prog.keys_longest_first:
            if len(words) < len(key) or any(w.op or w.text != k for w, k in zip(words, key, strict=False)):
                continue
            value = prog.subcommands[key]
            if value == key:
                return words
            replaced = words[: len(key)]
            shown = " ".join(w.shown for w in replaced if w.shown)
            tags = frozenset().union(*(w.tags for w in replaced)) | {"alias"}
            new = [
                _Raw(v, shown if k == 0 else "", parts=(("lit", v),), src=replaced[0].src, sub=k, tags=tags)
                for k, v in enumerate(value)
            ]
            words = new + words[len(key) :]
            break
        else:
            return words
        signature = tuple(w.text for w in words[:8])
        if signature in seen:
            return words
        seen.add(signature)
    return words


def _map_argument(tok: _Tok, prog: ProgramAliases) -> _Tok:
    """Map a resource-style argument (``po``, ``pod/web``, ``po,svc``) through the arguments table."""
    if not prog.arguments or tok.kind != "lit":
        return tok
    kind, slash, name = tok.key.partition("/")
    mapped = ",".join(prog.arguments.get(piece, piece) for piece in kind.split(","))
    if mapped == kind:
        return tok
    return replace(tok, key=mapped + slash + name, tags=tok.tags | {"alias"})


# Programs whose one-letter options bundle after one dash, getopt-style: `ls -la` is `ls -l -a`,
# `tar -xzf` is `tar -x -z -f`, `docker run -it` is `-i -t`, so the letters of such a word are
# compared one by one, in any order.  Every other program keeps a single-dash word whole, because
# many take whole words after one dash: `find -name`, `java -jar`, `gcc -Wall`, `kill -KILL`,
# `ip -br`, `xargs -0r`, `go test -race`, `nmap -sS`, `pkill -HUP`; there `-tpye` is a mistyped
# `-type` (close at best), never the letters t, p, y, e.  So a program missing from this list is
# graded strictly, never leniently.  (`tar xzf` and `ps aux`, with no dash, are one word anyway.)
# A user's alias file can say `bundles = true` or `false` for a program.
BUNDLING_PROGRAMS = frozenset(
    {
        "apt", "apt-get", "bash", "chgrp", "chmod", "chown", "cp", "crontab", "curl", "cut", "df",
        "diff", "dmesg", "dnf", "docker", "docker-compose", "du", "egrep", "fdisk", "fgrep", "free",
        "git", "grep", "gunzip", "gzip", "head", "helm", "iptables", "journalctl", "kubectl",
        "less", "ln", "ls", "lsblk", "lsof", "minikube", "mkdir", "mount", "mv", "nc", "netstat",
        "nl", "patch", "pgrep", "pip", "pip3", "podman", "ps", "rm", "rmdir", "rsync", "scp", "sed",
        "sh", "sort", "ss", "ssh", "ssh-keygen", "strace", "systemctl", "tail", "tar", "tcpdump",
        "tee", "top", "touch", "tr", "umount", "uname", "uniq", "unzip", "useradd", "usermod", "wc",
        "wget", "xz", "yum", "zip", "zsh",
    }
)  # fmt: skip
_LETTER_CLUSTER = re.compile(r"-[A-Za-z]{2,}")


def _bundles(name: str, prog: ProgramAliases) -> bool:
    """Whether program ``name`` takes bundled one-letter options (``-la`` for ``-l -a``)."""
    if prog.bundles is not None:
        return prog.bundles
    return name.rpartition("/")[2] in BUNDLING_PROGRAMS


def _split_option(text: str, bundles: bool) -> tuple[list[str], str | None]:
    """An option word as option names and an inline value: ``--a=b``, and ``-la`` where letters bundle."""
    if text.startswith("--"):
        name, eq, value = text.partition("=")
        return [name], (value if eq else None)
    if bundles and _LETTER_CLUSTER.fullmatch(text):
        return [f"-{c}" for c in text[1:]], None
    return [text], None


def _parse_segment(
    raws: list[_Raw], table: AliasTable, pattern: bool, hints: _Hints | None, bundle_all: bool = False
) -> _Seg:
    """Read one simple command into head words, options, arguments and redirections.

    ``bundle_all`` reads every single-dash word of letters as bundled one-letter options, whatever
    the program (the second reading of `_regrouped`).
    """
    seg = _Seg()
    i = 0
    if raws and not raws[0].op and raws[0].text == "sudo":
        seg.head.append(_plain(raws[0], "prefix"))
        i = 1
    rest = raws[i:]
    seg.head_words = tuple(r.text if _is_word(r, pattern) and _is_literal(r) else "" for r in rest[:3])
    prog = NO_ALIASES
    name = ""
    path_key: tuple[str, ...] = ()
    want = hints.head_words if hints else ()
    if rest and _is_word(rest[0], pattern):
        first = rest[0]
        if not pattern:
            first = _fix_typo(first, want[0] if want else None, frozenset(table.programs))
        name = first.text
        prog = table.program(name)
        seg.head.extend(_nodes(first, "program", pattern)[:1])
        rest = rest[1:]
        if prog.has_subcommands:
            if not pattern:
                fixed = []
                for k, r in enumerate(rest[:2]):
                    if not _is_word(r, False) or (k == 1 and fixed[0].text not in prog.groups):
                        break
                    fixed.append(_fix_typo(r, want[k + 1] if len(want) > k + 1 else None, prog.known_words))
                rest = fixed + rest[len(fixed) :]
            rest = _rewrite_head(rest, prog)
            path: list[_Raw] = []
            for r in rest:
                limit = 2 if path and path[0].text in prog.groups else 1
                if len(path) >= limit or not _is_word(r, pattern) or (pattern and not _is_literal(r)):
                    break
                path.append(r)
            path_key = tuple(r.text for r in path)
            for k, r in enumerate(path):
                tok = _plain(r, "path")
                seg.head.append(_map_argument(tok, prog) if k >= 1 else tok)
            rest = rest[len(path) :]
    bundles = bundle_all or _bundles(name, prog)

    def takes_value(option: str) -> bool:
        if option in prog.flags:
            return False
        if pattern or hints is None:
            return True
        # An option the card does not have takes a value only where [选项] can absorb it, or where it
        # is a typo of one of the card's options that takes a value.
        return (
            option in hints.value_names
            or (hints.any_options and option not in hints.option_names)
            or _typo_of_any(option, hints.value_names)
        )

    first_arg = True
    after_dashes = False
    k = 0
    while k < len(rest):
        r = rest[k]
        k += 1
        if r.op:
            if r.text in _REDIRECTS or r.text[:1].isdigit():
                target = None
                if k < len(rest) and _is_word(rest[k], pattern):
                    target = _nodes(rest[k], "value", pattern)[0]
                    k += 1
                seg.redirects.append(_Entry(_plain(r, "redirect"), target))
            else:
                seg.args.append(_plain(r, "op"))
            continue
        if pattern and _standalone_group(r):
            _parse_group(r, seg, prog, path_key, bundles, name)
            continue
        if not after_dashes and r.text == "--":
            after_dashes = True
            seg.args.append(_plain(r, "arg"))
            continue
        if not after_dashes and _is_option(r):
            names, inline = _split_option(r.text, bundles)
            seg.whole_words = seg.whole_words or (len(names) == 1 and bool(_LETTER_CLUSTER.fullmatch(r.text)))
            split = len(names) > 1 or inline is not None
            for idx, option in enumerate(names):
                canon = prog.canonical_option(path_key, option)
                tags = r.tags | ({"alias"} if canon != option else set()) | ({"split"} if split else set())
                opt = _Tok(
                    key=canon,
                    shown=option if split else r.shown,
                    role="option",
                    src=r.src,
                    sub=idx,
                    tags=tags,
                )
                value = None
                if idx == len(names) - 1:
                    if inline is not None:
                        raw_value = _Raw(inline, inline, parts=(("lit", inline),), src=r.src, tags=tags)
                        value = _nodes(raw_value, "value", pattern, _where(name, canon))[0]
                    elif k < len(rest) and _is_word(rest[k], pattern) and takes_value(canon):
                        value = _nodes(rest[k], "value", pattern, _where(name, canon))[0]
                        k += 1
                seg.options.append(_Entry(opt, value))
            continue
        nodes = _nodes(r, "arg", pattern, _where(name))
        if first_arg:
            nodes[0] = _map_argument(nodes[0], prog)
            first_arg = False
        seg.args.extend(nodes)
    return seg


def _parse_group(
    raw: _Raw, seg: _Seg, prog: ProgramAliases, path_key: tuple[str, ...], bundles: bool, program: str
) -> None:
    """An optional ``[...]`` word: any options, optional options, or optional arguments."""
    content = raw.text[1:-1]
    word = content.strip()
    for dots in _ELLIPSES:
        word = word.removesuffix(dots)
    if word.casefold() in _OPTION_WORDS:
        seg.anyopts = _Tok(key=raw.text, shown=raw.shown, role="option", src=raw.src, kind="anyopts")
        return
    inner = [replace(r, src=raw.src) for r in _lex(content)]
    if inner and _is_option(inner[0]):
        sub = _parse_segment(
            [_Raw("_", "", src=raw.src), *inner], AliasTable({"_": _options_only(prog, bundles)}), True, None
        )
        for e in sub.options:
            canon = prog.canonical_option(path_key, e.name.key)
            tags = e.name.tags | {"placeholder"} | ({"alias"} if canon != e.name.key else set())
            seg.options.append(_Entry(replace(e.name, key=canon, tags=tags), e.value, optional=True))
        seg.args.extend(sub.args)
        return
    children: list[_Tok] = []
    for r in inner:
        if _standalone_group(r) and r.text[1:-1].strip().casefold() not in _OPTION_WORDS:
            holder = _Seg()
            _parse_group(r, holder, prog, path_key, bundles, program)
            children.extend(holder.args)
        else:
            for nd in _nodes(r, "arg", True, _where(program)):
                if nd.kind == "lit" and not nd.key.startswith("-"):  # [file]: a metavariable
                    nd = replace(nd, kind="pat", regex=_compile(".+"), slots=1)
                children.append(replace(nd, tags=nd.tags | {"placeholder"}))
    if children:
        seg.args.append(
            _Tok(
                key=raw.text, shown=raw.shown, role="arg", src=raw.src, kind="group", children=tuple(children)
            )
        )


def _options_only(prog: ProgramAliases, bundles: bool) -> ProgramAliases:
    return ProgramAliases(has_subcommands=False, bundles=bundles, flags=prog.flags)


def _segments(raws: list[_Raw]) -> tuple[list[list[_Raw]], list[_Raw]]:
    """Split at control operators (``| && || ; &`` and parentheses)."""
    segs: list[list[_Raw]] = [[]]
    ops: list[_Raw] = []
    for r in raws:
        if r.op and r.text not in _REDIRECTS and not r.text[:1].isdigit():
            ops.append(r)
            segs.append([])
        else:
            segs[-1].append(r)
    return segs, ops


def _hints(seg: _Seg) -> _Hints:
    return _Hints(
        value_names=frozenset(e.name.key for e in seg.options if e.value is not None),
        option_names=frozenset(e.name.key for e in seg.options),
        any_options=seg.anyopts is not None,
        head_words=seg.head_words,
    )


# --------------------------------------------------------------------------- layout


def _entry_nodes(entry: _Entry) -> list[_Tok]:
    nodes = [entry.name] + ([entry.value] if entry.value is not None else [])
    if not entry.optional:
        return nodes
    shown = "[" + " ".join(n.label for n in nodes) + "]"
    return [
        _Tok(key=shown, shown=shown, role="option", src=entry.name.src, kind="group", children=tuple(nodes))
    ]


def _value_ok(expected: _Tok | None, typed: _Tok | None) -> bool:
    if expected is None or typed is None:
        return expected is typed
    return _matches(expected, typed)


def _arrange(expected: list[_Entry], typed: list[_Entry]) -> list[_Entry]:
    """Typed options in the expected order: matched ones in their slots, the rest after."""
    slots: list[_Entry | None] = [None] * len(expected)
    used: set[int] = set()
    passes: tuple[Callable[[_Entry, _Entry], bool], ...] = (
        lambda e, t: e.name.key == t.name.key and _value_ok(e.value, t.value),
        lambda e, t: e.name.key == t.name.key,
        lambda e, t: not e.optional,
    )
    for accept in passes:
        for s, e in enumerate(expected):
            if slots[s] is not None:
                continue
            for ti, t in enumerate(typed):
                if ti not in used and accept(e, t):
                    slots[s] = t
                    used.add(ti)
                    break
    arranged = [t for t in slots if t is not None]
    return arranged + [t for ti, t in enumerate(typed) if ti not in used]


def _flat(entries: list[_Entry]) -> list[_Tok]:
    return [n for e in entries for n in ([e.name] + ([e.value] if e.value is not None else []))]


def _layout(
    exp: list[_Seg], exp_ops: list[_Raw], typ: list[_Seg], typ_ops: list[_Raw]
) -> tuple[list[_Tok], list[_Tok]]:
    nodes: list[_Tok] = []
    items: list[_Tok] = []
    for s in range(max(len(exp), len(typ))):
        e = exp[s] if s < len(exp) else None
        t = typ[s] if s < len(typ) else None
        if s:
            if s - 1 < len(exp_ops):
                nodes.append(_plain(exp_ops[s - 1], "op"))
            if s - 1 < len(typ_ops):
                items.append(_plain(typ_ops[s - 1], "op"))
        if e is not None:
            nodes.extend(e.head)
            nodes.extend(n for entry in e.options for n in _entry_nodes(entry))
            if e.anyopts is not None:
                nodes.append(e.anyopts)
            nodes.extend(e.args)
            nodes.extend(n for entry in e.redirects for n in _entry_nodes(entry))
        if t is not None:
            items.extend(t.head)
            items.extend(_flat(_arrange(e.options, t.options) if e else t.options))
            items.extend(t.args)
            items.extend(_flat(_arrange(e.redirects, t.redirects) if e else t.redirects))
    return nodes, items


# --------------------------------------------------------------------------- alignment

_MAX_TOKENS = 200
_MAX_MATCH_LEN = 96


def _matches(node: _Tok, item: _Tok) -> bool:
    if (node.role in _ROLES_OP) != (item.role in _ROLES_OP):
        return False
    if node.kind == "pat" and node.regex is not None:
        # A placeholder takes a word from its own part of the command: never an option,
        # operator or "--", and a subcommand word only where the card has one.
        head = ("program", "path")
        allowed = head if node.role in head else ("arg", "value")
        if item.role not in allowed or (item.role == "arg" and item.key == "--"):
            return False
        if len(item.key) > _MAX_MATCH_LEN and node.slots > 1:
            return bool(item.key)  # long words against a many-slot pattern: accept rather than backtrack
        return node.regex.fullmatch(item.key) is not None
    return node.key == item.key


@dataclass(frozen=True)
class _Step:
    op: str  # same, changed, missing, extra, absorb, exit, bypass
    node: _Tok | None
    item: _Tok | None


def _program(nodes: list[_Tok]) -> list[tuple[str, _Tok, int]]:
    out: list[tuple[str, _Tok, int]] = []

    def walk(ns: tuple[_Tok, ...] | list[_Tok]) -> None:
        for nd in ns:
            if nd.kind == "group":
                at = len(out)
                out.append(("split", nd, 0))
                walk(nd.children)
                out.append(("end", nd, 0))
                out[at] = ("split", nd, len(out))
            else:
                out.append((nd.kind, nd, 0))

    walk(nodes)
    return out


def _align(nodes: list[_Tok], items: list[_Tok]) -> tuple[int, list[_Step]]:
    """Cheapest alignment of the expected pattern with the typed words (Dijkstra over an NFA)."""
    prog = _program(nodes)
    size, n = len(prog), len(items)
    match_cache: dict[tuple[int, int], bool] = {}

    def edges(pc: int, j: int) -> Iterator[tuple[int, int, int, int, _Step | None]]:
        if pc < size:
            kind, nd, jump = prog[pc]
            if kind in ("lit", "pat"):
                if j < n:
                    ok = match_cache.get((pc, j))
                    if ok is None:
                        ok = match_cache[(pc, j)] = _matches(nd, items[j])
                    # An argument placeholder would rather take an argument than an option's value.
                    if ok:
                        soft = 1 if nd.kind == "pat" and nd.role == "arg" and items[j].role == "value" else 0
                        yield pc + 1, j + 1, 0, soft, _Step("same", nd, items[j])
                    elif (nd.role == "option") == (items[j].role == "option"):
                        # A wrong word in its place; an option for an argument is a missing plus an extra.
                        yield pc + 1, j + 1, 1, 1, _Step("changed", nd, items[j])
                yield pc + 1, j, 1, 0, _Step("missing", nd, None)
            elif kind in ("rest", "anyopts"):
                if j < n:
                    role = items[j].role
                    if (kind == "rest" and role not in _ROLES_OP) or (
                        kind == "anyopts" and role in ("option", "value")
                    ):
                        yield pc, j + 1, 0, 1, _Step("absorb", nd, items[j])
                yield pc + 1, j, 0, 0, _Step("exit", nd, None)
            elif kind == "split":
                yield pc + 1, j, 0, 0, None
                yield jump, j, 0, 0, _Step("bypass", nd, None)
            else:
                yield pc + 1, j, 0, 0, None
        if j < n:
            yield pc, j + 1, 1, 0, _Step("extra", None, items[j])

    best: dict[tuple[int, int], tuple[int, int]] = {(0, 0): (0, 0)}
    back: dict[tuple[int, int], tuple[tuple[int, int], _Step | None]] = {}
    heap: list[tuple[int, int, int, int, int]] = [(0, 0, 0, 0, 0)]
    counter = 0
    goal = (size, n)
    while heap:
        cost, soft, _, pc, j = heapq.heappop(heap)
        if best.get((pc, j)) != (cost, soft):
            continue
        if (pc, j) == goal:
            break
        for npc, nj, dc, ds, step in edges(pc, j):
            new = (cost + dc, soft + ds)
            old = best.get((npc, nj))
            if old is None or new < old:
                best[(npc, nj)] = new
                back[(npc, nj)] = ((pc, j), step)
                counter += 1
                heapq.heappush(heap, (new[0], new[1], counter, npc, nj))
    steps: list[_Step] = []
    at = goal
    while at != (0, 0):
        at, step = back[at]
        if step is not None:
            steps.append(step)
    steps.reverse()
    return best[goal][0], steps


# --------------------------------------------------------------------------- verdicts


def _diff(steps: list[_Step]) -> tuple[list[DiffToken], list[frozenset[str]]]:
    """Diff tokens from the alignment, alias expansions and ``...`` absorptions merged."""
    out: list[DiffToken] = []
    tags: list[frozenset[str]] = []
    absorbed: list[str] = []
    for st in steps:
        nd, it = st.node, st.item
        if st.op == "absorb" and it is not None:
            absorbed.append(it.label)
        elif st.op == "exit" and nd is not None:
            if nd.shown or absorbed:
                out.append(DiffToken(nd.label, "same", " ".join(absorbed) or None))
                tags.append(frozenset({"placeholder"}))
            elif absorbed and out:
                out[-1] = replace(out[-1], typed=" ".join(filter(None, [out[-1].typed, *absorbed])))
            absorbed = []
        elif st.op == "bypass" and nd is not None:
            out.append(DiffToken(nd.label, "same", None))
            tags.append(frozenset({"placeholder"}))
        elif st.op == "same" and nd is not None and it is not None:
            # An example value typed as on the card is no placeholder filled in.
            filled = nd.kind == "pat" and not (nd.examples and nd.key == it.key)
            t = nd.tags | it.tags | ({"placeholder"} if filled else frozenset())
            if ("split" in nd.tags) != ("split" in it.tags):
                t = t | {"respelled"}
            op = "changed" if "typo" in it.tags else "same"  # a corrected typo still shows as changed
            if out and out[-1].op == op and (not nd.shown or not it.shown):
                prev = out[-1]
                text = prev.text + (" " + nd.shown if nd.shown else "")
                typed = (prev.typed or "") + (" " + it.shown if it.shown else "")
                out[-1] = DiffToken(text, op, typed.strip() or None)
                tags[-1] = tags[-1] | t
            else:
                out.append(DiffToken(nd.label, op, it.label, nd.examples))
                tags.append(t)
        elif st.op == "changed" and nd is not None and it is not None:
            out.append(DiffToken(nd.label, "changed", it.label, nd.examples))
            tags.append(nd.tags | it.tags)
        elif st.op == "missing" and nd is not None:
            out.append(DiffToken(nd.label, "missing", None, nd.examples))
            tags.append(nd.tags)
        elif st.op == "extra" and it is not None:
            out.append(DiffToken(it.label, "extra", None))
            tags.append(it.tags)
    return out, tags


def _join(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def _equivalent_reason(
    expected: str, typed: str, diff: list[DiffToken], tags: list[frozenset[str]], items: list[_Tok]
) -> str:
    differ: list[str] = []
    srcs = [(it.src, it.sub) for it in items]
    if any(a > b for a, b in zip(srcs, srcs[1:], strict=False)):
        differ.append("option order")
    changed_tags = [t for d, t in zip(diff, tags, strict=True) if d.typed is not None and d.text != d.typed]
    if any("respelled" in t for t in tags):
        differ.append("option spelling")
    if any("quoted" in t and "placeholder" not in t for t in changed_tags):
        differ.append("quoting")
    if re.sub(r"\s+", "", expected) == re.sub(r"\s+", "", typed) and not differ:
        differ.append("spacing")
    phrases = []
    if differ:
        phrases.append(_join(differ) + (" differ" if len(differ) > 1 else " differs"))
    aliases = [
        f"{d.typed} = {d.text}"
        for d, t in zip(diff, tags, strict=True)
        if "alias" in t and d.typed and d.text != d.typed
    ]
    if aliases:
        phrases.append("alias " + ", ".join(aliases[:3]))
    if any("placeholder" in t for t in tags):
        phrases.append("placeholders matched")
    return "same command: " + ("; ".join(phrases) if phrases else "written differently")


# What an answer may add to the card's command and still be close: options, their values, arguments
# and redirections; not a subcommand word, another program or a shell operator.
_ADDED_ROLES = frozenset({"option", "value", "arg", "redirect"})


def _head_role(tok: _Tok | None) -> bool:
    return tok is not None and tok.role in ("program", "path")


def _classify(
    expected: str, typed: str, edits: int, steps: list[_Step], items: list[_Tok]
) -> tuple[VerdictKind, int, str, tuple[DiffToken, ...]]:
    diff, tags = _diff(steps)
    typos = sorted({(it.src, t[5:]) for it in items for t in it.tags if t.startswith("typo=")})
    errors = [st for st in steps if st.op in ("changed", "missing", "extra")]
    total = edits + len(typos)
    if total == 0:
        return VerdictKind.EQUIVALENT, 0, _equivalent_reason(expected, typed, diff, tags, items), tuple(diff)
    head_errors = [st for st in errors if _head_role(st.node) or _head_role(st.item)]
    added = [
        st.item for st in errors if st.op == "extra" and st.item is not None and st.item.role in _ADDED_ROLES
    ]
    if not typos and not head_errors and len(added) == len(errors):
        # Everything the card has is there; the answer adds options or arguments: close, however many.
        if len(added) == 1:
            return VerdictKind.CLOSE, 1, f"one extra token: {added[0].label}", tuple(diff)
        words = " ".join(it.label for it in added)
        return VerdictKind.CLOSE, total, f"{len(added)} extra tokens: {words}", tuple(diff)
    if total == 1:
        if typos:
            src, fixed = typos[0]
            word = next((it.shown for it in items if it.src == src and it.shown), fixed)
            return VerdictKind.CLOSE, 1, f"typo in one word: {fixed} vs {word}", tuple(diff)
        st = errors[0]
        nd, it = st.node, st.item
        if st.op == "changed" and nd is not None and it is not None:
            if _is_typo(nd.key, it.key) or (not head_errors and _is_typo(nd.label, it.label)):
                return VerdictKind.CLOSE, 1, f"typo in one word: {nd.label} vs {it.label}", tuple(diff)
            if head_errors:
                what = "program" if nd.role == "program" else "subcommand"
                return VerdictKind.WRONG, 1, f"different {what}: {nd.label} vs {it.label}", tuple(diff)
            return VerdictKind.CLOSE, 1, f"one token differs: {nd.label} vs {it.label}", tuple(diff)
        if st.op == "missing" and nd is not None:
            if head_errors:
                return VerdictKind.WRONG, 1, f"subcommand word missing: {nd.label}", tuple(diff)
            if nd.kind == "pat":
                return VerdictKind.CLOSE, 1, f"missing required argument: {nd.label}", tuple(diff)
            return VerdictKind.CLOSE, 1, f"one token missing: {nd.label}", tuple(diff)
        if it is not None:
            if head_errors:
                return VerdictKind.WRONG, 1, f"different subcommand: extra word {it.label}", tuple(diff)
            return VerdictKind.CLOSE, 1, f"one extra token: {it.label}", tuple(diff)
    if head_errors:
        st = head_errors[0]
        if st.node is not None and st.item is not None:
            why = f"different subcommand: {st.node.label} vs {st.item.label}"
        elif st.node is not None:
            why = f"subcommand word missing: {st.node.label}"
        else:
            why = f"different subcommand: extra word {st.item.label if st.item else ''}"
        return VerdictKind.WRONG, total, f"{why} ({total} tokens differ)", tuple(diff)
    return VerdictKind.WRONG, total, f"{total} tokens differ", tuple(diff)


_ALT_SEP = re.compile(r"(?<!\s)\s++(或者|或是|或|or|OR|/)\s+")
_CJK_OR = frozenset({"或者", "或是", "或"})


_CJK_ALT_SEP = re.compile(r"(?<!\s)\s++(?:或者|或是|或)\s+")


def _alternatives(expected: str) -> list[str]:
    """``A 或 B`` always splits; ``A or B`` and ``A / B`` only between like commands."""
    return [expected[a:b] for a, b in _alternative_spans(expected)]


def _alternative_spans(text: str) -> list[tuple[int, int]]:
    """Where the alternatives of `_alternatives` are in ``text``."""
    whole = [(0, len(text))]
    found = list(_ALT_SEP.finditer(text))
    if not found:
        return whole
    spans = _between(text, found)
    alts = [text[a:b] for a, b in spans]
    seps = [m.group(1) for m in found]
    if any(not a.strip() for a in alts):
        return whole
    firsts = [a.split()[0] for a in alts]
    alike = len(set(firsts)) == 1 or all(f.startswith("-") for f in firsts)
    if all(s in _CJK_OR for s in seps) or alike:
        return spans
    if any(s in _CJK_OR for s in seps):
        return [
            (a, b) for a, b in _between(text, list(_CJK_ALT_SEP.finditer(text))) if text[a:b].strip()
        ] or whole
    return whole


def _between(text: str, separators: list[re.Match[str]]) -> list[tuple[int, int]]:
    """The spans of ``text`` around the ``separators`` (as ``re.split`` would cut it)."""
    bounds = [0, *(x for m in separators for x in m.span()), len(text)]
    return list(zip(bounds[0::2], bounds[1::2], strict=True))


def _strip_prompt(raws: list[_Raw]) -> list[_Raw]:
    return raws[1:] if raws and raws[0].text == "$" and not raws[0].quoted and not raws[0].op else raws


class _Graded(NamedTuple):
    """What grading one alternative gives, before it becomes a `Verdict`."""

    kind: VerdictKind
    edits: int
    explanation: str
    diff: tuple[DiffToken, ...]
    correspondence: tuple[DiffToken, ...] = ()


# The second reading of `_regrouped` is for commands of a card's size, never for long input.
_MAX_REGROUPED = 60


def _grade(expected: str, typed: str, table: AliasTable) -> _Graded:
    exp_raws, typ_raws = _strip_prompt(_lex(expected)), _strip_prompt(_lex(typed))
    graded, whole_words, small = _grade_reading(expected, typed, exp_raws, typ_raws, table, False)
    if graded.kind is VerdictKind.WRONG and whole_words and small:
        return _regrouped(graded, _grade_reading(expected, typed, exp_raws, typ_raws, table, True)[0])
    return graded


def _regrouped(graded: _Graded, regrouped: _Graded) -> _Graded:
    """A wrong answer that reads right or close once single-dash words are read as bundled letters.

    A program not known to bundle its one-letter options keeps ``-it`` whole, so ``-i -t`` for it
    is two words off.  It may bundle them after all: read that way the answer is close at best
    (never equivalent: ``-tpye`` is not ``-type``).
    """
    if regrouped.kind is VerdictKind.EQUIVALENT:
        return _Graded(VerdictKind.CLOSE, 1, "option letters grouped differently", regrouped.diff)
    if regrouped.kind is VerdictKind.CLOSE:
        why = regrouped.explanation + " (with options read as bundled letters)"
        return _Graded(VerdictKind.CLOSE, regrouped.edits, why, regrouped.diff)
    return graded


def _grade_reading(
    expected: str, typed: str, exp_raws: list[_Raw], typ_raws: list[_Raw], table: AliasTable, bundle_all: bool
) -> tuple[_Graded, bool, bool]:
    """The grade, whether a single-dash word of letters was kept whole, and whether the command is short."""
    exp_segs_raw, exp_ops = _segments(exp_raws)
    typ_segs_raw, typ_ops = _segments(typ_raws)
    exp_segs = [_parse_segment(s, table, True, None, bundle_all) for s in exp_segs_raw]
    typ_segs = [
        _parse_segment(s, table, False, _hints(exp_segs[k]) if k < len(exp_segs) else None, bundle_all)
        for k, s in enumerate(typ_segs_raw)
    ]
    whole_words = any(g.whole_words for g in exp_segs + typ_segs)
    if _size(exp_segs) > _MAX_TOKENS or _size(typ_segs) > _MAX_TOKENS:
        # Each part is at least one token, so this is too long to align anyway, and laying
        # the options out (`_arrange`) would cost expected × typed options.
        return _Graded(*_rough(expected, typed)), whole_words, False
    nodes, items = _layout(exp_segs, exp_ops, typ_segs, typ_ops)
    if len(nodes) > _MAX_TOKENS or len(items) > _MAX_TOKENS:
        return _Graded(*_rough(expected, typed)), whole_words, False
    edits, steps = _align(nodes, items)
    small = len(nodes) <= _MAX_REGROUPED and len(items) <= _MAX_REGROUPED
    if bundle_all and not _letters_in_order(steps):
        return _Graded(VerdictKind.WRONG, edits, "option letters in another order", ()), whole_words, small
    graded = _Graded(*_classify(expected, typed, edits, steps, items))
    if graded.kind is VerdictKind.EQUIVALENT:
        graded = graded._replace(correspondence=_correspondence(steps, exp_raws, typ_raws))
    return graded, whole_words, small


def _correspondence(steps: list[_Step], exp_raws: list[_Raw], typ_raws: list[_Raw]) -> tuple[DiffToken, ...]:
    """The typed words in the order typed, each with the card's words it stands for (as written).

    Neighbouring typed words that stand for the same card words are one token (``-i -t`` for
    ``-it``, ``image rm`` for ``rmi``); a typed word the alignment does not name (the second word
    of a typed alias, ``switch -c``) joins the word before it.
    """
    card_of: dict[int, list[int]] = {}
    examples: dict[int, tuple[_Example, ...]] = {}
    for st in steps:
        if st.node is not None and st.item is not None:
            srcs = card_of.setdefault(st.item.src, [])
            if st.node.src not in srcs:
                srcs.append(st.node.src)
            examples[st.node.src] = examples.get(st.node.src, ()) + st.node.examples
    groups: list[tuple[list[str], list[int]]] = []
    for raw in typ_raws:
        srcs = card_of.get(raw.src)
        if groups and (srcs is None or sorted(srcs) == groups[-1][1]):
            groups[-1][0].append(raw.shown)
        else:
            groups.append(([raw.shown], sorted(srcs or [])))
    card = {r.src: r.shown for r in exp_raws}
    return tuple(
        DiffToken(
            " ".join(card[s] for s in srcs if s in card),
            "same",
            " ".join(typed),
            tuple(e for s in srcs for e in examples.get(s, ())),
        )
        for typed, srcs in groups
    )


def _letters_in_order(steps: list[_Step]) -> bool:
    """Letters read as bundled options are matched in the order written, on both sides.

    ``-it`` for ``-i -t`` regroups the same letters; ``-tpye`` for ``-type`` reorders them, which a
    program that takes whole words reads as another word.
    """
    by_card: dict[int, list[tuple[int, tuple[int, int]]]] = {}
    by_typed: dict[int, list[tuple[int, tuple[int, int]]]] = {}
    for st in steps:
        nd, it = st.node, st.item
        if st.op == "same" and nd is not None and it is not None and nd.role == "option":
            by_card.setdefault(nd.src, []).append((nd.sub, (it.src, it.sub)))
            by_typed.setdefault(it.src, []).append((it.sub, (nd.src, nd.sub)))
    return all(_increasing(pairs) for group in (by_card, by_typed) for pairs in group.values())


def _increasing(pairs: list[tuple[int, tuple[int, int]]]) -> bool:
    ordered = [where for _, where in sorted(pairs)]
    return all(a < b for a, b in zip(ordered, ordered[1:], strict=False))


def _size(segs: list[_Seg]) -> int:
    """How many parts (words, options, arguments, redirections) the segments hold: at most their tokens."""
    return sum(len(g.head) + len(g.options) + len(g.args) + len(g.redirects) for g in segs)


def _rough(expected: str, typed: str) -> tuple[VerdictKind, int, str, tuple[DiffToken, ...]]:
    """A plain word diff, for inputs too long to align (or a bug): never better than CLOSE."""
    a, b = expected.split(), typed.split()
    diff: list[DiffToken] = []
    edits = 0
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b).get_opcodes():
        if tag == "equal":
            diff.extend(DiffToken(w, "same", w) for w in a[i1:i2])
            continue
        pairs = min(i2 - i1, j2 - j1) if tag == "replace" else 0
        diff.extend(DiffToken(a[i1 + p], "changed", b[j1 + p]) for p in range(pairs))
        diff.extend(DiffToken(w, "missing") for w in a[i1 + pairs : i2])
        diff.extend(DiffToken(w, "extra") for w in b[j1 + pairs : j2])
        edits += max(i2 - i1, j2 - j1)
    kind = VerdictKind.CLOSE if edits <= 1 else VerdictKind.WRONG
    return kind, max(edits, 1), f"{edits} tokens differ", tuple(diff)


def example_values(command: str, aliases: AliasTable | None = None) -> tuple[tuple[int, int, str], ...]:
    """Where a card's command holds values of the note-taker's machine, as ``(start, end, kind)``.

    The kinds: ``id`` (a container or image ID, 7 to 40 or 64 hex digits), ``commit`` (the
    same, in a git command), ``pid`` (a process ID where one belongs: ``kill 1234``,
    ``strace -p 1234``), ``ip`` (an IPv4 address of one machine, not ``127.0.0.1`` or
    ``0.0.0.0``) and ``port`` (in a port option, ``docker run -p 8080:80``, or after an
    address, ``localhost:8080``).  :func:`check_command` takes any value of the same shape in
    their place, so the quiz shows them as placeholders.  The spans are in order and do not
    overlap.  Never raises (a command it cannot read has none).
    """
    text = _CONTINUATION.sub(lambda m: " " * len(m.group()), str(command))  # keeps the offsets
    table = aliases if aliases is not None else _shipped_table()
    found: list[tuple[int, int, str]] = []
    try:
        for a, b in _alternative_spans(text):
            raws = _strip_prompt(_lex(text[a:b]))
            by_src = {r.src: r for r in raws}
            for words in _segments(raws)[0]:
                seg = _parse_segment(words, table, True, None)
                found.extend(_locate(_seg_nodes(seg), by_src, text, a))
    except Exception:  # a rendering aid: a command it cannot read shows as written
        return ()
    return tuple(sorted(found))


def _seg_nodes(seg: _Seg) -> Iterator[_Tok]:
    """The nodes of a card's segment in the order of its words."""

    def walk(nodes: Iterator[_Tok] | list[_Tok] | tuple[_Tok, ...]) -> Iterator[_Tok]:
        for nd in nodes:
            yield nd
            yield from walk(nd.children)

    for entry in seg.options:
        yield from walk(_entry_nodes(entry))
    yield from walk(seg.args)


def _locate(
    nodes: Iterator[_Tok], by_src: Mapping[int, _Raw], text: str, offset: int
) -> list[tuple[int, int, str]]:
    """Find each node's example values in the words of ``text`` they come from, left to right."""
    out: list[tuple[int, int, str]] = []
    cursor: dict[int, int] = {}
    for nd in nodes:
        raw = by_src.get(nd.src)
        if raw is None:
            continue
        for kind, value in nd.examples:
            at = text.find(value, cursor.get(nd.src, offset + raw.at), offset + raw.end)
            if at >= 0:  # not found when quotes split the value: it then shows as written
                out.append((at, at + len(value), kind))
                cursor[nd.src] = at + len(value)
    return out


_CONTINUATION = re.compile(r"\\\r?\n")
_RANK = {VerdictKind.EXACT: 0, VerdictKind.EQUIVALENT: 1, VerdictKind.CLOSE: 2, VerdictKind.WRONG: 3}


def check_command(expected: str, typed: str, aliases: AliasTable | None = None) -> Verdict:
    """Grade ``typed`` against the card's ``expected`` command (see the module docstring).

    Args:
        expected: the command on the card's back, possibly with placeholders,
            optional parts and alternatives.
        typed: what the user typed; empty or blank means "I don't know".
        aliases: the alias table; the shipped ``aliases.toml`` when None.

    Returns:
        The verdict: kind, suggested SM-2 grade, token diff, explanation.
        Never raises.
    """
    exp_norm = " ".join(str(expected).split())
    typ_norm = " ".join(str(typed).split())
    if not typ_norm:
        shown = tuple(DiffToken(r.shown, "missing") for r in _lex(exp_norm))
        return Verdict(VerdictKind.WRONG, NO_ANSWER_GRADE, shown, "no answer")
    if not exp_norm:
        extra = tuple(DiffToken(r.shown, "extra") for r in _lex(typ_norm))
        return Verdict(VerdictKind.WRONG, GRADES[VerdictKind.WRONG], extra, "the card has no command")
    alternatives = _alternatives(exp_norm)
    if typ_norm == exp_norm or typ_norm in alternatives:
        same = tuple(DiffToken(r.shown, "same", r.shown) for r in _lex(typ_norm))
        return Verdict(VerdictKind.EXACT, GRADES[VerdictKind.EXACT], same, "exact match")
    table = aliases if aliases is not None else _shipped_table()
    # A backslash-newline continues the line; it must go before white space is collapsed.
    typ_norm = " ".join(_CONTINUATION.sub(" ", str(typed)).split())
    alternatives = _alternatives(" ".join(_CONTINUATION.sub(" ", str(expected)).split()))
    best: tuple[int, int, int, _Graded] | None = None
    for index, alt in enumerate(alternatives):
        try:
            graded = _grade(alt, typ_norm, table)
        except Exception:  # never fail a review over a grading bug; a word diff is still useful
            graded = _Graded(*_rough(alt, typ_norm))
        key = (_RANK[graded.kind], graded.edits, index, graded)
        if best is None or key[:3] < best[:3]:
            best = key
    assert best is not None
    found = best[3]
    return Verdict(found.kind, GRADES[found.kind], found.diff, found.explanation, found.correspondence)
