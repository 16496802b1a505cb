# %% [markdown]
# # Lesson 08 · Silent gradients: zero, NaN and wrong
#
# **What you will learn**
# - which ops have a zero derivative (`round`, `sign`, `argmax`, integer casts, a dead ReLU, a
#   saturated `clamp` or `sigmoid`), and the straight-through estimator that trains through them;
# - why `torch.where(x > 0, torch.sqrt(x), 0)` still gives a NaN gradient, and how to sanitise
#   the input instead;
# - how a change through `.data` after the forward gives a wrong gradient with no error, and how
#   `gl.diagnose(..., steps=N)` answers "my loss does not move".
#
# *Prerequisites:* [lesson 05](05_in_place.ipynb). *Time:* about 15 minutes.

# %%
import torch
import torch.nn.functional as F
from torch import nn

import gradlab as gl

gl.setup()
x, y = torch.randn(16, 3), torch.randn(16, 1)

# %% [markdown]
# ## The symptom
#
# A model whose predictions must be whole numbers (counts, ratings), so it rounds its output.
# Nothing raises, `backward()` runs, the optimizer steps, and the loss does not move:

# %%
torch.manual_seed(0)
model = nn.Linear(3, 1)
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
for step in range(4):
    optimizer.zero_grad()
    loss = F.mse_loss(model(x).round(), y)
    loss.backward()
    optimizer.step()
    print(f"step {step}: loss {loss.item():.4f} | weight.grad {model.weight.grad.tolist()}")

# %% [markdown]
# ## The smallest broken program
#
# Every gradient is exactly zero. gradlab names the op that zeroed it, before any step:

# %%
def broken():
    model = nn.Linear(3, 1)
    loss = F.mse_loss(model(x).round(), y)
    loss.backward()
    return locals()


print(gl.diagnose(broken))

# %% [markdown]
# ## Look at the graph
#
# The edge is not cut: `RoundBackward0` is in the graph, and backward runs through it. It just
# multiplies every gradient by zero.

# %%
gl.draw(broken)

# %% [markdown]
# ## Flip it
#
# The fix is the *straight-through estimator* (STE): the forward uses the rounded value, the
# backward treats rounding as the identity. `out + (out.round() - out).detach()` equals
# `out.round()` in value, and its gradient is that of `out`, because the detached part is a
# constant to autograd.

# %%
def fixed():
    model = nn.Linear(3, 1)
    out = model(x)
    out = out + (out.round() - out).detach()
    loss = F.mse_loss(out, y)
    loss.backward()
    return locals()


toggle = gl.compare(broken, fixed, title="round() into the loss")
toggle

# %% tags=["remove-cell"]
assert "non_differentiable" in toggle.show("broken").kinds
assert [(f.kind, f.severity) for f in toggle.show("fixed").findings] == [("detach", "info")]
assert toggle.result.report.ok
_ = toggle.show("broken")

# %% [markdown]
# gradlab marks the `.detach()` of the STE as *info* ("may be intended"): the gradient still
# reaches the weights along the other path, `out`.
#
# ## Why
#
# **Some ops have a zero derivative almost everywhere.** `round`, `floor`, `sign` are step
# functions: flat between the steps, so their derivative is 0 (and undefined on the steps, where
# PyTorch also gives 0: `round` steps at -2.5, `floor` at 1.0 and 0.0, `sign` at 0.0):

# %%
w = torch.tensor([0.3, 1.0, -2.5, 0.0], requires_grad=True)
for name, op in [("round", torch.round), ("floor", torch.floor), ("sign", torch.sign)]:
    (grad,) = torch.autograd.grad(op(w).sum(), w)
    print(f"{name:<6} gradient: {grad.tolist()}")

# %% [markdown]
# **Some ops return integers or booleans**, which cannot carry a gradient at all: `argmax`,
# comparisons, integer casts. Their outputs have `requires_grad=False`, so the graph ends there:

# %%
logits = torch.randn(4, 3, requires_grad=True)
for name, out in [("argmax", logits.argmax(1)), ("logits > 0", logits > 0),
                  (".long()", logits.long())]:
    print(f"{name:<10} dtype {str(out.dtype):<12} requires_grad {out.requires_grad}")

# %% [markdown]
# That is the *accuracy-as-loss* trap: accuracy counts `argmax` hits, so a loss built from it has
# no history, and backward raises:

# %%
target = torch.tensor([0, 2, 1, 0])
accuracy = (logits.argmax(1) == target).float().mean()
with gl.shows_error(RuntimeError):
    (1 - accuracy).backward()

# %% [markdown]
# Train on a differentiable surrogate (here `F.cross_entropy` on the logits) and keep accuracy
# for reporting:

# %%
loss = F.cross_entropy(logits, target)
loss.backward()
print("loss:", round(loss.item(), 4), "| logits.grad is all zero:", not logits.grad.any())

# %% [markdown]
# **A dead ReLU layer passes nothing back.** `relu` has derivative 0 where its input is negative.
# When a layer's pre-activations are negative for the whole batch (here a bias of -10), every
# weight before it gets a zero gradient, and so does the next layer's weight (its input is 0).
# gradlab traces it to the ReLU:

# %%
def dead_relu():
    model = nn.Sequential(nn.Linear(3, 8), nn.ReLU(), nn.Linear(8, 1))
    with torch.no_grad():
        model[0].bias.fill_(-10.0)
    loss = F.mse_loss(model(x), y)
    loss.backward()
    return locals()


dead = gl.diagnose(dead_relu)
assert set(dead.kinds()) == {"zero_gradient"}
print(dead)

# %% [markdown]
# **Saturated `clamp` and `sigmoid` do the same.** `clamp` has derivative 0 outside its range;
# `sigmoid` far from 0 has a derivative too small to train:

# %%
w = torch.tensor([-3.0, 0.5, 3.0], requires_grad=True)
(grad,) = torch.autograd.grad(w.clamp(-1, 1).sum(), w)
print("clamp(-1, 1) gradient:", grad.tolist())
w = torch.tensor([0.0, 10.0, 20.0], requires_grad=True)
(grad,) = torch.autograd.grad(w.sigmoid().sum(), w)
print("sigmoid gradient:", [f"{g:.1e}" for g in grad.tolist()])

# %% [markdown]
# **NaN gradients: `sqrt` at 0.** The slope of `sqrt` at 0 is infinite, so the gradient is
# `inf`; one optimizer step then writes `inf` or `nan` into the weights:

# %%
w = torch.tensor([0.0, 1.0, 4.0], requires_grad=True)
w.sqrt().sum().backward()
print("sqrt gradient:", w.grad.tolist())

# %% [markdown]
# **The `where` trap.** Choosing a safe value with `torch.where` does not help: backward
# differentiates *both* branches, and multiplies the unused one by 0. At 0 that is `0 · inf`,
# which is `nan`:

# %%
w = torch.tensor([0.0, 1.0, 4.0], requires_grad=True)
torch.where(w > 0, torch.sqrt(w), 0.0).sum().backward()
print("where gradient:", w.grad.tolist(), "| 0 * inf =", (torch.tensor(0.0) * torch.inf).item())

# %% [markdown]
# The fix is to sanitise the *input* of `sqrt`, so neither branch ever sees 0:

# %%
def nan_where():
    w = torch.tensor([0.0, 1.0, 4.0], requires_grad=True)
    loss = torch.where(w > 0, torch.sqrt(w), 0.0).sum()
    loss.backward()
    return locals()


def safe_where():
    w = torch.tensor([0.0, 1.0, 4.0], requires_grad=True)
    safe = torch.where(w > 0, w, 1.0)
    loss = torch.where(w > 0, torch.sqrt(safe), 0.0).sum()
    loss.backward()
    return locals()


where = gl.compare(nan_where, safe_where, title="torch.where(w > 0, sqrt(w), 0)")
where

# %% tags=["remove-cell"]
assert "nan_gradient" in where.show("broken").kinds
assert where.show("fixed").kinds == [] and where.result.report.ok
_ = where.show("broken")

# %% [markdown]
# **Wrong gradients: `.data` after the forward.** `.data` shares the weight's memory but has its
# own version counter, so an in-place change through it goes unnoticed (lesson 05's error never
# comes). Here the weight is zeroed after the forward: backward uses the new values, and the
# gradient of the input is wrong, with no error:

# %%
layer = nn.Linear(3, 1)
inputs = torch.randn(2, 3, requires_grad=True)
layer(inputs).sum().backward()
true_grad = inputs.grad.clone()
inputs.grad = None
out = layer(inputs)
version = layer.weight._version
layer.weight.data.zero_()
print("weight's version before and after .data.zero_():", version, layer.weight._version)
out.sum().backward()
print("true gradient:", [round(g, 4) for g in true_grad[0].tolist()])
print("after .data:  ", inputs.grad[0].tolist())


# %% [markdown]
# gradlab names both lines, the forward use and the change:

# %%
def zeroed_through_data():
    model = nn.Linear(3, 1)
    loss = F.mse_loss(model(x), y)
    model.weight.data.zero_()
    loss.backward()
    return locals()


stale = gl.diagnose(zeroed_through_data)
assert stale.kinds() == ["data_attribute"]
print(stale)

# %% [markdown]
# PyTorch's documentation: [Gradients for non-differentiable functions](https://pytorch.org/docs/stable/notes/autograd.html#gradients-for-non-differentiable-functions).
#
# ## "My loss does not move"
#
# When training runs without an error and the loss stays flat, ask gradlab to watch a few steps:
# `gl.diagnose(train_step, steps=N)` runs the step function N times and lists every parameter,
# whether it moved, and the finding that explains why not. The ground truth is the table; the
# findings say where to look.

# %%
def dead_network():
    """A network whose first layer starts dead, and its training step."""
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 8), nn.ReLU(), nn.Linear(8, 1))
    with torch.no_grad():
        model[0].bias.fill_(-10.0)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)

    def train_step():
        optimizer.zero_grad()
        loss = F.mse_loss(model(x), y)
        loss.backward()
        optimizer.step()
        return locals()

    return train_step


watched = gl.diagnose(dead_network(), steps=5)
assert set(watched.kinds()) == {"zero_gradient"}
print(watched)

# %% [markdown]
# Only the last bias moved: the first layer is dead (its weight and bias get zero), and so is the
# weight after the ReLU (its input is all zero). `train_step` sees `model` and `optimizer` as its own
# variables, so the table names them.
#
# ## In the wild
#
# Reported as [pytorch/pytorch#68425](https://github.com/pytorch/pytorch/issues/68425) and in
# [Ciela-Institute/caustics#83](https://github.com/Ciela-Institute/caustics/pull/83): a function
# defined piecewise with `torch.where`, correct in the forward, `nan` in the backward. Here a
# model that predicts a distance as `sqrt` of a learned square, guarded by `where`. One point sits
# exactly at 0, so its gradient is `nan` and the first step writes `nan` into the weight.

# %%
def distance_where():
    torch.manual_seed(0)
    points = torch.cat([torch.zeros(1, 3), torch.randn(15, 3)])
    target = 2 * points.norm(dim=1, keepdim=True)
    scale = nn.Parameter(torch.ones(1))
    optimizer = torch.optim.SGD([scale], lr=0.05)

    def step():
        optimizer.zero_grad()
        squared = scale * points.pow(2).sum(1, keepdim=True)
        distance = torch.where(squared > 0, squared.sqrt(), 0.0)
        loss = F.mse_loss(distance, target)
        loss.backward()
        optimizer.step()
        return loss

    loss = step()
    return locals()


def distance_safe():
    torch.manual_seed(0)
    points = torch.cat([torch.zeros(1, 3), torch.randn(15, 3)])
    target = 2 * points.norm(dim=1, keepdim=True)
    scale = nn.Parameter(torch.ones(1))
    optimizer = torch.optim.SGD([scale], lr=0.05)

    def step():
        optimizer.zero_grad()
        squared = scale * points.pow(2).sum(1, keepdim=True)
        safe = torch.where(squared > 0, squared, 1.0)
        distance = torch.where(squared > 0, safe.sqrt(), 0.0)
        loss = F.mse_loss(distance, target)
        loss.backward()
        optimizer.step()
        return loss

    loss = step()
    return locals()


wild = gl.compare(distance_where, distance_safe, title="a distance guarded by torch.where",
                  train_steps=20)
wild

# %% tags=["remove-cell"]
assert "nan_gradient" in wild.show("broken").kinds
broken_losses, fixed_losses = wild.show("broken").losses, wild.show("fixed").losses
assert len(set(broken_losses[1:])) == 1 and broken_losses[1] > broken_losses[0]
assert wild.show("fixed").kinds == [] and wild.result.report.ok
assert fixed_losses[-1] < fixed_losses[0]
_ = wild.show("broken")

# %% [markdown]
# The loss curve does not show `nan`: from the second step on, `squared > 0` is false everywhere
# (any comparison with `nan` is false), so `where` picks 0 for every distance and the loss stays
# stuck. The weight itself is `nan`:

# %%
broken_run = distance_where()
broken_run["step"]()
print("scale after two steps:", broken_run["scale"].item(),
      "| loss:", round(broken_run["step"]().item(), 4))

# %% [markdown]
# ## Your turn
#
# `Quantized` rounds its prediction to whole numbers, and so never trains. Keep the rounded
# output in the forward, but let the gradient through with a straight-through estimator; then
# run the feedback cell under it.

# %%
class Quantized(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(3, 1)

    def forward(self, x):
        out = self.fc(x)
        return out.round()

# %% [markdown]
# **Feedback.** `gl.grade` builds your `Quantized` and the reference solution's on the same seed,
# runs one step on the exercise's `x`, `y` and compares the output, the loss, every gradient and
# what gradlab finds. In a terminal: `python -m gradlab grade 09 my_answer.py`.
# Stuck? A solution waits at the end of this notebook, after the recap.

# %%
gl.grade("08", globals())

# %% [markdown]
# ## Recap
#
# - [ ] Nothing with a zero derivative (`round`, `floor`, `sign`, `argmax`, comparisons, integer
#   casts) between a weight and the loss, unless a straight-through estimator carries the gradient.
# - [ ] A layer whose weights get all-zero gradients: look for a dead ReLU or a saturated
#   `clamp`/`sigmoid`.
# - [ ] Sanitise the input of `sqrt`, `log`, division before `torch.where`, not only the output.
# - [ ] Change weights through `.data` never between a forward and its backward.
#
# | when you see | think |
# |---|---|
# | the loss does not move, no error | `gl.diagnose(step, steps=5)`: which parameters did not move, and why |
# | `.grad` all zero | an op with zero derivative, a dead ReLU, a saturated clamp |
# | `nan` in `.grad` | `sqrt`/`log` at 0, division by 0, a `where` over an unsafe branch |
# | wrong `.grad`, no error | a change through `.data` after the forward |

# %% [markdown]
# **Three questions**

# %% [markdown]
# 1. Why does `x + (x.round() - x).detach()` train when `x.round()` does not?

# %% [markdown]
# <details><summary>Check your answer</summary>
#
# Its value is `x.round()`, but autograd sees only `x` plus a constant (the detached part), so
# the gradient is that of `x`: the identity. `round` itself has derivative 0 everywhere, as
# *Why* shows, so nothing before it trains. *Flip it* compares both.
#
# </details>

# %% [markdown]
# 2. `torch.where(w > 0, torch.sqrt(w), 0.0)` never uses `sqrt(0)` in the forward. Why is the
#    gradient at 0 `nan`?

# %% [markdown]
# <details><summary>Check your answer</summary>
#
# Backward differentiates both branches and multiplies the unused one by 0: the `sqrt` branch
# gives `inf` at 0, and `0 · inf` is `nan`. Sanitising the input (`torch.where(w > 0, w, 1.0)`
# before `sqrt`) keeps the branch finite. *Why* prints both gradients.
#
# </details>

# %% [markdown]
# 3. After `loss = f(model(x))`, `model.weight.data.zero_()` and `loss.backward()`, what does
#    PyTorch say, and what is the gradient?

# %% [markdown]
# <details><summary>Check your answer</summary>
#
# PyTorch says nothing: `.data` bypasses the version counter, so the in-place check of lesson 05
# never fires. Backward uses the zeroed weight, so gradients that depend on it (the input's, in
# *Why*) are wrong. gradlab reports it as `data_attribute`, naming both lines.
#
# </details>

# %% [markdown]
# ## Next
#
# [Lesson 09 · The training loop](09_training_loop.ipynb): `zero_grad`, updates, optimizers and
# their traps.

# %% [markdown]
# ## Solution (peek if stuck)
#
# The reference solution of [Your turn](#Your-turn), as `%load solutions/08_silent_gradients.py`
# loads it (type that line in a cell to load it yourself), and the grader on it:

# %%
# %load solutions/08_silent_gradients.py

# %%
gl.grade("08", globals())
