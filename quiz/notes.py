"""Notes → cards.

A note is Markdown (Chinese or English).  `parse_note` reads its block structure
with markdown-it-py (CommonMark + GFM tables; the inline parse is skipped: the
rules read each block's raw source) and turns it into flashcard drafts.  Nothing
here knows any particular subject: the rules are about the shape of the text.
``\r\n`` / ``\r`` line ends count as ``\n``; lists may nest up to 100 levels.

Topics
    Every heading is a topic; a card's `topic` is the path of heading titles
    above it, outermost first (skipped levels are fine).

Explicit cards (written by the author; a line that yields one is never also
used by the automatic rules; markers inside code spans or code blocks never count)
    * ``Question::Answer`` on one line: a "qa" card (``std::vector``, ``a::b::c``
      are code paths, not cards).
    * ``Q:::A``: two "qa" cards, Q → A and A → Q.
    * A paragraph of question lines, a line holding only ``?``, then answer
      lines (until the blank line): one "qa" card (``??``: also the reverse).
    * Cloze: ``==text==`` and Anki ``{{c1::text}}`` / ``{{c1::text::hint}}`` in a
      line: a "cloze" card whose front shows the blanks as ``[...]`` (or
      ``[hint]``) and whose back is the whole line with the answers; one card per
      cloze number (all ``==…==`` of a line are one group).  ``{{path/to/file}}``
      (tldr placeholder, no ``cN::``) is not a cloze; nor is ``a==b``.  A line gives cards
      for its 50 lowest cloze numbers at most (each card repeats the whole line), and a note's
      cloze cards hold at most 4 characters per character of the note (plus 200,000): past
      that, a line gives one card, for its lowest number.

Command cards (kind "command": front = what it does, back = the bare command)
    * A line (list item, blockquote line, paragraph line) that starts with a
      command: an inline code span holding a command, a ``$ `` prompt, or a bare
      program word.  Program words are a built-in list of common CLIs plus the
      words the note itself uses first in its inline code spans and shell code
      blocks.  A bare command ends where prose resumes: CJK text not attached to
      the command (``<包名>[@版本]`` stays, ``rm 删除…`` stops), sentence
      punctuation, a separator (`` - ``, ``—``, ``: ``, ``#``) or an English
      function word.  A short CJK placeholder ending in 名/号 (``kill -9 进程号``,
      ``docker stop 容器名``) is an argument.  The rest of the line is the
      description, without a leading modal (``可以丢弃…`` → ``丢弃…``; 用于/用来/
      能够/can/is used to/lets you …).  A command followed by ``的/和/与…`` is
      talked about, not described: no card.
    * ``描述：`cmd` `` / ``does X: `cmd` ``: a description, a separator, a command;
      the description is the last sentence before the separator (``A。也可以一步完成：
      cmd`` → ``也可以一步完成``).  Also without a separator when a short
      description (≤ 30 characters, no punctuation, not ending in a verb such as
      用/参考/the/use/see) is followed by a code span that ends the line
      (``创建虚拟环境 `python3 -m venv .venv` ``).
    * Prose use (使用/用/利用/运行/执行/输入/通过/敲, use/using/run/running/type/
      execute/with/via followed by a command, at most 20 per line):
      - text after the command (``使用 X 来查看…``, ``use X to …``): the clause
        after it is the description; it stops at the next command code span,
        which is read the same way (``use A to x and B to y``: two cards);
      - the command ends the clause (nothing, or only 命令/即可/就可以了/instead
        after it): the description is before the verb.  Chinese: the clause
        before the verb without modals and connectives (可以/就/要/也/如果/然后…;
        ``创建分支可以用 X，切换分支用 Y`` → two cards; an empty clause takes the
        clause before its comma: ``查看日志，可以用 X``); none when that clause
        starts with a pronoun or a recommendation (我们/你/用户/推荐/建议/一般…) or
        ends in 的.  English: ``To do X, run/use/type Y`` (also "If you want to
        …,"), and ``Do X with/via/using Y`` / ``You can do X by running Y`` (two
        words or more, not starting with a pronoun or article, no is/are).
      - a lone program word (no arguments) counts only when it ends the clause,
        is not a subcommand-driven tool (git, docker, pip …) and the description
        has at least 4 characters (``查看负载用 top``); an example right after it
        (``用 chown，比如 `chown a:b f` ``) becomes the back.
      A line that gives such a card gives no concept card.
    * English prose starting with a known program word, one to five
      subcommand-like tokens (words, flags, placeholders) and a verb in the third
      person from a fixed list (shows/lists/prints/removes/creates/…):
      ``git status shows the working tree`` → back ``git status``, front the verb
      phrase.  ``Git is …``, ``git makes …``, ``git branches are …`` give none;
      an ambiguous program word (make, find, …) needs a technical argument.
      With no subcommand tokens (``top shows live CPU usage``) the word must be a
      single-purpose tool (not git/docker/npm/…), lowercase, not followed by
      ``shows that/how…`` or ``commits are…``, and an English-word tool (top, free,
      head …) must start a sentence.
    * ``A 命令或 B`` / ``A or B`` at the start of a line: one card, back "A 或 B".
    * Tables: a column of commands and a column of descriptions, in either
      order.  Columns are found by their header (命令/指令/用法/语法/Command/
      Usage/Syntax and 说明/描述/作用/含义/功能/用途/Description/Meaning/Purpose/…)
      or, failing that, the column where most cells are commands and a column of
      prose.  One card per row, front = the description cell.  Cells with
      several commands joined by ``/``/``或``/``or`` give "A or B".  Tables of
      options (``-v``) or key bindings are not commands.
    * A paragraph that is nothing but one command (a code span or ``$ `` line)
      right after a list whose last item is one line ending in a colon
      (``- does X:``, the tldr-pages layout) or after a paragraph ending in a
      colon: that text describes it.  tldr's option mnemonics (``[c]reate``) are
      removed from the front; ``{{placeholders}}`` stay in the back verbatim.
      Generic lead-ins ("Run the following:", "执行以下命令：") say nothing and
      fall back to the heading.
    * A command with no description of its own takes the text of the list item it
      sits under (e.g. a blockquote holding only the command), else the heading.
    * Fenced/indented code blocks in a shell language (or whose lines start with a
      prompt or program word): one card per command line, ``$ `` prompts removed,
      ``\\`` continuations joined; a ``# comment`` describes the next command,
      else the paragraph/list item/heading before the block.
    * The front is prefixed with the enclosing list item ("parent › description")
      so it can be answered alone.  Descriptions are cut at 200 characters.

Concept cards (kind "concept": front = term or problem, back = definition/answer)
    * Explicit definitions: ``X 是 Y``, ``X 指 Y`` (not 指定/指令/手指…),
      ``X 特指/专指/泛指 Y``, ``X：Y``, ``X: Y``, ``X is/are/refers to/means Y``,
      ``X 也被称为/又称/类似于/相当于/即 Y``, ``**X** — Y`` (subject short, not a
      pronoun, not a label such as 注意/提示/Note/Tip/Example; ``X is stored in``
      and other passives are not definitions).  The term may carry a gloss: ``进程（Process）指 Y``,
      ``Paging (分页) refers to Y``.  A line ending in a colon is a lead-in, never
      a definition; a back that is only a URL is not a definition.
    * A term alone on a list item, explained by what is nested under it: a
      blockquote, a paragraph or a single sub-item (``- 死锁`` / ``  - 两个进程…``).
      The term is short with no sentence punctuation; in an ordered list (steps)
      it must be marked up (``**X**`` or a code span).  ``- **X**`` followed by
      lazy continuation lines works too.
    * In a list where at least two items are definitions, the other items that
      start with a short term are split at their first predicate (通过/用于/指向/…).
    * A question and its answer in one sentence (``X 是否…，是…``, ``Why…? …``).
    * A list item starting ``如果…，…`` / ``If …, …``: condition → consequence.
    * Problem → solution: a list item followed by a blockquote of prose (or by a
      paragraph when the item reads like a problem: 错误/失败/error/…); a
      heading that reads like a problem (错误/失败/报错/无法/问题/怎么/如何/…？/
      error/fail/cannot/can't/doesn't/how/why…) followed by a paragraph or
      blockquote answering it.  Generic section titles (常见问题,
      Troubleshooting, FAQ …) and headings that hold sub-sections are skipped;
      commands in the answer still give command cards.
    * A parameter explained after its command (``<x> 可以是 …``).

Keys
    ``key`` = first 16 hex digits of sha1 over kind + NUL + the normalised identity:
    the command for command cards, the term / problem / question (without the
    parent-context prefix) for concept and qa cards, the full line for cloze cards
    (plus the cloze number when a line has several).  Normalised = NFKC, code and
    emphasis marks dropped, white space collapsed, casefolded.  Line numbers,
    topics and descriptions are not part of it, so inserting lines, reordering
    sections, editing another card, rewording a command's description or a
    concept's definition all keep the key.
    Duplicates (the same identity twice in a note): the card that comes first by
    (topic path, front) — not by note order, so reordering sections changes
    nothing — keeps the plain digest; each other one hashes its topic path in
    too, and, when that still clashes (same section), its front; exact copies
    (same section, same front) get ``-2``, ``-3``… in note order.
    Changing the command itself changes a command card's key; `quiz.store`
    matches a re-imported card by either side (same back or same front), so such
    a card keeps its identity and review history anyway.
"""

from __future__ import annotations

import codecs
import hashlib
import re
from dataclasses import dataclass, field
from functools import lru_cache

from markdown_it import MarkdownIt

from quiz import limits
from quiz.extract_explicit import (
    CLOZE_TEXT_ALLOWANCE,
    CLOZE_TEXT_PER_NOTE_CHAR,
    basic_qa,
    cloze,
    multiline_qa,
    reversed_qa,
)
from quiz.extract_text import (
    AMBIGUOUS_COMMANDS,
    BUILTIN_COMMANDS,
    CJK_PUNCT,
    DESC_LEAD_RE,
    PROMPT_RE,
    PROSE_WORDS,
    SHELL_KEYWORDS,
    SUBCOMMAND_TOOLS,
    WORD_RE,
    clean_desc,
    code_is_command,
    code_spans,
    first_clause,
    first_word,
    has_cjk,
    is_cjk,
    is_command_word,
    join_lines,
    looks_like_program,
    norm_key,
    scan_command,
    shorten,
    strip_code,
    strip_item_marks,
)
from quiz.i18n import N_, LocalizedError

CARD_KINDS = limits.CARD_KINDS


class NoteError(LocalizedError):
    """A notes file that cannot be read as text; the message names the file (see `quiz.i18n`)."""


@dataclass(frozen=True, slots=True)
class Topic:
    """A heading: its path of titles (outermost first) and its 1-based line."""

    path: tuple[str, ...]
    line: int


@dataclass(frozen=True, slots=True)
class CardDraft:
    """A card as extracted from a note, before it is stored."""

    kind: str  # one of CARD_KINDS
    front: str  # Markdown
    back: str  # Markdown; a command card's back is the bare command
    topic: tuple[str, ...]  # heading titles, outermost first
    line: int  # 1-based line of the card's answer in the note
    key: str  # stable identity within the note


@dataclass(frozen=True, slots=True)
class ParsedNote:
    """Everything a note yields: its headings and its cards, in note order."""

    topics: tuple[Topic, ...]
    cards: tuple[CardDraft, ...]


# --------------------------------------------------------------------------- decoding

_CONTROL_RE = re.compile(r"[\x00-\x08\x0e-\x1a\x1c-\x1f]")


def decode_note(data: bytes, name: str) -> str:
    """Decode a notes file's bytes (UTF-8 with or without BOM, else GB18030)."""
    if not data:
        return ""
    if b"\x00" in data:
        raise NoteError(
            N_("%(name)s: looks like a binary file (contains NUL bytes), not a text note"), name=name
        )
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        try:
            text = data.decode("gb18030")
        except UnicodeDecodeError:
            raise NoteError(N_("%(name)s: not a text note (neither UTF-8 nor GB18030)"), name=name) from None
    controls = len(_CONTROL_RE.findall(text)) if _CONTROL_RE.search(text) else 0
    if controls and controls * 100 > len(text):
        raise NoteError(N_("%(name)s: looks like a binary file (control bytes), not a text note"), name=name)
    return text.replace("\r\n", "\n").replace("\r", "\n")


# --------------------------------------------------------------------------- structure

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
class _Node:
    kind: str  # root, list, item, quote, para, code, heading, table, row, cell
    line: int = 0  # 0-based first line
    text: str = ""
    info: str = ""  # code: the fence info; list: "ordered" or "bullet"
    level: int = 0
    fenced: bool = False
    children: list[_Node] = field(default_factory=list)


def _tree(text: str, learn: list[_Node] | None = None) -> _Node:
    """The block tree of a note; `learn` collects the nodes `_learn_commands` reads."""
    if learn is None:
        learn = []
    root = top = _Node("root")
    stack = [root]
    kinds, closes = _KINDS, _CLOSES
    for tok in _MD.parse(text):
        nesting = tok.nesting
        if nesting == 1:
            kind = kinds.get(tok.type)
            if kind is None:
                continue  # thead/tbody: no node, and their close is skipped below
            node = _Node(kind, tok.map[0] if tok.map else top.line)
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
            node = _Node(
                "code", line=line + (1 if fenced else 0), text=tok.content, info=tok.info, fenced=fenced
            )
            top.children.append(node)
            if tok.info:
                learn.append(node)
    return root


def _learn_commands(nodes: list[_Node]) -> set[str]:
    """Program words the note uses first in inline code spans and in shell code blocks."""
    words: set[str] = set()
    for node in nodes:
        if node.kind != "code":
            for _, _, content in code_spans(node.text):
                parts = PROMPT_RE.sub("", content).split()
                if len(parts) >= 2 and looks_like_program(parts[0]):
                    words.add(parts[0])
        elif first_word(node.info).lower() in SHELL_LANGS:
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
    ("特指", "keep"),
    ("专指", "keep"),
    ("泛指", "keep"),
    ("是", "drop"),
    ("指", "drop"),
    ("：", "drop"),
]
# every marker at every position (a lookahead, so markers may overlap), earliest first
_DEF_VERB_RE = re.compile("(?=(" + "|".join(re.escape(v) for v, _ in _DEF_VERBS) + "))")
_DEF_VERB_NO_COLON_RE = re.compile("(?=(" + "|".join(re.escape(v) for v, _ in _DEF_VERBS if v != "：") + "))")
_DEF_MODES = dict(_DEF_VERBS)
_EN_DEF_RE = re.compile(
    r"\s(is also called|is also known as|also known as|is called|is similar to|refers to|means|can be|is|are)"
    r"\s",
    re.I,
)
# "注意：…" / "Note: …": a label in front of a remark, not a term
_LABEL_RE = re.compile(
    r"注意|注|提示|说明|备注|贴士|小贴士|技巧|警告|重要|补充|更新|总结|小结|例如|比如|示例|例子|举例|"
    r"P\.?S\.?|N\.?B\.?|notes?|tips?|hint|warning|caution|important|example|e\.g\.|tl;?dr|summary|update|edit",
    re.I,
)
# "X is stored in …": a passive statement about X, not what X is
_PASSIVE_RE = re.compile(
    r"(?:not\s+|also\s+|usually\s+|always\s+|often\s+)?(?:[a-z]+ed|[a-z]+en|built|kept|set|put|run|made|held|"
    r"found|known|shown|done|sent|split|spread|bound|hidden)\s+(?:in|into|by|at|on|to|from|with|as|under|"
    r"inside|for|via|using|when|after|before|automatically|only|once)\b",
    re.I,
)
_NOT_SHI_BEFORE = set("不而还但可于总只凡都倒硬")
_NOT_ZHI_BEFORE = set("手食中拇无名所意是特专泛直确遥剑")
_NOT_ZHI_AFTER = set("定令向南出标示针导数纹挥责明望引控代称正点派名使尖甲头的着了过")
# "进程（Process）": a short term followed by its gloss in parentheses
_PAREN_SEG_RE = re.compile(r"(?<!\s)\s*+[（(][^（）()]{0,40}[）)]")
_GLOSS_RE = re.compile(r"^(.*?\S)\s*[（(]([^（）()]{1,40})[）)]$")
_PREDICATES = (
    "通过 用于 用来 负责 提供 包含 包括 能够 可以 允许 支持 代表 表示 由 会 将 把 让 为 对 与 和 "
    "在 从 使用 管理 运行 存储 保存 定义 描述 指向 记录 控制 决定"
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
# The lookahead on the first letters lets the engine skip most positions without trying every word.
_USE_RE = re.compile(
    r"(?=[使利运执输通敲用urtewv])"
    r"(?:使用|利用|运行|执行|输入|通过|敲|用|(?<![A-Za-z])(?:use|using|run|running|type|execute|with|via)(?![A-Za-z]))",
    re.I,
)
# after a command that ends its clause: nothing, or words that say nothing ("命令即可", "instead")
_AFTER_FILLER_RE = re.compile(
    r"\s*+(?:这个|这条|该)?(?:命令|指令|commands?)?\s*+"
    r"(?:就可以|就行|就好|即可|便可|就能|可以|来完成|来实现|来搞定|完成|实现|搞定|instead)?\s*+(?:了|啦|吧)?\s*+",
    re.I,
)
_CLAUSE_SEPS = "，,。；;！？!?：:"
# "创建分支可以用 X": what the clause says before its verb, without modals and connectives
_ZH_BEFORE_TAIL_RE = re.compile(
    r"(?:也|还|都|就|则|便|一般|通常|直接|只需|只要|需要|需|要|得|应该|应|可以|可|先|再|最好|来|是|我们|你)+$"
)
_ZH_BEFORE_HEAD_RE = re.compile(
    r"^(?:如果|若是|若|要是|假如|想要|想|要|如需|若需|需要|然后|再|而|另外|此外|或者|并且|那么|所以|"
    r"首先|其次|最后|接着|同时|当)+"
)
_ZH_NOT_DESC_RE = re.compile(
    r"^(?:我|你|他|她|它|这|那|大家|咱|人们|用户|一般|通常|平时|经常|也|还|推荐|建议|最好|更|官方|个人|习惯|"
    r"喜欢|偏好|倾向|常|必须|务必|尽量|不要|别|不能|不建议|禁止|避免)|的$"
)
# "To find big files, run X" / "You can list files by running X"
_EN_BEFORE_RE = re.compile(
    r"(?:^|[.!?;:]\s+)(?:to|in order to|if you (?:want|need|wish) to|when you (?:want|need) to)\s+"
    r"([^,.;:!?`]{3,80}?),\s*"
    r"(?:(?:just|simply|then|you can|you should|you need to|we can|you'll want to)\s++)*$",
    re.I,
)
_EN_BY_RE = re.compile(
    r"(?:^|[.!?;:]\s+)(?:(?:you|we) (?:can|could|may|should)\s+)?([^,.;:!?`]{3,80}?)(?:\s+by)?\s*$", re.I
)
# "use A to x and B": the conjunctions (and white space) ending a description, as the pattern
# ``(?:\s*(?:,|，|、|and|or|和|或者|或|以及|及|与))+\s*$`` would match them; `_strip_trailing_conj`
# reads them from the right, since that search restarts at every position of a long run.
_TRAILING_CONJS = (",", "，", "、", "and", "or", "和", "或者", "或", "以及", "及", "与")
_TRAILING_CONJ_CHARS = frozenset("".join(_TRAILING_CONJS))
_EXAMPLE_RE = re.compile(
    r"[\s，,:：;；]*(?:比如|例如|譬如|如|e\.g\.|for example|for instance|such as|like)[\s，,:：]*", re.I
)
_BARE_DESC_STOP_RE = re.compile(r"[。；！？;!?，,、（(“\"]|\.\s|[:：]")
_BARE_DESC_ZH_TAIL_RE = re.compile(
    r"(?:使用|利用|运行|执行|输入|通过|敲|用|比如|例如|如|即|是|为|参考|详见|见|参见|查阅|命令|指令|的|了|和|与|或|及|在|把|将)$"
)
_BARE_DESC_EN_TAIL = frozenset(
    "use using run running type execute via see try like e.g. i.e. command commands called named "
    "enter press".split()
)
_MAX_DESC = 200  # a command's description longer than this is cut (a card front must stay readable)
_MAX_USES_PER_LINE = 20  # bounds the work on pathological lines
_ALT_RE = re.compile(r"^\s*+(?:命令|指令|command)?\s*+(或者|或是|或|or|/|、)\s*", re.I)
_PARAM_RE = re.compile(r"^\s*(\S{1,24}?)\s*(可以是|可为|是指|是|指|表示|can be|is|means)\s*(\S.*)$")
# Possessive white space (``\s*+``) after a separator: the engine never re-splits a run of spaces
# between it and what follows.  `concept` strips its text first, so nothing is lost (a tail of
# only white space, the one case where giving a space back would matter, cannot occur).
_COND_RE = re.compile(r"^((?:如果|假如|若是|倘若|要是)[^，,。；]{1,60})[，,]\s*+(.+)$")
_COND_EN_RE = re.compile(r"^((?:If|When|Whenever)\s[^,.;]{2,80}),\s*+(.+)$")
_PURPOSE_RE = re.compile(r"^((?:为了|为)[^，,。；]{2,40})[，,]\s*+([^。；;]+)[。]?$")
_PURPOSE_EN_RE = re.compile(r"^((?:To|In order to)\s[^,.;]{2,80}),\s*+([^.;]+)\.?$")
_TERM_MARKUP_RE = re.compile(r"^(\*\*[^*]{1,40}\*\*|__[^_]{1,40}__|`[^`]{1,40}`)\s*+(.*)$")
_URL_ONLY_RE = re.compile(r"<?https?://\S+?>?\s*[.。]?")
_TERM_ONLY_RE = re.compile(r"\*\*[^*]{1,40}\*\*[:：]?|__[^_]{1,40}__[:：]?|`[^`]{1,40}`[:：]?")
_TERM_STOP_RE = re.compile(r"[，,。；;！？!?：:（(“\"]|\.\s|\.$")
_HEADING_PROBLEM_RE = re.compile(
    _PROBLEM_WORDS.pattern + r"|[?？]\s*$|如何|怎样|为何|为什么|^(?:what|how|why|when|where)\b",
    re.I,
)
_GENERIC_SECTION_RE = re.compile(
    r"(?:常见|已知|其他|其它|一些|遇到的|相关|典型)?(?:的)?(?:问题|错误|报错|异常|故障|坑)"
    r"(?:汇总|总结|集锦|合集|列表|记录|排查|解决|处理|及解决(?:方法|方案|办法)?|与解决(?:方法|方案|办法)?)?"
    r"|(?:common|known|other|frequent|typical|possible)?\s*(?:issues|problems|errors|pitfalls|gotchas|"
    r"troubleshooting|faqs?)(?:\s+and\s+(?:solutions|fixes))?",
    re.I,
)
_CMD_HEADER_RE = re.compile(r"命令|指令|命令行|用法|语法|commands?|cmds?|usage|syntax", re.I)
_DESC_HEADER_RE = re.compile(
    r"说明|描述|作用|含义|功能|用途|解释|释义|意义|效果|备注|"
    r"descriptions?|meaning|purpose|explanation|effect|action|what it does|notes?",
    re.I,
)
_CELL_ALT_RE = re.compile(r"\s*+(?:或者|或|or|/|,|，|、|\|)?\s*+", re.I)
_CODE_LIKE_RE = re.compile(r"^\S+\s*[=(:;,{]|[(){};]\s*$")
# tldr marks option letters: "[c]reate" → "create"; "[c]创建" → "创建"
_TLDR_MNEMONIC_RE = re.compile(
    r"(?<=[A-Za-z])\[([A-Za-z0-9]{1,3})\](?!\()|\[([A-Za-z0-9]{1,3})\](?=[A-Za-z])"
)
_TLDR_MNEMONIC_BARE_RE = re.compile(r"\[[A-Za-z0-9]{1,3}\](?![(\[])")
_GENERIC_LEAD_RE = re.compile(
    r"(?:(?:then\s+)?(?:run|use|try|execute|type|enter|do)\s+)?(?:the\s+)?(?:following|below|these|this)"
    r"(?:\s+(?:commands?|steps?|lines?))?|(?:执行|运行|输入|使用|用)?(?:以下|如下|下面)(?:的)?(?:命令|指令|步骤|操作)?"
    r"|(?:命令|指令|command|commands)(?:如下)?",
    re.I,
)
_NOUN_USE_RE = re.compile(r"\s*(?:的|和|与|及|跟)")
_TECHNICAL_RE = re.compile(r"[-/.=~$<\[{*|>]|\d")
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
_COLON_RE = re.compile(r"(?<!:):(?![:/])")
_SENT_SPLIT_RE = re.compile(r"(?<=[。！？!?])|(?<=\.)\s+(?=[A-Z\u4e00-\u9fff])")
_SENT_END_RE = re.compile(r"[。！？!?.]\s*$")
_CMD_WORD_LEAD_RE = re.compile(r"^\s*(?:命令|指令|command(?!\w))")
_COMMA_LEAD_RE = re.compile(r"^\s*[，,]")
_SEP_TAIL_RE = re.compile(r"[:：—–→=>-]$")
_ITEM_MARK_RE = re.compile(r"^\s*(?:[-*+]\s+)")
_COLON_ANY_RE = re.compile(r"[:：]\s*")
_PLACEHOLDER_RE = re.compile(r"<[^<>]+>|\[[^\[\]]+\]|\{[^{}]+\}")
_PROMPT_TAIL_RE = re.compile(r"\s#\s|(?<!\s)\s++[—–→]\s")
_CMD_WORD_RE = re.compile(r"^(?:命令|指令|command)")
_CLAUSE_RE = re.compile(r"[，,？?]")
_ANSWER_LEAD_RE = re.compile(r"^(?:是|答[:：]|因为|because)\s*")
_TERM_SEP_RE = re.compile(r"\s*[:：—–-]")
_TERM_SEP_STRIP_RE = re.compile(r"^\s*[:：—–-]+\s*")
_COLON_TAIL_RE = re.compile(r"[:：]\s*$")
_TRAILING_COMMENT_RE = re.compile(r"(?<!\s)\s++#\s++(.*)$")
_SPACES_RE = re.compile(r"[ \t]{2,}")
_SENTENCE_STOP_RE = re.compile(r"[。；！？;!?]|\.(?:\s|$)")
_BR_RE = re.compile(r"<br\s*/?>", re.I)


@dataclass(slots=True)
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
    if s[-1] in ")）":
        gloss = _GLOSS_RE.match(s)
        if gloss is None or "://" in gloss.group(2) or any(c in gloss.group(2) for c in "，,。；;！？!?"):
            return False
        if has_cjk(gloss.group(1)) and not gloss.group(2).strip()[:1].isascii():
            return False  # a CJK term is glossed in a Latin script (its English name)
        s = gloss.group(1).strip("*_` ")
        if len(s) < 2:
            return False
    if s.casefold() in _PRONOUNS or s.split()[0].casefold() in _PRONOUNS or _LABEL_RE.fullmatch(s):
        return False
    if any(c in s for c in '，,。；;！？!?（(“"') or "://" in s or "::" in s:
        return False
    if s[0] in CJK_PUNCT or s[0] in "-—–":
        return False
    if has_cjk(s):
        return len(s) <= limit
    return len(s.split()) <= 5 and len(s) <= 60


@lru_cache(maxsize=2048)
def _find_def(text: str, *, allow_colon: bool = True) -> tuple[str, str, str] | None:
    """(subject, verb kind, rest) for the earliest definition marker with a good subject."""
    best: tuple[int, str, str, str] | None = None
    prose = strip_code(text)
    tried: set[str] = set()
    for m in (_DEF_VERB_RE if allow_colon else _DEF_VERB_NO_COLON_RE).finditer(prose):
        verb = m.group(1)
        if verb in tried:
            continue
        i = m.start()
        if verb == "是" and (
            prose[i - 1 : i] in _NOT_SHI_BEFORE
            or prose[i + 1 : i + 2] in ("否", "的", "非", "什", "谁", "哪")
        ):
            continue
        if verb == "指" and (prose[i - 1 : i] in _NOT_ZHI_BEFORE or prose[i + 1 : i + 2] in _NOT_ZHI_AFTER):
            continue  # 指定, 指令, 手指, 所指 …
        tried.add(verb)
        subject, rest = text[:i], text[i + len(verb) :]
        if _subject_ok(subject) and rest.strip():
            best = (i, verb, _DEF_MODES[verb], rest)
            break
    if allow_colon:
        for m in _COLON_RE.finditer(prose):
            i = m.start()
            if best and i >= best[0]:
                break
            subject, rest = text[:i], text[i + 1 :]
            if _subject_ok(subject) and rest.strip() and not rest.strip().startswith("`"):
                best = (i, ":", "drop", rest)
            break
    if not has_cjk(_PAREN_SEG_RE.sub("", text[:60])[:12]):
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
            passive = verb in ("is", "are") and _PASSIVE_RE.match(rest.strip())
            if _subject_ok(subject) and rest.strip() and not subject[:1].islower() and not passive:
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
        learn: list[_Node] = []
        self.root = _tree(text, learn)
        self.known = BUILTIN_COMMANDS | _learn_commands(learn)
        self.topics: list[Topic] = []
        self.path: list[tuple[int, str]] = []
        self.topic: tuple[str, ...] = ()  # the titles of `path`, kept in step with it
        self.cards: list[_Card] = []
        self.seen: set[tuple[str, int, str]] = set()
        # Characters the note's cloze cards may still hold (each repeats its whole line, twice).
        self.cloze_budget = CLOZE_TEXT_PER_NOTE_CHAR * len(text) + CLOZE_TEXT_ALLOWANCE

    # ---- helpers
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
        if len(desc) > _MAX_DESC:
            desc = desc[: _MAX_DESC - 1].rstrip() + "…"
        front = f"{prefix} › {desc}" if prefix and norm_key(prefix) != norm_key(desc) else desc
        self.add("command", front, cmd, line, cmd)

    # ---- walking
    def run(self) -> None:
        self.walk(self.root, ctx=[], consumed=False)

    def walk(self, node: _Node, ctx: list[str], consumed: bool) -> None:
        children = node.children
        prev: _Node | None = None
        skip: _Node | None = None
        for n, child in enumerate(children):
            kind = child.kind
            nxt = children[n + 1] if n + 1 < len(children) else None
            if child is skip:
                pass
            elif kind == "heading":
                title = child.text.strip()
                while self.path and self.path[-1][0] >= child.level:
                    self.path.pop()
                if title:
                    self.path.append((child.level, title))
                self.topic = tuple(t for _, t in self.path)
                if title:
                    self.topics.append(Topic(self.topic, child.line + 1))
                    if nxt is not None and self.heading_problem(title, child, nxt, children, n):
                        self.walk(_Node("item", children=[nxt]), ctx, consumed=True)
                        skip = nxt
            elif kind == "para":
                lead = self.lead_in(prev)
                if not (lead and self.lone_command(child, lead, ctx)):
                    self.para(child, ctx, consumed=consumed, item_head=False)
            elif kind == "code":
                self.code(child, ctx, prev)
            elif kind == "list":
                lead_in = nxt is not None and nxt.kind == "para" and self._lone_command_text(nxt) is not None
                self.list(child, ctx, lead_in=lead_in)
            elif kind == "quote":
                self.walk(child, ctx, consumed)
            elif kind == "item":
                self.item(child, ctx, deflist=False, ordered=False)
            elif kind == "table":
                self.table(child, ctx)
            prev = child

    def list(self, node: _Node, ctx: list[str], *, lead_in: bool = False) -> None:
        heads = [c.children[0].text for c in node.children if c.children and c.children[0].kind == "para"]
        deflist = self._definition_list(heads)
        ordered = node.info == "ordered"
        last = node.children[-1] if node.children else None
        for item in node.children:
            if lead_in and item is last and _lead_text(item) is not None:
                continue  # "- does X:" introducing the command paragraph after the list (tldr)
            self.item(item, ctx, deflist=deflist, ordered=ordered)

    def _definition_list(self, heads: list[str]) -> bool:
        """Whether at least two and at least half of a list's items are definitions (not commands)."""
        need = max(2, (len(heads) + 1) // 2)
        if need > len(heads):
            return False
        defs = 0
        for n, head in enumerate(heads):
            # The cheaper test first; stop as soon as the count is settled either way.
            if not self._starts_with_command(head) and _find_def(head.split("\n")[0]):
                defs += 1
                if defs >= need:
                    return True
            elif defs + len(heads) - n - 1 < need:
                return False
        return False

    def item(self, node: _Node, ctx: list[str], deflist: bool, ordered: bool) -> None:
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
            body = answer.children[0] if answer.kind in ("quote", "list") and answer.children else answer
            if answer.kind == "list":
                # a term alone on its item, explained by a single sub-item
                item_body = body.children[0] if body.children else None
                if (
                    len(answer.children) == 1
                    and len(body.children) == 1
                    and item_body is not None
                    and item_body.kind == "para"
                    and self._term_item(head_text, ordered)
                    and not self._starts_with_command(item_body.text)
                    and not _find_def(item_body.text.split("\n")[0])
                ):
                    back = join_lines(item_body.text.split("\n"))
                    self.add("concept", strip_item_marks(head_text), back, item_body.line + 1, head_text)
                    consumed_answer = True
            elif body.kind == "para" and not self._starts_with_command(body.text):
                if (
                    answer.kind == "quote"
                    or _PROBLEM_WORDS.search(head_text)
                    or self._term_item(head_text, ordered)
                ):
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

    def _term_item(self, head: str, ordered: bool) -> bool:
        """A list item holding only a term (to be explained by what is nested under it)."""
        marked = _TERM_ONLY_RE.fullmatch(head.strip())
        if marked:
            return True
        if ordered or head.rstrip().endswith((":", "：")) or _TERM_STOP_RE.search(strip_code(head)):
            return False
        if self._starts_with_command(head):
            return False
        return _subject_ok(head, limit=12) and len(head.split()) <= 4

    def heading_problem(self, title: str, head: _Node, nxt: _Node, siblings: list[_Node], n: int) -> bool:
        """``### 端口被占用`` / ``### Error: …`` followed by the paragraph (or quote) answering it."""
        if not _HEADING_PROBLEM_RE.search(title) or _GENERIC_SECTION_RE.match(strip_item_marks(title)):
            return False
        body = nxt.children[0] if nxt.kind == "quote" and nxt.children else nxt
        if body.kind != "para" or self._starts_with_command(body.text):
            return False
        for k in range(n + 1, len(siblings)):  # (an index, not a slice copied at every heading)
            later = siblings[k]
            if later.kind == "heading":
                if later.level > head.level:
                    return False  # a section holding sub-sections, not a single problem
                break
        back = join_lines(body.text.split("\n"))
        if len(back) < 4 or back.rstrip().endswith((":", "：")) and nxt.kind != "quote":
            return False
        front = strip_item_marks(title)
        before = len(self.cards)
        self.add("concept", front, back, body.line + 1, front)
        return len(self.cards) > before

    def lead_in(self, prev: _Node | None) -> str:
        """The text introducing a command paragraph: ``- does X:`` (tldr) or a paragraph ending in a colon."""
        if prev is None:
            return ""
        if prev.kind == "list" and prev.children:
            return _lead_text(prev.children[-1]) or ""
        if prev.kind == "para":
            last = prev.text.rstrip().rsplit("\n", 1)[-1].strip()
            if last.endswith((":", "：")) and len(last) <= 120:
                desc = clean_desc(last)
                return "" if _GENERIC_LEAD_RE.fullmatch(desc) else desc
        return ""

    def _lone_command_text(self, node: _Node) -> str | None:
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
        if code_is_command(content, self.known) or (
            looks_like_program(word) and not _CODE_LIKE_RE.search(content)
        ):
            return _bare(content)
        return None

    def lone_command(self, node: _Node, lead: str, ctx: list[str]) -> bool:
        cmd = self._lone_command_text(node)
        if cmd is None:
            return False
        desc = _TLDR_MNEMONIC_RE.sub(lambda m: m.group(1) or m.group(2), lead)
        desc = _TLDR_MNEMONIC_BARE_RE.sub("", desc).strip()
        self.add_command(cmd, desc, ctx, node.line + 1)
        return True

    # ---- tables
    def table(self, node: _Node, ctx: list[str]) -> None:
        """A table with a command column and a description column: one card per row."""
        rows = [r for r in node.children if r.kind == "row"]
        if len(rows) < 2:
            return
        header = [_plain_cell(c.text) for c in rows[0].children]
        body = rows[1:]
        ncols = len(header)
        cmd_col = next((i for i, h in enumerate(header) if _CMD_HEADER_RE.fullmatch(h)), None)
        desc_col = next((i for i, h in enumerate(header) if _DESC_HEADER_RE.fullmatch(h)), None)
        named = cmd_col is not None

        def cell(row: _Node, i: int) -> str:
            return row.children[i].text.strip() if i < len(row.children) else ""

        if cmd_col is None:
            best, best_count = None, 0
            for i in range(ncols):
                if i == desc_col:
                    continue
                filled = [cell(r, i) for r in body if cell(r, i)]
                count = sum(1 for t in filled if self._cell_command(t, named=False))
                if count > best_count and count * 2 > len(filled):
                    best, best_count = i, count
            cmd_col = best
        if cmd_col is None:
            return
        if desc_col is None or desc_col == cmd_col:
            desc_col = None
            for i in range(ncols):
                if i == cmd_col:
                    continue
                filled = [cell(r, i) for r in body if cell(r, i)]
                prose = sum(1 for t in filled if not self._cell_command(t, named=False))
                if filled and prose * 2 > len(filled):
                    desc_col = i
                    break
        if desc_col is None:
            return
        for row in body:
            cmd = self._cell_command(cell(row, cmd_col), named=named)
            desc = clean_desc(_plain_cell(cell(row, desc_col)))
            if cmd and desc:
                self.add_command(cmd, desc, ctx, row.line + 1)

    def _cell_command(self, text: str, *, named: bool) -> str | None:
        text = text.strip()
        if not text:
            return None
        spans = code_spans(text)
        if spans:
            cmds = [
                _bare(c)
                for _, _, c in spans
                if code_is_command(c, self.known) or named and looks_like_program(first_word(_bare(c)))
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
        text = _bare(text)
        found = scan_command(text, 0, self.known)
        if found and found[2] == "end":
            return found[0]
        if named and looks_like_program(first_word(text)) and not has_cjk(text):
            return text
        return None

    def _starts_with_command(self, text: str) -> bool:
        line = text.lstrip()
        spans = code_spans(line)
        if spans and spans[0][0] == 0 and code_is_command(spans[0][2], self.known):
            return True
        if PROMPT_RE.match(line) and line.startswith("$"):
            return True
        found = scan_command(line, 0, self.known)
        return found is not None and found[2] in ("end", "cjk", "sep")

    # ---- paragraphs
    def para(self, node: _Node, ctx: list[str], *, consumed: bool, item_head: bool, deflist: bool = False):
        lines = node.text.split("\n")
        if len(lines) >= 3 and "\n?" in node.text:
            multi = multiline_qa(lines)
            if multi is not None:
                question, answer, at, both_ways = multi
                self.add("qa", question, answer, node.line + at + 1, question)
                if both_ways:
                    self.add("qa", answer, question, node.line + 1, answer)
                return
        concept_lines: list[tuple[int, str]] = []
        for i, raw in enumerate(lines):
            lineno = node.line + i + 1
            text = raw.strip()
            if not text:
                continue
            if ("::" in text or "==" in text or "{{c" in text) and self.explicit(text, lineno):
                continue  # (no marker, no explicit card: the test spares a call per line)
            if self.command_line(text, ctx, lineno, prev=lines[i - 1] if i else None):
                continue
            concept_lines.append((lineno, text))
        if consumed or not concept_lines:
            return
        if item_head and len(concept_lines) >= 2 and _TERM_ONLY_RE.fullmatch(concept_lines[0][1]):
            # "- **Term**" with its explanation on the next (lazy continuation) lines
            back = join_lines([t for _, t in concept_lines[1:]])
            self.add("concept", concept_lines[0][1], back, concept_lines[1][0], concept_lines[0][1])
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
            for piece in _SENT_SPLIT_RE.split(text):
                if not piece.strip():
                    continue
                if not buf:
                    start = lineno
                buf.append(piece)
                if _SENT_END_RE.search(piece):
                    yield start, join_lines(buf)
                    buf = []
        if buf:
            yield start, join_lines(buf)

    def explicit(self, text: str, lineno: int) -> bool:
        """Cards the author wrote explicitly on this line: ``Q:::A``, ``Q::A``, clozes."""
        if "::" in text:
            pair = reversed_qa(text)
            if pair is not None:
                self.add("qa", pair[0], pair[1], lineno, pair[0])
                self.add("qa", pair[1], pair[0], lineno, pair[1])
                return True
        clozes = cloze(text, self.cloze_budget // max(1, 2 * len(text)))
        if clozes:
            self.cloze_budget -= 2 * len(text) * len(clozes)
            for front, back, group in clozes:
                self.add("cloze", front, back, lineno, back if len(clozes) == 1 else f"{back}\0c{group}")
            return True
        if "::" in text:
            pair = basic_qa(text)
            if pair is not None:
                self.add("qa", pair[0], pair[1], lineno, pair[0])
                return True
        return False

    def command_line(self, text: str, ctx: list[str], lineno: int, *, prev: str | None = None) -> bool:
        """Commands on one line.  True when the line starts with a command (no concept rules then).

        ``prev`` is the line before it in the paragraph (None: it starts the paragraph).
        """
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
            if _NOUN_USE_RE.match(rest):
                return False  # "git branch 的数量…": the command is talked about, not described
            rest = _CMD_WORD_LEAD_RE.sub("", rest)
            desc = ""
            param = _PARAM_RE.match(strip_code(rest)) if rest.strip() else None
            if param and self._param_subject(param.group(1), cmd):
                subject = rest[param.start(1) : param.end(1)]
                verb = param.group(2)
                rest_def = rest[param.start(3) :].strip()
                front = f"`{cmd}` 中 {subject} {verb}" if has_cjk(text) else f"In `{cmd}`, {subject} {verb}"
                self.add("concept", front, first_sentence_keep(rest_def), lineno, f"{subject} {verb}")
            elif not _COMMA_LEAD_RE.match(rest):
                desc = clean_desc(rest)
                desc = DESC_LEAD_RE.sub("", desc, count=1) or desc
            self.add_command(cmd, desc, ctx, lineno)
            self.use_commands(rest, ctx, lineno)
            return True
        # "描述：`cmd`" / "does X: `cmd`" (the description is the sentence before the separator)
        line_end = len(text.rstrip(" 。.;；"))  # a span ending at or after this ends the line
        for start, end, content in code_spans(text):
            if end < line_end or start == 0 or not code_is_command(content, self.known):
                continue
            before = text[:start].rstrip()
            if not _SEP_TAIL_RE.search(before) and self._bare_desc(before, start, text):
                # "创建虚拟环境 `python3 -m venv .venv`": a short description, then the command
                self.add_command(_bare(content), clean_desc(before), ctx, lineno)
                return True
            if _SEP_TAIL_RE.search(before):
                lead, desc = _last_sentence(before.rstrip(":：—–→=>- "))
                desc = _ITEM_MARK_RE.sub("", clean_desc(desc))
                if desc:
                    if lead:
                        self.use_commands(lead, ctx, lineno)
                    self.add_command(_bare(content), desc, ctx, lineno)
                    return True
        if ":" in text or "：" in text:
            for n, m in enumerate(_COLON_ANY_RE.finditer(strip_code(text))):
                if n >= _MAX_USES_PER_LINE or m.end() >= len(text):
                    break
                tail = text[m.end() :]
                found = scan_command(tail, 0, self.known)
                if found and found[2] in ("end", "punct") and not tail[found[1] :].strip(" 。.;；"):
                    lead, desc = _last_sentence(text[: m.start()])
                    desc = clean_desc(desc)
                    if desc and len(desc) <= 60:
                        if lead:
                            self.use_commands(lead, ctx, lineno)
                        self.add_command(found[0], desc, ctx, lineno)
                        return True
        verb = self._verb_command(text, prev=prev)
        if verb is not None:
            self.add_command(verb[0], verb[1], ctx, lineno)
            return True
        return self.use_commands(text, ctx, lineno)

    @staticmethod
    def _bare_desc(before: str, start: int, text: str) -> bool:
        """Whether the text before a line-ending command span is a short description of it."""
        if len(before) > 30 or "`" in before or _BARE_DESC_STOP_RE.search(before):
            return False
        if has_cjk(before):
            return not _BARE_DESC_ZH_TAIL_RE.search(before) and not _ZH_NOT_DESC_RE.search(before)
        words = before.split()
        if not 2 <= len(words) <= 6 or not words[0][:1].isalpha():
            return False
        low = [w.lower() for w in words]
        return (
            low[0] not in PROSE_WORDS
            and low[0] not in _PRONOUNS
            and low[-1] not in PROSE_WORDS
            and low[-1] not in _BARE_DESC_EN_TAIL
            and not any(w in ("is", "are", "was", "were", "be") for w in low)
        )

    def _verb_command(self, text: str, *, prev: str | None = None) -> tuple[str, str] | None:
        """``git status shows the working tree`` → (``git status``, ``shows the working tree``)."""
        m = _EN_VERB_CMD_RE.match(text)
        if m is None:
            return None
        cmd = m.group(1)
        words = cmd.split()
        if not is_command_word(words[0], self.known) or any(w.lower() in PROSE_WORDS for w in words[1:]):
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

    def _param_subject(self, subject: str, cmd: str) -> bool:
        s = subject.strip("`*")
        if _PLACEHOLDER_RE.fullmatch(s):
            return True
        return len(s) >= 2 and s in cmd.split()[1:]

    def _command_at_start(self, text: str) -> tuple[str, str] | None:
        stripped = text.lstrip()
        spans = code_spans(stripped)
        if spans and spans[0][0] == 0 and code_is_command(spans[0][2], self.known):
            return _bare(spans[0][2]), stripped[spans[0][1] :]
        if stripped.startswith("$ "):
            body = stripped[2:]
            m = _PROMPT_TAIL_RE.search(body)
            return (body[: m.start()].strip(), body[m.start() :]) if m else (body.strip(), "")
        found = scan_command(stripped, 0, self.known)
        if found and found[2] in ("end", "cjk", "sep"):
            return found[0], stripped[found[1] :]
        return None

    def use_commands(self, text: str, ctx: list[str], lineno: int) -> bool:
        """Commands used in prose (``使用 X 来…``, ``描述用 X``, ``To do, run X``); True if any card."""
        prose = strip_code(text)
        todo: list[tuple[int, int, str]] = []
        for n, m in enumerate(_USE_RE.finditer(prose)):
            if n >= _MAX_USES_PER_LINE:
                break
            todo.append((m.start(), m.end(), m.group(0)))
        if not todo:
            return False
        spans = code_spans(text)
        span_at = {s[0]: s for s in spans}
        known = self.known
        added = False
        k = 0
        while k < len(todo) and k < 2 * _MAX_USES_PER_LINE:
            vstart, vend, verb = todo[k]
            k += 1
            low = verb.lower()
            start = vend
            while start < len(text) and text[start].isspace():
                start += 1
            lone = False
            span = span_at.get(start)
            if span is not None and code_is_command(span[2], known):
                cmd, end = _bare(span[2]), span[1]
            else:
                found = scan_command(text, start, known) if start < len(text) else None
                if found:
                    cmd, end = found[0], found[1]
                    if low in ("with", "via") and " " not in cmd:
                        continue
                else:
                    # "查看进程用 top。": a lone single-purpose tool ending the clause
                    w = WORD_RE.match(text, start)
                    if (
                        not verb
                        or w is None
                        or w.group(0) in SUBCOMMAND_TOOLS
                        or not is_command_word(w.group(0), known)
                        or start > 0
                        and (text[start - 1].isascii() and text[start - 1].isalnum())
                        or low in ("with", "via")
                    ):
                        continue
                    cmd, end, lone = w.group(0), w.end(), True
            after = first_clause(text[end:])
            if _AFTER_FILLER_RE.fullmatch(after):
                if not verb:
                    continue
                desc = _desc_before(text, prose, vstart, verb)  # the command ends the clause
                if lone and desc:
                    example = self._example(text, end + len(after), cmd)
                    if example is None and len(desc) < 4:
                        continue  # "编辑器用 vim": too little said for a bare program word
                    cmd = example or cmd
            else:
                if lone or low in ("with", "via"):
                    continue
                # "use A to X and B to Y": a description stops at the next command, which is used too
                limit = end + len(after)
                nxt = next((s for s in spans if end <= s[0] < limit and code_is_command(s[2], known)), None)
                if nxt is not None:
                    after = _strip_trailing_conj(text[end : nxt[0]])
                    todo.append((nxt[0], nxt[0], ""))
                desc = clean_desc(after, use_lead=True)
            if desc and not _CMD_WORD_RE.match(desc):
                self.add_command(cmd, desc, ctx, lineno)
                added = True
        return added

    def _example(self, text: str, at: int, word: str) -> str | None:
        """``用 chmod，比如 `chmod 755 x` ``: the example command after a lone program word."""
        m = _EXAMPLE_RE.match(text, at)
        if m is None:
            return None
        start = m.end()
        span = code_spans(text[start:])
        if span and span[0][0] == 0:
            cmd = _bare(span[0][2])
        else:
            found = scan_command(text, start, self.known)
            cmd = found[0] if found else ""
        return cmd if first_word(cmd) == word and " " in cmd else None

    # ---- concepts
    def concept(self, unit: str, lineno: int, *, item: bool, deflist: bool) -> None:
        unit = unit.strip()
        if len(unit) < 4 or unit.endswith((":", "：")):
            return  # too short, or a lead-in introducing what follows
        # question and answer in one sentence
        clause_m = _CLAUSE_RE.search(unit)
        if clause_m:
            q, a = unit[: clause_m.start()], unit[clause_m.end() :].strip()
            asks = clause_m.group(0) in "？?" or any(w in q for w in _QUESTION_MARKS)
            if asks and has_cjk(q) or clause_m.group(0) == "?" and not has_cjk(q) and len(q.split()) >= 3:
                a = _ANSWER_LEAD_RE.sub("", a).rstrip("。.")
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
            if tm and _TERM_SEP_RE.match(tm.group(2)):
                rest = _TERM_SEP_STRIP_RE.sub("", tm.group(2)).strip()
                if rest:
                    self.add("concept", tm.group(1), rest, lineno, tm.group(1))
                    return
        found = _find_def(unit)
        if found:
            subject, _, rest = found
            rest = rest.strip().rstrip("。")
            if rest.endswith(".") and not rest.endswith(".."):
                rest = rest[:-1]
            if len(rest) >= 2 and not _URL_ONLY_RE.fullmatch(rest):
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
                block_desc = clean_desc(_COLON_TAIL_RE.sub("", last[-1].strip()))
                if _GENERIC_LEAD_RE.fullmatch(block_desc):
                    block_desc = ""  # "Run the following:" says nothing; the heading/item does
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
            if s.endswith("\\") and i < len(raw):
                # "\\" continues the command on the next line; pieces are joined once (not
                # re-copied per line, which was quadratic in a long chain of continuations)
                # (as ``s = s[:-1].rstrip() + " " + raw[i].strip()`` per line, on a list of pieces)
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
                s = "".join(pieces)
            comment = ""
            cm = _TRAILING_COMMENT_RE.search(s)
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
        first_index: dict[tuple[str, str, int], int] = {}  # as undescribed.index(e), without a scan each
        for k, e in enumerate(undescribed):
            first_index.setdefault(e, k)
        for cmd, desc, lineno in entries:
            if not desc:
                base = block_desc or (ctx[-1] if ctx else "") or (self.path[-1][1] if self.path else "")
                if not base:
                    continue
                number = first_index[(cmd, desc, lineno)] + 1
                desc = base if len(undescribed) == 1 else f"{base} ({number})"
                self.add_command(cmd, desc, ctx[:-1] if not block_desc and ctx else ctx, lineno)
            else:
                self.add_command(cmd, desc, ctx, lineno)


def _lead_text(item: _Node) -> str | None:
    """A list item that is one line ending in a colon (``- does X:``): that text, without the colon."""
    if len(item.children) != 1 or item.children[0].kind != "para":
        return None
    text = item.children[0].text.strip()
    if "\n" in text or not text.endswith((":", "：")):
        return None
    return clean_desc(text) or None


def _plain_cell(text: str) -> str:
    """A table cell's text for matching and descriptions: no HTML breaks or emphasis marks."""
    text = _BR_RE.sub(" ", text)
    return text.replace("**", "").replace("__", "").strip().strip(":：").strip()


_URL_PAREN_RE = re.compile(r"(?<!\s)\s*+[（(]\s*+<?https?://[^\s()（）]*+>?\s*+[)）]")


def _tidy(text: str) -> str:
    """Concept text without parenthesised raw URLs (noise on a flashcard)."""
    return _SPACES_RE.sub(" ", _URL_PAREN_RE.sub("", text))


def _last_sentence(text: str) -> tuple[str, str]:
    """(the text before its last sentence, the last sentence): ``A。B`` → (``A。``, ``B``)."""
    prose = strip_code(text)
    cut = 0
    for m in _SENTENCE_STOP_RE.finditer(prose):
        if m.end() < len(prose.rstrip()):
            cut = m.end()
    return text[:cut], text[cut:].strip()


def _desc_before(text: str, prose: str, at: int, verb: str) -> str:
    """The description before a use verb whose command ends the clause (``描述用 X``, ``To do, run X``)."""
    if is_cjk(verb[0]):
        end = at
        for _ in range(2):  # "查看日志，可以用 X": an empty clause takes the one before the comma
            start = max(prose.rfind(c, 0, end) for c in _CLAUSE_SEPS) + 1
            clause = text[start:end].strip()
            if len(clause) > 40 or "`" in clause:
                return ""
            clause = _ZH_BEFORE_HEAD_RE.sub("", _ZH_BEFORE_TAIL_RE.sub("", clause)).strip()
            if clause:
                break
            if start == 0 or prose[start - 1] not in "，,":
                return ""
            end = start - 1
        if len(clause) < 2 or not has_cjk(clause) or _ZH_NOT_DESC_RE.search(clause):
            return ""
        return clean_desc(clause)
    before = text[max(0, at - 200) : at]
    low = verb.lower()
    m = _EN_BEFORE_RE.search(before) if low in ("use", "run", "type", "execute") else None
    if m is None and low in ("using", "running", "with", "via"):
        m = _EN_BY_RE.search(before)
        if m is not None:
            words = m.group(1).split()
            if len(words) < 2 or words[0].lower() in PROSE_WORDS or words[0].lower() in _PRONOUNS:
                return ""
            if any(w.lower() in ("is", "are", "was", "were", "be", "been") for w in words[:3]):
                return ""  # "the project is built with X" describes, it does not instruct
    return clean_desc(m.group(1)) if m else ""


def _strip_trailing_conj(text: str) -> str:
    """`text` without the conjunctions and white space that end it (``"x and "`` → ``"x"``), in linear time.

    Only the tail made of conjunction letters and white space can take part; over it, ``ok[p]``
    says whether ``text[p:]`` is white space and conjunctions with at least one conjunction.
    """
    n = len(text)
    low = n
    while low > 0 and (text[low - 1] in _TRAILING_CONJ_CHARS or text[low - 1].isspace()):
        low -= 1
    blank = [False] * (n + 1)  # text[p:] is only white space
    ok = [False] * (n + 1)
    blank[n] = True
    for p in range(n - 1, low - 1, -1):
        blank[p] = blank[p + 1] and text[p].isspace()
        ok[p] = (text[p].isspace() and ok[p + 1]) or any(
            text.startswith(c, p) and (ok[p + len(c)] or blank[p + len(c)]) for c in _TRAILING_CONJS
        )
    start = next((p for p in range(low, n) if ok[p]), None)
    return text if start is None else text[:start]


def first_sentence_keep(text: str) -> str:
    m = _SENTENCE_STOP_RE.search(text)
    return (text[: m.start()] if m else text).strip()


def _bare(content: str) -> str:
    content = content.strip()
    if content.startswith("$ "):
        content = content[2:].strip()
    return content


def _digest(kind: str, ident: str) -> str:
    return hashlib.sha1(f"{kind}\0{norm_key(ident)}".encode()).hexdigest()[:16]


def _keys(cards: list[_Card]) -> list[str]:
    """Stable keys; see "Keys" in the module docstring for the duplicate rule."""
    keys = [_digest(c.kind, c.ident) for c in cards]
    groups: dict[str, list[int]] = {}
    for i, key in enumerate(keys):
        groups.setdefault(key, []).append(i)
    for members in groups.values():
        if len(members) < 2:
            continue
        # The first by (topic path, front) keeps the plain digest: not by note order, so
        # that reordering sections does not hand the plain key to another card.
        members.sort(key=lambda i: (tuple(norm_key(t) for t in cards[i].topic), norm_key(cards[i].front), i))
        for i in members[1:]:
            c = cards[i]
            keys[i] = _digest(c.kind, c.ident + "\0" + "\x1f".join(c.topic))
        seen: dict[str, list[int]] = {}
        for i in members[1:]:
            seen.setdefault(keys[i], []).append(i)
        for same_topic in seen.values():
            for i in same_topic[1:]:
                c = cards[i]
                keys[i] = _digest(c.kind, c.ident + "\0" + "\x1f".join(c.topic) + "\0" + c.front)
    counts: dict[str, int] = {}
    for i, key in enumerate(keys):
        counts[key] = counts.get(key, 0) + 1
        if counts[key] > 1:
            keys[i] = f"{key}-{counts[key]}"
    return keys


def parse_note(text: str) -> ParsedNote:
    """Extract topics and cards from the Markdown text of one note."""
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    ex = _Extractor(text)
    ex.run()
    ordered = sorted(ex.cards, key=lambda c: c.line)
    cards = tuple(
        CardDraft(c.kind, c.front, c.back, c.topic, c.line, key)
        for c, key in zip(ordered, _keys(ordered), strict=True)
    )
    return ParsedNote(tuple(ex.topics), cards)
