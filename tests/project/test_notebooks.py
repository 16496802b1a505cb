"""The notebooks run anywhere: Run All without tags, twice in one kernel; nbval sees the toggles.

VS Code and Colab ignore cell tags, so every notebook is executed with its tags removed: no cell
may fail. The same kernel then runs every cell again (a learner's second Run All): no cell may
fail either. One kernel per notebook does both. Strict nbval (`make test`) compares what the
toggles show; the last test proves it by changing one stored finding.
"""

from __future__ import annotations

import copy
import functools
import os
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


@functools.cache
def failures(path: Path) -> tuple[list[str], list[str]]:
    """The cells that failed in a tagless Run All, and in a second Run All in the same kernel."""
    notebook = nbformat.read(path, as_version=4)
    for cell in notebook.cells:
        cell.metadata.pop("tags", None)
    client = NotebookClient(notebook, timeout=120, kernel_name="python3", allow_errors=True,
                            resources={"metadata": {"path": str(path.parent)}})
    runs: tuple[list[str], list[str]] = ([], [])
    with client.setup_kernel():
        for failed in runs:
            for index, cell in enumerate(notebook.cells):
                if cell.cell_type != "code":
                    continue
                client.execute_cell(cell, index)
                failed.extend(f"cell {index}: {out.ename}: {out.evalue}"
                              for out in cell.outputs if out.output_type == "error")
    return runs


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_run_all_without_tags_reaches_the_end(path: Path) -> None:
    first, _ = failures(path)
    assert first == []


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_running_every_cell_again_gives_no_new_error(path: Path) -> None:
    _, second = failures(path)
    assert second == []


def _toggle_notebook() -> nbformat.NotebookNode:
    """Lesson 00 cut down to its imports, the broken function and its toggle twice, as stored;
    the second copy's stored finding changed."""
    notebook = nbformat.read(ROOT / "notebooks" / "00_start_here.ipynb", as_version=4)
    code = [c for c in notebook.cells if c.cell_type == "code"]
    imports = next(c for c in code if "import gradlab as gl" in c.source)
    toggle = next(c for c in code if "toggle = gl.compare(" in c.source)
    one_cut = next(c for c in code if c.source.startswith("def one_cut"))
    changed = copy.deepcopy(toggle)
    data = changed.outputs[0].data
    finding = "<code>no_grad</code>"
    assert finding in data["text/html"]  # the stored toggle shows the finding
    data["text/html"] = data["text/html"].replace(finding, "<code>detach</code>", 1)
    changed.id = "changed"
    notebook.cells = [imports, one_cut, toggle, changed]
    return notebook


def test_nbval_fails_when_a_toggle_shows_something_else(tmp_path: Path) -> None:
    nbformat.write(_toggle_notebook(), tmp_path / "toggle.ipynb")
    env = {**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1"}
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-n", "0", "-v",
         "--rootdir", str(tmp_path), "--nbval", "--nbval-current-env",
         "--nbval-sanitize-with", str(ROOT / "tests" / "sanitize.cfg"), "toggle.ipynb"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    outcomes = re.findall(r"^toggle\S*::Cell (\d+) (PASSED|FAILED)", run.stdout,
                          flags=re.MULTILINE)
    # the stored toggle passes; the same toggle with one finding changed fails
    assert outcomes == [("0", "PASSED"), ("1", "PASSED"), ("2", "PASSED"), ("3", "FAILED")], \
        run.stdout[-3000:]
    assert "mismatch 'text/html'" in run.stdout
