"""Labels: ``**原因**：…``, ``解决方案：`` then a paragraph, ``Solution: …``.

A label says what its text is *to the section above it* (the cause of the problem the heading
names, its solution, a tool's purpose); it is no term.  Its card asks with the section's name
and the label, ``删除大文件后磁盘空间没减少 › 原因``, and answers with the text, whether the text
follows the label on its line or in the next paragraph.  Asides (注意, 提示, Note, Tip, 例如 …)
are labels too but say nothing to ask about: no card (`quiz.notes.rules.definitions` keeps them
from being read as terms).
"""

from __future__ import annotations

import re

from quiz.notes.blocks import Block
from quiz.notes.context import Context
from quiz.notes.text import join_lines

# Labels whose text answers a question about the section: why, how to fix, what for, how it compares.
_CONTENT_LABEL_RE = re.compile(
    r"(?:根本)?原因|解决(?:方[案法]|办法|思路|步骤)?|处理(?:方[法式]|办法)|作用|用途|目的|特点|特性|"
    r"优点|缺点|优势|劣势|原理|区别|结论|现象|症状|"
    r"(?:root )?causes?|reasons?|solutions?|fix|workaround|purpose|advantages?|disadvantages?|pros|cons|"
    r"symptoms?|conclusion|why",
    re.I,
)
# "原因：…" once emphasis marks are gone; the text may be empty (then the next paragraph is it)
_LABEL_LINE_RE = re.compile(r"([^:：]{1,16})[:：](.*)", re.S)
# "3. ", "3.1 ", "一、", "（二）": a section number in front of a heading's title; not "2024 年"
_SECTION_NUMBER_RE = re.compile(
    r"(?:\d{1,3}(?:\.\d{1,3}){1,3}(?=\s)|\d{1,3}(?:\.\d{1,3}){0,3}\.|[一二三四五六七八九十]{1,3}[、.．]"
    r"|[（(][一二三四五六七八九十\d]{1,3}[)）])\s?"
)
LABEL_TEXT_MIN = 2  # a label's text has at least this many characters


def label_line(text: str) -> tuple[str, str] | None:
    """(label, its text) for ``**原因**：有进程占用`` / ``解决方案:`` (text ""); None for
    ``注意：小心`` (an aside) or ``Docker：一个容器引擎`` (a term)."""
    plain = text.replace("**", "").replace("__", "").strip()
    m = _LABEL_LINE_RE.fullmatch(plain)
    if m is None or not _CONTENT_LABEL_RE.fullmatch(m.group(1).strip()):
        return None
    return m.group(1).strip(), m.group(2).strip()


def _owner(ctx: Context, parents: list[str]) -> str:
    """What the label's text belongs to: the list item around it, else the heading (number dropped)."""
    owner = (parents[-1] if parents else ctx.heading()).strip()
    number = _SECTION_NUMBER_RE.match(owner)
    return owner[number.end() :].strip() if number and number.end() < len(owner) else owner


def _propose(ctx: Context, label: str, text: str, lineno: int, parents: list[str], why: str) -> bool:
    owner = _owner(ctx, parents)
    if not owner or len(text) < LABEL_TEXT_MIN:
        return False
    front = f"{owner} › {label}"
    return ctx.propose("concept", front, text, lineno, front, why)


def labelled_text(ctx: Context, unit: str, lineno: int, parents: list[str]) -> bool:
    """``**原因**：有进程占用了被删除的文件`` under ``## 磁盘空间没减少`` → "磁盘空间没减少 › 原因";
    not ``注意：这里要小心`` (an aside).  True when the unit is such a label line (it is then no
    concept of any other kind, card or not)."""
    found = label_line(unit)
    if found is None or not found[1]:
        return False
    _propose(ctx, found[0], found[1], lineno, parents, "labelled_text")
    return True


def label_answer(ctx: Context, node: Block, nxt: Block | None, parents: list[str]) -> bool:
    """``**原因：**`` alone, then the paragraph ``有进程占用了…`` → "heading › 原因"; not ``原因：``
    before a list or a code block.  True when `nxt` was used as the answer."""
    if nxt is None or nxt.kind != "para" or "\n" in node.text.strip():
        return False
    found = label_line(node.text)
    if found is None or found[1]:
        return False
    return _propose(ctx, found[0], join_lines(nxt.text.split("\n")), nxt.line + 1, parents, "label_answer")
