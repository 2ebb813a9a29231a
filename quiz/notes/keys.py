"""Keys: a card's stable identity within its note (see "Keys" in the package docstring)."""

from __future__ import annotations

import hashlib

from quiz.notes.model import Candidate
from quiz.notes.text import norm_key


def _digest(kind: str, ident: str) -> str:
    return hashlib.sha1(f"{kind}\0{norm_key(ident)}".encode()).hexdigest()[:16]


def card_keys(cards: list[Candidate]) -> list[str]:
    """Stable keys; see "Keys" in the `quiz.notes` docstring for the duplicate rule."""
    keys = [_digest(c.kind, c.ident) for c in cards]
    groups: dict[str, list[int]] = {}
    for i, key in enumerate(keys):
        groups.setdefault(key, []).append(i)
    for members in groups.values():
        if len(members) < 2:
            continue
        # The first by (topic path, front) keeps the plain digest: not by note order, so
        # that reordering sections does not hand the plain key to another card.
        members.sort(key=lambda i: (tuple(norm_key(t) for t in cards[i].topic), norm_key(cards[i].front), i))
        for i in members[1:]:
            c = cards[i]
            keys[i] = _digest(c.kind, c.ident + "\0" + "\x1f".join(c.topic))
        seen: dict[str, list[int]] = {}
        for i in members[1:]:
            seen.setdefault(keys[i], []).append(i)
        for same_topic in seen.values():
            for i in same_topic[1:]:
                c = cards[i]
                keys[i] = _digest(c.kind, c.ident + "\0" + "\x1f".join(c.topic) + "\0" + c.front)
    counts: dict[str, int] = {}
    for i, key in enumerate(keys):
        counts[key] = counts.get(key, 0) + 1
        if counts[key] > 1:
            keys[i] = f"{key}-{counts[key]}"
    return keys
