"""Markdown → HTML for card fields, safe to put in a page or an Anki note.

One Markdown library serves both parsing (``quiz.notes``) and rendering:
markdown-it-py.  Raw HTML in a note is escaped, never passed through
(``html=False``), and markdown-it's link validation drops ``javascript:``,
``vbscript:``, ``file:`` and non-image ``data:`` URLs, so nothing written in a
note can run script in the quiz page or in Anki.
"""

from __future__ import annotations

import re
from functools import lru_cache
from html import escape

from markdown_it import MarkdownIt


@lru_cache(maxsize=1)
def _markdown() -> MarkdownIt:
    return MarkdownIt("commonmark", {"html": False, "linkify": False}).enable(["table", "strikethrough"])


# Text with none of these can hold no Markdown syntax: it renders as one escaped paragraph.  Most card
# fronts and backs are such plain sentences, and skipping the parser for them makes exporting 50,000
# cards several times faster.  A property test checks that the shortcut agrees with markdown-it.
_MARKDOWN_SYNTAX = re.compile(r"[\\`*_\[\]<>!#|~&\n\r\t]|^\s*(?:[-+*=]|\d+[.)])|^\s{4}|\s$|^\s")


def render_markdown(text: str) -> str:
    """Render a card field written in Markdown as sanitised HTML."""
    if not _MARKDOWN_SYNTAX.search(text):
        return f"<p>{escape(text, quote=False).replace(chr(34), '&quot;')}</p>" if text else ""
    return _markdown().render(text).strip()


def render_inline(text: str) -> str:
    """Render one line of Markdown without the surrounding paragraph."""
    return _markdown().renderInline(text).strip()


def render_command(command: str) -> str:
    """Render a shell command as a code block (escaped, never interpreted)."""
    return f'<pre class="command"><code>{escape(command)}</code></pre>'
