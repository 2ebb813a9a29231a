"""Tables: a column of commands (or key bindings) and a column of descriptions, in either order, one
card per row (the example column is the back when it extends the command); an option table under a
command; a 2-column term / 说明 table (concept cards, or command cards for code and shell symbols)."""

from __future__ import annotations

import re

from quiz.notes.blocks import Block
from quiz.notes.context import Context
from quiz.notes.rules.options import option_command, option_flag, propose_option
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
# A header is read word by word (``快捷键/命令``, ``Use Flag``): each word list names a column's role.
_CMD_WORDS = frozenset("命令 指令 命令行 用法 语法 command commands cmd cmds usage syntax".split())
_KEY_WORDS = frozenset(
    "快捷键 按键 键 组合键 热键 key keys shortcut shortcuts keybinding keybindings binding bindings"
    " hotkey".split()
)
_OPTION_WORDS = frozenset(
    "选项 参数 标志 开关 option options flag flags switch switches parameter parameters".split()
)
_EXAMPLE_WORDS = frozenset("示例 例子 举例 实例 范例 例 example examples e.g. sample".split())
_TERM_WORDS = frozenset(
    "术语 名词 概念 名称 名字 符号 运算符 操作符 字段 变量 关键字 "
    "term terms concept name symbol symbols operator operators field variable keyword".split()
)
_DESC_HEADER_RE = re.compile(
    r"说明|描述|作用|含义|功能|用途|解释|释义|意义|效果|备注|"
    r"descriptions?|meaning|purpose|explanation|effect|action|what it does|notes?",
    re.I,
)
_HEADER_SPLIT_RE = re.compile(r"[\s/、&|,，]+")
_CELL_ALT_RE = re.compile(r"\s*+(?:或者|或|or|/|,|，|、|\|)?\s*+", re.I)
# Cells read as text: links as their text, inline HTML tags (``<red>…</red>``) dropped.
_LINK_RE = re.compile(r"\[([^\[\]]*+)\]\([^()\s\[]*+\)")
_TAG_RE = re.compile(r"</?[A-Za-z][\w-]*>")
# Key bindings as the reader sees them: ``Ctrl+b`` ``[`` → "Ctrl+b [".
_MOD_KEY_RE = re.compile(
    r"(?:ctrl|control|alt|option|opt|shift|cmd|command|super|win|meta|fn|[cms]|⌘|⌥|⇧|⌃)[+-]\S+", re.I
)
_CARET_KEY_RE = re.compile(r"\^[A-Za-z\[\]\\@]")
_NAMED_KEY_RE = re.compile(
    r"enter|return|esc|escape|tab|space|spacebar|backspace|delete|del|home|end|pgup|pgdn|pageup|pagedown|"
    r"up|down|left|right|arrows?|insert|f\d{1,2}|<[A-Za-z][\w-]*>",
    re.I,
)
_KEY_RANGE_RE = re.compile(r"\w(?:\.\.\.|…)\w")
_KEY_SEPARATORS = frozenset("/ or 或 + , ... …".split())
# A symbol cell that is a shell construct (``命令 < 文件``, ``cmd1 | cmd2``): a command, not a term.
_SHELL_OP_RE = re.compile(r"(?:^|\s)(?:\d?>>?|<<?|\||&>?>?|&&|\|\|)(?:\s|$)")
_CODE_SYMBOL_RE = re.compile(r"[#\[\](){}<>|&*?$%^~=]")
TERM_MAX = 40  # a term cell longer than this (or holding sentence punctuation) is prose, not a term
_TERM_STOP_RE = re.compile(r"[。；！？;!?]|[，,]\s")


def _cell(row: Block, i: int) -> str:
    return row.children[i].text.strip() if i < len(row.children) else ""


def cell_text(text: str) -> str:
    """A cell as text: ``[text](url)`` → text, tags and emphasis dropped, ``<br>`` a line break."""
    text = _LINK_RE.sub(lambda m: m.group(1), text)
    text = re.sub(r"<br\s*/?>", "\n", text, flags=re.I) if "<" in text else text
    if "</" in text:
        text = _TAG_RE.sub("", text)
    lines = [plain_cell(t) for t in text.split("\n")]
    return "\n".join(t for t in lines if t)


def header_roles(text: str) -> set[str]:
    """``快捷键/命令`` → {"key", "command"}; ``Description`` → {"desc"}; ``Use Flag`` → {"option"}."""
    plain = plain_cell(text).lower()
    if _DESC_HEADER_RE.fullmatch(plain):
        return {"desc"}
    roles = set()
    for word in _HEADER_SPLIT_RE.split(plain):
        if word in _CMD_WORDS:
            roles.add("command")
        elif word in _KEY_WORDS:
            roles.add("key")
        elif word in _OPTION_WORDS:
            roles.add("option")
        elif word in _EXAMPLE_WORDS:
            roles.add("example")
        elif word in _TERM_WORDS:
            roles.add("term")
        elif _DESC_HEADER_RE.fullmatch(word):
            roles.add("desc")
    return roles


def key_sequence(text: str, *, key_column: bool) -> str | None:
    """``Ctrl+b`` ``[`` → "Ctrl+b ["; a lone ``q`` only in a column of key bindings; ``ls -a`` → None."""
    if not text or "`" not in text and not key_column:
        return None
    seq = text.replace("_/_", " / ").replace("\\<", "<").replace("\\>", ">").replace("`", " ")
    tokens = seq.split()
    if not tokens:
        return None
    modified = False
    for tok in tokens:
        if _MOD_KEY_RE.fullmatch(tok) or _CARET_KEY_RE.fullmatch(tok):
            modified = True
        elif not (
            len(tok) == 1
            or tok.lower() in _KEY_SEPARATORS
            or _NAMED_KEY_RE.fullmatch(tok)
            or _KEY_RANGE_RE.fullmatch(tok)
        ):
            return None
    if not (modified or key_column):
        return None
    if all(t.lower() in _KEY_SEPARATORS for t in tokens):
        return None
    out = text.replace("_/_", "/").replace("\\<", "<").replace("\\>", ">")
    return " ".join(out.replace("`", "").split())


def table_columns(rows: list[Block], known: frozenset[str] | set[str]) -> tuple[int, int, bool] | None:
    """(command column, description column, whether the command column is named by its header)."""
    roles = [header_roles(c.text) for c in rows[0].children]
    body = rows[1:]
    ncols = len(roles)
    cmd_col = next((i for i, r in enumerate(roles) if r & {"command", "key"}), None)
    desc_col = next((i for i, r in enumerate(roles) if "desc" in r and i != cmd_col), None)
    named = cmd_col is not None and "command" in roles[cmd_col]
    if cmd_col is None:
        best, best_count = None, 0
        for i in range(ncols):
            if i == desc_col or roles[i] & {"option", "example", "term"}:
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
            if i == cmd_col or roles[i] & {"option", "example", "key", "command"}:
                continue
            filled = [_cell(r, i) for r in body if _cell(r, i)]
            prose = sum(1 for t in filled if not cell_command(t, known, named=False))
            if filled and prose * 2 > len(filled):
                desc_col = i
                break
    if desc_col is None:
        return None
    return cmd_col, desc_col, named


def _key_column(rows: list[Block], col: int) -> bool:
    """A column of key bindings: its header says so, or one of its cells holds a modified key."""
    if "key" in header_roles(_cell(rows[0], col)):
        return True
    return any(key_sequence(_cell(r, col), key_column=False) for r in rows[1:])


def _extends(example: str, cmd: str) -> bool:
    """``ls -la`` extends ``ls``; ``rm -rf /tmp`` does not extend ``ls``."""
    return example.split()[:1] == cmd.split()[:1] and len(example) > len(cmd)


def table_row(ctx: Context, node: Block, parents: list[str], prev: Block | None = None) -> None:
    """``| `ls -a` | 列出所有文件 |`` under a 命令/说明 header → ls -a; not an option table (``-v``): that,
    key-binding and term/说明 tables are read by their own rules below."""
    rows = [r for r in node.children if r.kind == "row"]
    if len(rows) < 2:
        return
    roles = [header_roles(c.text) for c in rows[0].children]
    if any("option" in r for r in roles) or option_column(rows) is not None:
        option_table(ctx, rows, roles, prev, parents)
        return
    columns = table_columns(rows, ctx.known)
    if columns is None:
        if not term_table(ctx, rows, roles, parents):
            key_table(ctx, rows, roles, parents)
        return
    cmd_col, desc_col, named = columns
    keys = _key_column(rows, cmd_col)
    if not named and not any(key_sequence(_cell(r, cmd_col), key_column=keys) for r in rows[1:]):
        if "key" in roles[cmd_col] and term_table(ctx, rows, roles, parents):
            return  # | Key | Description | of codes that are no key bindings (``#[fg=1]``)
    example_col = next(
        (i for i, r in enumerate(roles) if "example" in r and i not in (cmd_col, desc_col)), None
    )
    for row in rows[1:]:
        cell = _cell(row, cmd_col)
        cmd = cell_command(cell, ctx.known, named=named)
        why = "table_row"
        if not cmd and (cmd := key_sequence(cell, key_column=keys)):
            why = "table_key"
        if example_col is not None:
            example = cell_command(_cell(row, example_col), ctx.known, named=True)
            if example and (not cmd or _extends(example, cmd)):
                cmd, why = example, "table_row"
        desc = clean_desc(cell_text(_cell(row, desc_col)).replace("\n", " "))
        if cmd and desc:
            ctx.propose_command(cmd, desc, parents, row.line + 1, why)
        elif cmd:
            ctx.skip(row.line + 1, cmd, "no_description")


def key_table(ctx: Context, rows: list[Block], roles: list[set[str]], parents: list[str]) -> None:
    """``| `Ctrl+b` `c` | 创建窗口 |`` with no command column → "Ctrl+b c";
    not ``| 文件 | 说明 |``."""
    if len(roles) < 2:
        return
    desc_col = next((i for i, r in enumerate(roles) if "desc" in r), 1)
    key_col = 0 if desc_col != 0 else 1
    keys = _key_column(rows, key_col)
    for row in rows[1:]:
        seq = key_sequence(_cell(row, key_col), key_column=keys)
        desc = clean_desc(cell_text(_cell(row, desc_col)).replace("\n", " "))
        if seq and desc:
            ctx.propose_command(seq, desc, parents, row.line + 1, "table_key")


def term_table(ctx: Context, rows: list[Block], roles: list[set[str]], parents: list[str]) -> bool:
    """A 2-column term / 说明 table: ``| HEAD | 当前分支的指针 |`` → concept card, not a sentence cell; a
    code cell with symbols (``| `#I` | window index |``) or a shell construct
    (``命令 > 文件``) → command card."""
    if len(roles) != 2 or "desc" not in roles[1] or roles[0] & {"command", "option", "desc"}:
        return False
    if not (roles[0] & {"term", "key"} or roles[0] == set()):
        return False
    for row in rows[1:]:
        raw, desc_raw = _cell(row, 0), _cell(row, 1)
        desc = cell_text(desc_raw).strip()
        if not raw or not desc:
            continue
        line = row.line + 1
        spans = code_spans(raw)
        if spans and len(spans) == 1 and spans[0][0] == 0 and spans[0][1] == len(raw):
            code = spans[0][2].strip()
            if code_is_command(code, ctx.known) or _CODE_SYMBOL_RE.search(code):
                ctx.propose_command(
                    bare(code), clean_desc(desc.replace("\n", " ")), parents, line, "table_term"
                )
                continue
        term = cell_text(raw)
        if "\n" in term:
            continue
        if _SHELL_OP_RE.search(term):
            ctx.propose_command(term, clean_desc(desc.replace("\n", " ")), parents, line, "table_term")
        elif len(term) <= TERM_MAX and not _TERM_STOP_RE.search(term):
            ctx.propose("concept", term, desc, line, term, "table_term")
    return True


def option_column(rows: list[Block]) -> int | None:
    """The column whose every filled cell is an option (``-v``, ``--all``), more than one row; else None."""
    body = rows[1:]
    for i in range(len(rows[0].children)):
        filled = [_cell(r, i) for r in body if _cell(r, i)]
        if len(filled) >= 2 and all(option_flag(cell_text(t).replace("`", "")) for t in filled):
            return i
    return None


def option_table(
    ctx: Context, rows: list[Block], roles: list[set[str]], prev: Block | None, parents: list[str]
) -> None:
    """``| `-c` | Creates archive |`` under ``# The `tar` command`` → ``tar › Creates archive`` → ``tar -c``;
    not with no command above (a bare ``-c`` is no card)."""
    opt_col = next((i for i, r in enumerate(roles) if "option" in r), None)
    if opt_col is None:
        opt_col = option_column(rows)
    if opt_col is None:
        return
    desc_col = next((i for i, r in enumerate(roles) if "desc" in r and i != opt_col), None)
    if desc_col is None:
        desc_col = 1 if opt_col == 0 else 0
    command = option_command(ctx, prev, parents)
    named = "option" in roles[opt_col]
    for row in rows[1:]:
        cell = cell_text(_cell(row, opt_col)).replace("`", "").strip()
        flag = option_flag(cell) or (cell if named and len(cell) == 1 and cell.isalpha() else "")
        desc = clean_desc(cell_text(_cell(row, desc_col)).replace("\n", " "))
        if not flag or not desc:
            continue
        if command:
            propose_option(ctx, command, flag, desc, parents, row.line + 1, "table_option")
        else:
            ctx.skip(row.line + 1, flag, "no_description")


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
