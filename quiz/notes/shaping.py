"""Finish: a proposed pair shaped into a card's front and back (prompts, separators, markup trimmed;
placeholders kept), and the front of a command card built from its description and context."""

from __future__ import annotations

import re

from quiz.notes.text import code_spans, norm_key, strip_code

_BR_RE = re.compile(r"<br\s*/?>", re.I)
_SPACES_RE = re.compile(r"[ \t]{2,}")
# tldr marks option letters: "[c]reate" → "create"; "[c]创建" → "创建"
# tldr marks option letters: "[c]reate" → "create"; "[c]创建" → "创建"
_TLDR_MNEMONIC_RE = re.compile(
    r"(?<=[A-Za-z])\[([A-Za-z0-9]{1,3})\](?!\()|\[([A-Za-z0-9]{1,3})\](?=[A-Za-z])"
)
_TLDR_MNEMONIC_BARE_RE = re.compile(r"\[[A-Za-z0-9]{1,3}\](?![(\[])")
MAX_DESC = 200  # a command's description longer than this is cut (a card front must stay readable)

_URL_PAREN_RE = re.compile(r"(?<!\s)\s*+[（(]\s*+<?https?://[^\s()（）]*+>?\s*+[)）]")


def _tidy(text: str) -> str:
    """Concept text without parenthesised raw URLs (noise on a flashcard)."""
    if "://" in text:  # (the pattern needs one; the test spares a scan of every position)
        text = _URL_PAREN_RE.sub("", text)
    return _SPACES_RE.sub(" ", text)


def plain_cell(text: str) -> str:
    """A table cell's text for matching and descriptions: no HTML breaks or emphasis marks."""
    text = _BR_RE.sub(" ", text)
    return text.replace("**", "").replace("__", "").strip().strip(":：").strip()


def bare(content: str) -> str:
    content = content.strip()
    if content.startswith("$ "):
        content = content[2:].strip()
    return content


def strip_tldr_mnemonics(text: str) -> str:
    """``[c]reate`` → ``create``: tldr's option mnemonics removed from a description."""
    text = _TLDR_MNEMONIC_RE.sub(lambda m: m.group(1) or m.group(2), text)
    return _TLDR_MNEMONIC_BARE_RE.sub("", text).strip()


def shape_pair(kind: str, front: str, back: str) -> tuple[str, str]:
    """A pair as it goes on a card: concepts lose parenthesised raw URLs; white space trimmed."""
    if kind != "command":
        front, back = _tidy(front), _tidy(back)
    return front.strip(), back.strip()


def command_front(desc: str, parents: list[str], heading: str) -> tuple[str, str]:
    """A command card's front: its description (else the enclosing item, else the heading),
    prefixed with the enclosing list item (``parent › description``), cut at MAX_DESC; "" if none.
    With it, where it came from: "own", "item" or "heading" (`quiz.notes.choice.FRONT_CONFIDENCE`)."""
    prefix = ""
    source = "own"
    if not desc:
        if parents:
            desc, prefix, source = parents[-1], (parents[-2] if len(parents) > 1 else ""), "item"
        else:
            desc, source = heading, "heading"
    else:
        prefix = parents[-1] if parents else ""
    desc = desc.strip()
    if not desc:
        return "", source
    if len(desc) > MAX_DESC:
        desc = desc[: MAX_DESC - 1].rstrip() + "…"
    return (f"{prefix} › {desc}" if prefix and norm_key(prefix) != norm_key(desc) else desc), source


# "[text](url)" / "[text][ref]" → text; "![alt](src)" (an image) → nothing; an empty "[](url)" → nothing
_LINK_RE = re.compile(r"\[([^\[\]]*)\](?:\([^()\[\]]*\)|\[[^\[\]]*\])")
# "<a id="x"></a>", "<span>…</span>": inline HTML tags (not placeholders such as "<镜像Id>" or "<file>")
_INLINE_TAG_RE = re.compile(
    r"</?(?:a|span|code|b|i|em|strong|br|img|sup|sub|font|small|kbd|u|mark|del|s)(?:\s[^<>]*)?/?>", re.I
)
_HEADING_ATTR_RE = re.compile(r"\{#[\w-]+\}\s*$")  # "## Title {#custom-id}" (kramdown / Pandoc)
_STAR_EMPHASIS_RE = re.compile(r"(?<![\w*])\*(?=\S)([^*\n]+)(?<=\S)\*(?![\w*])")
_UNDERSCORE_EMPHASIS_RE = re.compile(r"(?<![\w_])_(?=\S)([^_\n]+)(?<=\S)_(?![\w_])")
_LINK_ONLY_FILLER_RE = re.compile(
    r"[\s\-*+.,;:|/>#，、；：。()（）_]*"
)  # what may surround the links of a ToC line


def link_text(text: str) -> str:
    """``see [the guide](http://x)`` → ``see the guide``; ``[](http://x)`` → ""; text without links
    (or with them only inside code spans: `` `[a](b)` ``) unchanged."""
    if "](" not in text and "][" not in text:
        return text
    spans = code_spans(text)
    if not spans:
        return _links_to_text(text)
    out, at = [], 0
    for start, end, _ in spans:
        out.append(_links_to_text(text[at:start]))
        out.append(text[start:end])
        at = end
    out.append(_links_to_text(text[at:]))
    return "".join(out)


def _links_to_text(text: str, keep: bool = True) -> str:
    """Each link replaced by its text (by nothing when not `keep`); an image by nothing."""
    if "]" not in text:
        return text
    out, at = [], 0
    for m in _LINK_RE.finditer(text):
        start = m.start()
        image = start > 0 and text[start - 1] == "!"
        out.append(text[at : start - 1 if image else start])
        if keep and not image:
            out.append(m.group(1))
        at = m.end()
    out.append(text[at:])
    return "".join(out)


def link_only(text: str) -> bool:
    """Whether a line is nothing but links (a table of contents, a reading list): ``- [安装](#安装)``;
    not ``[Docker](http://x) 是一个容器引擎`` (text besides the link)."""
    if "](" not in text and "][" not in text:
        return False
    rest = _links_to_text(strip_code(text), keep=False)
    return _LINK_ONLY_FILLER_RE.fullmatch(rest) is not None


def plain_title(text: str) -> str:
    """A heading's title as plain text: ``[Docker](http://x) 的 `run` **命令**`` → ``Docker 的 run 命令``;
    ``Docker Command[](http://x)`` → ``Docker Command``; ``std::vector<int>`` stays as it is."""
    text = link_text(text.strip())
    if "<" in text:
        text = _INLINE_TAG_RE.sub("", text)
    if "{#" in text:
        text = _HEADING_ATTR_RE.sub("", text).rstrip()
    text = text.replace("`", "").replace("**", "").replace("__", "")
    if "*" in text:
        text = _STAR_EMPHASIS_RE.sub(r"\1", text)
    if "_" in text:
        text = _UNDERSCORE_EMPHASIS_RE.sub(r"\1", text)
    return " ".join(text.split())
