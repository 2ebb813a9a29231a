"""Decide: which proposed pairs become cards, in which order, with which keys.

A candidate is accepted when, shaped, both its sides and its identity are non-empty.  Several
rules may read the same line and propose the same pair (the command for command cards, the
identity for the others): one card per pair and line, and of the candidates for it the one with
the highest confidence gives the card its front (the first proposed on a tie).  A candidate's
confidence is its rule's (`RULE_CONFIDENCE`: explicit markers above tables and described lines,
above sentence heuristics) times how its front was found (`FRONT_CONFIDENCE`: a description of
its own, else the list item around it, else the heading).  Accepted candidates become cards in
line order (stable), keyed by `quiz.notes.keys`.
"""

from __future__ import annotations

from quiz.notes.keys import card_keys
from quiz.notes.model import Candidate, CardDraft
from quiz.notes.text import norm_key

# How sure each rule is of what it proposes (rules not named: DEFAULT_CONFIDENCE).
DEFAULT_CONFIDENCE = 0.7
RULE_CONFIDENCE = {
    # the note marks the card itself
    "qa": 1.0,
    "qa_reversed": 1.0,
    "cloze": 1.0,
    "qa_multiline": 1.0,
    # a command beside its description, in a table row or a block comment
    "command_line": 0.9,
    "table_row": 0.9,
    "table_key": 0.9,
    "table_term": 0.9,
    "table_option": 0.85,
    "code_block": 0.9,
    "code_option": 0.85,
    "option_line": 0.85,
    "column_key": 0.85,
    "separator_command": 0.85,
    "short_desc_command": 0.8,
    "program_colon": 0.8,
    "lead_in_command": 0.8,
    "quote_lead_command": 0.8,
    "step_command": 0.8,
    "labelled_text": 0.8,
    "label_answer": 0.8,
    "marked_term": 0.8,
    "definition": 0.8,
    # read out of a sentence or the layout around it
    "colon_command": 0.7,
    "verb_command": 0.6,
    "prose_use": 0.6,
    "command_param": 0.6,
    "heading_problem": 0.6,
    "item_answer": 0.6,
    "term_sub_item": 0.6,
    "question_sentence": 0.6,
    "question_then_answer": 0.6,
    "term_continuation": 0.6,
    "symbol_term": 0.6,
    "dash_term": 0.6,
    "gloss_term": 0.6,
    "condition": 0.5,
    "purpose": 0.5,
    "predicate_split": 0.5,
    "heading_subject": 0.5,
}
# Where a command card's front came from: its own description, the enclosing item, the heading.
FRONT_CONFIDENCE = {"own": 1.0, "item": 0.7, "heading": 0.5}


def confidence(why: str, front_from: str = "own") -> float:
    """A candidate's confidence: its rule's, times how its front was found."""
    return RULE_CONFIDENCE.get(why, DEFAULT_CONFIDENCE) * FRONT_CONFIDENCE[front_from]


class Choice:
    """The accepted candidates of one note, in the order the rules first proposed their pairs."""

    __slots__ = ("accepted", "seen", "lines")

    def __init__(self) -> None:
        self.accepted: list[Candidate] = []
        self.seen: dict[tuple[str, int, str], int] = {}  # a pair on a line → its index in `accepted`
        self.lines: set[int] = set()  # lines that have a card

    def accept(self, cand: Candidate) -> bool:
        """Keep `cand` unless a side is empty; True when it is a new card.  The same pair on the
        same line again is no new card, but its front replaces the card's if it is surer."""
        if not cand.front or not cand.back or not cand.ident.strip():
            return False
        mark = (cand.kind, cand.line, norm_key(cand.back) if cand.kind == "command" else norm_key(cand.ident))
        at = self.seen.get(mark)
        if at is not None:
            if cand.confidence > self.accepted[at].confidence:
                self.accepted[at] = cand
            return False
        self.seen[mark] = len(self.accepted)
        self.accepted.append(cand)
        self.lines.add(cand.line)
        return True

    def cards(self) -> tuple[CardDraft, ...]:
        """The accepted candidates as cards, in note order, with their keys."""
        ordered = sorted(self.accepted, key=lambda c: c.line)
        return tuple(
            CardDraft(c.kind, c.front, c.back, c.topic, c.line, key, c.why)
            for c, key in zip(ordered, card_keys(ordered), strict=True)
        )
