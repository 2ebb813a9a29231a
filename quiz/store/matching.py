"""Which stored card a card of the note continues: by key, then by one side unchanged, then by close text."""

from __future__ import annotations

from collections.abc import Sequence
from difflib import SequenceMatcher

from quiz.models import Card
from quiz.notes import CardDraft

FUZZY_MATCH_RATIO = 0.8


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
    was edited (a command's description reworded, or its command changed).
    Last, a card of the same kind under the same heading whose text is close
    (difflib ratio of front and back together at least ``FUZZY_MATCH_RATIO``)
    is taken to be the same card reworded.  The stored card keeps its key, so
    its Anki GUID, review state and history stay with it.  A stored card's kind
    is the one its note gave it (``Card.kind_in_note``), whatever the user chose.
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
    for i, draft in enumerate(drafts):
        if i in matched:
            continue
        first = None
        for side in ((draft.kind, True, draft.back), (draft.kind, False, draft.front)):
            j = next((j for j in sides.get(side, ()) if existing[j].id not in taken), None)
            if j is not None and (first is None or j < first):
                first = j
        if first is not None:
            matched[i] = existing[first]
            taken.add(existing[first].id)
    groups: dict[tuple[str, tuple[str, ...]], list[tuple[Card, str]]] | None = None
    for i, draft in enumerate(drafts):
        if i in matched:
            continue
        if groups is None:
            # Only a card of the same kind under the same heading can match: compare with those alone.
            groups = {}
            for card in existing:
                group = groups.setdefault((card.kind_in_note, card.topic_path), [])
                group.append((card, card.front + "\n" + card.back))
        # seq2 is the draft's text: difflib caches what it learns about seq2 across seq1s.
        matcher = SequenceMatcher(None, "", draft.front + "\n" + draft.back)
        best, best_ratio = None, FUZZY_MATCH_RATIO
        for card, text in groups.get((draft.kind, draft.topic), ()):
            if card.id in taken:
                continue
            matcher.set_seq1(text)
            # The quick ratios are upper bounds of ratio(): skipping below the best so far changes nothing.
            if matcher.real_quick_ratio() < best_ratio or matcher.quick_ratio() < best_ratio:
                continue
            ratio = matcher.ratio()
            if ratio >= best_ratio:
                best, best_ratio = card, ratio
        if best is not None:
            matched[i] = best
            taken.add(best.id)
    return matched
