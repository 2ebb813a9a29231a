"""Why Wengu parses and renders with markdown-it-py: its speed beside Python-Markdown's, in one run.

Usage: .venv/bin/python bench/markdown_libs.py [--mb 1.0]

The corpus is the demo note repeated with numbered headings until it reaches
the requested size (Chinese text, lists, blockquotes, code spans).  Both
libraries render the same text to HTML; markdown-it-py also parses to tokens,
which is what the extractor uses (every block token carries its source lines;
Python-Markdown offers no source positions at all).  Python-Markdown is needed
only for this comparison: `pip install markdown`.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from markdown_it import MarkdownIt

ROOT = Path(__file__).resolve().parents[1]


def corpus(megabytes: float) -> str:
    sample = (ROOT / "data" / "docker-notes.md").read_text(encoding="utf-8")
    parts, size, n = [], 0, 0
    while size < megabytes * 1_000_000:
        n += 1
        chunk = sample.replace("## ", f"## {n} ", 1)
        parts.append(chunk)
        size += len(chunk.encode("utf-8"))
    return "\n\n".join(parts)


def best_of(fn, repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times), statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--mb", type=float, default=1.0)
    args = ap.parse_args()
    text = corpus(args.mb)
    mb = len(text.encode("utf-8")) / 1_000_000
    mdit = MarkdownIt("commonmark", {"html": False}).enable(["table", "strikethrough"])
    rows = [("markdown-it-py parse (tokens with source lines)", best_of(lambda: mdit.parse(text)))]
    rows.append(("markdown-it-py render to HTML", best_of(lambda: mdit.render(text))))
    try:
        import markdown
    except ImportError:
        markdown = None
    if markdown is not None:
        rows.append(("Python-Markdown render to HTML", best_of(lambda: markdown.markdown(text))))
    base = rows[1][1][0]
    print(f"corpus: {mb:.2f} MB")
    print("| what | best s | median s | MB/s | × markdown-it render |")
    print("|---|---|---|---|---|")
    for name, (best, median) in rows:
        print(f"| {name} | {best:.3f} | {median:.3f} | {mb / best:.2f} | {best / base:.2f} |")


if __name__ == "__main__":
    main()
