"""The Chinese catalogue covers every interface string and its compiled form is current."""

from __future__ import annotations

from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from tests.conftest import ROOT

PO = ROOT / "translations" / "zh" / "LC_MESSAGES" / "messages.po"
MO = PO.with_suffix(".mo")
METHODS = [("quiz/**.py", "python"), ("app.py", "python"), ("templates/**.html", "jinja2")]
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None, "N_": None}


def interface_strings() -> set[str]:
    found = set()
    for _filename, _lineno, message, _comments, _context in extract_from_dir(
        str(ROOT),
        METHODS,
        keywords=KEYWORDS,
        options_map={"templates/**.html": {"extensions": "jinja2.ext.i18n"}},
    ):
        found.add(message if isinstance(message, str) else message[0])
    return found


def _key(message_id: str | tuple[str, ...]) -> str:
    return message_id[0] if isinstance(message_id, tuple | list) else message_id


def _value(string: str | tuple[str, ...] | list[str]) -> str | tuple[str, ...]:
    return tuple(string) if isinstance(string, tuple | list) else string


def _translated(string: str | tuple[str, ...] | list[str]) -> bool:
    return all(string) if isinstance(string, tuple | list) else bool(string)


def test_every_interface_string_has_a_chinese_translation():
    with PO.open("rb") as fh:
        catalog = read_po(fh, locale="zh")
    translated = {
        _key(m.id): m.string for m in catalog if m.id and _translated(m.string) and "fuzzy" not in m.flags
    }
    strings = interface_strings()
    assert len(strings) > 100
    assert sorted(strings - set(translated)) == []


def test_compiled_catalogue_matches_the_source():
    with PO.open("rb") as fh:
        source = {_key(m.id): _value(m.string) for m in read_po(fh, locale="zh") if m.id}
    with MO.open("rb") as fh:
        compiled = {_key(m.id): _value(m.string) for m in read_mo(fh) if m.id}
    assert compiled == source, "run `make translations`"
