"""Which stored card a card of the note continues: by key, then by one side unchanged, then by close text.

A card may change its kind in the note and stay the same card: a concept (``**Term**: definition``)
rewritten as a question (``Term::definition``) or back.  Its key changes with its kind (the key
hashes the kind), so such a card is found by its sides or its close text, as an edited one is.
"""

from __future__ import annotations

from collections.abc import Sequence
from difflib import SequenceMatcher

from quiz.models import Card
from quiz.notes import CardDraft
from quiz.notes.text import norm_key

FUZZY_MATCH_RATIO = 0.8

# Kinds that ask the same shape of card, front to back (a term and its definition, a question and its
# answer): a card rewritten from one to the other is the same card.  A command's front and back, and a
# cloze's, are of another shape: those kinds change to no other.
KIND_FAMILY = {"concept": "term", "qa": "term"}


def _family(kind: str) -> str:
    return KIND_FAMILY.get(kind, kind)


def unique_drafts(drafts: Sequence[CardDraft]) -> list[CardDraft]:
    """The drafts without a repeated key (the extractor keeps keys unique within a note; imports guard)."""
    seen: set[str] = set()
    unique = []
    for draft in drafts:
        if draft.key not in seen:
            seen.add(draft.key)
            unique.append(draft)
    return unique


def match_cards(drafts: Sequence[CardDraft], existing: Sequence[Card]) -> dict[int, Card]:
    """Pair each draft with the stored card it continues, by position in ``drafts``.

    First by key.  Then a draft whose key is new takes over an unpaired card of
    the same kind with the same back or the same front: one side of the card
    was edited (a command's description reworded, or its command changed); then,
    for the drafts still unpaired, the same with a card of the other kind of its
    family (``KIND_FAMILY``: a concept rewritten as a question, or back).
    Last, a card of the same kind under the same heading whose text is close
    (difflib ratio of front and back together at least ``FUZZY_MATCH_RATIO``)
    is taken to be the same card reworded; then the same across the family.  A
    card of the draft's own kind always comes first, so a note whose kinds did
    not change is matched as before.  The stored card keeps its key (its first
    one), so its Anki GUID, review state and history stay with it.  A stored
    card's kind is the one its note gave it (``Card.kind_in_note``), whatever
    the user chose.
    """
    by_key = {card.key: card for card in existing}
    matched: dict[int, Card] = {}
    for i, draft in enumerate(drafts):
        if draft.key in by_key:
            matched[i] = by_key[draft.key]
    taken = {card.id for card in matched.values()}
    if len(matched) == len(drafts) or len(taken) == len(existing):
        return matched
    # The stored cards by (kind, side, text), each list in stored order: the first unpaired one with
    # either side equal is the one a scan of ``existing`` would find.
    sides: dict[tuple[str, bool, str], list[int]] = {}
    for j, card in enumerate(existing):
        sides.setdefault((card.kind_in_note, True, card.back), []).append(j)
        sides.setdefault((card.kind_in_note, False, card.front), []).append(j)
    family: dict[str, list[str]] = {}
    for kind in {card.kind_in_note for card in existing}:
        family.setdefault(_family(kind), []).append(kind)
    for across in (False, True):
        if across:
            if not any(_kinds(d.kind, family) for i, d in enumerate(drafts) if i not in matched):
                break  # (no draft left whose family has another kind stored: the common case)
            # Across kinds the sides are compared as a key reads them (``norm_key``: ``**Term**`` is
            # ``Term``), since the two kinds' rules write the same term differently.
            sides = {}
            for j, card in enumerate(existing):
                if card.id not in taken and card.kind_in_note in KIND_FAMILY:
                    sides.setdefault((card.kind_in_note, True, norm_key(card.back)), []).append(j)
                    sides.setdefault((card.kind_in_note, False, norm_key(card.front)), []).append(j)
        for i, draft in enumerate(drafts):
            if i in matched:
                continue
            kinds = _kinds(draft.kind, family) if across else [draft.kind]
            if not kinds:
                continue
            back, front = (
                (norm_key(draft.back), norm_key(draft.front)) if across else (draft.back, draft.front)
            )
            first = None
            for kind in kinds:
                for side in ((kind, True, back), (kind, False, front)):
                    j = next((j for j in sides.get(side, ()) if existing[j].id not in taken), None)
                    if j is not None and (first is None or j < first):
                        first = j
            if first is not None:
                matched[i] = existing[first]
                taken.add(existing[first].id)
    groups: dict[tuple[str, tuple[str, ...]], list[tuple[Card, str]]] | None = None
    for across in (False, True):
        for i, draft in enumerate(drafts):
            if i in matched:
                continue
            kinds = _kinds(draft.kind, family) if across else [draft.kind]
            if not kinds:
                continue
            if groups is None:
                # Only a card of the same kind (or family, across) under the same heading can match:
                # compare with those alone.
                groups = {}
                for card in existing:
                    group = groups.setdefault((card.kind_in_note, card.topic_path), [])
                    group.append((card, card.front + "\n" + card.back))
            # seq2 is the draft's text: difflib caches what it learns about seq2 across seq1s.
            matcher = SequenceMatcher(None, "", draft.front + "\n" + draft.back)
            best, best_ratio = None, FUZZY_MATCH_RATIO
            for kind in kinds:
                for card, text in groups.get((kind, draft.topic), ()):
                    if card.id in taken:
                        continue
                    matcher.set_seq1(text)
                    # The quick ratios are upper bounds of ratio(): skipping below the best changes nothing.
                    if matcher.real_quick_ratio() < best_ratio or matcher.quick_ratio() < best_ratio:
                        continue
                    ratio = matcher.ratio()
                    if ratio >= best_ratio:
                        best, best_ratio = card, ratio
            if best is not None:
                matched[i] = best
                taken.add(best.id)
        if len(taken) == len(existing):
            break
    return matched


def _kinds(kind: str, family: dict[str, list[str]]) -> list[str]:
    """The stored kinds of ``kind``'s family but ``kind`` itself, sorted (the same order every time)."""
    return sorted(k for k in family.get(_family(kind), ()) if k != kind)
