"""Finish: a proposed pair shaped into a card's front and back (prompts, separators, markup trimmed;
placeholders kept), and the front of a command card built from its description and context."""

from __future__ import annotations

import re

from quiz.notes.text import norm_key

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
    return _SPACES_RE.sub(" ", _URL_PAREN_RE.sub("", text))


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


def command_front(desc: str, parents: list[str], heading: str) -> str:
    """A command card's front: its description (else the enclosing item, else the heading),
    prefixed with the enclosing list item (``parent › description``), cut at MAX_DESC; "" if none."""
    prefix = ""
    if not desc:
        if parents:
            desc, prefix = parents[-1], (parents[-2] if len(parents) > 1 else "")
        else:
            desc = heading
    else:
        prefix = parents[-1] if parents else ""
    desc = desc.strip()
    if not desc:
        return ""
    if len(desc) > MAX_DESC:
        desc = desc[: MAX_DESC - 1].rstrip() + "…"
    return f"{prefix} › {desc}" if prefix and norm_key(prefix) != norm_key(desc) else desc
