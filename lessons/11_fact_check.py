# %% [markdown]
# # Lesson 11 · Fact check: what is often written about gradients
#
# **What you will learn**
# - to test a claim about autograd in four lines;
# - which common claims are false, or only half-true;
# - which lesson showed why.
#
# *Prerequisites:* lessons [01](01_how_backward_works.ipynb) to
# [10](10_debug_your_own.ipynb): every claim here quotes one of them. *Time:* {time}.
#
# Each claim below is tested in the cell under it, which **asserts** the verdict: **false**,
# **half-true** or **true** (if torch changes, this notebook fails in CI). Predict first.

# %%
import warnings

import torch
from torch import nn

import gradlab as gl

gl.setup()
print("checked on torch", torch.__version__.split("+")[0])

# %% [markdown]
# `gl.error_of(fn)` runs `fn` and returns what it raised (`Type: first line`), or `""` when it ran.
#
# ## 1 · "`torch.round` (or `argmax`) in the loss makes `backward()` raise"

# %%
gl.predict("True, false or half-true?", ["true", "false", "half-true"], "half-true",
           why="argmax has no derivative (an integer leaf, no grad_fn): a loss from it alone "
               "raises. round's derivative is 0: backward runs, the gradient is silently 0.")

# %%
w = torch.tensor([0.4, 1.6], requires_grad=True)
by_round = gl.error_of(lambda: (w * 3).round().sum().backward())
by_argmax = gl.error_of(lambda: (w * 3).argmax().float().backward())
assert by_round == "" and not w.grad.any()
assert by_argmax.startswith("RuntimeError: element 0 of tensors does not require grad")
print("round:  raised", repr(by_round), "| w.grad:", w.grad.tolist())
print("argmax: grad_fn", (w * 3).argmax().grad_fn, "| raised:", by_argmax)
print("verdict: half-true")

# %% [markdown]
# → lesson [08](08_silent_gradients.ipynb): ops with no derivative, and ops whose derivative
# is zero.
#
# ## 2 · "`nn.Parameter(t).to(torch.float64)` is still a parameter"

# %%
gl.predict("True, false or half-true?", ["true", "false", "half-true"], "false",
           why="To a new dtype, .to() returns a new plain Tensor: a non-leaf (ToCopyBackward0) "
               "whose .grad stays None; the parameter itself is the leaf that collects.")

# %%
p = nn.Parameter(torch.ones(2))
converted = p.to(torch.float64)
assert not isinstance(converted, nn.Parameter) and not converted.is_leaf
assert p.to(torch.float32) is p and p.to(torch.float32, copy=True) is not p
frozen = nn.Parameter(torch.ones(2), requires_grad=False).to(torch.float64)
assert frozen.is_leaf and not isinstance(frozen, nn.Parameter)
print("to(float64):", type(converted).__name__, "| is_leaf:", converted.is_leaf)
print("to(float32) is p:", p.to(torch.float32) is p,
      "| to(float32, copy=True) is p:", p.to(torch.float32, copy=True) is p)
print("frozen parameter .to(float64): is_leaf:", frozen.is_leaf)
print("verdict: false")

# %% [markdown]
# `.to()` returns the parameter itself only when nothing changes and `copy=False`; otherwise a
# plain `Tensor`, a leaf if the parameter was frozen. → lesson [09](09_training_loop.ipynb).
#
# ## 3 · Which lesson said why?
#
# "After `with torch.no_grad(): out = model(x)`, `out.sum().backward()` runs and `.grad` stays
# `None`." What does `backward()` do, and which lesson showed it?
#
# <details><summary>Check your answer</summary>
#
# It raises `element 0 of tensors does not require grad and does not have a grad_fn`: nothing
# in the loss requires grad ([lesson 03](03_no_grad_block.ipynb)). Only when another leaf keeps
# the loss in the graph does backward run, leaving the cut parameters' `.grad` `None`.
#
# </details>

# %% tags=["remove-cell"]
_layer = nn.Linear(3, 1)
with torch.no_grad():
    _out = _layer(torch.randn(4, 3))
assert gl.error_of(lambda: _out.pow(2).mean().backward()).startswith(
    "RuntimeError: element 0 of tensors does not require grad")
_x = torch.randn(3, requires_grad=True)
_z = (_x * 2).detach()
_bias = torch.zeros(1, requires_grad=True)
(_z.sum() + _bias).sum().backward()
assert _x.grad is None and _bias.grad is not None

# %% [markdown]
# ## Check any claim yourself
#
# Build the smallest tensor that shows the claim, run it, and look at three things: what it
# **raised**, the **`grad_fn`** of the result, and the **`.grad`** of the leaf.

# %%
w = torch.randn(3, requires_grad=True)                       # 1. the smallest leaf
out = torch.clamp(w, -0.5, 0.5)                              # 2. the claim's operation
print("raised:", gl.error_of(lambda: out.sum().backward()) or "nothing")   # 3. run backward
print("grad_fn:", type(out.grad_fn).__name__, "| w.grad:", w.grad)         # 4. look

# %% [markdown]
# For a whole program, `gl.diagnose(step)` says where gradient flow is cut and why.
#
# ## Optional · More claims
#
# Predict each verdict before you run its cell.
#
# %% [markdown]
# ### 4 · "Slicing a parameter makes a tensor outside the graph, so the parameter gets no gradient"
#
# Slicing is an op like any other (`SliceBackward0`); the parameter gets a gradient, zero
# outside the slice. → lesson [04](04_detach_and_numpy.ipynb) lists what really cuts.

# %%
w = nn.Parameter(torch.ones(3, 3))
part = w[0:2, 0:2]
part.sum().backward()
assert w.grad is not None and w.grad.sum() == 4
print("grad_fn:", type(part.grad_fn).__name__)
print(w.grad)
print("verdict: false")

# %% [markdown]
# ### 5 · "`self.w = torch.randn(..., requires_grad=True)` in a module fixes a missing gradient"
#
# Half of it: the gradient is computed, but `w` is not a parameter, so the optimizer never
# updates it (or, with no other parameter, refuses to be built). → lesson [02](02_missing_requires_grad.ipynb).

# %%
class Half(nn.Module):
    def __init__(self):
        super().__init__()
        self.w = torch.randn(3, 1, requires_grad=True)

    def forward(self, x):
        return x @ self.w


half = Half()
half(torch.randn(4, 3)).sum().backward()
error = gl.error_of(lambda: torch.optim.SGD(half.parameters(), lr=0.1))
assert half.w.grad is not None and list(half.parameters()) == []
assert error == "ValueError: optimizer got an empty parameter list"
print("w.grad computed:", half.w.grad is not None, "| in parameters():", False)
print("optimizer:", error)
print("verdict: half-true")

# %% [markdown]
# ### 6 · "`out = h * 2.0` makes a detached copy of `h`"
#
# Multiplying by a constant is a differentiable op; the gradient flows through it.
# → lesson [04](04_detach_and_numpy.ipynb).

# %%
w = torch.randn(3, requires_grad=True)
h = w * 1.0
out = h * 2.0
out.sum().backward()
assert type(out.grad_fn).__name__ == "MulBackward0" and torch.equal(w.grad, torch.full((3,), 2.0))
print("out.grad_fn:", type(out.grad_fn).__name__, "| w.grad:", w.grad)
print("verdict: false")

# %% [markdown]
# ### 7 · "`h *= 2.0` on the output of `nn.Linear` breaks backward"
#
# Nothing that backward needs was changed: `Linear` saves its input, and `mul` by a constant saves
# the constant (`_saved_other`), not `h` (`_saved_self` is `None`). It fails only when the changed
# tensor was saved, like the output of `sigmoid`.
# → lesson [05](05_in_place.ipynb).

# %%
def in_place_after(activation):
    layer = nn.Linear(3, 2)
    h = activation(layer(torch.randn(4, 3)))
    h *= 2.0
    h.sum().backward()


doubled = nn.Linear(3, 2)(torch.randn(4, 3)) * 2.0
print("h * 2.0 saved: other =", doubled.grad_fn._saved_other, "| self =", doubled.grad_fn._saved_self)
after_linear = gl.error_of(lambda: in_place_after(lambda t: t))
after_sigmoid = gl.error_of(lambda: in_place_after(torch.sigmoid))
assert after_linear == "" and after_sigmoid.startswith("RuntimeError: one of the variables")
print("after Linear: ", after_linear or "backward ran")
print("after sigmoid:", after_sigmoid[:80], "...")
print("verdict: false")

# %% [markdown]
# ### 8 · "`y = x * 2; y += 1; y.sum().backward()` may fail"
#
# → lesson [05](05_in_place.ipynb).

# %%
x = torch.randn(3, requires_grad=True)
y = x * 2
y += 1
y.sum().backward()
assert torch.equal(x.grad, torch.full((3,), 2.0))
print("x.grad:", x.grad)
print("verdict: false")

# %% [markdown]
# ### 9 · "`output.grad` is `None` because an input lacked `requires_grad`"
#
# In the usual case `output` is a non-leaf, and non-leaf `.grad` is never filled unless
# `retain_grad()` was called. → lesson [07](07_non_leaf_grad.ipynb).

# %%
layer = nn.Linear(3, 1)
output = layer(torch.randn(4, 3))
output.sum().backward()
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    seen = output.grad
assert seen is None and output.requires_grad and not output.is_leaf
assert "not a leaf Tensor" in str(caught[0].message)
print("output.requires_grad:", output.requires_grad, "| is_leaf:", output.is_leaf)
print("warning:", str(caught[0].message).split(". ")[0])
print("verdict: false")

# %% [markdown]
# ### 10 · "Gradients add up over `backward()` calls until you zero them"
#
# → lesson [01](01_how_backward_works.ipynb).

# %%
w = torch.ones(2, requires_grad=True)
(w * 3).sum().backward()
(w * 3).sum().backward()
assert torch.equal(w.grad, torch.full((2,), 6.0))
print("w.grad after two backward calls:", w.grad.tolist())
print("verdict: true")

# %% [markdown]
# ### 11 · "`optimizer.zero_grad()` fills the gradients with zeros"
#
# Its default is `set_to_none=True`: `.grad` becomes `None`; zeros only with
# `set_to_none=False`. → lesson [09](09_training_loop.ipynb).

# %%
layer = nn.Linear(3, 1)
optimizer = torch.optim.SGD(layer.parameters(), lr=0.1)
layer(torch.randn(4, 3)).sum().backward()
optimizer.zero_grad()
assert layer.weight.grad is None
print("after zero_grad():", layer.weight.grad)
print("verdict: false")

# %% [markdown]
# ### 12 · "`torch.where(x > 0, torch.sqrt(x), 0)` keeps the gradient safe at 0"
#
# Backward differentiates both branches: the unused `sqrt` branch gives `0 · inf = nan`. Make the
# input safe instead. → lesson [08](08_silent_gradients.ipynb).

# %%
x = torch.tensor([0.0, 4.0], requires_grad=True)
torch.where(x > 0, torch.sqrt(x), 0.0).sum().backward()
assert x.grad[0].isnan() and x.grad[1] == 0.25
print("gradient:", x.grad.tolist())
print("verdict: false")

# %% [markdown]
# ### 13 · "AMP's `GradScaler` needs a GPU"
#
# `torch.amp.GradScaler("cpu")` exists and is enabled on the CPU. → lesson
# [09](09_training_loop.ipynb).

# %%
scaler = torch.amp.GradScaler("cpu")
assert scaler.is_enabled()
enabled, scale = scaler.is_enabled(), scaler.get_scale()
print(f"GradScaler('cpu') enabled: {enabled} | scale: {scale}\nverdict: false")

# %% [markdown]
# ## Next
#
# [12 · Capstone](12_capstone.ipynb): unlabelled bugs in real scripts. Previous:
# [10 · Debug your own model](10_debug_your_own.ipynb).
