# %% [markdown]
# # Lesson 09 · The training loop
#
# **What you will learn**
# - what `optimizer.zero_grad()` does to `.grad`, and what happens without it;
# - how to update a weight by hand without losing it (`w = w - lr * w.grad` vs the in-place
#   update under `no_grad`), and the traps of `.to()`, of optimizers built too early, of
#   unfreezing;
# - the order of `unscale_` and clipping with AMP's `GradScaler`, `checkpoint` with
#   `use_reentrant=True`, and DDP's unused-parameter error.
#
# *Prerequisites:* [lesson 08](08_silent_gradients.ipynb). *Time:* about 15 minutes.

# %%
import inspect
import tempfile
import warnings
from pathlib import Path

import torch
import torch.distributed as dist
import torch.nn.functional as F
from torch import nn
from torch.utils.checkpoint import checkpoint

import gradlab as gl

gl.setup()
x, y = torch.randn(16, 3), torch.randn(16, 1)

# %% [markdown]
# ## The symptom
#
# You read a gradient right after `zero_grad()`, to log its norm, and it is not zero: it is
# `None`.

# %%
torch.manual_seed(0)
model = nn.Linear(3, 1)
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
F.mse_loss(model(x), y).backward()
print("after backward:  ", model.weight.grad)
optimizer.zero_grad()
print("after zero_grad: ", model.weight.grad)

# %% [markdown]
# `zero_grad()` sets `.grad` to `None`: `set_to_none=True` is its default (since torch 2.0). It
# frees the memory, and the next `backward()` writes the gradient instead of adding to zeros.
# `zero_grad(set_to_none=False)` keeps a tensor of zeros:

# %%
print("zero_grad", inspect.signature(torch.optim.Optimizer.zero_grad))
F.mse_loss(model(x), y).backward()
optimizer.zero_grad(set_to_none=False)
print("set_to_none=False:", model.weight.grad)

# %% [markdown]
# ## The smallest broken program
#
# The other way round: no `zero_grad()` at all. `backward()` *adds* to `.grad`, so every step
# uses the sum of all gradients so far. With the weights held still, the numbers show it:

# %%
torch.manual_seed(0)
model = nn.Linear(3, 1)
for step in range(3):
    F.mse_loss(model(x), y).backward()
    print(f"backward {step + 1}: weight.grad {[round(g, 4) for g in model.weight.grad[0].tolist()]}")

# %% [markdown]
# ## Look at the graph
#
# The graph of one step is the same with or without `zero_grad()`: accumulation happens in
# `.grad`, outside the graph. Adding up gradients is even a legitimate technique (*gradient
# accumulation*: several `backward()` calls over small batches, then one step and `zero_grad()`).
# What gradlab follows instead is the order of the calls: a `backward()` that adds to a gradient
# the last `optimizer.step()` already used, and a step that applies the sum.

# %%
def one_step():
    model = nn.Linear(3, 1)
    loss = F.mse_loss(model(x), y)
    loss.backward()
    return locals()


gl.draw(one_step)

# %% [markdown]
# ## Flip it
#
# Each variant runs two steps before gradlab looks. Without `zero_grad()`, the second
# `backward()` adds to the gradient the first step used: gradlab reports `accumulated_gradient`
# with the lines of that backward and of the step that applied the sum. The loss curve shows the
# cost: each step pushes with the sum of every past gradient, overshoots and swings; with
# `zero_grad()`, the loss falls:

# %%
torch.manual_seed(0)
xs = torch.randn(64, 3)
ys = xs @ torch.tensor([[1.0], [-2.0], [0.5]])


def without_zero_grad():
    torch.manual_seed(0)
    model = nn.Linear(3, 1)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)

    def step():
        loss = F.mse_loss(model(xs), ys)
        loss.backward()
        optimizer.step()
        return loss

    step()
    loss = step()
    return locals()


def with_zero_grad():
    torch.manual_seed(0)
    model = nn.Linear(3, 1)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)

    def step():
        optimizer.zero_grad()
        loss = F.mse_loss(model(xs), ys)
        loss.backward()
        optimizer.step()
        return loss

    step()
    loss = step()
    return locals()


toggle = gl.compare(without_zero_grad, with_zero_grad, title="forgetting optimizer.zero_grad()",
                    train_steps=30)
toggle

# %% tags=["remove-cell"]
broken_run, fixed_run = toggle.show("broken"), toggle.show("fixed")
assert broken_run.kinds == ["accumulated_gradient"] and fixed_run.kinds == []
assert fixed_run.losses[-1] < 0.05 < broken_run.losses[-1]
assert any(later > earlier for earlier, later in zip(broken_run.losses, broken_run.losses[1:]))
assert all(later < earlier for earlier, later in zip(fixed_run.losses, fixed_run.losses[1:]))
_ = toggle.show("broken")

# %% [markdown]
# ## Why
#
# **Updating a weight by hand.** `w = w - lr * w.grad` does not change `w`: it makes a *new*
# tensor and rebinds the name. The new `w` is a non-leaf (it has a `grad_fn`), and backward
# does not fill a non-leaf's `.grad` (lesson [07](07_non_leaf_grad.ipynb)):

# %%
w = torch.zeros(3, 1, requires_grad=True)
F.mse_loss(x @ w, y).backward()
w = w - 0.1 * w.grad
print("is_leaf:", w.is_leaf, "| grad_fn:", type(w.grad_fn).__name__)

# %% [markdown]
# Under `torch.no_grad()` the new tensor has no history at all, so the next backward raises.
# gradlab names the failing backward and the line that rebound `w`:

# %%
def rebound():
    w = torch.zeros(3, 1, requires_grad=True)
    for _ in range(2):
        loss = F.mse_loss(x @ w, y)
        loss.backward()
        with torch.no_grad():
            w = w - 0.1 * w.grad
    return locals()


rebound_report = gl.diagnose(rebound)
assert rebound_report.kinds() == ["missing_requires_grad", "rebound_parameter"]
print(rebound_report)

# %% [markdown]
# The update an optimizer makes is in place, under `no_grad`: `w -= lr * w.grad` keeps the same
# leaf (its version goes up), and `w.grad = None` (or `w.grad.zero_()`) clears the gradient for
# the next step. The exercise below asks for exactly that.
#
# **`.to()` after creating a parameter.** `nn.Parameter(...).to(torch.float64)` returns a plain
# tensor computed from the parameter, not a parameter; when nothing changes, `.to()` returns the
# very same object:

# %%
p = nn.Parameter(torch.ones(2))
same, converted = p.to(torch.float32), p.to(torch.float64)
print("to(float32) is p:", same is p)
print("to(float64):", type(converted).__name__, "| is_leaf:", converted.is_leaf)


# %% [markdown]
# In a module, the converted tensor is stored as a plain attribute: `model.parameters()` does not
# list it, and its `.grad` stays `None`:

# %%
class Scaled(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(3, 1)
        self.scale = nn.Parameter(torch.ones(1)).to(torch.float64)

    def forward(self, x):
        return self.fc(x) * self.scale.float()


def scaled_to_float64():
    model = Scaled()
    loss = F.mse_loss(model(x), y)
    loss.backward()
    return locals()


print([name for name, _ in Scaled().named_parameters()])
converted_report = gl.diagnose(scaled_to_float64)
assert converted_report.kinds() == ["rebound_parameter"]
print(converted_report)

# %% [markdown]
# Create it with the dtype instead, `nn.Parameter(torch.ones(1, dtype=torch.float64))`, or
# convert the whole module with `model.to(torch.float64)`, which keeps parameters as leaves.
#
# **An optimizer built too early** holds only the parameters that existed then. A module with no
# parameters yet gives an error; a layer added after the optimizer is silently left out:

# %%
with gl.shows_error(ValueError):
    torch.optim.SGD(nn.Module().parameters(), lr=0.1)


class Encoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(3, 4)


def head_added_later():
    model = Encoder()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    model.head = nn.Linear(4, 1)
    loss = F.mse_loss(model.head(model.fc(x)), y)
    loss.backward()
    optimizer.step()
    return locals()


late = gl.diagnose(head_added_later)
assert late.kinds() == ["not_in_optimizer"]
print(late)

# %% [markdown]
# **Gradient clipping with AMP.** In mixed precision, small gradients underflow to zero in
# float16, so `GradScaler` multiplies the loss by a large scale, and the gradients in `.grad`
# carry the same factor. Clip them after `scaler.unscale_(optimizer)`, or the threshold applies
# to the scaled numbers. `torch.amp.GradScaler("cpu")` runs on the CPU, so the numbers are real:

# %%
print("1e-8 in float16:", torch.tensor(1e-8, dtype=torch.float16).item())
torch.manual_seed(0)
model = nn.Linear(3, 1)
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
scaler = torch.amp.GradScaler("cpu")
scaler.scale(F.mse_loss(model(x), y)).backward()
print("scale:", scaler.get_scale(), "| enabled on CPU:", scaler.is_enabled())
print(f"norm of the scaled gradients:   {model.weight.grad.norm().item():.1f}")
scaler.unscale_(optimizer)
print(f"norm after scaler.unscale_():   {model.weight.grad.norm().item():.4f}")
total = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)
print(f"clip_grad_norm_ saw total norm: {total.item():.4f}")
scaler.step(optimizer)
scaler.update()

# %% [markdown]
# Clipping before `unscale_` would have measured the scaled norm, 65536 times (the scale) too
# large, and cut every gradient to a sliver of its size.
#
# **`torch.utils.checkpoint` with `use_reentrant=True`** recomputes the forward during backward,
# and gives gradients only if an *input* requires grad, not only the layer's weights. With plain
# data as input it warns, and then backward raises:

# %%
layer = nn.Linear(3, 3)
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    out = checkpoint(layer, x, use_reentrant=True)
print("warning:", *[str(w.message) for w in caught])
print("out.requires_grad:", out.requires_grad)
with gl.shows_error(RuntimeError):
    out.sum().backward()

# %% [markdown]
# `use_reentrant=False` tracks the weights too:

# %%
out = checkpoint(layer, x, use_reentrant=False)
out.sum().backward()
print("layer.weight.grad is None:", layer.weight.grad is None)

# %% [markdown]
# PyTorch's documentation: [Optimizer.zero_grad](https://pytorch.org/docs/stable/generated/torch.optim.Optimizer.zero_grad.html),
# [AMP: gradient clipping](https://pytorch.org/docs/stable/notes/amp_examples.html#gradient-clipping),
# [torch.utils.checkpoint](https://pytorch.org/docs/stable/checkpoint.html).
#
# ## In the wild
#
# **Unfreezing after the optimizer was built.** Fine-tuning often freezes a pretrained part, builds
# the optimizer from the trainable parameters only (`filter(lambda p: p.requires_grad, ...)`), and
# unfreezes later. The optimizer never sees the unfrozen weights: as a fastai maintainer put it in
# [fastai/fastai#2133](https://github.com/fastai/fastai/issues/2133), the optimizer "needs to be
# created again because at creation, it only takes trainable parameters". Building it from every
# parameter works from the start: frozen ones have `.grad` None and the optimizer skips them.

# %%
def unfreeze_after_optimizer():
    torch.manual_seed(0)
    body, head = nn.Sequential(nn.Linear(3, 8), nn.Tanh()), nn.Linear(8, 1)
    body.requires_grad_(False)
    trainable = [p for p in [*body.parameters(), *head.parameters()] if p.requires_grad]
    optimizer = torch.optim.SGD(trainable, lr=0.1)
    body.requires_grad_(True)  # stage two: fine-tune everything

    def step():
        optimizer.zero_grad()
        loss = F.mse_loss(head(body(xs)), ys)
        loss.backward()
        optimizer.step()
        return loss

    loss = step()
    return locals()


def optimizer_over_everything():
    torch.manual_seed(0)
    body, head = nn.Sequential(nn.Linear(3, 8), nn.Tanh()), nn.Linear(8, 1)
    body.requires_grad_(False)
    optimizer = torch.optim.SGD([*body.parameters(), *head.parameters()], lr=0.1)
    body.requires_grad_(True)  # stage two: fine-tune everything

    def step():
        optimizer.zero_grad()
        loss = F.mse_loss(head(body(xs)), ys)
        loss.backward()
        optimizer.step()
        return loss

    loss = step()
    return locals()


wild = gl.compare(unfreeze_after_optimizer, optimizer_over_everything,
                  title="unfreezing after the optimizer was built", train_steps=30)
wild

# %% tags=["remove-cell"]
assert "not_in_optimizer" in wild.show("broken").kinds
assert wild.show("fixed").kinds == [] and wild.result.report.ok
assert wild.show("fixed").losses[-1] < wild.show("broken").losses[-1]
_ = wild.show("broken")

# %% [markdown]
# **DDP and a parameter the loss never used.** `DistributedDataParallel` averages gradients
# across processes and waits, each step, for every parameter's gradient. A layer that the forward
# does not use never reports, as in
# [open-mmlab/mmdetection3d#488](https://github.com/open-mmlab/mmdetection3d/issues/488) (a
# two-stage network). Run for real with one process on the CPU (the `gloo` backend): the first
# step succeeds, and the *second* forward raises:

# %%
class TwoHeads(nn.Module):
    def __init__(self):
        super().__init__()
        self.used, self.unused = nn.Linear(3, 1), nn.Linear(3, 1)

    def forward(self, x):
        return self.used(x)


def train_ddp(steps, **options):
    """Two training steps of TwoHeads under DDP in a one-process group."""
    with tempfile.TemporaryDirectory() as folder:
        dist.init_process_group("gloo", init_method=f"file://{Path(folder) / 'store'}",
                                rank=0, world_size=1)
        try:
            torch.manual_seed(0)
            model = nn.parallel.DistributedDataParallel(TwoHeads(), **options)
            optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
            for step in range(steps):
                optimizer.zero_grad()
                F.mse_loss(model(x), y).backward()
                optimizer.step()
                print(f"step {step + 1}: done")
        finally:
            dist.destroy_process_group()


with gl.shows_error(RuntimeError):
    train_ddp(2)

# %% [markdown]
# Use every parameter in the loss, remove the unused layer, or let DDP look for unused parameters
# at each step:

# %%
train_ddp(2, find_unused_parameters=True)

# %% [markdown]
# ## Your turn
#
# `train` fits `w` with three hand-written gradient steps, but the second step fails. Update `w`
# in place under `torch.no_grad()` and clear its gradient for the next step; then run the
# feedback cell.

# %%
def train():
    w = torch.zeros(3, 1, requires_grad=True)
    for _ in range(3):
        loss = F.mse_loss(x @ w, y)
        loss.backward()
        with torch.no_grad():
            w = w - 0.1 * w.grad
    return locals()

# %% [markdown]
# **Feedback.** `gl.grade` runs your `train` and the reference solution's on the exercise's `x`,
# `y` and compares `w` and the last loss, and says what gradlab finds. In a terminal:
# `python -m gradlab grade 10 my_answer.py`.
# Stuck? A solution waits at the end of this notebook, after the recap.

# %%
gl.grade("09", globals())

# %% [markdown]
# ## Recap
#
# - [ ] `optimizer.zero_grad()` once per step, before `backward()`; after it `.grad` is `None`.
# - [ ] Hand-written updates in place under `torch.no_grad()`: `w -= lr * w.grad`, never
#   `w = w - ...`.
# - [ ] Parameters created with their dtype (or the whole module moved with `model.to`), never
#   `nn.Parameter(...).to(...)`.
# - [ ] The optimizer built after the model is complete, from every parameter.
# - [ ] With AMP: `scaler.unscale_(optimizer)` before clipping; `checkpoint(..., use_reentrant=False)`.
#
# | when you see | think |
# |---|---|
# | `.grad` is `None` right after `zero_grad()` | `set_to_none=True`, the default since 2.0 |
# | the loss swings instead of falling; `accumulated_gradient` | gradients accumulating: no `zero_grad()` |
# | `optimizer got an empty parameter list` | the optimizer was built before the layers |
# | `None of the inputs have requires_grad=True. Gradients will be None` | `use_reentrant=False` |
# | `Expected to have finished reduction in the prior iteration` | a parameter the loss did not use, under DDP |

# %% [markdown]
# **Three questions**

# %% [markdown]
# 1. What is `model.weight.grad` right after `optimizer.zero_grad()`, and why?

# %% [markdown]
# <details><summary>Check your answer</summary>
#
# `None`: since torch 2.0 `zero_grad()` sets gradients to `None` by default, which frees memory
# and lets the next backward write instead of add. `zero_grad(set_to_none=False)` gives zeros.
# *The symptom* prints both.
#
# </details>

# %% [markdown]
# 2. Why does `w = w - lr * w.grad` break the next step, when `w -= lr * w.grad` under
#    `torch.no_grad()` does not?

# %% [markdown]
# <details><summary>Check your answer</summary>
#
# The first makes a new tensor and rebinds the name: outside `no_grad` it is a non-leaf whose
# `.grad` stays `None`; inside it has no history, so the next loss does not require grad and
# `backward()` raises. The in-place update changes the same leaf. *Why* shows both.
#
# </details>

# %% [markdown]
# 3. You froze a backbone, built `SGD(filter(lambda p: p.requires_grad, model.parameters()))`,
#    then unfroze it. What trains?

# %% [markdown]
# <details><summary>Check your answer</summary>
#
# Only the head: the optimizer kept the list it was given, so the backbone gets gradients that
# no optimizer applies. Build the optimizer from every parameter (frozen ones are skipped while
# their `.grad` is `None`), or rebuild it after unfreezing. *In the wild* shows both curves.
#
# </details>

# %% [markdown]
# ## Next
#
# [Lesson 10 · Debug your own model](10_debug_your_own.ipynb): a training script with several bugs at once.

# %% [markdown]
# ## Solution (peek if stuck)
#
# The reference solution of [Your turn](#Your-turn), as `%load solutions/09_training_loop.py`
# loads it (type that line in a cell to load it yourself), and the grader on it:

# %%
# %load solutions/09_training_loop.py

# %%
gl.grade("09", globals())
