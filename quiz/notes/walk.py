"""The chain: walk the block tree in note order and hand each block to its rules.

Which rules read which block, in order (each rule's docstring shows one input it handles and
one it leaves alone; `RULES` names them all):

heading     topic path; `heading_problem` (a problem heading answered by the next block)
paragraph   `lone_command` when a lead-in precedes it; `label_answer` when it is a lone label
            (``原因：``) and a paragraph follows; else `multiline_qa_block`, then per line
            `explicit_line` → `command_line` (`COMMAND_LINE_RULES`); the lines left are concept
            text: in a list item's head `term_continuation`, else one unit; in a paragraph,
            sentence by sentence `question_then_answer`; each unit through `labelled_text`, then
            `CONCEPT_RULES`
list item   its head paragraph as above; if it made no card, `item_answer` on the next block
code block  `code_block`
table       `table_row` (`table_key`, `table_term`, `table_option` by the columns' headers)
            option lines: a paragraph (`option_line`) or list of them, before the rules above
quote       its blocks, walked the same way
"""

from __future__ import annotations

from quiz.notes.blocks import Block, title_table
from quiz.notes.context import Context
from quiz.notes.model import Topic
from quiz.notes.rules import (
    answers,
    code_blocks,
    command_line,
    concepts,
    explicit,
    labels,
    lead_in,
    options,
    prose_use,
    tables,
)
from quiz.notes.shaping import link_only, link_text, plain_title
from quiz.notes.text import join_lines, shorten

# Every rule by the name it gives its cards (`CardDraft.why`), for explaining and testing.
RULES = {
    "qa": explicit.explicit_line,
    "qa_reversed": explicit.explicit_line,
    "cloze": explicit.explicit_line,
    "qa_multiline": explicit.multiline_qa_block,
    "command_line": command_line.leading_command,
    "command_param": command_line.command_param,
    "program_colon": command_line.program_colon,
    "short_desc_command": command_line.described_code_span,
    "separator_command": command_line.described_code_span,
    "colon_command": command_line.colon_command,
    "verb_command": command_line.verb_command,
    "column_key": command_line.column_key_line,
    "prose_use": prose_use.prose_use,
    "lead_in_command": lead_in.lone_command,
    "quote_lead_command": lead_in.quote_command,
    "step_command": lead_in.step_lines,
    "code_block": code_blocks.code_block,
    "code_option": code_blocks.code_block,
    "table_row": tables.table_row,
    "table_key": tables.key_table,
    "table_term": tables.term_table,
    "table_option": tables.option_table,
    "option_line": options.option_lines,
    "question_sentence": concepts.question_sentence,
    "condition": concepts.condition,
    "purpose": concepts.purpose,
    "marked_term": concepts.marked_term,
    "definition": concepts.definition,
    "predicate_split": concepts.predicate_split,
    "dash_term": concepts.dash_term,
    "gloss_term": concepts.gloss_term,
    "symbol_term": concepts.symbol_term,
    "heading_subject": concepts.heading_subject,
    "term_continuation": concepts.term_continuation,
    "question_then_answer": concepts.question_then_answer,
    "term_sub_item": answers.item_answer,
    "item_answer": answers.item_answer,
    "heading_problem": answers.heading_problem,
    "labelled_text": labels.labelled_text,
    "label_answer": labels.label_answer,
}


def walk(ctx: Context, node: Block, parents: list[str], consumed: bool) -> None:
    """Visit the blocks inside `node`; `parents` are the enclosing list items' short texts."""
    children = node.children
    prev: Block | None = None
    skip: Block | None = None
    for n, child in enumerate(children):
        kind = child.kind
        if kind == "table" and (title := title_table(child, ctx.source_line(child.line))):
            child, kind = Block("heading", child.line, text=title, level=2), "heading"
        nxt = children[n + 1] if n + 1 < len(children) else None
        if child is skip:
            pass
        elif kind == "heading":
            if heading(ctx, child, nxt, children, n):
                walk(ctx, Block("item", children=[nxt]), parents, consumed=True)  # type: ignore[list-item]
                skip = nxt
        elif kind == "para":
            lead = lead_in.lead_in(prev)
            if lead and lead_in.lone_command(ctx, child, lead, parents):
                pass
            elif not consumed and (
                labels.label_answer(ctx, child, nxt, parents) or concepts.bold_subject(ctx, child, nxt)
            ):
                walk(ctx, Block("item", children=[nxt]), parents, consumed=True)  # type: ignore[list-item]
                skip = nxt
            elif not options.option_lines(ctx, child, prev, parents):
                before = (
                    prev.text.rstrip().rsplit("\n", 1)[-1]
                    if prev is not None and prev.kind == "para"
                    else None
                )
                after = (
                    nxt.text.lstrip().split("\n", 1)[0] if nxt is not None and nxt.kind == "para" else None
                )
                paragraph(ctx, child, parents, consumed=consumed, item_head=False, before=before, after=after)
        elif kind == "code":
            code_blocks.code_block(ctx, child, parents, prev, children, n)
        elif kind == "list":
            lead = (
                nxt is not None
                and nxt.kind == "para"
                and lead_in.lone_command_text(nxt, ctx.known) is not None
            )
            if not options.option_list(ctx, child, prev, parents):
                block_list(ctx, child, parents, before_command=lead)
        elif kind == "quote":
            lead = lead_in.quote_lead(prev, ctx.known)
            if lead:
                lead_in.quote_command(ctx, child, lead, parents)
            walk(ctx, child, parents, consumed)
        elif kind == "item":
            item(ctx, child, parents, deflist=False, ordered=False)
        elif kind == "table":
            tables.table_row(ctx, child, parents, prev)
        prev = child


def heading(ctx: Context, node: Block, nxt: Block | None, siblings: list[Block], n: int) -> bool:
    """Update the topic path; True when the next block answered the heading (it is then consumed)."""
    title = plain_title(node.text)
    while ctx.path and ctx.path[-1][0] >= node.level:
        ctx.path.pop()
        ctx.sources.pop()
    if title:
        ctx.path.append((node.level, title))
        ctx.sources.append(node.text)
    ctx.topic = tuple(t for _, t in ctx.path)
    if not title:
        return False
    ctx.topics.append(Topic(ctx.topic, node.line + 1))
    return nxt is not None and answers.heading_problem(ctx, title, node, nxt, siblings, n)


def block_list(ctx: Context, node: Block, parents: list[str], *, before_command: bool = False) -> None:
    """A list's items; `before_command`: a command paragraph follows, which its last item may introduce."""
    heads = [c.children[0].text for c in node.children if c.children and c.children[0].kind == "para"]
    deflist = answers.definition_list(heads, ctx.known)
    ordered = node.info == "ordered"
    last = node.children[-1] if node.children else None
    for child in node.children:
        if before_command and child is last and lead_in.lead_text(child) is not None:
            continue  # "- does X:" introducing the command paragraph after the list (tldr)
        item(ctx, child, parents, deflist=deflist, ordered=ordered)


def item(ctx: Context, node: Block, parents: list[str], deflist: bool, ordered: bool) -> None:
    """A list item: its head paragraph, then (if that made no card) its answer, then the rest under it."""
    children = node.children
    if not children or children[0].kind != "para":
        walk(ctx, node, parents, consumed=False)
        return
    head = children[0]
    if link_only(head.text):  # a table of contents or reading list: "- [安装](#安装)"
        walk(ctx, Block("item", children=children[1:]), parents, consumed=False)
        return
    before = len(ctx.choice.accepted)
    paragraph(ctx, head, parents, consumed=False, item_head=True, deflist=deflist)
    if len(children) == 1:
        return  # nothing under the head (most items)
    produced = len(ctx.choice.accepted) > before
    answer = children[1]
    head_text = link_text(join_lines(head.text.split("\n")))
    consumed_answer = not produced and answers.item_answer(ctx, head_text, answer, ordered)
    sub_parents = parents + [shorten(head_text)] if head_text else parents
    rest = Block("item", children=children[1:])
    if consumed_answer:
        walk(ctx, Block("item", children=[answer]), sub_parents, consumed=True)
        rest.children = children[2:]
    walk(ctx, rest, sub_parents, consumed=False)


def paragraph(
    ctx: Context,
    node: Block,
    parents: list[str],
    *,
    consumed: bool,
    item_head: bool,
    deflist: bool = False,
    before: str | None = None,
    after: str | None = None,
) -> None:
    """A paragraph: explicit cards and command lines first; the other lines are concept text.

    `before`/`after`: the last line of the paragraph before it and the first of the one after.
    """
    lines = node.text.split("\n")
    if len(lines) >= 3 and "\n?" in node.text and explicit.multiline_qa_block(ctx, lines, node.line):
        return
    steps = lead_in.step_lines(ctx, lines, node.line + 1, parents, before, after)
    concept_lines: list[tuple[int, str]] = []
    keys = command_line.column_keys(lines) if len(lines) >= command_line.COLUMN_KEY_MIN else {}
    for i, raw in enumerate(lines):
        lineno = node.line + i + 1
        text = raw.strip()
        if not text or i in steps:
            continue
        if "](" in text or "][" in text:
            if link_only(text):
                continue  # "[Vim](http://www.vim.org)": a link alone says nothing to learn
            text = link_text(text)
        if ("::" in text or "==" in text or "{{c" in text) and explicit.explicit_line(ctx, text, lineno):
            continue  # (no marker, no explicit card: the test spares a call per line)
        if i in keys and command_line.column_key_line(ctx, keys[i], parents, lineno):
            continue
        if command_line.command_line(ctx, text, parents, lineno, prev=lines[i - 1] if i else None):
            continue
        concept_lines.append((lineno, text))
    if consumed or not concept_lines:
        return
    if item_head:
        if not concepts.term_continuation(ctx, concept_lines):
            unit = join_lines([t for _, t in concept_lines])
            if not labels.labelled_text(ctx, unit, concept_lines[0][0], parents):
                concepts.concept(ctx, unit, concept_lines[0][0], item=True, deflist=deflist)
        return
    units = concepts.sentences(concept_lines)
    n = 0
    while n < len(units):
        lineno, sentence = units[n]
        answer = units[n + 1] if n + 1 < len(units) else None
        if concepts.question_then_answer(ctx, sentence, answer):
            n += 2
            continue
        if not labels.labelled_text(ctx, sentence, lineno, parents):
            concepts.concept(ctx, sentence, lineno, item=False, deflist=False)
        n += 1
