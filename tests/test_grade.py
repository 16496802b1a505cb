"""The grader against the reference solutions: each reference passes, realistic wrong answers
(one wrong edit of the reference each, silent ones included) fail with feedback naming the
problem, right answers that differ from the reference pass, and the command line's exit codes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import torch

import gradlab as gl
from gradlab.grade import EXERCISES, exercise_namespace

ROOT = Path(__file__).resolve().parents[1]
SOLUTIONS = ROOT / "notebooks" / "solutions"


def _reference_text(key: str) -> str:
    return (SOLUTIONS / EXERCISES[key].solution).read_text()


def _edited(key: str, old: str, new: str) -> str:
    text = _reference_text(key)
    assert text.count(old) == 1, f"{old!r} is not once in the reference of exercise {key}"
    return text.replace(old, new)


def _grade(key: str, source: str) -> gl.Feedback:
    namespace = exercise_namespace(key)
    exec(compile(source, f"answer_{key}.py", "exec"), namespace)
    return gl.grade(key, namespace)


# (exercise, text of the reference, its wrong replacement, words the feedback must contain)
WRONG = [
    ("01", "self.scale = nn.Parameter(torch.ones(1))",
     "self.scale = torch.ones(1, requires_grad=True)",
     "scale gets a gradient but is a plain tensor"),
    ("01", "nn.Parameter(torch.ones(1))", "nn.Parameter(torch.ones(1), requires_grad=False)",
     "`scale` has requires_grad=False"),
    ("01", "return self.scale * self.linear(x)", "return self.scale.detach() * self.linear(x)",
     "scale get no gradient: .detach() cut"),
    ("01", "torch.ones(1)", "torch.zeros(1)", "`scale` starts from other values"),
    ("02", "    def encode", "    @torch.no_grad()\n    def encode", "no_grad"),
    ("02", "torch.tanh(self.encoder(x))", "torch.tanh(self.encoder(x)).detach()",
     ".detach() cut encoder.weight, encoder.bias off the loss"),
    ("02", "torch.tanh(self.encoder(x))", "torch.tanh(self.encoder(x).data)", ".data"),
    ("02", "self.head = nn.Linear(8, 1)",
     "self.head = nn.Linear(8, 1)\n        self.encoder.requires_grad_(False)",
     "`encoder.weight` has requires_grad=False"),
    ("03", "h = torch.exp(-torch.abs(self.fc1(x)))",
     "h = self.fc1(x)\n        h.data = torch.exp(-torch.abs(h.data))",
     "`fc1.weight.grad` differs from the reference by"),
    ("03", "h = torch.exp(-torch.abs(self.fc1(x)))",
     "h = torch.tensor(np.exp(-np.abs(self.fc1(x).detach().numpy())))", "numpy"),
    ("03", "torch.exp(-torch.abs(self.fc1(x)))", "torch.exp(-torch.abs(self.fc1(x).detach()))",
     ".detach() cut fc1.weight, fc1.bias"),
    ("03", "torch.exp(-torch.abs(", "torch.exp(torch.abs(", "`output` differs"),
    ("04", "g = g.clamp(0.1, 0.9)", "g.data.clamp_(0.1, 0.9)",
     "changed in place through .data (clamp_"),
    ("04", "g = g.clamp(0.1, 0.9)", "g.clamp_(0.1, 0.9)", "modified by an inplace operation"),
    ("04", "g = g.clamp(0.1, 0.9)", "g = g.detach().clamp(0.1, 0.9)", ".detach() cut fc.weight"),
    ("04", "g = g.clamp(0.1, 0.9)", "g = g.clamp(0.1, 0.8)", "`output` differs"),
    ("05", "head_b(features)", "head_b(features.detach())",
     "`body.weight.grad` differs from the reference by"),
    ("05", "loss = loss_a + loss_b", "loss = loss_a + loss_b.detach()",
     "`head_b.weight.grad` is None"),
    ("05", "loss = loss_a + loss_b", "loss = (loss_a + loss_b) / 2", "0.5× the reference's"),
    ("05", "    loss.backward()", "    loss_a.backward(retain_graph=True)\n    loss.backward()",
     "2× the reference's"),
    ("05", "*head_a.parameters(),\n                                 *head_b.parameters()]",
     "*head_a.parameters()]", "head_b"),
    ("06", "    h.retain_grad()\n    loss = F.mse_loss(head(h), y)\n    loss.backward()\n",
     "    loss = F.mse_loss(head(h), y)\n    loss.backward()\n    h.retain_grad()\n",
     "`hidden_grad`"),
    ("06", "hidden_grad = h.grad", "hidden_grad = model[0].weight.grad",
     "`hidden_grad` has shape (8, 3), the reference's (16, 8)"),
    ("06", "    h.retain_grad()\n", "", ".grad read on h, a non-leaf"),
    ("06", "hidden_grad = h.grad", "hidden_grad = head.weight.grad", "`hidden_grad` has shape"),
    ("06", "hidden_grad = h.grad", "grad_h = h.grad", "`hidden_grad` is not among your version's"),
    ("07", "self.scale = nn.Parameter(torch.ones(1))", "self.scale = torch.ones(1)",
     "scale is a plain tensor attribute"),
    ("07", "        h = torch.tanh(self.encoder(x))\n",
     "        with torch.no_grad():\n            h = torch.tanh(self.encoder(x))\n", "no_grad"),
    ("07", "h = torch.clamp(h, 0.0, 3.0)",
     "h = torch.from_numpy(np.clip(h.detach().numpy(), 0.0, 3.0))", "numpy"),
    ("07", "self.head = nn.Linear(32, 1)",
     "self.head = nn.Linear(32, 1)\n        self.aux = nn.Linear(32, 1)", "aux"),
    ("07", "h = torch.clamp(h, 0.0, 3.0)", "h = h.detach().clamp(0.0, 3.0)",
     ".detach() cut hidden.weight"),
    ("09", "return out + (out.round() - out).detach()", "return out.round()",
     "reach the loss only through round(), whose derivative is zero"),
    ("09", "return out + (out.round() - out).detach()", "return out + (out.round() - out)",
     "`fc.weight.grad` differs from the reference by 100 % (all zero)"),
    ("09", "return out + (out.round() - out).detach()",
     "return out - (out.round() - out).detach()", "`output` differs"),
    ("09", "return out + (out.round() - out).detach()", "return out", "`output` differs"),
    ("10", "            w -= 0.1 * w.grad\n", "            w = w - 0.1 * w.grad\n",
     "element 0 of tensors does not require grad"),
    ("10", "        w.grad = None\n", "", "`w` differs from the reference's by"),
    ("10", "        with torch.no_grad():\n            w -= 0.1 * w.grad\n",
     "        w -= 0.1 * w.grad\n",
     "a leaf Variable that requires grad is being used in an in-place operation"),
]

# (exercise, text of the reference, a different right answer)
RIGHT = [
    ("01", "return self.scale * self.linear(x)", "return self.linear(x) * self.scale"),
    ("02", "torch.tanh(self.encoder(x))", "self.encoder(x).tanh()"),
    ("03", "torch.exp(-torch.abs(self.fc1(x)))", "(-self.fc1(x).abs()).exp()"),
    ("04", "g = g.clamp(0.1, 0.9)", "g = g.clone().clamp_(0.1, 0.9)"),
    ("04", "g = g.clamp(0.1, 0.9)", "g = torch.clamp(g, min=0.1, max=0.9)"),
    ("05", "    loss = loss_a + loss_b\n    loss.backward()",
     "    loss_a.backward(retain_graph=True)\n    loss_b.backward()"),
    ("05", "    loss = loss_a + loss_b\n    loss.backward()",
     "    torch.autograd.backward([loss_a, loss_b])"),
    ("06", "    h.retain_grad()\n    loss = F.mse_loss(head(h), y)\n    loss.backward()\n"
     "    hidden_grad = h.grad\n",
     "    grads = []\n    h.register_hook(grads.append)\n    loss = F.mse_loss(head(h), y)\n"
     "    loss.backward()\n    hidden_grad = grads[0]\n"),
    ("06", "    h.retain_grad()\n    loss = F.mse_loss(head(h), y)\n    loss.backward()\n"
     "    hidden_grad = h.grad\n",
     "    loss = F.mse_loss(head(h), y)\n"
     "    (hidden_grad,) = torch.autograd.grad(loss, h, retain_graph=True)\n"
     "    loss.backward()\n"),
    ("07", "h = torch.clamp(h, 0.0, 3.0)", "h = h.clamp(max=3.0)"),
    ("09", "return out + (out.round() - out).detach()",
     "return out.round().detach() + out - out.detach()"),
    ("10", "        w.grad = None\n", "        w.grad.zero_()\n"),
    ("10", "    w = torch.zeros(3, 1, requires_grad=True)\n"
     "    for _ in range(3):\n",
     "    w = torch.zeros(3, 1, requires_grad=True)\n"
     "    optimizer = torch.optim.SGD([w], lr=0.1)\n"
     "    for _ in range(3):\n        optimizer.zero_grad()\n"),
]


@pytest.mark.parametrize("key", sorted(EXERCISES))
def test_reference_passes(key: str) -> None:
    feedback = _grade(key, _reference_text(key))
    assert feedback.solved, str(feedback)
    assert str(feedback).startswith("✔ solved")


@pytest.mark.parametrize("key", sorted(EXERCISES))
def test_every_exercise_has_three_wrong_and_one_right_answer(key: str) -> None:
    assert sum(k == key for k, *_ in WRONG) >= 3
    assert any(k == key for k, *_ in RIGHT)


@pytest.mark.parametrize(("key", "old", "new", "words"), WRONG)
def test_wrong_answer_fails_naming_the_problem(key: str, old: str, new: str, words: str) -> None:
    feedback = _grade(key, _edited(key, old, new))
    text = str(feedback)
    assert not feedback.solved, text
    assert text.startswith("✘ not yet")
    assert words in text
    assert "solved" not in text and "fixed" not in text


@pytest.mark.parametrize(("key", "old", "new"), RIGHT)
def test_different_right_answer_passes(key: str, old: str, new: str) -> None:
    feedback = _grade(key, _edited(key, old, new))
    assert feedback.solved, str(feedback)


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "gradlab", "grade", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=120, check=False)


def test_command_line_exit_codes(tmp_path: Path) -> None:
    right, wrong = tmp_path / "right.py", tmp_path / "wrong.py"
    right.write_text(_reference_text("04"))
    wrong.write_text(_edited("04", "g = g.clamp(0.1, 0.9)", "g.data.clamp_(0.1, 0.9)"))
    solved, not_yet = _cli("04", str(right)), _cli("4", str(wrong))
    assert (solved.returncode, not_yet.returncode) == (0, 1), solved.stderr + not_yet.stderr
    assert solved.stdout.startswith("✔ solved")
    assert "changed in place through .data (clamp_" in not_yet.stdout


def test_command_line_tips_on_a_right_answer_that_backwards_twice(tmp_path: Path) -> None:
    answer = tmp_path / "answer.py"
    answer.write_text(_edited("05", "    loss = loss_a + loss_b\n    loss.backward()",
                              "    loss_a.backward(retain_graph=True)\n    loss_b.backward()"))
    result = _cli("05", str(answer))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "tip: `(loss_a + loss_b).backward()` gives the same gradients" in result.stdout


@pytest.mark.parametrize(("source", "message"), [
    ("class Gate(nn.Module):\n    def forward(self, x)\n", "does not run: SyntaxError"),
    ("import nothing_like_this\n", "does not run: ModuleNotFoundError"),
    ("class Other(nn.Module):\n    pass\n", "does not define Gate"),
])
def test_command_line_rejects_a_file_that_does_not_run(tmp_path: Path, source: str,
                                                       message: str) -> None:
    answer = tmp_path / "answer.py"
    answer.write_text(source)
    result = _cli("04", str(answer))
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_command_line_names_an_unknown_exercise_or_file(tmp_path: Path) -> None:
    unknown = _cli("99", str(SOLUTIONS / EXERCISES["04"].solution))
    missing = _cli("04", str(tmp_path / "nowhere.py"))
    assert (unknown.returncode, missing.returncode) == (2, 2)
    assert "no exercise '99': the exercises are 01, 02" in unknown.stderr
    assert "no such file" in missing.stderr


def test_grade_names_what_the_notebook_has_not_defined() -> None:
    feedback = gl.grade("04", {})
    assert not feedback.solved
    assert "define `Gate` first" in str(feedback)


def test_grading_leaves_the_callers_random_state_alone() -> None:
    before = torch.random.get_rng_state()
    _grade("01", _reference_text("01"))
    assert torch.equal(torch.random.get_rng_state(), before)
