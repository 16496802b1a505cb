"""Timing helpers shared by the benchmarks: interleaved repeats, ratios taken in one run."""

from __future__ import annotations

import platform
import statistics
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass

import torch


@dataclass(frozen=True)
class Figure:
    """One measured figure beside its goal."""

    name: str
    value: float
    unit: str
    goal: float | None = None
    note: str = ""

    @property
    def verdict(self) -> str:
        """`pass`, `miss`, or empty when the figure has no goal."""
        if self.goal is None:
            return ""
        return "pass" if self.value <= self.goal else "miss"

    def to_dict(self) -> dict[str, object]:
        """The figure as JSON-ready data."""
        return {**asdict(self), "verdict": self.verdict}


def seconds(run: Callable[[], object]) -> float:
    """Wall time of one call of `run`."""
    start = time.perf_counter()
    run()
    return time.perf_counter() - start


def ratio(candidate: Callable[[], object], baseline: Callable[[], object],
          repeats: int = 15) -> tuple[float, float, float]:
    """Median time of `candidate` over `baseline`, calls interleaved so noise hits both alike.

    Returns (ratio, candidate median s, baseline median s); one warm-up call each first.
    """
    candidate()
    baseline()
    times_c: list[float] = []
    times_b: list[float] = []
    for _ in range(repeats):
        times_b.append(seconds(baseline))
        times_c.append(seconds(candidate))
    c, b = statistics.median(times_c), statistics.median(times_b)
    return c / b, c, b


def machine() -> str:
    """A one-line description of the machine the figures come from."""
    return (f"{platform.processor() or platform.machine()}, {torch.get_num_threads()} torch "
            f"threads, Python {platform.python_version()}, torch {torch.__version__}")


def table(figures: list[Figure]) -> str:
    """The figures as a plain-text table."""
    rows = [("figure", "value", "goal", "")]
    for f in figures:
        goal = "" if f.goal is None else f"≤ {f.goal:g}{f.unit}"
        rows.append((f.name, f"{f.value:.3g}{f.unit}", goal, f.verdict))
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip()
                     for r in rows)


def run(measure: Callable[[], list[Figure]]) -> list[Figure]:
    """Run one benchmark module as a lesson runs (after gl.setup()) and print its table."""
    import gradlab as gl

    gl.setup()
    figures = measure()
    print(machine())
    print(table(figures))
    for f in figures:
        if f.note:
            print(f"  {f.name}: {f.note}")
    return figures
