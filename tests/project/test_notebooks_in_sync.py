"""Every stored notebook is what its lessons/ source builds: the same cells, sources, tags and ids
(outputs are nbval's business), opening with its own Binder and Colab links."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[2]
LESSONS = sorted((ROOT / "lessons").glob("*.py"))


def build_script() -> ModuleType:
    """scripts/build_notebooks.py as a module (scripts/ is not a package)."""
    spec = importlib.util.spec_from_file_location("build_notebooks",
                                                  ROOT / "scripts" / "build_notebooks.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def cells(notebook: nbformat.NotebookNode) -> list[tuple[str, str, str, list[str], bool]]:
    """What a rebuild must keep: id, type, source, tags, and whether the source is collapsed."""
    return [(c.id, c.cell_type, c.source, c.metadata.get("tags", []),
             c.metadata.get("jupyter", {}).get("source_hidden", False)) for c in notebook.cells]


def test_every_lesson_has_its_notebook_and_every_notebook_its_lesson() -> None:
    stored = {p.stem for p in (ROOT / "notebooks").glob("*.ipynb")}
    assert stored == {p.stem for p in LESSONS}


@pytest.mark.parametrize("source", LESSONS, ids=lambda p: p.stem)
def test_stored_notebook_has_the_cells_its_source_builds(source: Path) -> None:
    built = build_script().parse(source.read_text(encoding="utf-8"), source.stem)
    stored = nbformat.read(ROOT / "notebooks" / f"{source.stem}.ipynb", as_version=4)
    differing = [f"{want[0]}: stored {have[1:]!r:.150}, built {want[1:]!r:.150}"
                 for have, want in zip(cells(stored), cells(built), strict=False) if have != want]
    assert (differing[:3], len(stored.cells)) == ([], len(built.cells)), \
        f"run `make notebooks` (or scripts/build_notebooks.py {source.stem[:2]})"


def test_badges_link_the_notebook_on_binder_and_colab_from_the_repository_setting() -> None:
    script = build_script()
    repo = script.repository()
    assert repo.count("/") == 1
    line = script.badges("03_x")
    assert f"mybinder.org/v2/gh/{repo}/HEAD?urlpath=lab/tree/notebooks/03_x.ipynb)" in line
    assert f"colab.research.google.com/github/{repo}/blob/main/notebooks/03_x.ipynb)" in line


def test_a_percent_source_builds_cells_with_tags_and_ids(tmp_path: Path) -> None:
    script = build_script()
    script.NOTEBOOKS = tmp_path
    source = ('# %% [markdown]\n# # Title\n#\n# text\n\n# %%\nx = 1\n\n'
              '# %% tags=["remove-cell"]\nassert x == 1\n')
    notebook = script.parse(source, "99_x")
    assert cells(notebook)[2:] == [
        ("cell-00", "markdown", "# Title\n\ntext", [], False),
        ("cell-01", "code", "x = 1", [], False),
        ("cell-02", "code", "assert x == 1", ["remove-cell"], True),  # a hidden check: collapsed
    ]
    assert [c.metadata for c in notebook.cells[2:4]] == [{}, {}]  # no jupytext layout keys


def test_a_starter_cell_builds_into_the_exercises_starter_code() -> None:
    from gradlab.course.exercise import load

    script = build_script()
    notebook = script.read("# %%\n# %starter 03\n\n# %%\ngl.grade(\"03\", globals())\n", "99_x")
    assert notebook.cells[0].source == load("03")[1].starter.strip()
    assert notebook.cells[1].source == 'gl.grade("03", globals())'
