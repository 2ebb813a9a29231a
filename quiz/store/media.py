"""A deck's images (``DeckMedia``): kept at import, served to their owner, handed to the Anki export.

``save_media`` checks and stores the images of one note (type by magic bytes, size per file and per
deck: ``quiz.limits``) and reports each one it refuses, with the reason, instead of failing the import;
``prune_media`` drops the images nothing in the deck refers to any more; ``media_for_deck`` lists a
deck's images (without their bytes) and ``owned_media`` reads one for its owner only.
``read_note_images`` reads a note's images from disk for ``flask notes import`` (inside the folder
given only), ``keep_upload_media`` takes them from a zip upload, and ``export_media`` gives the
Anki export the images its cards use under flat, content-named files.
"""

from __future__ import annotations

import os
import posixpath
import stat
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from quiz import limits
from quiz.export import ExportCard
from quiz.i18n import N_, LocalizedText
from quiz.media import (
    climbs,
    content_hash,
    image_references,
    image_type,
    media_name,
    package_name,
    rewrite_images,
)
from quiz.models import Card, Deck, DeckMedia, PendingImportMedia, User, now_utc


@dataclass
class MediaReport:
    """What ``save_media`` did with one note's images."""

    stored: list[str] = field(default_factory=list)  # saved, replaced or already there, by name
    replaced: list[str] = field(default_factory=list)  # of those, the ones whose bytes changed
    refused: list[tuple[str, LocalizedText]] = field(default_factory=list)  # (name, why)


def _size(n: int) -> str:
    return f"{n / (1024 * 1024):.0f} MB" if n >= 1024 * 1024 else f"{n} bytes"


def media_problem(name: str, data: bytes) -> LocalizedText | None:
    """Why one file cannot be kept as an image under ``name``, or None when it can."""
    if media_name(name) != name:
        return LocalizedText(N_("not a stored image name (a relative file name, normalised)"))
    if len(data) > limits.MAX_MEDIA_FILE_BYTES:
        return LocalizedText(
            N_("larger than %(limit)s, the limit per image"), limit=_size(limits.MAX_MEDIA_FILE_BYTES)
        )
    if image_type(data) is None:
        return LocalizedText(N_("not a PNG, JPEG, GIF or WebP image"))
    return None


def save_media(session: Session, deck: Deck, files: Mapping[str, bytes]) -> MediaReport:
    """Store ``files`` (stored name -> bytes) as ``deck``'s images, each checked (``media_problem``) and
    within the deck's limits (``limits.MAX_DECK_MEDIA_BYTES``, ``MAX_DECK_MEDIA_FILES``).

    A name the deck has already is replaced when its bytes changed.  Refused files are reported,
    not raised: an import keeps its cards when an image is bad.  Adds and flushes; the caller commits.
    """
    report = MediaReport()
    session.flush()  # a new deck gets its id
    existing = {
        row.name: row for row in session.scalars(select(DeckMedia).where(DeckMedia.deck_id == deck.id))
    }
    total = sum(row.size for row in existing.values())
    count = len(existing)
    for name in sorted(files):
        data = files[name]
        problem = media_problem(name, data)
        if problem is not None:
            report.refused.append((name, problem))
            continue
        digest = content_hash(data)
        row = existing.get(name)
        if row is not None and row.content_hash == digest:
            report.stored.append(name)
            continue
        grown = total + len(data) - (row.size if row is not None else 0)
        if grown > limits.MAX_DECK_MEDIA_BYTES:
            report.refused.append(
                (
                    name,
                    LocalizedText(
                        N_("the deck's images would exceed %(limit)s"),
                        limit=_size(limits.MAX_DECK_MEDIA_BYTES),
                    ),
                )
            )
            continue
        if row is None and count + 1 > limits.MAX_DECK_MEDIA_FILES:
            report.refused.append(
                (name, LocalizedText(N_("the deck has %(count)s images, the most it may hold"), count=count))
            )
            continue
        mime = image_type(data)
        assert mime is not None  # media_problem checked it
        if row is None:
            row = DeckMedia(deck_id=deck.id, name=name)
            session.add(row)
            existing[name] = row
            count += 1
        else:
            report.replaced.append(name)
        row.content, row.content_hash, row.size, row.mime_type = data, digest, len(data), mime
        total = grown
        report.stored.append(name)
    if report.replaced:
        _mark_cards_showing(session, deck, set(report.replaced))
    session.flush()
    return report


def _mark_cards_showing(session: Session, deck: Deck, names: set[str]) -> None:
    """Mark the cards of ``deck`` that show one of ``names`` as changed now: their image's bytes
    changed, and so does the content-named file the Anki export gives it, which Anki takes only
    for a note whose modification time moved."""
    rows = session.execute(
        select(Card.id, Card.front, Card.back, Card.override_front, Card.override_back).where(
            Card.deck_id == deck.id
        )
    )
    showing = [
        card_id
        for card_id, *texts in rows
        if any(text and names & set(image_references(text)) for text in texts)
    ]
    if showing:
        session.execute(update(Card).where(Card.id.in_(showing)).values(changed_at=now_utc()))


def decks_with_media(session: Session, user_id: int) -> set[int]:
    """The ids of ``user_id``'s decks that have images (one query for a whole import)."""
    owned = select(Deck.id).where(Deck.user_id == user_id)
    return set(session.scalars(select(DeckMedia.deck_id).where(DeckMedia.deck_id.in_(owned)).distinct()))


def keep_note_media(
    session: Session,
    deck: Deck,
    text: str,
    files: Mapping[str, bytes],
    with_media: set[int] | None = None,
) -> MediaReport:
    """After an import of ``deck``'s note (``text``): drop the images nothing refers to any more, then
    store those read with it (``files``).  ``with_media`` (``decks_with_media``), when given, spares
    the queries for a deck that had no images and gets none."""
    if with_media is not None and not files and deck.id not in with_media:
        return MediaReport()
    prune_media(session, deck, text)
    return save_media(session, deck, files) if files else MediaReport()


def keep_upload_media(
    session: Session,
    pending_id: int,
    note_name: str,
    text: str,
    deck: Deck,
    with_media: set[int] | None = None,
) -> tuple[MediaReport, list[str]]:
    """After a browser import stored ``deck`` from the upload's note ``note_name`` (``text``): keep the
    images of the upload (``PendingImportMedia``) the note refers to, found beside it in the zip
    (``sub/x.md``'s ``img/a.png`` is ``sub/img/a.png``; never above the zip's top), and drop those
    nothing refers to any more.  Returns the report and the images not in the upload.
    """
    folder = posixpath.dirname(note_name)
    paths: dict[str, str] = {}  # path in the upload -> stored name
    missing: list[str] = []
    for name in image_references(text):
        path = posixpath.normpath(posixpath.join(folder, name))
        if path.startswith("../") or path == "..":
            missing.append(name)
        else:
            paths[path] = name
    files: dict[str, bytes] = {}
    if paths:
        rows = session.execute(
            select(PendingImportMedia.name, PendingImportMedia.content).where(
                PendingImportMedia.pending_id == pending_id, PendingImportMedia.name.in_(paths)
            )
        )
        files = {paths[path]: content for path, content in rows}
    missing += [name for name in paths.values() if name not in files]
    return keep_note_media(session, deck, text, files, with_media), missing


def prune_media(session: Session, deck: Deck, note_text: str) -> int:
    """Drop ``deck``'s images that neither ``note_text`` nor any card of the deck (retired ones and the
    user's own wording included) refers to.  Returns how many were dropped."""
    names = set(session.scalars(select(DeckMedia.name).where(DeckMedia.deck_id == deck.id)))
    unused = names - set(image_references(note_text))
    if not unused:
        return 0
    cards = session.execute(
        select(Card.front, Card.back, Card.override_front, Card.override_back).where(Card.deck_id == deck.id)
    )
    for row in cards:
        for text in row:
            if text and ("![" in text or "<img" in text.lower()):
                unused -= set(image_references(text))
        if not unused:
            return 0
    session.execute(delete(DeckMedia).where(DeckMedia.deck_id == deck.id, DeckMedia.name.in_(unused)))
    return len(unused)


def read_note_images(
    note: Path, root: Path, text: str
) -> tuple[dict[str, bytes], list[tuple[str, LocalizedText]]]:
    """The images the note at ``note`` (text ``text``) refers to, read from disk under ``root`` (what
    ``flask notes import`` was given), by stored name; and each one not read, with the reason.

    Never outside ``root``: a reference climbing above it (``../../etc/passwd``), or a symbolic link
    leading out of it, is refused unread; so is anything not a regular file (a folder, a FIFO) and
    a file over ``limits.MAX_MEDIA_FILE_BYTES`` (at most that many bytes and one are read).  URLs are
    never fetched (``image_references`` leaves them out).  A missing file is reported, not raised.
    """
    files: dict[str, bytes] = {}
    problems: list[tuple[str, LocalizedText]] = []
    names = image_references(text)
    if not names:
        return files, problems
    try:
        top = root.resolve(strict=True)
        folder = note.parent.resolve(strict=True)
    except OSError:
        return files, [(name, LocalizedText(N_("not found"))) for name in names]
    depth = len(folder.relative_to(top).parts) if folder.is_relative_to(top) else -1
    for name in names:
        if depth < 0 or climbs(name) > depth:
            problems.append((name, LocalizedText(N_("outside the folder imported"))))
            continue
        try:
            path = (folder / PurePosixPath(name)).resolve(strict=True)
        except (OSError, RuntimeError):  # missing, or a loop of links
            problems.append((name, LocalizedText(N_("not found"))))
            continue
        if not path.is_relative_to(top):
            problems.append((name, LocalizedText(N_("outside the folder imported"))))
            continue
        data = _read_regular_file(path, limits.MAX_MEDIA_FILE_BYTES)
        if isinstance(data, LocalizedText):
            problems.append((name, data))
            continue
        problem = media_problem(name, data)
        if problem is not None:
            problems.append((name, problem))
            continue
        files[name] = data
    return files, problems


def _read_regular_file(path: Path, cap: int) -> bytes | LocalizedText:
    """At most ``cap`` + 1 bytes of the regular file at ``path`` (already resolved), or why not.

    Opened without following a link and without blocking (a FIFO put there in the meantime), and
    checked to be a regular file on the open descriptor.
    """
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
    except OSError:
        return LocalizedText(N_("cannot be read"))
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            return LocalizedText(N_("not a file"))
        if info.st_size > cap:
            return LocalizedText(N_("larger than %(limit)s, the limit per image"), limit=_size(cap))
        chunks: list[bytes] = []
        got = 0
        while got <= cap and (chunk := os.read(fd, min(1 << 20, cap + 1 - got))):
            chunks.append(chunk)
            got += len(chunk)
        return b"".join(chunks)
    except OSError:
        return LocalizedText(N_("cannot be read"))
    finally:
        os.close(fd)


@dataclass(frozen=True)
class MediaInfo:
    """One stored image, without its bytes."""

    id: int
    name: str
    content_hash: str
    size: int
    mime_type: str


def media_for_deck(session: Session, deck_id: int) -> dict[str, MediaInfo]:
    """``deck_id``'s images by stored name, without their bytes."""
    columns = (DeckMedia.id, DeckMedia.name, DeckMedia.content_hash, DeckMedia.size, DeckMedia.mime_type)
    rows = session.execute(select(*columns).where(DeckMedia.deck_id == deck_id))
    return {row.name: MediaInfo(*row) for row in rows}


def media_bytes(session: Session, deck_id: int, names: set[str]) -> dict[str, bytes]:
    """The bytes of ``deck_id``'s images named ``names`` (those it has)."""
    if not names:
        return {}
    rows = session.execute(
        select(DeckMedia.name, DeckMedia.content).where(
            DeckMedia.deck_id == deck_id, DeckMedia.name.in_(names)
        )
    )
    return {name: content for name, content in rows}


def owned_media(session: Session, user_id: int, media_id: int) -> tuple[bytes, str, str] | None:
    """One image as (bytes, MIME type, content hash) when ``user_id`` owns its deck; else None."""
    row = session.execute(
        select(DeckMedia.content, DeckMedia.mime_type, DeckMedia.content_hash)
        .join(Deck, Deck.id == DeckMedia.deck_id)
        .where(DeckMedia.id == media_id, Deck.user_id == user_id)
    ).one_or_none()
    return None if row is None else (row[0], row[1], row[2])


def _has_image(text: str) -> bool:
    return "![" in text or "<img" in text.lower()


def export_media(
    session: Session, user: User, cards: Sequence[ExportCard]
) -> tuple[list[ExportCard], dict[str, bytes]]:
    """The cards of an Anki export with their images as the package's media: (cards, file name -> bytes).

    Anki's media folder is flat and shared by all decks, so each image the cards refer to gets a
    package-wide name from its content (``quiz.media.package_name``: ``wengu-<hash>-a.png``; two decks'
    ``img/a.png`` of different content stay two files, the same picture in two decks is one), and the
    cards' Markdown refers to that name.  An image the deck does not have becomes its alt text, so Anki
    shows no broken image.  A command card's back (the command to type) is left as it is.  Cards are
    matched to their decks by ``deck_slug``, unique among a user's decks.
    """
    if not any(_has_image(card.front) or _has_image(card.back) for card in cards):
        return list(cards), {}
    deck_ids = {
        slug: id_ for slug, id_ in session.execute(select(Deck.slug, Deck.id).where(Deck.user_id == user.id))
    }
    stored: dict[int, dict[str, MediaInfo]] = {}
    wanted: dict[int, set[str]] = {}
    names: dict[tuple[int, str], str] = {}  # (deck, stored name) -> package name
    out: list[ExportCard] = []
    for card in cards:
        if not (_has_image(card.front) or (card.kind != "command" and _has_image(card.back))):
            out.append(card)
            continue
        deck_id = deck_ids.get(card.deck_slug)
        if deck_id is not None and deck_id not in stored:
            stored[deck_id] = media_for_deck(session, deck_id)
        media = stored.get(deck_id, {}) if deck_id is not None else {}

        def target(
            name: str, deck_id: int | None = deck_id, media: Mapping[str, MediaInfo] = media
        ) -> str | None:
            info = media.get(name)
            if info is None or deck_id is None:
                return None
            wanted.setdefault(deck_id, set()).add(name)
            return names.setdefault((deck_id, name), package_name(name, info.content_hash))

        front = rewrite_images(card.front, target)
        back = rewrite_images(card.back, target) if card.kind != "command" else card.back
        out.append(replace(card, front=front, back=back))
    files: dict[str, bytes] = {}
    for deck_id, wanted_names in wanted.items():
        for name, data in media_bytes(session, deck_id, wanted_names).items():
            files[names[(deck_id, name)]] = data
    return out, files
