"""Memory over many toggles: widgets built, flipped from scratch and closed, 500 times."""

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


def measure(flips: int = 500) -> list[Figure]:
    """RSS growth over `flips` widgets, cycling through every finding kind's pair."""
    pairs = [(b, f) for b, f, _ in scenarios.BROKEN_FIXED.values()]
    gl.compare(*pairs[0]).close()  # warm-up: first use of every import and of `dot`
    gc.collect()
    before = _rss_mb()
    for i in range(flips):
        widget = gl.compare(*pairs[i % len(pairs)])
        widget.show("fixed", fresh=True)
        widget.close()
    gc.collect()
    return [Figure(f"RSS growth over {flips} widgets built, flipped, closed",
                   _rss_mb() - before, " MB", 20, f"{before:.0f} MB before")]


if __name__ == "__main__":
    run(measure)
