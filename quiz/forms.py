"""Flask-WTF forms: every POST goes through one, so CSRF protects every change."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import IntegerField
from wtforms.validators import InputRequired, NumberRange, Optional


class EmptyForm(FlaskForm):
    """A button-only action (export, end session): the CSRF token is its only field."""


class StartForm(FlaskForm):
    """Start today's quiz, on every topic or on one topic and its subtopics."""

    topic_id = IntegerField(validators=[Optional()])


class GradeForm(FlaskForm):
    """An SM-2 grade for the card shown; the buttons submit 0 to 5 as ``grade``."""

    grade = IntegerField(validators=[InputRequired(), NumberRange(min=0, max=5)])
