"""Messages that the core raises in English and the web layer shows in the user's language.

The core has no Flask, so it cannot translate: it marks a message template with ``N_`` (which
``make translations`` extracts) and raises a `LocalizedError` holding the template and its
values.  ``str(error)`` and ``error.message`` are the English text (the command line prints
them); the web layer shows ``gettext(error.template, **error.params)``, translating first any
value that is itself a `LocalizedText` (a file named "notes.md (in notes.zip)", a rule's
"must be 0-23").
"""

from __future__ import annotations


def N_(message: str) -> str:  # gettext's conventional name for "translate later"
    """Mark ``message`` for the translation catalogue; the page translates it when it shows it."""
    return message


class LocalizedText:
    """Text to show in the user's language later: an English template with ``%(name)s`` values.

    ``str()`` is the English text; a value may be a `LocalizedText` too.
    """

    __slots__ = ("params", "template")

    def __init__(self, template: str, **params: object) -> None:
        self.template = template
        self.params = params

    def __str__(self) -> str:
        return self.template % self.params if self.params else self.template

    def __repr__(self) -> str:
        return f"LocalizedText({str(self)!r})"


class LocalizedError(ValueError):
    """An error whose message is an English template with ``%(name)s`` values, translatable later."""

    def __init__(self, template: str, **params: object) -> None:
        self.template = template
        self.params = params
        self.message = str(LocalizedText(template, **params))
        super().__init__(self.message)
