"""Card extraction speed beside the raw Markdown parse of the same corpus, measured in one run.

Usage: .venv/bin/python bench/extract.py [--mb 5] [--files 400] [--repeat 3]

The corpus is generated: many notes files in Chinese and English built from
varied templates (command lists, blockquotes under list items, code blocks with
prompts and comments, tables, definitions, problem/solution pairs, long lines,
deep nesting), with numbers changed so no two files are the same.  It is written
to a temporary folder and read back like real notes.  Reported: MB/s of the raw
markdown-it-py parse (the floor: what any extractor must pay), MB/s of
``parse_note`` (decode + parse + extraction), and their ratio.  Target: ratio <= 3.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from markdown_it import MarkdownIt  # noqa: E402

from quiz.notes import decode_note, parse_note  # noqa: E402

PROGRAMS = ["git", "docker", "kubectl", "npm", "pip", "tar", "ls", "grep", "systemctl", "ssh", "curl", "find"]
SUBS = ["status", "log", "ls", "rm", "add", "get", "show", "list", "push", "pull", "run", "inspect"]
FLAGS = ["-a", "-q", "--all", "-f name", "--format json", "-n 10", "-rf", "--force", "-it", "-p 8080:80"]
ZH = ["列出所有", "显示详细信息", "删除指定的", "查看当前状态", "更新本地缓存", "获取远程数据", "清理无用的"]
ZH_OBJ = ["镜像", "容器", "文件", "分支", "节点", "日志", "依赖包", "服务"]
EN = ["list all", "show details of", "remove the given", "print the status of", "fetch", "clean up unused"]
EN_OBJ = ["images", "containers", "files", "branches", "nodes", "logs", "packages", "services"]


def command(rng: random.Random) -> str:
    return " ".join([rng.choice(PROGRAMS), rng.choice(SUBS), *rng.sample(FLAGS, rng.randint(0, 2))])


def zh(rng: random.Random) -> str:
    return rng.choice(ZH) + rng.choice(ZH_OBJ)


def en(rng: random.Random) -> str:
    return rng.choice(EN) + " " + rng.choice(EN_OBJ)


def section(rng: random.Random, n: int) -> str:
    style = n % 8
    if style == 0:
        items = "\n".join(f"- `{command(rng)}` {zh(rng)}" for _ in range(8))
        return f"## 常用命令 {n}\n\n{items}\n"
    if style == 1:
        items = "\n\n".join(
            f"{i}. {zh(rng)}\n\n\t> `{command(rng)}` {zh(rng)}，{zh(rng)}\n\t> {command(rng)} {zh(rng)}"
            for i in range(1, 6)
        )
        return f"### 操作 {n}\n\n{items}\n"
    if style == 2:
        lines = "\n".join(f"# {en(rng)}\n$ {command(rng)}" for _ in range(6))
        return f"## Commands {n}\n\nRun these in a shell:\n\n```bash\n{lines}\n```\n"
    if style == 3:
        rows = "\n".join(f"| `{command(rng)}` | {zh(rng)} |" for _ in range(8))
        return f"## 命令表 {n}\n\n| 命令 | 说明 |\n|---|---|\n{rows}\n"
    if style == 4:
        items = "\n".join(
            f"+ {rng.choice(ZH_OBJ)}{n}{i} 是{zh(rng)}的一种机制，用于{zh(rng)}。" for i in range(6)
        )
        items += "\n" + "\n".join(f"- **Term{n}x{i}** — a way to {en(rng)}" for i in range(4))
        return f"### 概念 {n}\n\n{items}\n"
    if style == 5:
        items = "\n\n".join(
            f"{i}. {zh(rng)}失败\n\n     > 这是因为{zh(rng)}，先{zh(rng)}即可" for i in range(1, 5)
        )
        return f"### 常见问题 {n}\n\n{items}\n"
    if style == 6:
        long = "，".join(zh(rng) for _ in range(200))
        deep = "".join("  " * d + f"- {en(rng)} `{command(rng)}`\n" for d in range(12))
        return f"## Misc {n}\n\n{long}。\n\n{deep}\n"
    items = "\n".join(f"- {en(rng).capitalize()}: `{command(rng)}`" for _ in range(8))
    return f"## Everyday {n}\n\nUse {command(rng)} to {en(rng)}.\n\n{items}\n"


def build_corpus(folder: Path, megabytes: float, files: int, seed: int = 7) -> list[Path]:
    rng = random.Random(seed)
    per_file = megabytes * 1_000_000 / files
    paths = []
    n = 0
    for f in range(files):
        parts, size = [f"# 笔记 Notes {f}\n"], 0
        while size < per_file:
            n += 1
            text = section(rng, n)
            parts.append(text)
            size += len(text.encode("utf-8"))
        path = folder / f"note-{f:04d}.md"
        path.write_text("\n".join(parts), encoding="utf-8")
        paths.append(path)
    return paths


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mb", type=float, default=5.0)
    ap.add_argument("--files", type=int, default=400)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        paths = build_corpus(Path(tmp), args.mb, args.files)
        blobs = [p.read_bytes() for p in paths]
        mb = sum(len(b) for b in blobs) / 1_000_000
        # The same nesting limit as the extractor: markdown-it's default (20) silently stops parsing a
        # document after a list nested about ten deep, which would make the baseline skip text.
        md = MarkdownIt("commonmark", {"html": False, "maxNesting": 200}).enable("table")

        def raw() -> None:
            for blob in blobs:
                md.parse(blob.decode("utf-8"))

        cards = 0

        def extract() -> None:
            nonlocal cards
            cards = 0
            for path, blob in zip(paths, blobs, strict=True):
                cards += len(parse_note(decode_note(blob, str(path))).cards)

        raw_s = min(timed(raw) for _ in range(args.repeat))
        ext_s = min(timed(extract) for _ in range(args.repeat))
    print(f"corpus: {mb:.2f} MB in {len(paths)} files, {cards} cards extracted")
    print(f"| step | best of {args.repeat}, s | MB/s |")
    print("|---|---|---|")
    print(f"| raw markdown-it-py parse | {raw_s:.2f} | {mb / raw_s:.2f} |")
    print(f"| parse_note (decode + parse + extract) | {ext_s:.2f} | {mb / ext_s:.2f} |")
    print(f"extraction / raw parse = {ext_s / raw_s:.2f}x (target <= 3x)")


if __name__ == "__main__":
    main()
