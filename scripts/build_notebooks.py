"""Build the lesson notebooks from their sources in lessons/*.py and store them executed.

A source is a Python file in "percent" format: `# %% [markdown]` starts a prose cell (each line
after it begins with `# `), `# %%` starts a code cell, and `tags=["..."]` after the marker sets
the cell's tags (`remove-output`: the cell runs, its output is not stored); a code cell that
starts with `# %load FILE` gets FILE's text (the exercise solutions are written once, in
notebooks/solutions/).

Run: .venv/bin/python scripts/build_notebooks.py [NAME ...]
"""

from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
MARKER = re.compile(r"^# %%(?P<markdown> \[markdown\])?(?: tags=(?P<tags>\[.*\]))?\s*$")


def parse(source: str) -> nbformat.NotebookNode:
    """Turn a percent-format source into an unexecuted notebook."""
    notebook = nbformat.v4.new_notebook()
    cells: list[tuple[bool, list[str], list[str]]] = []
    for line in source.splitlines():
        found = MARKER.match(line)
        if found:
            tags = ast.literal_eval(found.group("tags")) if found.group("tags") else []
            cells.append((bool(found.group("markdown")), tags, []))
        elif cells:
            cells[-1][2].append(line)
    for markdown, tags, lines in cells:
        if markdown:
            text = "\n".join(ln[2:] if ln.startswith("# ") else ln.lstrip("#") for ln in lines)
            cell = nbformat.v4.new_markdown_cell(text.strip())
        else:
            code = "\n".join(lines).strip()
            if code.startswith("# %load "):  # a solution cell: the file's text, as %load puts it
                solution = ROOT / "notebooks" / code.split()[2]
                code = f"{code.splitlines()[0]}\n{solution.read_text(encoding='utf-8').strip()}"
            cell = nbformat.v4.new_code_cell(code)
        if tags:
            cell.metadata["tags"] = tags
        if "remove-cell" in tags:  # the hidden checks: collapsed in JupyterLab too
            cell.metadata["jupyter"] = {"source_hidden": True}
        cell.id = f"cell-{len(notebook.cells):02d}"  # stable ids: a rebuild diffs cleanly
        notebook.cells.append(cell)
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                       "language": "python"}
    notebook.metadata["language_info"] = {"name": "python"}
    return notebook


def _relative(text: str) -> str:
    """The text without machine paths: the project's folder, and a cell's temporary file
    (`/tmp/ipykernel_1/2.py`, in warnings) written `<cell>` as tests/sanitize.cfg reads it."""
    text = re.sub(r"/tmp/ipykernel_\d+/\d+\.py", "<cell>", text)
    return re.sub(rf"{re.escape(str(ROOT))}/(\.venv/lib/python[\d.]+/)?", "", text)


def build(source: Path) -> Path:
    """Execute one lesson source and write notebooks/<name>.ipynb."""
    notebook = parse(source.read_text(encoding="utf-8"))
    NotebookClient(notebook, timeout=120, kernel_name="python3",
                   resources={"metadata": {"path": str(ROOT / "notebooks")}}).execute()
    for cell in notebook.cells:
        cell.metadata.pop("execution", None)
        if "remove-output" in cell.metadata.get("tags", []):  # run, but store no output
            cell.outputs = []
        for output in cell.get("outputs", []):
            if output.output_type == "error":  # no machine paths in what we store
                output.traceback = [_relative(line) for line in output.traceback]
            elif output.output_type == "stream":
                output.text = _relative(output.text)
    target = ROOT / "notebooks" / f"{source.stem}.ipynb"
    nbformat.write(notebook, target)
    return target


if __name__ == "__main__":
    names = sys.argv[1:]
    for path in sorted((ROOT / "lessons").glob("*.py")):
        if not names or path.stem in names or path.stem[:2] in names:
            print("built", build(path).relative_to(ROOT))
