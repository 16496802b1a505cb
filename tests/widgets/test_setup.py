"""gl.setup() and what a lesson's start costs: the collector is left as it was found, the
toggle needs no plotting library, and matplotlib is imported only when a loss curve is drawn."""

from __future__ import annotations

import gc
import random
import subprocess
import sys
from collections.abc import Iterator

import numpy as np
import pytest
import torch

import gradlab as gl


@pytest.fixture
def collector() -> Iterator[None]:
    """Undo what gl.setup() does to this test process: collector, random streams, printing."""
    enabled = gc.isenabled()
    streams = random.getstate(), np.random.get_state(), torch.get_rng_state()
    yield
    gc.unfreeze()
    if enabled:
        gc.enable()
    random.setstate(streams[0])
    np.random.set_state(streams[1])
    torch.set_rng_state(streams[2])
    torch.set_printoptions(profile="default")  # type: ignore[no-untyped-call]


@pytest.mark.parametrize("enabled", [True, False])
def test_setup_freezes_and_leaves_the_collector_on_or_off(enabled: bool,
                                                          collector: None) -> None:
    if not enabled:
        gc.disable()
    gl.setup(3)
    assert gc.isenabled() is enabled
    assert gc.get_freeze_count() > 100_000  # torch's objects are out of the collector's sight
    first = torch.rand(2)
    torch.manual_seed(3)
    assert torch.equal(first, torch.rand(2))


LESSON_START = """
import sys
import torch
import gradlab as gl
gl.setup()

def broken():
    w = torch.ones(2)
    loss = (w * 2).sum()
    return locals()

def fixed():
    w = torch.ones(2, requires_grad=True)
    optimizer = torch.optim.SGD([w], lr=0.1)
    def step():
        optimizer.zero_grad()
        loss = (w * 2).sum()
        loss.backward()
        optimizer.step()
        return loss
    loss = step()
    return locals()

toggle = gl.compare(broken, fixed)
toggle.show("fixed")
toggle.static()
print("matplotlib" in sys.modules)
curve = gl.compare(broken, fixed, train_steps=3)
print("matplotlib" in sys.modules, "<img" in curve.panes["curve"].value)
"""


def test_matplotlib_is_imported_by_the_first_loss_curve_only() -> None:
    """`import gradlab`, a toggle and its static view import no plotting library (matplotlib
    costs most of a second); the first loss curve imports matplotlib and draws with it."""
    done = subprocess.run([sys.executable, "-c", LESSON_START], capture_output=True, text=True,
                          timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["False", "True", "True"]
