"""The state one note's extraction shares between its rules: known program words, the heading
path, the cloze budget, and `propose`, through which every rule hands over a pair (shaped by
`quiz.notes.shaping`, then accepted or not by `quiz.notes.choice`)."""

from __future__ import annotations

from quiz.notes.choice import Choice, confidence
from quiz.notes.model import Candidate, Skipped, Topic
from quiz.notes.rules.explicit import CLOZE_TEXT_ALLOWANCE, CLOZE_TEXT_PER_NOTE_CHAR
from quiz.notes.shaping import command_front, shape_pair


class Context:
    """One note's extraction in progress."""

    __slots__ = (
        "known",
        "topics",
        "path",
        "sources",
        "topic",
        "choice",
        "skipped",
        "cloze_budget",
        "code_desc",
        "desc_after",
        "command_tags",
        "text",
        "_lines",
    )

    def __init__(self, text: str, known: frozenset[str] | set[str]) -> None:
        self.known = known  # program words: built-in ones plus those the note uses
        self.topics: list[Topic] = []
        self.path: list[tuple[int, str]] = []  # (level, title) of the headings above
        self.sources: list[str] = []  # the Markdown source of each heading of `path` (code spans kept)
        self.topic: tuple[str, ...] = ()  # the titles of `path`, kept in step with it
        self.choice = Choice()
        self.skipped: list[Skipped] = []
        # Characters the note's cloze cards may still hold (each repeats its whole line, twice).
        self.cloze_budget = CLOZE_TEXT_PER_NOTE_CHAR * len(text) + CLOZE_TEXT_ALLOWANCE
        self.text = text
        self._lines: list[str] | None = None  # the note's lines, split on first use
        self.code_desc = ""  # the description of the last code block (an "or" block after it shares it)
        self.desc_after = (
            False  # the note describes code blocks after them (`code_blocks.descriptions_follow_blocks`)
        )

    def heading(self) -> str:
        """The title of the innermost heading above, or ""."""
        return self.path[-1][1] if self.path else ""

    def source_line(self, index: int) -> str:
        """The raw text of the note's line at 0-based `index` ("" past the end)."""
        if self._lines is None:
            self._lines = self.text.split("\n")
        return self._lines[index] if 0 <= index < len(self._lines) else ""

    def propose(
        self, kind: str, front: str, back: str, line: int, ident: str, why: str, front_from: str = "own"
    ) -> bool:
        """Offer a pair; True when it became a new card.  `front_from`: see `choice.FRONT_CONFIDENCE`."""
        front, back = shape_pair(kind, front, back)
        cand = Candidate(kind, front, back, line, ident, why, self.topic, confidence(why, front_from))
        return self.choice.accept(cand)

    def propose_command(self, cmd: str, desc: str, parents: list[str], line: int, why: str) -> bool:
        """Offer a command card: `desc` (else the enclosing item, else the heading) describes `cmd`."""
        cmd = cmd.strip()
        if not cmd:
            return False
        front, front_from = command_front(desc, parents, self.heading())
        if not front:
            self.skip(line, cmd, "no_description")
            return False
        return self.propose("command", front, cmd, line, cmd, why, front_from)

    def skip(self, line: int, text: str, reason: str) -> None:
        """Note a line that looks like a command or definition but makes no card (see SKIP_REASONS)."""
        self.skipped.append(Skipped(line, text.strip(), reason))

    def not_carded(self) -> tuple[Skipped, ...]:
        """The skipped lines that have no card after all, once each, in note order."""
        lines = self.choice.lines
        out = dict.fromkeys(s for s in self.skipped if s.line not in lines)
        return tuple(sorted(out, key=lambda s: s.line))
