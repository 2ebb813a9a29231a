"""The command line.

``flask init-db``, ``flask notes preview/import``, ``flask anki export/import``,
``flask users create``, ``flask backup`` and ``flask restore``.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext
from flask_migrate import upgrade
from sqlalchemy import func, select

from quiz import accounts, backup
from quiz.anki_package import AnkiPackageError, read_package
from quiz.models import LOCAL_USER_NAME, Deck, User, db, now_utc
from quiz.notes import CardDraft, NoteError, decode_note, parse_note
from quiz.store.anki_importing import import_anki_package
from quiz.store.days import get_or_create_user
from quiz.store.exporting import ExportOptions, export_package
from quiz.store.importing import import_note_files
from quiz.store.media import MediaReport

notes_cli = AppGroup("notes", help="Preview and import Markdown notes.")
anki_cli = AppGroup("anki", help="Export cards to Anki, import Anki packages.")
users_cli = AppGroup("users", help="Manage accounts.")
USER_OPTION = click.option(
    "--user", "user_name", help="The account to act for (needed when there are several)."
)


def init_app(app: Flask) -> None:
    """Register the commands on the application."""
    app.cli.add_command(init_db_command)
    app.cli.add_command(notes_cli)
    app.cli.add_command(anki_cli)
    app.cli.add_command(users_cli)
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)


def resolve_user(name: str | None) -> User:
    """The account a command acts for: the one named, else the only one there is."""
    if name is not None:
        user = accounts.find_user(db.session, name)
        if user is None:
            raise click.ClickException(f"There is no user called {name!r}.")
        return user
    users = db.session.scalars(select(User).order_by(User.id).limit(2)).all()
    if len(users) > 1:
        raise click.ClickException("There are several users: say which with --user NAME.")
    # A fresh instance: the built-in local user, which the first account takes over on the set-up page.
    return users[0] if users else get_or_create_user(db.session, LOCAL_USER_NAME)


@click.command("init-db")
@click.option("--no-demo", is_flag=True, help="Do not load the demo deck into an empty database.")
@with_appcontext
def init_db_command(no_demo: bool) -> None:
    """Create or upgrade the database in place, never deleting data; load the demo into a fresh one.

    On a fresh instance the demo deck goes to the built-in local user, which the
    first account takes over on the set-up page.
    """
    upgrade(directory=current_app.extensions["migrate"].directory)
    fresh = db.session.scalar(select(func.count()).select_from(Deck)) == 0 and not accounts.has_accounts(
        db.session
    )
    if fresh and not no_demo:
        user = resolve_user(None)
        for result in import_note_files(db.session, user, [current_app.config["DEMO_NOTES"]]):
            click.echo(f"Demo deck loaded: {result.summary}")
    db.session.commit()
    click.echo("Database is up to date.")


@notes_cli.command("preview")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the cards as a JSON array.")
@click.option("--explain", is_flag=True, help='Show the rule that made each card (JSON: a "why" field).')
@click.option(
    "--skipped",
    "only_skipped",
    is_flag=True,
    help="With --json: print the lines not carded (line, text, reason) as a JSON array instead of the cards.",
)
def preview_command(path: Path, as_json: bool, explain: bool, only_skipped: bool) -> None:
    """Print the cards a note yields, and the lines that look like cards but made none, storing nothing."""
    try:
        note = parse_note(decode_note(path.read_bytes(), str(path)))
    except (NoteError, OSError) as exc:
        raise click.ClickException(str(exc)) from exc
    if as_json:
        if only_skipped:
            rows = [dataclasses.asdict(s) for s in note.skipped]
        else:
            rows = [_card_json(c, explain) for c in note.cards]
        click.echo(json.dumps(rows, ensure_ascii=False, indent=1))
        return
    for c in note.cards:
        why = f" ({c.why})" if explain else ""
        click.echo(f"L{c.line} [{c.kind}]{why} {' › '.join(c.topic)}\n  Q: {c.front}\n  A: {c.back}")
    click.echo(f"{len(note.cards)} cards")
    for s in note.skipped:
        click.echo(f"not carded: line {s.line}: {s.text} ({s.reason})")


def _card_json(card: CardDraft, explain: bool) -> dict[str, object]:
    """A card as the preview's JSON shows it: every stored field; "why" only when explaining."""
    out = dataclasses.asdict(card) | {"topic": list(card.topic)}
    if not explain:
        del out["why"]
    return out


@notes_cli.command("import")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@USER_OPTION
@with_appcontext
def import_command(paths: tuple[Path, ...], user_name: str | None) -> None:
    """Import notes files or folders; nothing is stored if any file fails."""
    user = resolve_user(user_name)
    media: list[tuple[str, MediaReport]] = []
    try:
        results = import_note_files(db.session, user, paths, media)
        db.session.commit()
    except NoteError as exc:
        db.session.rollback()
        raise click.ClickException(f"{exc}\nNothing was imported.") from exc
    except Exception:
        db.session.rollback()
        raise
    for result in results:
        click.echo(result.summary)
    for name, report in media:
        if report.stored:
            count = len(report.stored)
            click.echo(f"{name}: {count} image{'' if count == 1 else 's'} kept")
        for image, why in report.refused:
            click.echo(f"{name}: image {image} not kept: {why}")


@anki_cli.command("export")
@click.argument("out", type=click.Path(dir_okay=False, writable=True, path_type=Path))
@USER_OPTION
@click.option(
    "--with-schedule",
    is_flag=True,
    help="Carry each card's SM-2 state and the review log over "
    '(import it with "Import any learning progress").',
)
@click.option(
    "--plain-commands",
    is_flag=True,
    help="Command cards show the command instead of asking to type it.",
)
@with_appcontext
def export_command(out: Path, user_name: str | None, with_schedule: bool, plain_commands: bool) -> None:
    """Write every card to an Anki package (.apkg); re-importing it updates, never duplicates.

    Retired cards go too, suspended and tagged wengu::retired.
    """
    user = resolve_user(user_name)
    options = ExportOptions(with_schedule=with_schedule, typed_commands=not plain_commands)
    count = export_package(db.session, user, out, now_utc(), options)
    if count is None:
        raise click.ClickException("There are no cards to export: import some notes first.")
    db.session.commit()
    click.echo(f"Wrote {count} notes to {out}")


SKIPPED_SHOWN = 10  # reasons printed per deck; the rest are counted


@anki_cli.command("import")
@click.argument("packages", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@USER_OPTION
@with_appcontext
def anki_import_command(packages: tuple[Path, ...], user_name: str | None) -> None:
    """Import Anki packages (.apkg, .colpkg) with their scheduling and review history.

    Each top-level Anki deck becomes a deck, its subdecks topics; importing a newer export of the same
    deck updates it.  Nothing is stored if any package fails.
    """
    user = resolve_user(user_name)
    now = now_utc()
    results = []
    try:
        for path in packages:
            try:
                data = path.read_bytes()
            except OSError as exc:
                raise click.ClickException(
                    f"{path}: cannot be read ({exc.strerror}).\nNothing was imported."
                ) from exc
            try:
                package = read_package(data)
            except AnkiPackageError as exc:
                raise click.ClickException(f"{path}: {exc}\nNothing was imported.") from exc
            results += [(path, result) for result in import_anki_package(db.session, user, package, now)]
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    for path, result in results:
        click.echo(f"{path.name}: {result.summary}")
        for reason in result.skipped[:SKIPPED_SHOWN]:
            click.echo(f"  skipped: {reason}")
        if len(result.skipped) > SKIPPED_SHOWN:
            click.echo(f"  … and {len(result.skipped) - SKIPPED_SHOWN} more skipped")
    if not results:
        click.echo("The packages hold no cards.")


@users_cli.command("create")
@click.argument("name")
@click.option("--password", help="The password (asked for, hidden, when not given).")
@click.option("--admin", is_flag=True, help="Make the account an admin.")
@with_appcontext
def create_user_command(name: str, password: str | None, admin: bool) -> None:
    """Create an account; the first account of an instance becomes admin."""
    if password is None:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        user = accounts.create_user(db.session, name, password, admin=admin)
    except accounts.AccountError as exc:
        raise click.ClickException(str(exc)) from exc
    db.session.commit()
    click.echo(f"Created {user.name}{' (admin)' if user.is_admin else ''}.")


@click.command("backup")
@click.argument("out", type=click.Path(dir_okay=False, writable=True, path_type=Path))
@USER_OPTION
@with_appcontext
def backup_command(out: Path, user_name: str | None) -> None:
    """Write one account's decks, cards, states and review log to a file (gzip JSON)."""
    user = resolve_user(user_name)
    with out.open("wb") as fh:
        size = backup.write_backup(db.session, user, fh)
    click.echo(f"Wrote the backup of {user.name} to {out} ({size} bytes).")


@click.command("restore")
@click.argument("source", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@USER_OPTION
@with_appcontext
def restore_command(source: Path, user_name: str | None) -> None:
    """Load a backup into an account that has no decks yet; nothing is stored if it fails."""
    user = resolve_user(user_name)
    try:
        with source.open("rb") as fh:
            data = backup.read_backup(fh)
        result = backup.restore_user(db.session, data, user)
        db.session.commit()
    except backup.BackupError as exc:
        db.session.rollback()
        raise click.ClickException(f"{exc}\nNothing was restored.") from exc
    click.echo(f"Restored into {user.name}: {result}")
