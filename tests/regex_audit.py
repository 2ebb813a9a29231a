"""A small ReDoS linter: finds regular expressions that a backtracking engine runs in more than linear time.

It reads a compiled pattern's parse tree (``re._parser``, Python 3.11+) and reports, in words,
each construct that lets Python's engine take O(n²) or worse steps on some input:

nested
    An unbounded repeat inside another unbounded repeat (``(a+)+``, ``(?:\\s*x)*``): the engine
    may try every way of splitting a run between the two.
adjacent
    Two unbounded repeats that can follow each other (only optional or empty parts between
    them, or fixed text both of them could match) and match a common character
    (``\\s*(?:x)?\\s*``, ``\\w+\\d+``, ``.+?x.+?``): a run of that character can be split between
    them in O(n) ways, tried again on every failure.
restart
    A search (not anchored at its start) whose first step is an unbounded repeat (``\\s*\\(``):
    on a long run of that character the search restarts at every position of the run and each
    start rescans the rest of it.  Accepted when a lookbehind keeps the search from starting
    inside such a run (``(?<!\\s)\\s*+\\(``).
overrun
    A search whose unbounded repeat can run over the characters that start the pattern
    (``\\{\\{c1::(.+?)\\}\\}``): every opener without a closer scans on to the end, past all the
    later openers, which are tried again.

A repeat that is possessive (``*+``) or inside an atomic group never gives characters back
to the repeat after it, so "adjacent" does not apply to it.  Patterns only ever used with
``match``/``fullmatch`` are anchored: "restart" and "overrun" do not apply to them.

Character sets are compared on a sample alphabet (ASCII, Latin-1, common CJK letters and
punctuation, Unicode spaces), which is enough for the sets these modules use.
"""

from __future__ import annotations

import ast
import inspect
import re
import re._constants as C  # type: ignore[import-not-found]
import re._parser as P  # type: ignore[import-not-found]
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from types import ModuleType

MAXREPEAT = C.MAXREPEAT
SAMPLE = frozenset(
    [chr(c) for c in range(0, 256)]
    + list("中文是指的命令进程项目名号，。；：！？、（）「」『』《》【】“”‘’…—–→　")
    + ["\u2028", "\u2029", "\u200b", "\u3000", "\u1680", "\u2000", "\u205f", "é", "ß", "Ω", "я", "١", "٣"]
)
ANY = SAMPLE
EMPTY: frozenset[str] = frozenset()


def _category(cat: object, ch: str) -> bool:
    name = str(cat)
    word = ch.isalnum() or ch == "_"
    if name.endswith("NOT_SPACE"):
        return not ch.isspace()
    if name.endswith("SPACE"):
        return ch.isspace()
    if name.endswith("NOT_DIGIT"):
        return not ch.isdecimal()
    if name.endswith("DIGIT"):
        return ch.isdecimal()
    if name.endswith("NOT_WORD"):
        return not word
    if name.endswith("WORD"):
        return word
    if name.endswith("NOT_LINEBREAK"):
        return ch != "\n"
    if name.endswith("LINEBREAK"):
        return ch == "\n"
    return True


def _in_set(items: list[tuple[object, object]], ch: str, ignore_case: bool) -> bool:
    negate = False
    hit = False
    cands = {c for c in (ch, ch.lower(), ch.upper()) if len(c) == 1} if ignore_case else {ch}
    for op, av in items:
        if op is C.NEGATE:
            negate = True
        elif op is C.LITERAL:
            hit = hit or any(ord(c) == av for c in cands)
        elif op is C.RANGE:
            lo, hi = av  # type: ignore[misc]
            hit = hit or any(lo <= ord(c) <= hi for c in cands)
        elif op is C.CATEGORY:
            hit = hit or _category(av, ch)
        elif op in (C.RANGE_UNI_IGNORE,):
            lo, hi = av  # type: ignore[misc]
            hit = hit or any(lo <= ord(c) <= hi for c in cands)
    return hit != negate


def _char_set(op: object, av: object, flags: int) -> frozenset[str] | None:
    """The sample characters a single-character node matches, or None if it is not one."""
    ic = bool(flags & re.IGNORECASE)
    if op is C.ANY:
        return ANY if flags & re.DOTALL else frozenset(c for c in SAMPLE if c != "\n")
    if op is C.LITERAL:
        return frozenset(c for c in SAMPLE if ord(c) == av or ic and chr(av) in (c.lower(), c.upper()))  # type: ignore[arg-type]
    if op is C.NOT_LITERAL:
        return frozenset(c for c in SAMPLE if ord(c) != av)
    if op is C.IN:
        return frozenset(c for c in SAMPLE if _in_set(av, c, ic))  # type: ignore[arg-type]
    if op is C.CATEGORY:
        return frozenset(c for c in SAMPLE if _category(av, c))
    return None


@dataclass(frozen=True)
class Info:
    """What a part of a pattern can do: match empty, its first and last unbounded repeats, its first chars."""

    nullable: bool
    heads: tuple[frozenset[str], ...]  # char sets of unbounded repeats that can come first
    tails: tuple[frozenset[str], ...]  # ... that can come last (and give characters back)
    first: frozenset[str]  # characters that can start it (sample approximation)
    has_unbounded: bool
    chars: frozenset[str] = EMPTY  # every character it can consume


def _seq_info(items: list[tuple[object, object]], flags: int, problems: list[str], where: str) -> Info:
    infos = [_node_info(op, av, flags, problems, where) for op, av in items]
    # adjacent: a tail of one part meets a head of a later part with only nullable parts between
    # (also across fixed text that both repeats could match: ``.+?x.+?`` splits a run of x)
    for i, a in enumerate(infos):
        for ta in a.tails:
            between: frozenset[str] = EMPTY
            for j in range(i + 1, len(infos)):
                b = infos[j]
                for hb in b.heads:
                    common = ta & hb
                    if common and between <= hb:
                        problems.append(
                            f"adjacent: two unbounded repeats can split a run of {_show(common)} ({where})"
                        )
                if b.nullable:
                    continue
                if not b.has_unbounded and not b.heads and b.chars and b.chars <= ta:
                    between = between | b.chars
                    continue
                break
    nullable = all(x.nullable for x in infos)
    heads: list[frozenset[str]] = []
    first: set[str] = set()
    for x in infos:
        heads.extend(x.heads)
        first |= x.first
        if not x.nullable:
            break
    tails: list[frozenset[str]] = []
    for x in reversed(infos):
        tails.extend(x.tails)
        if not x.nullable:
            break
    return Info(
        nullable,
        tuple(heads),
        tuple(tails),
        frozenset(first),
        any(x.has_unbounded for x in infos),
        frozenset().union(*(x.chars for x in infos)),
    )


def _node_info(op: object, av: object, flags: int, problems: list[str], where: str) -> Info:
    chars = _char_set(op, av, flags)
    if chars is not None:
        return Info(False, (), (), chars, False, chars)
    if op in (C.MAX_REPEAT, C.MIN_REPEAT, C.POSSESSIVE_REPEAT):
        lo, hi, body = av  # type: ignore[misc]
        inner = _seq_info(list(body), flags, problems, where)
        nullable = lo == 0 or inner.nullable
        if hi == MAXREPEAT:
            if inner.has_unbounded:
                problems.append(f"nested: an unbounded repeat inside an unbounded repeat ({where})")
            single = len(body) == 1 and _char_set(*body[0], flags) is not None
            heads = (inner.chars,) if single else (inner.first, *inner.heads)
            tails = (inner.chars,) if single else inner.tails
            if op is C.POSSESSIVE_REPEAT:
                # commits: gives nothing back, and a possessive repeat inside another is not re-split
                return Info(nullable, heads, (), inner.first, False, inner.chars)
            return Info(nullable, heads, tails, inner.first, True, inner.chars)
        tails = () if op is C.POSSESSIVE_REPEAT else inner.tails
        return Info(nullable, inner.heads, tails, inner.first, inner.has_unbounded, inner.chars)
    if op is C.SUBPATTERN:
        _group, _add, _del, body = av  # type: ignore[misc]
        return _seq_info(list(body), flags, problems, where)
    if op is C.ATOMIC_GROUP:
        inner = _seq_info(list(av), flags, problems, where)  # type: ignore[arg-type]
        return Info(inner.nullable, inner.heads, (), inner.first, inner.has_unbounded, inner.chars)
    if op is C.BRANCH:
        _, branches = av  # type: ignore[misc]
        infos = [_seq_info(list(b), flags, problems, where) for b in branches]
        return Info(
            any(x.nullable for x in infos),
            tuple(h for x in infos for h in x.heads),
            tuple(t for x in infos for t in x.tails),
            frozenset().union(*(x.first for x in infos)),
            any(x.has_unbounded for x in infos),
            frozenset().union(*(x.chars for x in infos)),
        )
    if op in (C.ASSERT, C.ASSERT_NOT):
        _dir, body = av  # type: ignore[misc]
        _seq_info(list(body), flags, problems, where)
        return Info(True, (), (), EMPTY, False)
    if op is C.GROUPREF:
        return Info(False, (), (), ANY, True, ANY)  # a backreference: treat as unknown text
    if op is C.GROUPREF_EXISTS:
        return Info(True, (), (), ANY, True, ANY)
    # AT (anchors) and anything else that consumes nothing
    return Info(True, (), (), EMPTY, False)


def _show(chars: frozenset[str]) -> str:
    sample = sorted(chars)[:6]
    return "[" + "".join(repr(c)[1:-1] for c in sample) + ("…" if len(chars) > 6 else "") + "]"


def _guard(items: list[tuple[object, object]], flags: int) -> frozenset[str]:
    """Characters a leading negative lookbehind keeps the match from starting after."""
    if items and items[0][0] in (C.ASSERT_NOT, C.ASSERT):
        direction, body = items[0][1]  # type: ignore[misc]
        body = list(body)
        if direction == -1 and len(body) == 1:
            chars = _char_set(*body[0], flags)
            if chars is not None:
                return chars if items[0][0] is C.ASSERT_NOT else SAMPLE - chars
    return EMPTY


def _nullable(op: object, av: object, flags: int) -> bool:
    return _node_info(op, av, flags, [], "").nullable


def _never_fails(op: object, av: object, flags: int) -> bool:
    """A part that matches empty wherever it is tried (a lookaround or anchor may fail: it does not)."""
    if op in (C.ASSERT, C.ASSERT_NOT, C.AT):
        return False
    return _nullable(op, av, flags)


def _core_first(items: list[tuple[object, object]], flags: int) -> frozenset[str]:
    """The characters a match can start with, once leading optional repeats and lookarounds are skipped.

    A start inside a run that such a leading repeat skips fails at once when the run cannot hold
    these characters, so only they count as "later starts" for "overrun".
    """
    k = 0
    while k < len(items):
        op, av = items[k]
        if op in (C.ASSERT, C.ASSERT_NOT, C.AT):
            k += 1
            continue
        if op in (C.MAX_REPEAT, C.MIN_REPEAT, C.POSSESSIVE_REPEAT) and av[0] == 0:  # type: ignore[index]
            k += 1
            continue
        break
    return _seq_info(items[k:], flags, [], "").first if k < len(items) else EMPTY


def _starts_anchored(op: object, av: object, flags: int) -> bool:
    """``\\A``, or ``^`` without MULTILINE: what follows only ever matches at position 0."""
    return op is C.AT and (av is C.AT_BEGINNING_STRING or av is C.AT_BEGINNING and not flags & re.MULTILINE)


def _search_risks(items: list[tuple[object, object]], flags: int, first: frozenset[str]) -> list[str]:
    """The "restart" and "overrun" problems of a pattern used with search/finditer/sub/split."""
    guard = _guard(items, flags)
    out: list[str] = []

    def walk(seq: list[tuple[object, object]], at_start: bool, after_nullable: bool) -> None:
        nonlocal guard
        outer = guard
        if at_start:
            guard = guard | _guard(seq, flags)  # a branch's own leading lookbehind
        try:
            step(seq, at_start, after_nullable)
        finally:
            guard = outer

    def step(seq: list[tuple[object, object]], at_start: bool, after_nullable: bool) -> None:
        for idx, (op, av) in enumerate(seq):
            if _starts_anchored(op, av, flags):
                return
            rest_nullable = after_nullable and all(_never_fails(o, a, flags) for o, a in seq[idx + 1 :])
            if op in (C.MAX_REPEAT, C.MIN_REPEAT, C.POSSESSIVE_REPEAT):
                lo, hi, body = av  # type: ignore[misc]
                body = list(body)
                chars = _node_info(op, av, flags, [], "").chars
                if hi == MAXREPEAT and not rest_nullable and not chars <= guard:
                    # something after the run can fail, and a later start may sit inside the run
                    if at_start:
                        out.append(f"restart: a search that starts with a repeat over {_show(chars)}")
                    elif first & chars:
                        out.append(
                            f"overrun: a repeat over {_show(chars)} runs past later starts of the match"
                        )
                walk(body, at_start, rest_nullable)
            elif op is C.SUBPATTERN:
                walk(list(av[3]), at_start, rest_nullable)  # type: ignore[index]
            elif op is C.ATOMIC_GROUP:
                walk(list(av), at_start, rest_nullable)  # type: ignore[arg-type]
            elif op is C.BRANCH:
                for b in av[1]:  # type: ignore[index]
                    walk(list(b), at_start, rest_nullable)
            at_start = at_start and _nullable(op, av, flags)

    walk(items, True, True)
    return out


def audit(pattern: re.Pattern[str], *, anchored_use: bool = False) -> list[str]:
    """Every super-linear construct in `pattern` (see the module docstring); [] when it is linear."""
    tree = P.parse(pattern.pattern, pattern.flags)
    items = list(tree)
    flags = pattern.flags
    problems: list[str] = []
    info = _seq_info(items, flags, problems, "")
    if not anchored_use:
        problems.extend(_search_risks(items, flags, _core_first(items, flags) or info.first))
    return sorted(set(problems))


# --------------------------------------------------------------------------- collecting


_ANCHORED_METHODS = frozenset({"match", "fullmatch"})


def module_patterns(module: ModuleType) -> Iterator[tuple[str, re.Pattern[str], bool]]:
    """(name, pattern, used only anchored) for each module-level pattern and each ``re.f("literal")`` call."""
    source = inspect.getsource(module)
    for name, value in vars(module).items():
        if isinstance(value, re.Pattern):
            uses = set(re.findall(rf"\b{re.escape(name)}\.(\w+)\(", source))
            passed = re.search(rf"\b{re.escape(name)}\b(?!\.\w+\(|\s*=)", source) is not None
            anchored = bool(uses) and uses <= _ANCHORED_METHODS and not passed
            yield f"{module.__name__}.{name}", value, anchored
    for node in ast.walk(ast.parse(source)):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and isinstance(node.func.value, ast.Name)
            and node.func.value.id == "re"
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            method = node.func.attr
            if method in ("escape", "compile"):
                continue  # compiled patterns are checked by name above
            flags = 0
            for kw in node.keywords:
                if kw.arg == "flags" and isinstance(kw.value, ast.Attribute):
                    flags |= getattr(re, kw.value.attr)
            if len(node.args) > 1 and isinstance(node.args[-1], ast.Attribute) and method == "compile":
                flags |= getattr(re, node.args[-1].attr, 0)
            try:
                compiled = re.compile(node.args[0].value, flags)
            except re.error:
                continue
            yield (
                f"{module.__name__}:{node.lineno} re.{method}",
                compiled,
                method in _ANCHORED_METHODS,
            )


def audit_modules(modules: Iterable[ModuleType]) -> dict[str, list[str]]:
    """Problems per pattern name, for every pattern in `modules` that has any."""
    out: dict[str, list[str]] = {}
    for module in modules:
        for name, pattern, anchored in module_patterns(module):
            problems = audit(pattern, anchored_use=anchored)
            if problems:
                out[name] = problems
    return out


if __name__ == "__main__":  # pragma: no cover - a report for humans
    import importlib

    mods = [importlib.import_module(m) for m in sys.argv[1:]]
    for pname, probs in audit_modules(mods).items():
        print(pname)
        for p in probs:
            print("   ", p)
