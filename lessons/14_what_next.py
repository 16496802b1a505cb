# %% [markdown]
# # 14 · What next
#
# **On this page**
# - where to read further: PyTorch's autograd notes, anomaly mode, `torch.func`;
# - GPU notes: device mismatches, and `.to()` on a parameter versus on a module;
# - `python -m gradlab check` on your own project.
#
# *Prerequisites:* the course. *Time:* {time}.

# %%
import warnings

import torch
from torch import nn

import gradlab as gl

gl.setup()

# %% [markdown]
# ## Read further
#
# - [Autograd mechanics](https://pytorch.org/docs/stable/notes/autograd.html): grad modes, saved
#   tensors, in-place correctness, hooks; the reference behind lessons 01-08.
# - [Anomaly mode](https://pytorch.org/docs/stable/autograd.html#anomaly-detection):
#   `torch.autograd.detect_anomaly()` (or `torch.autograd.set_detect_anomaly(True)` for the whole
#   program) makes backward raise at the first op whose gradient is `nan`, and names that op.
#   Its notice says the cost: switch it on to find a bug, then off. Lesson 08's `where` trap, caught:

# %%
x = torch.tensor([0.0, 1.0], requires_grad=True)
with warnings.catch_warnings(record=True) as caught, torch.autograd.detect_anomaly():
    warnings.simplefilter("always")              # kept, not shown: one is a long traceback
    with gl.shows_error(RuntimeError):
        torch.where(x > 0, x.sqrt(), 0.0).sum().backward()
notice = str(caught[0].message)
print("torch's notice:", notice)
assert notice.startswith("Anomaly Detection has been enabled. This mode will increase the runtime")

# %% [markdown]
# - [`torch.func`](https://pytorch.org/docs/stable/func.html): gradients as functions
#   (`grad`, `vmap`, `jacrev`), with no `.grad` to forget, zero or read on a non-leaf. The
#   second derivative of lesson 06, as a function of a function:

# %%
from torch.func import grad

cube = lambda t: t ** 3                                      # noqa: E731
first, second = grad(cube)(torch.tensor(2.0)), grad(grad(cube))(torch.tensor(2.0))
print("d/dt t³ at 2:", first.item(), "| second derivative:", second.item())
assert (first.item(), second.item()) == (12.0, 12.0)

# %% [markdown]
# ## On a GPU
#
# Everything in this course runs the same way on a GPU; two things are new.
#
# **Device mismatch.** An op whose tensors live on different devices raises, in the forward pass,
# before any gradient exists: move the inputs to the model's device (`x.to(device)`). There is no
# GPU here, so the `meta` device (tensors with a shape and no data) stands in for `cuda`:

# %%
layer = nn.Linear(2, 1).to("meta")
with gl.shows_error(RuntimeError):
    layer(torch.ones(1, 2))

# %% [markdown]
# **`.to()` on a parameter copies; `.to()` on a module moves.** `.cuda()` and `.to(device)`
# on an `nn.Parameter` return a *new* tensor, made by an op: a non-leaf, whose `.grad` stays
# `None` (lesson [07](07_non_leaf_grad.ipynb)). `module.to(device)` changes each parameter's
# data in place: the module keeps the same `Parameter` objects, still leaves. Here `float64`
# stands in for the device, as lesson [09](09_training_loop.ipynb) does:

# %%
weight = nn.Parameter(torch.randn(2))
moved = weight.to(torch.float64)                             # as weight.cuda() would
model = nn.Linear(2, 1)
before = model.weight
model.to(torch.float64)                                      # as model.cuda() would
print(f"weight.to(...):  {type(moved).__name__}, leaf: {moved.is_leaf}, "
      f"grad_fn: {type(moved.grad_fn).__name__}")
print(f"model.to(...):   same Parameter: {model.weight is before}, leaf: {model.weight.is_leaf}, "
      f"dtype: {model.weight.dtype}")
assert type(moved) is torch.Tensor and not moved.is_leaf
assert model.weight is before and model.weight.is_leaf and model.weight.dtype == torch.float64

# %% [markdown]
# So: build the model, `model.to(device)`, *then* the optimizer from `model.parameters()`; move
# the data, never the parameters one by one.

# %% [markdown]
# ## On your own project
#
# `python -m gradlab check SCRIPT` runs a training script under gradlab's recorder and prints
# what it finds; lesson [10](10_debug_your_own.ipynb) reads its exit codes for CI. Before you run
# it on `train_buggy.py` again: how many findings will it print, and which one is only a warning?
# (As in lesson 10, the cell calls the command's `main` in this kernel instead of starting a
# second Python.)

# %%
from gradlab.__main__ import main as gradlab_command

code = gradlab_command(["check", "train_buggy.py"])
print("exit code:", code)
assert code == 1

# %% [markdown]
# On your own code:
# 1. Make one run short: a few steps of a small batch is enough (gradlab looks at the graph,
#    not at convergence).
# 2. In a terminal, from the folder your script imports from:
#    `python -m gradlab check train.py`. In a notebook: `%%gradlab` on a cell that computes one
#    loss, or `gl.diagnose(step)` for a function that returns `locals()`.
# 3. Fix the first finding, run again. Exit code 0 means gradlab found nothing it knows about,
#    not that the model is right: the loss curve still has the last word.
# 4. In CI, the same command as a step: a finding (exit code 1) fails the build.
#
# ## Next
#
# That is the course. Back to [the start page](00_start_here.ipynb) for the map, or keep
# [the cheat sheet](13_cheat_sheet.ipynb) open while you work.
