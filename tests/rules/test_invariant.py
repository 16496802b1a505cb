"""The invariant of gradlab/arbitrate.py: no error or warning says that a parameter gets no
gradient while the run shows a non-zero `.grad` on it; findings in two notebook cells at the
same line stay two."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from realworld import corpus

from gradlab.__main__ import _context as _cli_context
from gradlab.analysis import analyse
from gradlab.arbitrate import CLAIMS
from gradlab.diagnosis import _context_from_scope
from gradlab.runner import run_script

SCRIPTS = ([c.broken for c in corpus.cases()] + [c.fixed for c in corpus.cases()]
           + corpus.idioms())
_NO_GRADIENT = ("get no gradient", "gets no gradient", "never reached the loss", "never train")


@pytest.mark.parametrize("path", SCRIPTS, ids=[p.relative_to(corpus.ROOT).as_posix()
                                               for p in SCRIPTS])
def test_no_finding_contradicts_the_run(path: Path) -> None:
    torch.manual_seed(0)
    with corpus._quiet("ignore"):
        run = run_script(str(path), [])
        try:
            ctx = _context_from_scope(run.scope, loss=None, model=None, optimizer=None,
                                      recording=run.recording, exception=run.error,
                                      caught=run.warned)
        except ValueError:  # no loss: `gradlab check` reports nothing, so nothing can contradict
            assert isinstance(_cli_context(run, None, True), int), path
            return
        report = analyse(ctx)
    grads = {name: t.grad for name, t in _trainable(run.scope)}
    for finding in report.problems:
        if not any(words in finding.message for words in _NO_GRADIENT):
            continue
        for name in finding.names:
            grad = grads.get(name)
            assert grad is None or not bool(grad.any()), (name, str(finding))


def _trainable(scope: dict[str, object]) -> list[tuple[str, torch.Tensor]]:
    found: list[tuple[str, torch.Tensor]] = []
    modules = [(k, v) for k, v in scope.items() if isinstance(v, torch.nn.Module)]
    for var, model in modules:
        for name, p in model.named_parameters():
            found += [(name, p), (f"{var}.{name}", p)]
    found += [(k, v) for k, v in scope.items() if isinstance(v, torch.Tensor) and v.is_leaf
              and v.requires_grad and "loss" not in k]
    return found


ACTOR_CRITIC = '''
import torch
import torch.nn as nn
import torch.nn.functional as F
torch.manual_seed(0)

class ActorCritic(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Linear(4, 16)
        self.policy_head = nn.Linear(16, 2)
        self.value_head = nn.Linear(16, 1)

    def forward(self, x):
        h = torch.relu(self.body(x))
        return self.policy_head(h), self.value_head(h).squeeze(-1)

model = ActorCritic()
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
states, returns = torch.randn(8, 4), torch.randn(8)
actions = torch.randint(0, 2, (8,))
logits, value = model(states)
advantage = returns - value.detach()
log_prob = torch.log_softmax(logits, -1).gather(1, actions[:, None]).squeeze(1)
policy_loss = -(log_prob * advantage).mean()
optimizer.zero_grad()
policy_loss.backward()

def critic_update():
    critic_loss = F.mse_loss(model(states)[1], returns)
    critic_loss.backward()

critic_update()
optimizer.step()
'''


def test_actor_critic_detached_value_is_at_most_info(tmp_path: Path) -> None:
    script = tmp_path / "actor_critic.py"
    script.write_text(ACTOR_CRITIC, encoding="utf-8")
    check = corpus.check(script)
    assert check.code == 0 and check.flagged() == [], check.findings
    detach = [f for f in check.findings if f["kind"] == "detach"]
    assert detach and detach[0]["severity"] == "info"
    assert detach[0]["message"].startswith("this path carries no gradient, by design; "
                                           "value_head.weight, value_head.bias still train "
                                           "through the backward at actor_critic.py:31")


def test_the_claims_table_names_only_rules_that_exist() -> None:
    from gradlab.rules import RULES

    modules = {rule.__module__.rsplit(".", 1)[-1] for rule in RULES}
    assert set(CLAIMS) <= modules


def test_the_same_place_table_names_only_rules_and_severities_that_exist() -> None:
    from gradlab.arbitrate import SUPERSEDED_AT
    from gradlab.report import SEVERITIES
    from gradlab.rules import RULES

    modules = {rule.__module__.rsplit(".", 1)[-1] for rule in RULES}
    pairs = [pair for entry in SUPERSEDED_AT.items() for pair in entry]
    assert {rule for rule, _ in pairs} <= modules
    assert {severity for _, severity in pairs} <= set(SEVERITIES)


def test_two_cells_at_the_same_line_stay_two() -> None:
    import gradlab as gl

    scope: dict[str, object] = {}
    cell = ("acc = (model(x).argmax(-1) == y).float().mean()\n"
            "loss = loss + (1 - acc)\n")
    first = ("import torch\ntorch.manual_seed(0)\nmodel = torch.nn.Linear(3, 2)\n"
             "x, y = torch.randn(4, 3), torch.tensor([0, 1, 0, 1])\n"
             "loss = torch.nn.functional.cross_entropy(model(x), y)\n")
    with gl.record() as rec:
        exec(compile(first, "/tmp/ipykernel_1/100.py", "exec"), scope)
        exec(compile("\n\n\n" + cell, "/tmp/ipykernel_1/101.py", "exec"), scope)
        exec(compile("\n\n\n" + cell, "/tmp/ipykernel_1/102.py", "exec"), scope)
    report = gl.diagnose(scope["loss"], recording=rec)  # type: ignore[arg-type]
    terms = [f for f in report.findings if f.kind == "constant_loss_term"]
    assert [f.where for f in terms] == ["line 5", "line 5"]
