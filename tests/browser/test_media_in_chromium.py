"""A note's image in headless Chromium: a zip upload brings it, the card page shows it (decoded, so served
with the right type), and an image the deck does not have shows its alt text and asks the server nothing."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib

import pytest
from sqlalchemy import select

from quiz.models import Card, db

pytestmark = pytest.mark.slow


def tiny_png(width: int = 3, height: int = 2) -> bytes:
    """A real PNG (red pixels), so the browser has something to decode."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    body = chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")
    return b"\x89PNG\r\n\x1a\n" + body


def test_a_zipped_notes_image_shows_on_the_card_page(page, server, tmp_path):
    base, app = server
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(
            "notes/layers.md",
            "# Layers\n\n## Images\n\n"
            "What is a layer? :: A diff ![the layers](img/layers.png)\n"
            "What is gone? :: Nothing ![a lost picture](img/gone.png)\n",
        )
        archive.writestr("notes/img/layers.png", tiny_png())
    upload = tmp_path / "notes.zip"
    upload.write_bytes(buffer.getvalue())
    page.goto(base + "/import")
    page.set_input_files("#upload-form input[type=file]", str(upload))
    with page.expect_navigation():
        page.click("#upload-form button[type=submit]")
    page.wait_for_selector("#preview-form")
    with page.expect_navigation():
        page.click("#confirm-import")
    assert page.locator("#import-report td.images").last.inner_text() == "1"
    with app.app_context():
        shown = db.session.scalar(select(Card.id).where(Card.front == "What is a layer?"))
        lost = db.session.scalar(select(Card.id).where(Card.front == "What is gone?"))
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto(f"{base}/quiz/card/{shown}?show=1")
    image = page.locator("section.back img")
    assert image.get_attribute("alt") == "the layers"
    assert page.evaluate("img => img.complete && img.naturalWidth", image.element_handle()) == 3
    page.goto(f"{base}/quiz/card/{lost}?show=1")
    assert page.locator("section.back img").count() == 0
    assert "a lost picture" in page.locator("section.back").inner_text()
    assert not any("gone.png" in url for url in requests)
