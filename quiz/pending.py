"""Browser imports between upload and confirm: parse once, page the preview, remember unticked cards.

An upload becomes a `PendingImport` (status ``parsing``) holding the uploaded texts.  `parse` parses
each note exactly once and keeps the result: one `PendingImportNote` per note (its text, headings,
card count, the keys the user unticked) and its cards in `PendingImportPage` rows of `PAGE_CARDS`,
so a preview page reads and shows one page of one note whatever the note's size.  `store_import`
stores the ticked cards from that kept parse (no second parse) through
`quiz.store.importing.import_parsed`.

Both steps may run in a background thread (see ``quiz.import_jobs``): they commit their progress as
they go, and finish only while their ``job_token`` is still the pending import's, so an attempt
that was given up for dead and restarted cannot finish twice.  Nothing here knows about Flask.
"""

from __future__ import annotations

import gzip
import json
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session, defer

from quiz.models import (
    Card,
    Deck,
    PendingImport,
    PendingImportNote,
    PendingImportPage,
    User,
    now_utc,
)
from quiz.notes import CardDraft, ParsedNote, Skipped, Topic, parse_note
from quiz.store.decks import ImportResult
from quiz.store.importing import UPLOAD_PREFIX, import_parsed, older_objects_set_aside
from quiz.store.matching import unique_drafts

PAGE_CARDS = 200
LIFETIME = timedelta(days=1)
# The statuses that take one of the user's places for pending imports (done and refused do not).
OPEN_STATUSES = ("parsing", "ready", "importing", "failed")
RUNNING_STATUSES = ("parsing", "importing")


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


def create(session: Session, user: User, notes: Sequence[tuple[str, str]], now: datetime) -> PendingImport:
    """Keep uploaded ``(name, markdown)`` notes as a pending import whose parse job (its token) starts now."""
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
                Deck.source_path.in_([UPLOAD_PREFIX + name for name, _ in uploaded]),
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
            deck_id = decks.get(UPLOAD_PREFIX + name)
            known = _known_keys(session, deck_id)
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
                    unticked="[]",
                )
            )
            for page, start in enumerate(range(0, len(drafts), PAGE_CARDS)):
                chunk = [
                    [d.kind, d.front, d.back, list(d.topic), d.line, d.key, d.key in known]
                    for d in drafts[start : start + PAGE_CARDS]
                ]
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


def _known_keys(session: Session, deck_id: int | None) -> set[str]:
    if deck_id is None:
        return set()
    return set(session.scalars(select(Card.key).where(Card.deck_id == deck_id)))


@dataclass(frozen=True)
class NoteSummary:
    """One note of a pending import, in the preview's list of notes."""

    position: int
    name: str
    card_count: int
    unticked: int
    deck_exists: bool

    @property
    def pages(self) -> int:
        return max(1, -(-self.card_count // PAGE_CARDS))


@dataclass(frozen=True)
class PreviewCard:
    """A card on a preview page."""

    draft: CardDraft
    known: bool  # the user has this card already, from a note of the same name
    ticked: bool


def note_summaries(session: Session, pending: PendingImport) -> list[NoteSummary]:
    """Every note of a parsed pending import with its card count, without reading its cards or text."""
    rows = session.execute(
        select(
            PendingImportNote.position,
            PendingImportNote.name,
            PendingImportNote.card_count,
            PendingImportNote.unticked,
            PendingImportNote.deck_exists,
        )
        .where(PendingImportNote.pending_id == pending.id)
        .order_by(PendingImportNote.position)
    )
    return [
        NoteSummary(position, name, count, len(json.loads(unticked)), deck_exists)
        for position, name, count, unticked, deck_exists in rows
    ]


def _draft(row: list[Any]) -> tuple[CardDraft, bool]:
    kind, front, back, topic, line, key, known = row
    return CardDraft(kind, front, back, tuple(topic), line, key), bool(known)


def page_cards(session: Session, pending: PendingImport, note: int, page: int) -> list[PreviewCard]:
    """The cards of one page of one note, each with whether it is known and still ticked."""
    stored = session.get(PendingImportPage, (pending.id, note, page))
    row = session.get(PendingImportNote, (pending.id, note), options=[defer(PendingImportNote.text)])
    if stored is None or row is None:
        return []
    unticked = set(json.loads(row.unticked))
    cards = []
    for item in _unpack(stored.cards):
        draft, known = _draft(item)
        cards.append(PreviewCard(draft, known, draft.key not in unticked))
    return cards


def note_skipped(session: Session, pending: PendingImport, note: int) -> list[Skipped]:
    """The lines of one note that look like cards but made none, with their reasons (see `quiz.notes`)."""
    stored = session.scalar(
        select(PendingImportNote.skipped).where(
            PendingImportNote.pending_id == pending.id, PendingImportNote.position == note
        )
    )
    return [Skipped(line, text, reason) for line, text, reason in _unpack(stored)] if stored else []


def save_ticks(session: Session, pending: PendingImport, note: int, page: int, ticked: set[str]) -> None:
    """Remember which cards of one shown page the user left ticked; the other pages keep theirs."""
    stored = session.get(PendingImportPage, (pending.id, note, page))
    row = session.get(PendingImportNote, (pending.id, note), options=[defer(PendingImportNote.text)])
    if stored is None or row is None:
        return
    shown = {item[5] for item in _unpack(stored.cards)}
    unticked = (set(json.loads(row.unticked)) - shown) | (shown - ticked)
    row.unticked = json.dumps(sorted(unticked), ensure_ascii=False)


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
    for row in rows:
        drafts = [
            _draft(item)[0]
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
    with older_objects_set_aside():
        results = import_parsed(session, user, parsed, keep)
    outcome = [
        {
            "title": r.deck.title,
            "added": r.added,
            "updated": r.updated,
            "retired": r.retired,
            "restored": r.restored,
            "unchanged": r.unchanged,
        }
        for r in results
    ]
    _finish(session, pending_id, token, "done", {"results": outcome})
    session.execute(delete(PendingImportPage).where(PendingImportPage.pending_id == pending_id))
    session.execute(delete(PendingImportNote).where(PendingImportNote.pending_id == pending_id))
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
