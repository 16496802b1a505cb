"""Each exercise solution fixes its exercise, and the notebook runs the same solution file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import torch
import torch.nn.functional as F
from torch import nn

import gradlab as gl

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
SOLUTIONS = sorted((NOTEBOOKS / "solutions").glob("*.py"))


def _solution_namespace(path: Path) -> dict[str, Any]:
    """Run a solution file with what the notebook defined before it: imports and `x`, `y`."""
    torch.manual_seed(0)
    namespace: dict[str, Any] = {"torch": torch, "nn": nn, "F": F,
                                 "x": torch.randn(16, 3), "y": torch.randn(16, 1)}
    exec(compile(path.read_text(), str(path), "exec"), namespace)
    return namespace


def _train_step(model: nn.Module) -> dict[str, Any]:
    torch.manual_seed(0)
    x, y = torch.randn(16, 3), torch.randn(16, 1)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    loss = F.mse_loss(model(x), y)
    loss.backward()
    return locals()


# solution file -> (the model class or step function it defines, what must get a gradient)
EXERCISES = {
    "01_missing_requires_grad": ("Scaled", ["scale"]),
    "02_no_grad_block": ("Classifier", ["encoder.weight", "encoder.bias"]),
    "03_detach_and_numpy": ("Soft", ["fc1.weight", "fc1.bias"]),
    "04_in_place": ("Gate", ["fc.weight", "fc.bias"]),
    "05_double_backward": ("two_heads", ["body.weight", "head_a.weight", "head_b.weight"]),
    "06_non_leaf_grad": ("inspect", []),
}


def test_every_solution_has_an_exercise_check() -> None:
    assert sorted(p.stem for p in SOLUTIONS) == sorted(EXERCISES)


@pytest.mark.parametrize("name", sorted(EXERCISES))
def test_solution_fixes_the_exercise(name: str) -> None:
    defined, trained = EXERCISES[name]
    solution = _solution_namespace(NOTEBOOKS / "solutions" / f"{name}.py")[defined]
    step = (lambda: _train_step(solution())) if isinstance(solution, type) else solution
    feedback = gl.check(step, trained=trained)
    assert feedback.fixed, str(feedback)


@pytest.mark.parametrize("name", sorted(EXERCISES))
def test_notebook_runs_the_solution_file_as_stored(name: str) -> None:
    cells = json.loads((NOTEBOOKS / f"{name}.ipynb").read_text())["cells"]
    marker = f"# %load solutions/{name}.py"
    (cell,) = [c for c in cells if "".join(c["source"]).startswith(marker)]
    body = "".join(cell["source"]).removeprefix(marker).strip()
    assert body == (NOTEBOOKS / "solutions" / f"{name}.py").read_text().strip()
    assert "✔ fixed" in json.dumps(cells[cells.index(cell) + 1]["outputs"], ensure_ascii=False)
