"""Every exercise has its reference solution file, and each notebook loads that file as stored
(at its end) and grades it as solved."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gradlab.grade import EXERCISES

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"


def test_every_solution_file_is_an_exercise() -> None:
    files = sorted(p.name for p in (NOTEBOOKS / "solutions").glob("*.py"))
    assert files == sorted(e.solution for e in EXERCISES.values())


@pytest.mark.parametrize("key", sorted(EXERCISES))
def test_notebook_loads_the_solution_at_its_end_and_grades_it(key: str) -> None:
    name = EXERCISES[key].solution.removesuffix(".py")
    cells = json.loads((NOTEBOOKS / f"{name}.ipynb").read_text())["cells"]
    marker = f"# %load solutions/{name}.py"
    (cell,) = [c for c in cells if "".join(c["source"]).startswith(marker)]
    body = "".join(cell["source"]).removeprefix(marker).strip()
    assert body == (NOTEBOOKS / "solutions" / f"{name}.py").read_text().strip()
    index = cells.index(cell)
    last = [i for i, c in enumerate(cells) if "## Next" in "".join(c["source"])]
    assert last and last[0] < index, "the solution sits at the end, not under the exercise"
    feedback = cells[index + 1]
    assert f'gl.grade("{key}", globals())' in "".join(feedback["source"])
    assert "✔ solved" in json.dumps(feedback["outputs"], ensure_ascii=False)


@pytest.mark.parametrize("path", sorted(NOTEBOOKS.glob("*.ipynb")), ids=lambda p: p.name)
def test_every_recap_question_has_its_answer_collapsed_under_it(path: Path) -> None:
    cells = ["".join(c["source"]) for c in json.loads(path.read_text())["cells"]]
    if "**Three questions**" not in cells:
        assert not any("Three questions" in text for text in cells)
        return
    start = cells.index("**Three questions**")
    for number in range(1, 4):
        question, answer = cells[start + 2 * number - 1], cells[start + 2 * number]
        assert question.startswith(f"{number}. ")
        assert answer.startswith("<details><summary>Check your answer</summary>\n\n")
        assert answer.endswith("\n\n</details>")
