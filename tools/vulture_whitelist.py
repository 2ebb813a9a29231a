"""Names vulture cannot see used: `make lint` reads this file with the code, never runs it.

Vulture finds unused code by name, in Python only.  What a decorator registers (views, CLI
commands, SQLAlchemy event listeners, Flask-Login's user loader, validators) is skipped by
``ignore_decorators`` in pyproject.toml; what remains here is used by a framework calling it by
name, by a Jinja template, by SQL, or by a test as a reference.  Each entry says which.

Before adding a name, make sure it is not simply dead: if nothing but a test uses it, the test
should go through the code the app runs, or the name should go.
"""

from babel.messages.catalog import Message

from quiz.forms import AccountForm, PasswordChangeForm, SettingsForm
from quiz.models import Card, Deck, DeckMedia, ReviewLog, ReviewState, User, UTCDateTime
from quiz.notes.rules.explicit import CLOZE_REFERENCE
from quiz.notes.text import CODE_SPAN_REFERENCE
from quiz.pending import Tally
from quiz.store.browser import SourceExcerpt
from quiz.store.grading import Schedule, SessionSummary
from quiz.store.progress import TodayOverview, TopicProgress, WeeklyRetention
from quiz.store.queue import pending_drill
from tests.test_uploads import Gusher

# WTForms: a form's ``validate_<field>`` method is the field's inline validator.
SettingsForm.validate_timezone

# Form fields that only templates render (``form.confirm``); WTForms' EqualTo reads them by name.
AccountForm.confirm
PasswordChangeForm.confirm

# SQLAlchemy's TypeDecorator protocol.
UTCDateTime.impl
UTCDateTime.cache_ok
UTCDateTime.process_bind_param
UTCDateTime.process_result_value

# Flask-Login's user protocol.
User.is_anonymous
User.get_id

# Columns written through constructors' keywords or column-name lists (quiz.store.grading's
# SCHEDULE_FIELDS, quiz.backup's field lists) and read by name or in SQL.
Deck.imported_at
ReviewState.last_reviewed_at
Schedule.last_reviewed_at
ReviewLog.repetitions_before
ReviewLog.ease_hundredths_before
ReviewLog.interval_days_before
ReviewLog.lapses_before
ReviewLog.introduced_on_before
ReviewLog.last_reviewed_at_before
ReviewLog.repetitions_after
ReviewLog.ease_hundredths_after

# Read only by Jinja templates.
Card.overridden  # quiz/card_detail.html, quiz/cards.html
ReviewState.is_new  # quiz/cards.html
SourceExcerpt.highlight  # quiz/card_detail.html
SourceExcerpt.from_anki  # quiz/card_detail.html
SessionSummary.drilled  # quiz/done.html
TopicProgress.average_ease  # quiz/progress.html
TodayOverview.held_back  # quiz/today.html
WeeklyRetention.left_out  # quiz/progress.html
Tally.will  # quiz/import_preview.html

# The drill's cards in order, as the states' marks say: the reference that tests of the marks (grades,
# undo, restore) read; the app draws from the drill in quiz.store.queue's statements.
pending_drill

# tools/zh_messages.py fills the catalogue: Babel writes ``Message.string`` to the .po file.
Message.string

# quiz/notes (another owner's): the regexes that say what the linear-time scanners match, never
# run on a note; tests/test_linear_time.py compares the scanners with them.
CLOZE_REFERENCE
CODE_SPAN_REFERENCE

# io.RawIOBase's protocol: a test's fake zip member stream answers readable().
Gusher.readable

# DeckMedia.added_at: when an image was first kept, written by the database layer for the record
# (a backup's restore sets it anew); no page shows it yet.
DeckMedia.added_at
