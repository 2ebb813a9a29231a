"""Browser imports between upload and confirm: parse once, page the preview, remember unticked cards.

An upload becomes a `PendingImport` (status ``parsing``) holding the uploaded texts.  `parse` parses
each note exactly once and keeps the result: one `PendingImportNote` per note (its text, headings,
card count, the keys the user unticked, the cards they fixed) and its cards in `PendingImportPage`
rows of `PAGE_CARDS`, so a preview page reads and shows one page of one note whatever the note's
size.  A note that updates a deck is compared with it at the parse, with the import's own matching
(``quiz.store.decks.compare_note``): each card is new, edited, unchanged or restored, the deck's
cards the note no longer holds are listed as retiring, and the `Tally` of these counts is kept up
to date as the user ticks.  Cards the user unticked at an earlier import of the note start unticked.
`store_import` stores the ticked cards, with the user's fixes, from that kept parse (no second
parse) through `quiz.store.importing.import_parsed`.

Both steps may run in a background thread (see ``quiz.import_jobs``): they commit their progress as
they go, and finish only while their ``job_token`` is still the pending import's, so an attempt
that was given up for dead and restarted cannot finish twice.  Nothing here knows about Flask.
"""

from __future__ import annotations

import gzip
import json
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session, defer

from quiz.models import (
    Card,
    Deck,
    PendingImport,
    PendingImportMedia,
    PendingImportNote,
    PendingImportPage,
    User,
    now_utc,
)
from quiz.notes import CardDraft, ParsedNote, Skipped, Topic, parse_note
from quiz.store.browser import Wording
from quiz.store.decks import (
    EDITED,
    NEW,
    RESTORED,
    UNCHANGED,
    ComparedCard,
    ImportResult,
    compare_note,
    note_identity,
)
from quiz.store.importing import import_parsed, older_objects_set_aside
from quiz.store.matching import unique_drafts
from quiz.store.media import decks_with_media, keep_upload_media

PAGE_CARDS = 200
LIFETIME = timedelta(days=1)
# The statuses that take one of the user's places for pending imports (done and refused do not).
OPEN_STATUSES = ("parsing", "ready", "importing", "failed")
RUNNING_STATUSES = ("parsing", "importing")
STATUSES = (NEW, EDITED, UNCHANGED, RESTORED)
KNOWN = "known"  # the status of a card the user has, in a note parsed before statuses were kept


class TooManyCardsError(ValueError):
    """An upload with more cards than one import may hold: ``note`` takes it to ``total`` > ``limit``."""

    def __init__(self, note: str, note_cards: int, total: int, limit: int) -> None:
        super().__init__(f"{note}: {note_cards} cards take the import to {total}, over the limit of {limit}")
        self.note, self.note_cards, self.total, self.limit = note, note_cards, total, limit


class JobSuperseded(RuntimeError):
    """The job's attempt is no longer the pending import's (it was restarted or discarded)."""


def _pack(value: Any) -> bytes:
    return gzip.compress(json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8"), 5)


def _pack_skipped(note: ParsedNote) -> bytes | None:
    """A note's lines not carded, as stored ([[line, text, reason], ...]); None when there are none."""
    return _pack([[s.line, s.text, s.reason] for s in note.skipped]) if note.skipped else None


def _unpack(data: bytes) -> Any:
    return json.loads(gzip.decompress(data))


def sweep(session: Session, user: User, now: datetime) -> None:
    """Forget the user's pending imports untouched for `LIFETIME`, whatever their state.

    Untouched counts from the newest sign of activity (a job's heartbeat, else the upload), so an
    import confirmed a day after its upload is not deleted while its job is storing it.
    """
    last_activity = func.coalesce(PendingImport.heartbeat_at, PendingImport.created_at)
    session.execute(
        delete(PendingImport).where(PendingImport.user_id == user.id, last_activity < now - LIFETIME)
    )


def open_imports(session: Session, user: User) -> list[PendingImport]:
    """The user's pending imports that hold a place (parsing, waiting on the preview, storing, failed)."""
    return list(
        session.scalars(
            select(PendingImport)
            .options(defer(PendingImport.payload))
            .where(PendingImport.user_id == user.id, PendingImport.status.in_(OPEN_STATUSES))
            .order_by(PendingImport.created_at, PendingImport.id)
        )
    )


def create(
    session: Session,
    user: User,
    notes: Sequence[tuple[str, str]],
    now: datetime,
    images: Sequence[tuple[str, bytes]] = (),
) -> PendingImport:
    """Keep uploaded ``(name, markdown)`` notes as a pending import whose parse job (its token) starts now;
    ``images`` (path in the upload, bytes: a zip's checked images) wait with it until it is stored."""
    payload = _pack([{"name": n, "text": t} for n, t in notes])
    pending = PendingImport(
        user_id=user.id,
        created_at=now,
        payload=payload,
        status="parsing",
        total=len(notes),
        progress=0,
        job_token=secrets.token_hex(16),
        heartbeat_at=now,
    )
    session.add(pending)
    session.flush()
    seen: set[str] = set()
    for name, data in images:
        if name not in seen:  # the same path in two zips: the first one's
            seen.add(name)
            session.add(PendingImportMedia(pending_id=pending.id, name=name, content=data))
    session.flush()
    return pending


def start_job(session: Session, pending: PendingImport, status: str, now: datetime) -> str | None:
    """Move ``pending`` from the status it was read with to ``status`` under a new job token.

    ``pending`` itself is left as it was read (the job reads the row afresh).

    Returns the token, or None when another request changed the pending import first (a double
    click on "Import", two "try again"s): the conditional UPDATE lets exactly one of them start.
    """
    token = secrets.token_hex(16)
    moved = session.execute(
        update(PendingImport)
        .where(
            PendingImport.id == pending.id,
            PendingImport.status == pending.status,
            (PendingImport.job_token == pending.job_token)
            if pending.job_token is not None
            else PendingImport.job_token.is_(None),
        )
        .values(status=status, job_token=token, heartbeat_at=now, progress=0, outcome=None)
        .execution_options(synchronize_session=False)
    )
    return token if moved.rowcount == 1 else None


def is_stale(pending: PendingImport, now: datetime, stale_after: timedelta) -> bool:
    """True when a running job has not shown a sign of life for ``stale_after``: its process died."""
    if pending.status not in RUNNING_STATUSES:
        return False
    return pending.heartbeat_at is None or now - pending.heartbeat_at > stale_after


def _update_own(session: Session, pending_id: int, token: str, **values: object) -> bool:
    """Set ``values`` on the pending import while the job holding ``token`` is still its job.

    Every write of a job goes through here: a restarted or discarded job changes nothing.
    """
    moved = session.execute(
        update(PendingImport)
        .where(PendingImport.id == pending_id, PendingImport.job_token == token)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    return moved.rowcount == 1


def heartbeat(session: Session, pending_id: int, token: str, now: datetime) -> bool:
    """Record that the job holding ``token`` is alive; False when the job is no longer its."""
    return _update_own(session, pending_id, token, heartbeat_at=now)


def _owned_by(session: Session, pending_id: int, token: str) -> PendingImport:
    pending = session.get(PendingImport, pending_id, populate_existing=True)
    if pending is None or pending.job_token != token:
        raise JobSuperseded(f"pending import {pending_id}: the job was restarted or discarded")
    return pending


def _progress(session: Session, pending_id: int, token: str, done: int) -> None:
    _update_own(session, pending_id, token, progress=done, heartbeat_at=now_utc())
    session.commit()


def parse(session: Session, pending_id: int, token: str, max_cards: int) -> PendingImport:
    """Parse the pending import's notes, once each, and keep the result for the preview and confirm.

    Commits after each note (the progress others see) and once at the end, when the notes and their
    pages are written and the status becomes ``ready``.  An upload whose cards exceed ``max_cards``
    altogether stops at the note that passes the limit: the texts are dropped, the status becomes
    ``refused`` and `TooManyCardsError` is raised; no card was stored.
    """
    pending = _owned_by(session, pending_id, token)
    uploaded = [(item["name"], item["text"]) for item in _unpack(pending.payload)] if pending.payload else []
    user = session.get(User, pending.user_id)
    assert user is not None
    decks = dict(
        session.execute(
            select(Deck.source_path, Deck.id).where(
                Deck.user_id == user.id,
                Deck.source_path.in_([note_identity(name) for name, _ in uploaded]),
            )
        ).all()
    )
    notes: list[PendingImportNote] = []
    pages: list[PendingImportPage] = []
    total = 0
    with older_objects_set_aside():
        for position, (name, text) in enumerate(uploaded):
            note = parse_note(text)
            drafts = unique_drafts(note.cards)
            total += len(drafts)
            if total > max_cards:
                _finish(
                    session,
                    pending_id,
                    token,
                    "refused",
                    {"note": name, "cards": len(drafts), "limit": max_cards},
                )
                session.execute(
                    update(PendingImport)
                    .where(PendingImport.id == pending_id)
                    .values(payload=b"")
                    .execution_options(synchronize_session=False)
                )
                session.commit()
                raise TooManyCardsError(name, len(drafts), total, max_cards)
            deck_id = decks.get(note_identity(name))  # the deck the import would update
            compared = compare_note(session, deck_id, drafts)
            rows = [_card_row(d, c) for d, c in zip(drafts, compared.cards, strict=True)]
            tally = Tally.of(rows, compared.unticked, len(compared.retiring))
            notes.append(
                PendingImportNote(
                    pending_id=pending_id,
                    position=position,
                    name=name,
                    text=gzip.compress(text.encode("utf-8"), 5),
                    topics=_pack([[list(t.path), t.line] for t in note.topics]),
                    skipped=_pack_skipped(note),
                    card_count=len(drafts),
                    deck_exists=deck_id is not None,
                    unticked=json.dumps(sorted(compared.unticked), ensure_ascii=False),
                    fixes="{}",
                    tally=tally.dumps(),
                    retiring=_pack_retiring(compared.retiring),
                )
            )
            for page, start in enumerate(range(0, len(rows), PAGE_CARDS)):
                chunk = rows[start : start + PAGE_CARDS]
                pages.append(
                    PendingImportPage(
                        pending_id=pending_id, note_position=position, page=page, cards=_pack(chunk)
                    )
                )
            _progress(session, pending_id, token, position + 1)
    session.execute(delete(PendingImportPage).where(PendingImportPage.pending_id == pending_id))
    session.execute(delete(PendingImportNote).where(PendingImportNote.pending_id == pending_id))
    session.add_all(notes)
    session.add_all(pages)
    session.flush()
    _finish(session, pending_id, token, "ready", {})
    session.execute(
        update(PendingImport)
        .where(PendingImport.id == pending_id)
        .values(payload=b"", job_token=None)
        .execution_options(synchronize_session=False)
    )
    session.commit()
    session.expire(pending)
    return pending


def _card_row(draft: CardDraft, compared: ComparedCard) -> list[Any]:
    """A card as a page keeps it (the layout is ``PendingImportPage.cards``')."""
    shown = compared.shown
    return [
        draft.kind,
        draft.front,
        draft.back,
        list(draft.topic),
        draft.line,
        draft.key,
        compared.status,
        compared.holds,
        [shown.kind, shown.front, shown.back] if shown is not None else None,
    ]


def _pack_retiring(cards: Sequence[Card]) -> bytes | None:
    """The deck's cards an import retires, as the user knows them; None when there are none."""
    if not cards:
        return None
    return _pack([[c.kind, c.shown_front, c.shown_back, list(c.topic_path), c.line] for c in cards])


def _zeros() -> dict[str, int]:
    return dict.fromkeys(STATUSES, 0)


@dataclass
class Tally:
    """How many of a note's cards an import adds, edits, leaves unchanged, restores and retires.

    Kept as JSON on the note from the parse on; `save_ticks` moves a card between ticked and unticked.
    """

    cards: dict[str, int] = field(default_factory=_zeros)  # by status: every card of the note
    unticked: dict[str, int] = field(default_factory=_zeros)  # by status: those left unticked
    releasing: int = 0  # unticked cards whose card in the quiz the import retires
    retiring: int = 0  # the deck's cards in the quiz that the note no longer holds

    @classmethod
    def of(cls, rows: Iterable[list[Any]], unticked: set[str], retiring: int) -> Tally:
        tally = cls(retiring=retiring)
        for row in rows:
            tally.cards[row[6]] += 1
            if row[5] in unticked:
                tally.count_unticked(row, 1)
        return tally

    def count_unticked(self, row: list[Any], change: int) -> None:
        """One card (a page row) more (``change`` 1) or fewer (-1) left unticked."""
        self.unticked[row[6]] += change
        self.releasing += change if row[7] else 0

    def will(self, status: str) -> int:
        """How many ticked cards of ``status`` the import stores."""
        return self.cards[status] - self.unticked[status]

    @property
    def retired(self) -> int:
        return self.retiring + self.releasing

    def __add__(self, other: Tally) -> Tally:
        return Tally(
            {s: self.cards[s] + other.cards[s] for s in STATUSES},
            {s: self.unticked[s] + other.unticked[s] for s in STATUSES},
            self.releasing + other.releasing,
            self.retiring + other.retiring,
        )

    def dumps(self) -> str:
        return json.dumps([self.cards, self.unticked, self.releasing, self.retiring])

    @classmethod
    def loads(cls, text: str | None) -> Tally | None:
        if text is None:
            return None
        cards, unticked, releasing, retiring = json.loads(text)
        return cls(cards, unticked, releasing, retiring)


@dataclass(frozen=True)
class NoteSummary:
    """One note of a pending import, in the preview's list of notes."""

    position: int
    name: str
    card_count: int
    unticked: int
    deck_exists: bool
    tally: Tally | None = None  # None: parsed before statuses were kept

    @property
    def pages(self) -> int:
        return max(1, -(-self.card_count // PAGE_CARDS))


@dataclass(frozen=True)
class PreviewCard:
    """A card on a preview page: what the import does to it, and how the user will see it."""

    draft: CardDraft
    status: str  # one of STATUSES, or KNOWN
    holds: bool  # a card in the quiz continues it: leaving it out retires that card
    ticked: bool
    shown: Wording | None = None  # the user's own wording of the card they have
    fix: Wording | None = None  # the user's fix of the card in this preview

    @property
    def wording(self) -> Wording:
        """The card as it will be asked: the fix, else the user's wording, else the note's."""
        return self.fix or self.shown or Wording(self.draft.kind, self.draft.front, self.draft.back)


@dataclass(frozen=True)
class RetiringCard:
    """A card of the deck that the note no longer holds: the import retires it (its history stays)."""

    wording: Wording
    topic: tuple[str, ...]
    line: int


def note_summaries(session: Session, pending: PendingImport) -> list[NoteSummary]:
    """Every note of a parsed pending import with its card counts, without reading its cards or text."""
    rows = session.execute(
        select(
            PendingImportNote.position,
            PendingImportNote.name,
            PendingImportNote.card_count,
            PendingImportNote.unticked,
            PendingImportNote.deck_exists,
            PendingImportNote.tally,
        )
        .where(PendingImportNote.pending_id == pending.id)
        .order_by(PendingImportNote.position)
    )
    return [
        NoteSummary(position, name, count, len(json.loads(unticked)), deck_exists, Tally.loads(tally))
        for position, name, count, unticked, deck_exists, tally in rows
    ]


def total_tally(notes: Sequence[NoteSummary]) -> Tally | None:
    """The counts of all the notes together; None when a note was parsed before counts were kept."""
    tallies = [n.tally for n in notes]
    if not tallies or any(t is None for t in tallies):
        return None
    return sum((t for t in tallies if t is not None), Tally())


def _draft(row: list[Any]) -> CardDraft:
    kind, front, back, topic, line, key = row[:6]
    return CardDraft(kind, front, back, tuple(topic), line, key)


def _preview_card(row: list[Any], unticked: set[str], fixes: dict[str, list[str]]) -> PreviewCard:
    draft = _draft(row)
    ticked = draft.key not in unticked
    fix = Wording(*fixes[draft.key]) if draft.key in fixes else None
    if len(row) == 7:  # parsed before statuses were kept: [..., known]
        return PreviewCard(draft, KNOWN if row[6] else NEW, bool(row[6]), ticked, None, fix)
    shown = Wording(*row[8]) if row[8] is not None else None
    return PreviewCard(draft, row[6], bool(row[7]), ticked, shown, fix)


def _note_row(session: Session, pending: PendingImport, note: int) -> PendingImportNote | None:
    return session.get(PendingImportNote, (pending.id, note), options=[defer(PendingImportNote.text)])


def page_cards(session: Session, pending: PendingImport, note: int, page: int) -> list[PreviewCard]:
    """The cards of one page of one note: their status, the user's wording and fix, whether ticked."""
    stored = session.get(PendingImportPage, (pending.id, note, page))
    row = _note_row(session, pending, note)
    if stored is None or row is None:
        return []
    unticked = set(json.loads(row.unticked))
    fixes = json.loads(row.fixes)
    return [_preview_card(item, unticked, fixes) for item in _unpack(stored.cards)]


def by_topic(cards: Sequence[PreviewCard]) -> list[tuple[tuple[str, ...], list[PreviewCard]]]:
    """The cards grouped under their headings, in note order (a heading's cards follow each other)."""
    groups: list[tuple[tuple[str, ...], list[PreviewCard]]] = []
    for card in cards:
        if groups and groups[-1][0] == card.draft.topic:
            groups[-1][1].append(card)
        else:
            groups.append((card.draft.topic, [card]))
    return groups


def retiring_cards(session: Session, pending: PendingImport, note: int) -> list[RetiringCard]:
    """The deck's cards in the quiz that the note no longer holds: importing it retires them."""
    stored = session.scalar(
        select(PendingImportNote.retiring).where(
            PendingImportNote.pending_id == pending.id, PendingImportNote.position == note
        )
    )
    if not stored:
        return []
    return [
        RetiringCard(Wording(kind, front, back), tuple(topic), line)
        for kind, front, back, topic, line in _unpack(stored)
    ]


def find_card(session: Session, pending: PendingImport, note: int, page: int, key: str) -> PreviewCard | None:
    """One card of a preview page, by key; None when the page holds no such card."""
    return next((c for c in page_cards(session, pending, note, page) if c.draft.key == key), None)


def save_fix(
    session: Session, pending: PendingImport, note: int, card: PreviewCard, fix: Wording | None
) -> None:
    """Keep the user's fix of a card of the preview (None, or the card as it stands: forget it)."""
    row = _note_row(session, pending, note)
    if row is None:
        return
    fixes = json.loads(row.fixes)
    if fix is None or fix == (card.shown or Wording(card.draft.kind, card.draft.front, card.draft.back)):
        fixes.pop(card.draft.key, None)
    else:
        fixes[card.draft.key] = [fix.kind, fix.front, fix.back]
    row.fixes = json.dumps(fixes, ensure_ascii=False)


def note_skipped(session: Session, pending: PendingImport, note: int) -> list[Skipped]:
    """The lines of one note that look like cards but made none, with their reasons (see `quiz.notes`)."""
    stored = session.scalar(
        select(PendingImportNote.skipped).where(
            PendingImportNote.pending_id == pending.id, PendingImportNote.position == note
        )
    )
    return [Skipped(line, text, reason) for line, text, reason in _unpack(stored)] if stored else []


def save_ticks(session: Session, pending: PendingImport, note: int, page: int, ticked: set[str]) -> None:
    """Remember which cards of one shown page the user left ticked; the other pages keep theirs.

    The note's `Tally` follows: each card of the page that changed side is counted on its new side.
    """
    stored = session.get(PendingImportPage, (pending.id, note, page))
    row = _note_row(session, pending, note)
    if stored is None or row is None:
        return
    items = _unpack(stored.cards)
    shown = {item[5] for item in items}
    before = set(json.loads(row.unticked))
    unticked = (before - shown) | (shown - ticked)
    row.unticked = json.dumps(sorted(unticked), ensure_ascii=False)
    tally = Tally.loads(row.tally)
    if tally is not None:
        for item in items:
            was, now = item[5] in before, item[5] in unticked
            if was != now:
                tally.count_unticked(item, 1 if now else -1)
        row.tally = tally.dumps()


def store_import(session: Session, pending_id: int, token: str) -> list[ImportResult]:
    """Store the ticked cards of a parsed pending import, from its kept parse, in one transaction.

    On success the pending import keeps only its results (status ``done``) and everything is
    committed together; on failure nothing is committed (the caller rolls back and records it).
    """
    pending = _owned_by(session, pending_id, token)
    user = session.get(User, pending.user_id)
    assert user is not None
    rows = session.scalars(
        select(PendingImportNote)
        .where(PendingImportNote.pending_id == pending_id)
        .order_by(PendingImportNote.position)
    ).all()
    parsed: list[tuple[str, str, ParsedNote]] = []
    keep: dict[str, set[str]] = {}
    fixes: dict[str, dict[str, Wording]] = {}
    for row in rows:
        drafts = [
            _draft(item)
            for (stored,) in session.execute(
                select(PendingImportPage.cards)
                .where(
                    PendingImportPage.pending_id == pending_id,
                    PendingImportPage.note_position == row.position,
                )
                .order_by(PendingImportPage.page)
            )
            for item in _unpack(stored)
        ]
        topics = tuple(Topic(tuple(path), line) for path, line in _unpack(row.topics))
        unticked = set(json.loads(row.unticked))
        parsed.append(
            (row.name, gzip.decompress(row.text).decode("utf-8"), ParsedNote(topics, tuple(drafts)))
        )
        keep[row.name] = {d.key for d in drafts if d.key not in unticked}
        fixes[row.name] = {key: Wording(*wording) for key, wording in json.loads(row.fixes).items()}
    with older_objects_set_aside():
        results = import_parsed(session, user, parsed, keep, fixes)
    with_media = decks_with_media(session, user.id)
    images = [
        keep_upload_media(session, pending_id, name, text, result.deck, with_media)
        for (name, text, _note), result in zip(parsed, results, strict=True)
    ]
    outcome = [
        {
            "title": r.deck.title,
            "added": r.added,
            "updated": r.updated,
            "retired": r.retired,
            "restored": r.restored,
            "unchanged": r.unchanged,
            "images": len(report.stored),
            "missing_images": missing,
        }
        for r, (report, missing) in zip(results, images, strict=True)
    ]
    _finish(session, pending_id, token, "done", {"results": outcome})
    session.execute(delete(PendingImportPage).where(PendingImportPage.pending_id == pending_id))
    session.execute(delete(PendingImportNote).where(PendingImportNote.pending_id == pending_id))
    session.execute(delete(PendingImportMedia).where(PendingImportMedia.pending_id == pending_id))
    session.commit()
    return results


def _finish(session: Session, pending_id: int, token: str, status: str, outcome: dict[str, Any]) -> None:
    values = {"status": status, "outcome": json.dumps(outcome, ensure_ascii=False), "heartbeat_at": now_utc()}
    if not _update_own(session, pending_id, token, **values):
        raise JobSuperseded(f"pending import {pending_id}: the job was restarted or discarded")


def fail(session: Session, pending_id: int, token: str, phase: str) -> None:
    """Record that the job holding ``token`` failed in ``phase`` ("parse" or "import"); it may be retried."""
    _update_own(
        session,
        pending_id,
        token,
        status="failed",
        outcome=json.dumps({"phase": phase}),
        heartbeat_at=now_utc(),
    )
    session.commit()


def outcome(pending: PendingImport) -> dict[str, Any]:
    """What a finished, failed or refused job left: results, the failed phase, or the card limit passed."""
    return json.loads(pending.outcome) if pending.outcome else {}


def failed_phase(pending: PendingImport) -> str:
    """The step a failed or dead job was in: "parse" or "import"."""
    if pending.status == "importing":
        return "import"
    if pending.status == "parsing":
        return "parse"
    return str(outcome(pending).get("phase", "parse"))


def card_total(session: Session, pending: PendingImport) -> int:
    """How many cards the parsed notes of a pending import hold."""
    total = session.scalar(
        select(func.sum(PendingImportNote.card_count)).where(PendingImportNote.pending_id == pending.id)
    )
    return int(total or 0)
