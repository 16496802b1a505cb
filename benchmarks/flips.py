"""The toggle: first computation and cached flip latency, and memory over many flips."""

from __future__ import annotations

import gc
import statistics
import sys
import time
from pathlib import Path

import gradlab as gl
from benchmarks.common import Figure, machine, table

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
import scenarios  # noqa: E402  (the broken/fixed pair of every finding kind)


def _p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1]


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def measure(cached_flips: int = 100, memory_flips: int = 500) -> list[Figure]:
    """Latency of the first and the cached flip over every scenario pair, and RSS growth."""
    pairs = [(b, f) for b, f, _ in scenarios.BROKEN_FIXED.values()]
    gl.setup()  # as every lesson starts
    gl.compare(*pairs[0]).close()  # warm-up: first use of every import and of `dot`
    first: list[float] = []
    cached: list[float] = []
    for broken, fixed in pairs:
        start = time.perf_counter()
        widget = gl.compare(broken, fixed)  # computes and shows `broken`
        first.append(time.perf_counter() - start)
        start = time.perf_counter()
        widget.toggle.value = "fixed"
        first.append(time.perf_counter() - start)
        for _ in range(cached_flips // len(pairs) + 1):
            start = time.perf_counter()
            widget.toggle.value = "fixed" if widget.toggle.value == "broken" else "broken"
            cached.append(time.perf_counter() - start)
        widget.close()
    gc.collect()
    before = _rss_mb()
    for i in range(memory_flips):
        broken, fixed = pairs[i % len(pairs)]
        widget = gl.compare(broken, fixed)
        widget.show("fixed", fresh=True)
        widget.close()
    gc.collect()
    growth = _rss_mb() - before
    return [
        Figure("first computation of a flip, p95", _p95(first) * 1e3, " ms", 100,
               f"p50 {statistics.median(first) * 1e3:.1f} ms, max {max(first) * 1e3:.0f} ms "
               f"over {len(first)} flips"),
        Figure("cached flip, p95", _p95(cached) * 1e3, " ms", 5,
               f"p50 {statistics.median(cached) * 1e3:.2f} ms over {len(cached)} flips"),
        Figure(f"RSS growth over {memory_flips} widgets built, flipped, closed", growth, " MB", 20,
               f"{before:.0f} MB before"),
    ]


if __name__ == "__main__":
    figures = measure()
    print(machine())
    print(table(figures))
    for f in figures:
        print(f"  {f.name}: {f.note}")
