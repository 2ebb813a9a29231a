"""Images in notes: which files a note refers to, whether bytes are an image Wengu keeps, and the
rewriting of a card's image references (for the quiz pages and for Anki's flat media folder).

Pure (standard library only).  A note refers to an image with ``![alt](img/a.png)`` (or an HTML
``<img src="img/a.png">``); only local, relative references count: a URL (``https:``, ``data:``,
``//host``) or an absolute path (``/etc/x.png``, ``C:\\x.png``) is never read, stored or served, and
one climbing out of the note's folder (``../x.png``) is read only from inside what was imported
(``quiz.store.media``).  ``media_name`` turns a reference into the name it is stored under, so
``./img//a.png`` and ``img/a.png`` are one file.

Only PNG, JPEG, GIF and WebP are kept, told by their first bytes (``image_type``), never by their
name: SVG can carry script, so it is refused rather than sanitised.
"""

from __future__ import annotations

import hashlib
import posixpath
import re
import unicodedata
from collections.abc import Callable
from urllib.parse import unquote

from quiz import limits

# The image types kept, by their magic bytes.
_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
)


def image_type(data: bytes) -> str | None:
    """The MIME type of ``data`` when it is a PNG, JPEG, GIF or WebP image, by its first bytes; else None."""
    for magic, mime in _SIGNATURES:
        if data.startswith(magic):
            return mime
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


_SCHEME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f]")


def media_name(reference: str) -> str | None:
    """The name an image reference is stored under, or None when it is not a local relative file.

    ``./img//a.png`` -> ``img/a.png``; ``img/a%20b.png`` -> ``img/a b.png`` (a page's URL-encoding
    undone); ``sub/../a.png`` -> ``a.png``; ``../shared/a.png`` stays (a folder beside the note's:
    whether it is inside what was imported is checked where the file is read, ``quiz.store.media``).
    None for URLs and ``data:``, absolute paths, drive letters, backslashes, control characters, a
    query or fragment, and names longer than ``limits.MAX_MEDIA_NAME_CHARS``.  NFC-normalised, so a
    name typed on macOS and on Linux is one name.
    """
    reference = reference.strip()
    if reference.startswith("<") and reference.endswith(">"):
        reference = reference[1:-1].strip()
    if not reference or _SCHEME_RE.match(reference) or reference.startswith(("/", "\\")):
        return None
    if "?" in reference or "#" in reference:
        return None
    name = unicodedata.normalize("NFC", unquote(reference))
    if "\\" in name or _CONTROL_RE.search(name) or name.startswith("/") or _SCHEME_RE.match(name):
        return None
    name = posixpath.normpath(name)
    if name in (".", "..") or name.endswith("/..") or name.startswith("/"):
        return None
    if len(name) > limits.MAX_MEDIA_NAME_CHARS:
        return None
    return name


def climbs(name: str) -> int:
    """How many folders a stored name climbs above the note's (``../../a.png``: 2)."""
    count = 0
    for part in name.split("/"):
        if part != "..":
            break
        count += 1
    return count


# ``![alt](src "title")`` / ``![alt](<src with spaces>)``: the image syntax of CommonMark, as notes use it.
# No repeat in it runs over a "!" (where a match starts), so a line costs linear time
# (tests/test_linear_time.py); an alt text, a file name or a title holding "!" is not read as an image.
_MD_IMAGE_RE = re.compile(
    r"!\[(?P<alt>[^\[\]\\!\n]*)\]\((?P<src><[^<>\n!]*>|[^\s()<>!]+)"
    r"(?P<title>[ \t]+(?:\"[^\"\n!]*\"|'[^'\n!]*'))?\)"
)
# ``<img ... src="x" ...>``: an HTML image in a note (shown as text by the renderer, which escapes HTML).
# The tag first, then its attributes: each tag is scanned once, so a long line costs linear time.
_HTML_IMAGE_RE = re.compile(r"<img\s[^<>]*>", re.I)
# Applied to one tag at a time (no "<" or ">" inside), so their repeats run over that tag only.
_HTML_SRC_RE = re.compile(r"""\bsrc\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))""", re.I)
_HTML_ALT_RE = re.compile(r"""\balt\s*=\s*(?:"([^"]*)"|'([^']*)')""", re.I)


def _html_src(tag: str) -> str | None:
    match = _HTML_SRC_RE.search(tag)
    return None if match is None else next(g for g in match.groups() if g is not None)


def image_syntax(text: str) -> list[str]:
    """Every image in ``text`` as written (``![a](x.png)``, ``<img src="x.png">``), in order."""
    found = [(m.start(), m.group()) for m in _MD_IMAGE_RE.finditer(text)]
    found += [(m.start(), m.group()) for m in _HTML_IMAGE_RE.finditer(text)]
    return [written for _, written in sorted(found)]


def image_references(text: str) -> list[str]:
    """The local images ``text`` refers to, as stored names (``media_name``), in order, each once."""
    found: dict[str, None] = {}
    for match in _MD_IMAGE_RE.finditer(text):
        name = media_name(match.group("src"))
        if name is not None:
            found.setdefault(name)
    for match in _HTML_IMAGE_RE.finditer(text):
        src = _html_src(match.group())
        name = None if src is None else media_name(src)
        if name is not None:
            found.setdefault(name)
    return list(found)


def _alt_text(alt: str) -> str:
    return re.sub(r"\\(.)", r"\1", alt)


def rewrite_images(text: str, target: Callable[[str], str | None]) -> str:
    """``text`` with each local image reference pointing where ``target(name)`` says.

    ``target`` gets the stored name (``media_name``) and returns the new reference (a URL, a file
    name in Anki's media folder), or None when there is no such image: then the image is replaced
    by its alt text (Markdown-escaped), so a page makes no request for a file that is not there.
    An HTML ``<img>`` whose image is there becomes Markdown's image (its other attributes dropped);
    one whose image is not is left as written, which the renderer escapes and shows as text.  URLs
    are left as they are (the renderer's rules apply).
    """
    if "![" not in text and "<img" not in text.lower():
        return text

    def markdown(match: re.Match[str]) -> str:
        name = media_name(match.group("src"))
        if name is None:
            return match.group()
        new = target(name)
        if new is None:
            return _escape_markdown(_alt_text(match.group("alt")))
        return f"![{match.group('alt')}](<{new}>{match.group('title') or ''})"

    def html(match: re.Match[str]) -> str:
        src = _html_src(match.group())
        name = None if src is None else media_name(src)
        if name is None:
            return match.group()
        alt_match = _HTML_ALT_RE.search(match.group())
        alt = next((g for g in alt_match.groups() if g is not None), "") if alt_match else ""
        new = target(name)
        if new is None:
            return match.group()  # left as written: the renderer shows the tag as text, requesting nothing
        return f"![{_escape_markdown(alt)}](<{new}>)"

    return _HTML_IMAGE_RE.sub(html, _MD_IMAGE_RE.sub(markdown, text))


_MARKDOWN_PUNCT_RE = re.compile(r"([\\`*_\[\]<>!#|~&])")


def _escape_markdown(text: str) -> str:
    return _MARKDOWN_PUNCT_RE.sub(r"\\\1", text)


def content_hash(data: bytes) -> str:
    """The hash kept with an image: SHA-256, hex."""
    return hashlib.sha256(data).hexdigest()


def package_name(name: str, digest: str) -> str:
    """The file name of an image in an Anki package: Anki's media folder is flat and shared by every
    deck, so ``img/a.png`` (content hash ``digest``) becomes ``wengu-<12 hex>-a.png``: unique per
    content, readable, with no folder.  Only ASCII letters, digits, ``.``, ``-`` and ``_`` are kept
    (others become ``_``), so the name in a field's ``<img src>`` needs no escaping anywhere.
    """
    base = re.sub(r"[^A-Za-z0-9._-]", "_", posixpath.basename(name)).strip("._") or "image"
    return f"wengu-{digest[:12]}-{base[-80:]}"
