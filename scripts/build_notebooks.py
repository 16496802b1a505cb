"""Build the lesson notebooks from their sources in lessons/*.py and store them executed.

jupytext reads the sources (its "percent" format: `# %% [markdown]`, `# %%`, `tags=[...]`).
What is the course's own is done here: cells tagged `remove-cell` (the hidden checks) are
collapsed; a cell tagged `remove-output` runs but its output is not stored; a code cell
`# %starter NN` becomes exercise NN's starter code (written once, in the course package);
`{time}` becomes the lesson's computed time (scripts/lesson_time.py); cells get stable ids;
every notebook starts with its Binder and Colab links and a set-up cell that does something on
Colab only; and the stored outputs carry no machine paths.

Run: .venv/bin/python scripts/build_notebooks.py [NAME ...]   (`make notebooks` builds all)
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import jupytext
import nbformat
from nbclient import NotebookClient

sys.path.insert(0, str(Path(__file__).resolve().parent))
from lesson_time import fill_time  # the script beside this one

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
STARTER = "%starter "  # jupytext reads the source's `# %starter NN` as this magic-like line
BADGES_ID, COLAB_ID = "open-in", "colab-setup"  # the ids of the two opening cells

# Runs first in every notebook; off Colab it imports nothing and prints nothing (nbval runs it).
COLAB_SETUP = '''\
# On Google Colab only: fetch the course (the files beside the notebooks), install gradlab with
# the course's packages and Graphviz's `dot`, and turn on Colab's widget manager for the toggles.
# Anywhere else this cell does nothing.
try:
    from google.colab import output as colab_output
except ImportError:
    colab_output = None
if colab_output is not None:
    import os
    import subprocess
    import sys

    course = "/content/gradlab"
    if not os.path.isdir(course):
        subprocess.run(["git", "clone", "--quiet", "--depth", "1", "{url}", course],
                       check=True)
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", f"{course}[course]"],
                   check=True)
    subprocess.run(["apt-get", "update", "-qq"], check=True)
    subprocess.run(["apt-get", "install", "-y", "-qq", "graphviz"], check=True)
    os.chdir(f"{course}/notebooks")
    colab_output.enable_custom_widget_manager()'''


def repository() -> str:
    """OWNER/NAME of the GitHub repository: the one setting, [project.urls] Repository."""
    found = re.search(r'^Repository = "https://github\.com/([\w.-]+/[\w.-]+)"$',
                      (ROOT / "pyproject.toml").read_text(encoding="utf-8"), re.MULTILINE)
    if found is None:
        raise ValueError("pyproject.toml: [project.urls] Repository names no GitHub repository")
    return found.group(1)


def badges(name: str) -> str:
    """The Binder and Colab links of notebooks/NAME.ipynb, as Markdown badges."""
    repo = repository()
    binder = f"https://mybinder.org/v2/gh/{repo}/HEAD?urlpath=lab/tree/notebooks/{name}.ipynb"
    colab = f"https://colab.research.google.com/github/{repo}/blob/main/notebooks/{name}.ipynb"
    return (f"[![Binder](https://mybinder.org/badge_logo.svg)]({binder}) "
            f"[![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)]({colab})")


def colab_setup() -> str:
    """The source of the set-up cell, which clones the repository and installs gradlab from it."""
    return COLAB_SETUP.replace("{url}", f"https://github.com/{repository()}")


def _starter(code: str) -> str:
    """A `# %starter NN` cell as the learner sees it: exercise NN's starter code, which is
    written once, in gradlab/course/exercises/."""
    from gradlab.course.exercise import load

    return load(code.split()[1])[1].starter.strip()


def read(source: str, name: str) -> nbformat.NotebookNode:
    """The cells of lesson NAME's percent-format source as the notebook shows them, before the
    time is filled in and the opening cells come (scripts/lesson_time.py times these)."""
    notebook = jupytext.reads(source, fmt="py:percent")
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type == "code" and cell.source.startswith(STARTER):
            cell.source = _starter(cell.source)
        tags = cell.metadata.get("tags", [])
        cell.metadata = nbformat.from_dict({"tags": tags} if tags else {})  # not jupytext's layout
        if "remove-cell" in tags:  # the hidden checks: collapsed
            cell.metadata["jupyter"] = {"source_hidden": True}
        cell.id = f"cell-{index:02d}"  # stable ids: a rebuild diffs cleanly
    notebook.metadata = nbformat.from_dict({
        "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
        "language_info": {"name": "python"}})
    return notebook


def parse(source: str, name: str) -> nbformat.NotebookNode:
    """Turn the percent-format source of lesson NAME into its unexecuted notebook: the lesson
    with its time, opened by its links and the Colab set-up cell (not part of the time)."""
    notebook = fill_time(read(source, name))
    opening = [nbformat.v4.new_markdown_cell(badges(name)), nbformat.v4.new_code_cell(
        colab_setup(), metadata={"tags": ["remove-cell"], "jupyter": {"source_hidden": True}})]
    for cell, cell_id in zip(opening, (BADGES_ID, COLAB_ID), strict=True):
        cell.id = cell_id
    notebook.cells[:0] = opening
    return notebook


def _relative(text: str) -> str:
    """The text without machine paths: the project's folder, and a cell's temporary file
    (`/tmp/ipykernel_1/2.py`, in warnings) written `<cell>` as tests/sanitize.cfg reads it."""
    text = re.sub(r"/tmp/ipykernel_\d+/\d+\.py", "<cell>", text)
    return re.sub(rf"{re.escape(str(ROOT))}/(\.venv/lib/python[\d.]+/)?", "", text)


def build(source: Path) -> Path:
    """Execute one lesson source and write notebooks/<name>.ipynb."""
    notebook = parse(source.read_text(encoding="utf-8"), source.stem)
    NotebookClient(notebook, timeout=120, kernel_name="python3",
                   resources={"metadata": {"path": str(NOTEBOOKS)}}).execute()
    for cell in notebook.cells:
        cell.metadata.pop("execution", None)
        if "remove-output" in cell.metadata.get("tags", []):  # run, but store no output
            cell.outputs = []
        for output in cell.get("outputs", []):
            if output.output_type == "error":  # no machine paths in what we store
                output.traceback = [_relative(line) for line in output.traceback]
            elif output.output_type == "stream":
                output.text = _relative(output.text)
    target = NOTEBOOKS / f"{source.stem}.ipynb"
    nbformat.write(notebook, target)
    return target


if __name__ == "__main__":
    names = sys.argv[1:]
    for path in sorted((ROOT / "lessons").glob("*.py")):
        if not names or path.stem in names or path.stem[:2] in names:
            print("built", build(path).relative_to(ROOT))
