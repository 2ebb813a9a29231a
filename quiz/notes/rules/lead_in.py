"""Lead-ins: text introducing the command that follows (``- does X:`` then `` `cmd` ``, the tldr layout)."""

from __future__ import annotations

import re

from quiz.notes.blocks import Block
from quiz.notes.context import Context
from quiz.notes.rules.command_line import EXAMPLE_LABEL_RE, command_at_start, starts_with_command
from quiz.notes.shaping import bare, strip_tldr_mnemonics
from quiz.notes.text import (
    PROMPT_RE,
    clean_desc,
    code_is_command,
    code_spans,
    first_word,
    has_cjk,
    looks_like_program,
)
from quiz.notes.words import AMBIGUOUS_COMMANDS, PROSE_WORDS

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


QUOTE_LEAD_MAX = 40  # characters of a short line introducing the blockquote command after it
_QUOTE_LEAD_STOP_RE = re.compile(r"[。；！？;!?，,]|\.\s")
# "方法一：", "用法：", "Output:": a label, not what the command after it does
_LABEL_RE = re.compile(
    r"(?:用法|格式|语法|输出|结果|注意|方法|方式|做法|步骤|第)[一二三四五六七八九十\d]*(?:种|步)?"
    r"|(?:usage|syntax|output|result|note|method|option|way|step)\s*\d*",
    re.I,
)
# a flag ("-o", "--name=x") or a placeholder ("<镜像 ID>", "[选项]"): what makes a line look like a command
_SHAPED_TOKEN_RES = (
    re.compile(r"(?<!\S)--?[A-Za-z]\w*"),
    re.compile(r"<[^<>]+>"),
    re.compile(r"\[[^\[\]]+\]"),
)


def quote_lead(prev: Block | None, known: frozenset[str] | set[str]) -> str:
    """The short line right above a blockquote command: ``加载：`` / ``- 复制到容器`` then ``> docker …``;
    not ``示例：`` (an example follows) nor a sentence."""
    if prev is None:
        return ""
    if prev.kind == "list" and prev.children:
        item = prev.children[-1]
        if (
            len(item.children) != 1
            or item.children[0].kind != "para"
            or "\n" in item.children[0].text.strip()
        ):
            return ""
        line = item.children[0].text.strip()
    elif prev.kind == "para":
        lines = prev.text.strip().split("\n")
        line = lines[-1].strip()
        if len(lines) > 1 and not line.endswith((":", "：")):
            return ""
    else:
        return ""
    line = line.rstrip(":： ")
    desc = clean_desc(line)
    if (
        not desc
        or len(line) > QUOTE_LEAD_MAX
        or _QUOTE_LEAD_STOP_RE.search(line)
        or ":" in line
        or "：" in line
        or "`" in desc
        or GENERIC_LEAD_RE.fullmatch(desc)
        or EXAMPLE_LABEL_RE.fullmatch(desc)
        or _LABEL_RE.fullmatch(desc)
        or starts_with_command(desc, known)
    ):
        return ""
    return desc


def shaped_command(line: str) -> str | None:
    """A line shaped like a command although its program is unknown (a typo, a rare tool):
    ``dokcer save -o <file> <id>``; not ``see the docs`` (no flag or placeholder) nor prose."""
    words = line.split()
    if len(words) < 2 or not looks_like_program(words[0]) or any(w.lower() in PROSE_WORDS for w in words):
        return None
    if not any(p.search(line) for p in _SHAPED_TOKEN_RES):
        return None
    prose = line
    for pattern in _SHAPED_TOKEN_RES[1:]:
        prose = pattern.sub("", prose)
    if has_cjk(prose):
        return None
    return line.strip()


def quote_command(ctx: Context, node: Block, lead: str, parents: list[str]) -> bool:
    """``加载：`` then ``> docker load -i <file>`` → that text describes the quote's first command;
    not a quote of prose.  True when it made a card (the quote's other lines are read as usual)."""
    body = node.children[0] if node.children else None
    if body is None or body.kind != "para":
        return False
    first = body.text.strip().split("\n", 1)[0].strip()
    cmd = lone_command_text(Block("para", text=first), ctx.known)
    if cmd is None:
        found = command_at_start(first, ctx.known)
        if found is not None and not found[1].strip():
            cmd = found[0]
        else:
            cmd = shaped_command(first) if found is None else None
    if cmd is None:
        return False
    return ctx.propose_command(cmd, lead, parents, body.line + 1, "quote_lead_command")


STEP_DESC_MAX = 30  # characters of a plain line describing the command line right after it
STEP_DESC_MAX_WORDS = 6  # words of such a line in English
STEP_PLACEHOLDER_MAX = 12  # characters of a CJK argument in a plain command line (``docker rm 容器名``)
_TECHNICAL_ARG_RE = re.compile(r"[-/.=~$<\[{*|>]|\d")  # an argument that looks technical
_STEP_ARG_BAD_RE = re.compile(r"[。；！？，、：“”（）]")  # CJK punctuation: prose, not an argument


def step_description(line: str, known: frozenset[str] | set[str]) -> str:
    """A short plain line describing the command line after it: ``列出网络`` / ``List networks``;
    not ``执行以下命令：`` (a colon introduces), a sentence, nor a command itself ("" then)."""
    line = line.strip()
    desc = clean_desc(line)
    if (
        not desc
        or len(line) > STEP_DESC_MAX
        or line.endswith((".", ":", "：", "…"))
        or _QUOTE_LEAD_STOP_RE.search(line)
        or ":" in line
        or "：" in line
        or "`" in line
        or line[0] in "-*+>#|$<[{(=/\\"
        or GENERIC_LEAD_RE.fullmatch(desc)
        or EXAMPLE_LABEL_RE.fullmatch(desc)
        or _LABEL_RE.fullmatch(desc)
        or starts_with_command(desc, known)
        or shaped_command(desc) is not None
    ):
        return ""
    if not has_cjk(desc):
        words = desc.split()
        if len(words) > STEP_DESC_MAX_WORDS or not words[0][:1].isalpha() or words[0].lower() in PROSE_WORDS:
            return ""
    return desc


def step_command_text(line: str, known: frozenset[str] | set[str]) -> str | None:
    """A line that is nothing but a command: ``docker network rm 网络名`` / ``git log --oneline``;
    not ``docker 是一个容器引擎`` nor ``make sure it works`` (prose after a program word)."""
    line = line.strip()
    words = line.split()
    if not words or words[0] not in known or _STEP_ARG_BAD_RE.search(line):
        return None
    if "\t" in line or "  " in line:
        return None  # "cmd args    描述": a column line, its description is its own (`column_split`)
    ascii_words = [w for w in words[1:] if not has_cjk(w)]
    if any(w.lower() in PROSE_WORDS for w in ascii_words):
        return None
    if words[0] in AMBIGUOUS_COMMANDS and not any(_TECHNICAL_ARG_RE.search(w) for w in words[1:]):
        return None  # "find the file": an English sentence
    cjk_words = [w for w in words[1:] if has_cjk(w)]
    if any(len(w) > STEP_PLACEHOLDER_MAX for w in cjk_words) or (cjk_words and len(words) < 3):
        return None  # "git 提交" / a phrase of CJK prose
    found = command_at_start(line, known)
    if found is None:
        return shaped_command(line)
    if not found[1].strip(" 。.;；") or cjk_words:
        return line
    return None


def step_pair(desc_line: str, cmd_line: str, known: frozenset[str] | set[str]) -> tuple[str, str] | None:
    """(description, command) for a plain description line then a plain command line
    (``列出网络`` / ``docker network ls``); None for ``Docker 简介`` then prose."""
    cmd = step_command_text(cmd_line, known)
    if cmd is None:
        return None
    desc = step_description(desc_line, known)
    return (desc, cmd) if desc else None


def step_lines(
    ctx: Context, lines: list[str], first: int, parents: list[str], before: str | None, after: str | None
) -> set[int]:
    """``列出网络`` then ``docker network ls`` → one card; not ``执行以下命令：`` then a command.

    ``before``/``after``: the neighbouring paragraphs' last/first line.  Returns the indexes of the
    lines used (they make no concept card)."""
    used: set[int] = set()
    pairs = [(-1, 0)] if before is not None and lines else []
    pairs += [(i, i + 1) for i in range(len(lines) - 1)]
    for d, c in pairs:
        if d in used or c in used:
            continue
        pair = step_pair(lines[d] if d >= 0 else before or "", lines[c], ctx.known)
        if pair is None:
            continue
        group = [pair[1]]
        end = c + 1  # the command lines right after it: one group, one card (as in a code block)
        while end < len(lines) and (more := step_command_text(lines[end], ctx.known)) is not None:
            group.append(more)
            end += 1
        ctx.propose_command("\n".join(group), pair[0], parents, first + c, "step_command")
        used.update(i for i in range(d, end) if i >= 0)
    if after is not None and lines and len(lines) - 1 not in used and step_pair(lines[-1], after, ctx.known):
        used.add(len(lines) - 1)  # it describes the next paragraph's command (carded there)
    return used
