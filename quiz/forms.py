"""Flask-WTF forms: the fields the pages send and the checks on their values.

The CSRF token of every POST is checked once, before any view runs, by the ``CSRFProtect`` that
``app.create_app`` installs; a form here adds the checks of its own fields.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    FileField,
    HiddenField,
    IntegerField,
    MultipleFileField,
    PasswordField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    DataRequired,
    EqualTo,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from quiz import limits
from quiz.limits import DB_INT_MAX

# Short labels for the six SM-2 grades, in the meanings of the original text.
GRADE_LABELS = {
    0: _l("Blackout"),
    1: _l("Wrong, but remembered"),
    2: _l("Wrong, seemed easy"),
    3: _l("Right, with difficulty"),
    4: _l("Right, after hesitation"),
    5: _l("Perfect"),
}


class EmptyForm(FlaskForm):
    """A button-only action (export, undo, end session): it renders the CSRF token, its only field."""


class ExportForm(FlaskForm):
    """The Anki export's options: the schedule and review history, and typed command cards."""

    with_schedule = BooleanField(_l("With my schedule and review history"))
    typed_commands = BooleanField(_l("Command cards ask to type the command"), default=True)


class StartForm(FlaskForm):
    """Start today's quiz, on every topic or on one topic and its subtopics."""

    topic_id = IntegerField(validators=[Optional(), NumberRange(min=1, max=DB_INT_MAX)])
    choices = BooleanField(_l("Concepts as multiple choice"))


class GradeForm(FlaskForm):
    """An SM-2 grade for the card shown; the buttons submit 0 to 5 as ``grade``."""

    grade = IntegerField(
        validators=[InputRequired(), NumberRange(min=limits.MIN_GRADE, max=limits.MAX_GRADE)]
    )
    # The card's state version when the page was shown: a second submission of the same page is refused.
    version = IntegerField(validators=[Optional(), NumberRange(min=0, max=DB_INT_MAX)])


class AnswerForm(FlaskForm):
    """A typed answer to a command card; empty means "I don't know"."""

    typed = StringField(_l("Your command"), validators=[Length(max=2000)])


class ChoiceForm(FlaskForm):
    """The option picked on a multiple-choice card."""

    choice = IntegerField(validators=[InputRequired(), NumberRange(min=0, max=9)])


class SettingsForm(FlaskForm):
    """The user's study settings."""

    # The ranges are the domain limits (quiz.limits), which restore and the database's CHECKs enforce too.
    new_cards_per_day = IntegerField(
        _l("New cards per day"), validators=[InputRequired(), NumberRange(0, limits.MAX_NEW_CARDS_PER_DAY)]
    )
    reviews_per_day = IntegerField(
        _l("Reviews per day"), validators=[InputRequired(), NumberRange(0, limits.MAX_REVIEWS_PER_DAY)]
    )
    timezone = StringField(_l("Time zone"), validators=[Optional(), Length(max=limits.MAX_TIMEZONE_LENGTH)])
    day_starts_at_hour = IntegerField(
        _l("The day starts at (hour)"),
        validators=[InputRequired(), NumberRange(limits.FIRST_HOUR, limits.LAST_HOUR)],
    )
    locale = SelectField(
        _l("Language"),
        choices=[
            SelectChoice("", _l("Browser's choice")),
            SelectChoice("zh", "简体中文"),
            SelectChoice("en", "English"),
        ],
        validators=[Optional()],
    )

    def validate_timezone(self, field: StringField) -> None:
        if field.data and not limits.is_known_timezone(field.data):
            raise ValidationError(_l("Unknown time zone; use a name like Asia/Shanghai or Europe/Berlin."))


class AccountForm(FlaskForm):
    """A new account: on the set-up page (the first one, who becomes admin) and on the register page."""

    name = StringField(_l("User name"), validators=[InputRequired(), Length(max=80)])
    password = PasswordField(_l("Password"), validators=[InputRequired(), Length(min=8, max=200)])
    confirm = PasswordField(
        _l("Password again"), validators=[InputRequired(), EqualTo("password", _l("The passwords differ."))]
    )


class LoginForm(FlaskForm):
    """Log in; ``next`` is where to go afterwards (only a path on this site is followed)."""

    name = StringField(_l("User name"), validators=[InputRequired(), Length(max=80)])
    password = PasswordField(_l("Password"), validators=[InputRequired(), Length(max=200)])
    next = HiddenField()


class PasswordChangeForm(FlaskForm):
    """Change one's own password."""

    current = PasswordField(_l("Current password"), validators=[InputRequired()])
    password = PasswordField(_l("New password"), validators=[InputRequired(), Length(min=8, max=200)])
    confirm = PasswordField(
        _l("New password again"),
        validators=[InputRequired(), EqualTo("password", _l("The passwords differ."))],
    )


class RegistrationForm(FlaskForm):
    """The admin opens or closes registration."""

    open = BooleanField(_l("Anyone may register an account"))


class AccountSearchForm(FlaskForm):
    """The admin's filter on the list of accounts: names starting with this (any case)."""

    q = StringField(_l("Name starts with"), validators=[Optional(), Length(max=80)])


class CardEditForm(FlaskForm):
    """The user's own wording of a card; it wins over the note, re-imports included."""

    front = TextAreaField(_l("Front"), validators=[InputRequired(), Length(max=20_000)])
    back = TextAreaField(_l("Back"), validators=[InputRequired(), Length(max=20_000)])


# The kinds a user may give a card in an import's preview (a cloze card of the note may stay one).
FIX_KINDS = ("command", "concept", "qa")
KIND_LABELS = {"command": _l("Command"), "concept": _l("Concept"), "qa": _l("Question"), "cloze": _l("Cloze")}


def _kind_choices(kinds: tuple[str, ...]) -> list[SelectChoice]:
    return [SelectChoice(kind, KIND_LABELS.get(kind, kind)) for kind in kinds]


class PreviewFixForm(FlaskForm):
    """A card of an import's preview, as the user wants it stored."""

    kind = SelectField(_l("Kind"), choices=_kind_choices(FIX_KINDS))
    # DataRequired: a front or back of spaces only is empty too.
    front = TextAreaField(
        _l("Front"), validators=[DataRequired(_l("Write the card's front.")), Length(max=20_000)]
    )
    back = TextAreaField(
        _l("Back"), validators=[DataRequired(_l("Write the card's back.")), Length(max=20_000)]
    )

    def allow_kind(self, kind: str) -> None:
        """Offer ``kind`` too when the note gave the card one the user may not choose (a cloze)."""
        if kind not in FIX_KINDS:
            self.kind.choices = _kind_choices((*FIX_KINDS, kind))


class UploadForm(FlaskForm):
    """Notes to preview: Markdown files, a .zip of a notes folder, or pasted text."""

    files = MultipleFileField(_l("Markdown files or a .zip of a notes folder"))
    pasted = TextAreaField(_l("…or paste Markdown"))
    pasted_name = StringField(_l("Name for the pasted note"), validators=[Optional(), Length(max=120)])


class RestoreForm(FlaskForm):
    """A backup file to restore: it is checked and its contents shown before anything is replaced."""

    backup = FileField(_l("Backup file (.json.gz)"))


class AnkiImportForm(FlaskForm):
    """An Anki package to import: its decks, cards, scheduling and review history become Wengu decks."""

    package = FileField(_l("Anki package (.apkg or .colpkg)"))


class RestoreConfirmForm(FlaskForm):
    """The confirmation that replaces the user's data with the backup just checked (named by its token)."""

    token = HiddenField(validators=[InputRequired(), Length(max=64)])
