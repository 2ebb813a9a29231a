"""quiz.uploads: browser uploads (files, zips, pasted text) → notes, and every way to refuse them."""

from __future__ import annotations

import io
import struct
import zipfile

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from quiz.uploads import (
    NOTE_SUFFIXES,
    UploadedNote,
    UploadError,
    UploadLimits,
    read_pasted,
    read_uploads,
)

MB = 1024 * 1024


def make_zip(entries: dict[str, bytes], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    """A zip holding ``entries`` under their exact names (ZipInfo keeps ``..``, ``/``, ``\\``)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression) as archive:
        for name, data in entries.items():
            archive.writestr(zipfile.ZipInfo(name), data, compress_type=compression)
    return buf.getvalue()


def central_header(data: bytes | bytearray, index: int = 0) -> int:
    """Offset of the ``index``-th central-directory header of a zip."""
    offset = data.find(b"PK\x01\x02")
    for _ in range(index):
        offset = data.find(b"PK\x01\x02", offset + 4)
    assert offset >= 0
    return offset


def refused(files: list[tuple[str, bytes]], limits: UploadLimits | None = None) -> UploadError:
    with pytest.raises(UploadError) as info:
        read_uploads(files, limits) if limits else read_uploads(files)
    return info.value


# --------------------------------------------------------------------------- plain files


def test_plain_markdown_file() -> None:
    data = "# Docker\r\n\r\n- `docker ps` 列出容器\r\n".encode()
    assert read_uploads([("docker.md", data)]) == [
        UploadedNote(name="docker.md", text="# Docker\n\n- `docker ps` 列出容器\n", size=len(data))
    ]


@pytest.mark.parametrize("name", ["notes.markdown", "notes.txt", "NOTES.MD", "a.b.Markdown"])
def test_every_notes_suffix_is_accepted(name: str) -> None:
    assert [n.name for n in read_uploads([(name, b"# T\n")])] == [name]
    assert set(NOTE_SUFFIXES) == {".md", ".markdown", ".txt"}


def test_gb18030_chinese_file_is_decoded() -> None:
    text = "# 进程管理\n\n- `ps aux` 查看所有进程\n"
    data = text.encode("gb18030")
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")  # the test is only meaningful if this is not UTF-8
    [note] = read_uploads([("进程.md", data)])
    assert note.text == text
    assert note.size == len(data)


def test_utf8_bom_is_dropped() -> None:
    [note] = read_uploads([("a.md", b"\xef\xbb\xbf# A\n")])
    assert note.text == "# A\n"


# --------------------------------------------------------------------------- zips


def test_zip_of_a_folder_keeps_paths_and_skips_non_notes() -> None:
    data = make_zip(
        {
            "linux/": b"",
            "linux/files.md": b"# Files\n",
            "linux/diagram.png": b"\x89PNG\r\n\x1a\n\x00\x00",
            "linux/nested.zip": make_zip({"inner.md": b"# Inner\n"}),
            "docs/b.markdown": b"# B\n",
            "c.txt": b"C\n",
            "__MACOSX/linux/._files.md": b"\x00\x05\x16\x07binary resource fork",
            "__MACOSX/linux/copy.md": b"# macOS metadata folder\n",
            "linux/.hidden.md": b"# hidden\n",
            ".git/description.md": b"# git\n",
        }
    )
    notes = read_uploads([("course.zip", data)])
    assert [(n.name, n.text) for n in notes] == [
        ("c.txt", "C\n"),
        ("docs/b.markdown", "# B\n"),
        ("linux/files.md", "# Files\n"),
    ]
    assert [n.size for n in notes] == [2, 4, 8]


def test_zip_member_names_are_sanitised() -> None:
    long_name = "deep/" + "x" * 300 + ".md"
    raw = [
        "../../etc/passwd.md",
        "/abs/x.md",
        "C:\\x.md",
        "a/./b\\..\\c.md",
        "bad\x1b[31m\u202ename.md",
        long_name,
    ]
    data = make_zip({name: b"# n\n" for name in raw})
    assert [info.filename for info in zipfile.ZipFile(io.BytesIO(data)).infolist()] == raw  # stored verbatim
    names = [n.name for n in read_uploads([("evil.zip", data)])]
    long_out = next(n for n in names if n.startswith("deep/"))
    assert len(long_out) == 200 and long_out.endswith("x.md")
    assert sorted(n for n in names if n != long_out) == [
        "a/b/c.md",
        "abs/x.md",
        "bad[31mname.md",
        "etc/passwd.md",
        "x.md",
    ]


def zip_with_raw_names(entries: dict[bytes, bytes]) -> bytes:
    """A zip whose member names are the given bytes without the UTF-8 flag, as Linux ``zip`` writes them."""
    placeholders = {b"n%0*d" % (len(raw) - 1, i): raw for i, raw in enumerate(entries)}
    data = make_zip({p.decode(): entries[raw] for p, raw in placeholders.items()})
    for placeholder, raw in placeholders.items():
        assert data.count(placeholder) == 2  # the local header and the central directory
        data = data.replace(placeholder, raw)
    return data


@pytest.mark.parametrize("encoding", ["utf-8", "gb18030"])
def test_zip_member_names_without_the_utf8_flag_are_decoded_as_contents_are(encoding: str) -> None:
    data = zip_with_raw_names(
        {"笔记/linux笔记.md".encode(encoding): "# Linux\n".encode(encoding), b"plain.md": b"# P\n"}
    )
    assert zipfile.ZipFile(io.BytesIO(data)).infolist()[0].filename != "笔记/linux笔记.md"  # cp437 garble
    assert [n.name for n in read_uploads([("notes.zip", data)])] == ["plain.md", "笔记/linux笔记.md"]


def test_a_zip_member_name_in_no_known_encoding_stays_as_zip_reads_it() -> None:
    data = zip_with_raw_names({b"caf\x82.md": b"# C\n"})  # cp437's "café", neither UTF-8 nor GB18030
    assert [n.name for n in read_uploads([("old.zip", data)])] == ["café.md"]


def test_uploaded_file_names_are_sanitised_too() -> None:
    [note] = read_uploads([("C:\\Users\\me\\..\\notes.md", b"# n\n")])
    assert note.name == "Users/me/notes.md"


def test_zip_without_notes_is_refused() -> None:
    error = refused([("photos.zip", make_zip({"a.png": b"\x89PNG", "b/": b"", ".x.md": b"# hidden"}))])
    assert error.status == 415
    assert "photos.zip contains no notes" in error.message


def test_corrupt_zip_is_refused() -> None:
    error = refused([("notes.zip", b"PK\x03\x04 this is not really a zip")])
    assert error.status == 400
    assert "notes.zip is not a valid zip archive" in error.message


def test_truncated_zip_is_refused() -> None:
    data = make_zip({"a.md": b"# A\n" * 100})
    error = refused([("cut.zip", data[: len(data) // 2])])
    assert (error.status, error.message.startswith("cut.zip ")) == (400, True)


def test_encrypted_member_is_refused() -> None:
    """zipfile cannot write encrypted members, so set the "encrypted" flag bit (bit 0) by hand."""
    data = bytearray(make_zip({"secret.md": b"# S\n"}))
    cd = central_header(data)
    flags = struct.unpack_from("<H", data, cd + 8)[0]
    struct.pack_into("<H", data, cd + 8, flags | 0x1)
    struct.pack_into("<H", data, 6, flags | 0x1)  # local header too
    error = refused([("locked.zip", bytes(data))])
    assert error.status == 415
    assert "secret.md (in locked.zip) is encrypted" in error.message


def test_binary_zip_member_is_refused_by_name() -> None:
    error = refused([("n.zip", make_zip({"linux/blob.md": bytes(range(256)) * 4}))])
    assert error.status == 415
    assert error.message.startswith("linux/blob.md (in n.zip): looks like a binary file")


# --------------------------------------------------------------------------- limits


def test_too_large_file_is_refused_naming_it() -> None:
    limits = UploadLimits(max_file_bytes=1000)
    assert read_uploads([("ok.md", b"x" * 1000)], limits)[0].size == 1000
    error = refused([("ok.md", b"x"), ("huge.md", b"x" * 1001)], limits)
    assert error.status == 413
    assert "huge.md is too large" in error.message and "1000 bytes" in error.message


def test_too_large_zip_member_is_refused_naming_it() -> None:
    limits = UploadLimits(max_file_bytes=100 * 1024)
    error = refused([("n.zip", make_zip({"big/notes.md": b"# T\n" + b"0123456789abcdef\n" * 8000}))], limits)
    assert error.status == 413
    assert "big/notes.md (in n.zip) is too large" in error.message and "100 KB" in error.message


def test_too_many_files_is_refused() -> None:
    limits = UploadLimits(max_files=3)
    assert len(read_uploads([(f"{i}.md", b"x") for i in range(3)], limits)) == 3
    error = refused([(f"{i}.md", b"x") for i in range(4)], limits)
    assert (error.status, "at most 3" in error.message) == (413, True)


def test_zip_members_count_towards_the_file_limit() -> None:
    limits = UploadLimits(max_files=3)
    zipped = make_zip({"a.md": b"a", "b.md": b"b", "skip.png": b"p"})
    assert len(read_uploads([("z.zip", zipped), ("c.md", b"c")], limits)) == 3
    error = refused([("z.zip", zipped), ("c.md", b"c"), ("d.md", b"d")], limits)
    assert error.status == 413 and "Too many notes files" in error.message


def test_total_size_limit_spans_all_uploads() -> None:
    limits = UploadLimits(max_file_bytes=600, max_total_bytes=1000)
    error = refused(
        [("a.md", b"a" * 500), ("b.zip", make_zip({"b.md": b"b" * 400})), ("c.md", b"c" * 101)], limits
    )
    assert error.status == 413
    assert "with c.md the notes exceed 1000 bytes in total" in error.message


def zero_bomb(size: int = 5 * MB) -> bytes:
    data = make_zip({"bomb.md": bytes(size)})
    info = zipfile.ZipFile(io.BytesIO(data)).infolist()[0]
    assert info.file_size / info.compress_size > 500  # 5 MB of zeros deflate to ~5 KB
    return data


def test_zip_bomb_is_refused_by_the_ratio_check_before_decompressing(monkeypatch: pytest.MonkeyPatch) -> None:
    data = zero_bomb()

    def no_reading(*args: object, **kwargs: object) -> None:
        raise AssertionError("a member was decompressed before the header checks refused it")

    monkeypatch.setattr(zipfile.ZipFile, "open", no_reading)
    limits = UploadLimits(max_file_bytes=10 * MB, max_total_bytes=10 * MB)  # sizes alone would pass
    error = refused([("bomb.zip", data)], limits)
    assert error.status == 413
    assert "bomb.md (in bomb.zip)" in error.message and "compressed more than 200 times" in error.message


def test_zip_bomb_is_refused_by_declared_size_with_small_limits(monkeypatch: pytest.MonkeyPatch) -> None:
    data = zero_bomb()
    monkeypatch.setattr(zipfile.ZipFile, "open", lambda *a, **k: pytest.fail("decompressed"))
    limits = UploadLimits(max_file_bytes=10 * MB, max_total_bytes=1 * MB, max_compression_ratio=10_000)
    error = refused([("bomb.zip", data)], limits)
    assert error.status == 413 and "exceed 1 MB in total" in error.message


def test_small_repetitive_members_are_not_ratio_checked() -> None:
    """A short file of dashes compresses > 200x, but 64 KiB cannot be a bomb."""
    [note] = read_uploads([("t.zip", make_zip({"rule.md": b"-" * 60_000}))])
    assert note.size == 60_000


def test_header_that_lies_about_the_size_is_not_trusted() -> None:
    """Patch the sizes in a real zip: local header offset 22, central header offset 24.

    CPython's reader stops at the declared size and then fails the CRC check, so
    the bomb comes out as a damaged-zip error rather than being decompressed.
    """
    data = bytearray(zero_bomb())
    struct.pack_into("<I", data, 22, 1000)
    struct.pack_into("<I", data, central_header(data) + 24, 1000)
    assert zipfile.ZipFile(io.BytesIO(bytes(data))).infolist()[0].file_size == 1000
    error = refused([("liar.zip", bytes(data))])
    assert error.status == 400
    assert "bomb.md (in liar.zip) cannot be read" in error.message


class Gusher(io.RawIOBase):
    """A member stream that yields far more than its header declared, counting what was read."""

    def __init__(self, total: int) -> None:
        self.left = total
        self.served = 0

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        n = min(self.left, 64 * 1024 if size < 0 else size)
        self.left -= n
        self.served += n
        return b"a" * n


@pytest.mark.parametrize(
    ("limits", "expected"),
    [
        (UploadLimits(max_file_bytes=1 * MB, max_compression_ratio=10**9), "is too large"),
        (
            UploadLimits(max_file_bytes=10 * MB, max_total_bytes=2 * MB, max_compression_ratio=10**9),
            "in total",
        ),
        (UploadLimits(max_file_bytes=10 * MB), "compressed more than 200 times"),
    ],
)
def test_streaming_caps_stop_a_member_bigger_than_declared(
    monkeypatch: pytest.MonkeyPatch, limits: UploadLimits, expected: str
) -> None:
    """The header declares 1000 bytes (honest for CPython, which enforces it); the
    reader is replaced by one that keeps going, as a laxer zip implementation
    would, to prove our own chunked caps stop it and never read on to the end."""
    data = make_zip({"liar.md": b"# small\n" * 125})
    gusher = Gusher(100 * MB)
    monkeypatch.setattr(zipfile.ZipFile, "open", lambda *a, **k: gusher)
    error = refused([("z.zip", data)], limits)
    assert error.status == 413
    assert "liar.md (in z.zip)" in error.message and expected in error.message
    assert gusher.served <= 2 * MB + 64 * 1024


# --------------------------------------------------------------------------- wrong type / input


def test_binary_markdown_file_is_refused() -> None:
    error = refused([("blob.md", b"\x7fELF\x02\x01\x01\x00" + bytes(100))])
    assert error.status == 415
    assert "blob.md" in error.message and "binary" in error.message


def test_image_is_refused() -> None:
    error = refused([("notes.md", b"# ok\n"), ("photo.png", b"\x89PNG\r\n\x1a\n")])
    assert error.status == 415
    assert error.message.startswith("photo.png is not a Markdown file")


def test_empty_upload_list_is_refused() -> None:
    for files in ([], [("", b"")]):
        error = refused(files)
        assert (error.status, "No files were uploaded" in error.message) == (400, True)


def test_upload_error_is_a_value_error_with_message_and_status() -> None:
    error = UploadError("x.md is bad", 415)
    assert isinstance(error, ValueError)
    assert (str(error), error.message, error.status) == ("x.md is bad", "x.md is bad", 415)
    assert UploadError("plain").status == 400


def test_limits_must_be_positive() -> None:
    with pytest.raises(ValueError, match="max_files"):
        UploadLimits(max_files=0)


# --------------------------------------------------------------------------- duplicates


def test_duplicate_names_stay_distinct_and_result_is_sorted() -> None:
    files = [
        ("notes.md", b"first"),
        ("b.md", b"b"),
        ("notes.md", b"second"),
        ("more.zip", make_zip({"notes.md": b"third", "notes (2).md": b"fourth"})),
    ]
    notes = read_uploads(files)
    assert [(n.name, n.text) for n in notes] == [
        ("b.md", "b"),
        ("notes (2).md", "fourth"),  # a real name is kept; the copies skip it
        ("notes (3).md", "second"),
        ("notes (4).md", "third"),
        ("notes.md", "first"),
    ]
    assert len({n.name for n in notes}) == 5


# --------------------------------------------------------------------------- pasted text


def test_pasted_text() -> None:
    note = read_pasted("# 粘贴\r\n\r\n- a::b\r\n")
    assert note == UploadedNote(
        name="pasted.md", text="# 粘贴\n\n- a::b\n", size=len("# 粘贴\r\n\r\n- a::b\r\n".encode())
    )
    assert read_pasted("x", name="../my notes").name == "my notes.md"


@pytest.mark.parametrize("text", ["", "   \n\t\r\n", "\ufeff"])
def test_nothing_pasted(text: str) -> None:
    with pytest.raises(UploadError) as info:
        read_pasted(text)
    assert (info.value.status, info.value.message.startswith("Nothing pasted")) == (400, True)


def test_pasted_size_is_counted_in_utf8_bytes() -> None:
    limits = UploadLimits(max_file_bytes=1000)
    text = "汉" * 400  # 400 characters, 1200 bytes
    with pytest.raises(UploadError) as info:
        read_pasted(text, limits=limits)
    assert info.value.status == 413 and "pasted text is too large" in info.value.message
    assert read_pasted("汉" * 333, limits=limits).size == 999


# --------------------------------------------------------------------------- property


def valid_zip() -> bytes:
    return make_zip(
        {"a/b.md": b"# B\n- `ls` lists\n" * 20, "c.txt": "中文".encode("gb18030"), "d.png": b"png"}
    )


@st.composite
def damaged_zips(draw: st.DrawFn) -> bytes:
    data = bytearray(valid_zip())
    for _ in range(draw(st.integers(1, 8))):
        data[draw(st.integers(0, len(data) - 1))] = draw(st.integers(0, 255))
    if draw(st.booleans()):
        del data[draw(st.integers(0, len(data))) :]
    return bytes(data)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    data=st.one_of(st.binary(max_size=2048), damaged_zips()),
    name=st.sampled_from(["x.md", "x.zip", "x.txt", "x.bin", ""]),
)
def test_arbitrary_bytes_only_ever_raise_upload_error(data: bytes, name: str) -> None:
    limits = UploadLimits(max_file_bytes=64 * 1024, max_total_bytes=128 * 1024, max_files=5)
    try:
        notes = read_uploads([(name, data)], limits)
    except UploadError as error:
        assert error.status in (400, 413, 415) and error.message
    else:
        assert notes and all(isinstance(n.text, str) and n.size <= 64 * 1024 for n in notes)


@settings(max_examples=200, deadline=None)
@given(raw=st.text(st.characters(codec=None), max_size=300), content=st.binary(max_size=64))
def test_any_client_name_becomes_a_safe_display_name(raw: str, content: bytes) -> None:
    try:
        notes = read_uploads([(raw + ".md", content)])
    except UploadError as error:
        assert error.status in (400, 415)
        return
    [note] = notes
    assert 0 < len(note.name) <= 200 and note.name.lower().endswith(".md")
    assert not note.name.startswith("/") and "\\" not in note.name
    assert ".." not in note.name.split("/")
    assert not any(ord(ch) < 32 or 0x7F <= ord(ch) < 0xA0 or 0xD800 <= ord(ch) < 0xE000 for ch in note.name)


@settings(max_examples=200, deadline=None)
@given(text=st.text(st.characters(codec=None), max_size=200), name=st.text(max_size=30))
def test_any_pasted_text_is_a_note_or_an_upload_error(text: str, name: str) -> None:
    try:
        note = read_pasted(text, name, UploadLimits(max_file_bytes=300))
    except UploadError as error:
        assert error.status in (400, 413, 415)
    else:
        assert note.text.strip() and note.size <= 300 and note.name.endswith(NOTE_SUFFIXES)
