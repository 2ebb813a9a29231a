"""Anki notes as Wengu cards: each Anki card's kind, front and back, from its note's fields and template.

A pure domain module (the standard library, ``quiz.anki_package``'s value types, ``quiz.export``'s
note type ids and ``quiz.notes``' word list): ``quiz.store.anki_importing`` stores what it returns.

**Text.**  Anki fields are HTML; a Wengu card holds Markdown (``quiz.render``).  ``field_markdown``
keeps what Anki shows and nothing that could run: ``<br>`` and block elements (``div``, ``p``, list
items, table rows, headings) become line breaks (a Markdown hard break, two spaces and a newline; an
empty line between paragraphs), list items start with ``- ``, ``<img src="a.png">`` becomes
``![alt](<a.png>)`` (a local file only: URLs and ``data:`` are dropped, since Wengu never fetches them),
``[sound:…]`` is dropped, ``<script>`` and ``<style>`` go with their content, every other tag is
stripped (attributes such as ``onerror`` with it) and entities are unescaped.  The text itself is
Markdown-escaped (``*``, ``_``, ``[``, ``<``, ``#``…), so a card shows the characters Anki showed,
never markup they happen to form.

**Kinds.**
* A cloze note type (``is_cloze``): card *N* is the note's ``{{cN+1::…}}`` clozes, a "cloze" card as
  Wengu's own: the front shows that number's blanks as ``[...]`` (``[hint]`` with a hint) and the
  other clozes' answers, the back is the whole text (then the answer side's other fields, such as
  Back Extra, after an empty line).
* A template that asks to type a field (``{{type:Field}}``): the typed field is the answer.  When it
  is one line that Wengu's shell-command test takes for a command (``quiz.notes.text.code_is_command``),
  the card is a "command" card, checked by Wengu's shell-aware checker; otherwise (a word, a
  sentence) a "qa" card with the typed field as its back: the checker's shell rules (quotes, options,
  aliases) would misjudge prose.
* Any other note type: the front is the fields the question template shows, the back the fields the
  answer template adds (``{{FrontSide}}`` left out).  A note type with one template (Basic) gives
  "concept" cards, a term and what it means, which the quiz can also ask as multiple choice; one with
  several (Basic and reversed, optional reversed) gives "qa" cards, a question each way, as Wengu's
  own ``Q:::A`` does.
* Wengu's own note types (an export imported back) give back what they were made from: a command
  note a command card (Description → front, Command → back), a concept note a concept card, a
  reversed note two qa cards, a cloze note cloze cards; their Topic field (the subdeck path, which the
  import makes a topic) is not text.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from html import unescape

from quiz.anki_package import AnkiNoteType
from quiz.export import CLOZE_MODEL_ID, COMMAND_MODEL_ID, CONCEPT_MODEL_ID, REVERSED_MODEL_ID
from quiz.media import media_name
from quiz.notes.text import code_is_command
from quiz.notes.words import BUILTIN_COMMANDS

__all__ = ["CardText", "card_key", "card_text", "cloze_sides", "field_markdown", "field_plain"]

KEY_PREFIX = "anki:"
KEY_MAX = 64  # the length of ``Card.key``


def card_key(guid: str, ord_: int) -> str:
    """A card's key: ``anki:<note guid>:<card ord>``; a guid too long for ``Card.key`` is hashed."""
    key = f"{KEY_PREFIX}{guid}:{ord_}"
    if len(key) <= KEY_MAX:
        return key
    return f"{KEY_PREFIX}{hashlib.sha1(guid.encode()).hexdigest()}:{ord_}"


# --------------------------------------------------------------------------- HTML -> Markdown

_BLOCKS = frozenset(
    "div p li tr ul ol table thead tbody tfoot h1 h2 h3 h4 h5 h6 blockquote pre dl dt dd section article "
    "header footer figure figcaption hr".split()
)
_PARAGRAPHS = frozenset("p h1 h2 h3 h4 h5 h6 blockquote pre table ul ol hr".split())
_DROPPED = frozenset({"script", "style", "head", "title", "template", "object", "iframe", "svg", "math"})
_SOUND = re.compile(r"\[sound:[^\]]*\]")
_MARKDOWN_PUNCT = re.compile(r"([\\`*_\[\]<>#|~&])")
_LINE_START_MARK = re.compile(r"^([-+=]|\d+(?=[.)]))")
_SPACES = re.compile(r"[ \t\r\n\f\v\u00a0]+")
_NEEDS_PARSER = re.compile(r"[<&]")
_IMAGE_NAME_UNSAFE = re.compile(r"[<>\n!]")
# The parser's marks, characters no field text keeps: a list item's start ("- " once the lines are
# tidied), a line break, a block's edge (a line break unless at a line's start), a paragraph's edge.
_ITEM, _BR, _BLOCK, _PARA = "\x02", "\x10", "\x11", "\x12"
_MARKS = re.compile("[\x02\x10\x11\x12]")
_TOKENS = re.compile("([\x10\x11\x12])")
# A <br> that ends a block's text is not shown ("<div>a<br></div>" is one line, "<div><br></div>" one
# empty line), as browsers do.
_TRAILING_BR = re.compile("(?<=[^\x10\x11\x12])\x10(?=[\x11\x12])")


def _escape(text: str) -> str:
    return _MARKDOWN_PUNCT.sub(r"\\\1", text)


# A tag: "<" a name, then anything but "<" and ">" (so a scan never runs past the next "<"), then ">".
_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9-]*)([^<>]*)>")
_ATTRIBUTE = re.compile(r"""([^\s=/"']+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"']+)))?""")
_CLOSING: dict[str, re.Pattern[str]] = {}


def _closing(name: str) -> re.Pattern[str]:
    pattern = _CLOSING.get(name)
    if pattern is None:
        pattern = _CLOSING[name] = re.compile(rf"</{name}\s*>", re.I)
    return pattern


def _attributes(text: str) -> dict[str, str]:
    found: dict[str, str] = {}
    for match in _ATTRIBUTE.finditer(text):
        value = next((g for g in match.groups()[1:] if g is not None), "")
        found.setdefault(match.group(1).lower(), unescape(value))
    return found


class _FieldParser:
    """Collects a field's text, with marks where a line break (``<br>``), a block (``<div>``) and a
    paragraph (``<p>``) begin or end: ``_layout`` makes lines of them.

    A scanner of its own rather than ``html.parser``: a field only needs its text, line breaks and
    images, and an import reads hundreds of thousands of fields (``html.parser`` took most of the
    time).  Anything that is not a tag it knows is text, which the caller escapes: nothing here can
    let markup through.
    """

    def __init__(self, markdown: bool) -> None:
        self.markdown = markdown
        self.out: list[str] = []
        self.pre = 0

    def feed(self, html: str) -> None:
        pos, end = 0, len(html)
        while pos < end:
            lt = html.find("<", pos)
            if lt < 0:
                self._text(unescape(html[pos:]))
                return
            if lt > pos:
                self._text(unescape(html[pos:lt]))
            if html.startswith("<!--", lt):
                close = html.find("-->", lt + 4)
                pos = end if close < 0 else close + 3
                continue
            if html.startswith(("<!", "<?"), lt):  # a doctype or a processing instruction
                close = html.find(">", lt)
                pos = end if close < 0 else close + 1
                continue
            tag = _TAG.match(html, lt)
            if tag is None:
                self._text("<")
                pos = lt + 1
                continue
            pos = tag.end()
            name = tag.group(2).lower()
            if tag.group(1):
                self._end(name)
            elif name in _DROPPED:
                if not tag.group(3).rstrip().endswith("/"):
                    closing = _closing(name).search(html, pos)
                    pos = end if closing is None else closing.end()
            else:
                self._start(name, tag.group(3))

    def _text(self, text: str) -> None:
        text = _MARKS.sub("", text)
        if not self.pre:
            text = _SPACES.sub(" ", text)
        else:
            text = text.replace("\u00a0", " ").replace("\n", _BR)
        self.out.append(_escape(text) if self.markdown else text)

    def _start(self, tag: str, attributes: str) -> None:
        if tag == "br":
            self.out.append(_BR)
        elif tag == "img":
            self._image(_attributes(attributes))
        elif tag in _BLOCKS:
            self.out.append(_PARA if tag in _PARAGRAPHS else _BLOCK)
            if tag == "pre":
                self.pre += 1
            if tag == "li" and self.markdown:
                self.out.append(_ITEM)
        elif tag in ("td", "th"):
            self.out.append(" ")

    def _end(self, tag: str) -> None:
        if tag in _BLOCKS:
            self.out.append(_PARA if tag in _PARAGRAPHS else _BLOCK)
            if tag == "pre":
                self.pre = max(0, self.pre - 1)

    def _image(self, attrs: dict[str, str]) -> None:
        src = attrs.get("src") or ""
        name = media_name(src)
        alt = _SPACES.sub(" ", attrs.get("alt") or "").strip()
        if not self.markdown or name is None or _IMAGE_NAME_UNSAFE.search(name):
            if alt:
                self._text(alt)
            return
        alt = re.sub(r"[\[\]\\!\n]", "", alt)
        self.out.append(f"![{alt}](<{name}>)")


def _escape_mark(match: re.Match[str]) -> str:
    """A line's first characters that would start a list or a heading, escaped: ``-`` -> ``\\-``,
    ``1.`` -> ``1\\.``."""
    mark = match.group(1)
    return f"\\{mark}" if not mark.isdigit() else f"{mark}\\"


def _lines(text: str, markdown: bool) -> str:
    """Text with ``\\n`` line breaks and ``\\n\\n`` paragraph breaks, tidied: each line trimmed, at most
    one empty line between paragraphs; in Markdown, the lines of a paragraph joined by hard breaks."""
    paragraphs: list[list[str]] = [[]]
    for line in text.split("\n"):
        line = line.strip()
        if not line:
            if paragraphs[-1]:
                paragraphs.append([])
            continue
        if markdown:
            if line.startswith(_ITEM):
                item = line.lstrip(_ITEM + " ")
                if not item:
                    continue
                line = "- " + item
            else:
                line = _LINE_START_MARK.sub(_escape_mark, line, count=1)
        paragraphs[-1].append(line)
    joiner = "  \n" if markdown else "\n"
    return "\n\n".join(joiner.join(lines) for lines in paragraphs if lines)


_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f]")


def _convert(html: str, markdown: bool) -> str:
    html = _SOUND.sub("", _CONTROL.sub("", html))
    if not _NEEDS_PARSER.search(html):
        text = _SPACES.sub(" ", html)
        return _lines(_escape(text) if markdown else text, markdown)
    parser = _FieldParser(markdown)
    parser.feed(html)
    return _lines(_layout("".join(parser.out)), markdown)


def _layout(marked: str) -> str:
    """The parser's text with its marks as line breaks (``\\n``) and empty lines between paragraphs."""
    lines = [""]
    for piece in _TOKENS.split(_TRAILING_BR.sub("", marked)):
        if piece == _BR:
            lines.append("")
        elif piece == _BLOCK:
            if lines[-1].strip():
                lines.append("")
        elif piece == _PARA:
            if lines[-1].strip():
                lines.append("")
            if len(lines) > 1 and lines[-2].strip():
                lines.append("")
        else:
            lines[-1] += piece
    return "\n".join(lines)


def field_markdown(html: str) -> str:
    """An Anki field (HTML) as a Wengu card's Markdown: safe, what Anki shows (see the module's text)."""
    return _convert(html, markdown=True)


def field_plain(html: str) -> str:
    """An Anki field (HTML) as plain text (no Markdown), for the command a command card asks to type."""
    return _convert(html, markdown=False)


# --------------------------------------------------------------------------- templates

_REFERENCE = re.compile(r"\{\{([^{}]+)\}\}")
_SPECIAL = frozenset({"FrontSide", "Tags", "Type", "Deck", "Subdeck", "Card", "CardFlag", "CardID"})


def _references(template: str, fields: tuple[str, ...]) -> list[tuple[str, str]]:
    """The fields a template shows, in order, each once: (field, its filter: "type", "cloze" or "")."""
    found: dict[str, str] = {}
    for match in _REFERENCE.finditer(template):
        tag = match.group(1).strip()
        if not tag or tag[0] in "#^/!":
            continue
        parts = tag.split(":")
        name = parts[-1].strip()
        if name in _SPECIAL or name not in fields:
            continue
        filters = [part.strip() for part in parts[:-1]]
        kind = "type" if "type" in filters else "cloze" if "cloze" in filters else ""
        if name not in found or (kind and not found[name]):
            found[name] = kind
    return list(found.items())


# --------------------------------------------------------------------------- clozes

_CLOZE = re.compile(r"\{\{c(\d+)::(.*?)(?:::(.*?))?\}\}", re.S)
_NO_HINT = "..."


def cloze_sides(text: str, number: int) -> tuple[str, str] | None:
    """The front and back of cloze ``number`` of ``text`` (Markdown with Anki's ``{{cN::answer::hint}}``):
    the front shows that number's answers as ``[...]`` (or ``[hint]``), the back shows every answer.
    None when the text has no cloze of that number."""
    found = False

    def front(match: re.Match[str]) -> str:
        nonlocal found
        if int(match.group(1)) != number:
            return match.group(2)
        found = True
        hint = (match.group(3) or "").strip()
        return f"[{hint or _NO_HINT}]"

    shown = _CLOZE.sub(front, text)
    if not found:
        return None
    return shown, _CLOZE.sub(lambda m: m.group(2), text)


# --------------------------------------------------------------------------- cards


@dataclass(frozen=True)
class CardText:
    """One Anki card as Wengu's: its kind, front and back (Markdown; a command card's back plain text)."""

    kind: str
    front: str
    back: str


_WENGU_KINDS = {COMMAND_MODEL_ID: "command", CONCEPT_MODEL_ID: "concept", REVERSED_MODEL_ID: "qa"}
_WENGU_TOPIC_FIELD = "Topic"


def _join(texts: list[str]) -> str:
    return "\n\n".join(text for text in texts if text)


def card_text(note_type: AnkiNoteType, fields: tuple[str, ...], ord_: int) -> CardText | str:
    """The card ``ord_`` of a note with raw ``fields`` (HTML) of ``note_type``: a ``CardText``, or the
    short English reason it gives no card (an empty side, a missing template or cloze)."""
    names = note_type.fields
    values = dict(zip(names, fields, strict=False))
    wengu = note_type.id in _WENGU_KINDS or note_type.id == CLOZE_MODEL_ID
    if wengu:
        values.pop(_WENGU_TOPIC_FIELD, None)
    if note_type.is_cloze:
        return _cloze_card(note_type, values, ord_)
    if not 0 <= ord_ < len(note_type.templates):
        return f"card {ord_ + 1} has no template in note type {note_type.name!r}"
    question, answer = note_type.templates[ord_]
    asked = [(name, kind) for name, kind in _references(question, names) if name in values]
    shown = [(name, kind) for name, kind in _references(answer, names) if name in values]
    typed = [name for name, kind in asked + shown if kind == "type"]
    front_names = [name for name, kind in asked if kind != "type"]
    back_names = [name for name, _kind in shown if name not in front_names and name not in typed]
    front = _join([field_markdown(values[name]) for name in front_names])
    if not front:
        return f"card {ord_ + 1}: the question side is empty"
    if typed:
        answer_html = values[typed[0]]
        command = field_plain(answer_html)
        is_command = note_type.id == COMMAND_MODEL_ID or (
            "\n" not in command
            and "<img" not in answer_html.lower()
            and code_is_command(command, BUILTIN_COMMANDS)
        )
        if is_command and command and "\n" not in command:
            return CardText("command", front, command)
        back = _join([field_markdown(answer_html)] + [field_markdown(values[name]) for name in back_names])
        kind = "qa"
    else:
        back = _join([field_markdown(values[name]) for name in back_names])
        if note_type.id == COMMAND_MODEL_ID:  # Wengu's command note, exported without typing
            command = field_plain(values.get("Command", ""))
            if command and "\n" not in command:
                return CardText("command", front, command)
        kind = _WENGU_KINDS.get(note_type.id) or ("concept" if len(note_type.templates) == 1 else "qa")
    if not back:
        return f"card {ord_ + 1}: the answer side is empty"
    return CardText(kind, front, back)


def _cloze_card(note_type: AnkiNoteType, values: dict[str, str], ord_: int) -> CardText | str:
    names = note_type.fields
    question, answer = note_type.templates[0] if note_type.templates else ("", "")
    asked = _references(question, names)
    cloze_names = [name for name, kind in asked if kind == "cloze" and name in values]
    if not cloze_names:
        cloze_names = [name for name in names[:1] if name in values]
    if not cloze_names:
        return "a cloze note without a text field"
    other = [
        name
        for name, _kind in asked + _references(answer, names)
        if name not in cloze_names and name in values
    ]
    front_extra = [name for name, _kind in asked if name in other]
    back_extra = [name for name in dict.fromkeys(other) if name not in front_extra]
    fronts, backs = [], []
    for name in cloze_names:
        text = field_markdown(values[name])
        sides = cloze_sides(text, ord_ + 1)
        if sides is None:
            fronts.append(_CLOZE.sub(lambda m: m.group(2), text))
            backs.append(fronts[-1])
            continue
        fronts.append(sides[0])
        backs.append(sides[1])
    if fronts == backs:
        return f"cloze card {ord_ + 1} has no {{{{c{ord_ + 1}::…}}}} in its text"
    extra_front = [field_markdown(values[name]) for name in front_extra]
    extra_back = [field_markdown(values[name]) for name in back_extra]
    front = _join(extra_front + fronts)
    back = _join(extra_front + backs + extra_back)
    return CardText("cloze", front, back)
