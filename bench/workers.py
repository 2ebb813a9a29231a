"""Benchmark steps that run in a fresh interpreter, so that their peak RSS is their own.

Each subcommand prints one JSON line: the nanoseconds of each repetition, ``ru_maxrss`` (peak
resident memory of this process, in MB: VmHWM) and whatever else it measured.  ``bench/run.py`` calls
them; they can be run by hand too:

    .venv/bin/python bench/workers.py parse  --corpus DIR --reps 3
    .venv/bin/python bench/workers.py import --corpus DIR --reps 2
    .venv/bin/python bench/workers.py export --cards 10000 --out x.apkg --reps 3 [--bare]
    .venv/bin/python bench/workers.py anki   --apkg x.apkg --reps 2
    .venv/bin/python bench/workers.py export-schedule --db sqlite:///c.sqlite --out x.apkg [--bare]
    .venv/bin/python bench/workers.py anki-import --apkg x.apkg [--db URL] [--bare]
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

EXPORT_TIMESTAMP = 1_800_000_000.0


def peak_mb() -> float:
    """This process's peak resident memory in MB.

    ``VmHWM`` from /proc: ``ru_maxrss`` would carry over the parent's peak through fork + exec.
    """
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: kilobytes


def parse(args: argparse.Namespace) -> dict:
    """The floor of an import: read, decode and parse every file with markdown-it-py, as bench/extract.py."""
    from markdown_it import MarkdownIt

    paths = sorted(Path(args.corpus).glob("*.md"))
    md = MarkdownIt("commonmark", {"html": False, "maxNesting": 200}).enable("table")
    times = []
    for _ in range(args.reps):
        start = time.perf_counter_ns()
        for path in paths:
            md.parse(path.read_bytes().decode("utf-8"))
        times.append(time.perf_counter_ns() - start)
    return {"times": times, "peak_mb": peak_mb(), "files": len(paths)}


def import_notes(args: argparse.Namespace) -> dict:
    """``quiz.store.import_note_files`` + commit of the folder into a fresh SQLite file, per repetition."""
    from collection import bench_config

    from app import create_app
    from quiz.models import User, db
    from quiz.store.importing import import_note_files

    times, cards = [], 0
    for rep in range(args.reps):
        with tempfile.TemporaryDirectory() as tmp:
            app = create_app(bench_config(f"sqlite:///{tmp}/import-{rep}.sqlite", tmp))
            with app.app_context():
                db.create_all()
                user = User(name="importer", timezone="UTC")
                db.session.add(user)
                db.session.commit()
                user = db.session.get(User, user.id)
                start = time.perf_counter_ns()
                results = import_note_files(db.session, user, [args.corpus])
                db.session.commit()
                times.append(time.perf_counter_ns() - start)
                cards = sum(r.added for r in results)
                db.session.remove()
                db.engine.dispose()
    return {"times": times, "peak_mb": peak_mb(), "cards": cards}


def synthetic_cards(n: int) -> list:
    """``n`` export cards shaped like the generated collection's (10 decks, 20 topics each)."""
    from collection import _texts

    from quiz.export import ExportCard

    cards = []
    per_deck = max(1, n // 10)
    for i in range(n):
        d, position = divmod(i, per_deck)
        chapter, section = divmod(position * 20 // per_deck, 5)
        topic = (f"第{chapter + 1}章 Chapter {chapter + 1}",)
        if section:
            topic += (f"{chapter + 1}.{section} 小节 Section",)
        kind, front, back = _texts(i)
        cards.append(
            ExportCard(
                key=f"k{position:06d}",
                deck_slug=f"deck-{d + 1:02d}",
                kind=kind,
                front=front,
                back=back,
                topic=topic,
                deck_title=f"Deck {d + 1:02d} 笔记",
            )
        )
    return cards


def export(args: argparse.Namespace) -> dict:
    """``quiz.export.write_package`` (or, with --bare, genanki with a trivial model) of N cards."""
    import genanki

    from quiz.export import write_package

    cards = synthetic_cards(args.cards)
    out = Path(args.out)
    times = []
    for _ in range(args.reps):
        out.unlink(missing_ok=True)
        start = time.perf_counter_ns()
        if args.bare:
            model = genanki.Model(
                1607392319,
                "Bare",
                fields=[{"name": "Front"}, {"name": "Back"}],
                templates=[{"name": "Card 1", "qfmt": "{{Front}}", "afmt": "{{FrontSide}}<hr>{{Back}}"}],
            )
            deck = genanki.Deck(2059400110, "Bare")
            for card in cards:
                deck.add_note(genanki.Note(model=model, fields=[card.front, card.back]))
            genanki.Package(deck).write_to_file(str(out), timestamp=EXPORT_TIMESTAMP)
            written = len(cards)
        else:
            written = write_package(cards, out, EXPORT_TIMESTAMP)
        times.append(time.perf_counter_ns() - start)
    deflated = out.with_suffix(".deflated.zip")
    with zipfile.ZipFile(out) as src, zipfile.ZipFile(deflated, "w", zipfile.ZIP_DEFLATED) as dst:
        stored = [info.compress_type for info in src.infolist()]
        for info in src.infolist():
            dst.writestr(info.filename, src.read(info.filename))
    return {
        "times": times,
        "peak_mb": peak_mb(),
        "notes": written,
        "size": out.stat().st_size,
        "deflated_size": deflated.stat().st_size,
        "stored_uncompressed": all(t == zipfile.ZIP_STORED for t in stored),
    }


def anki(args: argparse.Namespace) -> dict:
    """Import a package into a fresh collection with the real ``anki`` library (the dialog's defaults)."""
    from anki.collection import Collection, ImportAnkiPackageOptions, ImportAnkiPackageRequest
    from anki.import_export_pb2 import ImportAnkiPackageUpdateCondition

    if_newer = ImportAnkiPackageUpdateCondition.IMPORT_ANKI_PACKAGE_UPDATE_CONDITION_IF_NEWER
    options = ImportAnkiPackageOptions(
        merge_notetypes=False,
        update_notes=if_newer,
        update_notetypes=if_newer,
        with_scheduling=False,
        with_deck_configs=False,
    )
    times, new = [], 0
    for rep in range(args.reps):
        with tempfile.TemporaryDirectory() as tmp:
            col = Collection(str(Path(tmp) / f"c{rep}.anki2"))
            try:
                request = ImportAnkiPackageRequest(package_path=str(args.apkg), options=options)
                start = time.perf_counter_ns()
                log = col.import_anki_package(request).log
                times.append(time.perf_counter_ns() - start)
                new = len(log.new)
            finally:
                col.close()
    return {"times": times, "peak_mb": peak_mb(), "new": new}


def _export_app(url: str):
    from collection import bench_config

    from app import create_app

    return create_app(bench_config(url, tempfile.mkdtemp(prefix="wengu-bench-instance-")))


def export_schedule(args: argparse.Namespace) -> dict:
    """``flask anki export --with-schedule`` of a generated collection (``bench/collection.py``), or, with
    --bare, the real ``anki`` library exporting the same cards, schedule and revlog from its own collection
    (``Collection.export_anki_package`` with scheduling); that collection is built first, untimed."""
    from datetime import UTC, datetime

    from sqlalchemy import select

    from quiz.models import User, db
    from quiz.store.exporting import ExportOptions, export_cards, export_package

    out = Path(args.out)
    app = _export_app(args.db)
    times: list[int] = []
    with app.app_context():
        session = db.session
        user = session.scalar(select(User))
        now = datetime.now(UTC)
        if not args.bare:
            for _ in range(args.reps):
                out.unlink(missing_ok=True)
                start = time.perf_counter_ns()
                notes = export_package(session, user, out, now, ExportOptions(with_schedule=True))
                times.append(time.perf_counter_ns() - start)
                session.rollback()  # not recorded: every repetition is the same first export
            return {"times": times, "peak_mb": peak_mb(), "notes": notes, "size": out.stat().st_size}
        from quiz.store.days import local_today

        cards = export_cards(session, user, today=local_today(user, now))
    return _bare_schedule_export(cards, out, args.reps, times)


def _bare_schedule_export(cards: list, out: Path, reps: int, times: list[int]) -> dict:
    """The same cards, scheduling and revlog in an ``anki`` collection, then its export timed."""
    from anki.collection import AddNoteRequest, Collection, ExportAnkiPackageOptions

    with tempfile.TemporaryDirectory() as tmp:
        col = Collection(str(Path(tmp) / "bare.anki2"))
        try:
            model = col.models.by_name("Basic")
            deck_ids: dict[str, int] = {}
            requests = []
            for card in cards:
                name = "::".join(card.topic) or card.deck_title
                if name not in deck_ids:
                    deck_ids[name] = col.decks.id(name)
                note = col.new_note(model)
                note.fields[0], note.fields[1] = card.front, card.back
                requests.append(AddNoteRequest(note=note, deck_id=deck_ids[name]))
            col.add_notes(requests)
            card_ids = [cid for (cid,) in col.db.all("select id from cards order by nid, ord")]
            today = col.sched.today
            rows, revlog = [], []
            for cid, card in zip(card_ids, cards, strict=True):
                s = card.schedule
                if s is not None:
                    due = today + s.due_in_days
                    rows.append((s.card_type, s.queue, due, s.interval_days, s.factor, s.reps, s.lapses, cid))
                revlog += [(r.id_ms, cid, -1, r.ease, r.interval, r.last_interval, r.factor, r.time_ms,
                            r.review_type) for r in card.reviews]  # fmt: skip
            col.db.executemany(
                "update cards set type=?, queue=?, due=?, ivl=?, factor=?, reps=?, lapses=? where id=?", rows
            )
            col.db.executemany("insert into revlog values (?,?,?,?,?,?,?,?,?)", revlog)
            options = ExportAnkiPackageOptions(
                with_scheduling=True, with_deck_configs=False, with_media=False, legacy=True
            )
            for _ in range(reps):
                out.unlink(missing_ok=True)
                start = time.perf_counter_ns()
                notes = col.export_anki_package(out_path=str(out), options=options, limit=None)
                times.append(time.perf_counter_ns() - start)
        finally:
            col.close()
    return {"times": times, "peak_mb": peak_mb(), "notes": notes, "size": out.stat().st_size,
            "revlog": len(revlog)}  # fmt: skip


def anki_import(args: argparse.Namespace) -> dict:
    """An Anki package imported with its scheduling: ``read_package`` + ``import_anki_package`` + commit into
    a fresh Wengu database (a new SQLite file, or the empty database ``--db`` names); with --bare, the real
    ``anki`` library's ``import_anki_package`` (with scheduling) into a fresh collection.  Reading the file
    is timed on both sides."""
    if args.bare:
        return _bare_anki_import(Path(args.apkg))
    from datetime import UTC, datetime

    from collection import bench_config
    from sqlalchemy import func, select

    from app import create_app
    from quiz.anki_package import read_package
    from quiz.models import Card, ReviewLog, User, db
    from quiz.store.anki_importing import import_anki_package

    with tempfile.TemporaryDirectory() as tmp:
        url = args.db or f"sqlite:///{tmp}/anki-import.sqlite"
        app = create_app(bench_config(url, tmp))
        with app.app_context():
            db.create_all()
            user = User(name="importer", timezone="UTC")
            db.session.add(user)
            db.session.commit()
            user = db.session.get(User, user.id)
            start = time.perf_counter_ns()
            package = read_package(Path(args.apkg).read_bytes())
            read = time.perf_counter_ns() - start
            results = import_anki_package(db.session, user, package, datetime.now(UTC))
            db.session.commit()
            elapsed = time.perf_counter_ns() - start
            del package
            answer = {
                "times": [elapsed],
                "read_ns": read,
                "peak_mb": peak_mb(),
                "decks": len(results),
                "added": sum(r.added for r in results),
                "reviews": sum(r.reviews for r in results),
                "skipped": sum(len(r.skipped) for r in results),
                "cards": db.session.scalar(select(func.count()).select_from(Card)),
                "revlog": db.session.scalar(select(func.count()).select_from(ReviewLog)),
            }
            db.session.remove()
            db.engine.dispose()
    return answer


def _bare_anki_import(apkg: Path) -> dict:
    from anki.collection import Collection, ImportAnkiPackageOptions, ImportAnkiPackageRequest

    with tempfile.TemporaryDirectory() as tmp:
        col = Collection(str(Path(tmp) / "import.anki2"))
        try:
            options = ImportAnkiPackageOptions(with_scheduling=True)
            request = ImportAnkiPackageRequest(package_path=str(apkg), options=options)
            start = time.perf_counter_ns()
            log = col.import_anki_package(request).log
            elapsed = time.perf_counter_ns() - start
            return {
                "times": [elapsed],
                "peak_mb": peak_mb(),
                "added": len(log.new),
                "cards": col.db.scalar("select count() from cards"),
                "revlog": col.db.scalar("select count() from revlog"),
            }
        finally:
            col.close()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="step", required=True)
    p = sub.add_parser("parse")
    p.add_argument("--corpus", required=True)
    p.add_argument("--reps", type=int, default=3)
    p = sub.add_parser("import")
    p.add_argument("--corpus", required=True)
    p.add_argument("--reps", type=int, default=2)
    p = sub.add_parser("export")
    p.add_argument("--cards", type=int, required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--reps", type=int, default=3)
    p.add_argument("--bare", action="store_true")
    p = sub.add_parser("anki")
    p.add_argument("--apkg", required=True)
    p.add_argument("--reps", type=int, default=2)
    p = sub.add_parser("export-schedule")
    p.add_argument("--db", required=True, help="the URL of a collection made by bench/collection.py")
    p.add_argument("--out", required=True)
    p.add_argument("--reps", type=int, default=1)
    p.add_argument("--bare", action="store_true")
    p = sub.add_parser("anki-import")
    p.add_argument("--apkg", required=True)
    p.add_argument("--db", default="", help="an empty database to import into (default: a new SQLite file)")
    p.add_argument("--bare", action="store_true")
    p = sub.add_parser("idle")  # the interpreter's own footprint, for reference
    args = ap.parse_args()
    steps = {
        "parse": parse,
        "import": import_notes,
        "export": export,
        "anki": anki,
        "export-schedule": export_schedule,
        "anki-import": anki_import,
    }
    result = steps[args.step](args) if args.step in steps else {"times": [], "peak_mb": peak_mb()}
    print(json.dumps(result))


if __name__ == "__main__":
    main()
