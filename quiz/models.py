"""The database layer: typed SQLAlchemy 2.0 models.

Every row belongs to one user's account (``User``; the first account, made on the
set-up page, is the admin): content (decks, topics, cards) comes from that user's
notes, progress (review states, the review log, exports) is keyed by that user,
and a browser import waits in ``PendingImport`` until its owner confirms it.
The counter tables (``TopicCount``, ``ReviewDayCount``) are kept by triggers
(``quiz.counters``); accounts' login attempts and the instance's settings
(``AppSetting``) have tables of their own.

Conversions between rows and the pure scheduler happen at one boundary,
``quiz.store.grading.Schedule``: the grade, undo and backups read and write a review state through it.
"""

from __future__ import annotations

import secrets
import unicodedata
from datetime import UTC, date, datetime, timedelta

from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Connection,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    Row,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    event,
    inspect,
    select,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, relationship, validates
from sqlalchemy.orm.base import NO_VALUE
from sqlalchemy.sql.expression import false as sa_false
from sqlalchemy.sql.expression import true as sa_true
from sqlalchemy.types import TypeDecorator

from quiz import counters, limits

# Named constraints keep Alembic migrations portable between SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

LOCAL_USER_NAME = "local"


def now_utc() -> datetime:
    """Return the current time as an aware UTC datetime."""
    return datetime.now(UTC)


def user_name_key(name: str) -> str:
    """The form of a user name that must be unique: NFKC-normalised and case-folded (NFKC_Casefold's idea).

    "Alice", "ALICE" and "Ａｌｉｃｅ" (full width) have one key, so they are one account.
    """
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", name.strip()).casefold())


def new_session_token() -> str:
    """A fresh random session token: every session cookie of a user carries the token it was made with."""
    return secrets.token_urlsafe(24)


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes on every backend (SQLite hands back naive values)."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: object) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: object) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)


def _checks(table: str) -> tuple[CheckConstraint, ...]:
    """The CHECK constraints of ``table``: every domain limit of ``quiz.limits`` that SQL can state."""
    return tuple(CheckConstraint(condition, name=name) for name, condition in limits.check_constraints(table))


class User(db.Model):
    __tablename__ = "users"
    __table_args__ = _checks("users")

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    # user_name_key(name), kept by ``_keep_name_key``: names are unique regardless of case and width.
    name_key: Mapped[str] = mapped_column(String(255), unique=True)
    # IANA zone name; None means the server's local zone.
    timezone: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    # Settings.  None means the application's default.
    new_cards_per_day: Mapped[int | None] = mapped_column(Integer)
    reviews_per_day: Mapped[int | None] = mapped_column(Integer)
    # The user's day starts at this local hour (Anki's default: 4), so a late-night session counts as one day.
    day_starts_at_hour: Mapped[int] = mapped_column(SmallInteger, default=4, server_default="4")
    locale: Mapped[str | None] = mapped_column(String(16))  # "zh" or "en"; None follows the browser
    # Accounts.  A user without a password is the built-in local user of a fresh instance, waiting to be
    # claimed on the set-up page; nobody can log in as it.
    password_hash: Mapped[str | None] = mapped_column(String(255))
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False, server_default=sa_false())
    # Every session cookie carries this token (see get_id); a new token ends all the account's sessions.
    session_token: Mapped[str] = mapped_column(String(64), default=new_session_token)

    @validates("name")
    def _keep_name_key(self, _key: str, name: str) -> str:
        self.name_key = user_name_key(name)
        return name

    # Flask-Login's user protocol.
    is_anonymous = False

    @property
    def is_authenticated(self) -> bool:
        return self.password_hash is not None

    @property
    def is_active(self) -> bool:
        return self.password_hash is not None

    def get_id(self) -> str:
        """The id a session stores: "user id:session token", so ending the token ends the session."""
        return f"{self.id}:{self.session_token}"


class AppSetting(db.Model):
    """Instance-wide settings an admin changes at run time (e.g. whether registration is open)."""

    __tablename__ = "app_settings"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class LoginAttempt(db.Model):
    """Login attempts, counted per (account, address) and per address to slow down password guessing.

    Each attempt is recorded (and committed) before its password is checked; a
    successful one removes itself.  ``username`` is the name's key
    (``user_name_key``), ``address`` the client's (an IPv6 /64 as one).  Kept in
    the database so that several app processes share one count.
    """

    __tablename__ = "login_attempts"
    __table_args__ = (
        Index("ix_login_attempts_name_time", "username", "attempted_at"),
        Index("ix_login_attempts_address_time", "address", "attempted_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80))
    address: Mapped[str] = mapped_column(String(64))
    attempted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)


class PendingImport(db.Model):
    """An upload on its way in: parsed once, previewed, then stored when the user confirms.

    ``status`` runs parsing → ready → importing → done; ``failed`` (a job that raised, or whose
    process died) can be tried again, ``refused`` (over the card limit) keeps nothing but the reason.
    Parsing and storing may run in a background thread of any worker: ``heartbeat_at`` is refreshed
    while it runs, so any worker can tell a running job from a dead one.
    """

    __tablename__ = "pending_imports"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    # gzip-compressed JSON [{name, text}, ...] until parsed; then empty (the notes hold the texts).
    payload: Mapped[bytes] = mapped_column(LargeBinary)
    status: Mapped[str] = mapped_column(String(16), default="parsing", server_default="parsing")
    progress: Mapped[int] = mapped_column(Integer, default=0, server_default="0")  # notes done
    total: Mapped[int] = mapped_column(Integer, default=0, server_default="0")  # notes in the upload
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    job_token: Mapped[str | None] = mapped_column(String(32))  # the attempt allowed to finish the job
    outcome: Mapped[str | None] = mapped_column(Text)  # JSON: the results, or why it failed or was refused


class PendingImportNote(db.Model):
    """One parsed note of a pending import: its text, headings, card count and the cards unticked."""

    __tablename__ = "pending_import_notes"

    pending_id: Mapped[int] = mapped_column(
        ForeignKey("pending_imports.id", ondelete="CASCADE"), primary_key=True
    )
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(300))
    text: Mapped[bytes] = mapped_column(LargeBinary)  # gzip-compressed UTF-8
    topics: Mapped[bytes] = mapped_column(LargeBinary)  # gzip-compressed JSON [[path, line], ...]
    # gzip-compressed JSON [[line, text, reason], ...]: the lines not carded (NULL: none recorded)
    skipped: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    card_count: Mapped[int] = mapped_column(Integer)
    deck_exists: Mapped[bool] = mapped_column(Boolean)
    unticked: Mapped[str] = mapped_column(Text, default="[]", server_default="[]")  # JSON list of card keys
    # JSON {key: [kind, front, back]}: the cards the user fixed in the preview, as they want them.
    fixes: Mapped[str] = mapped_column(Text, default="{}", server_default="{}")
    # JSON: how many cards of each status (new, edited, unchanged, restored) there are, and are unticked
    # (see ``quiz.pending.Tally``).  NULL: parsed before statuses were kept.
    tally: Mapped[str | None] = mapped_column(Text, nullable=True)
    # gzip-compressed JSON [[kind, front, back, topic, line], ...]: the deck's cards the note no longer holds.
    retiring: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)


class PendingImportPage(db.Model):
    """One page of a pending note's cards (a few hundred), so a preview page reads only its own."""

    __tablename__ = "pending_import_pages"

    pending_id: Mapped[int] = mapped_column(
        ForeignKey("pending_imports.id", ondelete="CASCADE"), primary_key=True
    )
    note_position: Mapped[int] = mapped_column(Integer, primary_key=True)
    page: Mapped[int] = mapped_column(Integer, primary_key=True)
    # gzip-compressed JSON [[kind, front, back, topic, line, key, status, holds, shown], ...]: status is
    # new, edited, unchanged or restored; holds, whether unticking the card retires a card in the quiz;
    # shown, the user's wording [kind, front, back] of the card they have, or null (``quiz.pending``).
    # Parsed before statuses were kept: [kind, front, back, topic, line, key, known].
    cards: Mapped[bytes] = mapped_column(LargeBinary)


class PendingImportMedia(db.Model):
    """An image carried by a pending zip upload, by its path in the zip (``linux/img/a.png``), checked as
    ``DeckMedia`` is; the import gives each note the images it refers to (``quiz.store.media``)."""

    __tablename__ = "pending_import_media"

    pending_id: Mapped[int] = mapped_column(
        ForeignKey("pending_imports.id", ondelete="CASCADE"), primary_key=True
    )
    name: Mapped[str] = mapped_column(String(255), primary_key=True)
    content: Mapped[bytes] = mapped_column(LargeBinary)


class Deck(db.Model):
    """One notes file, owned by the user who imported it."""

    __tablename__ = "decks"
    __table_args__ = (UniqueConstraint("user_id", "source_path"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    # The basis of the deck's Anki GUIDs, set once when the deck is made: its note's file stem
    # (``quiz.store.decks.new_slugs``).  Never changes, so Anki keeps recognising the deck's notes.
    slug: Mapped[str] = mapped_column(String(200))
    # The note's identity among the user's decks: its folder-relative name, NFC (``sub/x.md``), the same
    # from `flask notes import`, an upload and the demo (``quiz.store.decks.note_identity``).  A deck
    # that lost its identity to an older one at the upgrade (migration 0015) keeps its old form (an
    # absolute path or "upload:NAME").  Never opened and never shown: see source_text.
    source_path: Mapped[str] = mapped_column(String(1000))
    content_hash: Mapped[str] = mapped_column(String(64))
    # The note's text as last imported, for the card page's excerpt.  None for a deck imported before the
    # text was kept (until it is imported again).  Deferred: loaded only when an excerpt is shown.
    source_text: Mapped[str | None] = mapped_column(Text, deferred=True)
    # What pages call the note: its file name relative to what was imported (``notes/git.md`` -> ``git.md``,
    # a folder's ``sub/x.md``), or the uploaded name.  None: the deck's title stands in.
    source_name: Mapped[str | None] = mapped_column(String(1000))
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)

    topics: Mapped[list[Topic]] = relationship(back_populates="deck", cascade="all, delete-orphan")
    cards: Mapped[list[Card]] = relationship(back_populates="deck", cascade="all, delete-orphan")

    @property
    def display_name(self) -> str:
        """The note's name as pages show it: never a path on the server."""
        return self.source_name or self.title


class DeckMedia(db.Model):
    """An image a deck's note refers to (``![alt](img/a.png)``), kept so cards show it and exports carry it.

    ``name`` is the reference as the note writes it, normalised (``quiz.store.media.media_name``:
    ``./img//a.png`` -> ``img/a.png``), unique per deck; only checked images are stored (PNG, JPEG, GIF,
    WebP, by their bytes), within the size limits of ``quiz.store.media``.  Deferred ``content``: listing a
    deck's media reads no image.
    """

    __tablename__ = "deck_media"
    __table_args__ = (UniqueConstraint("deck_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # No index of its own: the unique (deck_id, name) index serves lookups by deck.
    deck_id: Mapped[int] = mapped_column(ForeignKey("decks.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(255))
    content: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    content_hash: Mapped[str] = mapped_column(String(64))  # SHA-256 of content, hex
    size: Mapped[int] = mapped_column(Integer)  # len(content), so a deck's total is summed without reading it
    mime_type: Mapped[str] = mapped_column(String(32))
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)


class Topic(db.Model):
    """A heading of a note; topics form a tree per deck."""

    __tablename__ = "topics"
    __table_args__ = (UniqueConstraint("deck_id", "path_key"), *_checks("topics"))

    id: Mapped[int] = mapped_column(primary_key=True)
    deck_id: Mapped[int] = mapped_column(ForeignKey("decks.id", ondelete="CASCADE"), index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("topics.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(500))
    # The heading path joined with PATH_SEPARATOR: unique per deck, so re-imports find the topic again.
    path_key: Mapped[str] = mapped_column(Text)
    depth: Mapped[int] = mapped_column(SmallInteger)
    position: Mapped[int] = mapped_column(Integer)  # order of the heading in the note

    deck: Mapped[Deck] = relationship(back_populates="topics")
    parent: Mapped[Topic | None] = relationship(remote_side="Topic.id")

    PATH_SEPARATOR = "\x1f"

    @property
    def path(self) -> tuple[str, ...]:
        return tuple(self.path_key.split(self.PATH_SEPARATOR))


class Card(db.Model):
    __tablename__ = "cards"
    __table_args__ = (UniqueConstraint("deck_id", "key"), *_checks("cards"))

    id: Mapped[int] = mapped_column(primary_key=True)
    # No index of its own: the unique (deck_id, key) index serves lookups by deck.
    deck_id: Mapped[int] = mapped_column(ForeignKey("decks.id", ondelete="CASCADE"))
    topic_id: Mapped[int | None] = mapped_column(ForeignKey("topics.id", ondelete="SET NULL"), index=True)
    # How the card is asked: the note's kind, or the kind the user chose (then note_kind keeps the note's).
    kind: Mapped[str] = mapped_column(String(16))
    front: Mapped[str] = mapped_column(Text)
    back: Mapped[str] = mapped_column(Text)
    key: Mapped[str] = mapped_column(String(64))
    line: Mapped[int] = mapped_column(Integer)
    position: Mapped[int] = mapped_column(Integer)  # order in the note: new cards come in this order
    # A card gone from its note is retired, not deleted: its history stays.
    retired: Mapped[bool] = mapped_column(Boolean, default=False)
    # When a re-import last changed the card's text (a small edit in the note); shown as "edited".
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The user's own wording, edited in the card browser; it wins over the note's text, re-imports included.
    override_front: Mapped[str | None] = mapped_column(Text)
    override_back: Mapped[str | None] = mapped_column(Text)
    # The kind the note gives the card when the user chose another (``kind``); None: ``kind`` is the note's.
    # Re-imports update this one and leave ``kind`` as the user chose it.
    note_kind: Mapped[str | None] = mapped_column(String(16))
    # The card's last change as the Anki export writes it (its kind, shown text, topic, retirement or
    # suspension): the exported note's modification time, so Anki's import updates only what changed.
    # Kept by ``_stamp_changed_cards`` on every ORM change; bulk inserts (``quiz.store.decks``) set it.
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)

    deck: Mapped[Deck] = relationship(back_populates="cards")
    topic: Mapped[Topic | None] = relationship()

    @property
    def topic_path(self) -> tuple[str, ...]:
        return self.topic.path if self.topic is not None else ()

    @property
    def shown_front(self) -> str:
        """The front as the user sees it: their override, else the note's text."""
        return self.override_front if self.override_front is not None else self.front

    @property
    def shown_back(self) -> str:
        """The back as the user sees it: their override, else the note's text."""
        return self.override_back if self.override_back is not None else self.back

    @property
    def kind_in_note(self) -> str:
        """The kind the note gives the card, whatever the user chose (what re-imports compare)."""
        return self.note_kind if self.note_kind is not None else self.kind

    @property
    def overridden(self) -> bool:
        return self.override_front is not None or self.override_back is not None or self.note_kind is not None


class UntickedCard(db.Model):
    """A card of a note that the user unticked at an import: later imports of the note leave it out too.

    Kept per deck and card key until the user ticks the card again in an import's preview.  The card
    itself may never have been stored (unticked at the first import) or be retired.
    """

    __tablename__ = "unticked_cards"

    deck_id: Mapped[int] = mapped_column(ForeignKey("decks.id", ondelete="CASCADE"), primary_key=True)
    key: Mapped[str] = mapped_column(String(64), primary_key=True)

    deck: Mapped[Deck] = relationship()


class ReviewState(db.Model):
    """A user's SM-2 state of one card.  ``due`` is None while the card is new.

    The card's deck, topic and note position, and whether it is still in its
    note (``active``: not retired), are copied here so that the daily queue and
    the progress counts read one table through one index: a join with ``cards``
    and a sort would grow with the collection, for every card shown
    (bench/RESULTS.md, "next queue card", at 100,000 cards).  ``quiz.store.decks``
    keeps the copies in step on import.
    """

    __tablename__ = "review_states"
    __table_args__ = (
        # The queue: due cards by (due, deck, position), new cards (due IS NULL) by (deck, position).
        # With the topic it also covers the due counts per topic and the due forecast.
        Index(
            "ix_review_states_queue",
            "user_id",
            "active",
            "suspended",
            "due",
            "deck_id",
            "position",
            "topic_id",
        ),
        Index("ix_review_states_introduced", "user_id", "introduced_on"),
        # Today's drill, in the order the cards joined it.
        Index("ix_review_states_drill", "user_id", "drill_day", "drill_at"),
        # The card browser: a user's cards deck by deck in note order.
        Index("ix_review_states_browse", "user_id", "deck_id", "position"),
        *_checks("review_states"),
    )

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    card_id: Mapped[int] = mapped_column(ForeignKey("cards.id", ondelete="CASCADE"), primary_key=True)
    repetitions: Mapped[int] = mapped_column(Integer, default=0)
    # The ease factor in exact hundredths (250 = 2.5): SM-2 steps are multiples of 0.02.
    ease_hundredths: Mapped[int] = mapped_column(Integer, default=250)
    interval_days: Mapped[int] = mapped_column(BigInteger, default=0)
    due: Mapped[date | None] = mapped_column(Date)
    lapses: Mapped[int] = mapped_column(Integer, default=0)
    introduced_on: Mapped[date | None] = mapped_column(Date)
    last_reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    suspended: Mapped[bool] = mapped_column(Boolean, default=False, server_default=sa_false())
    deck_id: Mapped[int] = mapped_column(ForeignKey("decks.id", ondelete="CASCADE"))
    topic_id: Mapped[int | None] = mapped_column(ForeignKey("topics.id", ondelete="SET NULL"))
    position: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=sa_true())
    # SM-2 rule 7: the day the card waits in the same-day drill, set while its newest grade, scheduled or
    # drill, is under 4 (``sm2.needs_drill``), with that grade's time, which orders the waiting cards.
    # A function of the newest log row, so undo and restore can put it back exactly.
    drill_day: Mapped[date | None] = mapped_column(Date)
    drill_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Bumped by every grade and undo.  The quiz page carries it, so a second submission of the same shown
    # card (another tab, a double click) is refused; every write checks it too (record_grade's own
    # UPDATE … WHERE version = ?, and SQLAlchemy's version check on ORM updates such as undo and suspend),
    # so two requests racing on one card cannot both write.
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")

    card: Mapped[Card] = relationship()

    __mapper_args__ = {"version_id_col": version}

    @property
    def is_new(self) -> bool:
        """Never graded: no due day yet (the stage "new", ``quiz.store.scopes.STAGES``)."""
        return self.due is None


class ReviewLog(db.Model):
    """Every grade given: the state before and after, and when.

    Append-only, except that undo removes the newest entries (Anki-style); the
    ``before`` columns hold everything needed to restore the state exactly.
    """

    __tablename__ = "review_log"
    # Today's grades (drill, undo) and retention per topic over a window, without reading the cards.
    __table_args__ = (
        Index("ix_review_log_day_topic", "user_id", "review_day", "deck_id", "topic_id", "drill", "grade"),
        *_checks("review_log"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    card_id: Mapped[int] = mapped_column(ForeignKey("cards.id", ondelete="CASCADE"), index=True)
    reviewed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    review_day: Mapped[date] = mapped_column(Date)  # the user's local day of the review
    grade: Mapped[int] = mapped_column(SmallInteger)
    # Where the card stood when it was graded, for counts per deck and topic.
    deck_id: Mapped[int | None] = mapped_column(ForeignKey("decks.id", ondelete="CASCADE"))
    topic_id: Mapped[int | None] = mapped_column(ForeignKey("topics.id", ondelete="SET NULL"))
    # A scheduled review moves the schedule; a same-day drill (SM-2 rule 7) changes nothing.
    drill: Mapped[bool] = mapped_column(Boolean, default=False)
    repetitions_before: Mapped[int] = mapped_column(Integer)
    ease_hundredths_before: Mapped[int] = mapped_column(Integer)
    interval_days_before: Mapped[int] = mapped_column(BigInteger)
    due_before: Mapped[date | None] = mapped_column(Date)
    lapses_before: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    introduced_on_before: Mapped[date | None] = mapped_column(Date)
    last_reviewed_at_before: Mapped[datetime | None] = mapped_column(UTCDateTime)
    repetitions_after: Mapped[int] = mapped_column(Integer)
    ease_hundredths_after: Mapped[int] = mapped_column(Integer)
    interval_days_after: Mapped[int] = mapped_column(BigInteger)
    due_after: Mapped[date | None] = mapped_column(Date)


class TopicCount(db.Model):
    """A user's cards in the quiz per deck and topic, by stage: kept by triggers (``quiz.counters``)."""

    __tablename__ = "topic_counts"

    user_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    deck_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    topic_key: Mapped[int] = mapped_column(Integer, primary_key=True)  # the topic's id, 0 for none
    cards: Mapped[int] = mapped_column(Integer, default=0)
    new: Mapped[int] = mapped_column(Integer, default=0)
    learning: Mapped[int] = mapped_column(Integer, default=0)
    mature: Mapped[int] = mapped_column(Integer, default=0)
    ease_sum: Mapped[int] = mapped_column(BigInteger, default=0)  # hundredths, over seen cards


class ReviewDayCount(db.Model):
    """A user's grades per day, deck and topic: kept by triggers (``quiz.counters``)."""

    __tablename__ = "review_day_counts"

    user_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    review_day: Mapped[date] = mapped_column(Date, primary_key=True)
    deck_key: Mapped[int] = mapped_column(Integer, primary_key=True)  # the deck's id, 0 for none
    topic_key: Mapped[int] = mapped_column(Integer, primary_key=True)  # the topic's id, 0 for none
    reviews: Mapped[int] = mapped_column(Integer, default=0)  # scheduled reviews
    passed: Mapped[int] = mapped_column(Integer, default=0)  # scheduled reviews graded 3 or more
    drills: Mapped[int] = mapped_column(Integer, default=0)  # same-day drill grades


@event.listens_for(db.metadata, "after_create")
def _install_counter_triggers(_target: MetaData, connection: Connection, **_kw: object) -> None:
    counters.install(connection)


class AnkiExport(db.Model):
    """When a user exported their deck: each export must stamp its notes later than the last."""

    __tablename__ = "anki_exports"
    __table_args__ = _checks("anki_exports")

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    timestamp: Mapped[int] = mapped_column(BigInteger)  # seconds since the epoch, as stamped on the notes
    note_count: Mapped[int] = mapped_column(Integer)
    # When the export began, and how it wrote the notes (``quiz.store.exporting.export_layout``): the next
    # export stamps the cards changed since later than this one, and every note when the layout differs.
    # None for exports from before they were kept.
    exported_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    layout: Mapped[str | None] = mapped_column(String(32))


def _card_copies(connection: Connection, card_id: int) -> Row[tuple[int, int | None, int, bool]]:
    stmt = select(Card.deck_id, Card.topic_id, Card.position, Card.retired).where(Card.id == card_id)
    return connection.execute(stmt).one()


@event.listens_for(ReviewState, "before_insert")
def _state_follows_its_card(_mapper: object, connection: Connection, state: ReviewState) -> None:
    # quiz.store.decks fills these itself, in bulk; this covers every other way a state is made.
    if state.deck_id is None:
        deck_id, topic_id, position, retired = _card_copies(connection, state.card_id)
        state.deck_id, state.topic_id, state.position = deck_id, topic_id, position
        state.active = not retired


@event.listens_for(ReviewLog, "before_insert")
def _log_records_where_its_card_stood(_mapper: object, connection: Connection, log: ReviewLog) -> None:
    if log.deck_id is None:
        log.deck_id, log.topic_id, _position, _retired = _card_copies(connection, log.card_id)


# What the Anki export writes of a card (``quiz.store.exporting``): a change to any of these is a change of
# the exported note.  ``topic`` is the relationship (set before the flush fills ``topic_id``).
_EXPORTED_CARD_ATTRS = frozenset(
    {"kind", "front", "back", "override_front", "override_back", "topic_id", "topic", "retired"}
)
_UNKNOWN = object()


def change_time(previous: datetime | None, now: datetime) -> datetime:
    """When a change made at ``now`` is stamped: ``now``, but at least one whole second after the
    ``previous`` stamp.  Anki compares note modification times in whole seconds and updates a note only
    when the package's is newer, so two changes within one second must still give two later seconds."""
    if previous is None:
        return now
    floor = previous.replace(microsecond=0) + timedelta(seconds=1)
    return max(now, floor)


def _exported(values: dict[str, object]) -> tuple[object, ...]:
    """What the export writes of a card with these attribute values: kind, shown text, topic, retired."""
    get = values.get
    front = get("override_front") if get("override_front") is not None else get("front")
    back = get("override_back") if get("override_back") is not None else get("back")
    return (get("kind"), front, back, get("topic_id"), id(get("topic")), get("retired"))


def _changed(obj: object, attrs: frozenset[str], shown: bool) -> bool:
    """Whether ``attrs`` of ``obj``, set in this session, end with other values than they had (with
    ``shown``, as the export shows a card).  Reads SQLAlchemy's ``committed_state`` (the values before
    the first change): a re-import sets every card's columns, mostly to what they were already, and the
    attributes' history objects cost a quarter of the import."""
    state = inspect(obj)
    committed = state.committed_state
    touched = attrs.intersection(committed)
    if not touched:
        return False
    now = state.dict
    before = dict(now)
    for name in touched:
        value = committed[name]
        if value is NO_VALUE:
            return True  # set without the old value loaded: unknown, so it counts as a change
        before[name] = value
    if shown:
        return _exported(before) != _exported(now)
    return any(before.get(name, _UNKNOWN) != now.get(name, _UNKNOWN) for name in touched)


@event.listens_for(Session, "before_flush")
def _stamp_changed_cards(session: Session, _flush_context: object, _instances: object) -> None:
    """Set ``Card.changed_at`` when what the Anki export writes of a card changed in this flush: its kind
    or shown text, its topic, its retirement (``Card``) or its suspension (``ReviewState``).  A value set
    to what it was already changes nothing."""
    changed: dict[int, Card] = {}
    for obj in session.dirty:
        if isinstance(obj, Card):
            if _changed(obj, _EXPORTED_CARD_ATTRS, shown=True):
                changed[id(obj)] = obj
        elif isinstance(obj, ReviewState) and _changed(obj, _SUSPENSION, shown=False):
            card = obj.card
            changed[id(card)] = card
    if changed:
        now = now_utc()
        for card in changed.values():
            card.changed_at = change_time(card.changed_at, now)


_SUSPENSION = frozenset({"suspended"})


UNDO_FLAG = "wengu.undo"  # set in session.info while an undo removes log entries


@event.listens_for(Session, "before_flush")
def _keep_review_log_append_only(session: Session, _flush_context: object, _instances: object) -> None:
    for obj in session.dirty:
        if isinstance(obj, ReviewLog) and session.is_modified(obj):
            raise ValueError("the review log is append-only")
    if not session.info.get(UNDO_FLAG):
        for obj in session.deleted:
            if isinstance(obj, ReviewLog):
                raise ValueError("the review log is append-only")
