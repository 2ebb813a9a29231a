"""Decide: which proposed pairs become cards, in which order, with which keys.

A candidate is accepted when, shaped, both its sides and its identity are non-empty and no
card of the same kind on the same line has the same pair (the command for command cards, the
identity for the others): several rules may read the same line, the first to propose a pair
wins.  Accepted candidates become cards in line order (stable), keyed by `quiz.notes.keys`.
"""

from __future__ import annotations

from quiz.notes.keys import card_keys
from quiz.notes.model import Candidate, CardDraft
from quiz.notes.text import norm_key


class Choice:
    """The accepted candidates of one note, in the order the rules proposed them."""

    __slots__ = ("accepted", "seen", "lines")

    def __init__(self) -> None:
        self.accepted: list[Candidate] = []
        self.seen: set[tuple[str, int, str]] = set()
        self.lines: set[int] = set()  # lines that have a card

    def accept(self, cand: Candidate) -> bool:
        """Keep `cand` unless a side is empty or the same pair is already a card of its line."""
        if not cand.front or not cand.back or not cand.ident.strip():
            return False
        mark = (cand.kind, cand.line, norm_key(cand.back) if cand.kind == "command" else norm_key(cand.ident))
        if mark in self.seen:
            return False
        self.seen.add(mark)
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
