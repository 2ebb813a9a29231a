"""Tables: a column of commands and a column of descriptions, in either order: one card per row."""

from __future__ import annotations

import re

from quiz.notes.blocks import Block
from quiz.notes.context import Context
from quiz.notes.shaping import bare, plain_cell
from quiz.notes.text import (
    clean_desc,
    code_is_command,
    code_spans,
    first_word,
    has_cjk,
    looks_like_program,
    scan_command,
)

# Columns are found by their header, else by their cells (most cells commands / most prose).
_CMD_HEADER_RE = re.compile(r"命令|指令|命令行|用法|语法|commands?|cmds?|usage|syntax", re.I)
_DESC_HEADER_RE = re.compile(
    r"说明|描述|作用|含义|功能|用途|解释|释义|意义|效果|备注|"
    r"descriptions?|meaning|purpose|explanation|effect|action|what it does|notes?",
    re.I,
)
_CELL_ALT_RE = re.compile(r"\s*+(?:或者|或|or|/|,|，|、|\|)?\s*+", re.I)


def _cell(row: Block, i: int) -> str:
    return row.children[i].text.strip() if i < len(row.children) else ""


def table_columns(rows: list[Block], known: frozenset[str] | set[str]) -> tuple[int, int, bool] | None:
    """(command column, description column, whether the command column is named by its header)."""
    header = [plain_cell(c.text) for c in rows[0].children]
    body = rows[1:]
    ncols = len(header)
    cmd_col = next((i for i, h in enumerate(header) if _CMD_HEADER_RE.fullmatch(h)), None)
    desc_col = next((i for i, h in enumerate(header) if _DESC_HEADER_RE.fullmatch(h)), None)
    named = cmd_col is not None
    if cmd_col is None:
        best, best_count = None, 0
        for i in range(ncols):
            if i == desc_col:
                continue
            filled = [_cell(r, i) for r in body if _cell(r, i)]
            count = sum(1 for t in filled if cell_command(t, known, named=False))
            if count > best_count and count * 2 > len(filled):
                best, best_count = i, count
        cmd_col = best
    if cmd_col is None:
        return None
    if desc_col is None or desc_col == cmd_col:
        desc_col = None
        for i in range(ncols):
            if i == cmd_col:
                continue
            filled = [_cell(r, i) for r in body if _cell(r, i)]
            prose = sum(1 for t in filled if not cell_command(t, known, named=False))
            if filled and prose * 2 > len(filled):
                desc_col = i
                break
    if desc_col is None:
        return None
    return cmd_col, desc_col, named


def table_row(ctx: Context, node: Block, parents: list[str]) -> None:
    """``| `ls -a` | 列出所有文件 |`` under a 命令/说明 header → ls -a; not a table of options (``-v``)."""
    rows = [r for r in node.children if r.kind == "row"]
    if len(rows) < 2:
        return
    columns = table_columns(rows, ctx.known)
    if columns is None:
        return
    cmd_col, desc_col, named = columns
    for row in rows[1:]:
        cmd = cell_command(_cell(row, cmd_col), ctx.known, named=named)
        desc = clean_desc(plain_cell(_cell(row, desc_col)))
        if cmd and desc:
            ctx.propose_command(cmd, desc, parents, row.line + 1, "table_row")
        elif cmd:
            ctx.skip(row.line + 1, cmd, "no_description")


def cell_command(text: str, known: frozenset[str] | set[str], *, named: bool) -> str | None:
    """The command a cell holds (``A or B`` for several), or None: ``ls -la`` yes, ``列出文件`` no."""
    text = text.strip()
    if not text:
        return None
    spans = code_spans(text)
    if spans:
        cmds = [
            bare(c)
            for _, _, c in spans
            if code_is_command(c, known) or named and looks_like_program(first_word(bare(c)))
        ]
        if len(cmds) != len(spans):
            return None
        gaps = [text[: spans[0][0]], text[spans[-1][1] :]] + [
            text[spans[i][1] : spans[i + 1][0]] for i in range(len(spans) - 1)
        ]
        if gaps[0].strip() or gaps[1].strip():
            return None
        if any(not _CELL_ALT_RE.fullmatch(g) for g in gaps[2:]):
            return None
        return (" 或 " if has_cjk(text) else " or ").join(cmds)
    text = bare(text)
    found = scan_command(text, 0, known)
    if found and found[2] == "end":
        return found[0]
    if named and looks_like_program(first_word(text)) and not has_cjk(text):
        return text
    return None
