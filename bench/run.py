"""Run every Wengu benchmark and write bench/RESULTS.md (also printed).

Usage:
    .venv/bin/python bench/run.py [--pg] [--quick] [--out bench/RESULTS.md]

Each benchmark measures the app's own code and a bare baseline (the same query in plain SQL, the
plain Markdown parse, genanki with a trivial model) in the same run, and reports both medians
(``time.perf_counter_ns``) and their ratio.  Targets are marked met or missed; a missed target never
fails the run (exit status 0 unless the benchmark machinery itself breaks).

The export with schedule (section ``schedule``) generates a 50,000-card collection with 500,000 review
rows and times ``flask anki export --with-schedule``'s work beside the ``anki`` library exporting the same
cards, scheduling and revlog from its own collection (``export_anki_package`` with scheduling).

The Anki import (section ``anki-import``) builds a 50,000-card package with 500,000 revlog rows
(``bench/ankipkg.py``) and times Wengu importing it (``read_package`` + ``import_anki_package`` + commit,
into a fresh SQLite database, and with ``--pg`` a fresh PostgreSQL one) beside the ``anki`` library
importing the same package with its scheduling into a fresh collection.

``--quick`` is a smoke run of about half a minute on a small collection (5,000 cards, 50,000 log
rows) and a small corpus; ``--pg`` also runs the queue, progress and grade benchmarks on PostgreSQL
(127.0.0.1:5432, a fresh database created and dropped), skipped with a note when it does not answer.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import multiprocessing
import os
import platform
import re
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import traceback
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
for path in (str(ROOT), str(BENCH)):
    if path not in sys.path:
        sys.path.insert(0, path)

import ankipkg  # noqa: E402
import collection  # noqa: E402
import dbbench  # noqa: E402
from extract import build_corpus  # noqa: E402
from timing import Row, fmt_ms, median_ns, run_worker, timed_row  # noqa: E402

from app import create_app  # noqa: E402


@dataclass(frozen=True)
class Sizes:
    cards: int
    logs: int
    queue_reps: int
    progress_reps: int
    page_reps: int
    grade_reps: int
    corpus_mb: float
    corpus_files: int
    parse_reps: int
    import_reps: int
    export_small: int
    export_large: int
    export_reps: int
    anki_reps: int
    schedule_cards: int = 50_000  # the export with schedule: cards and review log rows
    schedule_logs: int = 500_000
    schedule_reps: int = 2
    anki_import_cards: int = 50_000  # the Anki package imported: cards and revlog rows
    anki_import_logs: int = 500_000
    anki_import_reps: int = 2


FULL = Sizes(100_000, 1_000_000, 300, 15, 100, 200, 5.0, 400, 3, 2, 10_000, 50_000, 3, 2)
QUICK = Sizes(
    5_000, 50_000, 50, 5, 20, 30, 0.4, 40, 1, 1, 1_000, 5_000, 1, 1, 5_000, 50_000, 1, 5_000, 50_000, 1
)


class Report:
    def __init__(self) -> None:
        self.rows: list[Row] = []
        self.notes: list[str] = []
        self.plans: list[str] = []
        self.started = time.perf_counter()

    def add(self, *rows: Row) -> None:
        for row in rows:
            self.rows.append(row)
            print(f"  {row.name}: app {row.app}, baseline {row.baseline}, {_ratio(row.ratio)} {row.met_text}")

    def failed(self, section: str, exc: BaseException) -> None:
        print(f"!! {section} failed: {exc}", file=sys.stderr)
        traceback.print_exc()
        self.add(Row(f"{section}: FAILED to run", str(exc).splitlines()[0][:80], "–", None, "–", None))

    def section(self, title: str) -> None:
        print(f"== {title} ({time.perf_counter() - self.started:.0f} s)", flush=True)


def _ratio(ratio: float | None) -> str:
    return "–" if ratio is None else f"{ratio:.2f}×"


def _generate_pair(
    report: Report, urls: dict[str, str], sizes: Sizes, today: date, tmp: Path
) -> dict[str, collection.Collection]:
    """Generate the backlog and caught-up collections in parallel (one process each)."""
    context = multiprocessing.get_context("spawn")
    with concurrent.futures.ProcessPoolExecutor(max_workers=2, mp_context=context) as pool:
        futures = {
            variant: pool.submit(
                collection.generate,
                url,
                variant=variant,
                cards=sizes.cards,
                log_rows=sizes.logs,
                today=today,
                instance=str(tmp / f"generate-{n}"),
            )
            for n, (variant, url) in enumerate(urls.items())
        }
        infos = {variant: future.result() for variant, future in futures.items()}
    for variant, info in infos.items():
        report.notes.append(
            f"{collection_label(info)}: {variant}, {info.cards:,} cards in {info.decks} decks × "
            f"{info.topics // info.decks} topics, {info.log_rows:,} log rows, {info.new_cards:,} new, "
            f"{info.due_now:,} due today; generated in {info.seconds:.1f} s"
        )
    return infos


def _wrk(info: collection.Collection, page: str | None) -> dict[str, float]:
    """bench/serve_load.sh (gunicorn, 2 workers; wrk, 4 connections, 10 s) on the collection."""
    env = {
        **os.environ,
        "LOAD_DATABASE_URL": info.url,
        "LOAD_USER": info.user_name,
        "LOAD_PASSWORD": info.password,
    }
    if page:
        env["PAGE"] = page
    proc = subprocess.run(
        ["bash", str(BENCH / "serve_load.sh")], env=env, capture_output=True, text=True, timeout=180
    )
    if proc.returncode != 0 and "result:" not in proc.stdout:
        raise RuntimeError(f"serve_load.sh failed ({proc.returncode}): {proc.stderr[-2000:]}")
    rps = re.search(r"^Requests/sec:\s+([\d.]+)", proc.stdout, re.M)
    p99 = re.search(r"^\s+99%\s+([\d.]+)(us|ms|s)\b", proc.stdout, re.M)
    p50 = re.search(r"^\s+50%\s+([\d.]+)(us|ms|s)\b", proc.stdout, re.M)
    if not (rps and p99 and p50):
        raise RuntimeError(f"no wrk figures in: {proc.stdout[-2000:]}")
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}
    return {
        "rps": float(rps.group(1)),
        "p99": float(p99.group(1)) * scale[p99.group(2)],
        "p50": float(p50.group(1)) * scale[p50.group(2)],
    }


def serve_benchmark(info: collection.Collection) -> list[Row]:
    """The quiz card page under gunicorn and wrk, beside the same server answering /favicon.ico (a
    redirect: the server's floor for a request through Flask)."""
    # Three rounds, card page and floor in turn, and the median of each figure: one 10 s run on a shared
    # machine can land on a busy moment.
    rounds = [(_wrk(info, None), _wrk(info, "/favicon.ico")) for _ in range(3)]
    card = {key: statistics.median(r[0][key] for r in rounds) for key in ("rps", "p99", "p50")}
    floor = {key: statistics.median(r[1][key] for r in rounds) for key in ("rps", "p99", "p50")}
    met = card["rps"] >= 500 and card["p99"] <= 25
    row = Row(
        "wrk: quiz card page, gunicorn 2 workers (gthread), 4 connections, 3 × 10 s",
        f"{card['rps']:,.0f} requests/s, p50 {card['p50']:.1f} ms, p99 {card['p99']:.1f} ms",
        f"{floor['rps']:,.0f} requests/s, p99 {floor['p99']:.1f} ms (/favicon.ico)",
        floor["rps"] / card["rps"],
        "≥ 500 requests/s, p99 ≤ 25 ms",
        met,
        [
            "wrk runs on the same 2 cores as the server; the collection's logged-in user, its next due card; "
            "medians of 3 rounds: "
            + ", ".join(f"{r[0]['rps']:,.0f}/s p99 {r[0]['p99']:.1f} ms" for r in rounds)
        ],
    )
    return [row]


def _add_labelled(report: Report, label: str, rows: list[Row]) -> None:
    """Add rows named after the database they ran on."""
    for row in rows:
        row.name = f"{label}: {row.name}"
    report.add(*rows)


def _plan(title: str, url: str, diag: dict) -> str:
    """A Markdown block: the statements an app call sent, each with its query plan."""
    return f"### {title}\n\n```\n" + "\n".join(dbbench.explain(url, diag["statements"])) + "\n```"


def collection_label(info: collection.Collection) -> str:
    return "PostgreSQL" if info.url.startswith("postgresql") else "SQLite"


def db_benchmarks(
    report: Report, infos: dict[str, collection.Collection], sizes: Sizes, tmp: Path, *, full_set: bool
) -> None:
    backlog = infos["backlog"]
    label = collection_label(backlog)
    sqlite = label == "SQLite"
    apps = {
        variant: create_app(collection.bench_config(info.url, str(tmp / f"instance-{label}-{variant}")))
        for variant, info in infos.items()
    }
    raws = {variant: dbbench.Raw(info.url) for variant, info in infos.items()}
    limits = (collection.NEW_PER_DAY, collection.REVIEWS_PER_DAY)
    today = backlog.today
    try:
        for variant, info in infos.items():
            try:
                rows, diag = dbbench.queue(
                    apps[variant], raws[variant], info.user_id, today, variant, sizes.queue_reps, limits,
                    max_ms=1 if sqlite else None,
                )  # fmt: skip
                _add_labelled(report, label, rows)
                report.plans.append(
                    _plan(f"{label}: next_card, {variant} (returns {diag['reason']})", info.url, diag)
                )
            except Exception as exc:  # report and go on
                report.failed(f"{label} queue {variant}", exc)
        try:
            rows, diag = dbbench.progress(
                apps["backlog"], raws["backlog"], backlog.user_id, today, sizes.progress_reps
            )
            _add_labelled(report, label, rows)
            report.plans.append(_plan(f"{label}: topic_progress, backlog", backlog.url, diag))
        except Exception as exc:
            report.failed(f"{label} progress", exc)
        if full_set:
            try:
                b = backlog
                rows = dbbench.pages(
                    apps["backlog"],
                    raws["backlog"],
                    b.user_id,
                    b.user_name,
                    b.password,
                    today,
                    sizes.page_reps,
                )
                _add_labelled(report, label, rows)
            except Exception as exc:
                report.failed(f"{label} pages", exc)
            if sqlite and sizes is FULL:
                try:
                    report.add(*serve_benchmark(backlog))
                except Exception as exc:
                    report.failed(f"{label} wrk", exc)
            try:
                row = dbbench.export_cards(
                    apps["backlog"], raws["backlog"], backlog.user_id, 2 if sizes is FULL else 1
                )
                row.name = f"{label}: {row.name}"
                report.add(row)
            except Exception as exc:
                report.failed(f"{label} export_cards", exc)
        try:  # last: it changes the collection
            row, diag = dbbench.grade(
                apps["backlog"],
                raws["backlog"],
                backlog.user_id,
                today,
                sizes.grade_reps,
                max_ms=1 if sqlite else None,
            )
            row.name = f"{label}: {row.name}"
            if sqlite:
                row.notes.append(
                    "WAL, synchronous=FULL (SQLite's default; app.py sets no synchronous pragma)"
                )
            report.add(row)
            report.plans.append(
                f"### {label}: record_grade + commit, the statements\n\n```\n"
                + "\n".join(dbbench._one_line(s) for s, _ in diag["statements"])
                + "\n```"
            )
        except Exception as exc:
            report.failed(f"{label} grade", exc)
    finally:
        for raw in raws.values():
            raw.close()
        for app in apps.values():
            with app.app_context():
                from quiz.models import db

                db.engine.dispose()


def import_benchmark(report: Report, sizes: Sizes, tmp: Path) -> None:
    corpus = tmp / "corpus"
    corpus.mkdir()
    paths = build_corpus(corpus, sizes.corpus_mb, sizes.corpus_files)
    mb = sum(p.stat().st_size for p in paths) / 1_000_000
    # Parse and import take turns, round by round, so that a busy spell on the shared machine falls on
    # both rather than on one side of the ratio.
    parse: dict = {"times": [], "peak_mb": 0.0}
    imp: dict = {"times": [], "peak_mb": 0.0, "cards": 0}
    # Each worker runs twice and keeps its second time: both sides warm (regexes compiled, statements cached).
    for _ in range(max(sizes.parse_reps, sizes.import_reps)):
        one_parse = run_worker("parse", "--corpus", str(corpus), "--reps", "2")
        one_import = run_worker("import", "--corpus", str(corpus), "--reps", "2")
        parse["times"].append(one_parse["times"][-1])
        imp["times"].append(one_import["times"][-1])
        parse["peak_mb"] = max(parse["peak_mb"], one_parse["peak_mb"])
        imp["peak_mb"] = max(imp["peak_mb"], one_import["peak_mb"])
        imp["cards"] = one_import["cards"]
    idle = run_worker("idle")
    row = timed_row(
        f"notes import, {mb:.1f} MB in {len(paths)} files",
        imp["times"],
        parse["times"],
        max_ratio=2.5,
        base_label="markdown-it parse",
    )
    app_s, base_s = median_ns(imp["times"]) / 1e9, median_ns(parse["times"]) / 1e9
    row.app += f" ({mb / app_s:.2f} MB/s)"
    row.baseline += f" ({mb / base_s:.2f} MB/s)"
    row.notes.append(f"{imp['cards']:,} cards imported into a fresh SQLite file, commit included")
    report.add(row)
    report.add(
        Row(
            "notes import: peak RSS (own process)",
            f"{imp['peak_mb']:.0f} MB",
            f"{parse['peak_mb']:.0f} MB (parse only)",
            imp["peak_mb"] / parse["peak_mb"],
            "< 500 MB",
            imp["peak_mb"] < 500,
            [f"an idle interpreter: {idle['peak_mb']:.0f} MB"],
        )
    )


def export_benchmark(report: Report, sizes: Sizes, tmp: Path) -> None:
    packages = {}
    for n in (sizes.export_small, sizes.export_large):
        reps = sizes.export_reps if n == sizes.export_small else 1
        app_out, bare_out = tmp / f"wengu-{n}.apkg", tmp / f"bare-{n}.apkg"
        app = run_worker("export", "--cards", str(n), "--out", str(app_out), "--reps", str(reps))
        bare = run_worker("export", "--cards", str(n), "--out", str(bare_out), "--reps", str(reps), "--bare")
        packages[n] = (app_out, bare_out)
        app_rate = n / (median_ns(app["times"]) / 1e9)
        bare_rate = n / (median_ns(bare["times"]) / 1e9)
        small = n == sizes.export_small
        row = timed_row(f"Anki export, {n:,} cards", app["times"], bare["times"], base_label="bare genanki")
        row.app += f" ({app_rate:,.0f} notes/s)"
        row.baseline = f"{fmt_ms(median_ns(bare['times']))} ({bare_rate:,.0f} notes/s)"
        if small and sizes is FULL:
            row.target, row.met = "≥ 20,000 notes/s", app_rate >= 20_000
        report.add(row)
        report.add(
            Row(
                f"  ↳ .apkg size, {n:,} cards (deflated: ratio)",
                f"{app['size'] / 1e6:.2f} MB → {app['deflated_size'] / 1e6:.2f} MB deflated "
                f"({app['size'] / app['deflated_size']:.1f}:1)",
                f"{bare['size'] / 1e6:.2f} MB → {bare['deflated_size'] / 1e6:.2f} MB "
                f"({bare['size'] / bare['deflated_size']:.1f}:1)",
                app["size"] / bare["size"],
                "report",
                None,
                ["genanki stores the zip entries uncompressed"] if app["stored_uncompressed"] else [],
            )
        )
        if not small:
            report.add(
                Row(
                    f"  ↳ peak RSS, export of {n:,} cards (own process)",
                    f"{app['peak_mb']:.0f} MB",
                    f"{bare['peak_mb']:.0f} MB",
                    app["peak_mb"] / bare["peak_mb"],
                    "< 500 MB",
                    app["peak_mb"] < 500,
                )
            )
    n = sizes.export_small
    app_out, bare_out = packages[n]
    anki_app = run_worker("anki", "--apkg", str(app_out), "--reps", str(sizes.anki_reps))
    anki_bare = run_worker("anki", "--apkg", str(bare_out), "--reps", str(sizes.anki_reps))
    row = timed_row(
        f"Anki import (anki {_anki_version()}) of the {n:,}-card .apkg",
        anki_app["times"],
        anki_bare["times"],
        base_label="bare genanki package",
    )
    row.notes.append(f"{anki_app['new']:,} notes new in a fresh collection; import dialog defaults")
    report.add(row)


def schedule_export_benchmark(report: Report, sizes: Sizes, tmp: Path, today: date) -> None:
    """``flask anki export --with-schedule`` of a generated collection beside the ``anki`` library exporting
    the same cards, scheduling and revlog from its own collection (built beforehand, untimed)."""
    url = f"sqlite:///{tmp / 'schedule.sqlite'}"
    info = collection.generate(url, cards=sizes.schedule_cards, log_rows=sizes.schedule_logs, today=today)
    reps = str(sizes.schedule_reps)
    app = run_worker("export-schedule", "--db", url, "--out", str(tmp / "sched-app.apkg"), "--reps", reps)
    bare = run_worker(
        "export-schedule", "--db", url, "--out", str(tmp / "sched-bare.apkg"), "--reps", reps, "--bare"
    )
    row = timed_row(
        f"Anki export with schedule, {info.cards:,} cards, {info.log_rows:,} review rows",
        app["times"],
        bare["times"],
        base_label=f"anki {_anki_version()} export_anki_package (with scheduling)",
    )
    row.notes.append(
        f"Wengu: from its database, reading included; anki: {bare['revlog']:,} revlog rows in its own "
        f"collection; packages {app['size'] / 1e6:.1f} MB and {bare['size'] / 1e6:.1f} MB"
    )
    report.add(row)
    report.add(
        Row(
            "  ↳ peak RSS, export with schedule (own process)",
            f"{app['peak_mb']:.0f} MB",
            f"{bare['peak_mb']:.0f} MB (building its collection included)",
            app["peak_mb"] / bare["peak_mb"],
            "< 500 MB",
            app["peak_mb"] < 500,
        )
    )
    (tmp / "schedule.sqlite").unlink(missing_ok=True)


def anki_import_benchmark(report: Report, sizes: Sizes, tmp: Path, pg: bool) -> None:
    """Wengu importing an Anki package with its scheduling beside the ``anki`` library importing the same
    package into a fresh collection (``import_anki_package`` with scheduling), each in its own process,
    in turns (a busy spell of the shared machine falls on both sides)."""
    info = ankipkg.build(tmp / "import.apkg", sizes.anki_import_cards, sizes.anki_import_logs)
    apkg = str(info.path)
    report.notes.append(
        f"Anki import: the package (bench/ankipkg.py, schema-11 collection.anki21) holds "
        f"{info.cards:,} cards in {info.decks} top-level decks with subdecks ({info.new:,} new, "
        f"{info.learning:,} learning, {info.review:,} review, {info.suspended:,} of them suspended) and "
        f"{info.revlog:,} revlog rows; "
        f"{info.size / 1e6:.1f} MB, built in {info.seconds:.1f} s"
    )
    apps, bares = [], []
    for _ in range(sizes.anki_import_reps):
        apps.append(run_worker("anki-import", "--apkg", apkg, timeout=900))
        bares.append(run_worker("anki-import", "--apkg", apkg, "--bare", timeout=900))
    app_times = [run["times"][0] for run in apps]
    bare_times = [run["times"][0] for run in bares]
    label = f"anki {_anki_version()} import_anki_package (with scheduling)"
    title = f"Anki package import with scheduling, {info.cards:,} cards, {info.revlog:,} revlog rows"
    row = timed_row(f"SQLite: {title}", app_times, bare_times, max_ratio=2, base_label=label)
    row.notes.append(_anki_import_note(apps[-1], bares[-1], info))
    report.add(row)
    report.add(
        Row(
            "  ↳ peak RSS, Anki package import (own process)",
            f"{max(run['peak_mb'] for run in apps):.0f} MB",
            f"{max(run['peak_mb'] for run in bares):.0f} MB",
            max(run["peak_mb"] for run in apps) / max(run["peak_mb"] for run in bares),
            "report",
            None,
        )
    )
    if not pg:
        return
    problem = collection.pg_available()
    if problem:
        report.notes.append(f"Anki import on PostgreSQL skipped: {problem}")
        return
    url = collection.pg_create_database()
    try:
        run = run_worker("anki-import", "--apkg", apkg, "--db", url, timeout=900)
    finally:
        collection.pg_drop_database(url)
    row = timed_row(f"PostgreSQL: {title}", run["times"], bare_times, max_ratio=2, base_label=label)
    row.notes.append(_anki_import_note(run, bares[-1], info))
    report.add(row)


def _anki_import_note(app: dict, bare: dict, info: ankipkg.AnkiPackageInfo) -> str:
    """What each side stored, and how much of Wengu's time was reading the package."""
    return (
        f"Wengu: {app['cards']:,} cards and {app['revlog']:,} review-log rows in {app['decks']} decks "
        f"({app['skipped']:,} notes skipped), reading the package {fmt_ms(app['read_ns'])} of it; anki: "
        f"{bare['cards']:,} cards, {bare['revlog']:,} revlog rows (the package: {info.cards:,} and "
        f"{info.revlog:,})"
    )


def _anki_version() -> str:
    from importlib.metadata import version

    return version("anki")


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    python = platform.python_version()
    return (
        f"nproc {os.cpu_count()}, {cpu}; Python {python}; SQLite {sqlite3.sqlite_version}; "
        f"{platform.system()} {platform.release()}"
    )


def pg_version(url: str) -> str:
    import sqlalchemy as sa

    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return str(conn.execute(sa.text("SHOW server_version")).scalar())
    finally:
        engine.dispose()


def write_results(report: Report, out: Path, args: argparse.Namespace, extra: list[str]) -> str:
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    missed = [r for r in report.rows if r.met is False]
    lines = [
        "# Wengu benchmarks",
        "",
        f"Written by `{'make bench' if not args.quick else 'bench/run.py --quick'}` (bench/run.py) on {now}, "
        f"in {time.perf_counter() - report.started:.0f} s.",
        "",
        f"Machine: {machine()}{''.join('; ' + e for e in extra)}.",
        "",
        "**The machine is shared and noisy**: every figure is the median of several repetitions, and each "
        "app figure has a baseline measured in the same run; compare the ratios, and read absolute times "
        "across runs with care. A missed target is reported here, it does not fail the build.",
        "",
        "| benchmark | app (median) | baseline (median) | ratio | target | met? |",
        "|---|---|---|---|---|---|",
    ]
    for r in report.rows:
        lines.append(f"| {r.name} | {r.app} | {r.baseline} | {_ratio(r.ratio)} | {r.target} | {r.met_text} |")
    lines += ["", f"**Missed targets: {len(missed)}**" + (":" if missed else "."), ""]
    lines += [f"- {r.name}: {r.app} (target {r.target}; baseline {r.baseline})" for r in missed]
    lines += ["", "## Notes", ""]
    lines += [f"- {n}" for n in report.notes]
    for r in report.rows:
        for n in r.notes:
            lines.append(f"- {r.name}: {n}")
    lines += [
        "- App timings of store functions clear the session's identity map before each call (as a new "
        "request would), inside one open transaction; page timings go through the Flask test client "
        "logged in (whole request: session cookie, user load, queries, template).",
        "- Baselines run on their own connection with the app's SQLite pragmas (WAL, busy_timeout, "
        "foreign_keys); on PostgreSQL through a SQLAlchemy connection with text().",
        "",
        "## Query plans",
        "",
        "The statements each app call sent, with EXPLAIN QUERY PLAN (SQLite) or EXPLAIN (PostgreSQL).",
        "",
    ]
    lines += report.plans
    text = "\n".join(lines) + "\n"
    out.write_text(text, encoding="utf-8")
    return text


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="a ~30 s smoke run on small data")
    ap.add_argument("--pg", action="store_true", help="also run the database benchmarks on PostgreSQL")
    ap.add_argument("--out", default=str(BENCH / "RESULTS.md"))
    ap.add_argument(
        "--only",
        default="sqlite,import,export,schedule,anki-import,pg",
        help="comma-separated sections: sqlite, import, export, schedule, anki-import, pg (default: all)",
    )
    args = ap.parse_args()
    sizes = QUICK if args.quick else FULL
    only = set(args.only.split(","))
    report = Report()
    today = collection.study_day()
    extra: list[str] = []
    with tempfile.TemporaryDirectory(prefix="wengu-bench-") as tmp_name:
        tmp = Path(tmp_name)
        if "sqlite" in only:
            report.section("SQLite: generating the collections")
            try:
                urls = {v: f"sqlite:///{tmp / f'{v}.sqlite'}" for v in ("backlog", "caught-up")}
                infos = _generate_pair(report, urls, sizes, today, tmp)
                report.section("SQLite: queue, progress, pages, export_cards, grade")
                db_benchmarks(report, infos, sizes, tmp, full_set=True)
            except Exception as exc:
                report.failed("SQLite benchmarks", exc)
            for variant in ("backlog", "caught-up"):
                for suffix in ("", "-wal", "-shm"):
                    (tmp / f"{variant}.sqlite{suffix}").unlink(missing_ok=True)
        if "import" in only:
            report.section("notes import")
            try:
                import_benchmark(report, sizes, tmp)
            except Exception as exc:
                report.failed("notes import", exc)
        if "export" in only:
            report.section("Anki export")
            try:
                export_benchmark(report, sizes, tmp)
            except Exception as exc:
                report.failed("Anki export", exc)
        if "schedule" in only:
            report.section("Anki export with schedule")
            try:
                schedule_export_benchmark(report, sizes, tmp, today)
            except Exception as exc:
                report.failed("Anki export with schedule", exc)
        if "anki-import" in only:
            report.section("Anki package import")
            try:
                anki_import_benchmark(report, sizes, tmp, args.pg)
            except Exception as exc:
                report.failed("Anki package import", exc)
        if args.pg and "pg" in only:
            report.section("PostgreSQL")
            problem = collection.pg_available()
            if problem:
                note = f"PostgreSQL at {collection.PG_SERVER_URL} does not answer ({problem}): skipped"
                print(note)
                report.notes.append(note)
                report.add(Row("PostgreSQL benchmarks: skipped (no server)", "–", "–", None, "–", None))
            else:
                urls = {}
                try:
                    for variant in ("backlog", "caught-up"):
                        urls[variant] = collection.pg_create_database()
                    extra.append(f"PostgreSQL {pg_version(urls['backlog'])}")
                    infos = _generate_pair(report, urls, sizes, today, tmp)
                    report.section("PostgreSQL: queue, progress, grade")
                    db_benchmarks(report, infos, sizes, tmp, full_set=False)
                except Exception as exc:
                    report.failed("PostgreSQL benchmarks", exc)
                finally:
                    for url in urls.values():
                        collection.pg_drop_database(url)
    text = write_results(report, Path(args.out), args, extra)
    print()
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
