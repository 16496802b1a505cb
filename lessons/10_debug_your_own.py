# %% [markdown]
# # Lesson 10 · Debug your own model
#
# **What you will learn**
# - to debug a script you did not write, whose loss will not move: one finding at a time;
# - to read gradlab's findings as a list of cuts, each pointing at a line and a lesson;
# - a checklist for "my gradient is `None`" and "my loss does not move", and `gradlab check` for CI.
#
# *Prerequisites:* lessons [01](01_how_backward_works.ipynb) to
# [09](09_training_loop.ipynb). *Time:* {time}.

# %%
import inspect

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

import gradlab as gl

gl.setup()

# %% [markdown]
# ## Predict
#
# `train_buggy.py`, next to this notebook, is a complete small training script: data, a model,
# Adam, 60 steps. It runs without an error. Here is its model:

# %%
from train_buggy import Net, make_data, train

print(inspect.getsource(Net))

# %%
gl.predict(
    "After 60 steps of Adam, where is the loss?",
    ["near 0: no error, so it trains", "stuck at its first value", "about half its first value"],
    answer="about half its first value",
    why="Only head trains: encoder runs under no_grad, hidden's output goes through numpy, "
        "scale is a plain tensor. The head alone fits what it can from frozen random features, "
        "so the loss falls a little and stops. No error: head keeps the loss in the graph.",
)

# %% [markdown]
# ## The symptom

# %%
x, y = make_data()
torch.manual_seed(0)
losses = train(Net(), x, y)
print("loss at steps 1, 20, 40, 60:", [round(losses[i], 3) for i in (0, 19, 39, 59)])

# %% tags=["remove-cell"]
assert 0.3 < losses[-1] / losses[0] < 0.7

# %% [markdown]
# ## Look at the graph
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
# Three errors and a warning, each naming its parameters and, for a cut, its line; each sends
# you to a lesson you know:
#
# 1. `scale` is a plain tensor, not in `model.parameters()` (lesson 02).
# 2. The encoder runs under `torch.no_grad()` (lesson 03).
# 3. The hidden layer's output goes through `np.clip` (lesson 04).
# 4. `aux` is never used: harmless here, but under `DistributedDataParallel` it raises at the
#    second iteration ([lesson 09](09_training_loop.ipynb) runs it). Of the finding's three fixes,
#    `requires_grad_(False)` helps DDP only if you freeze `aux` before wrapping the model.

# %% tags=["remove-cell"]
def _one_step(model_class):
    torch.manual_seed(0)
    model = model_class()
    loss = F.mse_loss(model(x), y)
    loss.backward()
    return locals()


assert sorted(gl.diagnose(lambda: _one_step(Net)).kinds()) == [
    "no_grad", "numpy_roundtrip", "plain_tensor_attribute", "unused_parameter"]
assert gl.explain("Expected to have finished reduction in the prior iteration") is not None

# %% [markdown]
# ## Why one at a time
#
# A cut can hide another, so fix the first finding, run `%%gradlab` again, and repeat. An empty
# list means every parameter is on a path to the loss; a silent zero or `nan` gradient
# (lesson 08) shows in the gradient table's norms, not as a cut.

# %% [markdown]
# ## Optional · Flip it: the four fixes at once
#
# The toggle trains the script's model and a copy with all four findings fixed, 60 steps each.
# Both functions hold their model, so ▶ marks the changed lines themselves.

# %%
gl.predict(
    "With the four fixes, the loss after 60 steps is…",
    ["about the same: the head was doing the work", "a bit lower",
     "many times lower: every layer now learns"],
    answer="many times lower: every layer now learns",
    why="encoder, hidden and scale now get gradients and updates: the model can fit the smooth "
        "target instead of fitting it from random features (about 50 times lower here).",
)

# %%
def adam_step(model):
    optimizer = torch.optim.Adam(model.parameters(), lr=0.05)

    def step():
        optimizer.zero_grad()
        loss = F.mse_loss(model(x), y)
        loss.backward()
        optimizer.step()
        return loss
    return step

# %%
def the_script():
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.encoder, self.hidden = nn.Linear(4, 32), nn.Linear(32, 32)
            self.head, self.aux = nn.Linear(32, 1), nn.Linear(32, 1)
            self.scale = torch.ones(1)

        def forward(self, x):
            with torch.no_grad():
                h = torch.tanh(self.encoder(x))
            h = torch.relu(self.hidden(h))
            h = torch.from_numpy(np.clip(h.detach().numpy(), 0.0, 3.0))
            return self.scale * self.head(h)

    torch.manual_seed(0)
    model = Net()
    step = adam_step(model)
    loss = step()
    return locals()

# %%
def with_the_fixes():
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.encoder, self.hidden = nn.Linear(4, 32), nn.Linear(32, 32)
            self.head = nn.Linear(32, 1)
            self.scale = nn.Parameter(torch.ones(1))

        def forward(self, x):
            h = torch.tanh(self.encoder(x))
            h = torch.relu(self.hidden(h))
            h = torch.clamp(h, 0.0, 3.0)
            return self.scale * self.head(h)

    torch.manual_seed(0)
    model = Net()
    step = adam_step(model)
    loss = step()
    return locals()


toggle = gl.compare(the_script, with_the_fixes, title="train_buggy.py: the script vs the fixes",
                    train_steps=60)
toggle

# %% tags=["remove-cell"]
broken_run, fixed_run = toggle.show("broken"), toggle.show("fixed")
assert sorted(broken_run.kinds) == ["no_grad", "numpy_roundtrip", "plain_tensor_attribute",
                                    "unused_parameter"]
assert fixed_run.kinds == []
assert fixed_run.losses[-1] < broken_run.losses[-1] / 10
_ = toggle.show("broken")

# %% [markdown]
# ## Optional · From a terminal, and in CI
#
# `python -m gradlab check SCRIPT` runs a script as `python SCRIPT` would, under the recorder,
# and prints the findings. Here the cell calls `main`, the function that command runs, in this
# kernel, and prints what it returns: the command's exit code.

# %%
from gradlab.__main__ import main as gradlab_command

print("exit code:", gradlab_command(["check", "train_buggy.py"]))

# %% [markdown]
# The exit code is what CI looks at: **0** nothing found, **1** findings (as here), **2** a usage
# error or a missing file, **3** the script failed for a reason that has nothing to do with
# gradients.

# %% [markdown]
# ## Optional · Your turn
#
# A script you have not seen: a gated regressor. Each of its layers is meant to train. It has
# three bugs, of three different families, and no label saying which. Find them (`%%gradlab` on
# one step, or `gl.diagnose`), then fix `Gated` in the cell below, keeping the layers' names.

# %%
# %starter 10

# %% [markdown]
# **Feedback.** `gl.grade` builds your `Gated` and the reference on the same seed, runs one step
# on the exercise's own `x`, `y` and compares the parameters, the output, the loss and every
# gradient. In a terminal, `python -m gradlab grade 10 my_answer.py` does the same.

# %%
gl.grade("10", globals())

# %% [markdown]
# Stuck? Each run of the next cell gives the next hint: the symptom, then where, then the fix.

# %%
gl.hint("10")

# %% [markdown]
# `gl.solution("10")` shows the reference solution. Then your own model: `%%gradlab` on one
# step of it, or `python -m gradlab check your_script.py`.

# %% [markdown]
# ## Recap
#
# | when you see | think |
# |---|---|
# | a loss that falls a little, then stops | some layers get no gradient: `%%gradlab` on one step |
# | several findings | fix the first, run again |
# | a message you do not know | `gl.explain(message)` |

# %% [markdown]
# **Three questions**

# %% [markdown]
# 1. You fix only `scale` (an `nn.Parameter` now). Which findings remain, and does the loss
#    fall much further?

# %% [markdown]
# <details><summary>Check your answer</summary>
#
# The `no_grad`, numpy and unused-`aux` findings remain: `scale` only rescales the head's
# output, so the encoder and hidden layer still never learn and the loss stays far above the
# fixed model's.
#
# </details>

# %% [markdown]
# 2. Why does the script print no error although three layers never learn?

# %% [markdown]
# <details><summary>Check your answer</summary>
#
# `head` still requires grad, so the loss has a graph and `backward()` runs: it fills the
# gradients it can reach and leaves the others `None`. Adam skips parameters whose `.grad` is
# `None`, silently. An error comes only when nothing in the loss requires grad (lesson 03).
#
# </details>

# %% [markdown]
# 3. Someone replaces the numpy clip with `h = torch.clamp(h.detach(), 0.0, 3.0)`. Does the
#    hidden layer learn now?

# %% [markdown]
# <details><summary>Check your answer</summary>
#
# No. The numpy round-trip is gone, but `.detach()` cuts the same edge: `hidden.weight` and
# `hidden.bias` still get no gradient, and gradlab names the `.detach()` at that line
# (lesson 04). `torch.clamp(h, 0.0, 3.0)` alone keeps the path.
#
# </details>

# %% tags=["remove-cell"]
class _OnlyScale(Net):
    def __init__(self):
        super().__init__()
        self.scale = nn.Parameter(torch.ones(1))


_kinds = sorted(gl.diagnose(lambda: _one_step(_OnlyScale)).kinds())
assert _kinds == ["no_grad", "numpy_roundtrip", "unused_parameter"], _kinds
torch.manual_seed(0)
_only_scale = train(_OnlyScale(), x, y)
assert _only_scale[-1] > 5 * fixed_run.losses[-1]


class _DetachClamp(_OnlyScale):
    def forward(self, x):
        h = torch.tanh(self.encoder(x))
        h = torch.relu(self.hidden(h))
        h = torch.clamp(h.detach(), 0.0, 3.0)
        return self.scale * self.head(h)


_report = gl.diagnose(lambda: _one_step(_DetachClamp))
assert "detach" in _report.kinds(), _report.kinds()
assert _one_step(_DetachClamp)["model"].hidden.weight.grad is None

# %% [markdown]
# ## Optional · The checklist
#
# *My gradient is `None`*
# - [ ] Is the tensor a leaf? `t.is_leaf`; if not, `retain_grad()` or `autograd.grad` (lesson 07).
# - [ ] Does it require grad? An `nn.Parameter` on the module, not a plain tensor (lesson 02).
# - [ ] A `no_grad`, `inference_mode` or `@torch.no_grad()` on the path (lesson 03)?
# - [ ] `.detach()`, `.data`, `.numpy()`, `.item()`, `torch.tensor(...)` on the path (lesson 04)?
#
# *My loss does not move*
# - [ ] `list(model.parameters())` has every layer: no Python lists of layers (lesson 02).
# - [ ] The optimizer was built after the model was complete; `zero_grad`, `backward`, `step`
#   each run every step (lesson 09).
# - [ ] The gradient norms are not all zero or `nan` (lesson 08).
#
# *It raises*
# - [ ] `gl.explain(message)` explains the messages this course teaches and names the lesson;
#   for any other message (a shape mismatch, say) it returns `None`.
#
# ## Next
#
# [11 · Fact check](11_fact_check.ipynb): what is often written about gradients, tested.
