"""A target network: parameters an optimizer holds, whose output is computed under no_grad, and
which the code moves by hand from other parameters (a Polyak update, a copy of the online
network's state). The run shows they follow the online network, so the no_grad cut is info;
the online network's own no_grad cut stays an error."""

from __future__ import annotations

from pathlib import Path

import pytest
from realworld import corpus

DQN = '''
import copy
import torch
from torch import nn

class Policy(nn.Module):
    def __init__(self):
        super().__init__()
        self.q_net = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))
        self.q_net_target = copy.deepcopy(self.q_net)

policy = Policy()
optimizer = torch.optim.Adam(policy.parameters(), lr=1e-3)
obs, actions, rewards = torch.randn(6, 4), torch.randint(0, 2, (6, 1)), torch.randn(6, 1)
for _ in range(2):
    with torch.no_grad():
        target_q = rewards + 0.9 * policy.q_net_target(obs).max(1, keepdim=True).values
    current_q = policy.q_net(obs).gather(1, actions)
    loss = nn.functional.smooth_l1_loss(current_q, target_q)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    with torch.no_grad():
        for p, p_targ in zip(policy.q_net.parameters(), policy.q_net_target.parameters()):
            UPDATE
'''
UPDATES = {
    "polyak": "p_targ.mul_(0.99).add_(p, alpha=0.01)",
    "lerp": "p_targ.lerp_(p, 0.01)",
    "data": "p_targ.data.copy_(0.01 * p.data + 0.99 * p_targ.data)",
    "state_dict": "policy.q_net_target.load_state_dict(policy.q_net.state_dict())",
}


def _script(tmp_path: Path, update: str) -> Path:
    script = tmp_path / "dqn.py"
    script.write_text(DQN.replace("UPDATE", update), encoding="utf-8")
    return script


@pytest.mark.parametrize("update", sorted(UPDATES))
def test_a_target_network_moved_by_hand_is_info(tmp_path: Path, update: str) -> None:
    check = corpus.check(_script(tmp_path, UPDATES[update]))
    assert check.code == 0 and check.flagged() == [], check.flagged()
    (cut,) = [f for f in check.findings if f["kind"] == "no_grad"]
    assert cut["severity"] == "info"
    assert cut["message"].startswith("may be intended: a target network: ")
    assert "in place from q_net.0.weight" in cut["message"] and "dqn.py:" in cut["message"]
    assert cut["fix"].startswith("nothing, for a target network")


def test_a_target_network_updated_from_its_own_values_is_still_an_error(
        tmp_path: Path) -> None:
    """Weight clipping changes it by hand too, but from nothing else: no evidence of a target."""
    check = corpus.check(_script(tmp_path, "p_targ.clamp_(-1.0, 1.0)"))
    assert check.code == 1 and [f["kind"] for f in check.flagged()] == ["no_grad"]


def test_the_online_network_under_no_grad_is_still_an_error(tmp_path: Path) -> None:
    source = DQN.replace("UPDATE", UPDATES["polyak"]).replace(
        "    current_q = policy.q_net(obs).gather(1, actions)",
        "    with torch.no_grad():\n        current_q = policy.q_net(obs).gather(1, actions)"
        ).replace("    loss.backward()", "    try:\n        loss.backward()\n"
                  "    except RuntimeError as error:\n        print(error)")
    script = tmp_path / "dqn.py"
    script.write_text(source, encoding="utf-8")
    check = corpus.check(script)
    errors = [f for f in check.flagged() if f["kind"] == "no_grad"]
    assert check.code == 1 and errors, check.findings
    assert all("q_net_target" not in name for f in errors for name in f["names"])
    assert any("q_net.0.weight" in f["names"] for f in errors)
