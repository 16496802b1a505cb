"""Every recap question of a notebook has its answer collapsed under it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"


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
