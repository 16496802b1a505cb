# %% [markdown]
# # Lesson 09 · The training loop
#
# **What you will learn**
# - what a loop without `zero_grad()` does to training;
# - what `zero_grad()` leaves in `.grad`;
# - the loop's other traps: updates by hand, optimizers built too early, AMP, DDP.
#
# *Prerequisites:* [lesson 01](01_how_backward_works.ipynb) (`.grad` adds up) and
# [lesson 08](08_silent_gradients.ipynb). *Time:* {time}.

# %%
import torch
import torch.nn.functional as F
from torch import nn

import gradlab as gl

gl.setup()
x, y = torch.randn(16, 3), torch.randn(16, 1)
xs = torch.randn(64, 3)
ys = xs @ torch.tensor([[1.0], [-2.0], [0.5]])

# %% [markdown]
# ## Predict
#
# Three `backward()` calls, `.grad` never cleared, the weights held still:

# %%
torch.manual_seed(0)
model = nn.Linear(3, 1)
gl.predict("After the third backward(), model.weight.grad is:", ["the third gradient alone",
           "the sum of the three", "None"], answer="the sum of the three",
           why="AccumulateGrad adds each new gradient to what .grad holds (lesson 01); "
               "nothing clears it until zero_grad() or .grad = None.")

# %% [markdown]
# ## The symptom

# %%
for step in range(3):
    F.mse_loss(model(x), y).backward()
    print(f"backward {step + 1}: weight.grad {[round(g, 4) for g in model.weight.grad[0].tolist()]}")

# %% tags=["remove-cell"]
_g = model.weight.grad.clone()
model.weight.grad = None
F.mse_loss(model(x), y).backward()
assert torch.allclose(_g, 3 * model.weight.grad)

# %% [markdown]
# ## Look at the graph
#
# The graph is the same with or without `zero_grad()`: its `AccumulateGrad` nodes do the
# adding, at every backward.

# %%
gl.draw(F.mse_loss(model(x), y))

# %% [markdown]
# ## Flip it

# %%
_swings = "swings and falls more slowly"
gl.predict("Without zero_grad(), the loss:", ["falls as with it", _swings, "does not move"],
           answer=_swings, why="each step pushes with the sum of every past gradient: it "
                               "overshoots and has to come back.")

# %%
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


gl.compare(without_zero_grad, with_zero_grad, title="forgetting optimizer.zero_grad()",
           train_steps=30)

# %% tags=["remove-cell"]
toggle = gl.compare(without_zero_grad, with_zero_grad, title="forgetting optimizer.zero_grad()",
                    train_steps=30)
broken_run, fixed_run = toggle.show("broken"), toggle.show("fixed")
assert broken_run.kinds == ["accumulated_gradient"] and fixed_run.kinds == []
assert fixed_run.losses[-1] < 0.05 < broken_run.losses[-1]
assert any(later > earlier for earlier, later in zip(broken_run.losses, broken_run.losses[1:]))
assert all(later < earlier for earlier, later in zip(fixed_run.losses, fixed_run.losses[1:]))
_ = toggle.show("broken")

# %% [markdown]
# ## Why
#
# `zero_grad()` sets `.grad` to `None` (the default since torch 2.0), so the next backward
# writes instead of adding. Adding on purpose is *gradient accumulation* (question 1).
# [Optimizer.zero_grad](https://pytorch.org/docs/stable/generated/torch.optim.Optimizer.zero_grad.html).

# %% tags=["remove-cell"]
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
optimizer.zero_grad()
assert model.weight.grad is None
F.mse_loss(model(x), y).backward()
optimizer.zero_grad(set_to_none=False)
assert model.weight.grad is not None and not model.weight.grad.any()

# %% [markdown]
# ## Optional · The update by hand
#
# `w = w - lr * w.grad` makes a *new* tensor and rebinds the name; under `no_grad` it has no
# history, so the next loss does not require grad. `w -= lr * w.grad` under `no_grad` changes
# the same leaf:

# %%
def rebound_step(w):
    with torch.no_grad():
        w = w - 0.1 * w.grad
    return w


def in_place_step(w):
    with torch.no_grad():
        w -= 0.1 * w.grad
    return w


for update in (rebound_step, in_place_step):
    w = torch.zeros(3, 1, requires_grad=True)
    F.mse_loss(x @ w, y).backward()
    new = update(w)
    print(f"{update.__name__:<14} same tensor: {new is w!s:<5} is_leaf: {new.is_leaf!s:<5} "
          f"requires_grad: {new.requires_grad}")

# %% tags=["remove-cell"]
_w = torch.zeros(3, 1, requires_grad=True)
F.mse_loss(x @ _w, y).backward()
assert rebound_step(_w).requires_grad is False
assert in_place_step(_w) is _w and _w.is_leaf and _w.requires_grad

# %% [markdown]
# ## Optional · `Parameter.to(float64)`
#
# `nn.Parameter(...).to(torch.float64)` returns a plain tensor computed from the parameter: a
# module that stores it has one parameter fewer. Create it with its dtype, or move the whole
# module with `model.to(torch.float64)`, which keeps parameters as leaves:

# %%
class Scaled(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(3, 1)
        self.scale = nn.Parameter(torch.ones(1)).to(torch.float64)


print("parameters:", [name for name, _ in Scaled().named_parameters()])
print("scale:", type(Scaled().scale).__name__, "| is_leaf:", Scaled().scale.is_leaf)
print("after model.to:", [(n, p.dtype) for n, p in nn.Linear(3, 1).to(torch.float64).named_parameters()])

# %% [markdown]
# ## Optional · An optimizer built too early
#
# An optimizer holds the parameters it was given when it was built. Built from a module with
# none yet, it raises:

# %%
with gl.shows_error(ValueError):
    torch.optim.SGD(nn.Module().parameters(), lr=0.1)

# %% [markdown]
# **Unfreezing after the optimizer was built.** Fine-tuning often freezes a pretrained part,
# builds the optimizer from the trainable parameters only, and unfreezes later: the optimizer
# never sees the unfrozen weights ("needs to be created again", as a fastai maintainer put it in
# [fastai/fastai#2133](https://github.com/fastai/fastai/issues/2133)). Build it from every
# parameter instead:

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


gl.predict("Which program trains the body after unfreezing?",
           ["both", "only optimizer_over_everything", "neither"],
           answer="only optimizer_over_everything",
           why="the first optimizer was given the head's parameters only; the body gets "
               "gradients that no optimizer applies.")

# %%
gl.compare(unfreeze_after_optimizer, optimizer_over_everything,
           title="unfreezing after the optimizer was built", train_steps=30)

# %% tags=["remove-cell"]
wild = gl.compare(unfreeze_after_optimizer, optimizer_over_everything,
                  title="unfreezing after the optimizer was built", train_steps=30)
assert "not_in_optimizer" in wild.show("broken").kinds
assert wild.show("fixed").kinds == [] and wild.result.report.ok
assert wild.show("fixed").losses[-1] < wild.show("broken").losses[-1]
_ = wild.show("broken")

# %% [markdown]
# While the body is frozen, the optimizer skips it: its `.grad` is `None`, and `step()` leaves
# it as it was:

# %%
torch.manual_seed(0)
body, head = nn.Linear(3, 8), nn.Linear(8, 1)
body.requires_grad_(False)
optimizer = torch.optim.SGD([*body.parameters(), *head.parameters()], lr=0.1)
before = body.weight.clone()
F.mse_loss(head(body(xs)), ys).backward()
optimizer.step()
print("body.weight.grad:", body.weight.grad, "| unchanged:", torch.equal(body.weight, before))

# %% [markdown]
# ## Optional · Clipping with AMP's `GradScaler`
#
# `GradScaler` multiplies the loss by a large scale so small float16 gradients do not underflow;
# `.grad` carries the same factor. Clip after `scaler.unscale_(optimizer)`: before it,
# `clip_grad_norm_` measures the scaled norm. On the CPU, side by side:

# %%
import warnings

from torch.utils.checkpoint import checkpoint


def total_norm(unscale_first):
    torch.manual_seed(0)
    model = nn.Linear(3, 1)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    scaler = torch.amp.GradScaler("cpu")
    scaler.scale(F.mse_loss(model(x), y)).backward()
    if unscale_first:
        scaler.unscale_(optimizer)
    return nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0).item(), scaler.get_scale()


(before, scale), (after, _) = total_norm(False), total_norm(True)
print(f"scale {scale:.0f} | norm clipped before unscale_ {before:.1f}, after {after:.4f}")

# %% tags=["remove-cell"]
assert abs(before / after - scale) < 1e-2 * scale

# %% [markdown]
# Clipped before `unscale_`, every gradient is cut to `1.0 / norm` of its size: a factor
# 65536 (the scale) too small.
# [AMP: gradient clipping](https://pytorch.org/docs/stable/notes/amp_examples.html#gradient-clipping).
#
# ## Optional · `checkpoint` with `use_reentrant=True`
#
# It gives gradients only if an *input* requires grad, not only the layer's weights. With plain
# data as input it warns, and backward raises; `use_reentrant=False` tracks the weights too:

# %%
layer = nn.Linear(3, 3)
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    out = checkpoint(layer, x, use_reentrant=True)
print("warning:", *{str(w.message) for w in caught})
with gl.shows_error(RuntimeError):
    out.sum().backward()
checkpoint(layer, x, use_reentrant=False).sum().backward()
print("use_reentrant=False, layer.weight.grad is None:", layer.weight.grad is None)

# %% [markdown]
# ## Optional · DDP and a parameter the loss never used
#
# `DistributedDataParallel` averages gradients across processes during backward. A layer the
# forward does not use never reports its gradient, as in
# [open-mmlab/mmdetection3d#488](https://github.com/open-mmlab/mmdetection3d/issues/488). Two
# real processes on the CPU (`gloo`), each with its own data:

# %%
gl.predict("Two processes, no find_unused_parameters, one layer unused: what happens?",
           ["every process hangs at step 1, waiting", "step 1 runs; the second forward raises",
            "both steps run, the unused layer stays put"],
           answer="step 1 runs; the second forward raises",
           why="nothing waits: step 1's backward leaves the reduction unfinished (the unused "
               "layer's gradient never came), so the used layer's gradient is not averaged "
               "either; the next forward checks and raises on every process.")

# %% [markdown]
# [`ddp_unused.py`](ddp_unused.py), beside this notebook, runs it with two `gloo` processes on
# the CPU (world size 2, each rank its own data; a model with layers `used` and `unused`), once
# without and once with `find_unused_parameters`. Run it yourself with `!python ddp_unused.py`
# (a few seconds: two new processes; a test checks that torch 2.13 prints exactly this):
#
# ```text
# find_unused_parameters=False:
#   rank 0, step 1: used.weight.grad sums to 1.1698
#   rank 0, step 2: Expected to have finished reduction in the prior iteration before starting a new one
#   rank 1, step 1: used.weight.grad sums to 0.8764
#   rank 1, step 2: Expected to have finished reduction in the prior iteration before starting a new one
# find_unused_parameters=True:
#   rank 0, step 1: used.weight.grad sums to 1.0231
#   rank 0, step 2: used.weight.grad sums to -0.9268
#   rank 1, step 1: used.weight.grad sums to 1.0231
#   rank 1, step 2: used.weight.grad sums to -0.9268
# ```
#
# Without `find_unused_parameters`, at step 1 the two ranks hold *different* gradients: each
# steps with its own, unaveraged. With it, both steps run and both ranks hold the same, averaged
# gradient. (Or use every parameter in the loss, or remove the layer.)

# %% [markdown]
# ## Optional · Your turn
#
# `finetune` (reduced from real reports of layers replaced after the optimizer was built) swaps
# a "pretrained" model's head for one output and trains for three steps. Something is off; the
# grader says what differs. Fix it.

# %%
# %starter 09

# %% [markdown]
# **Feedback** (`python -m gradlab grade 09 my_answer.py` in a terminal):

# %%
gl.grade("09", globals())

# %% [markdown]
# Stuck? Each call gives the next hint (symptom, where, fix):

# %%
gl.hint("09")

# %% [markdown]
# `gl.solution("09")` shows the reference solution.
#
# ## Recap
#
# | when you see | think |
# |---|---|
# | the loss swings; `accumulated_gradient` | no `zero_grad()` |
# | `.grad` is `None` after `zero_grad()` | its default, `set_to_none=True` |
# | a layer that never changes | the optimizer was built before it |
#
# ### Optional · Check yourself

# %% [markdown]
# **Three questions**

# %% [markdown]
# 1. You call `backward()` on four small batches, then `optimizer.step()` and `zero_grad()`.
#    Bug or technique? What does `.grad` hold at the step?

# %% [markdown]
# <details><summary>Check your answer</summary>
#
# A technique, gradient accumulation: `.grad` holds the sum of the four gradients (divide each
# loss by 4 for their mean). It is a bug only when no `zero_grad()` follows the step.
#
# </details>

# %% [markdown]
# 2. Why does `w = w - lr * w.grad` under `torch.no_grad()` break the next step, when
#    `w -= lr * w.grad` does not?

# %% [markdown]
# <details><summary>Check your answer</summary>
#
# The first rebinds `w` to a new tensor made without history (`requires_grad=False`), so the
# next loss does not require grad and `backward()` raises. The second changes the same leaf.
# *Optional · The update by hand* prints both.
#
# </details>

# %% [markdown]
# 3. Under DDP with two processes, a layer is never used in the forward. What happens at step 1,
#    and at step 2?

# %% [markdown]
# <details><summary>Check your answer</summary>
#
# Step 1 runs, but its gradients are not averaged: each process steps with its own. The second
# forward raises `Expected to have finished reduction in the prior iteration` on every process.
# Nothing hangs.
#
# </details>

# %% [markdown]
# ## Next
#
# [10 · Debug your own model](10_debug_your_own.ipynb)
