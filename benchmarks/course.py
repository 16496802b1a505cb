"""The course as the learner meets it: every gl.compare in the notebooks, and strict nbval."""

from __future__ import annotations

import asyncio
import contextlib
import io
import os
import statistics
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ElementTree
from pathlib import Path
from typing import Any

import nbformat

import gradlab as gl
from benchmarks.common import Figure, run

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"


def _p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1]


def course_toggles() -> list[tuple[str, gl.CompareWidget]]:
    """Run every notebook's plain Python cells in-process and collect the toggles they build.

    Cells with IPython syntax (`%`, `!`) are skipped; cells meant to raise are allowed to."""
    found: list[tuple[str, gl.CompareWidget]] = []
    cwd = os.getcwd()
    os.chdir(NOTEBOOKS)
    sys.path.insert(0, str(NOTEBOOKS))
    try:
        for path in sorted(NOTEBOOKS.glob("*.ipynb")):
            namespace: dict[str, Any] = {"__name__": "__main__"}
            for cell in nbformat.read(path, as_version=4).cells:
                source = cell.source
                if cell.cell_type != "code" or any(
                        line.lstrip().startswith(("%", "!")) for line in source.splitlines()):
                    continue
                with contextlib.redirect_stdout(io.StringIO()), \
                        contextlib.suppress(Exception):
                    exec(compile(source, f"{path.stem}-cell", "exec"), namespace)
            for name, value in namespace.items():
                if isinstance(value, gl.CompareWidget):
                    found.append((f"{path.stem}:{name}", value))
    finally:
        os.chdir(cwd)
        sys.path.remove(str(NOTEBOOKS))
    return found


async def _flip(widget: gl.CompareWidget, fresh: bool) -> tuple[float, float]:
    """Seconds until the flip has filled the panes (what the click waits for), and until the
    loss curve, drawn just after in the kernel's event loop, is in too."""
    target = "fixed" if widget.variant == "broken" else "broken"
    if fresh:  # as the first click on the other variant: the shown one stays computed
        widget.comparison.clear(target)
        widget._html.clear()
    start = time.perf_counter()
    widget.toggle.value = target
    shown = time.perf_counter() - start
    await asyncio.sleep(0)
    return shown, time.perf_counter() - start


async def _flips(widget: gl.CompareWidget, fresh: bool, count: int) -> list[tuple[float, float]]:
    return [await _flip(widget, fresh) for _ in range(count)]


def toggles(flips: int = 50) -> list[Figure]:
    """First computation and cached flip latency of every toggle of the course, in an event
    loop as in a kernel."""
    figures = []
    every_first: list[float] = []
    every_cached: list[float] = []
    slowest = ("", 0.0)
    for name, widget in course_toggles():
        first_runs = asyncio.run(_flips(widget, True, flips))
        first = [shown for shown, _ in first_runs]
        cached = [shown for shown, _ in asyncio.run(_flips(widget, False, flips))]
        every_first += first
        every_cached += cached
        slowest = max(slowest, (name, _p95(first)), key=lambda item: item[1])
        figures.append(Figure(f"flip {name}: first p95", _p95(first) * 1e3, " ms", 100,
                              f"p50 {statistics.median(first) * 1e3:.1f} ms"))
        if widget.comparison.train_steps:
            curve = [done for _, done in first_runs]
            figures.append(Figure(f"flip {name}: first, with its loss curve, p95",
                                  _p95(curve) * 1e3, " ms", None,
                                  "the curve is drawn after the graph is on screen"))
        figures.append(Figure(f"flip {name}: cached p95", _p95(cached) * 1e3, " ms", 5,
                              f"p50 {statistics.median(cached) * 1e3:.2f} ms"))
        widget.close()
    figures.append(Figure("every course toggle: first p95", _p95(every_first) * 1e3, " ms", 100,
                          f"{len(every_first)} flips; slowest {slowest[0]}"))
    figures.append(Figure("every course toggle: cached p95", _p95(every_cached) * 1e3, " ms", 5,
                          f"{len(every_cached)} flips"))
    return figures


def nbval() -> list[Figure]:
    """Strict nbval over all notebooks on 2 workers: the wall time, and each notebook's cells."""
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "nbval.xml"
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-n", "2",
                        "--dist", "loadfile", "--nbval", "--nbval-current-env",
                        "--nbval-sanitize-with", "tests/sanitize.cfg", "notebooks",
                        f"--junitxml={report}"], cwd=ROOT, check=True, capture_output=True)
        wall = time.perf_counter() - start
        per_notebook: dict[str, float] = {}
        for case in ElementTree.parse(report).iter("testcase"):  # classname notebooks.NAME.ipynb
            name = case.get("classname", "?").removeprefix("notebooks.").removesuffix(".ipynb")
            per_notebook[name] = per_notebook.get(name, 0.0) + float(case.get("time", 0))
    figures = [Figure("strict nbval, all notebooks, 2 workers (wall)", wall, " s", 60)]
    figures += [Figure(f"nbval {name} (kernel start and cells)", seconds, " s", 10)
                for name, seconds in sorted(per_notebook.items())]
    return figures


def measure() -> list[Figure]:
    """Every course figure."""
    return toggles() + nbval()


if __name__ == "__main__":
    run(measure)
