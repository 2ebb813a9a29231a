"""Reading a code block's lines: which are comments, which are commands, what describes each.

`read_block` turns a block's text into groups of command lines (lines with no blank line or
comment between them), each group with the comment above it and each line with its own
description when it has one: a trailing ``cmd   # 描述``, a glued ``cmd 描述``, a key column
``\\l   列出…``, ``说明：cmd``, or a comment indented below it.  Option lines under a command
(``\t-a   # 显示所有``) join its group as options of that command.  Prompts (``$ ``, ``mysql> ``),
continuation lines, SQL statements over several lines, output, ``echo`` demo lines, ``例如：``
examples and commands marked wrong are told apart here; `quiz.notes.rules.code_blocks` decides
which description each group's card takes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from quiz.notes.blocks import Block
from quiz.notes.rules.lead_in import step_description
from quiz.notes.rules.options import command_head
from quiz.notes.text import (
    CJK_RE,
    PROMPT_RE,
    WORD_RE,
    clean_desc,
    first_word,
    has_cjk,
    is_cjk,
    looks_like_program,
    scan_command,
)
from quiz.notes.words import (
    AMBIGUOUS_COMMANDS,
    BUILTIN_COMMANDS,
    PROSE_WORDS,
    SHELL_KEYWORDS,
)

TAB_WIDTH = 4
KEYED_MIN = 3  # lines shaped ``key   # desc`` / ``key   描述`` that make a block a key column
BELOW_MIN = 2  # commands described by a comment indented below them that make a block of that shape

_TRAILING_COMMENT_RE = re.compile(r"(?<!\s)\s++(?:#|//)\s++(\S.*)$")
# ``cmd  #说明`` / ``cmd# 说明``: a trailing ``#`` glued to the CJK text or to the command
_GLUED_TRAILING_RE = re.compile(r"(?<!\s)(?:\s++#\s*+|#\s++)(?=" + CJK_RE.pattern + ")")
_SQL_TRAILING_RE = re.compile(r"\s--\s")  # ``SELECT 1;  -- one``
# the gap of a key column: ``key<2+ spaces or a tab>desc`` (the key may hold single spaces: ``\c [db]``)
_KEY_GAP_RE = re.compile(r" [ \t]+|\t")
COLON_TAIL_RE = re.compile(r"[:：]\s*$")  # a trailing colon (of a comment or a line before a block)
_DECORATION_RE = re.compile(r"^[\W_]*$")  # ``# -----`` / ``#####``: no description
# interactive prompts other than ``$ ``: ``postgres=# ``, ``mysql> ``, ``redis 127.0.0.1:6379> ``
# ``$ cmd`` (not ``$     # end of line``: the ``$`` key described in a key column)
_DOLLAR_PROMPT_RE = re.compile(r"^\$[ \t]+[^\s#]")
_TOOL_PROMPT_RE = re.compile(r"^[\w.:-]+(?:=#|=>|>)[ ]+")
# ``echo "备份数据库"`` above a command: a description, not a demo line
_ECHO_DESC_RE = re.compile(r"""^echo\s+(["'])([^"'$`\\]+)\1\s*;?$""")
# a command marked as wrong: its line and the group it heads make no card
_WRONG_RE = re.compile(r"错误示例|错误写法|错误用法|❌|✗|\bwrong\b|\bthis fails\b|\bwill fail\b", re.I)
# output that says the command above failed: ``Error: …``, ``fatal: …``, ``错误：…``
_ERROR_OUTPUT_RE = re.compile(r"^(?:error|fatal|错误|报错)\s*[:：]", re.I)
# a client's meta command: ``\l``, ``\d+ table``, ``\?`` (psql, mysql)
_META_RE = re.compile(r"^\\[A-Za-z?][\w+]*(?:\s|$)")
# "例如：" / "e.g.:" inside a block: the commands after it are examples of the one above (no card)
_EXAMPLE_RE = re.compile(
    r"^(?:例如|比如|示例|举例|如|e\.g\.|eg|for example|example|examples)\s*[:：]?$", re.I
)
_TECHNICAL_RE = re.compile(r"[-/.=~$<\[{*|>]|\d")  # an argument that looks technical
_PROGRAM_WORD_RE = re.compile(r"[a-z][\w.+-]*(?:\s|$)")  # a line starting like a program
GLUED_PLACEHOLDER_MIN, GLUED_PLACEHOLDER_MAX = 2, 4  # ``容器名`` / ``进程号``: CJK characters of an argument
DEMO_WORDS = frozenset(("echo", "printf"))  # lines that show output: no card without a description
# a line that reads like configuration or source, not a command: ``key = value``, ``key: value``
CONFIG_LINE_RE = re.compile(r"^[\w.-]+\s*(?:=|:\s)|[{]\s*$")


@dataclass(slots=True)
class Line:
    """One command line of a block: its text, own description, indentation and 1-based line."""

    text: str
    desc: str
    indent: int
    lineno: int
    group: int  # lines of one group share this number
    below: bool = False  # its description is a comment indented below it
    option_of: str = ""  # an option line: the command it belongs to


@dataclass(slots=True)
class Group:
    desc: str  # the comment above it, or ""
    lines: list[Line] = field(default_factory=list)
    wrong: bool = False


def read_block(
    node: Block,
    known: frozenset[str] | set[str],
    *,
    shell: bool,
    command_lang: bool = False,
    vim: bool = False,
) -> list[Group]:
    """The groups of command lines of a code block, each with the comment above it."""
    raw = node.text.split("\n")
    stripped = [r.strip() for r in raw]
    indents = [len(r.expandtabs(TAB_WIDTH)) - len(r.expandtabs(TAB_WIDTH).lstrip()) for r in raw]
    comments = [_comment(s, known, vim=vim, sql=command_lang) for s in stripped]
    prompts = any(_DOLLAR_PROMPT_RE.match(s) or _TOOL_PROMPT_RE.match(s) for s in stripped)
    keyed = _keyed_block(stripped, comments)
    below = _below_lines(stripped, comments, indents)
    glued_block = not prompts and _glued_majority(stripped, comments, known)
    groups: list[Group] = []
    cur: Group | None = None
    pending = ""  # the comment above the next group
    pending_wrong = False
    last_cmd: Line | None = None
    n = len(raw)
    i = 0
    in_block_comment = False
    examples = False  # after a "例如：" line, until a blank line or a comment

    def read(k: int) -> tuple[str, str] | None:
        return _command(
            stripped[k],
            known,
            shell=shell,
            prompts=prompts,
            keyed=keyed,
            command_lang=command_lang,
            below=k in below,
            glued_block=glued_block,
        )

    while i < n:
        s, indent, lineno = stripped[i], indents[i], node.line + i + 1
        i += 1
        if in_block_comment or (command_lang and s.startswith("/*")):
            in_block_comment = "*/" not in s
            cur = last_cmd = None
            continue
        if not s:
            cur, examples = None, False
            continue
        comment = comments[i - 1]
        if comment is not None:
            if last_cmd is not None and indent > last_cmd.indent:
                # a comment indented below a command: its description (the first such line)
                if not last_cmd.desc and (last_cmd.lineno - node.line - 1) in below:
                    last_cmd.desc, last_cmd.below = _comment_desc(comment), True
                continue
            if cur is not None or _blank_before(stripped, i - 1):
                pending, pending_wrong = "", False
            if _WRONG_RE.search(comment):
                pending_wrong = True
            pending = _join_comment(pending, _comment_desc(comment))
            cur = last_cmd = None
            examples = False
            continue
        echo = _ECHO_DESC_RE.match(s)
        if echo and i < n and stripped[i] and comments[i] is None and has_cjk(echo.group(2)):
            pending, pending_wrong, cur, last_cmd = clean_desc(echo.group(2)), False, None, None
            continue
        if _is_option(s):
            _option_line(groups, last_cmd, s, indent, lineno, known)
            continue
        if _EXAMPLE_RE.match(s):
            examples = True
            cur = last_cmd = None
            continue
        if examples and pending == "":
            continue  # an example of the command above the "例如：" line

        line = read(i - 1)
        if line is None:
            if last_cmd is not None and (_WRONG_RE.search(s) or _ERROR_OUTPUT_RE.match(s)):
                groups[last_cmd.group].wrong = True  # "Error: …" after it: a command shown failing
            if not command_lang:
                cur = last_cmd = None
            if _described_below(s, known) and i < n and comments[i] is None and stripped[i] and read(i):
                pending, pending_wrong = clean_desc(s), False  # "删除配置" then its command: a comment
            continue
        text, desc = line
        if text.endswith("\\") and i < n:
            text, i = _join_continuations(text, raw, i)
        if command_lang and cur is not None and cur.lines and not desc and not cur.lines[-1].desc:
            cur.lines[-1].text += "\n" + text  # a statement over several lines (SQL): one back
            continue
        if cur is None:
            cur = Group(clean_desc(pending), wrong=pending_wrong)
            groups.append(cur)
            pending, pending_wrong = "", False
        last_cmd = Line(text, desc, indent, lineno, len(groups) - 1)
        cur.lines.append(last_cmd)
    return groups


def _described_below(s: str, known: frozenset[str] | set[str]) -> bool:
    """A short Chinese line with no comment mark right above a command (``删除配置`` then
    ``git config --unset user.name``): that command's description; not output, not English (too
    often a program's output line)."""
    return has_cjk(s) and bool(step_description(s, known))


def _option_line(
    groups: list[Group],
    last_cmd: Line | None,
    s: str,
    indent: int,
    lineno: int,
    known: frozenset[str] | set[str],
) -> None:
    """``\t-a   # 显示所有`` under ``ls``: ``ls › 显示所有`` → ``ls -a``; none without a command above."""
    if last_cmd is None or indent < last_cmd.indent:
        return
    m = _TRAILING_COMMENT_RE.search(s)
    opt, desc = (s[: m.start()].strip(), clean_desc(m.group(1))) if m else (_glued(s, known) or ("", ""))
    owner = command_head(last_cmd.text, known)
    if opt and desc and owner:
        groups[last_cmd.group].lines.append(Line(opt, desc, indent, lineno, last_cmd.group, option_of=owner))


def _blank_before(stripped: list[str], j: int) -> bool:
    """Whether the line before index j is blank: a comment after a blank line starts a new description."""
    return j > 0 and not stripped[j - 1]


def _comment(s: str, known: frozenset[str] | set[str], *, vim: bool, sql: bool) -> str | None:
    """A comment line's text (``# x``, ``// x``, ``-- x``, vim ``" x``), else None; ``# ls`` is a prompt."""
    if s.startswith("#") and not s.startswith("#!"):
        body = s.lstrip("#").strip()
        if s.startswith("# ") and _root_prompt(body, known):
            return None
        return body
    if s.startswith("//") or (s.startswith("--") and (len(s) == 2 or s[2].isspace() or is_cjk(s[2]))):
        return s[2:].strip()
    if vim and s.startswith('"'):
        return s[1:].strip()
    return None


def _root_prompt(body: str, known: frozenset[str] | set[str]) -> bool:
    """``# apt-get install git`` (a root prompt); not ``# update the package index`` nor ``# docker 镜像``."""
    words = body.split()
    # the built-in programs only: the note's own words are learned from comment lines too
    if len(words) < 2 or words[0] not in BUILTIN_COMMANDS or words[0] in PROSE_WORDS:
        return False
    if words[0] in AMBIGUOUS_COMMANDS and not any(_TECHNICAL_RE.search(w) for w in words[1:]):
        return False  # "# find the largest files": prose
    found = scan_command(body, 0, known)
    return found is not None and found[2] == "end" and found[1] >= len(body.rstrip())


def _comment_desc(comment: str) -> str:
    """A comment as a description: no decoration, no trailing colon."""
    if _DECORATION_RE.match(comment):
        return ""
    return COLON_TAIL_RE.sub("", comment).strip()


def _join_comment(pending: str, text: str) -> str:
    """Comment lines above a command: the first, continued by lines that carry on its sentence (English)."""
    if not text:
        return pending
    if not pending:
        return text
    if pending[-1] not in ".!?。！？;；" and not has_cjk(pending[-1]) and text[:1].islower():
        return pending + " " + text
    return pending


def _keyed_block(stripped: list[str], comments: list[str | None]) -> bool:
    """Whether at least KEYED_MIN lines and most command-like lines read ``key   # desc`` / ``key   描述``."""
    keyed = other = 0
    for s, c in zip(stripped, comments, strict=True):
        if not s or c is not None:
            continue
        if _keyed(s):
            keyed += 1
        else:
            other += 1
    return keyed >= KEYED_MIN and keyed > other


def _keyed(s: str) -> tuple[str, str] | None:
    """``:wq   # Save and quit`` / ``\\l   列出所有数据库`` → (key, description); not ``ls -la``, ``a  b``."""
    m = _KEY_GAP_RE.search(s)
    if m is None or m.start() == 0:
        return None
    key, rest = s[: m.start()], s[m.end() :].strip()
    if rest.startswith(("# ", "// ")):
        rest = rest[rest.index(" ") :].strip()
    elif not rest or not is_cjk(rest[0]):
        return None
    return (key, rest) if rest else None


def _glued_majority(
    stripped: list[str], comments: list[str | None], known: frozenset[str] | set[str]
) -> bool:
    """Whether at least KEYED_MIN lines and most non-comment lines read ``cmd args 描述``."""
    glued = other = 0
    for s, c in zip(stripped, comments, strict=True):
        if s and c is None:
            if _glued(s, known) and not _is_option(s):
                glued += 1
            else:
                other += 1
    return glued >= KEYED_MIN and glued > other


def _below_lines(stripped: list[str], comments: list[str | None], indents: list[int]) -> set[int]:
    """Lines followed by a comment indented deeper (``set k v`` then ``\t# 描述``), if BELOW_MIN or more."""
    found = set()
    for j in range(len(stripped) - 1):
        if (
            stripped[j]
            and comments[j] is None
            and comments[j + 1] is not None
            and indents[j + 1] > indents[j]
        ):
            if not stripped[j].endswith((":", "{", "(")) and first_word(stripped[j]) not in SHELL_KEYWORDS:
                found.add(j)
    return found if len(found) >= BELOW_MIN else set()


def _command(
    s: str,
    known: frozenset[str] | set[str],
    *,
    shell: bool,
    prompts: bool,
    keyed: bool,
    command_lang: bool,
    below: bool,
    glued_block: bool = False,
) -> tuple[str, str] | None:
    """(command, own description) when the line is a command line, else None (output, prose, code)."""
    had_prompt = False
    if s.startswith("# "):
        s = s[2:].strip()  # a root prompt (`_comment` told it from a comment)
    elif _DOLLAR_PROMPT_RE.match(s):
        s, had_prompt = PROMPT_RE.sub("", s, count=1), True
    else:
        m = _TOOL_PROMPT_RE.match(s)
        if m and prompts:
            s, had_prompt = s[m.end() :], True
    if prompts and not had_prompt:
        return None  # output of the command above
    if keyed:
        pair = _keyed(s)
        if pair and not CONFIG_LINE_RE.search(pair[0]):
            return pair[0], clean_desc(pair[1])
    desc = ""
    if command_lang:
        cm = _SQL_TRAILING_RE.search(s)
        if cm and s[cm.end() :].strip():
            desc, s = clean_desc(s[cm.end() :].strip()), s[: cm.start()].rstrip()
    else:
        cm = _TRAILING_COMMENT_RE.search(s)
        if cm:
            desc, s = clean_desc(cm.group(1)), s[: cm.start()].rstrip()
        elif gm := _GLUED_TRAILING_RE.search(s):
            desc, s = clean_desc(s[gm.end() :]), s[: gm.start()].rstrip()
    if command_lang or below or had_prompt or (keyed and desc):
        return (s, desc) if s else None
    if _META_RE.match(s):
        return s, desc
    word = first_word(s)
    if word in DEMO_WORDS and not desc and " | " not in s:
        return None  # ``echo $PATH``: shows something; ``echo x | passwd --stdin u`` does something
    if glued_block and not desc and word not in SHELL_KEYWORDS:
        pair = _glued(s, known)
        if pair:
            return pair
    if not ((word in known) or (shell and looks_like_program(word))):
        return colon_described(s, known)
    if word in SHELL_KEYWORDS or not WORD_RE.match(word or ""):
        return None
    if not desc:
        glued = _glued(s, known)
        if glued:
            return glued
    return s, desc


COLON_DESC_MAX_CJK = 12  # characters of the description in ``说明：cmd`` inside a block
_COLON_DESC_RE = re.compile(rf"([^\s:：`#]{{1,{COLON_DESC_MAX_CJK}}})\s*[:：]\s*(\S.*)")


def colon_described(s: str, known: frozenset[str] | set[str]) -> tuple[str, str] | None:
    """``启动服务：systemctl start nginx`` → (command, ``启动服务``); not ``key: value`` (no CJK, not a
    command) nor ``注意：git 会…`` (prose after the colon)."""
    m = _COLON_DESC_RE.fullmatch(s)
    if m is None or not has_cjk(m.group(1)):
        return None
    desc, cmd = clean_desc(m.group(1)), m.group(2).strip()
    word = first_word(cmd)
    if not desc or word not in known or word in SHELL_KEYWORDS or has_cjk(cmd):
        return None
    if any(w.lower() in PROSE_WORDS for w in cmd.split()[1:]):
        return None
    if word in AMBIGUOUS_COMMANDS and not any(_TECHNICAL_RE.search(w) for w in cmd.split()[1:]):
        return None
    return cmd.rstrip(" ;；"), desc


def _glued(s: str, known: frozenset[str] | set[str]) -> tuple[str, str] | None:
    """``mkdir dir1 创建目录`` → (``mkdir dir1``, ``创建目录``); ``-b 同名,备份`` → (``-b``, …); else None.

    The description starts at the first CJK text after a space, except a short placeholder
    ending in 名/号 (``docker stop 容器名``), which is an argument.
    """
    if _is_option(s):
        opt, _, rest = s.partition(" ")
        rest = rest.strip()
        return (opt, clean_desc(rest)) if rest and is_cjk(rest[0]) else None
    if not _PROGRAM_WORD_RE.match(s):
        return None
    i, n = 1, len(s)
    while i < n:
        if is_cjk(s[i]) and s[i - 1].isspace():
            j = i
            while j < n and is_cjk(s[j]):
                j += 1
            if (
                GLUED_PLACEHOLDER_MIN <= j - i <= GLUED_PLACEHOLDER_MAX
                and s[j - 1] in "名号"
                and (j == n or s[j].isspace())
            ):
                i = j
                continue
            cmd, desc = s[:i].strip(), clean_desc(s[i:])
            return (cmd, desc) if cmd and desc else None
        i += 1
    return None


def _is_option(s: str) -> bool:
    """``-a``, ``--all``, ``-d, --detach``: a line starting with an option flag; not ``-1,…``, ``-- x``."""
    return len(s) > 1 and s[0] == "-" and (s[1].isalpha() or (s[1] == "-" and len(s) > 2 and s[2].isalpha()))


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
