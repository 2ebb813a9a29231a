"""Browser uploads → notes to preview and import.

A user uploads notes files (``.md``, ``.markdown``, ``.txt``), ``.zip`` archives of
them (a zipped folder), or pastes Markdown into a text box.  This module turns that
into `UploadedNote` values: a display name, the decoded text and the size in bytes.
It is pure: nothing is written anywhere, and uploaded names are display strings
only, never paths on this machine (they are sanitised all the same: no leading
``/``, no ``..``, no drive letters, no control characters, at most 200 characters).

Bad input raises `UploadError` and nothing else; its ``message`` is English and
names the offending file, its ``status`` is the HTTP status to answer with:

* 413: too large (one file, all files together, a suspicious compression ratio)
  or too many files;
* 415: not a notes file (``photo.png``), binary or undecodable content, a zip with
  no notes in it, an encrypted or unsupported-compression zip member;
* 400: everything else (nothing uploaded, nothing pasted, a corrupt zip).

Zip archives are read from memory with `zipfile`.  Members that are directories,
hidden (any path part starting with ``.``: ``.git/``, ``._x.md``) or under
``__MACOSX/`` are ignored; members that are not notes (images, nested zips …) are
skipped silently.  A member's name without the zip's UTF-8 flag (Linux ``zip``, Chinese Windows)
is decoded as file contents are: UTF-8, else GB18030.  Zip-bomb guards, in this order:

1. before anything is decompressed, every notes member's *declared* size
   (``ZipInfo.file_size``) is checked against the per-file limit, the running
   total and the compression-ratio limit (members of at most 64 KiB are exempt
   from the ratio check: they cannot be bombs, and a short run of ``-`` or
   spaces compresses very well);
2. members are then read in 64 KiB chunks with hard caps (per file, total, and
   ratio against the compressed size), so a header that lies is caught too.
   (CPython's reader also stops at the declared size and then fails the CRC
   check, which surfaces as a corrupt-zip 400.)

Notes come back sorted by name; duplicate names get `` (2)``, `` (3)`` … before
their suffix (``notes.md``, ``notes (2).md``) so they stay distinct.

Images: given a list to fill (``read_uploads(..., images=[])``), a zip's image members
(``.png``, ``.jpg``, ``.jpeg``, ``.gif``, ``.webp``) come back too, as `UploadedImage`, by their
sanitised path in the zip, so a note's ``![](img/a.png)`` finds ``img/a.png`` beside it.  They are
read after the notes, under caps of their own (``quiz.limits``: per image, and per upload the
most one deck may hold); one over its cap, or whose bytes are not a PNG, JPEG, GIF or WebP image
(``quiz.media.image_type``), is left out without failing the upload.
"""

from __future__ import annotations

import io
import re
import struct
import unicodedata
import zipfile
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, fields

from quiz import limits as domain_limits
from quiz.i18n import N_, LocalizedError, LocalizedText
from quiz.media import image_type
from quiz.notes import NoteError, decode_note

try:  # lzma is optional in CPython builds; zipfile only needs it for LZMA members
    import lzma

    _LZMA_ERRORS: tuple[type[Exception], ...] = (lzma.LZMAError,)
except ImportError:  # pragma: no cover - depends on the interpreter build
    _LZMA_ERRORS = ()

__all__ = [
    "NOTE_SUFFIXES",
    "UploadError",
    "UploadLimits",
    "UploadedImage",
    "UploadedNote",
    "read_pasted",
    "read_uploads",
]

NOTE_SUFFIXES = (".md", ".markdown", ".txt")
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".gif", ".webp")
MAX_NAME_CHARS = 200
_CHUNK = 64 * 1024
_RATIO_EXEMPT_BYTES = 64 * 1024  # members this small are never ratio-checked
# What zipfile (and the codecs below it) raise on malformed archives.
ZIP_ERRORS: tuple[type[Exception], ...] = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    zlib.error,
    struct.error,
    OSError,
    EOFError,
    ValueError,  # includes UnicodeDecodeError (bad UTF-8 names)
    OverflowError,
    IndexError,
    KeyError,
    RuntimeError,
    NotImplementedError,
    *_LZMA_ERRORS,
)
# C0/C1 controls, lone surrogates and the bidi controls that can disguise a name.
_BIDI = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_DRIVE_RE = re.compile(r"^[A-Za-z]:")


@dataclass(frozen=True)
class UploadLimits:
    """How much one upload may hold."""

    max_file_bytes: int = 5 * 1024 * 1024  # per notes file (after decompression for zip members)
    max_files: int = 200  # notes files per upload (zip members counted)
    max_total_bytes: int = 50 * 1024 * 1024  # all notes together, uncompressed (zip-bomb guard)
    max_compression_ratio: int = 200  # a zip member whose uncompressed/compressed ratio is higher is refused

    def __post_init__(self) -> None:
        for field in fields(self):
            value = getattr(self, field.name)
            if not isinstance(value, int) or isinstance(value, bool):
                raise TypeError(f"UploadLimits.{field.name} must be an int, not {value!r}")
            if value <= 0:
                raise ValueError(f"UploadLimits.{field.name} must be positive, not {value}")


DEFAULT_LIMITS = UploadLimits()


@dataclass(frozen=True)
class UploadedNote:
    """One notes file from an upload, decoded."""

    name: str  # sanitised display name, e.g. "linux/files.md" for a zip member
    text: str  # decoded Markdown, "\n" line ends
    size: int  # bytes before decoding


@dataclass(frozen=True)
class UploadedImage:
    """An image member of a zip upload: its sanitised path in the zip and its bytes (a checked image)."""

    name: str  # e.g. "linux/img/a.png"
    data: bytes


class UploadError(LocalizedError):
    """An upload that cannot be turned into notes.

    ``message`` is English and names the offending file when there is one (``template`` and
    ``params`` give it in the user's language, see `quiz.i18n`); ``status`` is 413 (too large /
    too many), 415 (wrong type or encoding) or 400.
    """

    def __init__(self, template: str, status: int = 400, **params: object) -> None:
        super().__init__(template, **params)
        self.status = status


# --------------------------------------------------------------------------- names


def _sanitise_name(raw: str) -> str:
    """A display name: ``/``-separated, relative, no ``..``, no controls, ≤ 200 chars."""
    cleaned = "".join(
        ch for ch in raw if ch not in _BIDI and unicodedata.category(ch) not in ("Cc", "Cs")
    ).replace("\\", "/")
    cleaned = _DRIVE_RE.sub("", cleaned)
    parts = [part for part in cleaned.split("/") if part.strip() not in ("", ".", "..")]
    name = "/".join(parts)
    if len(name) > MAX_NAME_CHARS:
        suffix = name[len(name) - len(_suffix(name)) :]
        if len(suffix) > 16:
            suffix = ""
        name = name[: MAX_NAME_CHARS - len(suffix)].rstrip("/ ") + suffix
    return name


def _suffix(name: str) -> str:
    """The lower-cased suffix of the last path part (``""`` when there is none)."""
    last = name.rsplit("/", 1)[-1]
    dot = last.rfind(".")
    return last[dot:].lower() if dot > 0 else ""


_UTF8_NAME_FLAG = 0x800  # general purpose bit 11: the member's name is UTF-8


def _member_name(info: zipfile.ZipInfo) -> str:
    """A zip member's name as its maker wrote it.

    Without the UTF-8 flag, ``zipfile`` reads a name as cp437 (the format's old default), but
    Linux ``zip`` stores the bytes of the system's encoding as they are, and Chinese Windows
    GBK.  Those bytes are decoded as a note's contents are: UTF-8, else GB18030, else cp437.
    """
    if info.flag_bits & _UTF8_NAME_FLAG or info.filename.isascii():
        return info.filename
    raw = info.filename.encode("cp437")  # zipfile's decoding, undone exactly: cp437 maps every byte
    for encoding in ("utf-8", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return info.filename


def _is_note(name: str) -> bool:
    return _suffix(name) in NOTE_SUFFIXES


def _is_ignored_member(raw: str) -> bool:
    """Directories, hidden files and macOS resource forks inside a zip."""
    if raw.endswith(("/", "\\")):
        return True
    for part in raw.replace("\\", "/").split("/"):
        if part in ("", ".", ".."):
            continue
        if part.startswith(".") or part == "__MACOSX":
            return True
    return False


def _unique(name: str, taken: set[str]) -> str:
    """``name``, or ``stem (n)suffix`` for the first n ≥ 2 not yet taken."""
    if name not in taken:
        return name
    suffix = _suffix(name)
    stem = name[: len(name) - len(suffix)] if suffix else name
    suffix = name[len(stem) :]  # keep the original case of the suffix
    n = 2
    while True:
        tag = f" ({n})"
        candidate = stem[: MAX_NAME_CHARS - len(tag) - len(suffix)] + tag + suffix
        if candidate not in taken:
            return candidate
        n += 1


# --------------------------------------------------------------------------- sizes


def _fmt_size(n: int) -> str | LocalizedText:
    for unit, scale in (("GB", 1024**3), ("MB", 1024**2), ("KB", 1024)):
        if n >= scale:
            return f"{n / scale:.1f}".rstrip("0").rstrip(".") + f" {unit}"
    return LocalizedText(N_("1 byte")) if n == 1 else LocalizedText(N_("%(count)s bytes"), count=n)


# How a message names a file: its name, or a note inside a zip ("notes.md (in notes.zip)").
Shown = str | LocalizedText


def _in_zip(name: str, zip_name: str) -> LocalizedText:
    """How a message names a note inside a zip, in the user's language."""
    return LocalizedText(N_("%(name)s (in %(zip)s)"), name=name, zip=zip_name)


def _too_large(name: Shown, limits: UploadLimits) -> UploadError:
    return UploadError(
        N_("%(name)s is too large: the limit is %(limit)s per file"),
        413,
        name=name,
        limit=_fmt_size(limits.max_file_bytes),
    )


def _too_much(name: Shown, limits: UploadLimits) -> UploadError:
    return UploadError(
        N_("The upload is too large: with %(name)s the notes exceed %(limit)s in total"),
        413,
        name=name,
        limit=_fmt_size(limits.max_total_bytes),
    )


def _too_many(limits: UploadLimits) -> UploadError:
    return UploadError(N_("Too many notes files: at most %(count)s per upload"), 413, count=limits.max_files)


def _too_compressed(name: Shown, limits: UploadLimits) -> UploadError:
    return UploadError(
        N_("%(name)s is refused: it is compressed more than %(ratio)s times (this looks like a zip bomb)"),
        413,
        name=name,
        ratio=limits.max_compression_ratio,
    )


class _Budget:
    """Running counts of one upload, checked against the limits."""

    def __init__(self, limits: UploadLimits) -> None:
        self.limits = limits
        self.files = 0
        self.total = 0

    def add_file(self) -> None:
        self.files += 1
        if self.files > self.limits.max_files:
            raise _too_many(self.limits)

    def check_size(self, name: Shown, size: int, already: int = 0) -> None:
        """Would a file of ``size`` bytes fit, on top of ``already`` bytes counted?"""
        if size > self.limits.max_file_bytes:
            raise _too_large(name, self.limits)
        if already + size > self.limits.max_total_bytes:
            raise _too_much(name, self.limits)


def _decode(data: bytes, name: Shown) -> str:
    try:
        return decode_note(data, str(name))
    except NoteError as exc:
        raise UploadError(exc.template, 415, **{**exc.params, "name": name}) from None


# --------------------------------------------------------------------------- zips


def _read_zip(
    zip_name: str, data: bytes, budget: _Budget, images: list[UploadedImage] | None = None
) -> list[UploadedNote]:
    try:
        return _read_zip_unchecked(zip_name, data, budget, images)
    except UploadError:
        raise
    except ZIP_ERRORS:
        raise UploadError(
            N_("%(name)s is not a valid zip archive (it may be damaged)"), 400, name=zip_name
        ) from None


def _read_zip_unchecked(
    zip_name: str, data: bytes, budget: _Budget, images: list[UploadedImage] | None = None
) -> list[UploadedNote]:
    limits = budget.limits
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        members: list[tuple[zipfile.ZipInfo, str]] = []
        image_members: list[tuple[zipfile.ZipInfo, str]] = []
        declared = budget.total
        # Pass 1: headers only, nothing is decompressed.
        for info in archive.infolist():
            raw_name = _member_name(info)
            if info.is_dir() or _is_ignored_member(raw_name):
                continue
            name = _sanitise_name(raw_name)
            if name and images is not None and _suffix(name) in IMAGE_SUFFIXES:
                image_members.append((info, name))
                continue
            if not name or not _is_note(name):
                continue  # images, nested zips … are skipped silently
            shown = _in_zip(name, zip_name)
            budget.add_file()
            if info.flag_bits & 0x1:
                raise UploadError(N_("%(name)s is encrypted; upload an unencrypted zip"), 415, name=shown)
            if info.compress_type not in (
                zipfile.ZIP_STORED,
                zipfile.ZIP_DEFLATED,
                zipfile.ZIP_BZIP2,
                zipfile.ZIP_LZMA,
            ):
                raise UploadError(N_("%(name)s uses an unsupported compression method"), 415, name=shown)
            budget.check_size(shown, info.file_size, declared)
            if info.file_size > _RATIO_EXEMPT_BYTES and (
                info.file_size > info.compress_size * limits.max_compression_ratio
            ):
                raise _too_compressed(shown, limits)
            declared += info.file_size
            members.append((info, name))
        if not members:
            raise UploadError(
                N_("%(name)s contains no notes (%(suffixes)s files)"),
                415,
                name=zip_name,
                suffixes=", ".join(NOTE_SUFFIXES),
            )
        # Pass 2: stream each member with hard caps; the headers may lie.
        notes = []
        for info, name in members:
            shown = _in_zip(name, zip_name)
            raw = _read_member(archive, info, shown, budget)
            notes.append(UploadedNote(name=name, text=_decode(raw, shown), size=len(raw)))
            budget.total += len(raw)
        if images is not None:
            images.extend(_read_images(archive, image_members, images))
        return notes


def _read_images(
    archive: zipfile.ZipFile, members: list[tuple[zipfile.ZipInfo, str]], taken: list[UploadedImage]
) -> list[UploadedImage]:
    """The image members that are images within the caps; the others are left out, not refused."""
    cap = domain_limits.MAX_MEDIA_FILE_BYTES
    total = sum(len(image.data) for image in taken)
    count = len(taken)
    found = []
    for info, name in members:
        if count >= domain_limits.MAX_DECK_MEDIA_FILES:
            break
        room = domain_limits.MAX_DECK_MEDIA_BYTES - total
        if info.flag_bits & 0x1 or info.file_size > min(cap, room):
            continue  # encrypted, or declared too large
        data = _read_image_member(archive, info, min(cap, room))
        if data is None or image_type(data) is None:
            continue
        found.append(UploadedImage(name, data))
        total += len(data)
        count += 1
    return found


def _read_image_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, cap: int) -> bytes | None:
    """An image member's bytes, at most ``cap`` (None past it, or when it cannot be read)."""
    chunks: list[bytes] = []
    got = 0
    try:
        with archive.open(info) as stream:
            while chunk := stream.read(_CHUNK):
                got += len(chunk)
                if got > cap:
                    return None
                chunks.append(chunk)
    except ZIP_ERRORS:
        return None
    return b"".join(chunks)


def _read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, shown: Shown, budget: _Budget) -> bytes:
    limits = budget.limits
    ratio_cap = max(_RATIO_EXEMPT_BYTES, info.compress_size * limits.max_compression_ratio)
    chunks: list[bytes] = []
    got = 0
    try:
        with archive.open(info) as stream:
            while chunk := stream.read(_CHUNK):
                got += len(chunk)
                budget.check_size(shown, got, budget.total)
                if got > ratio_cap:
                    raise _too_compressed(shown, limits)
                chunks.append(chunk)
    except UploadError:
        raise
    except ZIP_ERRORS:
        raise UploadError(N_("%(name)s cannot be read (the zip may be damaged)"), 400, name=shown) from None
    return b"".join(chunks)


# --------------------------------------------------------------------------- public API


def read_uploads(
    files: Sequence[tuple[str, bytes]],
    limits: UploadLimits = DEFAULT_LIMITS,
    images: list[UploadedImage] | None = None,
) -> list[UploadedNote]:
    """Turn uploaded ``(client filename, content)`` pairs into notes, sorted by name.

    A ``.zip`` is opened and its notes members read (names kept as
    ``folder/file.md``); any other file must have a notes suffix.  A pair with an
    empty name and no content (a form sent without choosing a file) counts as
    nothing.  Raises `UploadError` for anything that cannot be imported.  With
    ``images``, a zip's images are added to it (see the module's notes).
    """
    files = [(name, data) for name, data in files if name or data]
    if not files:
        raise UploadError(N_("No files were uploaded: choose Markdown files or a zip of them"), 400)
    budget = _Budget(limits)
    notes: list[UploadedNote] = []
    for raw_name, data in files:
        name = _sanitise_name(raw_name) or "(unnamed file)"
        if _suffix(name) == ".zip":
            notes.extend(_read_zip(name, data, budget, images))
            continue
        if not _is_note(name):
            raise UploadError(
                N_("%(name)s is not a Markdown file: upload %(suffixes)s files or a .zip"),
                415,
                name=name,
                suffixes=", ".join(NOTE_SUFFIXES),
            )
        budget.add_file()
        budget.check_size(name, len(data), budget.total)
        notes.append(UploadedNote(name=name, text=_decode(data, name), size=len(data)))
        budget.total += len(data)
    # A name's first holder keeps it; later holders get the first free " (n)", free
    # meaning not used by any upload (so a real "notes (2).md" keeps its name).
    taken = {note.name for note in notes}
    seen: set[str] = set()
    distinct = []
    for note in notes:
        if note.name in seen:
            note = UploadedNote(_unique(note.name, taken), note.text, note.size)
            taken.add(note.name)
        seen.add(note.name)
        distinct.append(note)
    return sorted(distinct, key=lambda note: (note.name.casefold(), note.name))


def read_pasted(text: str, name: str = "pasted.md", limits: UploadLimits = DEFAULT_LIMITS) -> UploadedNote:
    """Pasted Markdown as a note; its size is counted in UTF-8 bytes.

    ``name`` is sanitised (``pasted.md`` when nothing is left) and gets ``.md``
    when it has no notes suffix.
    """
    shown = _sanitise_name(name) or "pasted.md"
    if not _is_note(shown):
        shown = _sanitise_name(shown + ".md")
    data = text.encode("utf-8", errors="replace")  # lone surrogates become "?"
    if len(data) > limits.max_file_bytes:
        raise UploadError(
            N_("The pasted text is too large: the limit is %(limit)s"),
            413,
            limit=_fmt_size(limits.max_file_bytes),
        )
    decoded = _decode(data, shown)
    if not decoded.strip():  # also "only a byte-order mark"
        raise UploadError(N_("Nothing pasted: paste some Markdown notes first"), 400)
    return UploadedNote(name=shown, text=decoded, size=len(data))
