"""Bytes of a notes file → text (UTF-8 with or without BOM, else GB18030)."""

from __future__ import annotations

import codecs
import re

from quiz.i18n import N_
from quiz.notes.model import NoteError

_CONTROL_RE = re.compile(r"[\x00-\x08\x0e-\x1a\x1c-\x1f]")


def decode_note(data: bytes, name: str) -> str:
    """Decode a notes file's bytes (UTF-8 with or without BOM, else GB18030)."""
    if not data:
        return ""
    if b"\x00" in data:
        raise NoteError(
            N_("%(name)s: looks like a binary file (contains NUL bytes), not a text note"), name=name
        )
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        try:
            text = data.decode("gb18030")
        except UnicodeDecodeError:
            raise NoteError(N_("%(name)s: not a text note (neither UTF-8 nor GB18030)"), name=name) from None
    controls = len(_CONTROL_RE.findall(text)) if _CONTROL_RE.search(text) else 0
    if controls and controls * 100 > len(text):
        raise NoteError(N_("%(name)s: looks like a binary file (control bytes), not a text note"), name=name)
    return text.replace("\r\n", "\n").replace("\r", "\n")
