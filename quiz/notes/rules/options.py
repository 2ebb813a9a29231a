"""Options of a command, outside code blocks: option lines (``-a, --all   显示所有``, ``-i: 交互操作``,
`` `-d` 后台运行 ``) in paragraphs and list items, and the command they belong to (named by the lead-in
line, the list item or the nearest heading above).  Each gives a card ``COMMAND › description`` →
``COMMAND -a``; with no command in sight, no card (a bare ``-d`` is never a front nor a back)."""

from __future__ import annotations

import re

from quiz.notes.blocks import Block
from quiz.notes.context import Context
from quiz.notes.shaping import bare
from quiz.notes.text import clean_desc, code_is_command, code_spans, has_cjk, is_command_word, scan_command

# One alternative of an option: ``-a``, ``--all``, ``--name NAME``, ``--env=[]``, ``-?``.
_FLAG_RE = re.compile(r"--?[A-Za-z0-9?][\w.-]*(?:=\S*)?(?: [A-Z<\[{]\S*)?")
# The words of a command before its first flag or placeholder (``docker run [options] IMAGE`` → docker run).
_HEAD_WORD_RE = re.compile(r"[a-z][a-z0-9_-]*")
HEAD_MAX_WORDS = 3  # a command named for its options: program plus at most two subcommands
OPTION_DESC_MIN = 2  # characters of description an option line needs
# Between an unquoted option and its description: a colon, a tab, two spaces or `` # ``.
_OPTION_SEPARATORS = (":", "：", "\t", "  ", " #")


def _option_sep(text: str) -> tuple[int, int] | None:
    """Where the first separator of an option line is, spaces around it included: (start, end)."""
    hits = [i for i in (text.find(s) for s in _OPTION_SEPARATORS) if i >= 0]
    if not hits:
        return None
    start = min(hits)
    end = start
    while end < len(text) and (text[end] in " \t:：#"):
        end += 1
    while start > 0 and text[start - 1] == " ":
        start -= 1
    return start, end


def command_head(command: str, known: frozenset[str] | set[str]) -> str:
    """``docker run [options] IMAGE`` → ``docker run``; ``ls`` → ``ls``; "" when no program word starts it."""
    words = bare(command).split()
    if not words or not is_command_word(words[0], known):
        return ""
    head = [words[0]]
    for word in words[1:HEAD_MAX_WORDS]:
        if not _HEAD_WORD_RE.fullmatch(word):
            break
        head.append(word)
    return " ".join(head)


def _named_command(text: str, known: frozenset[str] | set[str]) -> str:
    """The command a line names: its last command code span, else a bare command starting it."""
    found = ""
    for _, _, content in code_spans(text):
        content = bare(content)
        if code_is_command(content, known) or content in known:
            found = command_head(content, known) or found
    if found:
        return found
    text = text.strip().lstrip(">").strip()
    hit = scan_command(text, 0, known)
    return command_head(hit[0], known) if hit else ""


def option_command(ctx: Context, prev: Block | None, parents: list[str]) -> str:
    """The command options belong to: named by the block before (a lead-in line or a lone command),
    else by the enclosing list item, else by the nearest heading that names one; "" if none."""
    if prev is not None and prev.kind in ("para", "quote"):
        node = prev
        while node.kind == "quote" and node.children:
            node = node.children[-1]
        last = node.text.rstrip().rsplit("\n", 1)[-1] if node.kind == "para" else ""
        if last and (found := _named_command(last, ctx.known)):
            return found
    if parents and (found := _named_command(parents[-1], ctx.known)):
        return found
    for source in reversed(ctx.sources):  # the heading's source: its code spans name commands
        if found := _named_command(source, ctx.known):
            return found
    return ""


def option_flag(text: str) -> str:
    """``-a, --all`` → ``-a``; ``--name NAME`` → ``--name NAME``; "" unless every part is an option."""
    parts = [p.strip() for p in text.strip().split(",")]
    shared = ""  # "-p, --publish 5000:5000": the last form's argument (any one word) is every form's
    if len(parts) > 1 and " " in parts[-1]:
        parts[-1], shared = parts[-1].split(" ", 1)
        if not shared.strip() or " " in shared.strip():
            return ""
    if not parts or any(not _FLAG_RE.fullmatch(p) for p in parts):
        return ""
    first = parts[0]
    if " " not in first and shared:
        first += " " + shared.strip()
    return first


def split_option_line(line: str) -> tuple[str, str] | None:
    """``-i: 交互操作`` / `` `-d` 后台运行 `` / ``-a, --all   show all`` → (flag, description); else None."""
    text = line.strip()
    if text.startswith("`"):
        spans = code_spans(text)
        if not spans or spans[0][0] != 0:
            return None
        flag, rest = option_flag(spans[0][2]), text[spans[0][1] :].lstrip(" \t:：#")
    else:
        if not text.startswith("-"):
            return None
        sep = _option_sep(text)
        if sep is None:  # "-a 显示所有": one space is enough before CJK prose
            head, _, rest = text.partition(" ")
            if not has_cjk(rest[:1]):
                return None
            flag = option_flag(head)
        else:
            flag, rest = option_flag(text[: sep[0]]), text[sep[1] :]
    desc = clean_desc(rest)
    if not flag or len(desc) < OPTION_DESC_MIN or desc.startswith("-") or "`" in desc[:1]:
        return None
    return flag, desc


def propose_option(
    ctx: Context, command: str, flag: str, desc: str, parents: list[str], line: int, why: str = "option_line"
) -> bool:
    """One option's card, wherever it was read: ``docker run › 后台运行`` → ``docker run -d``
    (``-d, --detach`` reads as ``-d``)."""
    flag = option_flag(flag) or flag.strip()
    return ctx.propose_command(f"{command} {flag}", desc, [*parents, command], line, why)


def option_lines(ctx: Context, node: Block, prev: Block | None, parents: list[str]) -> bool:
    """``-i: 交互操作`` under ``> docker run`` → ``docker run › 交互操作`` → ``docker run -i``; not ``-i``
    alone (no command above: no card) nor a paragraph ending in prose (True when it read the paragraph)."""
    lines = [(node.line + i + 1, t) for i, t in enumerate(node.text.split("\n")) if t.strip()]
    parsed = [split_option_line(t) for _, t in lines]
    if not lines or parsed[-1] is None:
        return False
    if any(p is None for p in parsed):
        # "docker logs -f <id>" then "`-f`: 滚动查看": a command line, then only option lines; the
        # paragraph's own rules still read its lines (False), the option lines are carded here
        first = next(n for n in range(len(parsed) - 1, -1, -1) if parsed[n] is None) + 1
        command = _named_command(lines[first - 1][1], ctx.known)
        if command:
            for (lineno, _), (flag, desc) in zip(lines[first:], parsed[first:], strict=True):  # type: ignore[misc]
                propose_option(ctx, command, flag, desc, parents, lineno)
        return False
    command = option_command(ctx, prev, parents)
    if not command:
        for lineno, text in lines:
            ctx.skip(lineno, text, "no_description")
        return True
    for (lineno, _), (flag, desc) in zip(lines, parsed, strict=True):  # type: ignore[misc]
        propose_option(ctx, command, flag, desc, parents, lineno)
    return True


def option_list(ctx: Context, node: Block, prev: Block | None, parents: list[str]) -> bool:
    """A list whose every item is one option line (``- `-m` 提交信息``) under a command: one card each;
    not a list with any other item."""
    items = node.children
    if not items or any(len(i.children) != 1 or i.children[0].kind != "para" for i in items):
        return False
    heads = [i.children[0] for i in items]
    if any("\n" in h.text.strip() or split_option_line(h.text) is None for h in heads):
        return False
    command = option_command(ctx, prev, parents)
    for head in heads:
        flag, desc = split_option_line(head.text)  # type: ignore[misc]
        if command:
            propose_option(ctx, command, flag, desc, parents, head.line + 1)
        else:
            ctx.skip(head.line + 1, head.text, "no_description")
    return True
