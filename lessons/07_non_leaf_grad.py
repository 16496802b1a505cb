# %% [markdown]
# # Lesson 07 · `.grad` on a non-leaf
#
# **What you will learn**
# - what a leaf is (`is_leaf`, `grad_fn`), and why `output.grad` is `None` even when everything
#   requires grad;
# - three ways to get an intermediate gradient: `retain_grad()`, `register_hook`,
#   `torch.autograd.grad`;
# - the dtype/device trap: `torch.randn(3, requires_grad=True).double()` is not the tensor you think.
#
# *Prerequisites:* [lesson 06](06_double_backward.ipynb). *Time:* about 15 minutes.

# %%
import warnings

import torch
import torch.nn.functional as F
from torch import nn

import gradlab as gl

gl.setup()
x, y = torch.randn(16, 3), torch.randn(16, 1)


def first_warning(caught):
    """The first line of the first warning caught: what torch says, without the file path."""
    return str(caught[0].message).split(". ")[0] if caught else "no warning"

# %% [markdown]
# ## The symptom
#
# You want to look at the gradient of a model's output. Backward runs, yet `.grad` is `None`, and
# torch warns:

# %%
model = nn.Linear(3, 1)
output = model(x)
F.mse_loss(output, y).backward()
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    print("output.grad:", output.grad)
print("warning:", first_warning(caught))

# %% [markdown]
# The cause is **not** that an input lacked `requires_grad`: `output` requires grad and
# `model.weight` got its gradient. `output` is a *non-leaf*.

# %%
print("output.requires_grad:", output.requires_grad)
print("model.weight.grad is None:", model.weight.grad is None)

# %% [markdown]
# ## The smallest broken program

# %%
def broken():
    model = nn.Linear(3, 1)
    output = model(x)
    loss = F.mse_loss(output, y)
    loss.backward()
    seen = output.grad
    return locals()


print(gl.diagnose(broken))

# %% [markdown]
# ## Look at the graph
#
# The node whose `.grad` was read is marked with the hint: *non-leaf: .grad is None, use
# retain_grad()*.

# %%
gl.draw(broken)

# %% [markdown]
# ## Flip it
#
# `output.retain_grad()` before `backward()` asks autograd to keep this intermediate gradient.

# %%
def fixed():
    model = nn.Linear(3, 1)
    output = model(x)
    output.retain_grad()
    loss = F.mse_loss(output, y)
    loss.backward()
    seen = output.grad
    return locals()


toggle = gl.compare(broken, fixed, title="output.grad without and with retain_grad()")
toggle

# %% tags=["remove-cell"]
assert toggle.show("broken").kinds == ["non_leaf_grad"]
assert toggle.show("fixed").kinds == []
_ = toggle.show("broken")

# %% [markdown]
# ## Why
#
# **Leaves are where the graph starts**: every tensor autograd did not make. That is each tensor
# you created (with or without `requires_grad`), each `nn.Parameter`, and also each result of an
# op run under `no_grad`, or on inputs none of which requires grad. Leaves have no `grad_fn`, the
# backward op that made a tensor. A result of an op on a tensor that requires grad, with grad
# mode on, is a non-leaf with a `grad_fn`:

# %%
w = torch.randn(3, requires_grad=True)
h = w * 2
with torch.no_grad():
    constant = w * 2
print("w:                 is_leaf", w.is_leaf, "| grad_fn", w.grad_fn)
print("h = w * 2:         is_leaf", h.is_leaf, "| grad_fn", type(h.grad_fn).__name__)
print("w * 2 in no_grad:  is_leaf", constant.is_leaf, "| grad_fn", constant.grad_fn)
print("torch.randn(3) * 2: is_leaf", (torch.randn(3) * 2).is_leaf)

# %% [markdown]
# **Backward fills `.grad` of leaves only** (those that require grad). Intermediate gradients are computed and passed on, then
# dropped, to save memory. Three ways to keep one, each on a fresh graph where `h = 2 * w`, so
# the gradient of `(h ** 2).sum()` with respect to `h` is `2 * h`:

# %%
def fresh():
    w = torch.tensor([1.0, -2.0, 3.0], requires_grad=True)
    h = w * 2
    return h, (h ** 2).sum()


h, loss = fresh()
h.retain_grad()                          # 1. keep it in h.grad
loss.backward()
print("retain_grad:  ", h.grad)

h, loss = fresh()
seen = []
h.register_hook(seen.append)             # 2. see it as it passes
loss.backward()
print("register_hook:", seen[0])

h, loss = fresh()
(by_grad,) = torch.autograd.grad(loss, h)  # 3. ask for it directly
print("autograd.grad:", by_grad)

# %% [markdown]
# Use one at a time: a retained tensor also catches the gradient of every other backward or
# `autograd.grad` call that passes through it, and `.grad` adds them up:

# %%
h, loss = fresh()
h.retain_grad()
torch.autograd.grad(loss, h, retain_graph=True)
loss.backward()
print("h.grad after autograd.grad and backward:", h.grad)

# %% [markdown]
# PyTorch's documentation: [`Tensor.retain_grad`](https://pytorch.org/docs/stable/generated/torch.Tensor.retain_grad.html),
# [`Tensor.is_leaf`](https://pytorch.org/docs/stable/generated/torch.Tensor.is_leaf.html) and
# [`Tensor.register_hook`](https://pytorch.org/docs/stable/generated/torch.Tensor.register_hook.html).

# %% [markdown]
# ## In the wild: the dtype and device trap
#
# Moving a fresh weight to another dtype or device *after* asking for its gradient makes a copy:
# the copy is what you keep, and it is a non-leaf. A dtype change shows it on any machine; so
# does a move to `"meta"` (a device with shapes but no data), standing in for `.cuda()`:

# %%
w = torch.randn(3, requires_grad=True).double()
(w * 2).sum().backward()
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    print("w.is_leaf:", w.is_leaf, "| w.grad:", w.grad)
print("warning:", first_warning(caught))
moved = torch.randn(3, requires_grad=True).to("meta")
print("after .to('meta'): is_leaf", moved.is_leaf, "| grad_fn", type(moved.grad_fn).__name__)

# %% [markdown]
# gradlab names the copy, the call and its line:

# %%
def double_after_creation():
    w = torch.randn(3, requires_grad=True).double()
    loss = (w * 2).sum()
    loss.backward()
    return locals()


def dtype_at_creation():
    w = torch.randn(3, dtype=torch.float64, requires_grad=True)
    loss = (w * 2).sum()
    loss.backward()
    return locals()


trap = gl.compare(double_after_creation, dtype_at_creation,
                  title=".double() after requires_grad vs dtype= at creation")
trap

# %% tags=["remove-cell"]
assert trap.show("broken").kinds == ["non_leaf_grad"]
assert trap.show("fixed").kinds == [] and trap.result.grad_states() == {"w": "norm"}
_ = trap.show("broken")

# %%
print(trap.show("broken").report)

# %% [markdown]
# The same holds for `nn.Parameter`, when the dtype or device really changes: `.to(...)` then
# returns a plain `Tensor`, a non-leaf. When nothing changes, `.to(...)` returns the parameter
# itself, and the trap stays hidden until the day it does. `module.to(...)` converts the module's
# parameters *in place*, so they stay leaves:

# %%
p = nn.Parameter(torch.randn(3))
same, moved = p.to(torch.float32), p.to(torch.float64)
print("Parameter.to(float32):", type(same).__name__, "| is p:", same is p)
print("Parameter.to(float64):", type(moved).__name__, "| is_leaf:", moved.is_leaf)
layer = nn.Linear(3, 1).to(torch.float64)
print("module.to:            ", type(layer.weight).__name__, "| is_leaf:", layer.weight.is_leaf)

# %% [markdown]
# ## Your turn
#
# `inspect` wants the gradient of the loss with respect to the hidden layer `h`. Make `h.grad`
# available, then run the feedback cell under it.

# %%
def inspect():
    model = nn.Sequential(nn.Linear(3, 8), nn.Tanh())
    head = nn.Linear(8, 1)
    h = model(x)
    loss = F.mse_loss(head(h), y)
    loss.backward()
    hidden_grad = h.grad
    return locals()

# %% [markdown]
# **Feedback.** `gl.grade` runs your `inspect` and the reference solution's on the same seed and
# the exercise's own `x`, `y`, and compares `h`, the loss, `hidden_grad`, every parameter's
# gradient and what gradlab finds. In a terminal, `python -m gradlab grade 06 my_answer.py` does
# the same for a file that defines `inspect`. Stuck? A solution waits at the end of this notebook,
# after the recap.

# %%
gl.grade("07", globals())

# %% [markdown]
# ## Recap
#
# - [ ] `.grad` is filled for leaves only: parameters and tensors you created with
#   `requires_grad=True`.
# - [ ] For an intermediate gradient: `retain_grad()` before backward, a hook, or
#   `torch.autograd.grad(loss, h)`.
# - [ ] Create tensors with the right `dtype=` / `device=`; move modules with `module.to(...)`.
#
# | when you see | think |
# |---|---|
# | `The .grad attribute of a Tensor that is not a leaf Tensor is being accessed` | that tensor came out of an op: `retain_grad()` or `autograd.grad` |
# | `.grad` is `None` on a weight you moved with `.to()` / `.double()` | you kept the copy, a non-leaf |
# | `you can only change requires_grad flags of leaf variables` | the same confusion: a non-leaf where a leaf was meant |

# %% [markdown]
# **Three questions**

# %% [markdown]
# 1. Why does PyTorch not keep intermediate gradients by default?

# %% [markdown]
# <details><summary>Check your answer</summary>
#
# Memory: each intermediate gradient is as large as its tensor, and the optimizer needs only the
# leaves' (the parameters'). So backward passes intermediate gradients on and drops them; `.grad` of
# a non-leaf stays `None`, with a UserWarning when you read it. *Why* shows it under **Backward
# fills `.grad` of leaves only**.
#
# </details>

# %% [markdown]
# 2. What is the difference between `torch.randn(3, requires_grad=True).double()` and
#    `torch.randn(3, dtype=torch.float64, requires_grad=True)`?

# %% [markdown]
# <details><summary>Check your answer</summary>
#
# The first is the output of an op: a non-leaf (`grad_fn=ToCopyBackward0`) whose `.grad` stays
# `None`; the float32 leaf it came from is kept nowhere, so its gradient is lost to you. The second
# is a float64 leaf: backward fills its `.grad`. *In the wild: the dtype and device trap* shows it.
#
# </details>

# %% [markdown]
# 3. When would you prefer `torch.autograd.grad` over `retain_grad()`?

# %% [markdown]
# <details><summary>Check your answer</summary>
#
# When you want the gradient as a value and nothing else: `torch.autograd.grad(loss, h)` returns it
# and leaves every `.grad` untouched (the parameters' too), and with `create_graph=True` it can be
# differentiated again (a gradient penalty). `retain_grad()` needs a full `backward()`, which also
# fills every parameter's `.grad`.
#
# </details>

# %% [markdown]
# ## Next
#
# That completes the six failure modes. [Lesson 08 · Silent gradients](08_silent_gradients.ipynb)
# puts them together in one training script.

# %% [markdown]
# ## Solution (peek if stuck)
#
# The reference solution of [Your turn](#Your-turn), as `%load solutions/07_non_leaf_grad.py`
# loads it (type that line in a cell to load it yourself), and the grader on it:

# %%
# %load solutions/07_non_leaf_grad.py

# %%
gl.grade("07", globals())
