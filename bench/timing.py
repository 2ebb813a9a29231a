"""Shared helpers of the benchmarks: timing by ``perf_counter_ns``, result rows, statement capture."""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa

BENCH = Path(__file__).resolve().parent


def sample(
    fn: Callable[[], object], reps: int, warmup: int = 2, setup: Callable[[], object] | None = None
) -> list[int]:
    """Nanoseconds of ``reps`` calls of ``fn`` (``setup`` runs before each call, untimed)."""
    for _ in range(warmup):
        if setup is not None:
            setup()
        fn()
    times = []
    for _ in range(reps):
        if setup is not None:
            setup()
        start = time.perf_counter_ns()
        fn()
        times.append(time.perf_counter_ns() - start)
    return times


def interleaved(fns: list[Callable[[], object]], reps: int, warmup: int = 3) -> list[list[int]]:
    """Nanoseconds of ``reps`` calls of each function, called in turn (f, g, h, f, g, h, …)."""
    for _ in range(warmup):
        for fn in fns:
            fn()
    times: list[list[int]] = [[] for _ in fns]
    for _ in range(reps):
        for fn, out in zip(fns, times, strict=True):
            start = time.perf_counter_ns()
            fn()
            out.append(time.perf_counter_ns() - start)
    return times


def median_ns(times: list[int]) -> float:
    return float(statistics.median(times))


def fmt_ms(ns: float | None) -> str:
    if ns is None:
        return "–"
    ms = ns / 1e6
    if ms < 1:
        return f"{ms:.3f} ms"
    if ms < 100:
        return f"{ms:.2f} ms"
    if ms < 10_000:
        return f"{ms:.0f} ms"
    return f"{ms / 1000:.1f} s"


@dataclass
class Row:
    """One line of the results table."""

    name: str
    app: str
    baseline: str
    ratio: float | None
    target: str
    met: bool | None  # None: reported only, no target
    notes: list[str] = field(default_factory=list)

    @property
    def met_text(self) -> str:
        return "–" if self.met is None else ("met" if self.met else "**MISSED**")


def timed_row(
    name: str,
    app: list[int],
    base: list[int] | None,
    *,
    max_ms: float | None = None,
    max_ratio: float | None = None,
    base_label: str = "",
) -> Row:
    """A row for a timing: the medians, their ratio, and which of the targets were met."""
    app_ns = median_ns(app)
    base_ns = median_ns(base) if base else None
    ratio = app_ns / base_ns if base_ns else None
    targets, met = [], []
    if max_ms is not None:
        targets.append(f"≤ {max_ms:g} ms")
        met.append(app_ns / 1e6 <= max_ms)
    if max_ratio is not None:
        targets.append(f"≤ {max_ratio:g}× baseline")
        met.append(ratio is not None and ratio <= max_ratio)
    baseline = fmt_ms(base_ns) + (f" ({base_label})" if base_label and base_ns is not None else "")
    return Row(
        name=f"{name} (n={len(app)})",
        app=fmt_ms(app_ns),
        baseline=baseline,
        ratio=ratio,
        target="; ".join(targets) or "report",
        met=all(met) if met else None,
    )


@contextmanager
def captured(engine: sa.Engine) -> Iterator[list[tuple[str, Any]]]:
    """The statements (and parameters) the engine sends while the block runs."""
    statements: list[tuple[str, Any]] = []

    def before(conn, cursor, statement, parameters, context, executemany):
        statements.append((statement, parameters))

    sa.event.listen(engine, "before_cursor_execute", before)
    try:
        yield statements
    finally:
        sa.event.remove(engine, "before_cursor_execute", before)


def run_worker(*args: str, timeout: float = 600) -> dict[str, Any]:
    """Run ``bench/workers.py`` in a fresh interpreter (clean peak RSS) and return its JSON answer."""
    proc = subprocess.run(
        [sys.executable, str(BENCH / "workers.py"), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"worker {args[0]} failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])
