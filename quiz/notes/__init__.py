"""Notes → cards: a pipeline of named rules.

A note is Markdown (Chinese or English).  `parse_note` reads its block structure
with markdown-it-py (CommonMark + GFM tables; the inline parse is skipped: the
rules read each block's raw source) and turns it into flashcard drafts.  Nothing
here knows any particular subject: the rules are about the shape of the text.
``\r\n`` / ``\r`` line ends count as ``\n``; lists may nest up to 100 levels.

Pipeline (one module per stage; the rules' order is in `quiz.notes.walk`)
    decode.py       bytes → text (UTF-8 with or without BOM, else GB18030)
    blocks.py       segment: markdown-it block tokens → a tree of blocks with their source lines
    walk.py         the chain: each block handed to its rules in order, with its heading path
    rules/          propose: one module per family (explicit, command_line, prose_use, lead_in,
                    code_blocks with code_lines, tables, options, definitions, concepts, labels,
                    answers); each rule a small
                    function that proposes pairs with the name it gives them (`CardDraft.why`)
    shaping.py      finish: fronts and backs trimmed, a command's front built from its context
    choice.py       decide: one card per pair and line, in note order; keys from keys.py
    Lines that look like commands or definitions but made no card are in `ParsedNote.skipped`
    with a short reason (see `quiz.notes.model.SKIP_REASONS`).

Topics
    Every heading is a topic; a card's `topic` is the path of heading titles
    above it, outermost first (skipped levels are fine).  Titles are plain text: a link reads as
    its text (an empty ``[](url)`` disappears), code marks, emphasis and anchors are removed.
    Front matter, HTML comments, shortcodes (``{{< toc >}}``, ``{% raw %}``) and ``[TOC]`` lines
    are not the note's text; lines that are only links (tables of contents) make no card.

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
      several commands joined by ``/``/``或``/``or`` give "A or B".  Headers are
      read word by word (``快捷键/命令``, ``Use Flag``; word lists in rules/tables.py).
      An example column is the back when it extends the command (``ls`` | ``ls -la``).
      Key bindings are backs as the reader types them (`` `Ctrl+b` `[` `` → ``Ctrl+b [``).
      A 2-column term / 说明 table gives concept cards (code with symbols or a shell
      construct such as ``命令 > 文件`` gives a command card).  An option table
      (``-v``) gives ``COMMAND › description`` → ``COMMAND -v`` when a command is named
      by the block before, the enclosing item or a heading above; else no card.
    * Option lines outside code blocks (``-a, --all   显示所有``, ``-i: 交互操作``,
      `` `-d` 后台运行 ``, a list of them) under such a command: the same cards
      (rules/options.py); a bare ``-d`` is never a front nor a back.
    * A paragraph that is nothing but one command (a code span or ``$ `` line)
      right after a list whose last item is one line ending in a colon
      (``- does X:``, the tldr-pages layout) or after a paragraph ending in a
      colon: that text describes it.  tldr's option mnemonics (``[c]reate``) are
      removed from the front; ``{{placeholders}}`` stay in the back verbatim.
      Generic lead-ins ("Run the following:", "执行以下命令：") say nothing and
      fall back to the heading.
    * A command with no description of its own takes the text of the list item it
      sits under (e.g. a blockquote holding only the command), else the heading.
    * Fenced/indented code blocks in a shell language, none, or a command language
      (SQL, redis): ``$ `` / ``name=# `` / root ``# `` prompts removed, ``\\`` continuations
      joined, output, ``echo`` demo lines, examples after ``例如：`` and commands shown
      failing (``# 错误示例``, ``Error:`` after them) dropped.  A command's own comment
      (trailing ``# …``, a glued ``cmd 描述``, a key column ``:wq   # …`` / ``\\l   列出…``,
      a comment indented below it) describes it; else the comment above its group
      (``#``, ``//``, ``--``, ``echo "描述"``): a group under one description is ONE card,
      its commands one per line; else the paragraph line / numbered step / list item
      before the block (its first group), and the heading only for the one command of
      a section's only block.  Option lines under a command (``  -a   # 显示所有``) give
      ``ls › 显示所有`` → ``ls -a``.  A command with no description makes no card.
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
    Changing the command itself changes a command card's key, and so does a
    concept rewritten as ``Term::definition`` (the kind is hashed in); `quiz.store`
    matches a re-imported card by either side (same back or same front) or close
    text, a concept and a question with each other too, so such a card keeps its
    first key, its identity and review history anyway (`quiz.store.matching`).
"""

from __future__ import annotations

from quiz.notes import blocks, choice, context, decode, images, keys, model, shaping, text, walk, words
from quiz.notes.blocks import Block, block_tree, learn_commands
from quiz.notes.context import Context
from quiz.notes.decode import decode_note
from quiz.notes.model import CARD_KINDS, SKIP_REASONS, CardDraft, NoteError, ParsedNote, Skipped, Topic
from quiz.notes.rules import (
    answers,
    code_blocks,
    code_lines,
    command_line,
    concepts,
    definitions,
    explicit,
    labels,
    lead_in,
    options,
    prose_use,
    tables,
)
from quiz.notes.walk import RULES
from quiz.notes.words import BUILTIN_COMMANDS

__all__ = [
    "CARD_KINDS",
    "SKIP_REASONS",
    "NOTES_MODULES",
    "RULES",
    "CardDraft",
    "NoteError",
    "ParsedNote",
    "Skipped",
    "Topic",
    "decode_note",
    "parse_note",
]

# Every module of the package (the regex audit and the cache resets of tests/test_linear_time.py read them).
NOTES_MODULES = (
    blocks,
    choice,
    context,
    decode,
    images,
    keys,
    model,
    shaping,
    text,
    walk,
    words,
    answers,
    code_blocks,
    code_lines,
    command_line,
    concepts,
    definitions,
    explicit,
    labels,
    lead_in,
    options,
    prose_use,
    tables,
)


def parse_note(text: str) -> ParsedNote:
    """Extract topics and cards from the Markdown text of one note."""
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    learn: list[Block] = []
    root = block_tree(text, learn)
    ctx = Context(text, BUILTIN_COMMANDS | learn_commands(learn))
    ctx.desc_after = code_blocks.descriptions_follow_blocks(root)
    ctx.command_tags = code_blocks.command_tags(root, ctx.known)
    walk.walk(ctx, root, [], consumed=False)
    topics = tuple(ctx.topics)
    return ParsedNote(topics, images.attach_images(text, topics, ctx.choice.cards()), ctx.not_carded())
