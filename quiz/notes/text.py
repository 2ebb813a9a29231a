"""Text helpers for note extraction: code spans, CJK, command scanning, descriptions.

Pure functions over one line or sentence of Markdown source; no knowledge of the
document structure (that lives in `quiz.notes.blocks` and the rules).
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left, bisect_right
from functools import lru_cache

from quiz.notes.words import AMBIGUOUS_COMMANDS, PROSE_WORDS

_CJK_RANGES = (
    (0x3400, 0x4DBF),
    (0x4E00, 0x9FFF),
    (0xF900, 0xFAFF),
    (0x20000, 0x2FA1F),
    (0x3040, 0x30FF),
    (0xAC00, 0xD7AF),
)
CJK_PUNCT = "，。；：！？、（）「」『』《》【】“”‘’…—"
OPENERS = {"[": "]", "<": ">", "{": "}"}
CLOSERS = {"]": "[", ">": "<", "}": "{"}

# A code span: a run of backticks, some text on the same line, and the next run of the same
# length.  CODE_SPAN_REFERENCE says it as a pattern, but it is never run: a backtracking search
# spends O(n) on every run that has no partner, so `_span_matches` pairs the runs itself (a test
# checks that both agree).
CODE_SPAN_REFERENCE = r"(?<!`)(`+)(?!`)(.+?)(?<!`)\1(?!`)"
_BACKTICKS_RE = re.compile(r"`+")
WORD_RE = re.compile(r"[A-Za-z][\w.+-]*")
_ALPHA_RE = re.compile(r"[A-Za-z]+")
_WORD_RUN_RE = re.compile(r"[A-Za-z0-9_]+")
PROMPT_RE = re.compile(r"^\s*[$#>%]\s+")


_CJK_CLASS = "".join(f"{chr(lo)}-{chr(hi)}" for lo, hi in _CJK_RANGES)
CJK_RE = re.compile(f"[{_CJK_CLASS}]")
_is_cjk_match = CJK_RE.match
CJK_RUN_RE = re.compile(CJK_RE.pattern + "+")
_CJK_RUN_MATCH = CJK_RUN_RE.match
_LATIN_RE = re.compile(r"[A-Za-z]")
_has_cjk_search = CJK_RE.search
_PROGRAM_RE = re.compile(r"[a-z][a-z0-9_.+-]*")
_CODEISH_REST_RE = re.compile(r"[=(:;,.]")
_TECHNICAL_ARG_RE = re.compile(r"[-/.=~$<\[{*|>]|\d")
_SENTENCE_STOP_RE = re.compile(r"[。；！？;!?]|\.(?:\s|$)")
_CLAUSE_STOP_RE = re.compile(r"[，,。；！？;!?（(]|\.(?:\s|$)")
_PAREN_RE = re.compile(r"(?<!\s)\s*+[（(][^（）()]*+[）)]\s*")
_SHORT_SPLIT_RE = re.compile(r"[，,。；;：:！？!?]\s*|\.\s")


def is_cjk(ch: str) -> bool:
    return _is_cjk_match(ch) is not None


def has_cjk(text: str) -> bool:
    return _has_cjk_search(text) is not None


def may_hold_command(text: str) -> bool:
    """Whether a command can be in `text` at all: a command is a code span or starts with a Latin
    program word, so a line of neither (all CJK prose) holds none."""
    return "`" in text or _LATIN_RE.search(text) is not None


@lru_cache(maxsize=8192)
def norm_key(text: str) -> str:
    """Normal form used for identity keys: NFKC, no code/emphasis marks, one space, casefolded."""
    text = unicodedata.normalize("NFKC", text)
    text = text.replace("`", "").replace("**", "").replace("__", "")
    return " ".join(text.split()).casefold()  # split() and re's \s agree on what white space is


_NO_SPANS: tuple[tuple[int, int, str], ...] = ()


def code_spans(line: str) -> tuple[tuple[int, int, str], ...]:
    """(start, end, content) of each inline code span in a line of Markdown."""
    if "`" not in line:
        return _NO_SPANS
    return _code_spans(line)


@lru_cache(maxsize=2048)
def _code_spans(line: str) -> tuple[tuple[int, int, str], ...]:
    out = []
    for start, end, content in _span_matches(line):
        if len(content) >= 2 and content.startswith(" ") and content.endswith(" ") and content.strip():
            content = content[1:-1]
        out.append((start, end, content))
    return tuple(out)


def _span_matches(line: str) -> list[tuple[int, int, str]]:
    """(start, end, text between the runs) of each match of CODE_SPAN_REFERENCE, in O(n log n).

    Each maximal run of backticks opens a span at the next run of the same length, when no
    newline comes between; the search resumes after the closing run.
    """
    if line.count("`") == 2:  # the usual line: one pair of single backticks, or none
        a = line.index("`")
        close = line.index("`", a + 1)
        if close == a + 1 or "\n" in line[a:close]:
            return []
        return [(a, close + 1, line[a + 1 : close])]
    runs = [m.span() for m in _BACKTICKS_RE.finditer(line)]
    same_length: dict[int, list[int]] = {}
    for k, (a, b) in enumerate(runs):
        same_length.setdefault(b - a, []).append(k)
    newlines = [m.start() for m in re.finditer("\n", line)]
    out: list[tuple[int, int, str]] = []
    resume = 0
    for k, (a, b) in enumerate(runs):
        if a < resume:
            continue
        partners = same_length[b - a]
        nxt = bisect_right(partners, k)
        if nxt == len(partners):
            continue
        close_start, close_end = runs[partners[nxt]]
        nl = bisect_left(newlines, b)
        if nl < len(newlines) and newlines[nl] < close_start:
            continue
        out.append((a, close_end, line[b:close_start]))
        resume = close_end
    return out


def strip_code(line: str) -> str:
    """The line with code spans blanked out (same length), for searching prose only."""
    if "`" not in line:
        return line
    return _strip_code(line)


@lru_cache(maxsize=2048)
def _strip_code(line: str) -> str:
    chars = list(line)
    for start, end, _ in code_spans(line):
        for i in range(start, end):
            chars[i] = " "
    return "".join(chars)


def join_lines(lines: list[str]) -> str:
    """Join soft-wrapped lines: no space between two CJK characters, else one space."""
    out: list[str] = []
    for line in lines:
        line = line.strip()
        if not line:
            continue
        if out and not (is_cjk(out[-1][-1]) and is_cjk(line[0])):
            out.append(" ")
        out.append(line)
    return "".join(out)


def first_word(text: str) -> str:
    parts = text.split()
    return parts[0] if parts else ""


def looks_like_program(word: str) -> bool:
    return len(word) >= 2 and _PROGRAM_RE.fullmatch(word) is not None


def is_command_word(word: str, known: frozenset[str] | set[str]) -> bool:
    if word in known:
        return True
    head = word.split("-")[0]
    return "-" in word and len(head) >= 2 and head in known and looks_like_program(word)


def code_is_command(content: str, known: frozenset[str] | set[str]) -> bool:
    """Whether an inline code span holds a shell command rather than a name or a value."""
    content = PROMPT_RE.sub("", content, count=1) if content.lstrip().startswith("$ ") else content
    word = first_word(content)
    if not word:
        return False
    if is_command_word(word, known):
        return True
    rest = content[len(content) - len(content.lstrip()) + len(word) :].strip()
    if not rest or not looks_like_program(word):
        return False
    # `x = 1`, `f(x)`, `a.b()` are code, not commands
    return not _CODEISH_REST_RE.match(rest) and "(" not in word


PLACEHOLDER_MIN, PLACEHOLDER_MAX = 2, 4  # CJK characters of an argument placeholder
PLACEHOLDER_TAILS = ("名", "号", "名称", "路径", "地址")  # ``容器名`` / ``源路径`` / ``节点名称``
PLACEHOLDER_NOT_HEADS = ("当前", "所有", "全部")  # ``当前路径``: describes, does not stand for an argument


def is_placeholder(run: str) -> bool:
    """Whether a CJK run stands for an argument: ``容器名``, ``目标路径``; not ``当前路径``, ``查看日志``."""
    return (
        PLACEHOLDER_MIN <= len(run) <= PLACEHOLDER_MAX
        and run.endswith(PLACEHOLDER_TAILS)
        and not run.startswith(PLACEHOLDER_NOT_HEADS)
    )


def _prev_nonspace(text: str, i: int) -> str:
    return text[i - 1] if i > 0 else ""


def scan_command(text: str, start: int, known: frozenset[str] | set[str]) -> tuple[str, int, str] | None:
    """Read a bare command whose program word begins at `start`.

    Returns (command, end, stop) where stop says why it ended: "end" (end of text),
    "cjk" (CJK prose resumed), "sep" (a separator such as " - " or ": "),
    "punct" (sentence punctuation) or "prose" (an English function word).
    None when there is no command there.
    """
    m = WORD_RE.match(text, start)
    if not m or not is_command_word(m.group(0), known):
        return None
    word = m.group(0)
    if start > 0 and (
        text[start - 1].isalnum() and not is_cjk(text[start - 1]) or text[start - 1] in "-_/.`"
    ):
        return None
    n = len(text)
    i = m.end()
    if i < n and is_cjk(text[i]):
        return None  # "git在…": the word is used as a noun in prose
    good = i
    depth: list[str] = []
    stop = "end"
    while i < n:
        ch = text[i]
        if depth:
            if ch in OPENERS:
                depth.append(ch)
            elif ch in CLOSERS and depth[-1] == CLOSERS[ch]:
                depth.pop()
            i += 1
            if not depth:
                good = i
            continue
        if ch.isspace():
            i += 1
            continue
        if is_cjk(ch):
            j = _CJK_RUN_MATCH(text, i).end()  # (matches: text[i] is CJK)
            prev = _prev_nonspace(text, i)
            attached = prev and not prev.isspace() and not prev.isalnum() and prev not in CJK_PUNCT
            follower = text[j] if j < n else ""
            dotted = follower in "._-:" and j + 1 < n and text[j + 1].isalnum()
            # "kill -9 进程号 …": a short CJK placeholder (…名/…号) standing for an argument
            placeholder = (
                i > start + len(word)
                and is_placeholder(text[i:j])
                and (j >= n or text[j].isspace() or text[j] in CJK_PUNCT or text[j] in ",.;:")
            )
            if attached or follower in ("[", "<", "{", "=", "/") or dotted or placeholder:
                i = j
                good = i
                continue
            stop = "cjk"
            break
        if ch in CJK_PUNCT:
            stop = "cjk"
            break
        if ch in ".,;!?:" and (i + 1 >= n or text[i + 1].isspace()):
            if text.startswith("...", i - 2) or text.startswith("...", i):
                i += 1
                good = i
                continue
            stop = "sep" if ch == ":" else "punct"
            break
        if ch in "=-" and text.startswith(">", i + 1) and _prev_nonspace(text, i).isspace():
            stop = "sep"  # "git config -l  => 列出配置", "git log -> 查看历史": an arrow, not an argument
            break
        if ch in "#—–→" or (
            ch == "-" and i + 1 < n and text[i + 1].isspace() and _prev_nonspace(text, i).isspace()
        ):
            stop = "sep"
            break
        if ch == "(" and _prev_nonspace(text, i).isspace():
            stop = "punct"
            break
        if ch == "`":
            stop = "punct"
            break
        if ch in OPENERS:
            depth.append(ch)
            i += 1
            continue
        w = _ALPHA_RE.match(text, i)
        if w and (i == 0 or text[i - 1].isspace()):
            token_end = i + len(w.group(0))
            if w.group(0).lower() in PROSE_WORDS and (token_end >= n or text[token_end].isspace()):
                stop = "prose"
                break
        # A run of ASCII letters, digits and "_" holds nothing the loop stops at: step over it whole.
        run = _WORD_RUN_RE.match(text, i)
        i = run.end() if run else i + 1
        good = i
    cmd = text[start:good].strip().rstrip("。.,，;；:：")
    if not cmd:
        return None
    args = cmd.split()[1:]
    if not args and stop != "end":
        return None  # a lone program word followed by prose is a mention, not a command
    if word in AMBIGUOUS_COMMANDS:
        technical = any(_TECHNICAL_ARG_RE.search(a) for a in args)
        if not technical:
            return None
    return cmd, good, stop


SEP_RE = re.compile(r"^\s*(?:->|=>|[-—–:：→|]+|#)\s*")
USE_LEAD_RE = re.compile(
    r"^\s*(?:来|以|可以|可|能|去|用来|用于|用以|就能|就可以|便可|即可|to|in order to)\s*"
)


# "可以丢弃…" / "can list…": the modal before a command's description says nothing
DESC_LEAD_RE = re.compile(
    r"^(?:可以用来|可以用于|可用来|可用于|是用来|是用于|用来|用于|用以|可以|能够|就能|就可以|"
    r"(?:is|are|can be) used to\s|used to\s|lets you\s|allows you to\s|can\s)\s*"
)


def clean_desc(text: str, *, use_lead: bool = False) -> str:
    """A command's description: separators and trailing punctuation removed, first sentence only."""
    text = SEP_RE.sub("", text, count=1)
    if use_lead:
        text = USE_LEAD_RE.sub("", text, count=1)
    text = first_sentence(text)
    return text.strip().rstrip("。.,，;；:：!！、 ").strip()


def first_sentence(text: str) -> str:
    m = _SENTENCE_STOP_RE.search(text)
    return text[: m.start()] if m else text


def first_clause(text: str) -> str:
    m = _CLAUSE_STOP_RE.search(text)
    return text[: m.start()] if m else text


def shorten(text: str, limit: int = 40) -> str:
    """A short label from a list item's text: first clause, no parenthetical, at most `limit` chars."""
    if "(" in text or "（" in text:
        text = _PAREN_RE.sub(" ", text).strip() or text
    clause = _SHORT_SPLIT_RE.split(text, maxsplit=1)[0].strip()
    clause = clause or text.strip()
    if len(clause) > limit:
        clause = clause[: limit - 1].rstrip() + "…"
    return clause.rstrip("。.，,;；:： ")


def strip_item_marks(text: str) -> str:
    return text.strip().rstrip("。.，,;；:： ").strip()
