"""Segment: the note's markdown-it block tokens → a tree of blocks (paragraphs, list items,
block quotes, tables and their rows and cells, code blocks, headings), each with its first source
line and raw text; and the program words the note itself uses (`learn_commands`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from markdown_it import MarkdownIt

from quiz.notes.text import PROMPT_RE, code_spans, first_word, looks_like_program
from quiz.notes.words import PROSE_WORDS, SHELL_KEYWORDS

# Block structure only: the extractor reads each block's raw inline source, so the
# inline parse is switched off (it would cost as much again as the block parse), and with
# it text_join, which only tidies the inline children.  html_block never matches when
# "html" is off, yet would be tried at every line.  maxNesting is raised so that deeply
# nested lists are not cut off.
_MD = (
    MarkdownIt("commonmark", {"html": False, "maxNesting": 200})
    .enable("table")
    .disable(["inline", "text_join", "html_block"])
)
SHELL_LANGS = frozenset(
    "sh bash shell console zsh fish powershell ps ps1 pwsh cmd bat batch terminal shell-session "
    "shellsession".split()
)
_KINDS = {
    "bullet_list_open": "list",
    "ordered_list_open": "list",
    "list_item_open": "item",
    "blockquote_open": "quote",
    "paragraph_open": "para",
    "heading_open": "heading",
    "table_open": "table",
    "tr_open": "row",
    "th_open": "cell",
    "td_open": "cell",
}
_CLOSES = frozenset(t[: -len("open")] + "close" for t in _KINDS)


@dataclass(slots=True)
class Block:
    """A block of the note: its kind, first line, raw inline source, and the blocks inside it."""

    kind: str  # root, list, item, quote, para, code, heading, table, row, cell
    line: int = 0  # 0-based first line
    text: str = ""
    info: str = ""  # code: the fence info; list: "ordered" or "bullet"
    level: int = 0
    fenced: bool = False
    children: list[Block] = field(default_factory=list)


# Front matter: a first line "---" (YAML) or "+++" (TOML), "key: value" lines, a closing line.
FRONT_MATTER_MAX_LINES = 200  # a longer block at the top is not front matter
_FRONT_KEY_RE = re.compile(r"[\w-]+\s*[:=]")
_FENCE_OPEN_RE = re.compile(r" {0,3}(`{3,}|~{3,})")
# What is never the note's text: HTML comments, Hugo shortcodes ("{{< toc >}}", "{{% notice %}}"),
# Jekyll/Liquid tags ("{% raw %}"); (opening, closing) pairs, searched with str.find.
_HIDDEN_PAIRS = (("<!--", "-->"), ("{{<", ">}}"), ("{{%", "%}}"), ("{%", "%}"))
# A line that only asks the renderer for a table of contents: "[TOC]", "[[toc]]", "@[toc]", "{:toc}".
_TOC_LINE_RE = re.compile(r"\s*(?:@?\[\[?toc\]\]?|\$\{toc\}|\{:\s*\.?(?:no_)?toc\s*\})\s*", re.I)


def blank_front_matter(text: str) -> str:
    """``---\ntitle: x\n---\n# Note`` → the front matter's lines blanked (line numbers kept);
    not a note that starts with a rule followed by prose (``---\nSome text``)."""
    if not text.startswith(("---\n", "+++\n")):
        return text
    mark = text[:3]
    lines = text.split("\n", FRONT_MATTER_MAX_LINES + 1)
    first = next((ln for ln in lines[1:] if ln.strip()), "")
    if not _FRONT_KEY_RE.match(first):
        return text
    closers = (mark, "...") if mark == "---" else (mark,)
    for n in range(1, min(len(lines), FRONT_MATTER_MAX_LINES + 1)):
        if lines[n].rstrip() in closers:
            rest = lines[n + 1 :]
            return "\n" * n + ("\n" + "\n".join(rest) if rest else "")
    return text


def hide_markup(text: str) -> str:
    """HTML comments, shortcodes (``{{< toc >}}``, ``{% raw %}``) and ``[TOC]`` lines blanked outside
    code fences (line numbers kept), HTML headings and code read as Markdown's; not a ``{{path}}``
    placeholder nor a ``{{c1::cloze}}``."""
    if (
        "<!--" not in text
        and "{%" not in text
        and "{{" not in text
        and "toc" not in text
        and "TOC" not in text
        and "<h" not in text
        and "<code>" not in text
    ):
        return text
    lines = text.split("\n")
    fence = ""
    closing = ""  # the end of a hidden span still open from an earlier line
    for i, line in enumerate(lines):
        if fence:
            s = line.lstrip(" ")
            run = len(s) - len(s.lstrip(fence[0]))
            if len(line) - len(s) <= 3 and run >= len(fence) and not s[run:].strip():
                fence = ""
            continue
        if not closing:
            m = _FENCE_OPEN_RE.match(line)
            if m:
                fence = m.group(1)
                continue
        line, closing = _hide_spans(line, closing)
        if _TOC_LINE_RE.fullmatch(line):
            line = ""
        elif "<" in line:
            line = _html_as_markdown(line)
        lines[i] = line
    return "\n".join(lines)


# Notes converted from HTML keep some: "<h2>Key generation</h2>" on a line of its own, "<code>ssh</code>".
_HTML_HEADING_RE = re.compile(r" {0,3}<h([1-6])(?: [^<>]*)?>([^<>]+)</h\1>\s*", re.I)
_HTML_CODE_RE = re.compile(r"<code>([^<>`\n]{1,200})</code>")


def _html_as_markdown(line: str) -> str:
    """``<h2>Title</h2>`` → ``## Title``; ``<code>ls</code>`` → ls in a code span; other HTML as it is."""
    m = _HTML_HEADING_RE.fullmatch(line)
    if m:
        line = "#" * int(m.group(1)) + " " + m.group(2).strip()
    if "<code>" in line:
        line = _HTML_CODE_RE.sub(lambda c: "`" + c.group(1) + "`", line)
    return line


def _hide_spans(line: str, closing: str) -> tuple[str, str]:
    """`line` without its hidden spans; and the closing mark still awaited on a later line, or ""."""
    out: list[str] = []
    at = 0
    while True:
        if closing:
            end = line.find(closing, at)
            if end < 0:
                return "".join(out), closing
            at, closing = end + len(closing), ""
        starts = [(line.find(o, at), o, c) for o, c in _HIDDEN_PAIRS]
        found = [s for s in starts if s[0] >= 0]
        if not found:
            out.append(line[at:])
            return "".join(out), ""
        start, opener, closing = min(found, key=lambda s: (s[0], -len(s[1])))
        out.append(line[at:start])
        at = start + len(opener)


def block_tree(text: str, learn: list[Block] | None = None) -> Block:
    """The block tree of a note; `learn` collects the nodes `learn_commands` reads."""
    if learn is None:
        learn = []
    text = hide_markup(blank_front_matter(text))
    root = top = Block("root")
    stack = [root]
    kinds, closes = _KINDS, _CLOSES
    for tok in _MD.parse(text):
        nesting = tok.nesting
        if nesting == 1:
            kind = kinds.get(tok.type)
            if kind is None:
                continue  # thead/tbody: no node, and their close is skipped below
            node = Block(kind, tok.map[0] if tok.map else top.line)
            if kind == "heading":
                node.level = int(tok.tag[1:]) if tok.tag[1:].isdigit() else 1
            elif kind == "list":
                node.info = "ordered" if tok.type == "ordered_list_open" else "bullet"
            top.children.append(node)
            stack.append(node)
            top = node
        elif nesting == -1:
            if len(stack) > 1 and tok.type in closes:
                stack.pop()
                top = stack[-1]
        elif tok.type == "inline":
            content = top.text = tok.content
            if "`" in content and (top.kind == "para" or top.kind == "heading"):
                learn.append(top)
        elif tok.type == "fence" or tok.type == "code_block":
            fenced = tok.type == "fence"
            line = tok.map[0] if tok.map else top.line
            node = Block(
                "code", line=line + (1 if fenced else 0), text=tok.content, info=tok.info, fenced=fenced
            )
            top.children.append(node)
            if tok.info:
                learn.append(node)
    return root


def learn_commands(nodes: list[Block]) -> set[str]:
    """Program words the note uses first in inline code spans and in shell code blocks:
    ``$ gitk --all`` → gitk; not the first word of a ``# comment`` line."""
    words: set[str] = set()
    for node in nodes:
        if node.kind != "code":
            for _, _, content in code_spans(node.text):
                parts = PROMPT_RE.sub("", content).split()
                if len(parts) >= 2 and looks_like_program(parts[0]):
                    words.add(parts[0])
        elif first_word(node.info).lower() in SHELL_LANGS:
            for line in node.text.split("\n"):
                if line.lstrip().startswith("#"):
                    continue  # "# or", "# create a tag": a comment (a root prompt's program is built in)
                word = first_word(PROMPT_RE.sub("", line))
                if looks_like_program(word) and word not in SHELL_KEYWORDS and word not in PROSE_WORDS:
                    words.add(word)
    return words


TITLE_TABLE_MAX = 60  # characters of a one-cell header-only table read as a heading


def title_table(node: Block, source_line: str) -> str:
    """``Title |`` over ``---`` (a setext heading GFM reads as a one-cell table): the cell's text as a
    title (the pipe is table syntax, not part of it); else ""."""
    if node.kind != "table" or len(node.children) != 1 or len(node.children[0].children) != 1:
        return ""
    title = " ".join(node.children[0].children[0].text.split())
    return title if 0 < len(title) <= TITLE_TABLE_MAX and "|" in source_line else ""
