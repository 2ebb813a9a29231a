"""Lead-ins: text introducing the command that follows (``- does X:`` then `` `cmd` ``, the tldr layout)."""

from __future__ import annotations

import re

from quiz.notes.blocks import Block
from quiz.notes.context import Context
from quiz.notes.shaping import bare, strip_tldr_mnemonics
from quiz.notes.text import PROMPT_RE, clean_desc, code_is_command, code_spans, first_word, looks_like_program

LEAD_IN_MAX = 120  # a paragraph's last line ending in a colon is a lead-in up to this many characters
# "Run the following:" / "执行以下命令：" say nothing: the heading or item describes instead
GENERIC_LEAD_RE = re.compile(
    r"(?:(?:then\s+)?(?:run|use|try|execute|type|enter|do)\s+)?(?:the\s+)?(?:following|below|these|this)"
    r"(?:\s+(?:commands?|steps?|lines?))?|(?:执行|运行|输入|使用|用)?(?:以下|如下|下面)(?:的)?(?:命令|指令|步骤|操作)?"
    r"|(?:命令|指令|command|commands)(?:如下)?",
    re.I,
)
_CODE_LIKE_RE = re.compile(r"^\S+\s*[=(:;,{]|[(){};]\s*$")


def lead_text(item: Block) -> str | None:
    """A list item that is one line ending in a colon (``- does X:``): that text, without the colon."""
    if len(item.children) != 1 or item.children[0].kind != "para":
        return None
    text = item.children[0].text.strip()
    if "\n" in text or not text.endswith((":", "：")):
        return None
    return clean_desc(text) or None


def lead_in(prev: Block | None) -> str:
    """The text introducing a command paragraph: ``- does X:`` (tldr) or a paragraph ending in a colon."""
    if prev is None:
        return ""
    if prev.kind == "list" and prev.children:
        return lead_text(prev.children[-1]) or ""
    if prev.kind == "para":
        last = prev.text.rstrip().rsplit("\n", 1)[-1].strip()
        if last.endswith((":", "：")) and len(last) <= LEAD_IN_MAX:
            desc = clean_desc(last)
            return "" if GENERIC_LEAD_RE.fullmatch(desc) else desc
    return ""


def lone_command_text(node: Block, known: frozenset[str] | set[str]) -> str | None:
    """The command when a paragraph is nothing but one command (a code span or a ``$`` line)."""
    text = node.text.strip()
    if not text or "\n" in text:
        return None
    if text.startswith("$ "):
        return text[2:].strip() or None
    spans = code_spans(text)
    if len(spans) != 1 or spans[0][0] != 0 or spans[0][1] != len(text):
        return None
    content = spans[0][2].strip()
    word = first_word(PROMPT_RE.sub("", content, count=1) if content.startswith("$ ") else content)
    if code_is_command(content, known) or (looks_like_program(word) and not _CODE_LIKE_RE.search(content)):
        return bare(content)
    return None


def lone_command(ctx: Context, node: Block, lead: str, parents: list[str]) -> bool:
    """``- list files:`` then a paragraph `` `ls -la` `` → ls -la; not a paragraph of prose after it."""
    cmd = lone_command_text(node, ctx.known)
    if cmd is None:
        return False
    ctx.propose_command(cmd, strip_tldr_mnemonics(lead), parents, node.line + 1, "lead_in_command")
    return True
