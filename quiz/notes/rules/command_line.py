"""Command cards from one line of prose (a list item, blockquote line or paragraph line).

The line goes through `COMMAND_LINE_RULES` in order; each rule returns True (the line is a
command line: it made its cards, no concept rules then), False (stop: the line is not a command
line, but no later rule may read it either) or None (not this rule's: try the next).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from quiz.notes.context import Context
from quiz.notes.rules.prose_use import MAX_USES_PER_LINE, TALKED_ABOUT_RE, ZH_NOT_DESC_RE, prose_use
from quiz.notes.shaping import bare
from quiz.notes.text import (
    CJK_RUN_RE,
    DESC_LEAD_RE,
    PROMPT_RE,
    clean_desc,
    code_is_command,
    code_spans,
    first_word,
    has_cjk,
    is_cjk,
    is_command_word,
    is_placeholder,
    may_hold_command,
    scan_command,
    strip_code,
)
from quiz.notes.words import AMBIGUOUS_COMMANDS, PRONOUNS, PROSE_WORDS, SUBCOMMAND_TOOLS

_ALT_RE = re.compile(r"^\s*+(?:命令|指令|command)?\s*+(或者|或是|或|or|/|、)\s*", re.I)
_PARAM_RE = re.compile(r"^\s*(\S{1,24}?)\s*(可以是|可为|是指|是|指|表示|can be|is|means)\s*(\S.*)$")
_NOUN_USE_RE = re.compile(r"\s*(?:的|和|与|及|跟)")
_CMD_WORD_LEAD_RE = re.compile(r"^\s*(?:命令|指令|command(?!\w))")
_COMMA_LEAD_RE = re.compile(r"^\s*[，,]")
_SEP_TAIL_RE = re.compile(r"[:：—–→=>-]$")
_ITEM_MARK_RE = re.compile(r"^\s*(?:[-*+]\s+)")
_COLON_ANY_RE = re.compile(r"[:：]\s*")
_PLACEHOLDER_RE = re.compile(r"<[^<>]+>|\[[^\[\]]+\]|\{[^{}]+\}")
_PROMPT_TAIL_RE = re.compile(r"\s#\s|(?<!\s)\s++[—–→]\s")
_SENTENCE_STOP_RE = re.compile(r"[。；！？;!?]|\.(?:\s|$)")
_SENT_END_RE = re.compile(r"[。！？!?.]\s*$")
# "创建虚拟环境 `python3 -m venv .venv`": a short description with no separator before the span
BARE_DESC_MAX = 30  # characters
_BARE_DESC_STOP_RE = re.compile(r"[。；！？;!?，,、（(“\"]|\.\s|[:：]")
_BARE_DESC_ZH_TAIL_RE = re.compile(
    r"(?:使用|利用|运行|执行|输入|通过|敲|用|比如|例如|如|即|是|为|参考|详见|见|参见|查阅|命令|指令|的|了|和|与|或|及|在|把|将)$"
)
_BARE_DESC_EN_TAIL = frozenset(
    "use using run running type execute via see try like e.g. i.e. command commands called named "
    "enter press".split()
)
# "示例：", "例如：", "For example:": they announce an example of what came before, they do not describe it
EXAMPLE_LABEL_RE = re.compile(
    r"(?:示例|例子|举例|例如|比如|譬如|如|范例)[一二三四五六七八九十\d]*|(?:for\s+)?(?:example|e\.g\.|eg)\s*\d*",
    re.I,
)
COLON_DESC_MAX = 60  # "描述: cmd" without backticks: the description's characters at most
# "git status shows the working tree": a program word, subcommand-like tokens, a verb from this list
_EN_VERBS = (
    "shows lists prints displays outputs returns removes deletes creates adds builds compiles installs "
    "uninstalls updates upgrades downloads uploads fetches pulls pushes clones commits stages unstages "
    "records saves stashes applies restores reverts resets merges rebases switches copies moves renames "
    "opens starts stops restarts reloads runs executes kills terminates sets unsets changes edits "
    "searches finds counts sorts compresses decompresses extracts archives mounts unmounts enables "
    "disables inspects attaches detaches exports imports tags publishes generates verifies validates "
    "describes exposes scales cleans prunes clears initializes initialises configures connects "
    "launches formats converts syncs synchronizes signs encrypts decrypts reports summarizes summarises "
    "tells gives streams follows tails watches checks tests sends reads writes monitors measures resolves "
    "queries replaces filters transfers manages schedules tracks traces deploys drains cordons forwards "
    "waits retrieves gets joins splits erases patches labels annotates evicts provisions destroys"
).split()
_EN_VERB_CMD_RE = re.compile(
    r"([a-z][\w.+-]*(?:\s+(?:--?\w[\w=.:/,-]*|[a-z0-9][\w.:/=@~-]*|<[^<>\s]+>|\[[^\[\]]+\]"
    r"|\{\{[^{}]+\}\}|\"[^\"]*\"|'[^']*')){0,5}?)\s+((?:" + "|".join(_EN_VERBS) + r")\s+\S.*)"
)
_VERB_OBJECT_BAD_RE = re.compile(
    r"\w+\s+(?:that|how|why|whether|what|is|are|was|were|can|will|should|have|has|to|of)\b", re.I
)
_TECHNICAL_RE = re.compile(r"[-/.=~$<\[{*|>]|\d")

# "- pwd: show the working directory": a lone program word, a colon, what it does (an action first)
_PROGRAM_COLON_RE = re.compile(r"\**([a-z][\w.+-]*)\**\s*[:：]\s*(\S.*)")
ACTION_ZH_RE = re.compile(
    r"(?:显示|查看|列出|打印|输出|创建|新建|删除|移除|复制|拷贝|移动|重命名|修改|更改|切换|进入|退出|启动|停止|"
    r"重启|安装|卸载|更新|升级|下载|上传|搜索|查找|统计|排序|压缩|解压|挂载|比较|编辑|打开|关闭|清空|清除|设置|"
    r"测试|连接|监控|终止|杀死|获取|返回|计算|改变|合并|过滤|替换|读取|写入|追加|同步|检查|刷新|生成)"
)


def _base_verb(verb: str) -> str:
    """``lists`` → ``list``, ``pushes`` → ``push``, ``copies`` → ``copy``."""
    if verb.endswith("ies"):
        return verb[:-3] + "y"
    if verb.endswith(("ches", "shes", "sses", "xes", "zes")):
        return verb[:-2]
    return verb[:-1]


_EN_ACTIONS = frozenset(_EN_VERBS) | frozenset(_base_verb(v) for v in _EN_VERBS) | {"show", "print", "list"}

LineRule = Callable[[Context, str, list[str], int, "str | None"], "bool | None"]


def command_at_start(text: str, known: frozenset[str] | set[str]) -> tuple[str, str] | None:
    """(command, rest of the line) when the line starts with a command (code span, ``$ ``, program word)."""
    stripped = text.lstrip()
    spans = code_spans(stripped)
    if spans and spans[0][0] == 0 and code_is_command(spans[0][2], known):
        return bare(spans[0][2]), stripped[spans[0][1] :]
    if stripped.startswith("$ "):
        body = stripped[2:]
        m = _PROMPT_TAIL_RE.search(body)
        return (body[: m.start()].strip(), body[m.start() :]) if m else (body.strip(), "")
    column = column_split(stripped, known)
    if column is not None:
        return column
    found = scan_command(stripped, 0, known)
    if found and found[2] in ("end", "cjk", "sep"):
        return found[0], stripped[found[1] :]
    return None


_COLUMN_GAP_RE = re.compile(r" [ \t]+|\t")  # two spaces or more, or a tab: a column gap
_COLUMN_CMD_BAD_RE = re.compile(r"[。；！？;!?，、（）：]|\.\s")  # prose punctuation: not a command column
COLUMN_EN_DESC_MIN_WORDS = 2  # ``docker ps  List containers``: an English description column, words at least


def column_split(text: str, known: frozenset[str] | set[str]) -> tuple[str, str] | None:
    """``kubectl get 资源类型      列出资源`` → (``kubectl get 资源类型``, ``列出资源``): all before the
    column gap is the command, CJK placeholders included; not ``git add 添加文件  很常用`` (a verb: prose)."""
    m = _description_gap(text, known)
    if m is None or not is_command_word(first_word(text), known):
        return None
    cmd, desc = text[: m.start()].strip(), text[m.end() :].strip()
    if not desc or " " not in cmd or _not_a_column(cmd):
        return None
    if any(ACTION_ZH_RE.match(run.group(0)) for run in CJK_RUN_RE.finditer(cmd)):
        return None  # "docker ps 查看容器  …": the CJK words are a description, not a placeholder
    if not (is_cjk(desc[0]) or _en_column_desc(desc, known)):
        return None
    return cmd, desc


COLUMN_KEY_MIN = 3  # lines shaped ``sub args   描述`` that make a paragraph a key column
_COLUMN_KEY_RE = re.compile(r"[a-z][\w.+-]*(?:\s|$)|--?[A-Za-z]")  # ``volume ls`` / ``-d``: a key's start


def column_keys(lines: list[str]) -> dict[int, tuple[str, str]]:
    """Key-column lines of a paragraph (``volume ls     列出卷`` each), when at least COLUMN_KEY_MIN and
    most of its lines have that shape; ``{}`` for ``git add 文件  常用`` alone or a paragraph of prose."""
    found: dict[int, tuple[str, str]] = {}
    other = 0
    for i, raw in enumerate(lines):
        text = raw.strip()
        if not text:
            continue
        pair = _column_key(text)
        if pair is None:
            other += 1
        else:
            found[i] = pair
    return found if len(found) >= COLUMN_KEY_MIN and len(found) > other else {}


def _column_key(text: str) -> tuple[str, str] | None:
    """``inspect id      查看详情`` → (``inspect id``, ``查看详情``); not ``查看 id   详情`` nor ``a  b``."""
    m = _description_gap(text, frozenset())
    if m is None or not _COLUMN_KEY_RE.match(text):
        return None
    key, desc = text[: m.start()].strip(), text[m.end() :].strip()
    if not desc or not is_cjk(desc[0]) or _not_a_column(key):
        return None
    if any(ACTION_ZH_RE.match(run.group(0)) for run in CJK_RUN_RE.finditer(key)):
        return None
    return key, clean_desc(desc)


def column_key_line(ctx: Context, pair: tuple[str, str], parents: list[str], lineno: int) -> bool:
    """Key-column line ``st 名称    查看状态`` → 查看状态 / st 名称; not a lone one (`column_keys`)."""
    ctx.propose_command(pair[0], pair[1], parents, lineno, "column_key")
    return True


def _not_a_column(cmd: str) -> bool:
    """``git log   =>`` (an arrow: the separator rules read it), ``a，b`` (prose); not ``git log -3``."""
    return bool(_COLUMN_CMD_BAD_RE.search(cmd) or "`" in cmd or _SEP_TAIL_RE.search(cmd))


COLUMN_GAPS_MAX = 4  # column gaps looked at in one line


def _description_gap(text: str, known: frozenset[str] | set[str]) -> re.Match[str] | None:
    """The gap a description column follows: in ``mv 旧名  新名     改名`` the last, not the one
    before the placeholder ``新名``; in ``kill  pid1      结束`` the one before 结束."""
    if "  " not in text and "\t" not in text:
        return None  # no gap at all (most lines): spares the scan
    for n, m in enumerate(_COLUMN_GAP_RE.finditer(text)):
        if n >= COLUMN_GAPS_MAX:
            break  # bounded: a line of many gaps is not a two-column line
        rest = text[m.end() :]
        if not rest or not (is_cjk(rest[0]) or _en_column_desc(rest.strip(), known)):
            continue
        word = rest.split(None, 1)[0]
        if is_placeholder(word) and _COLUMN_GAP_RE.search(rest):
            continue  # a placeholder argument, another column after it
        return m
    return None


def _en_column_desc(desc: str, known: frozenset[str] | set[str]) -> bool:
    """``List running containers`` reads as a description column; ``-a --all``, ``ls -l`` do not."""
    words = desc.split()
    return (
        len(words) >= COLUMN_EN_DESC_MIN_WORDS
        and words[0][:1].isalpha()
        and not is_command_word(words[0], known)
        and not _TECHNICAL_RE.search(desc)
        and not has_cjk(desc)
    )


def starts_with_command(text: str, known: frozenset[str] | set[str]) -> bool:
    """Whether a block's text starts with a command (a code span, a ``$`` prompt, a program word)."""
    line = text.lstrip()
    spans = code_spans(line)
    if spans and spans[0][0] == 0 and code_is_command(spans[0][2], known):
        return True
    if PROMPT_RE.match(line) and line.startswith("$"):
        return True
    found = scan_command(line, 0, known)
    return found is not None and found[2] in ("end", "cjk", "sep")


def leading_command(
    ctx: Context, text: str, parents: list[str], lineno: int, prev: str | None
) -> bool | None:
    """``- `git status` 查看状态`` → git status; not ``git branch 的数量…`` (talked about: stop)."""
    found = command_at_start(text, ctx.known)
    if found is None:
        return None
    cmd, rest = found
    alt = _ALT_RE.match(rest)
    if alt:  # "A 命令或 B": one card, back "A 或 B"
        second = command_at_start(rest[alt.end() :], ctx.known)
        if second is not None:
            joiner = " 或 " if has_cjk(text) else " or "
            cmd, rest = cmd + joiner + second[0], second[1]
    if _NOUN_USE_RE.match(rest) or talked_about(rest):
        ctx.skip(lineno, cmd, "talked_about")
        return False  # "git branch 的数量…": the command is talked about, not described
    rest = _CMD_WORD_LEAD_RE.sub("", rest)
    desc = ""
    if not command_param(ctx, text, cmd, rest, lineno) and not _COMMA_LEAD_RE.match(rest):
        desc = clean_desc(rest)
        desc = DESC_LEAD_RE.sub("", desc, count=1) or desc
    ctx.propose_command(cmd, desc, parents, lineno, "command_line")
    prose_use(ctx, rest, parents, lineno)
    return True


def talked_about(rest: str) -> bool:
    """What follows a command talks about it: ``命令执行成功后会提示…``, `` 支持多种选项``;
    not `` 查看状态`` nor `` 会清理无用的对象`` (what it does)."""
    return TALKED_ABOUT_RE.match(rest) is not None


def command_param(ctx: Context, text: str, cmd: str, rest: str, lineno: int) -> bool:
    """``cmd <x> 可以是 …`` → concept "`cmd` 中 <x> 可以是"; not ``cmd 列出文件`` (no parameter of cmd)."""
    param = _PARAM_RE.match(strip_code(rest)) if rest.strip() else None
    if not param or not _param_subject(param.group(1), cmd):
        return False
    subject = rest[param.start(1) : param.end(1)]
    verb = param.group(2)
    rest_def = rest[param.start(3) :].strip()
    front = f"`{cmd}` 中 {subject} {verb}" if has_cjk(text) else f"In `{cmd}`, {subject} {verb}"
    ctx.propose("concept", front, first_sentence_keep(rest_def), lineno, f"{subject} {verb}", "command_param")
    return True


def described_code_span(
    ctx: Context, text: str, parents: list[str], lineno: int, prev: str | None
) -> bool | None:
    """``描述：`cmd` `` / ``创建虚拟环境 `python3 -m venv .venv` ``; not ``see `man ls` for more``."""
    line_end = len(text.rstrip(" 。.;；"))  # a span ending at or after this ends the line
    for start, end, content in code_spans(text):
        if end < line_end or start == 0 or not code_is_command(content, ctx.known):
            continue
        before = text[:start].rstrip()
        if not _SEP_TAIL_RE.search(before) and _bare_desc(before):
            ctx.propose_command(bare(content), clean_desc(before), parents, lineno, "short_desc_command")
            return True
        if _SEP_TAIL_RE.search(before):
            lead, desc = last_sentence(before.rstrip(":：—–→=>- "))
            desc = _ITEM_MARK_RE.sub("", clean_desc(desc))
            if EXAMPLE_LABEL_RE.fullmatch(desc):
                ctx.skip(lineno, bare(content), "no_description")
                return True  # "示例：`docker exec -it web sh`": an example of what came before, not described
            if desc:
                if lead:
                    prose_use(ctx, lead, parents, lineno)
                ctx.propose_command(bare(content), desc, parents, lineno, "separator_command")
                return True
    return None


def colon_command(ctx: Context, text: str, parents: list[str], lineno: int, prev: str | None) -> bool | None:
    """``列出文件: ls -la`` (a bare command ending the line after a colon); not ``注意: 这里…``."""
    if ":" not in text and "：" not in text:
        return None
    for n, m in enumerate(_COLON_ANY_RE.finditer(strip_code(text))):
        if n >= MAX_USES_PER_LINE or m.end() >= len(text):
            break
        tail = text[m.end() :]
        found = scan_command(tail, 0, ctx.known)
        if found and found[2] in ("end", "punct") and not tail[found[1] :].strip(" 。.;；"):
            lead, desc = last_sentence(text[: m.start()])
            desc = clean_desc(desc)
            if desc and len(desc) <= COLON_DESC_MAX:
                if lead:
                    prose_use(ctx, lead, parents, lineno)
                ctx.propose_command(found[0], desc, parents, lineno, "colon_command")
                return True
    return None


def verb_command(ctx: Context, text: str, parents: list[str], lineno: int, prev: str | None) -> bool | None:
    """``git status shows the working tree`` → git status; not ``Git is a VCS`` nor ``git makes…``."""
    verb = _verb_command(text, ctx.known, prev)
    if verb is None:
        return None
    ctx.propose_command(verb[0], verb[1], parents, lineno, "verb_command")
    return True


def program_colon(ctx: Context, text: str, parents: list[str], lineno: int, prev: str | None) -> bool | None:
    """``- pwd: show the working directory`` → pwd; not ``- git: a version control system`` (a tool
    defined, not run) nor ``passwd: all tokens updated`` (output)."""
    m = _PROGRAM_COLON_RE.fullmatch(text)
    if m is None:
        return None
    word, desc = m.group(1), m.group(2)
    if word not in ctx.known or word in SUBCOMMAND_TOOLS or word in AMBIGUOUS_COMMANDS:
        return None
    first = desc.split()[0].lower()
    if not (ACTION_ZH_RE.match(desc) or first in _EN_ACTIONS):
        return None
    return ctx.propose_command(word, clean_desc(desc), parents, lineno, "program_colon") or None


def prose_use_line(ctx: Context, text: str, parents: list[str], lineno: int, prev: str | None) -> bool | None:
    """``使用 `docker ps` 查看容器`` (see `prose_use`); the line is claimed only if it made a card."""
    return prose_use(ctx, text, parents, lineno) or None


# The order in which a line's command rules are tried.
COMMAND_LINE_RULES: tuple[LineRule, ...] = (
    leading_command,
    program_colon,
    described_code_span,
    colon_command,
    verb_command,
    prose_use_line,
)


def command_line(
    ctx: Context, text: str, parents: list[str], lineno: int, *, prev: str | None = None
) -> bool:
    """Commands on one line.  True when the line is a command line (no concept rules then).

    ``prev`` is the line before it in the paragraph (None: it starts the paragraph).
    """
    if not may_hold_command(text):
        return False
    for rule in COMMAND_LINE_RULES:
        done = rule(ctx, text, parents, lineno, prev)
        if done is not None:
            return done
    return False


def _bare_desc(before: str) -> bool:
    """Whether the text before a line-ending command span is a short description of it."""
    if len(before) > BARE_DESC_MAX or "`" in before or _BARE_DESC_STOP_RE.search(before):
        return False
    if has_cjk(before):
        return not _BARE_DESC_ZH_TAIL_RE.search(before) and not ZH_NOT_DESC_RE.search(before)
    words = before.split()
    if not 2 <= len(words) <= 6 or not words[0][:1].isalpha():
        return False
    low = [w.lower() for w in words]
    return (
        low[0] not in PROSE_WORDS
        and low[0] not in PRONOUNS
        and low[-1] not in PROSE_WORDS
        and low[-1] not in _BARE_DESC_EN_TAIL
        and not any(w in ("is", "are", "was", "were", "be") for w in low)
    )


def _verb_command(text: str, known: frozenset[str] | set[str], prev: str | None) -> tuple[str, str] | None:
    """``git status shows the working tree`` → (``git status``, ``shows the working tree``)."""
    m = _EN_VERB_CMD_RE.match(text)
    if m is None:
        return None
    cmd = m.group(1)
    words = cmd.split()
    if not is_command_word(words[0], known) or any(w.lower() in PROSE_WORDS for w in words[1:]):
        return None
    if len(words) == 1:
        # "top shows live CPU usage": a single-purpose tool alone; not "git commits are…",
        # not "history shows that…", and an English-word tool only where a sentence starts
        if (
            words[0] in SUBCOMMAND_TOOLS
            or words[0] in PROSE_WORDS
            or _VERB_OBJECT_BAD_RE.match(text, m.start(2))
        ):
            return None
        if words[0] in AMBIGUOUS_COMMANDS and prev is not None and not _SENT_END_RE.search(prev):
            return None  # not at the start of a sentence
    elif words[0] in AMBIGUOUS_COMMANDS and not any(_TECHNICAL_RE.search(w) for w in words[1:]):
        return None
    desc = clean_desc(text[m.start(2) :])
    return (cmd, desc) if len(desc.split()) >= 2 else None


def _param_subject(subject: str, cmd: str) -> bool:
    s = subject.strip("`*")
    if _PLACEHOLDER_RE.fullmatch(s):
        return True
    return len(s) >= 2 and s in cmd.split()[1:]


def last_sentence(text: str) -> tuple[str, str]:
    """(the text before its last sentence, the last sentence): ``A。B`` → (``A。``, ``B``)."""
    prose = strip_code(text)
    cut = 0
    for m in _SENTENCE_STOP_RE.finditer(prose):
        if m.end() < len(prose.rstrip()):
            cut = m.end()
    return text[:cut], text[cut:].strip()


def first_sentence_keep(text: str) -> str:
    m = _SENTENCE_STOP_RE.search(text)
    return (text[: m.start()] if m else text).strip()
