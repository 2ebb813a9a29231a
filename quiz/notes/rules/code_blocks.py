"""Code blocks of commands: shell (or no language, or a command language such as SQL or vim).

A block is read line by line into comments, command lines and the rest (output, demo lines).
Commands are described, best first, by: their own comment (trailing ``cmd   # 描述``, a glued
``cmd 描述``, a key column ``\\l   列出…``, or a comment indented below them); the comment above
their group (``# 更新镜像`` / ``// …`` / ``-- …`` / ``" …`` / ``echo "备份数据库"``); else the text
before the block (a paragraph line, a numbered step, the list item the block sits in), and the
heading only for a block of one command right under it.  A group (command lines with no blank
line or comment between them) under one description is ONE card whose back is its lines, one
per line.  A command with no description anywhere makes no card (skipped: no_description).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from quiz.notes.blocks import SHELL_LANGS, Block
from quiz.notes.context import Context
from quiz.notes.rules.code_lines import COLON_TAIL_RE, CONFIG_LINE_RE, Group, Line, read_block
from quiz.notes.rules.command_line import starts_with_command
from quiz.notes.rules.lead_in import GENERIC_LEAD_RE, lead_text
from quiz.notes.rules.options import propose_option
from quiz.notes.text import clean_desc, first_word
from quiz.notes.words import SHELL_KEYWORDS

PLAIN_LANGS = frozenset(("text", "txt", "plain", "plaintext"))  # read like a block without a language
# Languages whose every statement is a command to learn (not a program's source).
# (not vim: a ```` ```vim ```` block is a .vimrc, configuration)
COMMAND_LANGS = frozenset(
    "sql mysql psql pgsql plpgsql postgres postgresql sqlite sqlite3 tsql plsql redis".split()
)
VIM_LANGS = frozenset(("vim", "viml", "vimscript"))  # ``" comment``
# a numbered step before the description: "2. ", "（3）", "(3)", "第3步：", "Step 3:", "3、"
_STEP_RE = re.compile(
    r"^\s*(?:\d{1,3}[.、)]\s*|[（(]\d{1,3}[)）]\s*|第\s*\d{1,3}\s*步[:：]?\s*|step\s+\d{1,3}[:.]?\s+)", re.I
)
# "or" between two blocks: the second one does what the first does
_ALTERNATIVE_RE = re.compile(
    r"^(?:or|or:|alternatively[:,]?|或|或者|或者[:：]|也可以|也可以[:：]|或[:：])$", re.I
)


def code_block(
    ctx: Context,
    node: Block,
    parents: list[str],
    prev: Block | None,
    siblings: list[Block] | None = None,
    n: int = -1,
) -> None:
    """```` ```sh\n# 列出文件\nls -la\n``` ```` → ls -la; not a ```` ```python ```` block.

    The command-like lines of a block in another language are listed as skipped ("example").
    """
    lang = first_word(node.info).lower()
    shell = lang in SHELL_LANGS
    command_lang = lang in COMMAND_LANGS
    if _foreign(lang) and lang not in ctx.command_tags:
        _skip_example_block(ctx, node)
        return
    nxt = siblings[n + 1] if siblings is not None and 0 <= n < len(siblings) - 1 else None
    if prev is not None and prev.kind == "para" and _ALTERNATIVE_RE.fullmatch(prev.text.strip()):
        block_desc = ctx.code_desc  # "or" between two blocks: the same description
    elif ctx.desc_after:
        # the paragraph after the block describes it; the one before described the block before that
        block_desc = _after_desc(nxt, ctx.known)
        if not block_desc and not (siblings is not None and n >= 2 and siblings[n - 2].kind == "code"):
            block_desc = _block_desc(prev)
    else:
        block_desc = _block_desc(prev)
    groups = read_block(node, ctx.known, shell=shell, command_lang=command_lang, vim=lang in VIM_LANGS)
    ctx.code_desc = block_desc
    alone = siblings is not None and _alone_in_section(siblings, n)
    _propose_groups(ctx, groups, block_desc, parents, alone)


def _foreign(lang: str) -> bool:
    """A block language that is neither a shell's, a command language, nor plain text."""
    return bool(lang) and lang not in SHELL_LANGS and lang not in COMMAND_LANGS and lang not in PLAIN_LANGS


def _code_blocks(root: Block) -> Iterator[tuple[list[Block], int]]:
    """Every code block of the tree, as (its siblings, its index among them)."""
    stack = [root]
    while stack:
        kids = stack.pop().children
        for n, child in enumerate(kids):
            if child.kind == "code":
                yield kids, n
            elif child.children:
                stack.append(child)


AFTER_STYLE_MIN = 2  # blocks described by the paragraph after them that make a note of that style
AFTER_DESC_MAX = 120  # characters of such a description (a longer paragraph explains, it does not name)


def descriptions_follow_blocks(root: Block) -> bool:
    """Whether the note describes its code blocks in the paragraph after them (a heading, the
    block, then ``Deletes images.``: devhints' style) rather than in the text before them
    (``删除镜像：`` then the block).  Counted over the note: a block right under a heading or
    another block with a short paragraph after it, against a block after a paragraph with no
    paragraph after it (or after a lead-in ending in a colon)."""
    after = before = 0
    for kids, n in _code_blocks(root):
        prev = kids[n - 1] if n else None
        nxt = kids[n + 1] if n + 1 < len(kids) else None
        if prev is not None and prev.kind == "para":
            if prev.text.rstrip().endswith((":", "：")) or nxt is None or nxt.kind != "para":
                before += 1
        elif _after_desc(nxt, frozenset()):
            after += 1
    return after >= AFTER_STYLE_MIN and after > before


def _after_desc(nxt: Block | None, known: frozenset[str] | set[str]) -> str:
    """The paragraph after a block as its description: one short line that is no lead-in or command."""
    if nxt is None or nxt.kind != "para":
        return ""
    text = nxt.text.strip()
    if "\n" in text or len(text) > AFTER_DESC_MAX or text.endswith((":", "：")):
        return ""
    if known and starts_with_command(text, known):
        return ""
    return _desc_line(text)


COMMAND_TAG_MIN = 2  # blocks of commands a note must mark with a language to mean commands by it


def command_tags(root: Block, known: frozenset[str] | set[str]) -> frozenset[str]:
    """The languages a note marks blocks of commands with (```` ```yml ```` over ``docker build
    [options] .`` in a cheat sheet): every block of that language reads as commands, and there are
    at least COMMAND_TAG_MIN of them; not a language any block of which holds code or configuration."""
    counts: dict[str, int] = {}  # blocks of commands by language; -1: a block of code or config seen
    for kids, n in _code_blocks(root):
        lang = first_word(kids[n].info).lower()
        if _foreign(lang) and counts.get(lang, 0) >= 0:
            counts[lang] = counts.get(lang, 0) + 1 if reads_as_commands(kids[n].text, known) else -1
    return frozenset(lang for lang, n in counts.items() if n >= COMMAND_TAG_MIN)


def reads_as_commands(text: str, known: frozenset[str] | set[str]) -> bool:
    """A block marked as another language that holds nothing but commands, their option lines and
    comments (```` ```yml ```` over ``docker build [options] .``); not YAML, code or configuration."""
    commands = 0
    for line in text.split("\n"):
        s = line.strip()
        if not s or s.startswith("#"):
            continue
        if s.startswith("$ "):
            s = s[2:].lstrip()
        if CONFIG_LINE_RE.search(s):
            return False
        if first_word(s) in known and len(s.split()) >= 2 and first_word(s) not in SHELL_KEYWORDS:
            commands += 1
        elif not s.startswith("-"):
            return False
    return commands > 0


def _alone_in_section(siblings: list[Block], n: int) -> bool:
    """Whether the block at `n` is the only code block of its section (between two headings)."""
    for step in (-1, 1):
        j = n + step
        while 0 <= j < len(siblings) and siblings[j].kind != "heading":
            if siblings[j].kind == "code":
                return False
            j += step
        if step == -1 and j < 0:
            return False  # no heading above it
    return True


def _propose_groups(
    ctx: Context, groups: list[Group], block_desc: str, parents: list[str], alone: bool
) -> None:
    """Cards from a block's groups; undescribed ones take the block's description if they are one group."""
    undescribed: list[Group] = []
    for g in groups:
        own = [ln for ln in g.lines if ln.desc]
        rest = [ln for ln in g.lines if not ln.desc]
        if g.wrong:
            continue
        for ln in own:
            if ln.option_of:
                propose_option(ctx, ln.option_of, ln.text, ln.desc, parents, ln.lineno, "code_option")
            else:
                ctx.propose_command(ln.text, ln.desc, parents, ln.lineno, "code_block")
        if not rest:
            continue
        if g.desc:
            _propose_group(ctx, rest, g.desc, parents, "code_block")
        else:
            undescribed.append(Group("", rest))
    if not undescribed:
        return
    # the text before the block describes its first group (the rest: follow-ups, alternatives)
    lines = undescribed[0].lines
    if block_desc:
        _propose_group(ctx, lines, block_desc, parents, "code_block")
        undescribed = undescribed[1:]
    elif parents:
        _propose_group(ctx, lines, parents[-1], parents[:-1], "code_block")
        undescribed = undescribed[1:]
    elif alone and len(undescribed) == 1 and len(lines) == 1:
        _propose_group(ctx, lines, ctx.heading(), [], "code_block")  # a section of one command
        return
    for g in undescribed:
        for ln in g.lines:
            ctx.skip(ln.lineno, ln.text, "no_description")


def _propose_group(ctx: Context, lines: list[Line], desc: str, parents: list[str], why: str) -> None:
    """One card for a group: its lines joined one per line, at the line of the first."""
    back = "\n".join(ln.text for ln in lines)
    ctx.propose_command(back, desc, parents, lines[0].lineno, why)


def _block_desc(prev: Block | None) -> str:
    """The last line of the paragraph before the block, when it says something (not "Run the following:");
    or the last item of a list right before it: a numbered step, a lone bullet, a bullet ending in a colon."""
    if prev is not None and prev.kind == "list" and prev.children:
        item = prev.children[-1]
        # a numbered step, or a lone bullet: a caption ("- Build the image" then the block)
        lone = prev.info == "ordered" or len(prev.children) == 1
        if lone and len(item.children) == 1 and item.children[0].kind == "para":
            text = item.children[0].text.strip()
            return "" if "\n" in text else _desc_line(text)
        return _desc_line(lead_text(item) or "")
    if prev is None or prev.kind != "para":
        return ""
    last = [x for x in prev.text.split("\n") if x.strip()]
    if not last:
        return ""
    return _desc_line(last[-1])


def _desc_line(line: str) -> str:
    """A line before a block as its description: no step number, no colon; "" when generic."""
    line = _STEP_RE.sub("", line.strip(), count=1)
    desc = clean_desc(COLON_TAIL_RE.sub("", line))
    return "" if GENERIC_LEAD_RE.fullmatch(desc) else desc


def _skip_example_block(ctx: Context, node: Block) -> None:
    """List the lines of a block in another language that start like a command (``$ ``, a known program)."""
    for i, line in enumerate(node.text.split("\n")):
        s = line.strip()
        if s.startswith("$ "):
            s = s[2:].strip()
        elif first_word(s) not in ctx.known:
            continue
        if len(s.split()) >= 2 and first_word(s) not in SHELL_KEYWORDS:
            ctx.skip(node.line + i + 1, s, "example")
