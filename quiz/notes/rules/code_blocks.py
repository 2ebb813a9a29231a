"""Code blocks in a shell language (or whose lines start with a prompt or program word): one card
per command line; a ``# comment`` describes the next command, else the text before the block."""

from __future__ import annotations

import re

from quiz.notes.blocks import SHELL_LANGS, Block
from quiz.notes.context import Context
from quiz.notes.rules.lead_in import GENERIC_LEAD_RE
from quiz.notes.text import PROMPT_RE, WORD_RE, clean_desc, first_word, looks_like_program
from quiz.notes.words import SHELL_KEYWORDS

PLAIN_LANGS = frozenset(("text", "txt", "plain"))  # read like a block without a language
_TRAILING_COMMENT_RE = re.compile(r"(?<!\s)\s++#\s++(.*)$")
_COLON_TAIL_RE = re.compile(r"[:：]\s*$")


def code_block(ctx: Context, node: Block, parents: list[str], prev: Block | None) -> None:
    """```` ```sh\n# 列出文件\nls -la\n``` ```` → ls -la; not a ```` ```python ```` block.

    The command-like lines of a block in another language are listed as skipped ("example").
    """
    lang = first_word(node.info).lower()
    shell = lang in SHELL_LANGS
    if lang and not shell and lang not in PLAIN_LANGS:
        _skip_example_block(ctx, node)
        return
    block_desc = _block_desc(prev)
    entries = _command_lines(node, ctx.known, shell)
    undescribed = [e for e in entries if not e[1]]
    first_index: dict[tuple[str, str, int], int] = {}  # as undescribed.index(e), without a scan each
    for k, e in enumerate(undescribed):
        first_index.setdefault(e, k)
    for cmd, desc, lineno in entries:
        if desc:
            ctx.propose_command(cmd, desc, parents, lineno, "code_block")
            continue
        base = block_desc or (parents[-1] if parents else "") or ctx.heading()
        if not base:
            ctx.skip(lineno, cmd, "no_description")
            continue
        number = first_index[(cmd, desc, lineno)] + 1
        desc = base if len(undescribed) == 1 else f"{base} ({number})"
        ctx.propose_command(
            cmd, desc, parents[:-1] if not block_desc and parents else parents, lineno, "code_block"
        )


def _block_desc(prev: Block | None) -> str:
    """The last line of the paragraph before the block, when it says something (not "Run the following:")."""
    if prev is None or prev.kind != "para":
        return ""
    last = [x for x in prev.text.split("\n") if x.strip()]
    if not last:
        return ""
    desc = clean_desc(_COLON_TAIL_RE.sub("", last[-1].strip()))
    return "" if GENERIC_LEAD_RE.fullmatch(desc) else desc


def _command_lines(node: Block, known: frozenset[str] | set[str], shell: bool) -> list[tuple[str, str, int]]:
    """(command, description from its comment, 1-based line) for each command line of a block."""
    raw = node.text.split("\n")
    prompts = any(r.lstrip().startswith("$ ") for r in raw)
    entries: list[tuple[str, str, int]] = []
    pending = ""
    i = 0
    while i < len(raw):
        lineno = node.line + i + 1
        s = raw[i].strip()
        i += 1
        if not s:
            continue
        if s.startswith("#") and not s.startswith("#!"):
            pending = s.lstrip("#").strip()
            continue
        if prompts and not s.startswith("$ "):
            continue
        s = PROMPT_RE.sub("", s, count=1) if s.startswith("$ ") else s
        if s.endswith("\\") and i < len(raw):
            s, i = _join_continuations(s, raw, i)
        comment = ""
        cm = _TRAILING_COMMENT_RE.search(s)
        if cm:
            comment, s = cm.group(1).strip(), s[: cm.start()].rstrip()
        word = first_word(s)
        ok = prompts or (word in known) or (shell and looks_like_program(word))
        if not ok or word in SHELL_KEYWORDS or not WORD_RE.match(word or ""):
            pending = ""
            continue
        entries.append((s, clean_desc(comment or pending), lineno))
        pending = ""
    return entries


def _join_continuations(s: str, raw: list[str], i: int) -> tuple[str, int]:
    """A command continued with ``\\`` over the lines from `i` on, joined; and the index after it.

    The pieces are joined once (not re-copied per line, which was quadratic in a long chain of
    continuations), as ``s = s[:-1].rstrip() + " " + raw[i].strip()`` per line would.
    """
    pieces = [s]
    while pieces[-1].endswith("\\") and i < len(raw):
        pieces[-1] = pieces[-1][:-1]
        while pieces and not pieces[-1].rstrip():
            pieces.pop()
        if pieces:
            pieces[-1] = pieces[-1].rstrip()
        pieces.append(" ")
        following = raw[i].strip()
        if following:
            pieces.append(following)
        i += 1
    return "".join(pieces), i


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
