"""Images: a note's local images go with the card they belong to (the rules read text without them).

The rules see a line with its images removed (``shaping.link_text``): an image says nothing a rule
could read.  Afterwards, each local image (``![alt](img/a.png)`` or ``<img src="img/a.png">``; see
``quiz.media.media_name``; URLs are left out, as before) is added to one card:

* an image on the line a card was made from goes with that card;
* an image on a line that made no card (a picture in a paragraph of its own, the second line of a
  definition) goes with the card made on one of the three lines above it, under the same heading;
* any other image (in a code block, far from any card) goes nowhere.

It is added to the card's back, in a paragraph of its own, except on a command card, whose back
is the bare command to type: there it goes on the front; a cloze card has it on both sides.  A
card whose field already shows the image (``Q :: <img src="a.png">``) is left as it is.  Keys are
made before this step, so an image added or removed never changes a card's key.
"""

from __future__ import annotations

import re
from dataclasses import replace

from quiz.media import image_references, image_syntax
from quiz.notes.model import CardDraft, Topic

_FENCE_RE = re.compile(r"^\s{0,3}(`{3,}|~{3,})")
NEAR_LINES = 3


def _image_lines(text: str) -> dict[int, list[str]]:
    """By 1-based line: the local images written on it, as written.

    Lines inside fenced code blocks are skipped.
    """
    found: dict[int, list[str]] = {}
    fence: str | None = None
    for number, line in enumerate(text.split("\n"), start=1):
        opened = _FENCE_RE.match(line)
        if fence is not None:
            if opened and opened.group(1)[0] == fence[0] and len(opened.group(1)) >= len(fence):
                fence = None
            continue
        if opened:
            fence = opened.group(1)
            continue
        if "![" not in line and "<img" not in line.lower():
            continue
        images = [written for written in image_syntax(line) if image_references(written)]
        if images:
            found[number] = images
    return found


def _topic_at(topics: tuple[Topic, ...], line: int) -> tuple[str, ...]:
    path: tuple[str, ...] = ()
    for topic in topics:
        if topic.line > line:
            break
        path = topic.path
    return path


def _with_images(field: str, images: list[str]) -> str:
    """``field`` with the images it does not show yet added in a paragraph of their own."""
    shown = set(image_references(field))
    added: list[str] = []
    for image in images:
        names = [name for name in image_references(image) if name not in shown]
        if names:
            shown.update(names)
            added.append(image)
    if not added:
        return field
    return (field + "\n\n" if field else "") + " ".join(added)


def attach_images(
    text: str, topics: tuple[Topic, ...], cards: tuple[CardDraft, ...]
) -> tuple[CardDraft, ...]:
    """``cards`` with the note's local images added to the cards they belong to (see the module's rules)."""
    if "![" not in text and "<img" not in text.lower():
        return cards
    lines = _image_lines(text)
    if not lines:
        return cards
    by_line: dict[int, list[int]] = {}
    for index, card in enumerate(cards):
        by_line.setdefault(card.line, []).append(index)
    extra: dict[int, list[str]] = {}
    for number, images in sorted(lines.items()):
        owners = by_line.get(number)
        if not owners:
            topic = _topic_at(topics, number)
            for before in range(number - 1, max(0, number - 1 - NEAR_LINES), -1):
                near = [i for i in by_line.get(before, ()) if cards[i].topic == topic]
                if near:
                    owners = near
                    break
        for index in owners or ():
            extra.setdefault(index, []).extend(images)
    if not extra:
        return cards
    out = list(cards)
    for index, images in extra.items():
        card = out[index]
        # A command's back is the command to type; a cloze's front and back must stay alike but for the
        # blanks (the Anki export rebuilds the cloze from them).
        if card.kind == "command":
            out[index] = replace(card, front=_with_images(card.front, images))
        elif card.kind == "cloze":
            out[index] = replace(
                card, front=_with_images(card.front, images), back=_with_images(card.back, images)
            )
        else:
            out[index] = replace(card, back=_with_images(card.back, images))
    return tuple(out)
