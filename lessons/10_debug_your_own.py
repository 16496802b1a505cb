# %% [markdown]
# # Lesson 10 · Debug your own model
#
# **What you will learn**
# - how to debug a training script whose loss will not move, one finding at a time;
# - how to check a script from a terminal or in CI with `python -m gradlab check`;
# - a one-page checklist for "my gradient is `None`" and "my loss does not move".
#
# *Prerequisites:* lessons [02](02_missing_requires_grad.ipynb) to [07](07_non_leaf_grad.ipynb).
# *Time:* about 20 minutes.

# %%
import tempfile
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

import gradlab as gl

gl.setup()

# %% [markdown]
# ## The symptom
#
# `train_buggy.py`, next to this notebook, is a complete small training script: data, a model,
# Adam, a loop. Here is its model:

# %%
import inspect

from train_buggy import Net, make_data, train

print(inspect.getsource(Net))

# %% [markdown]
# It runs without an error, and its loss falls, slowly: after 60 steps it is still at half its
# first value (the fixed model, at the end of this notebook, gets about fifty times lower):

# %%
x, y = make_data()
torch.manual_seed(0)
losses = train(Net(), x, y)
print("loss at steps 1, 20, 40, 60:", [round(losses[i], 3) for i in (0, 19, 39, 59)])

# %% [markdown]
# ## Ask gradlab
#
# `%%gradlab` runs a cell under the recorder and shows the graph and the findings for its loss.
# One training step is enough:

# %%
%load_ext gradlab

# %%
%%gradlab
torch.manual_seed(0)
model = Net()
optimizer = torch.optim.Adam(model.parameters(), lr=0.05)
loss = F.mse_loss(model(x), y)
loss.backward()

# %% [markdown]
# Three errors and a warning, naming the parameters and, for each cut, its line in
# `train_buggy.py`. Read them top to bottom:
#
# 1. `scale` is a plain tensor (lesson 02), so it is not in `model.parameters()`.
# 2. The encoder runs under `torch.no_grad()` (lesson 03).
# 3. The hidden layer's output goes through `np.clip` (lesson 04).
# 4. `aux` is never used: harmless here, but under `DistributedDataParallel` (DDP) it stops
#    training. The first backward runs; the error comes at the start of the second iteration.
#    gradlab names it on one machine, before you launch a cluster.
#
# The cell below shows that with DDP itself: one process on this CPU (the `gloo` backend, meeting
# itself through a file instead of the network), a model with an unused `aux` layer, two
# iterations. `gl.explain` does not know this message, so only torch's words are printed:

# %%
import torch.distributed as dist
from torch.nn.parallel import DistributedDataParallel


class WithAux(nn.Module):
    def __init__(self):
        super().__init__()
        self.head, self.aux = nn.Linear(4, 1), nn.Linear(4, 1)    # aux: never used

    def forward(self, x):
        return self.head(x)


rendezvous = Path(tempfile.mkdtemp()) / "rendezvous"
dist.init_process_group("gloo", init_method=f"file://{rendezvous}", rank=0, world_size=1)
try:
    ddp = DistributedDataParallel(WithAux())
    F.mse_loss(ddp(x), y).backward()
    print("iteration 1: forward and backward ran")
    with gl.shows_error(RuntimeError):
        F.mse_loss(ddp(x), y).backward()
finally:
    dist.destroy_process_group()

# %% [markdown]
# ## Fix them one at a time
#
# **Fix 1:** `scale` becomes an `nn.Parameter`.

# %%
class Fix1(Net):
    def __init__(self):
        super().__init__()
        self.scale = nn.Parameter(torch.ones(1))


def step(model_class):
    torch.manual_seed(0)
    model = model_class()
    optimizer = torch.optim.Adam(model.parameters(), lr=0.05)
    loss = F.mse_loss(model(x), y)
    loss.backward()
    return locals()


print(gl.diagnose(lambda: step(Fix1)).kinds())

# %% [markdown]
# **Fix 2:** the encoder leaves the `no_grad` block; the numpy clip is still there.

# %%
import numpy as np


class Fix2(Fix1):
    def forward(self, x):
        h = torch.tanh(self.encoder(x))
        h = torch.relu(self.hidden(h))
        h = torch.from_numpy(np.clip(h.detach().numpy(), 0.0, 3.0))
        return self.scale * self.head(h)


print(gl.diagnose(lambda: step(Fix2)).kinds())

# %% [markdown]
# **Fix 3:** `torch.clamp` instead of the numpy round-trip, and the leftover `aux` layer removed.

# %%
class Fixed(Fix1):
    def __init__(self):
        super().__init__()
        del self.aux

    def forward(self, x):
        h = torch.tanh(self.encoder(x))
        h = torch.relu(self.hidden(h))
        h = torch.clamp(h, 0.0, 3.0)
        return self.scale * self.head(h)


print(gl.diagnose(lambda: step(Fixed)))

# %% [markdown]
# The graph is clean: every parameter is on a path to the loss.

# %%
gl.draw(lambda: step(Fixed))

# %% [markdown]
# ## The loss, before and after
#
# The toggle trains both versions for 60 steps.

# %%
def train_the_script():
    torch.manual_seed(0)
    model = Net()
    optimizer = torch.optim.Adam(model.parameters(), lr=0.05)

    def step():
        optimizer.zero_grad()
        loss = F.mse_loss(model(x), y)
        loss.backward()
        optimizer.step()
        return loss

    loss = step()
    return locals()


def train_with_the_fixes():
    torch.manual_seed(0)
    model = Fixed()
    optimizer = torch.optim.Adam(model.parameters(), lr=0.05)

    def step():
        optimizer.zero_grad()
        loss = F.mse_loss(model(x), y)
        loss.backward()
        optimizer.step()
        return loss

    loss = step()
    return locals()


toggle = gl.compare(train_the_script, train_with_the_fixes,
                    title="train_buggy.py: the script vs all three fixes", train_steps=60)
toggle

# %% tags=["remove-cell"]
broken_run, fixed_run = toggle.show("broken"), toggle.show("fixed")
assert sorted(broken_run.kinds) == ["no_grad", "numpy_roundtrip", "plain_tensor_attribute",
                                    "unused_parameter"]
assert fixed_run.kinds == []
assert fixed_run.losses[-1] < 0.5 * broken_run.losses[-1]
_ = toggle.show("broken")

# %%
print("final loss, buggy:", round(broken_run.losses[-1], 4))
print("final loss, fixed:", round(fixed_run.losses[-1], 4))

# %% [markdown]
# ## From a terminal, and in CI
#
# `python -m gradlab check SCRIPT` runs a script as `python SCRIPT` would, under the recorder,
# finds its loss, models and optimizers, and prints the findings. In a terminal you type
# `python -m gradlab check train_buggy.py`; here the cell calls `main`, the function that
# command runs, in this kernel (no second Python that imports torch again), with the same
# arguments, and prints what it returns: the command's exit code.

# %%
from gradlab.__main__ import main as gradlab_command

print("exit code:", gradlab_command(["check", "train_buggy.py"]))

# %% [markdown]
# The exit code is what CI looks at: **0** nothing found, **1** findings (as here), **2** a usage
# error or a missing file, **3** the script failed for a reason that has nothing to do with
# gradients. A clean script exits with 0:

# %%
clean = Path(tempfile.mkdtemp()) / "clean.py"
clean.write_text("import torch\n"
                 "model = torch.nn.Linear(3, 1)\n"
                 "loss = model(torch.randn(4, 3)).pow(2).mean()\n"
                 "loss.backward()\n")
print("exit code:", gradlab_command(["check", str(clean)]))

# %% [markdown]
# ## Your turn
#
# Fix every bug of `train_buggy.py` in one class: the cell below holds its `Net` as it is. Make
# `scale` train, let the encoder and the hidden layer get their gradients, and remove what the
# forward never uses; keep the layers' names and order. Then run the feedback cell under it.

# %%
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.encoder = nn.Linear(4, 32)
        self.hidden = nn.Linear(32, 32)
        self.head = nn.Linear(32, 1)
        self.aux = nn.Linear(32, 1)            # left over from an old experiment
        self.scale = torch.ones(1)             # meant to be learned

    def forward(self, x):
        with torch.no_grad():                  # "the encoder is cheap, save memory"
            h = torch.tanh(self.encoder(x))
        h = torch.relu(self.hidden(h))
        h = torch.from_numpy(np.clip(h.detach().numpy(), 0.0, 3.0))   # keep activations small
        return self.scale * self.head(h)

# %% [markdown]
# **Feedback.** `gl.grade` builds your `Net` and the reference solution's on the same seed, runs
# one step on the exercise's own `x`, `y` (forward, the loss, `backward()`), and compares the output,
# the loss, every parameter's gradient and what gradlab finds. In a terminal,
# `python -m gradlab grade 07 my_answer.py` does the same for a file that defines `Net`.
# Stuck? A solution waits at the end of this notebook, after the checklist.

# %%
gl.grade("10", globals())

# %% [markdown]
# Then your own model: run `%%gradlab` on one step of a training script of your own (paste the
# model and one step in a cell), or `python -m gradlab check your_script.py` in a terminal. Fix the
# first finding, run again, repeat.
#
# ## The checklist
#
# **My gradient is `None`**
# - [ ] Is the tensor a leaf? `t.is_leaf`; if not, `retain_grad()` or `autograd.grad` (lesson 07).
# - [ ] Does it require grad? An `nn.Parameter` on the module, not a plain tensor (lesson 02).
# - [ ] Is there a `no_grad`, `inference_mode` or `@torch.no_grad()` on the path (lesson 03)?
# - [ ] `.detach()`, `.data`, `.numpy()`, `.item()`, `torch.tensor(...)` on the path (lesson 04)?
# - [ ] Did backward run at all, on the loss that uses it?
#
# **My loss does not move**
# - [ ] `list(model.parameters())` has every layer: no Python lists of layers (lesson 02).
# - [ ] The optimizer was built after the model was complete, from `model.parameters()`.
# - [ ] `optimizer.zero_grad()`, `loss.backward()`, `optimizer.step()` each run every step.
# - [ ] The gradient norms are not all zero (`gl.diagnose(step).grads`).
#
# **It raises**
# - [ ] `modified by an inplace operation`: lesson 05. `backward through the graph a second
#   time`: lesson 06. Any other message: `gl.explain(error)` explains the ones this course teaches
#   and returns `None` for the rest.
#
# ## Next
#
# [Lesson 11 · Fact check](11_fact_check.ipynb): what is often written about gradients, tested.

# %% [markdown]
# ## Solution (peek if stuck)
#
# The reference solution of [Your turn](#Your-turn), as `%load solutions/10_debug_your_own.py`
# loads it (type that line in a cell to load it yourself), and the grader on it:

# %%
# %load solutions/10_debug_your_own.py

# %%
gl.grade("10", globals())
