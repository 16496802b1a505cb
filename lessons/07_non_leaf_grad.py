# %% [markdown]
# # Lesson 07 · `.grad` on a non-leaf
#
# **What you will learn**
# - what a leaf is, and why `output.grad` is `None` after backward;
# - `retain_grad()`: keep the gradient of a tensor in the middle of the graph;
# - two other ways: a hook, `torch.autograd.grad`.
#
# *Prerequisites:* [lesson 06](06_double_backward.ipynb). *Time:* {time}.

# %%
import warnings

import torch
from torch import nn

import gradlab as gl

gl.setup()
x, y = torch.randn(16, 3), torch.randn(16, 1)

# %% [markdown]
# ## Predict
#
# You want the gradient of the loss with respect to a model's output:

# %%
def broken():
    model = nn.Linear(3, 1)
    output = model(x)
    loss = (output - y).pow(2).mean()
    loss.backward()
    seen = output.grad
    return locals()


gl.predict("After backward(), output.grad is…", ["a tensor of shape (16, 1)", "None", "an error"],
           answer="None", why="output was made by an op (the Linear layer): not a leaf. backward "
           "passes its gradient on to the weights and keeps it only where asked.")

# %% [markdown]
# ## The symptom
#
# `output.grad` is `None`, with a warning (shown once here):

# %%
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    run = broken()
print("output.grad:", run["seen"], "| warning:", str(caught[0].message).split(" (Triggered")[0])
warnings.filterwarnings("ignore", message="The .grad attribute of a Tensor that is not a leaf")

# %% tags=["remove-cell"]
assert run["seen"] is None and run["model"].weight.grad is not None and len(caught) == 1

# %% [markdown]
# ## Look at the graph
#
# `output` is the `AddmmBackward0` node, marked *non-leaf: .grad is None, use retain_grad()*.

# %%
gl.draw(broken)

# %% [markdown]
# ## Flip it
#
# One change: `output.retain_grad()` before `backward()`.

# %%
gl.predict("With output.retain_grad() before loss.backward(), output.grad is…",
           ["a tensor of shape (16, 1)", "still None"], answer="a tensor of shape (16, 1)",
           why="retain_grad() asks backward to keep this tensor's gradient in its .grad.")

# %%
def fixed():
    model = nn.Linear(3, 1)
    output = model(x)
    output.retain_grad()
    loss = (output - y).pow(2).mean()
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
# A **leaf** is a tensor autograd did not make (a `Parameter`, a tensor you created); it has
# no `grad_fn`. What a recorded op returns is a **non-leaf**, with a `grad_fn`. Backward fills
# `.grad` on leaves that require grad and on non-leaves that called `retain_grad()`; other
# gradients are passed on and dropped, to save memory. Docs:
# [`Tensor.retain_grad`](https://pytorch.org/docs/stable/generated/torch.Tensor.retain_grad.html).
# (A weight moved with `.to()` after `requires_grad`: lesson 09.)
#
# ### Optional · Which tensors are leaves
#
# Also leaves: results made without recording (under `no_grad`, or from inputs none of which
# requires grad) and the outputs of ops with no derivative, such as comparisons and `argmax`
# (lesson 08):

# %%
w = torch.randn(3, requires_grad=True)
with torch.no_grad():
    made_in_no_grad = w * 2
[(name, t.is_leaf, type(t.grad_fn).__name__) for name, t in
 [("w", w), ("w * 2", w * 2), ("w * 2 in no_grad", made_in_no_grad), ("w > 0", w > 0),
  ("w.argmax()", w.argmax())]]

# %% tags=["remove-cell"]
assert w.is_leaf and not (w * 2).is_leaf and made_in_no_grad.is_leaf
assert (w > 0).is_leaf and w.argmax().is_leaf
assert (w > 0).grad_fn is None and w.argmax().grad_fn is None

# %% [markdown]
#
# ### Optional · Three ways to get an intermediate gradient
#
# On a fresh graph each time, with `h = 2 * w`, so the gradient of `(h ** 2).sum()` with respect
# to `h` is `2 * h`:

# %%
def fresh():
    w = torch.tensor([1.0, -2.0, 3.0], requires_grad=True)
    h = w * 2
    return w, h, (h ** 2).sum()


w, h, loss = fresh()
h.retain_grad()                          # 1. keep it in h.grad
loss.backward()
print("retain_grad:  ", h.grad)

w, h, loss = fresh()
seen = []
h.register_hook(seen.append)             # 2. a hook: see it as it passes
loss.backward()
print("register_hook:", seen[0])

w, h, loss = fresh()
(by_grad,) = torch.autograd.grad(loss, h)  # 3. ask for it as a value
print("autograd.grad:", by_grad, "| w.grad:", w.grad)

# %% [markdown]
# `torch.autograd.grad` returns the gradient and adds nothing to the leaves' `.grad` (`w.grad`
# stays `None` above). It does fill `.grad` of a tensor that called `retain_grad()`, and `.grad`
# adds up: use one way at a time.

# %%
w, h, loss = fresh()
h.retain_grad()
torch.autograd.grad(loss, h, retain_graph=True)
print("after autograd.grad: h.grad =", h.grad, "| w.grad =", w.grad)
loss.backward()
print("after backward too:  h.grad =", h.grad)

# %% tags=["remove-cell"]
assert torch.equal(h.grad, 2 * (2 * h.detach())) and w.grad is not None

# %% [markdown]
# ## Optional · Your turn
#
# Unseen code: a saliency map, the gradient of each row's best class score with respect to the
# network's (normalised) input, a common way to see what a classifier looks at. `input_grad`
# comes out `None`. Make it the gradient of `top` with respect to `inputs`; any of the three
# ways passes.

# %%
# %starter 07

# %% [markdown]
# **Feedback.** `gl.grade` runs your `saliency` and the reference on the same seed and data and
# compares `scores`, `top` and `input_grad`.

# %%
gl.grade("07", globals())

# %% [markdown]
# Stuck? Each call gives the next hint (what, where, the fix):

# %%
gl.hint("07")

# %% [markdown]
# `gl.solution("07")` shows the reference solution. Solved it? The program is reduced from a real
# report, [yizt/Grad-CAM.pytorch issue 27](https://github.com/yizt/Grad-CAM.pytorch/issues/27).
#
# ## Recap
#
# | when you see | think |
# |---|---|
# | `The .grad attribute of a Tensor that is not a leaf Tensor is being accessed` | it came out of an op: `retain_grad()` before backward |
# | `.grad` is `None` on a weight moved with `.to()` | you kept a copy, a non-leaf (lesson 09) |

# %% [markdown]
# ### Optional · Check yourself

# %% [markdown]
# **Three questions**

# %% [markdown]
# 1. Why does PyTorch not keep intermediate gradients by default?

# %% [markdown]
# <details><summary>Check your answer</summary>
#
# Memory: each intermediate gradient is as large as its tensor, and the optimizer needs only the
# leaves' (the parameters'). So backward passes intermediate gradients on and drops them; `.grad`
# of a non-leaf stays `None` (with a warning when you read it) unless it called `retain_grad()`.
#
# </details>

# %% [markdown]
# 2. `mask = scores > 0` with `scores` requiring grad: is `mask` a leaf, and what would
#    `mask.retain_grad()` give you?

# %% [markdown]
# <details><summary>Check your answer</summary>
#
# A leaf: a comparison has no derivative, so autograd records nothing (`mask.grad_fn` is
# `None`, `mask.requires_grad` is `False`). `mask.retain_grad()` raises: a tensor that does not
# require grad has no gradient to keep. Lesson 08 shows what such ops do to a loss.
#
# </details>

# %% [markdown]
# 3. You call `h.retain_grad()`, then `torch.autograd.grad(loss, h)`. Which `.grad` changes:
#    `h.grad`, the parameters' `.grad`, both, or neither?

# %% [markdown]
# <details><summary>Check your answer</summary>
#
# Only `h.grad`: `autograd.grad` returns the gradient and adds nothing to the leaves' `.grad`,
# but a tensor that called `retain_grad()` keeps every gradient that passes through it.
# *Optional · Three ways* shows it.
#
# </details>

# %% tags=["remove-cell"]
_scores = torch.randn(4, requires_grad=True) * 2
_mask = _scores > 0
assert _mask.is_leaf and _mask.grad_fn is None and not _mask.requires_grad
try:
    _mask.retain_grad()
    raise AssertionError("retain_grad on a tensor that does not require grad should raise")
except RuntimeError as _error:
    assert "can't retain_grad on Tensor that has requires_grad=False" in str(_error)

# %% [markdown]
# ## Next
#
# [Lesson 08 · Silent gradients](08_silent_gradients.ipynb).
