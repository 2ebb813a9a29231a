"""Markdown → HTML for card fields, safe to put in a page or an Anki note.

One Markdown library serves both parsing (``quiz.notes``) and rendering:
markdown-it-py.  Raw HTML in a note is escaped, never passed through
(``html=False``), and markdown-it's link validation drops ``javascript:``,
``vbscript:``, ``file:`` and non-image ``data:`` URLs, so nothing written in a
note can run script in the quiz page or in Anki.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from functools import lru_cache
from html import escape

from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml, isMdAsciiPunct, isPunctChar, isWhiteSpace

from quiz.media import rewrite_images


@lru_cache(maxsize=1)
def _markdown() -> MarkdownIt:
    return MarkdownIt("commonmark", {"html": False, "linkify": False}).enable(["table", "strikethrough"])


# Text with none of these can hold no Markdown syntax: it renders as one escaped paragraph.  Most card
# fronts and backs are such plain sentences, and skipping the parser for them takes most of the
# rendering out of an Anki export (measured: bench/RESULTS.md, "Anki export").  A property test checks
# that the shortcut agrees with markdown-it.
_MARKDOWN_SYNTAX = re.compile(r"[\\`*_\[\]<>!#|~&\n\r\t]|^\s*(?:[-+*=]|\d+[.)])|^\s{4}|\s$|^\s")

# The next most common field is one line of prose with ``*emphasis*``, ``**strong**`` and `` `code` ``
# and nothing else: markdown-it builds a token stream for it, ``_render_simple_inline`` makes one pass
# over the characters.  That shortcut
# takes only text that cannot start a block other than a paragraph (one line, no indent, no list,
# heading, quote or rule marker), holds no double backticks, and outside its code spans none of the
# characters that start other inline syntax (escapes, links, autolinks, entities, ``_``, ``~``).
_NOT_SIMPLE_INLINE = re.compile(r"``|[\n\r\t\x00]|^\s|\s$|^(?:[-+=#>|]|\d+[.)]|\*+(?:\s|$))")
_OUTSIDE_CODE_SYNTAX = re.compile(r"[\\`\[\]<>|~&_]")
_CODE_OR_STARS = re.compile(r"`([^`]*)`|\*+")


@lru_cache(maxsize=4096)
def _flanking_class(char: str) -> tuple[bool, bool]:
    """(whitespace?, punctuation?) of a character next to a ``*`` run, as in markdown-it's ``scanDelims``."""
    return isWhiteSpace(ord(char)), isMdAsciiPunct(ord(char)) or isPunctChar(char)


def _render_simple_inline(text: str) -> str | None:
    """``text`` as markdown-it renders it, or None when the text is not simple enough to be sure.

    Code spans are single-backtick pairs.  Every ``*`` run is one or two stars, and its left/right
    flanking is decided exactly as markdown-it's ``scanDelims`` does; a run that could both open and
    close (e.g. inside a word), a closer whose nearest opener has another length, or a longer run
    gives up, so the delimiter matching left is CommonMark's in its simplest form: a closer takes the
    innermost open run, runs left unmatched stay literal.
    """
    if not text or _NOT_SIMPLE_INLINE.search(text):
        return None
    out: list[str] = ["<p>"]
    openers: list[tuple[int, int]] = []  # (index in out, run length)
    pos = 0
    end = len(text)
    for match in _CODE_OR_STARS.finditer(text):
        start = match.start()
        if start > pos:
            plain = text[pos:start]
            if _OUTSIDE_CODE_SYNTAX.search(plain):
                return None
            out.append(plain.replace('"', "&quot;"))  # no & < > here: _OUTSIDE_CODE_SYNTAX
        pos = match.end()
        code = match.group(1)
        if code is not None:
            if code.startswith(" ") and code.endswith(" ") and code.strip(" "):
                code = code[1:-1]
            out.append(f"<code>{escapeHtml(code)}</code>")
            continue
        length = pos - start
        if length > 2:
            return None
        last_space, last_punct = _flanking_class(text[start - 1] if start else " ")
        next_space, next_punct = _flanking_class(text[pos] if pos < end else " ")
        can_open = not (next_space or (next_punct and not (last_space or last_punct)))
        can_close = not (last_space or (last_punct and not (next_space or next_punct)))
        if can_open and can_close:
            return None
        if can_close and openers:
            index, opened = openers.pop()
            if opened != length:
                return None
            tag = "strong" if length == 2 else "em"
            out[index] = f"<{tag}>"
            out.append(f"</{tag}>")
        else:
            if can_open:
                openers.append((len(out), length))
            out.append(match.group())
    if pos < end:
        plain = text[pos:]
        if _OUTSIDE_CODE_SYNTAX.search(plain):
            return None
        out.append(plain.replace('"', "&quot;"))
    out.append("</p>")
    return "".join(out)


@lru_cache(maxsize=4096)
def _render_with_markdown_it(text: str) -> str:
    return _markdown().render(text).strip()


def render_markdown(text: str, images: Callable[[str], str | None] | None = None) -> str:
    """Render a card field written in Markdown as sanitised HTML.

    ``images``, when given, says where each local image of the field is (``quiz.media.rewrite_images``:
    a stored image name -> its URL, None when there is no such image: then its alt text is shown, and
    the page asks for no file that is not there).  Without it, images are rendered as written (an
    export whose fields already name the package's files).
    """
    if images is not None:
        text = rewrite_images(text, images)
    if not _MARKDOWN_SYNTAX.search(text):
        return f"<p>{escape(text, quote=False).replace(chr(34), '&quot;')}</p>" if text else ""
    html = _render_simple_inline(text)
    return html if html is not None else _render_with_markdown_it(text)


# A stretch of a command shown as a placeholder: (start, end, label, title).
Placeholder = tuple[int, int, str, str]


def render_command(command: str, placeholders: Sequence[Placeholder] = ()) -> str:
    """Render a shell command as a code block (escaped, never interpreted); see `render_placeholders`."""
    return f'<pre class="command"><code>{render_placeholders(command, placeholders)}</code></pre>'


def render_placeholders(text: str, placeholders: Sequence[Placeholder] = ()) -> str:
    """``text`` escaped, each ``(start, end, label, title)`` stretch shown as a placeholder instead.

    The stretches (in order, not overlapping; others are left as written) are example values of
    the note-taker's machine: a container ID shows as ``<var class="example" title="...">&lt;ID&gt;</var>``,
    its title saying what the note has there.
    """
    out: list[str] = []
    pos = 0
    for start, end, label, title in placeholders:
        if start < pos or end > len(text) or start >= end:
            continue
        out.append(escape(text[pos:start]))
        out.append(f'<var class="example" title="{escape(title)}">{escape(label)}</var>')
        pos = end
    out.append(escape(text[pos:]))
    return "".join(out)
