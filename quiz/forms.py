"""Flask-WTF forms: every POST goes through one, so CSRF protects every change."""

from __future__ import annotations

from zoneinfo import available_timezones

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, NumberRange, Optional, ValidationError

LOCALES = ("zh", "en")

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
    """A button-only action (export, undo, end session): the CSRF token is its only field."""


class StartForm(FlaskForm):
    """Start today's quiz, on every topic or on one topic and its subtopics."""

    topic_id = IntegerField(validators=[Optional()])
    choices = BooleanField(_l("Concepts as multiple choice"))


class GradeForm(FlaskForm):
    """An SM-2 grade for the card shown; the buttons submit 0 to 5 as ``grade``."""

    grade = IntegerField(validators=[InputRequired(), NumberRange(min=0, max=5)])


class AnswerForm(FlaskForm):
    """A typed answer to a command card; empty means "I don't know"."""

    typed = StringField(_l("Your command"), validators=[Length(max=2000)])


class ChoiceForm(FlaskForm):
    """The option picked on a multiple-choice card."""

    choice = IntegerField(validators=[InputRequired(), NumberRange(min=0, max=9)])


class SettingsForm(FlaskForm):
    """The user's study settings."""

    new_cards_per_day = IntegerField(
        _l("New cards per day"), validators=[InputRequired(), NumberRange(0, 9999)]
    )
    reviews_per_day = IntegerField(_l("Reviews per day"), validators=[InputRequired(), NumberRange(0, 99999)])
    timezone = StringField(_l("Time zone"), validators=[Optional(), Length(max=64)])
    day_starts_at_hour = IntegerField(
        _l("The day starts at (hour)"), validators=[InputRequired(), NumberRange(0, 23)]
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
        if field.data and field.data not in available_timezones():
            raise ValidationError(_l("Unknown time zone; use a name like Asia/Shanghai or Europe/Berlin."))
