"""A synthetic Anki package for the import benchmark: studied cards and a long review history.

Usage:
    .venv/bin/python bench/ankipkg.py --out bench.apkg [--cards 50000] [--revlog 500000] [--check]

The package is what Anki 2.1 exports with "Include scheduling information": a zip with a schema-11
``collection.anki21`` (SQLite) and an empty ``media`` map.  genanki writes the schema, the ``col`` row,
the decks and the note type (as ``quiz.export`` lets it); the notes, cards and revlog rows go in with one
``executemany`` per table, indexes built afterwards: 50,000 cards and 500,000 revlog rows in a few seconds.

The collection: ``DECKS`` top-level decks, each with its cards in the deck itself and in four subdecks
(``Deck 01 笔记::Chapter 2``); one "Basic" note (two fields, one card) per card, texts in Chinese and
English; a fifth of the cards new (in note order), one in fifty in
learning, the rest review cards (one in a hundred suspended) due from a month ago to a year ahead.
Every studied card has a history in ``revlog``: a learning step, then reviews on distinct earlier days
(one in twelve a lapse), the last one's interval and ease being the card's; the rows add up to
exactly ``revlog`` (at least one per studied card).  ``crt`` is 800 days before the build, so day
numbers and review times are those of a collection in use for two years.

``--check`` imports the package with the real ``anki`` library (``with_scheduling``) into a fresh
collection and prints what arrived: every card, every revlog row, review cards due where they were.
"""

from __future__ import annotations

import argparse
import json
import random
import sqlite3
import sys
import tempfile
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path

BENCH = Path(__file__).resolve().parent
if str(BENCH) not in sys.path:
    sys.path.insert(0, str(BENCH))

DECKS = 5
SUBDECKS = 4
MODEL_ID = 1_607_392_320
DECK_ID_BASE = 1_700_000_000_000
DAY = 86_400
HISTORY_DAYS = 800  # the collection's age: crt lies this many days before the build
DAY_START_HOUR = 4


@dataclass(frozen=True)
class AnkiPackageInfo:
    """What was built."""

    path: Path
    cards: int
    new: int
    learning: int
    review: int
    suspended: int
    revlog: int
    decks: int  # top-level decks
    size: int  # bytes of the .apkg
    seconds: float


def _model() -> object:
    import genanki

    return genanki.Model(
        MODEL_ID,
        "Basic",
        fields=[{"name": "Front"}, {"name": "Back"}],
        templates=[{"name": "Card 1", "qfmt": "{{Front}}", "afmt": "{{FrontSide}}<hr id=answer>{{Back}}"}],
    )


def _deck_names() -> list[tuple[int, str]]:
    """(deck id, full name) of the top-level decks and their subdecks, parents first."""
    names = []
    for d in range(DECKS):
        top = f"Deck {d + 1:02d} 笔记"
        names.append((DECK_ID_BASE + d * 10, top))
        for s in range(SUBDECKS):
            names.append((DECK_ID_BASE + d * 10 + s + 1, f"{top}::Chapter {s + 1}"))
    return names


def _review_counts(studied: list[int], learning: set[int], revlog: int, rng: random.Random) -> dict[int, int]:
    """How many revlog rows each studied card gets: one per learning card, the rest spread over the
    review cards (at least one each), a little uneven as real histories are."""
    reviews = [i for i in studied if i not in learning]
    counts = dict.fromkeys(studied, 1)
    left = revlog - len(studied)
    if left < 0:
        raise ValueError(f"{revlog} revlog rows are fewer than the {len(studied)} studied cards")
    if not reviews:
        return counts
    weights = [rng.uniform(0.5, 1.5) for _ in reviews]
    scale = left / sum(weights)
    extra = [min(int(w * scale), HISTORY_DAYS - 2) for w in weights]
    short = left - sum(extra)
    n = 0
    while short > 0:  # the rounding's remainder, one row at a time, round the cards
        i = n % len(reviews)
        if extra[i] < HISTORY_DAYS - 2:
            extra[i] += 1
            short -= 1
        n += 1
    for i, more in zip(reviews, extra, strict=True):
        counts[i] += more
    return counts


def build(out: Path, cards: int = 50_000, revlog: int = 500_000, *, seed: int = 14, now: int | None = None):
    """Write the package to ``out`` and say what it holds."""
    import genanki

    started = time.perf_counter()
    rng = random.Random(seed)
    now = int(time.time()) if now is None else now
    crt = now - HISTORY_DAYS * DAY - DAY_START_HOUR * 3600
    today = (now - crt) // DAY  # the package's day number of the build's study day
    deck_names = _deck_names()
    per_top = -(-cards // DECKS)
    learning = {i for i in range(cards) if i % 50 == 1}
    new = {i for i in range(cards) if i % 5 == 0}
    studied = [i for i in range(cards) if i not in new]
    counts = _review_counts(studied, learning, revlog, rng)
    note_rows, card_rows, revlog_rows = [], [], []
    model = _model()
    stamp = now - DAY
    suspended = 0
    for i in range(cards):
        top, position = divmod(i, per_top)
        sub = position * (SUBDECKS + 1) // per_top  # 0: the top-level deck itself
        did = DECK_ID_BASE + top * 10 + sub
        front, back = _texts(i)
        note_id = card_id = 1_500_000_000_000 + i * 2
        note_rows.append(
            (note_id, genanki.guid_for("bench", i), MODEL_ID, stamp, -1, " bench ", f"{front}\x1f{back}",
             front, 0, 0, "")
        )  # fmt: skip
        card_id += 1
        if i in new:
            # type, queue, due (the position), ivl, factor, reps, lapses, left
            card = (0, 0, i + 1, 0, 0, 0, 0, 0)
        else:
            history, ivl, factor, lapses = _history(card_id, i, counts[i], i in learning, crt, today, rng)
            revlog_rows += history
            if i in learning:
                card = (1, 1, now + 600, 0, 2500, counts[i], 0, 1001)
            else:
                last_day = (history[-1][0] - 1000 * crt) // (1000 * DAY)
                due = max(last_day + ivl, today - 30)
                queue = 2
                if i % 100 == 7:
                    queue, suspended = -1, suspended + 1
                card = (2, queue, due, ivl, factor, counts[i], lapses, 0)
        ctype, queue, due, ivl, factor, reps, lapses, left = card
        card_rows.append(
            (card_id, note_id, did, 0, stamp, -1, ctype, queue, due, ivl, factor, reps, lapses, left,
             0, 0, 0, "")
        )  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        db_path = Path(tmp) / "collection.anki21"
        conn = sqlite3.connect(db_path)
        try:
            cursor = conn.cursor()
            cursor.execute("PRAGMA synchronous = OFF")
            decks = []
            for deck_id, name in deck_names:
                deck = genanki.Deck(deck_id, name)
                deck.add_model(model)
                decks.append(deck)
            genanki.Package(decks).write_to_db(cursor, float(stamp), iter(range(1, 2)))
            (conf_json,) = cursor.execute("SELECT conf FROM col").fetchone()
            conf = json.loads(conf_json)
            conf.update(rollover=DAY_START_HOUR, schedVer=2)
            cursor.execute("UPDATE col SET crt = ?, conf = ?", (crt, json.dumps(conf)))
            indexes = cursor.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
            ).fetchall()
            for name, _sql in indexes:
                cursor.execute(f'DROP INDEX "{name}"')
            cursor.executemany("INSERT INTO notes VALUES (?,?,?,?,?,?,?,?,?,?,?)", note_rows)
            cursor.executemany("INSERT INTO cards VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", card_rows)
            cursor.executemany("INSERT INTO revlog VALUES (?,?,?,?,?,?,?,?,?)", sorted(revlog_rows))
            for _name, sql in indexes:
                cursor.execute(sql)
            conn.commit()
        finally:
            conn.close()
        out.unlink(missing_ok=True)
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as package:
            package.write(db_path, "collection.anki21")
            package.writestr("media", "{}")
    return AnkiPackageInfo(
        path=out,
        cards=cards,
        new=len(new),
        learning=len(learning),
        review=cards - len(new) - len(learning),
        suspended=suspended,
        revlog=len(revlog_rows),
        decks=min(DECKS, -(-cards // per_top)),
        size=out.stat().st_size,
        seconds=time.perf_counter() - started,
    )


def _texts(i: int) -> tuple[str, str]:
    """A note's front and back (Anki fields hold HTML), in Chinese and English."""
    progs = ("docker", "git", "kubectl", "npm", "tar", "ssh", "grep", "curl")
    objs = ("镜像", "容器", "文件", "分支", "节点", "日志", "依赖包", "服务")
    if i % 2 == 0:
        return f"列出所有{objs[i % 8]}，编号 {i}", f"<code>{progs[i % 8]} ls --filter label=n{i} -a</code>"
    return f"<b>术语 {i}</b> 是什么？ What is <i>term {i}</i>?", f"一种用于{objs[i % 8]}的机制 — a way ({i})."


def _history(
    card_id: int, i: int, count: int, learning: bool, crt: int, today: int, rng: random.Random
) -> tuple[list[tuple[int, ...]], int, int, int]:
    """A studied card's revlog rows (id, cid, usn, ease, ivl, lastIvl, factor, time, type) and its last
    interval, ease and lapses.  Each review on its own day (before today), at a time of day no other card
    of the package uses (the card's number in milliseconds), so ids never collide."""
    days = sorted(rng.sample(range(max(1, today - HISTORY_DAYS + 1), today), count))
    rows = []
    ivl, factor, lapses = 0, 2500, 0
    for n, day in enumerate(days):
        review_id = (crt + day * DAY + 5 * 3600) * 1000 + i
        if n == 0:  # the first learning step: interval in seconds (negative), as Anki logs it
            ease, new_ivl, kind = 3, -600, 0
        elif rng.random() < 1 / 12:
            ease, new_ivl, kind = 1, 1, 1
            lapses += 1
            factor = max(1300, factor - 200)
        else:
            ease = rng.choice((3, 3, 3, 4, 2))
            gap = days[n + 1] - day if n + 1 < len(days) else rng.randint(1, 365)
            new_ivl, kind = max(1, gap), 1
            factor = min(3500, max(1300, factor + {2: -150, 3: 0, 4: 150}[ease]))
        rows.append((review_id, card_id, -1, ease, new_ivl, ivl, 0 if learning else factor,
                     rng.randint(2_000, 20_000), kind))  # fmt: skip
        ivl = new_ivl
    return rows, max(ivl, 1), factor, lapses


def check_with_anki(path: Path) -> dict[str, int]:
    """Import the package with the real ``anki`` library (with scheduling) and count what arrived."""
    from anki.collection import Collection, ImportAnkiPackageOptions, ImportAnkiPackageRequest

    with tempfile.TemporaryDirectory() as tmp:
        col = Collection(str(Path(tmp) / "check.anki2"))
        try:
            options = ImportAnkiPackageOptions(with_scheduling=True, with_deck_configs=False)
            request = ImportAnkiPackageRequest(package_path=str(path), options=options)
            log = col.import_anki_package(request).log
            today = col.sched.today
            return {
                "notes_new": len(log.new),
                "cards": col.db.scalar("select count() from cards"),
                "revlog": col.db.scalar("select count() from revlog"),
                "review": col.db.scalar("select count() from cards where type = 2"),
                "suspended": col.db.scalar("select count() from cards where queue = -1"),
                "due": col.db.scalar(f"select count() from cards where queue = 2 and due <= {today}"),
                "decks": len([d for d in col.decks.all_names_and_ids() if "::" not in d.name]) - 1,
            }
        finally:
            col.close()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", required=True)
    ap.add_argument("--cards", type=int, default=50_000)
    ap.add_argument("--revlog", type=int, default=500_000)
    ap.add_argument("--check", action="store_true", help="import it with the anki library and count")
    args = ap.parse_args()
    info = build(Path(args.out), args.cards, args.revlog)
    print(info)
    if args.check:
        print(check_with_anki(info.path))


if __name__ == "__main__":
    main()
