"""Command-line interface: ``flask init-db``, ``flask notes preview/import``, ``flask anki export``."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext
from flask_migrate import upgrade
from sqlalchemy import func, select

from quiz import store
from quiz.export import write_package
from quiz.models import LOCAL_USER_NAME, Deck, db, now_utc
from quiz.notes import NoteError, decode_note, parse_note

notes_cli = AppGroup("notes", help="Preview and import Markdown notes.")
anki_cli = AppGroup("anki", help="Export cards to Anki.")


def init_app(app: Flask) -> None:
    """Register the commands on the application."""
    app.cli.add_command(init_db_command)
    app.cli.add_command(notes_cli)
    app.cli.add_command(anki_cli)


@click.command("init-db")
@click.option("--no-demo", is_flag=True, help="Do not load the demo deck into an empty database.")
@with_appcontext
def init_db_command(no_demo: bool) -> None:
    """Create or upgrade the database in place, never deleting data; load the demo into an empty one."""
    upgrade(directory=current_app.extensions["migrate"].directory)
    user = store.get_or_create_user(db.session, LOCAL_USER_NAME)
    has_decks = db.session.scalar(select(func.count()).select_from(Deck)) > 0
    if not has_decks and not no_demo:
        for result in store.import_note_files(db.session, user, [current_app.config["DEMO_NOTES"]]):
            click.echo(f"Demo deck loaded: {result.summary}")
    db.session.commit()
    click.echo("Database is up to date.")


@notes_cli.command("preview")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the cards as a JSON array.")
def preview_command(path: Path, as_json: bool) -> None:
    """Print the cards a note yields, without storing anything."""
    try:
        note = parse_note(decode_note(path.read_bytes(), str(path)))
    except (NoteError, OSError) as exc:
        raise click.ClickException(str(exc)) from exc
    if as_json:
        cards = [dataclasses.asdict(c) | {"topic": list(c.topic)} for c in note.cards]
        click.echo(json.dumps(cards, ensure_ascii=False, indent=1))
        return
    for c in note.cards:
        click.echo(f"L{c.line} [{c.kind}] {' › '.join(c.topic)}\n  Q: {c.front}\n  A: {c.back}")
    click.echo(f"{len(note.cards)} cards")


@notes_cli.command("import")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@with_appcontext
def import_command(paths: tuple[Path, ...]) -> None:
    """Import notes files or folders; nothing is stored if any file fails."""
    user = store.get_or_create_user(db.session, LOCAL_USER_NAME)
    try:
        results = store.import_note_files(db.session, user, paths)
        db.session.commit()
    except NoteError as exc:
        db.session.rollback()
        raise click.ClickException(f"{exc}\nNothing was imported.") from exc
    except Exception:
        db.session.rollback()
        raise
    for result in results:
        click.echo(result.summary)


@anki_cli.command("export")
@click.argument("out", type=click.Path(dir_okay=False, writable=True, path_type=Path))
@with_appcontext
def export_command(out: Path) -> None:
    """Write every active card to an Anki package (.apkg); re-importing it updates, never duplicates."""
    user = store.get_or_create_user(db.session, LOCAL_USER_NAME)
    cards = store.export_cards(db.session, user)
    if not cards:
        raise click.ClickException("There are no cards to export: import some notes first.")
    timestamp = store.next_export_timestamp(db.session, user, now_utc())
    count = write_package(cards, out, timestamp)
    store.record_export(db.session, user, timestamp, count)
    db.session.commit()
    click.echo(f"Wrote {count} notes to {out}")
