"""Messages that the core raises in English and the web layer shows in the user's language.

The core has no Flask, so it cannot translate: it marks a message template with ``N_`` (which
``make translations`` extracts) and raises a `LocalizedError` holding the template and its
values.  ``str(error)`` and ``error.message`` are the English text (the command line prints
them); the web layer shows ``gettext(error.template, **error.params)``.
"""

from __future__ import annotations


def N_(message: str) -> str:  # gettext's conventional name for "translate later"
    """Mark ``message`` for the translation catalogue; the page translates it when it shows it."""
    return message


class LocalizedError(ValueError):
    """An error whose message is an English template with ``%(name)s`` values, translatable later."""

    def __init__(self, template: str, **params: object) -> None:
        self.template = template
        self.params = params
        self.message = template % params if params else template
        super().__init__(self.message)
