"""Memory over many toggles: widgets built, flipped from scratch and closed, 500 times
after a warm-up."""

from __future__ import annotations

import gc
import sys
from pathlib import Path

import gradlab as gl
from benchmarks.common import Figure, run

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
import scenarios


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _cycle(pairs: list[tuple[object, object]], count: int) -> None:
    for i in range(count):
        widget = gl.compare(*pairs[i % len(pairs)])
        widget.show("fixed", fresh=True)
        widget.close()
    gc.collect()


def measure(flips: int = 500, warm_up: int = 100) -> list[Figure]:
    """RSS growth over `flips` widgets, cycling through every finding kind's pair, measured
    after `warm_up` widgets: the first hundred fill allocator pools and caches once (a
    plateau, reported beside it), what comes after must stay flat."""
    pairs = [(b, f) for b, f, _ in scenarios.BROKEN_FIXED.values()]
    start = _rss_mb()
    _cycle(pairs, warm_up)
    before = _rss_mb()
    _cycle(pairs, flips)
    return [Figure(f"RSS growth over {flips} widgets built, flipped, closed (after warm-up)",
                   _rss_mb() - before, " MB", 5,
                   f"{before:.0f} MB before; the {warm_up} warm-up widgets added "
                   f"{before - start:.1f} MB")]


if __name__ == "__main__":
    run(measure)
