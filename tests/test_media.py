"""Images in notes: names, types, the store's checks and limits (``quiz.media``, ``quiz.store.media``)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from quiz import limits
from quiz.media import image_references, image_type, media_name, package_name, rewrite_images
from quiz.models import Card, Deck, DeckMedia, db
from quiz.store.days import get_or_create_user
from quiz.store.media import media_bytes, media_for_deck, owned_media, prune_media, save_media

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 40
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 40
GIF = b"GIF89a" + b"\x00" * 20
WEBP = b"RIFF\x10\x00\x00\x00WEBPVP8 " + b"\x00" * 20
SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'


@pytest.mark.parametrize(
    ("data", "mime"),
    [
        (PNG, "image/png"),
        (JPEG, "image/jpeg"),
        (GIF, "image/gif"),
        (WEBP, "image/webp"),
        (SVG, None),
        (b"#!/bin/sh\nrm -rf /", None),
        (b"", None),
        (b"RIFF\x00\x00\x00\x00AVI ", None),
    ],
)
def test_image_type_is_told_by_the_bytes(data, mime):
    assert image_type(data) == mime


@pytest.mark.parametrize(
    ("reference", "name"),
    [
        ("img/a.png", "img/a.png"),
        ("./img//a.png", "img/a.png"),
        ("sub/../a.png", "a.png"),
        ("img/a%20b.png", "img/a b.png"),
        ("<img/a b.png>", "img/a b.png"),
        ("图/层.png", "图/层.png"),
        ("../a.png", "../a.png"),
        ("img/../../a.png", "../a.png"),
        ("../../etc/passwd", "../../etc/passwd"),
        ("%2e%2e/%2e%2e/etc/passwd", "../../etc/passwd"),
        ("..", None),
        ("a/../..", None),
        ("/etc/passwd", None),
        ("\\\\server\\share\\a.png", None),
        ("C:\\x.png", None),
        ("C:/x.png", None),
        ("https://example.com/a.png", None),
        ("//example.com/a.png", None),
        ("data:image/png;base64,AAAA", None),
        ("file:///etc/passwd", None),
        ("a.png?x=1", None),
        ("a%00.png", None),
        ("", None),
        (".", None),
        ("x" * 300 + ".png", None),
    ],
)
def test_media_name_keeps_only_local_relative_files(reference, name):
    assert media_name(reference) == name


def test_image_references_finds_markdown_and_html_images_once_each():
    text = (
        '![a](img/a.png) and ![b](<img/b c.png> "title") ![web](https://x/y.png) ![a again](./img/a.png)\n'
        '<img src="img/d.gif" alt="d"> <IMG SRC=\'../up.png\'> ![abs](/etc/a.png)'
    )
    assert image_references(text) == ["img/a.png", "img/b c.png", "img/d.gif", "../up.png"]


def test_rewrite_images_points_stored_images_and_leaves_alt_text_for_missing_ones():
    stored = {"img/a.png": "/m/1", "img/d.gif": "/m/2"}
    text = (
        '![a *b*](./img/a.png "t") ![gone](img/x.png) ![web](https://x/y.png) <img src="img/d.gif" alt="D">'
    )
    out = rewrite_images(text, stored.get)
    assert out == '![a *b*](</m/1> "t") gone ![web](https://x/y.png) ![D](</m/2>)'
    assert rewrite_images("no images", stored.get) == "no images"
    # An HTML image: its other attributes never survive; one not stored stays text (escaped when rendered).
    assert rewrite_images('<img src="img/d.gif" onerror="alert(1)">', stored.get) == "![](</m/2>)"
    assert rewrite_images("<img src=x onerror=alert(1)>", stored.get) == "<img src=x onerror=alert(1)>"


def test_package_names_are_flat_and_distinct_per_content():
    one = package_name("img/a.png", "0123456789abcdef" * 4)
    assert one == "wengu-0123456789ab-a.png"
    assert "/" not in package_name("a/b/c?.png", "f" * 64)
    assert package_name("x/a.png", "1" * 64) != package_name("y/a.png", "2" * 64)


# --- the store ------------------------------------------------------------------------------------


def make_deck(session, user, name="notes") -> Deck:
    deck = Deck(user_id=user.id, title=name, slug=name, source_path=f"/n/{name}.md", content_hash="x")
    session.add(deck)
    session.flush()
    return deck


def test_save_media_keeps_images_and_reports_what_it_refuses(ctx, user):
    deck = make_deck(ctx, user)
    report = save_media(
        ctx,
        deck,
        {
            "img/a.png": PNG,
            "b.jpg": JPEG,
            "evil.png": b"#!/bin/sh\necho not an image",
            "drawing.svg": SVG,
            "/abs.png": PNG,
            "./a.png": PNG,
        },
    )
    ctx.commit()
    assert sorted(report.stored) == ["b.jpg", "img/a.png"]
    refused = {name: str(why) for name, why in report.refused}
    assert set(refused) == {"evil.png", "drawing.svg", "./a.png", "/abs.png"}
    assert "not a PNG" in refused["evil.png"] and "not a PNG" in refused["drawing.svg"]
    assert "not a stored image name" in refused["/abs.png"]
    media = media_for_deck(ctx, deck.id)
    assert {n: m.mime_type for n, m in media.items()} == {"img/a.png": "image/png", "b.jpg": "image/jpeg"}
    assert media["img/a.png"].size == len(PNG)
    assert media_bytes(ctx, deck.id, {"img/a.png", "missing.png"}) == {"img/a.png": PNG}


def test_save_media_replaces_a_changed_image_and_keeps_an_unchanged_one(ctx, user):
    deck = make_deck(ctx, user)
    save_media(ctx, deck, {"a.png": PNG})
    ctx.commit()
    first = ctx.scalar(select(DeckMedia.id).where(DeckMedia.name == "a.png"))
    report = save_media(ctx, deck, {"a.png": PNG + b"\x01", "b.png": PNG})
    assert report.replaced == ["a.png"] and report.stored == ["a.png", "b.png"]
    assert save_media(ctx, deck, {"a.png": PNG + b"\x01"}).replaced == []
    ctx.commit()
    rows = ctx.execute(select(DeckMedia.id, DeckMedia.size).where(DeckMedia.name == "a.png")).all()
    assert rows == [(first, len(PNG) + 1)]


def test_size_limits_per_file_and_per_deck(ctx, user, monkeypatch):
    deck = make_deck(ctx, user)
    huge = PNG + b"\x00" * limits.MAX_MEDIA_FILE_BYTES
    report = save_media(ctx, deck, {"huge.png": huge})
    assert report.stored == [] and "5 MB" in str(report.refused[0][1])
    monkeypatch.setattr(limits, "MAX_DECK_MEDIA_BYTES", 2 * len(PNG))
    monkeypatch.setattr(limits, "MAX_DECK_MEDIA_FILES", 3)
    report = save_media(ctx, deck, {"1.png": PNG, "2.png": PNG, "3.png": PNG})
    assert report.stored == ["1.png", "2.png"] and [n for n, _ in report.refused] == ["3.png"]
    monkeypatch.setattr(limits, "MAX_DECK_MEDIA_BYTES", 10 * len(PNG))
    report = save_media(ctx, deck, {"3.png": PNG, "4.png": PNG})
    assert report.stored == ["3.png"] and "3 images" in str(report.refused[0][1])


def test_media_belongs_to_its_owner_and_goes_with_the_deck(ctx, user):
    deck = make_deck(ctx, user)
    other = get_or_create_user(ctx, "bob")
    ctx.flush()
    save_media(ctx, deck, {"a.png": PNG})
    ctx.commit()
    media = media_for_deck(ctx, deck.id)["a.png"]
    assert owned_media(ctx, user.id, media.id) == (PNG, "image/png", media.content_hash)
    assert owned_media(ctx, other.id, media.id) is None
    assert owned_media(ctx, user.id, media.id + 1) is None
    ctx.delete(deck)
    ctx.commit()
    assert ctx.scalar(select(db.func.count()).select_from(DeckMedia)) == 0


def test_prune_media_drops_images_nothing_refers_to(ctx, user):
    from quiz.models import Card

    deck = make_deck(ctx, user)
    save_media(ctx, deck, {"kept.png": PNG, "card.png": PNG, "gone.png": PNG})
    ctx.add(
        Card(
            deck_id=deck.id,
            kind="qa",
            front="q",
            back="![x](card.png)",
            key="k",
            line=1,
            position=0,
            retired=True,
        )
    )
    ctx.flush()
    assert prune_media(ctx, deck, "![k](kept.png)") == 1
    assert set(media_for_deck(ctx, deck.id)) == {"kept.png", "card.png"}


# --- reading images at `flask notes import` -----------------------------------------------------


def write_note_with_images(root, body: str, name: str = "docker.md"):
    note = root / name
    note.parent.mkdir(parents=True, exist_ok=True)
    note.write_text("# Docker\n\n## Images\n\n" + body, encoding="utf-8")
    return note


def test_import_keeps_the_images_a_note_refers_to_and_reports_the_others(app, runner, tmp_path):
    root = tmp_path / "notes"
    (root / "img").mkdir(parents=True)
    (root / "img" / "layers.png").write_bytes(PNG)
    (root / "img" / "fake.png").write_bytes(b"MZ\x90\x00 an executable, not an image")
    (root / "img" / "huge.png").write_bytes(PNG + b"\x00" * limits.MAX_MEDIA_FILE_BYTES)
    (tmp_path / "secret.png").write_bytes(PNG)
    (root / "img" / "link.png").symlink_to(tmp_path / "secret.png")
    (root / "img" / "dir.png").mkdir()
    write_note_with_images(
        root,
        "- `docker images` lists images ![layers](img/layers.png)\n"
        "- `docker ps` lists containers ![fake](img/fake.png) ![huge](img/huge.png)\n"
        "- `docker rm ID` removes a container ![up](../secret.png) ![abs](/etc/passwd)\n"
        "- `docker rmi ID` removes an image ![link](img/link.png) ![dir](img/dir.png)\n"
        "- `docker logs ID` shows the logs ![gone](img/missing.png) ![web](https://example.com/a.png)\n"
        "- `docker top ID` shows processes ![pw](../../../../../../etc/passwd)\n",
    )
    result = runner.invoke(args=["notes", "import", str(root)])
    assert result.exit_code == 0, result.output
    out = result.output
    assert "docker.md: 1 image kept" in out
    assert "image img/fake.png not kept: not a PNG, JPEG, GIF or WebP image" in out
    assert "image img/huge.png not kept: larger than 5 MB" in out
    assert "image ../secret.png not kept: outside the folder imported" in out
    assert "image img/link.png not kept: outside the folder imported" in out
    assert "image ../../../../../../etc/passwd not kept: outside the folder imported" in out
    assert "image img/dir.png not kept: not a file" in out
    assert "image img/missing.png not kept: not found" in out
    assert "example.com" not in out and "image /etc/passwd" not in out  # never read, never reported
    with app.app_context():
        deck = db.session.scalars(select(Deck)).one()
        assert set(media_for_deck(db.session, deck.id)) == {"img/layers.png"}
        from quiz.models import Card

        fronts = set(db.session.scalars(select(Card.front)))
        assert "lists images\n\n![layers](img/layers.png)" in fronts


def test_a_single_file_import_reads_images_beside_it_only(app, runner, tmp_path):
    root = tmp_path / "notes"
    (root / "img").mkdir(parents=True)
    (root / "img" / "a.png").write_bytes(PNG)
    (tmp_path / "b.png").write_bytes(PNG)
    text = "Layers: each instruction adds a layer\n\n![a](img/a.png) ![b](../b.png)\n"
    note = write_note_with_images(root, text)
    result = runner.invoke(args=["notes", "import", str(note)])
    assert result.exit_code == 0, result.output
    assert "image ../b.png not kept: outside the folder imported" in result.output
    with app.app_context():
        deck = db.session.scalars(select(Deck)).one()
        assert set(media_for_deck(db.session, deck.id)) == {"img/a.png"}


def test_a_note_in_a_subfolder_may_use_images_of_the_folder_imported(app, runner, tmp_path):
    root = tmp_path / "vault"
    (root / "assets").mkdir(parents=True)
    (root / "assets" / "a.gif").write_bytes(GIF)
    write_note_with_images(root, "Layers: each instruction adds a layer ![a](../assets/a.gif)\n", "sub/d.md")
    result = runner.invoke(args=["notes", "import", str(root)])
    assert result.exit_code == 0, result.output
    with app.app_context():
        deck = db.session.scalars(select(Deck)).one()
        assert set(media_for_deck(db.session, deck.id)) == {"../assets/a.gif"}


def test_reimport_replaces_a_changed_image_and_drops_one_no_longer_used(app, runner, tmp_path):
    root = tmp_path / "notes"
    root.mkdir()
    (root / "a.png").write_bytes(PNG)
    (root / "b.png").write_bytes(JPEG)
    write_note_with_images(root, "Layers: each instruction adds a layer ![a](a.png) ![b](b.png)\n")
    assert runner.invoke(args=["notes", "import", str(root)]).exit_code == 0
    (root / "a.png").write_bytes(GIF)
    write_note_with_images(root, "Layers: each instruction adds a layer ![a](a.png)\n")
    assert runner.invoke(args=["notes", "import", str(root)]).exit_code == 0
    with app.app_context():
        deck = db.session.scalars(select(Deck)).one()
        media = media_for_deck(db.session, deck.id)
        assert {n: m.mime_type for n, m in media.items()} == {"a.png": "image/gif"}


def test_an_image_whose_bytes_change_marks_the_cards_showing_it_changed(app, runner, tmp_path):
    """The Anki export names an image by its content, so a card showing a changed image must reach
    Anki as a changed note; the card beside it, with no image, stays as it was."""
    root = tmp_path / "notes"
    root.mkdir()
    (root / "a.png").write_bytes(PNG)
    body = "Layers: each instruction adds a layer ![a](a.png)\n\nVolume: data kept outside the container\n"
    write_note_with_images(root, body)
    assert runner.invoke(args=["notes", "import", str(root)]).exit_code == 0

    def changed() -> dict[str, object]:
        with app.app_context():
            return {front: at for front, at in db.session.execute(select(Card.front, Card.changed_at))}

    before = changed()
    assert len(before) == 2
    assert runner.invoke(args=["notes", "import", str(root)]).exit_code == 0
    assert changed() == before  # nothing changed: nothing marked
    (root / "a.png").write_bytes(GIF)
    assert runner.invoke(args=["notes", "import", str(root)]).exit_code == 0
    after = changed()
    moved = {front for front in before if after[front] != before[front]}
    (showing,) = moved
    with app.app_context():
        card = db.session.scalars(select(Card).where(Card.front == showing)).one()
        assert "a.png" in card.front + card.back
        assert after[showing] > before[showing]


# --- the parser keeps a note's local images with their cards ----------------------------------------


def test_images_go_with_the_card_of_their_line_or_the_one_just_above():
    from quiz.notes import parse_note

    note = parse_note(
        "# Docker\n\n## Images\n\n"
        "- `docker images` lists images ![diagram](img/layers.png)\n"
        "- Layers: each instruction adds a layer\n\n"
        "![arch](./img/arch.png) ![web](https://example.com/x.png)\n\n"
        'What is a layer? :: A diff <img src="img/z.png" alt="z">\n\n'
        "```\n![in code](img/code.png)\n```\n\n"
        "## Other\n\n![far](img/far.png)\n"
    )
    by_front = {c.front.split("\n")[0]: c for c in note.cards}
    assert by_front["lists images"].front == "lists images\n\n![diagram](img/layers.png)"
    assert by_front["lists images"].back == "docker images"  # the command to type stays bare
    assert by_front["Layers"].back == "each instruction adds a layer\n\n![arch](./img/arch.png)"
    assert by_front["What is a layer?"].back == 'A diff <img src="img/z.png" alt="z">'  # shown once
    assert not any("code.png" in c.back or "far.png" in c.back for c in note.cards)
    plain = parse_note(
        "# Docker\n\n## Images\n\n- `docker images` lists images\n- Layers: each instruction adds a layer\n"
    )
    assert [c.key for c in plain.cards] == [c.key for c in note.cards[:2]]  # an image never changes a key
    (cloze,) = parse_note("# T\n\n## S\n\nDocker uses ==layers== for images ![l](img/l.png)\n").cards
    assert (cloze.front, cloze.back) == (  # alike but for the blank, as the Anki export's cloze needs
        "Docker uses [...] for images\n\n![l](img/l.png)",
        "Docker uses layers for images\n\n![l](img/l.png)",
    )


# --- showing them ---------------------------------------------------------------------------------


def test_render_markdown_points_images_where_it_is_told_and_shows_alt_text_otherwise():
    from quiz.render import render_markdown

    text = "A diff ![layers *1*](img/a.png) ![gone](img/x.png) ![web](https://example.com/y.png)"
    html = render_markdown(text, {"img/a.png": "/media/1/abc"}.get)
    assert '<img src="/media/1/abc" alt="layers 1" />' in html
    assert "gone" in html and "img/x.png" not in html
    assert 'src="https://example.com/y.png"' in html  # a URL is the renderer's business, as before
    assert render_markdown("![a](img/a.png)") == '<p><img src="img/a.png" alt="a" /></p>'  # as written


def import_for(app, runner, tmp_path, name="alice"):
    root = tmp_path / f"notes-{name}"
    (root / "img").mkdir(parents=True)
    (root / "img" / "layers.png").write_bytes(PNG)
    write_note_with_images(
        root, "What is a layer? :: A diff ![layers](img/layers.png) ![gone](img/missing.png)\n"
    )
    result = runner.invoke(args=["notes", "import", "--user", name, str(root)])
    assert result.exit_code == 0, result.output
    with app.app_context():
        from quiz.models import Card

        return db.session.scalars(select(Card.id)).all()[-1]


def test_card_pages_show_the_deck_images_to_their_owner_only(app, client, runner, tmp_path):
    import re

    from tests.conftest import log_in

    card_id = import_for(app, runner, tmp_path)
    for page in (f"/quiz/card/{card_id}?show=1", f"/cards/{card_id}"):
        html = client.get(page).get_data(as_text=True)
        sources = re.findall(r'<img src="([^"]+)"', html)
        assert len(sources) == 1 and sources[0].startswith("/media/"), html
        assert 'src="img/missing.png"' not in html and "A diff" in html  # alt text, no request
    response = client.get(sources[0])
    assert response.status_code == 200 and response.data == PNG
    assert response.headers["Content-Type"] == "image/png"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "immutable" in response.headers["Cache-Control"] and "private" in response.headers["Cache-Control"]
    assert "sandbox" in response.headers["Content-Security-Policy"]
    assert client.get(sources[0], headers={"If-None-Match": response.headers["ETag"]}).status_code == 304
    media_id = sources[0].split("/")[2]
    assert client.get(f"/media/{media_id}/{'0' * 16}").status_code == 404  # another version's address
    assert client.get(f"/media/{int(media_id) + 1}/{sources[0].split('/')[3]}").status_code == 404
    assert client.get("/media/99999999999999/x").status_code == 404
    bob = log_in(app, "bob")
    assert bob.get(sources[0]).status_code == 404
    assert app.test_client().get(sources[0]).status_code == 302  # not logged in: to the login page


# --- the Anki export ------------------------------------------------------------------------------


def test_export_media_gives_each_image_a_flat_package_name_and_rewrites_the_cards(ctx, user):
    from quiz.export import ExportCard
    from quiz.media import content_hash
    from quiz.store.media import export_media

    one, two = make_deck(ctx, user, "one"), make_deck(ctx, user, "two")
    make_deck(ctx, user, "three")
    save_media(ctx, one, {"img/a.png": PNG, "img/same.gif": GIF})
    save_media(ctx, two, {"img/a.png": JPEG, "pics/same.gif": GIF})
    ctx.commit()

    def card(key: str, slug: str, kind: str, front: str, back: str) -> ExportCard:
        return ExportCard(key, slug, kind, front, back, (), slug)

    cards = [
        card("k1", "one", "qa", "Q ![q](img/a.png)", "A ![gone](img/none.png) ![s](img/same.gif)"),
        card("k2", "two", "concept", "T", "![a](./img/a.png) <img src='pics/same.gif' alt='s2'>"),
        card("k3", "two", "command", "lists ![a](img/a.png)", "ls ![x](img/a.png)"),
        card("k4", "three", "qa", "plain", "text"),
        card("k5", "nowhere", "qa", "![a](img/a.png)", "b"),
    ]
    out, files = export_media(ctx, user, cards)
    a1 = f"wengu-{content_hash(PNG)[:12]}-a.png"
    a2 = f"wengu-{content_hash(JPEG)[:12]}-a.png"
    same = f"wengu-{content_hash(GIF)[:12]}-same.gif"
    assert files == {a1: PNG, a2: JPEG, same: GIF}  # the same picture in two decks is one file
    assert out[0].front == f"Q ![q](<{a1}>)"
    assert out[0].back == f"A gone ![s](<{same}>)"
    assert out[1].back == f"![a](<{a2}>) ![s2](<{same}>)"
    assert out[2].front == f"lists ![a](<{a2}>)"
    assert out[2].back == "ls ![x](img/a.png)"  # the command to type is left as it is
    assert out[3] is cards[3]
    assert out[4].front == "a"  # no deck, no image: its alt text
    assert export_media(ctx, user, [cards[3]]) == ([cards[3]], {})


# --- a browser upload ---------------------------------------------------------------------------------


def test_a_zip_upload_brings_the_images_beside_its_notes(app, client):
    import re

    from tests.test_import_web import form_of, upload, zip_of

    note = (
        "# Docker\n\n## Images\n\n"
        "What is a layer? :: A diff ![layers](img/layers.png)\n"
        "What is an image? :: Layers ![shared](../shared.png) ![fake](img/fake.png) ![none](img/none.png)\n"
    )
    archive = zip_of(
        {
            "notes/docker.md": note.encode(),
            "notes/img/layers.png": PNG,
            "notes/img/fake.png": b"<svg onload=alert(1)>",
            "shared.png": GIF,
            "notes/img/unused.png": JPEG,
        }
    )
    response = upload(client, ("notes.zip", archive))
    assert response.status_code == 302, response.get_data(as_text=True)
    location = response.headers["Location"]
    page = client.get(location).get_data(as_text=True)
    assert "<img" not in page  # the preview shows alt text: nothing is stored yet
    done = client.post(location, data=form_of(page), follow_redirects=True)
    report = done.get_data(as_text=True)
    assert done.status_code == 200 and 'class="images">2<' in report, report
    assert "img/fake.png" in report and "img/none.png" in report  # not in the upload (as an image)
    with app.app_context():
        deck = db.session.scalars(select(Deck)).one()
        assert set(media_for_deck(db.session, deck.id)) == {"img/layers.png", "../shared.png"}
        from quiz.models import Card, PendingImportMedia

        assert db.session.scalar(select(db.func.count()).select_from(PendingImportMedia)) == 0
        card_id = db.session.scalar(select(Card.id).where(Card.front == "What is a layer?"))
    html = client.get(f"/quiz/card/{card_id}?show=1").get_data(as_text=True)
    (source,) = re.findall(r'<img src="(/media/[^"]+)"', html)
    assert client.get(source).data == PNG


def test_a_single_markdown_upload_has_no_images_and_shows_their_alt_text(app, client):
    from tests.test_import_web import form_of, upload

    note = "# Docker\n\n## Images\n\nWhat is a layer? :: A diff ![layers](img/layers.png)\n"
    response = upload(client, ("docker.md", note.encode()))
    location = response.headers["Location"]
    page = client.get(location).get_data(as_text=True)
    report = client.post(location, data=form_of(page), follow_redirects=True).get_data(as_text=True)
    assert 'class="images">0<' in report and "img/layers.png" in report
    with app.app_context():
        from quiz.models import Card

        card_id = db.session.scalar(select(Card.id))
    html = client.get(f"/quiz/card/{card_id}?show=1").get_data(as_text=True)
    assert "<img" not in html and "layers" in html


# --- backups ------------------------------------------------------------------------------------------


def test_a_backup_carries_the_images_and_restore_checks_them(app, client, runner, tmp_path):
    import base64
    import copy

    from quiz.backup import BackupError, dump_user, restore_user
    from quiz.models import User

    import_for(app, runner, tmp_path)
    with app.app_context():
        alice = db.session.scalars(select(User).where(User.name == "alice")).one()
        data = dump_user(db.session, alice)
        assert data["decks"][0]["media"] == [
            {"name": "img/layers.png", "data": base64.b64encode(PNG).decode("ascii")}
        ]
        # Every column is in the file or follows from it (hash, size, type from the bytes; the time: the
        # restore's); a column added to DeckMedia must be added to the backup or here, on purpose.
        derived = {"id", "deck_id", "content_hash", "size", "mime_type", "added_at"}
        assert {column.key for column in DeckMedia.__table__.columns} - derived == {"name", "content"}
        carol = get_or_create_user(db.session, "carol")
        restore_user(db.session, copy.deepcopy(data), carol)
        db.session.commit()
        deck = db.session.scalars(select(Deck).where(Deck.user_id == carol.id)).one()
        assert media_bytes(db.session, deck.id, {"img/layers.png"}) == {"img/layers.png": PNG}
        for mutate, message in [
            (lambda m: m.update(data=base64.b64encode(b"#!/bin/sh").decode()), "not a PNG"),
            (lambda m: m.update(data="not base64!"), "not base64"),
            (lambda m: m.update(name="/etc/passwd"), "not a stored image name"),
            (lambda m: m.update(name="./img/layers.png"), "not a stored image name"),
        ]:
            bad = copy.deepcopy(data)
            mutate(bad["decks"][0]["media"][0])
            dave = get_or_create_user(db.session, "dave")
            with pytest.raises(BackupError, match=message):
                restore_user(db.session, bad, dave)
            db.session.rollback()
        twice = copy.deepcopy(data)
        twice["decks"][0]["media"] *= 2
        with pytest.raises(BackupError, match="appears twice"):
            restore_user(db.session, twice, get_or_create_user(db.session, "erin"))
        db.session.rollback()
        old = copy.deepcopy(data)
        del old["decks"][0]["media"]  # a backup from before images were kept
        frank = get_or_create_user(db.session, "frank")
        restore_user(db.session, old, frank)
        deck = db.session.scalars(select(Deck).where(Deck.user_id == frank.id)).one()
        assert media_for_deck(db.session, deck.id) == {}


def test_read_uploads_gives_a_zips_images_within_their_caps(monkeypatch):
    from quiz.uploads import UploadedImage, read_uploads
    from tests.test_import_web import zip_of

    archive = zip_of(
        {
            "n/docker.md": b"# D\n\n![a](img/a.png)\n",
            "n/img/a.png": PNG,
            "n/img/bomb.png": PNG + b"\x00" * (limits.MAX_MEDIA_FILE_BYTES + 1),  # compresses to a few KB
            "n/img/fake.png": b"MZ not an image",
            "n/img/b.webp": WEBP,
            "n/.hidden/c.png": PNG,
            "__MACOSX/n/img/._a.png": PNG,
            "../../etc/evil.png": PNG,
        }
    )
    images: list[UploadedImage] = []
    notes = read_uploads([("n.zip", archive)], images=images)
    assert [n.name for n in notes] == ["n/docker.md"]
    assert sorted((i.name, i.data) for i in images) == [
        ("etc/evil.png", PNG),  # made relative, as notes are: a path in the zip, never on disk
        ("n/img/a.png", PNG),
        ("n/img/b.webp", WEBP),
    ]
    assert read_uploads([("n.zip", archive)]) == notes  # without the list, images are skipped as before
    monkeypatch.setattr(limits, "MAX_DECK_MEDIA_FILES", 1)
    images = []
    read_uploads([("n.zip", archive)], images=images)
    assert len(images) == 1
