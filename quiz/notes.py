"""Notes → cards.

A note is Markdown (Chinese or English).  `parse_note` reads it with markdown-it-py
and turns its structure into flashcard drafts.  Nothing here knows any particular
subject: the rules are about the shape of the text.

Topics
    Every heading is a topic; a card's `topic` is the path of heading titles
    above it, outermost first (skipped levels are fine).

Command cards (kind "command": front = what it does, back = the bare command)
    * A line (list item, blockquote line, paragraph line) that starts with a
      command: an inline code span holding a command, a ``$ `` prompt, or a bare
      program word.  Program words are a built-in list of common CLIs plus the
      words the note itself uses first in its inline code spans and shell code
      blocks.  A bare command ends where prose resumes: CJK text not attached to
      the command (``<包名>[@版本]`` stays, ``rm 删除…`` stops), sentence
      punctuation, a separator (`` - ``, ``—``, ``: ``, ``#``) or an English
      function word.  The rest of the line is the description.
    * ``描述：`cmd` `` / ``does X: `cmd` ``: a description, a separator, a command.
    * Prose use: ``使用 X 来查看…`` / ``use X to …`` (also 用/运行/执行/输入/run/type)
      gives a card whose description is the clause after the command.
    * ``A 命令或 B`` / ``A or B`` at the start of a line: one card, back "A 或 B".
    * A command with no description of its own takes the text of the list item it
      sits under (e.g. a blockquote holding only the command), else the paragraph
      before it, else the heading.
    * Fenced/indented code blocks in a shell language (or whose lines start with a
      prompt or program word): one card per command line, ``$ `` prompts removed,
      ``\\`` continuations joined; a ``# comment`` describes the next command,
      else the paragraph/list item/heading before the block.
    * The front is prefixed with the enclosing list item ("parent › description")
      so it can be answered alone.

Concept cards (kind "concept": front = term or problem, back = definition/answer)
    * Explicit definitions: ``X 是 Y``, ``X：Y``, ``X: Y``, ``X is/are Y``,
      ``X 也被称为/又称/类似于/相当于/即 Y``, ``**X** — Y`` (subject short, not a pronoun).
    * In a list where at least two items are definitions, the other items that
      start with a short term are split at their first predicate (通过/用于/…).
    * A question and its answer in one sentence (``X 是否…，是…``, ``Why…? …``).
    * A list item starting ``如果…，…`` / ``If …, …``: condition → consequence.
    * Problem → solution: a list item followed by a blockquote of prose (or by a
      paragraph when the item reads like a problem: 错误/失败/error/…).
    * A parameter explained after its command (``<x> 可以是 …``).

QA cards: a line ``Question::Answer`` outside code (``std::vector`` is not one).
Explicit cards suppress the automatic rules on their line.

Keys
    ``key`` = first 16 hex digits of sha1 over kind + NUL + the normalised identity:
    the command for command cards, the term / problem / question (without the
    parent-context prefix) for the others.  Normalised = NFKC, code and emphasis
    marks dropped, white space collapsed, casefolded.  Line numbers and topics are
    not part of it, so moving text around keeps the key.  The n-th (n >= 2) card
    with the same digest in one note gets the suffix ``-n`` in note order.
"""

from __future__ import annotations

import codecs
import hashlib
import re
from dataclasses import dataclass, field

from markdown_it import MarkdownIt

from quiz.extract_text import (
    BUILTIN_COMMANDS,
    CJK_PUNCT,
    PROMPT_RE,
    SHELL_KEYWORDS,
    WORD_RE,
    clean_desc,
    code_is_command,
    code_spans,
    first_clause,
    first_word,
    has_cjk,
    is_cjk,
    join_lines,
    looks_like_program,
    norm_key,
    scan_command,
    shorten,
    strip_code,
    strip_item_marks,
)

CARD_KINDS = ("command", "concept", "cloze", "qa")


class NoteError(ValueError):
    """A notes file that cannot be read as text; the message names the file."""


@dataclass(frozen=True)
class Topic:
    """A heading: its path of titles (outermost first) and its 1-based line."""

    path: tuple[str, ...]
    line: int


@dataclass(frozen=True)
class CardDraft:
    """A card as extracted from a note, before it is stored."""

    kind: str  # one of CARD_KINDS
    front: str  # Markdown
    back: str  # Markdown; a command card's back is the bare command
    topic: tuple[str, ...]  # heading titles, outermost first
    line: int  # 1-based line of the card's answer in the note
    key: str  # stable identity within the note


@dataclass(frozen=True)
class ParsedNote:
    """Everything a note yields: its headings and its cards, in note order."""

    topics: tuple[Topic, ...]
    cards: tuple[CardDraft, ...]


# --------------------------------------------------------------------------- decoding


def decode_note(data: bytes, name: str) -> str:
    """Decode a notes file's bytes (UTF-8 with or without BOM, else GB18030)."""
    if not data:
        return ""
    if b"\x00" in data:
        raise NoteError(f"{name}: looks like a binary file (contains NUL bytes), not a text note")
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        try:
            text = data.decode("gb18030")
        except UnicodeDecodeError:
            raise NoteError(f"{name}: not a text note (neither UTF-8 nor GB18030)") from None
    controls = sum(1 for c in text if ord(c) < 32 and c not in "\t\n\r\f\v\x1b")
    if controls and controls * 100 > len(text):
        raise NoteError(f"{name}: looks like a binary file (control bytes), not a text note")
    return text.replace("\r\n", "\n").replace("\r", "\n")


# --------------------------------------------------------------------------- structure

_MD = MarkdownIt("commonmark", {"html": False})
SHELL_LANGS = frozenset(
    "sh bash shell console zsh fish powershell ps ps1 pwsh cmd bat batch terminal shell-session "
    "shellsession".split()
)


@dataclass
class _Node:
    kind: str  # root, list, item, quote, para, code, heading
    line: int = 0  # 0-based first line
    text: str = ""
    info: str = ""
    level: int = 0
    fenced: bool = False
    children: list[_Node] = field(default_factory=list)


def _tree(text: str) -> _Node:
    root = _Node("root")
    stack = [root]
    kinds = {
        "bullet_list_open": "list",
        "ordered_list_open": "list",
        "list_item_open": "item",
        "blockquote_open": "quote",
        "paragraph_open": "para",
        "heading_open": "heading",
    }
    for tok in _MD.parse(text):
        line = tok.map[0] if tok.map else (stack[-1].line if stack else 0)
        if tok.nesting == 1 and tok.type in kinds:
            node = _Node(kinds[tok.type], line=line)
            if node.kind == "heading":
                node.level = int(tok.tag[1:]) if tok.tag[1:].isdigit() else 1
            stack[-1].children.append(node)
            stack.append(node)
        elif tok.nesting == -1:
            if len(stack) > 1:
                stack.pop()
        elif tok.type == "inline":
            stack[-1].text = tok.content
        elif tok.type in ("fence", "code_block"):
            fenced = tok.type == "fence"
            stack[-1].children.append(
                _Node(
                    "code", line=line + (1 if fenced else 0), text=tok.content, info=tok.info, fenced=fenced
                )
            )
    return root


def _iter_nodes(node: _Node):
    yield node
    for child in node.children:
        yield from _iter_nodes(child)


def _learn_commands(root: _Node) -> set[str]:
    words: set[str] = set()
    for node in _iter_nodes(root):
        if node.kind in ("para", "heading"):
            for _, _, content in code_spans(node.text):
                parts = PROMPT_RE.sub("", content).split()
                if len(parts) >= 2 and looks_like_program(parts[0]):
                    words.add(parts[0])
        elif node.kind == "code" and first_word(node.info).lower() in SHELL_LANGS:
            for line in node.text.split("\n"):
                word = first_word(PROMPT_RE.sub("", line))
                if looks_like_program(word) and word not in SHELL_KEYWORDS:
                    words.add(word)
    return words


# --------------------------------------------------------------------------- rules

_PRONOUNS = frozenset(
    "这 那 它 他 她 这个 那个 这些 那些 这里 那里 此 其 我 你 我们 你们 他们 它们 这就 那就 这也 "
    "this that it there here they he she we you i which what these those one".split()
)
# (pattern, kind): "drop" = the verb is not kept in the back; "keep" = it is; "front" = it joins the front
_DEF_VERBS = [
    ("也被称为", "keep"),
    ("也被称作", "keep"),
    ("又被称为", "keep"),
    ("被称为", "keep"),
    ("又称为", "keep"),
    ("也称为", "keep"),
    ("又称", "keep"),
    ("也叫做", "keep"),
    ("也叫", "keep"),
    ("简称", "keep"),
    ("类似于", "keep"),
    ("相当于", "keep"),
    ("指的是", "drop"),
    ("是指", "drop"),
    ("就是", "drop"),
    ("可以是", "front"),
    ("意味着", "keep"),
    ("是", "drop"),
    ("：", "drop"),
]
_EN_DEF_RE = re.compile(
    r"\s(is also called|is also known as|also known as|is called|is similar to|refers to|means|can be|is|are)"
    r"\s",
    re.I,
)
_NOT_SHI_BEFORE = set("不而还但可于总只凡都倒硬")
_PREDICATES = (
    "通过 用于 用来 负责 提供 包含 包括 能够 可以 允许 支持 代表 表示 由 会 将 把 让 为 对 与 和 "
    "在 从 使用 管理 运行 存储 保存 定义 描述"
).split()
_QUESTION_MARKS = (
    "是否",
    "吗",
    "为什么",
    "为何",
    "如何",
    "怎么",
    "怎样",
    "什么",
    "哪些",
    "哪个",
    "多少",
    "能否",
    "可否",
)
_PROBLEM_WORDS = re.compile(
    r"错误|失败|报错|异常|问题|无法|不能|不了|出错|冲突|警告|怎么办|error|fail|cannot|can't|can not|"
    r"unable|not working|doesn't|does not|issue|problem|warning|exception|denied|refused|timeout|"
    r"how to|how do|why",
    re.I,
)
_USE_RE = re.compile(
    r"(?:使用|利用|运行|执行|输入|敲|用|(?<![A-Za-z])(?:use|using|run|running|type|execute)(?![A-Za-z]))",
    re.I,
)
_MAX_USES_PER_LINE = 20  # bounds the work on pathological lines
_ALT_RE = re.compile(r"^\s*(?:命令|指令|command)?\s*(或者|或是|或|or|/|、)\s*", re.I)
_PARAM_RE = re.compile(r"^\s*(\S{1,24}?)\s*(可以是|可为|是指|是|指|表示|can be|is|means)\s*(\S.*)$")
_COND_RE = re.compile(r"^((?:如果|假如|若是|倘若|要是)[^，,。；]{1,60})[，,]\s*(.+)$")
_COND_EN_RE = re.compile(r"^((?:If|When|Whenever)\s[^,.;]{2,80}),\s*(.+)$")
_PURPOSE_RE = re.compile(r"^((?:为了|为)[^，,。；]{2,40})[，,]\s*([^。；;]+)[。]?$")
_PURPOSE_EN_RE = re.compile(r"^((?:To|In order to)\s[^,.;]{2,80}),\s*([^.;]+)\.?$")
_TERM_MARKUP_RE = re.compile(r"^(\*\*[^*]{1,40}\*\*|__[^_]{1,40}__|`[^`]{1,40}`)\s*(.*)$")
_QA_RE = re.compile(r"::")


@dataclass
class _Card:
    kind: str
    front: str
    back: str
    topic: tuple[str, ...]
    line: int
    ident: str


def _subject_ok(subject: str, *, limit: int = 16) -> bool:
    s = subject.strip().strip("*_`").strip()
    if not s or len(s) < 2:
        return False
    if s.casefold() in _PRONOUNS or s.split()[0].casefold() in _PRONOUNS:
        return False
    if any(c in s for c in '，,。；;！？!?（(“"') or "://" in s or "::" in s:
        return False
    if s[0] in CJK_PUNCT or s[0] in "-—–":
        return False
    if has_cjk(s):
        return len(s) <= limit
    return len(s.split()) <= 5 and len(s) <= 60


def _find_def(text: str, *, allow_colon: bool = True) -> tuple[str, str, str] | None:
    """(subject, verb kind, rest) for the earliest definition marker with a good subject."""
    best: tuple[int, str, str, str] | None = None
    prose = strip_code(text)
    for verb, mode in _DEF_VERBS:
        if verb == "：" and not allow_colon:
            continue
        start = 0
        while True:
            i = prose.find(verb, start)
            if i < 0 or (best and i >= best[0]):
                break
            start = i + 1
            if verb == "是" and (
                prose[i - 1 : i] in _NOT_SHI_BEFORE
                or prose[i + 1 : i + 2] in ("否", "的", "非", "什", "谁", "哪")
            ):
                continue
            subject, rest = text[:i], text[i + len(verb) :]
            if _subject_ok(subject) and rest.strip():
                best = (i, verb, mode, rest)
            break
    if allow_colon:
        for m in re.finditer(r"(?<!:):(?![:/])", prose):
            i = m.start()
            if best and i >= best[0]:
                break
            subject, rest = text[:i], text[i + 1 :]
            if _subject_ok(subject) and rest.strip() and not rest.strip().startswith("`"):
                best = (i, ":", "drop", rest)
            break
    if not has_cjk(text[:12]):
        m = _EN_DEF_RE.search(prose)
        if m and (not best or m.start() < best[0]):
            subject, rest = text[: m.start()], text[m.end() :]
            verb = m.group(1).lower()
            mode = (
                "drop"
                if verb in ("is", "are", "means", "refers to")
                else "front"
                if verb == "can be"
                else "keep"
            )
            if _subject_ok(subject) and rest.strip() and not subject[:1].islower():
                best = (m.start(), m.group(1), mode, rest)
    if not best:
        return None
    _, verb, mode, rest = best
    subject = text[: best[0]].strip()
    rest = rest.strip()
    if mode == "keep":
        rest = verb + ("" if has_cjk(verb) else " ") + rest
    elif mode == "front":
        subject = f"{subject} {verb}"
    return subject, mode, rest


class _Extractor:
    def __init__(self, text: str):
        self.root = _tree(text)
        self.known = set(BUILTIN_COMMANDS) | _learn_commands(self.root)
        self.topics: list[Topic] = []
        self.path: list[tuple[int, str]] = []
        self.cards: list[_Card] = []
        self.seen: set[tuple[str, int, str]] = set()

    # ---- helpers
    @property
    def topic(self) -> tuple[str, ...]:
        return tuple(t for _, t in self.path)

    def add(self, kind: str, front: str, back: str, line: int, ident: str) -> None:
        if kind != "command":
            front, back = _tidy(front), _tidy(back)
        front, back = front.strip(), back.strip()
        if not front or not back or not ident.strip():
            return
        mark = (kind, line, norm_key(back) if kind == "command" else norm_key(ident))
        if mark in self.seen:
            return
        self.seen.add(mark)
        self.cards.append(_Card(kind, front, back, self.topic, line, ident))

    def add_command(self, cmd: str, desc: str, ctx: list[str], line: int) -> None:
        cmd = cmd.strip()
        if not cmd:
            return
        prefix = ""
        if not desc:
            if ctx:
                desc, prefix = ctx[-1], (ctx[-2] if len(ctx) > 1 else "")
            elif self.path:
                desc = self.path[-1][1]
        else:
            prefix = ctx[-1] if ctx else ""
        desc = desc.strip()
        if not desc:
            return
        front = f"{prefix} › {desc}" if prefix and norm_key(prefix) != norm_key(desc) else desc
        self.add("command", front, cmd, line, cmd)

    # ---- walking
    def run(self) -> None:
        self.walk(self.root, ctx=[], consumed=False)

    def walk(self, node: _Node, ctx: list[str], consumed: bool) -> None:
        prev: _Node | None = None
        for child in node.children:
            if child.kind == "heading":
                title = child.text.strip()
                while self.path and self.path[-1][0] >= child.level:
                    self.path.pop()
                if title:
                    self.path.append((child.level, title))
                    self.topics.append(Topic(self.topic, child.line + 1))
            elif child.kind == "para":
                self.para(child, ctx, consumed=consumed, item_head=False)
            elif child.kind == "code":
                self.code(child, ctx, prev)
            elif child.kind == "list":
                self.list(child, ctx)
            elif child.kind == "quote":
                self.walk(child, ctx, consumed)
            elif child.kind == "item":
                self.item(child, ctx, deflist=False)
            prev = child

    def list(self, node: _Node, ctx: list[str]) -> None:
        heads = [c.children[0].text for c in node.children if c.children and c.children[0].kind == "para"]
        defs = sum(1 for h in heads if _find_def(h.split("\n")[0]) and not self._starts_with_command(h))
        deflist = defs >= 2 and defs * 2 >= len(heads)
        for item in node.children:
            self.item(item, ctx, deflist=deflist)

    def item(self, node: _Node, ctx: list[str], deflist: bool) -> None:
        children = node.children
        if not children or children[0].kind != "para":
            self.walk(node, ctx, consumed=False)
            return
        head = children[0]
        before = len(self.cards)
        self.para(head, ctx, consumed=False, item_head=True, deflist=deflist)
        produced = len(self.cards) > before
        answer = children[1] if len(children) > 1 else None
        consumed_answer = False
        head_text = join_lines(head.text.split("\n"))
        if answer is not None and not produced and len(head_text) <= 160:
            body = answer.children[0] if answer.kind == "quote" and answer.children else answer
            if body.kind == "para" and not self._starts_with_command(body.text):
                if answer.kind == "quote" or _PROBLEM_WORDS.search(head_text):
                    back = join_lines(body.text.split("\n"))
                    front = strip_item_marks(head_text)
                    self.add("concept", front, back, body.line + 1, front)
                    consumed_answer = True
        sub_ctx = ctx + [shorten(head_text)] if head_text else ctx
        rest = _Node("item", children=children[1:])
        if consumed_answer and answer is not None:
            self.walk(_Node("item", children=[answer]), sub_ctx, consumed=True)
            rest.children = children[2:]
        self.walk(rest, sub_ctx, consumed=False)

    def _starts_with_command(self, text: str) -> bool:
        line = text.lstrip()
        spans = code_spans(line)
        if spans and spans[0][0] == 0 and code_is_command(spans[0][2], self.known):
            return True
        if PROMPT_RE.match(line) and line.startswith("$"):
            return True
        return scan_command(line, 0, self.known) is not None and self._bare_ok(line)

    def _bare_ok(self, line: str) -> bool:
        found = scan_command(line, 0, self.known)
        if not found:
            return False
        _, _, stop = found
        return stop in ("end", "cjk", "sep")

    # ---- paragraphs
    def para(self, node: _Node, ctx: list[str], *, consumed: bool, item_head: bool, deflist: bool = False):
        lines = node.text.split("\n")
        concept_lines: list[tuple[int, str]] = []
        for i, raw in enumerate(lines):
            lineno = node.line + i + 1
            text = raw.strip()
            if not text:
                continue
            if self.qa(text, lineno):
                continue
            if self.command_line(text, ctx, lineno):
                continue
            concept_lines.append((lineno, text))
        if consumed or not concept_lines:
            return
        if item_head:
            lineno = concept_lines[0][0]
            unit = join_lines([t for _, t in concept_lines])
            self.concept(unit, lineno, item=True, deflist=deflist)
        else:
            sentences = list(self._sentences(concept_lines))
            skip = False
            for n, (lineno, sentence) in enumerate(sentences):
                if skip:
                    skip = False
                    continue
                if sentence.rstrip().endswith(("?", "？")) and n + 1 < len(sentences):
                    answer = sentences[n + 1][1].strip().rstrip("。.")
                    if 2 <= len(sentence) <= 80 and answer:
                        self.add("concept", sentence.strip(), answer, sentences[n + 1][0], sentence)
                        skip = True
                        continue
                self.concept(sentence, lineno, item=False, deflist=False)

    @staticmethod
    def _sentences(lines: list[tuple[int, str]]):
        buf: list[str] = []
        start = 0
        for lineno, text in lines:
            for piece in re.split(r"(?<=[。！？!?])|(?<=\.)\s+(?=[A-Z\u4e00-\u9fff])", text):
                if not piece.strip():
                    continue
                if not buf:
                    start = lineno
                buf.append(piece)
                if re.search(r"[。！？!?.]\s*$", piece):
                    yield start, join_lines(buf)
                    buf = []
        if buf:
            yield start, join_lines(buf)

    def qa(self, text: str, lineno: int) -> bool:
        prose = strip_code(text)
        m = _QA_RE.search(prose)
        if not m or "{{" in prose:
            return False
        left, right = text[: m.start()].strip(), text[m.end() :].strip()
        if not left or not right:
            return False
        if not left.endswith(("?", "？")) and re.match(r"[A-Za-z_<~*]", text[m.end() :]):
            word = left.split()[-1]
            if re.fullmatch(r"[a-z_][a-z0-9_]*", word) or "::" in right.split()[0]:
                return False  # a code path such as std::vector or a::b::c
        self.add("qa", left, right, lineno, left)
        return True

    def command_line(self, text: str, ctx: list[str], lineno: int) -> bool:
        """Commands on one line.  True when the line starts with a command (no concept rules then)."""
        found = self._command_at_start(text)
        if found is not None:
            cmd, rest = found
            alt = _ALT_RE.match(rest)
            if alt:
                after = rest[alt.end() :]
                second = self._command_at_start(after)
                if second is not None:
                    joiner = " 或 " if has_cjk(text) else " or "
                    cmd, rest = cmd + joiner + second[0], second[1]
            rest = re.sub(r"^\s*(?:命令|指令|command(?!\w))", "", rest)
            desc = ""
            param = _PARAM_RE.match(strip_code(rest)) if rest.strip() else None
            if param and self._param_subject(param.group(1), cmd):
                subject = rest[param.start(1) : param.end(1)]
                verb = param.group(2)
                rest_def = rest[param.start(3) :].strip()
                front = f"`{cmd}` 中 {subject} {verb}" if has_cjk(text) else f"In `{cmd}`, {subject} {verb}"
                self.add("concept", front, first_sentence_keep(rest_def), lineno, f"{subject} {verb}")
            elif not re.match(r"^\s*[，,]", rest):
                desc = clean_desc(rest)
            self.add_command(cmd, desc, ctx, lineno)
            self.use_commands(rest, ctx, lineno)
            return True
        # "描述：`cmd`" / "does X: `cmd`"
        for start, end, content in code_spans(text):
            if not code_is_command(content, self.known):
                continue
            before = text[:start].rstrip()
            if re.search(r"[:：—–→=>-]$", before) and not text[end:].strip(" 。.;；"):
                desc = clean_desc(before.rstrip(":：—–→=>- "))
                desc = re.sub(r"^\s*(?:[-*+]\s+)", "", desc)
                if desc:
                    self.add_command(_bare(content), desc, ctx, lineno)
                    return True
        m = re.search(r"[:：]\s*", strip_code(text))
        if m and m.end() < len(text):
            tail = text[m.end() :]
            found = scan_command(tail, 0, self.known)
            if found and found[2] in ("end", "punct") and not tail[found[1] :].strip(" 。.;；"):
                desc = clean_desc(text[: m.start()])
                if desc and len(desc) <= 60:
                    self.add_command(found[0], desc, ctx, lineno)
                    return True
        self.use_commands(text, ctx, lineno)
        return False

    def _param_subject(self, subject: str, cmd: str) -> bool:
        s = subject.strip("`*")
        if re.fullmatch(r"<[^<>]+>|\[[^\[\]]+\]|\{[^{}]+\}", s):
            return True
        return len(s) >= 2 and s in cmd.split()[1:]

    def _command_at_start(self, text: str) -> tuple[str, str] | None:
        stripped = text.lstrip()
        spans = code_spans(stripped)
        if spans and spans[0][0] == 0 and code_is_command(spans[0][2], self.known):
            return _bare(spans[0][2]), stripped[spans[0][1] :]
        if stripped.startswith("$ "):
            body = stripped[2:]
            m = re.search(r"\s#\s|\s+[—–→]\s", body)
            return (body[: m.start()].strip(), body[m.start() :]) if m else (body.strip(), "")
        found = scan_command(stripped, 0, self.known)
        if found and found[2] in ("end", "cjk", "sep"):
            return found[0], stripped[found[1] :]
        return None

    def use_commands(self, text: str, ctx: list[str], lineno: int) -> None:
        prose = strip_code(text)
        span_at = {s[0]: s for s in code_spans(text)}
        for n, m in enumerate(_USE_RE.finditer(prose)):
            if n >= _MAX_USES_PER_LINE:
                break
            start = m.end()
            while start < len(text) and text[start].isspace():
                start += 1
            spans = [span_at[start]] if start in span_at else []
            if spans and code_is_command(spans[0][2], self.known):
                cmd, end = _bare(spans[0][2]), spans[0][1]
            else:
                found = scan_command(text, start, self.known) if start < len(text) else None
                if not found:
                    continue
                cmd, end = found[0], found[1]
            desc = clean_desc(first_clause(text[end:]), use_lead=True)
            if desc and not re.match(r"^(?:命令|指令|command)", desc):
                self.add_command(cmd, desc, ctx, lineno)

    # ---- concepts
    def concept(self, unit: str, lineno: int, *, item: bool, deflist: bool) -> None:
        unit = unit.strip()
        if len(unit) < 4:
            return
        # question and answer in one sentence
        clause_m = re.search(r"[，,？?]", unit)
        if clause_m:
            q, a = unit[: clause_m.start()], unit[clause_m.end() :].strip()
            asks = clause_m.group(0) in "？?" or any(w in q for w in _QUESTION_MARKS)
            if asks and has_cjk(q) or clause_m.group(0) == "?" and not has_cjk(q) and len(q.split()) >= 3:
                a = re.sub(r"^(?:是|答[:：]|因为|because)\s*", "", a).rstrip("。.")
                if len(a) >= 2 and len(q) <= 60:
                    front = q + ("？" if has_cjk(q) else "?") if clause_m.group(0) in "？?" else q
                    self.add("concept", front, a, lineno, q)
                    return
        if item:
            m = _COND_RE.match(unit) or _COND_EN_RE.match(unit)
            if m:
                self.add("concept", m.group(1).strip(), m.group(2).strip().rstrip("。."), lineno, m.group(1))
                return
            m = _PURPOSE_RE.match(unit) or _PURPOSE_EN_RE.match(unit)
            if m and len(m.group(2)) >= 4:
                main = m.group(2).strip().rstrip("。.")
                front = f"为什么{main}？" if has_cjk(main) else f"Why: {main}?"
                self.add("concept", front, m.group(1).strip(), lineno, main)
                return
            tm = _TERM_MARKUP_RE.match(unit)
            if tm and re.match(r"\s*[:：—–-]", tm.group(2)):
                rest = re.sub(r"^\s*[:：—–-]+\s*", "", tm.group(2)).strip()
                if rest:
                    self.add("concept", tm.group(1), rest, lineno, tm.group(1))
                    return
        found = _find_def(unit)
        if found:
            subject, _, rest = found
            rest = rest.strip().rstrip("。")
            if rest.endswith(".") and not rest.endswith(".."):
                rest = rest[:-1]
            if len(rest) >= 2:
                self.add("concept", subject, rest, lineno, subject)
                return
        if item and deflist:
            for i in range(2, min(len(unit), 14)):
                if not is_cjk(unit[i]):
                    continue
                word = next((p for p in _PREDICATES if unit.startswith(p, i)), None)
                if word and _subject_ok(unit[:i]):
                    self.add("concept", unit[:i].strip(), unit[i:].strip().rstrip("。"), lineno, unit[:i])
                    return

    # ---- code blocks
    def code(self, node: _Node, ctx: list[str], prev: _Node | None) -> None:
        lang = first_word(node.info).lower()
        shell = lang in SHELL_LANGS
        if lang and not shell and lang not in ("text", "txt", "plain"):
            return
        raw = node.text.split("\n")
        prompts = any(r.lstrip().startswith("$ ") for r in raw)
        block_desc = ""
        if prev is not None and prev.kind == "para":
            last = [x for x in prev.text.split("\n") if x.strip()]
            if last:
                block_desc = clean_desc(re.sub(r"[:：]\s*$", "", last[-1].strip()))
        entries: list[tuple[str, str, int]] = []
        pending = ""
        i = 0
        while i < len(raw):
            line = raw[i]
            lineno = node.line + i + 1
            s = line.strip()
            i += 1
            if not s:
                continue
            if s.startswith("#") and not s.startswith("#!"):
                pending = s.lstrip("#").strip()
                continue
            if prompts and not s.startswith("$ "):
                continue
            s = PROMPT_RE.sub("", s, count=1) if s.startswith("$ ") else s
            while s.endswith("\\") and i < len(raw):
                s = s[:-1].rstrip() + " " + raw[i].strip()
                i += 1
            comment = ""
            cm = re.search(r"\s+#\s+(.*)$", s)
            if cm:
                comment, s = cm.group(1).strip(), s[: cm.start()].rstrip()
            word = first_word(s)
            ok = prompts or (word in self.known) or (shell and looks_like_program(word))
            if not ok or word in SHELL_KEYWORDS or not WORD_RE.match(word or ""):
                pending = ""
                continue
            entries.append((s, clean_desc(comment or pending), lineno))
            pending = ""
        undescribed = [e for e in entries if not e[1]]
        for n, (cmd, desc, lineno) in enumerate(entries):
            if not desc:
                base = block_desc or (ctx[-1] if ctx else "") or (self.path[-1][1] if self.path else "")
                if not base:
                    continue
                desc = base if len(undescribed) == 1 else f"{base} ({undescribed.index(entries[n]) + 1})"
                self.add_command(cmd, desc, ctx[:-1] if not block_desc and ctx else ctx, lineno)
            else:
                self.add_command(cmd, desc, ctx, lineno)


_URL_PAREN_RE = re.compile(r"\s*[（(]\s*<?https?://[^\s()（）]*>?\s*[)）]")


def _tidy(text: str) -> str:
    """Concept text without parenthesised raw URLs (noise on a flashcard)."""
    return re.sub(r"[ \t]{2,}", " ", _URL_PAREN_RE.sub("", text))


def first_sentence_keep(text: str) -> str:
    m = re.search(r"[。；！？;!?]|\.(?:\s|$)", text)
    return (text[: m.start()] if m else text).strip()


def _bare(content: str) -> str:
    content = content.strip()
    if content.startswith("$ "):
        content = content[2:].strip()
    return content


def _digest(kind: str, ident: str) -> str:
    return hashlib.sha1(f"{kind}\0{norm_key(ident)}".encode()).hexdigest()[:16]


def parse_note(text: str) -> ParsedNote:
    """Extract topics and cards from the Markdown text of one note."""
    ex = _Extractor(text)
    ex.run()
    counts: dict[str, int] = {}
    cards = []
    for c in sorted(ex.cards, key=lambda c: c.line):
        key = _digest(c.kind, c.ident)
        counts[key] = counts.get(key, 0) + 1
        if counts[key] > 1:
            key = f"{key}-{counts[key]}"
        cards.append(CardDraft(c.kind, c.front, c.back, c.topic, c.line, key))
    return ParsedNote(tuple(ex.topics), tuple(cards))
