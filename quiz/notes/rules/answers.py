"""Concepts whose answer is a separate block: a heading or list item answered by what follows it."""

from __future__ import annotations

import re

from quiz.notes.blocks import Block
from quiz.notes.context import Context
from quiz.notes.rules.command_line import starts_with_command
from quiz.notes.rules.definitions import dash_split, find_def, gloss_split, subject_ok
from quiz.notes.rules.labels import label_line
from quiz.notes.text import join_lines, strip_code, strip_item_marks

TERM_ITEM_MAX_CJK = 12  # a term alone on a list item: at most this many CJK characters …
TERM_ITEM_MAX_WORDS = 4  # … or words
ITEM_ANSWERED_MAX = 160  # a list item longer than this is not a question or term to answer
HEADING_ANSWER_MIN = 4  # an answer to a problem heading has at least this many characters
_PROBLEM_WORDS = re.compile(
    r"错误|失败|报错|异常|问题|无法|不能|不了|出错|冲突|警告|怎么办|error|fail|cannot|can't|can not|"
    r"unable|not working|doesn't|does not|issue|problem|warning|exception|denied|refused|timeout|"
    r"how to|how do|why",
    re.I,
)
_TERM_ONLY_RE = re.compile(r"\*\*[^*]{1,40}\*\*[:：]?|__[^_]{1,40}__[:：]?|`[^`]{1,40}`[:：]?")
_TERM_STOP_RE = re.compile(r"[，,。；;！？!?：:（(“\"]|\.\s|\.$")
_HEADING_PROBLEM_RE = re.compile(
    _PROBLEM_WORDS.pattern + r"|[?？]\s*$|如何|怎样|为何|为什么|^(?:what|how|why|when|where)\b",
    re.I,
)
_GENERIC_SECTION_RE = re.compile(
    r"(?:常见|已知|其他|其它|一些|遇到的|相关|典型)?(?:的)?(?:问题|错误|报错|异常|故障|坑)"
    r"(?:汇总|总结|集锦|合集|列表|记录|排查|解决|处理|及解决(?:方法|方案|办法)?|与解决(?:方法|方案|办法)?)?"
    r"|(?:common|known|other|frequent|typical|possible)?\s*(?:issues|problems|errors|pitfalls|gotchas|"
    r"troubleshooting|faqs?)(?:\s+and\s+(?:solutions|fixes))?",
    re.I,
)


def is_term_only(text: str) -> bool:
    """``**Term**`` / `` `term`: `` alone: a marked-up term."""
    return _TERM_ONLY_RE.fullmatch(text) is not None


def term_item(head: str, ordered: bool, known: frozenset[str] | set[str]) -> bool:
    """A list item holding only a term (to be explained by what is nested under it)."""
    if _TERM_ONLY_RE.fullmatch(head.strip()):
        return True
    if ordered or head.rstrip().endswith((":", "：")) or _TERM_STOP_RE.search(strip_code(head)):
        return False
    if starts_with_command(head, known):
        return False
    return subject_ok(head, limit=TERM_ITEM_MAX_CJK) and len(head.split()) <= TERM_ITEM_MAX_WORDS


def item_answer(ctx: Context, head_text: str, answer: Block, ordered: bool) -> bool:
    """``- 死锁`` / ``  - 两个进程互相等待`` (or ``- 报错 X`` / ``  > 解决…``) → a concept;
    not a sub-list of several items.

    True when `answer` (the block after the item's text) was used as the back.
    """
    if len(head_text) > ITEM_ANSWERED_MAX:
        return False
    body = answer.children[0] if answer.kind in ("quote", "list") and answer.children else answer
    known = ctx.known
    if answer.kind == "list":
        # a term alone on its item, explained by a single sub-item
        item_body = body.children[0] if body.children else None
        if (
            len(answer.children) == 1
            and len(body.children) == 1
            and item_body is not None
            and item_body.kind == "para"
            and term_item(head_text, ordered, known)
            and not starts_with_command(item_body.text, known)
            and not find_def(item_body.text.split("\n")[0])
            and label_line(item_body.text) is None  # "原因：…" is asked as "item › 原因"
        ):
            back = join_lines(item_body.text.split("\n"))
            ctx.propose(
                "concept", strip_item_marks(head_text), back, item_body.line + 1, head_text, "term_sub_item"
            )
            return True
    elif body.kind == "para" and not starts_with_command(body.text, known) and label_line(body.text) is None:
        if answer.kind == "quote" or _PROBLEM_WORDS.search(head_text) or term_item(head_text, ordered, known):
            back = join_lines(body.text.split("\n"))
            front = strip_item_marks(head_text)
            ctx.propose("concept", front, back, body.line + 1, front, "item_answer")
            return True
    return False


# a paragraph that points at what follows it ("the following command", "如下")
_POINTS_AHEAD_RE = re.compile(
    r"\b(?:the following|as shown below|shown below|below)\b|如下|以下命令|下面的命令", re.I
)


def heading_problem(ctx: Context, title: str, head: Block, nxt: Block, siblings: list[Block], n: int) -> bool:
    """``### 端口被占用`` then the paragraph (or quote) answering it → a concept; not ``## 常见问题``."""
    if not _HEADING_PROBLEM_RE.search(title) or _GENERIC_SECTION_RE.match(strip_item_marks(title)):
        return False
    body = nxt.children[0] if nxt.kind == "quote" and nxt.children else nxt
    if body.kind != "para" or starts_with_command(body.text, ctx.known):
        return False
    for k in range(n + 1, len(siblings)):  # (an index, not a slice copied at every heading)
        later = siblings[k]
        if later.kind == "heading":
            if later.level > head.level:
                return False  # a section holding sub-sections, not a single problem
            break
    back = join_lines(body.text.split("\n"))
    if label_line(back) is not None:
        return False  # "**原因**：…": a label's text, asked as "heading › 原因" (`labelled_text`)
    if len(back) < HEADING_ANSWER_MIN or back.rstrip("*_ ").endswith((":", "：")) and nxt.kind != "quote":
        return False  # (a "**问题描述：**" label, or a lead-in, is no answer)
    if _POINTS_AHEAD_RE.search(back):
        return False  # "… run the following command": what answers it is the command below
    front = strip_item_marks(title)
    return ctx.propose("concept", front, back, body.line + 1, front, "heading_problem")


def definition_list(heads: list[str], known: frozenset[str] | set[str]) -> bool:
    """Whether at least two and at least half of a list's items are definitions (not commands)."""
    need = max(2, (len(heads) + 1) // 2)
    if need > len(heads):
        return False
    defs = 0
    for n, head in enumerate(heads):
        # The cheaper test first; stop as soon as the count is settled either way.
        first = head.split("\n")[0]
        if not starts_with_command(head, known) and (
            find_def(first) or dash_split(first) or gloss_split(first)
        ):
            defs += 1
            if defs >= need:
                return True
        elif defs + len(heads) - n - 1 < need:
            return False
    return False
