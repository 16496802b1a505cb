"""Teach by asking: in every failure lesson a prediction comes before the first demo, and one
comes before every toggle."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"
FAILURE_LESSONS = sorted(p.stem for p in NOTEBOOKS.glob("[0-9][0-9]_*.ipynb")
                         if "02" <= p.stem[:2] <= "10")


def _shown_code(name: str) -> list[str]:
    """The code cells a learner sees (hidden checks left out)."""
    cells = json.loads((NOTEBOOKS / f"{name}.ipynb").read_text(encoding="utf-8"))["cells"]
    return ["".join(c["source"]) for c in cells if c["cell_type"] == "code"
            and "remove-cell" not in c.get("metadata", {}).get("tags", [])]


@pytest.mark.parametrize("name", FAILURE_LESSONS)
def test_a_prediction_comes_before_the_first_demo_and_before_every_toggle(name: str) -> None:
    asked = False
    demos = 0
    for code in _shown_code(name):
        if "gl.predict(" in code:
            asked = True
        if any(show in code for show in ("gl.compare(", "gl.draw(", "%%gradlab")):
            demos += 1
            assert asked, f"{name}: a demo or toggle before its prediction:\n{code[:200]}"
        if "gl.compare(" in code:
            asked = False  # the next toggle needs a prediction of its own
    assert demos, f"{name} shows no graph or toggle"
