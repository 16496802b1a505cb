"""Parameters a loss module owns (a center loss's centers, a distillation loss's align convs)
get their gradient from that loss alone: left out of every optimizer they never train, a
warning. A model handed to the loss, or weights the code loaded into it, are trained elsewhere:
info at most."""

from __future__ import annotations

from pathlib import Path

from realworld import corpus

SCRIPT = '''
import torch
from torch import nn

class CenterLoss(nn.Module):
    def __init__(self):
        super().__init__()
        self.centers = nn.Parameter(torch.randn(3, 2))

    def forward(self, x, labels):
        return (x - self.centers[labels]).pow(2).sum(1).mean()

model = nn.Linear(4, 2)
center_loss = CenterLoss()
SETUP
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
x, labels = torch.randn(8, 4), torch.randint(0, 3, (8,))
loss = model(x).pow(2).mean() + center_loss(model(x), labels)
optimizer.zero_grad()
loss.backward()
optimizer.step()
'''


def _check(tmp_path: Path, setup: str = "", source: str = SCRIPT) -> corpus.Check:
    script = tmp_path / "train.py"
    script.write_text(source.replace("SETUP", setup), encoding="utf-8")
    return corpus.check(script)


def test_a_loss_modules_own_parameters_left_out_are_a_warning(tmp_path: Path) -> None:
    check = _check(tmp_path)
    (finding,) = check.flagged()
    assert check.code == 1 and finding["kind"] == "not_in_optimizer"
    assert finding["severity"] == "warning" and finding["names"] == ["center_loss.centers"]
    assert "loss module center_loss (CenterLoss)" in finding["message"]
    assert "the optimizer (optimizer) does not hold them" in finding["message"]
    assert "optimizer.add_param_group({'params': center_loss.parameters()})" in finding["fix"]


def test_weights_loaded_into_a_loss_module_are_trained_elsewhere(tmp_path: Path) -> None:
    check = _check(tmp_path, "center_loss.load_state_dict({'centers': torch.zeros(3, 2)})")
    assert check.code == 0 and check.flagged() == [], check.flagged()
    assert [f["severity"] for f in check.findings if f["kind"] == "not_in_optimizer"] == ["info"]


HANDED = '''
import torch
from torch import nn

class DistillLoss(nn.Module):
    def __init__(self, teacher):
        super().__init__()
        self.teacher = teacher

    def forward(self, x, student_out):
        return (self.teacher(x) - student_out).pow(2).mean()

student, teacher = nn.Linear(4, 2), nn.Linear(4, 2)
criterion = DistillLoss(teacher)
optimizer = torch.optim.SGD(student.parameters(), lr=0.1)
x = torch.randn(8, 4)
loss = criterion(x, student(x))
optimizer.zero_grad()
loss.backward()
optimizer.step()
'''


def test_a_model_handed_to_a_loss_module_is_trained_elsewhere(tmp_path: Path) -> None:
    check = _check(tmp_path, source=HANDED)
    assert check.code == 0 and check.flagged() == [], check.flagged()
