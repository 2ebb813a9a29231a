"""What the pipeline passes along: candidates, cards, skipped lines, the parsed note."""

from __future__ import annotations

from dataclasses import dataclass, field

from quiz import limits
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
    # The rule that made it ("command_line", "table_row", …): for explaining, never stored,
    # not part of the key nor of equality.
    why: str = field(default="", compare=False)


# Why a line that looks like a command or a definition made no card: a stable code, and the
# reason in words (translated where it is shown).
SKIP_REASONS = {
    "no_description": N_("a command with no description anywhere (no text, list item or heading)"),
    "talked_about": N_("a command the sentence talks about, not one it tells you to run"),
    "example": N_("a command inside a code block of another language (an example)"),
    "too_short": N_("a program named in a sentence with too little said about it"),
}


@dataclass(frozen=True, slots=True)
class Skipped:
    """A line that looks like a command or a definition but made no card, and why (a SKIP_REASONS code)."""

    line: int
    text: str
    reason: str  # a key of SKIP_REASONS


@dataclass(frozen=True, slots=True)
class ParsedNote:
    """Everything a note yields: its headings and its cards, in note order, and the lines not carded."""

    topics: tuple[Topic, ...]
    cards: tuple[CardDraft, ...]
    skipped: tuple[Skipped, ...] = field(default=(), compare=False)


@dataclass(slots=True)
class Candidate:
    """A pair a rule proposes: `ident` is what the key is made of (see `quiz.notes.keys`)."""

    kind: str
    front: str
    back: str
    line: int
    ident: str
    why: str
    topic: tuple[str, ...] = ()
    confidence: float = 1.0  # how sure the rule is of this pair and front (`quiz.notes.choice`)
