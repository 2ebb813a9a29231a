"""Importing notes in the browser: upload or paste, preview, untick, import; bad input stores nothing."""

from __future__ import annotations

import gc
import io
import re
import warnings
import zipfile

import pytest
from sqlalchemy import func, select

from quiz.models import Card, Deck, PendingImport, db

GIT = "# Git\n\n## Branches\n\n- `git branch` lists local branches\n- `git switch -c NAME` creates a branch\n"
LINUX_ZH = "# Linux\n\n## 文件\n\n- `ls -la` 列出所有文件\n- `du -sh DIR` 显示目录大小\n"


def upload(client, *files: tuple[str, bytes], pasted: str = "", pasted_name: str = ""):
    data = {"files": [(io.BytesIO(content), name) for name, content in files], "pasted": pasted}
    if pasted_name:
        data["pasted_name"] = pasted_name
    return client.post("/import", data=data, content_type="multipart/form-data")


def stored(app) -> tuple[int, int, int]:
    with app.app_context():
        return tuple(
            db.session.scalar(select(func.count()).select_from(model))
            for model in (Deck, Card, PendingImport)
        )


def zip_of(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def without_tokens(page: str) -> str:
    """A page minus its CSRF tokens: they carry a timestamp, so two loads a second apart differ."""
    return re.sub(r'(name="csrf_token"[^>]*value=|<meta name="csrf-token" content=)"[^"]*"', r"\1\"\"", page)


def form_of(page: str, drop: set[str] = frozenset()) -> dict[str, object]:
    """What the preview form sends as shown: its hidden fields and its ticked cards, minus ``drop``."""
    hidden = re.findall(r'<input type="hidden" name="(note|page)" value="([^"]*)"', page)
    fields: dict[str, object] = dict(hidden)
    fields["keep"] = [k for k in re.findall(r'name="keep" value="([^"]+)" checked', page) if k not in drop]
    return fields


def statuses(page: str) -> list[str]:
    """The status the preview gives each card shown (new, edited, unchanged, restored), in page order."""
    return re.findall(r'<li id="card-[^"]+" class="status-(\w+)"', page)


def counts(page: str) -> str:
    """The preview's counts of what the import will do, as text."""
    found = re.search(r'<p class="preview-counts muted" id="preview-counts">(.*?)</p>', page, re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", found.group(1)).split()) if found else ""


def test_upload_preview_untick_and_import(app, client):
    response = upload(client, ("git.md", GIT.encode()), ("linux.md", LINUX_ZH.encode("gb18030")))
    assert response.status_code == 302
    assert stored(app)[:2] == (0, 0)  # nothing imported before the preview is confirmed
    location = response.headers["Location"]
    page = client.get(location).get_data(as_text=True)
    # One note at a time, with a list of all the notes and their card counts.
    assert "<h3>Git › Branches</h3>" in page and "<h3>Linux › 文件</h3>" not in page
    assert re.search(r'value="1:0" class="link">linux.md</button>\s*<span class="muted small">2 cards', page)
    assert "line 5" in page
    assert len(form_of(page)["keep"]) == 2
    # To the second note (the first one's ticks are kept), untick one of its cards, import.
    second = client.post(location, data={**form_of(page), "goto": "1:0"})
    assert second.status_code == 302
    page = client.get(second.headers["Location"]).get_data(as_text=True)
    assert "<h3>Linux › 文件</h3>" in page and "列出所有文件" in page
    keep = form_of(page)["keep"]
    done = client.post(location, data=form_of(page, drop={keep[0]}), follow_redirects=True)
    report = done.get_data(as_text=True)
    assert done.status_code == 200 and 'class="added">1<' in report and 'class="added">2<' in report
    assert stored(app) == (2, 3, 1)  # the pending import keeps only its report
    # A reload shows it again and imports nothing.
    assert without_tokens(client.get(location).get_data(as_text=True)) == without_tokens(report)
    assert stored(app) == (2, 3, 1)

    # The same file again, changed: its deck is updated in place.
    again = upload(
        client, ("git.md", GIT.replace("lists local branches", "lists the local branches").encode())
    )
    page = client.get(again.headers["Location"]).get_data(as_text=True)
    assert "updates your existing deck" in page
    # Before anything is stored, the preview says what the import will do, card by card.
    assert counts(page) == "0 new · 1 edited · 1 unchanged · 0 retired"
    assert statuses(page) == ["edited", "unchanged"]
    report = client.post(again.headers["Location"], data=form_of(page), follow_redirects=True)
    for counted in ('class="updated">1<', 'class="unchanged">1<', 'class="added">0<'):
        assert counted in report.get_data(as_text=True)
    assert stored(app)[:2] == (2, 3)


def test_zip_of_a_notes_folder(app, client):
    archive = zip_of(
        {"notes/git.md": GIT.encode(), "notes/img/logo.png": b"\x89PNG\r\n", "__MACOSX/._git.md": b"x"}
    )
    response = upload(client, ("notes.zip", archive))
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "notes/git.md" in page and "logo.png" not in page and "__MACOSX" not in page


def test_a_zip_from_linux_zip_with_chinese_names_gives_the_deck_its_chinese_name(app, client):
    from tests.test_uploads import zip_with_raw_names

    archive = zip_with_raw_names({"笔记/linux笔记.md".encode(): LINUX_ZH.encode()})
    response = upload(client, ("notes.zip", archive))
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "笔记/linux笔记.md" in page and "τ¼ö" not in page
    client.post(response.headers["Location"], data=form_of(page))
    with app.app_context():
        assert db.session.scalars(select(Deck.title)).one() == "linux笔记"


def test_the_preview_lists_the_lines_not_carded_with_their_reason_in_the_users_language(app, client):
    note = "# Linux\n\n- `ls -la` 列出所有文件\n- `git branch` 的数量很多\n"
    response = upload(client, pasted=note, pasted_name="linux")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert '<details class="preview-skipped" id="preview-skipped">' in page
    assert "Lines not carded (1)" in page and "line 4" in page and "<code>git branch</code>" in page
    assert "a command the sentence talks about, not one it tells you to run" in page
    zh = client.get(response.headers["Location"], headers={"Accept-Language": "zh-CN,zh;q=0.9"})
    page = zh.get_data(as_text=True)
    assert "未生成卡片的行（1）" in page and "第 4 行" in page and "句子在谈论这条命令" in page
    # a note with nothing skipped shows no list
    clean = upload(client, pasted=GIT, pasted_name="git")
    assert "preview-skipped" not in client.get(clean.headers["Location"]).get_data(as_text=True)


def test_pasted_markdown(app, client):
    response = upload(client, pasted=GIT, pasted_name="from-clipboard")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "from-clipboard.md" in page
    client.post(response.headers["Location"], data=form_of(page))
    with app.app_context():
        assert db.session.scalars(select(Deck.title)).one() == "from-clipboard"


@pytest.mark.parametrize(
    ("files", "pasted", "status", "message"),
    [
        ([], "", 400, "Choose a file or paste"),
        ([("photo.png", b"\x89PNG\r\n\x1a\n")], "", 415, "photo.png is not a Markdown file"),
        ([("binary.md", b"\x00\x01\x02\x03" * 50)], "", 415, "binary.md"),
        ([("big.md", b"# big\n" + b"x" * 3000)], "", 413, "big.md"),
        ([(f"n{i}.md", b"# n\n") for i in range(4)], "", 413, "too many"),
        ([("bomb.zip", zip_of({"bomb.md": b"0" * 2_000_000}))], "", 413, "bomb.md"),
        ([("broken.zip", b"PK\x03\x04garbage")], "", 400, "broken.zip"),
        ([], "x" * 3000, 413, "too large"),
    ],
    ids=["empty", "image", "binary", "too-large", "too-many", "zip-bomb", "corrupt-zip", "paste-too-large"],
)
def test_bad_uploads_get_a_clear_message_and_store_nothing(app, client, files, pasted, status, message):
    app.config.update(UPLOAD_MAX_FILE_BYTES=2000, UPLOAD_MAX_FILES=3)
    response = upload(client, *files, pasted=pasted)
    assert response.status_code == status
    page = response.get_data(as_text=True)
    error = re.search(r'id="upload-error">([^<]+)<', page)
    assert error and message.lower() in error.group(1).lower(), page[-1500:]
    assert stored(app) == (0, 0, 0)


@pytest.mark.parametrize(
    ("files", "message"),
    [
        ([("photo.png", b"\x89PNG\r\n\x1a\n")], "photo.png 不是 Markdown 文件"),
        ([("binary.md", b"\x00\x01\x02\x03" * 50)], "binary.md：看起来是二进制文件"),
        ([("big.md", b"# big\n" + b"x" * 3000)], "big.md 太大了：每个文件最多 2 KB"),
        ([("broken.zip", b"PK\x03\x04garbage")], "broken.zip 不是有效的 zip 压缩包"),
    ],
    ids=["image", "binary", "too-large", "corrupt-zip"],
)
def test_upload_errors_are_in_the_users_language(app, client, files, message):
    app.config.update(UPLOAD_MAX_FILE_BYTES=2000)
    response = client.post(
        "/import",
        data={"files": [(io.BytesIO(content), name) for name, content in files], "pasted": ""},
        content_type="multipart/form-data",
        headers={"Accept-Language": "zh-CN,zh;q=0.9"},
    )
    error = re.search(r'id="upload-error">([^<]+)<', response.get_data(as_text=True))
    assert response.status_code in (400, 413, 415) and error and message in error.group(1), error
    assert stored(app) == (0, 0, 0)


def test_a_request_larger_than_any_upload_is_refused_before_reading(app, client):
    body = b"x" * (app.config["MAX_CONTENT_LENGTH"] + 1)
    with warnings.catch_warnings():
        # Werkzeug leaves the temporary file of the refused body to the garbage collector.
        warnings.simplefilter("ignore", ResourceWarning)
        response = upload(client, ("huge.md", body))
        status = response.status_code
        response.close()
        del response
        gc.collect()
    assert status == 413
    assert stored(app) == (0, 0, 0)


def test_a_failure_in_the_middle_of_an_import_leaves_the_database_as_it_was(app, client, monkeypatch):
    from quiz.store import decks

    first = upload(client, ("a.md", GIT.encode())).headers["Location"]
    client.post(first, data=form_of(client.get(first).get_data(as_text=True)))
    before = stored(app)

    response = upload(
        client, ("a.md", (GIT + "- `git log` shows history\n").encode()), ("b.md", LINUX_ZH.encode())
    )
    pending = response.headers["Location"]
    page = client.get(pending).get_data(as_text=True)
    real_update, real_write = decks._update_deck, decks._write_new_decks
    calls = []

    def updating(*args, **kwargs):
        calls.append(args[3].name)
        return real_update(*args, **kwargs)

    def failing_write(session, user, batch):
        # The first note's deck is already updated (flushed) when the new deck of the second fails.
        calls.extend(item.name for _result, item in batch)
        session.flush()
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(decks, "_update_deck", updating)
    monkeypatch.setattr(decks, "_write_new_decks", failing_write)
    failed = client.post(pending, data=form_of(page), follow_redirects=True)
    assert failed.status_code == 200 and 'id="import-failed"' in failed.get_data(as_text=True)
    assert "Try again" in failed.get_data(as_text=True)
    assert calls == ["a.md", "b.md"]
    # Nothing of the failed import; the pending import is still there, to try again.
    assert stored(app) == (before[0], before[1], before[2] + 1)
    with app.app_context():
        assert "git log" not in {c.back for c in db.session.scalars(select(Card))}

    monkeypatch.setattr(decks, "_write_new_decks", real_write)
    again = client.post(pending + "/retry", follow_redirects=True).get_data(as_text=True)
    assert 'id="import-report"' in again
    with app.app_context():
        assert "git log" in {c.back for c in db.session.scalars(select(Card))}
