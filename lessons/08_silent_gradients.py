# %% [markdown]
# # Lesson 08 · Silent gradients: zero, NaN and wrong
#
# **What you will learn**
# - why `round` in the loss stops training without an error, and the straight-through estimator;
# - where `inf` and `nan` gradients come from (`sqrt` at 0, the `torch.where` trap);
# - how a dead ReLU or a change through `.data` gives zero or wrong gradients.
#
# *Prerequisites:* [lesson 01](01_how_backward_works.ipynb) (the chain rule) and
# [lesson 05](05_in_place.ipynb). *Time:* {time}.

# %%
import warnings

import torch
import torch.nn.functional as F
from torch import nn

import gradlab as gl

gl.setup()
x, y = torch.randn(16, 3), torch.randn(16, 1)

# %% [markdown]
# ## Predict
#
# A model whose predictions must be whole numbers (counts, ratings) rounds its output:

# %%
def broken():
    model = nn.Linear(3, 1)
    loss = F.mse_loss(model(x).round(), y)
    loss.backward()
    return locals()


gl.predict("After broken() runs, what is model.weight.grad?", ["None: round cuts the graph",
           "all zeros", "a gradient that trains", "an error"], answer="all zeros",
           why="round is recorded (RoundBackward0) and backward runs through it, but round is "
               "flat between its steps: its local derivative is 0, and the chain rule multiplies "
               "every gradient behind it by 0.")

# %% [markdown]
# ## The symptom
#
# No error; the optimizer steps, and the loss never moves:

# %%
broken()["model"].weight.grad

# %% [markdown]
# ## Look at the graph
#
# No edge is cut. With `values=True` each node shows the gradient that flowed through it: zeros
# from `RoundBackward0` up.

# %%
gl.draw(broken, values=True)

# %% [markdown]
# ## Flip it
#
# The *straight-through estimator* (STE): `out + (out.round() - out).detach()` equals
# `out.round()`, but to autograd it is `out` plus a constant.

# %%
_without = "the gradient it would get without the rounding"
gl.predict("With the STE, model.weight gets:", ["zeros", _without, "None"], answer=_without,
           why="the detached part is a constant, so backward sees only out: the local "
               "derivative of the rounding step is now 1, not 0.")

# %%
def fixed():
    model = nn.Linear(3, 1)
    out = model(x)
    loss = F.mse_loss(out + (out.round() - out).detach(), y)
    loss.backward()
    return locals()


gl.compare(broken, fixed, title="round() into the loss")

# %% tags=["remove-cell"]
toggle = gl.compare(broken, fixed, title="round() into the loss")
assert "non_differentiable" in toggle.show("broken").kinds
assert [(f.kind, f.severity) for f in toggle.show("fixed").findings] == [("detach", "info")]
assert toggle.result.report.ok
_b, _f = broken()["model"], fixed()["model"]
assert not _b.weight.grad.any() and _f.weight.grad.abs().min() > 0
_ = toggle.show("broken")

# %% [markdown]
# ## Why
#
# `round`, `floor` and `sign` are flat between their steps: derivative 0 (PyTorch gives 0 on
# the steps too). gradlab marks the STE's `.detach()` as *info*, "may be intended".
# [PyTorch's notes](https://pytorch.org/docs/stable/notes/autograd.html#gradients-for-non-differentiable-functions).

# %% tags=["remove-cell"]
_w = torch.tensor([0.3, 1.0, -2.5, 0.0], requires_grad=True)
for _op in (torch.round, torch.floor, torch.sign):
    assert not torch.autograd.grad(_op(_w).sum(), _w)[0].any()

# %% [markdown]
# ## Optional · No derivative at all: `argmax`, comparisons, integer casts
#
# `round` has a derivative, 0. `argmax`, comparisons and integer casts have none: their outputs
# are integers or booleans, leaves without a `grad_fn`, so the graph ends there.

# %%
logits = torch.randn(4, 3, requires_grad=True)
for name, out in [("round", logits.round()), ("argmax", logits.argmax(1)),
                  ("logits > 0", logits > 0), (".long()", logits.long())]:
    print(f"{name:<10} {str(out.dtype):<13} is_leaf={out.is_leaf!s:<5} "
          f"grad_fn={type(out.grad_fn).__name__ if out.grad_fn else None}")

# %% [markdown]
# So a loss built from accuracy (`argmax` hits) has no history, and backward raises; train on a
# differentiable surrogate such as `F.cross_entropy(logits, target)` and keep accuracy for
# reporting:

# %%
target = torch.tensor([0, 2, 1, 0])
accuracy = (logits.argmax(1) == target).float().mean()
with gl.shows_error(RuntimeError):
    (1 - accuracy).backward()

# %% [markdown]
# ## Optional · `inf` and `nan`: `sqrt`, `log`, division, the `where` trap
#
# At 0 the slope of `sqrt`, `log` and `1/w` is infinite: alone, they give `±inf`, not `nan`:

# %%
w = torch.tensor([0.0, 1.0, 4.0], requires_grad=True)
for name, op in [("sqrt", torch.sqrt), ("log", torch.log), ("1 / w", torch.reciprocal)]:
    (grad,) = torch.autograd.grad(op(w).sum(), w)
    print(f"{name:<6} gradient: {grad.tolist()}")

# %% [markdown]
# `nan` comes next: one optimizer step writes `-inf` into the weight, and the next forward's
# `sqrt(-inf)` is `nan`:

# %%
w = nn.Parameter(torch.tensor([0.0, 1.0, 4.0]))
optimizer = torch.optim.SGD([w], lr=0.1)
w.sqrt().sum().backward()
optimizer.step()
print("weight after one step:", [round(v, 3) for v in w.tolist()],
      "| next sqrt:", [round(v, 3) for v in w.sqrt().tolist()])

# %% tags=["remove-cell"]
assert w[0].item() == -torch.inf and w.sqrt()[0].isnan()

# %% [markdown]
# **The `where` trap.** `torch.where(w > 0, torch.sqrt(w), 0.0)` never uses `sqrt(0)` in the
# forward, yet backward differentiates *both* branches and multiplies the unused one by 0. At 0
# that is `0 · inf`. Sanitise the *input* of `sqrt` instead, so neither branch sees 0.
# Reported as [pytorch/pytorch#68425](https://github.com/pytorch/pytorch/issues/68425) and in
# [Ciela-Institute/caustics#83](https://github.com/Ciela-Institute/caustics/pull/83).

# %%
gl.predict("What is w.grad at 0 after torch.where(w > 0, torch.sqrt(w), 0.0).sum().backward()?",
           ["0: where picked the constant 0", "inf", "nan"],
           answer="nan",
           why="where sends a gradient of 0 to the sqrt branch at that element, and sqrt's "
               "backward divides it by 2·sqrt(0) = 0: 0 · inf is nan.")

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


gl.compare(nan_where, safe_where, title="torch.where(w > 0, sqrt(w), 0)")

# %% tags=["remove-cell"]
where = gl.compare(nan_where, safe_where, title="torch.where(w > 0, sqrt(w), 0)")
assert "nan_gradient" in where.show("broken").kinds
assert where.show("fixed").kinds == [] and where.result.report.ok
assert nan_where()["w"].grad[0].isnan() and safe_where()["w"].grad.tolist() == [0.0, 0.5, 0.25]
_ = where.show("broken")

# %% [markdown]
# ## Optional · A dead ReLU: "my loss does not move"
#
# `relu` has derivative 0 where its input is negative. Here a bias of -10 makes the first
# layer's pre-activations negative for the whole batch. `gl.diagnose(step, steps=N)` runs a
# training step N times and lists which parameters moved:

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
print(watched)

# %% tags=["remove-cell"]
assert set(watched.kinds()) == {"zero_gradient"}
_text = str(watched)
assert "model.0.weight.grad is all zero after backward: on its way to the loss, ReluBackward0 " \
       "in model.1 passed no gradient" in _text
assert "[warning] zero_gradient" in _text and "model.2.weight.grad is all zero after backward: " \
    "its input, the output of ReluBackward0 in model.1, is all zero" in _text
assert "model.2.bias    yes" in _text

# %% [markdown]
# Only `model.2.bias` moved. gradlab traces the first layer's zeros to `ReluBackward0` in
# `model.1`, and warns that `model.2.weight` is all zero too: its input, that ReLU's output, is
# all zero for the whole batch.
#
# ## Optional · Wrong gradients: `.data` after the forward
#
# `.data` shares the weight's memory but not its version counter, so lesson 05's in-place error
# never comes. Here a WGAN-style weight clipping runs between the forward and the backward.
# Backward multiplies by the clipped `model.2.weight`, which the forward never used:

# %%
def clipped_through_data():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 8), nn.Tanh(), nn.Linear(8, 1))
    loss = F.mse_loss(model(x), y)
    model[2].weight.data.clamp_(-0.01, 0.01)
    loss.backward()
    return locals()


def clipped_after_backward():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 8), nn.Tanh(), nn.Linear(8, 1))
    loss = F.mse_loss(model(x), y)
    loss.backward()
    model[2].weight.data.clamp_(-0.01, 0.01)
    return locals()


wrong = clipped_through_data()["model"][0].weight.grad
right = clipped_after_backward()["model"][0].weight.grad
print(f"model.0.weight.grad norm: true {right.norm():.4f}, with .data in between {wrong.norm():.4f}")

# %% tags=["remove-cell"]
assert not torch.allclose(wrong, right) and wrong.norm() < right.norm() / 2

# %% [markdown]
# No error, a wrong gradient. gradlab names the change and the backward that ran through it:

# %%
print(gl.diagnose(clipped_through_data))

# %% tags=["remove-cell"]
_stale = gl.diagnose(clipped_through_data)
assert _stale.kinds() == ["data_attribute"]
assert "(clamp_ at" in str(_stale) and "backward at" in str(_stale)

# %% [markdown]
# Clip after `optimizer.step()`, under `torch.no_grad()` on the tensor itself.
#
# ## Optional · Wrong pairs: a target that broadcasts
#
# Here every gradient is there and finite, yet wrong: the output has shape `(16, 1)` and the
# target `(16,)`. `mse_loss` broadcasts them to `(16, 16)` and compares each output with
# *every* target. torch only warns; gradlab names it an error. (The cell hides Python's own
# print of the warning: the report below quotes it once.)

# %%
def regression_step():
    torch.manual_seed(0)
    model = nn.Linear(3, 1)
    target = y.squeeze(-1)  # shape (16,): the output is (16, 1)
    loss = F.mse_loss(model(x), target)
    loss.backward()
    return locals()


with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    broadcast = gl.diagnose(regression_step)
print(broadcast)

# %% tags=["remove-cell"]
assert broadcast.kinds() == ["broadcast_loss"]
assert "compares a target of shape [16] with an input of shape [16, 1]" in str(broadcast)
_steps = regression_step()
_paired = F.mse_loss(_steps["model"](x), y)
assert _steps["loss"].item() != _paired.item()  # the broadcast loss is another number

# %% [markdown]
# ## Optional · Your turn
#
# `MotionModel` (reduced from [open-mmlab/mmrotate#205](https://github.com/open-mmlab/mmrotate/issues/205)
# and [photosynthesis-team/piq#308](https://github.com/photosynthesis-team/piq/issues/308)) adds
# the speed of a predicted motion to its output. It trains badly; the grader says why. Fix it
# so that every parameter gets a finite gradient and the output stays the same.

# %%
# %starter 08

# %% [markdown]
# **Feedback.** Run it after each change (`python -m gradlab grade 08 my_answer.py` in a
# terminal):

# %%
gl.grade("08", globals())

# %% [markdown]
# Stuck? Each call gives the next hint (symptom, where, fix):

# %%
gl.hint("08")

# %% [markdown]
# `gl.solution("08")` shows the reference solution.
#
# ## Recap
#
# | when you see | think |
# |---|---|
# | flat loss, no error | `gl.diagnose(step, steps=5)` |
# | `.grad` all zero | `round` (STE), a dead ReLU |
# | `inf`/`nan` in `.grad` | `sqrt`/`log`/division at 0, `where` |
# | wrong `.grad`, no error | `.data` changed before backward |
#
# ### Optional · Check yourself

# %% [markdown]
# **Three questions**

# %% [markdown]
# 1. You replace `out.round()` by `out.argmax(1)` in a loss. What does `backward()` do now, and
#    why is that different from `round`?

# %% [markdown]
# <details><summary>Check your answer</summary>
#
# If nothing else in the loss requires grad, it raises: `argmax` has no derivative, its output
# is an integer leaf without a `grad_fn`, so the loss has no history. `round` has a derivative
# (0), so backward runs and gives zeros.
#
# </details>

# %% [markdown]
# 2. Your loss uses `torch.sqrt(d)` and `d` is exactly 0 for one sample. What is in `.grad`
#    after one backward, and in the weights after one step, and the step after?

# %% [markdown]
# <details><summary>Check your answer</summary>
#
# `inf` (or `nan` if a 0 multiplies it on the way, as in `where` or `d = v ** 2`); one step
# writes `±inf` into the weight, and the next forward turns it into `nan`.
#
# </details>

# %% [markdown]
# 3. Why does the gradient of `model.0.weight` change when you clip `model.2.weight` through
#    `.data` between the forward and the backward, and why does PyTorch not complain?

# %% [markdown]
# <details><summary>Check your answer</summary>
#
# Backward multiplies by the weights of the later layer (its input needed a gradient, so the
# layer saved the weight), and it reads their current values: the clipped ones. `.data` has its
# own version counter, so the in-place check of lesson 05 never sees the change.
#
# </details>

# %% [markdown]
# ## Next
#
# [09 · The training loop](09_training_loop.ipynb)
