"""Concept cards (front = term or problem, back = definition or answer) from a sentence or list item.

A unit of text (a list item's text, or one sentence of a paragraph) goes through
`CONCEPT_RULES` in order; the first rule that recognises its shape decides (True), whether or
not its pair then becomes a card.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from quiz.notes.blocks import Block
from quiz.notes.context import Context
from quiz.notes.rules.answers import is_term_only
from quiz.notes.rules.command_line import ACTION_ZH_RE
from quiz.notes.rules.definitions import dash_split, find_def, gloss_split, link_only, subject_ok
from quiz.notes.text import has_cjk, is_cjk, join_lines, strip_code

CONCEPT_MIN = 4  # a unit shorter than this is no concept
QUESTION_MAX = 60  # "X 是否…，是…": the question part at most this long
PREDICATE_SPLIT_MAX = 14  # in a definition list, a term ends before this position at the latest
_QUESTION_MARKS = (
    "是否",
    "吗",
    "为什么",
    "为何",
    "如何",
    "怎么",
    "怎样",
    "什么",
    "哪些",
    "哪个",
    "多少",
    "能否",
    "可否",
)
_CLAUSE_RE = re.compile(r"[，,？?]")
_ANSWER_LEAD_RE = re.compile(r"^(?:是|答[:：]|因为|because)\s*")
# Possessive white space (``\s*+``) after a separator: the engine never re-splits a run of spaces
# between it and what follows.  `concept` strips its text first, so nothing is lost (a tail of
# only white space, the one case where giving a space back would matter, cannot occur).
_COND_RE = re.compile(r"^((?:如果|假如|若是|倘若|要是)[^，,。；]{1,60})[，,]\s*+(.+)$")
_COND_EN_RE = re.compile(r"^((?:If|When|Whenever)\s[^,.;]{2,80}),\s*+(.+)$")
_PURPOSE_RE = re.compile(r"^((?:为了|为)[^，,。；]{2,40})[，,]\s*+([^。；;]+)[。]?$")
_PURPOSE_EN_RE = re.compile(r"^((?:To|In order to)\s[^,.;]{2,80}),\s*+([^.;]+)\.?$")
_TERM_MARKUP_RE = re.compile(r"^(\*\*[^*]{1,40}\*\*|__[^_]{1,40}__|`[^`]{1,40}`)\s*+(.*)$")
_TERM_SEP_RE = re.compile(r"\s*[:：—–-]")
_TERM_SEP_STRIP_RE = re.compile(r"^\s*[:：—–-]+\s*")
_URL_ONLY_RE = re.compile(r"<?https?://\S+?>?\s*[.。]?")
_PREDICATES = (
    "通过 用于 用来 负责 提供 包含 包括 能够 可以 允许 支持 代表 表示 由 会 将 把 让 为 对 与 和 "
    "在 从 使用 管理 运行 存储 保存 定义 描述 指向 记录 控制 决定"
).split()

ConceptRule = Callable[[Context, str, int, bool, bool], bool]


def question_sentence(ctx: Context, unit: str, lineno: int, item: bool, deflist: bool) -> bool:
    """``Docker 是否免费？是，社区版免费`` → question/answer; not ``Docker 免费，开源`` (no question)."""
    clause_m = _CLAUSE_RE.search(strip_code(unit))  # ("`[abc]?`" holds no question mark)
    if not clause_m:
        return False
    q, a = unit[: clause_m.start()], unit[clause_m.end() :].strip()
    asks = clause_m.group(0) in "？?" or any(w in q for w in _QUESTION_MARKS)
    if asks and has_cjk(q) or clause_m.group(0) == "?" and not has_cjk(q) and len(q.split()) >= 3:
        a = _ANSWER_LEAD_RE.sub("", a).rstrip("。.")
        if len(a) >= 2 and len(q) <= QUESTION_MAX:
            front = q + ("？" if has_cjk(q) else "?") if clause_m.group(0) in "？?" else q
            ctx.propose("concept", front, a, lineno, q, "question_sentence")
            return True
    return False


def condition(ctx: Context, unit: str, lineno: int, item: bool, deflist: bool) -> bool:
    """List item ``如果端口被占用，换一个端口`` → condition/consequence; not a paragraph sentence."""
    m = (_COND_RE.match(unit) or _COND_EN_RE.match(unit)) if item else None
    if not m:
        return False
    ctx.propose(
        "concept", m.group(1).strip(), m.group(2).strip().rstrip("。."), lineno, m.group(1), "condition"
    )
    return True


def purpose(ctx: Context, unit: str, lineno: int, item: bool, deflist: bool) -> bool:
    """List item ``为了安全，不要用 root`` → "为什么不要用 root？"; not a paragraph sentence."""
    m = (_PURPOSE_RE.match(unit) or _PURPOSE_EN_RE.match(unit)) if item else None
    if not m or len(m.group(2)) < 4:
        return False
    main = m.group(2).strip().rstrip("。.")
    front = f"为什么{main}？" if has_cjk(main) else f"Why: {main}?"
    ctx.propose("concept", front, m.group(1).strip(), lineno, main, "purpose")
    return True


def marked_term(ctx: Context, unit: str, lineno: int, item: bool, deflist: bool) -> bool:
    """List item ``**镜像** — 只读模板`` → 镜像; not ``**镜像**很重要`` (no separator)."""
    tm = _TERM_MARKUP_RE.match(unit) if item else None
    if not tm or not _TERM_SEP_RE.match(tm.group(2)):
        return False
    rest = _TERM_SEP_STRIP_RE.sub("", tm.group(2)).strip()
    if not rest:
        return False
    ctx.propose("concept", tm.group(1), rest, lineno, tm.group(1), "marked_term")
    return True


def definition(ctx: Context, unit: str, lineno: int, item: bool, deflist: bool) -> bool:
    """``镜像是只读的模板`` / ``A container is a process`` → term/definition; not ``这是…`` (pronoun)."""
    found = find_def(unit) or after_label(unit)
    if not found:
        return False
    subject, _, rest = found
    second = contrast(rest)
    if second:
        rest = rest[: second[0]]
    rest = _trim_end(rest)
    if len(rest) < 2 or _URL_ONLY_RE.fullmatch(rest):
        return False
    ctx.propose("concept", subject, rest, lineno, subject, "definition")
    if second:
        term, other = second[1], _trim_end(second[2])
        if len(other) >= 2:
            ctx.propose("concept", term, other, lineno, term, "definition")
    return True


def _trim_end(rest: str) -> str:
    rest = rest.strip().rstrip("。，,；;")
    if rest.endswith(".") and not rest.endswith(".."):
        rest = rest[:-1]
    return rest


_CONTRAST_RE = re.compile(r"[，,；;]\s*(?:而|但|whereas\s|while\s)")
CONTRAST_SECOND_MAX = 120  # the second definition of "X 是 A，而 Y 是 B" at most this long


def contrast(rest: str) -> tuple[int, str, str] | None:
    """``A，而输出重定向是 B`` → (where A ends, 输出重定向, B); not ``A，而一个容器其实是 B`` (no term)."""
    m = _CONTRAST_RE.search(strip_code(rest))
    if not m:
        return None
    tail = rest[m.end() :].lstrip()
    first = _CLAUSE_END_RE.search(tail)
    clause = tail[: first.start()] if first else tail
    if len(clause) > CONTRAST_SECOND_MAX:
        return None
    found = find_def(clause, allow_colon=False)
    if not found or found[1] == "front":
        return None
    return m.start(), found[0], found[2]


_CLAUSE_END_RE = re.compile(r"[。；;]|\.\s")
_LABEL_SPLIT_RE = re.compile(r"：|:(?![:/])")
LABEL_PREFIX_MAX = 20  # "对 xargs 的理解: xargs 是…": the label before the colon at most this long


def after_label(unit: str) -> tuple[str, str, str] | None:
    """``对 xargs 的理解: xargs 是一个命令`` → the definition after the label; not ``xargs: 一个命令``."""
    m = _LABEL_SPLIT_RE.search(strip_code(unit))
    if not m or m.start() > LABEL_PREFIX_MAX or subject_ok(unit[: m.start()], gloss_commas=True):
        return None
    found = find_def(unit[m.end() :].strip(), allow_colon=False)
    return found if found and found[1] != "front" else None


def predicate_split(ctx: Context, unit: str, lineno: int, item: bool, deflist: bool) -> bool:
    """In a definition list, ``卷用于持久化数据`` → 卷/用于…; not outside such a list."""
    if not (item and deflist) or _LABEL_SPLIT_RE.search(strip_code(unit)):
        return False  # (with a colon, the term is what precedes it: no split elsewhere)
    for i in range(2, min(len(unit), PREDICATE_SPLIT_MAX)):
        if not is_cjk(unit[i]):
            continue
        word = next((p for p in _PREDICATES if unit.startswith(p, i)), None)
        if word and subject_ok(unit[:i]):
            ctx.propose(
                "concept",
                unit[:i].strip(),
                unit[i:].strip().rstrip("。"),
                lineno,
                unit[:i],
                "predicate_split",
            )
            return True
    return False


_LAST_CLAUSE_RE = re.compile(r"[，,；;][^，,；;]*$")


def drop_lead_in(ctx: Context, unit: str, lineno: int) -> str:
    """``X 是一个命令，常用的场景有:`` → ``X 是一个命令``; not ``下面是常用命令:`` (one clause).

    Only a definition is kept so: without one the unit stays a lead-in (ending in its colon).
    """
    m = _LAST_CLAUSE_RE.search(strip_code(unit))
    if not m or m.start() < CONCEPT_MIN:
        return unit
    head = unit[: m.start()].rstrip()
    found = find_def(head) or after_label(head)
    if found and found[1] != "front" or _under_heading(ctx, lineno) and subject_split(ctx.heading(), head):
        return head
    return unit


def _under_heading(ctx: Context, lineno: int) -> bool:
    """Whether `lineno` is right under the last heading (its first lines)."""
    return bool(ctx.topics) and lineno - ctx.topics[-1].line <= HEADING_SUBJECT_GAP


def dash_term(ctx: Context, unit: str, lineno: int, item: bool, deflist: bool) -> bool:
    """In a definition list, ``- Normal Mode - where you move around`` → term/definition; not alone."""
    found = dash_split(unit) if item and deflist else None
    if not found:
        return False
    ctx.propose("concept", found[0], found[1], lineno, found[0], "dash_term")
    return True


def gloss_term(ctx: Context, unit: str, lineno: int, item: bool, deflist: bool) -> bool:
    """In a definition list, ``- po (pods)`` → po / pods; not ``- 安装 (可选)`` alone."""
    found = gloss_split(unit) if item and deflist else None
    if not found:
        return False
    ctx.propose("concept", found[0], found[1], lineno, found[0], "gloss_term")
    return True


# "星号 `*` 代表…": a name, its symbol in code, then one of these verbs
_SYMBOL_VERBS = ("代表", "表示", "意为", "意味着", "指代", "stands for", "means", "matches")
_SYMBOL_TERM_RE = re.compile(r"^([^`]{1,16}?\s*`[^`]{1,20}`)\s*+(.+)$")


def symbol_term(ctx: Context, unit: str, lineno: int, item: bool, deflist: bool) -> bool:
    """List item ``星号 `*` 代表任意字符`` → 星号 `*`; not ``运行 `ls` 查看文件`` (no meaning verb)."""
    m = _SYMBOL_TERM_RE.match(unit) if item else None
    if not m or not m.group(2).startswith(_SYMBOL_VERBS) or not subject_ok(m.group(1)):
        return False
    ctx.propose(
        "concept", m.group(1).strip(), m.group(2).strip().rstrip("。."), lineno, m.group(1), "symbol_term"
    )
    return True


# predicates that say something of the heading's term ("和/与/在…" would start another phrase)
_SUBJECT_PREDICATES = tuple(p for p in _PREDICATES if p not in ("与", "和", "对", "在", "从"))
HEADING_SUBJECT_GAP = 2  # the sentence starts at most this many lines below its heading
HEADING_SUBJECT_WORDS = 4  # … and, in English, says at least this many words after the term
_HEADING_NUMBER_RE = re.compile(r"^(?:[\d.]{1,12}[、)]?|[一二三四五六七八九十]{1,4}[、.])\s*")


# "这是…" / "It is …" right under a term's heading: the sentence says what the term is
_PRONOUN_COPULA_RE = re.compile(r"这(?:个|就|也)?是|它(?:就|也)?是|(?:this|it) is\s|it's\s", re.I)


def heading_subject(ctx: Context, unit: str, lineno: int, item: bool, deflist: bool) -> bool:
    """``## 管道符`` then ``管道符可以连接两个命令。`` (or ``这是…``) → 管道符; not a sentence further
    down the section.  A bold term alone on its line (``**端口转发**``) heads its paragraph alike."""
    if item or not _under_heading(ctx, lineno):
        return False
    found = subject_split(ctx.heading(), unit)
    if not found:
        return False
    ctx.propose("concept", found[0], found[1], lineno, found[0], "heading_subject")
    return True


def bold_subject(ctx: Context, node: Block, nxt: Block | None) -> bool:
    """``**端口转发**`` alone, then ``端口转发可以将…`` → 端口转发 (a bold term heads its paragraph as a
    heading would, see `heading_subject`); not ``**注意**`` then a remark.  True when `nxt` answered it."""
    text = node.text.strip()
    if nxt is None or nxt.kind != "para" or "\n" in text or not is_term_only(text) or text[-1:] in ":：":
        return False
    units = sentences([(nxt.line + 1, nxt.text.split("\n")[0])])
    found = subject_split(text, units[0][1]) if units else None
    if not found:
        return False
    return ctx.propose("concept", found[0], found[1], nxt.line + 1, found[0], "heading_subject")


def subject_split(title: str, unit: str) -> tuple[str, str] | None:
    """(the term as the unit spells it, what the unit says of it) when the unit goes on about the
    term `title` (its heading): ``管道符可以…``, ``这是最简单的类型``, ``It is a protocol``; else None."""
    title = _HEADING_NUMBER_RE.sub("", title).strip().strip("*_`").strip()
    n = len(title)
    if n < 2 or not subject_ok(title):
        return None
    pronoun = _PRONOUN_COPULA_RE.match(unit)
    if pronoun and not ACTION_ZH_RE.match(title):  # (not "## 安装" then "这是推荐的方式")
        back = _trim_end(unit[pronoun.end() :])
        return (title, back) if len(back) >= 2 else None
    if unit[:n].casefold() != title.casefold():
        return None
    rest = unit[n:]
    if has_cjk(title):
        if not rest[:1] or not is_cjk(rest[0]) or not rest.startswith(_SUBJECT_PREDICATES):
            return None
    elif (
        not rest[:1].isspace() or not rest.strip()[:1].islower() or len(rest.split()) < HEADING_SUBJECT_WORDS
    ):
        return None  # "Bind mounts map …": a verb in lower case follows the term, then more words
    back = _trim_end(rest)
    return (unit[:n], back) if len(back) >= 2 else None


# The order in which a unit's concept rules are tried.
CONCEPT_RULES: tuple[ConceptRule, ...] = (
    question_sentence,
    condition,
    purpose,
    marked_term,
    symbol_term,
    definition,
    dash_term,
    gloss_term,
    heading_subject,
    predicate_split,
)


def concept(ctx: Context, unit: str, lineno: int, *, item: bool, deflist: bool) -> None:
    """A concept card from a unit of text, by the first of `CONCEPT_RULES` that recognises it."""
    unit = unit.strip()
    if link_only(unit):
        return  # a table of contents' entry
    if unit.endswith((":", "：")):
        unit = drop_lead_in(ctx, unit, lineno)
    if len(unit) < CONCEPT_MIN or unit.endswith((":", "：")):
        return  # too short, or a lead-in introducing what follows
    for rule in CONCEPT_RULES:
        if rule(ctx, unit, lineno, item, deflist):
            return


# --------------------------------------------------------------------------- paragraph-level rules

_SENT_SPLIT_RE = re.compile(r"(?<=[。！？!?])|(?<=\.)\s+(?=[A-Z\u4e00-\u9fff])")
_SENT_END_RE = re.compile(r"[。！？!?.]\s*$")
_SENT_MARK_RE = re.compile(r"[。！？!?.]")  # no split without one (a fast scan spares the lookbehinds)
QUESTION_SENTENCE_MAX = 80  # "什么是镜像？" then its answer: the question at most this long


_BACK_REFERENCE_RE = re.compile(r"^(?:They|It|它们?|其)(?:\s|'|’|[\u4e00-\u9fff])")


def sentences(lines: list[tuple[int, str]]) -> list[tuple[int, str]]:
    """(first line, sentence) for the sentences of a paragraph's lines, joined across soft wraps.

    A paragraph of nothing but links (a table of contents, a reading list) has none; a sentence
    that goes on about the term a definition just named (`follow_up`) joins that definition.
    """
    if link_only(join_lines([t for _, t in lines])):
        return []
    return follow_up(_split_sentences(lines))


def follow_up(units: list[tuple[int, str]]) -> list[tuple[int, str]]:
    """``Volumes are X. They are Y.`` → one unit; not ``Run X. It prints Y.`` (no definition first)."""
    out: list[tuple[int, str]] = []
    joined = False
    for lineno, unit in units:
        if (
            out
            and not joined
            and _BACK_REFERENCE_RE.match(unit)
            and not unit.rstrip().endswith(("?", "？"))
            and find_def(out[-1][1])
        ):
            out[-1] = (out[-1][0], join_lines([out[-1][1], unit]))
            joined = True
            continue
        out.append((lineno, unit))
        joined = False
    return out


def _split_sentences(lines: list[tuple[int, str]]) -> list[tuple[int, str]]:
    out: list[tuple[int, str]] = []
    buf: list[str] = []
    start = 0
    for lineno, text in lines:
        for piece in _SENT_SPLIT_RE.split(text) if _SENT_MARK_RE.search(text) else (text,):
            if not piece.strip():
                continue
            if not buf:
                start = lineno
            buf.append(piece)
            if _SENT_END_RE.search(piece):
                out.append((start, join_lines(buf)))
                buf = []
    if buf:
        out.append((start, join_lines(buf)))
    return out


def term_continuation(ctx: Context, lines: list[tuple[int, str]]) -> bool:
    """``- **Term**`` with its explanation on the next (lazy continuation) lines; not ``- **Term** text``."""
    if len(lines) < 2 or not is_term_only(lines[0][1]):
        return False
    back = join_lines([t for _, t in lines[1:]])
    ctx.propose("concept", lines[0][1], back, lines[1][0], lines[0][1], "term_continuation")
    return True


def question_then_answer(ctx: Context, sentence: str, answer: tuple[int, str] | None) -> bool:
    """``什么是镜像？只读的模板。`` → question/answer; not a question ending its paragraph."""
    if answer is None or not sentence.rstrip().endswith(("?", "？")):
        return False
    back = answer[1].strip().rstrip("。.")
    if not (2 <= len(sentence) <= QUESTION_SENTENCE_MAX and back) or back.endswith(("?", "？")):
        return False  # (a second question is no answer: "哪些类型？分别在哪些场景下使用？")
    ctx.propose("concept", sentence.strip(), back, answer[0], sentence, "question_then_answer")
    return True
