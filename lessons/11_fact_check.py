# %% [markdown]
# # Lesson 11 · Fact check: what is often written about gradients
#
# Forum answers, blog posts and even good books repeat claims about autograd that torch does not
# do. Every claim below is tested in the cell under it, and the cell **asserts** the verdict: if a
# future torch changes its behaviour, this notebook fails in CI instead of quietly teaching
# something wrong.
#
# Verdicts: **false** (torch does not do this), **half-true** (part of it holds), **true**.
#
# *Prerequisites:* lessons [02](02_missing_requires_grad.ipynb) to [07](07_non_leaf_grad.ipynb);
# claims 12 to 16 belong to lessons [08](08_silent_gradients.ipynb) and [09](09_training_loop.ipynb).
# *Time:* about 15 minutes.

# %%
import torch
import torch.nn.functional as F
from torch import nn

import gradlab as gl

gl.setup()
print("checked on torch", torch.__version__.split("+")[0])

# %% [markdown]
# `gl.error_of(fn)` runs `fn` and returns what it raised (`Type: first line`), or `""` when it ran.
#
# ## 1 · "Slicing a parameter makes a tensor outside the graph, so the parameter gets no gradient"
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
# ## 2 · "`self.w = torch.randn(..., requires_grad=True)` in a module fixes a missing gradient"
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
# ## 3 · "`out = h * 2.0` makes a detached copy of `h`"
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
# ## 4 · "`h *= 2.0` on the output of `nn.Linear` breaks backward"
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
# ## 5 · "`y = x * 2; y += 1; y.sum().backward()` may fail"
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
# ## 6 · "Backward through a detached chain raises *Trying to backward through the graph a second time*"
#
# It raises a different error: the loss has no history at all. → lesson [04](04_detach_and_numpy.ipynb).

# %%
x = torch.randn(3, requires_grad=True)
z = (x * 2).detach()
error = gl.error_of(lambda: z.sum().backward())
assert error.startswith("RuntimeError: element 0 of tensors does not require grad")
assert "second time" not in error
print(error)
print("verdict: false")

# %% [markdown]
# ## 7 · "`y.backward()` on a tensor that never required grad raises *One of the differentiated Tensors does not require grad*"
#
# That message belongs to `torch.autograd.grad`, when asked for the gradient of a tensor that
# does not require grad; `backward()` says something else.
# → lesson [03](03_no_grad_block.ipynb).

# %%
y = torch.randn(3).sum()
by_backward = gl.error_of(lambda: y.backward())
w, x = torch.randn(3, requires_grad=True), torch.randn(3)
by_grad = gl.error_of(lambda: torch.autograd.grad((w * x).sum(), x))  # x does not require grad
assert by_backward.startswith("RuntimeError: element 0 of tensors does not require grad")
assert by_grad.startswith("RuntimeError: One of the differentiated Tensors does not require grad")
print("backward():         ", by_backward)
print("torch.autograd.grad:", by_grad)
print("verdict: false")

# %% [markdown]
# ## 8 · "`output.grad` is `None` because an input lacked `requires_grad`"
#
# In the usual case `output` is a non-leaf, and non-leaf `.grad` is never filled unless
# `retain_grad()` was called. → lesson [07](07_non_leaf_grad.ipynb).

# %%
import warnings

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
# ## 9 · "After `with torch.no_grad(): out = ...`, `loss.backward()` runs and `.grad` stays `None`"
#
# When nothing in the loss requires grad, `backward()` raises. → lesson [03](03_no_grad_block.ipynb).

# %%
layer = nn.Linear(3, 1)
with torch.no_grad():
    out = layer(torch.randn(4, 3))
loss = out.pow(2).mean()
error = gl.error_of(lambda: loss.backward())
assert error.startswith("RuntimeError: element 0 of tensors does not require grad")
print(error)
print("verdict: false")

# %% [markdown]
# ## 10 · "After `z = y.detach()` and a loss built from `z`, `x.grad` is still computed"
#
# If nothing else requires grad, backward raises; if another leaf (a bias) keeps the loss in the
# graph, backward runs and `x.grad` stays `None`. → lesson [04](04_detach_and_numpy.ipynb).

# %%
x = torch.randn(3, requires_grad=True)
z = (x * 2).detach()
alone = gl.error_of(lambda: z.sum().backward())
bias = torch.zeros(1, requires_grad=True)
(z.sum() + bias).sum().backward()
assert alone.startswith("RuntimeError: element 0") and x.grad is None and bias.grad is not None
print("loss from z alone:", alone)
print("with a bias: x.grad =", x.grad, "| bias.grad =", bias.grad)
print("verdict: false")

# %% [markdown]
# ## 11 · "`torch.mm` works on 1-D vectors"
#
# `torch.mm` multiplies matrices only; for vectors use `torch.dot` or `@`.

# %%
a, b = torch.randn(3), torch.randn(3)
error = gl.error_of(lambda: torch.mm(a, b))
assert error == "RuntimeError: self must be a matrix"
assert torch.allclose(a @ b, torch.dot(a, b))
print("torch.mm:", error, "| a @ b == torch.dot(a, b):", True)
print("verdict: false")

# %% [markdown]
# ## 12 · "`optimizer.zero_grad()` fills the gradients with zeros"
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
# ## 13 · "`torch.where(x > 0, torch.sqrt(x), 0)` keeps the gradient safe at 0"
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
# ## 14 · "`torch.round` (or `argmax`) in the loss makes `backward()` raise"
#
# `round` has a gradient: exactly zero, silently. `argmax` returns integers that do not require
# grad, so only a loss built from it alone raises. → lesson [08](08_silent_gradients.ipynb).

# %%
w = torch.tensor([0.4, 1.6], requires_grad=True)
raised = gl.error_of(lambda: (w * 3).round().sum().backward())
assert raised == "" and not w.grad.any()
print("round: raised", repr(raised), "| w.grad:", w.grad.tolist())
print("argmax requires_grad:", w.argmax().requires_grad)
print("verdict: false")

# %% [markdown]
# ## 15 · "`nn.Parameter(t).to(torch.float64)` is still a parameter"
#
# With a real change of dtype or device, `.to()` returns a plain non-leaf `Tensor`; only when
# nothing changes does it return the parameter itself. → lesson [09](09_training_loop.ipynb).

# %%
p = nn.Parameter(torch.ones(2))
converted = p.to(torch.float64)
assert not isinstance(converted, nn.Parameter) and not converted.is_leaf
assert p.to(torch.float32) is p
print("to(float64):", type(converted).__name__, "| is_leaf:", converted.is_leaf,
      "| to(float32) is p:", p.to(torch.float32) is p)
print("verdict: false")

# %% [markdown]
# ## 16 · "AMP's `GradScaler` needs a GPU"
#
# `torch.amp.GradScaler("cpu")` exists and is enabled on the CPU. → lesson
# [09](09_training_loop.ipynb).

# %%
scaler = torch.amp.GradScaler("cpu")
assert scaler.is_enabled()
enabled, scale = scaler.is_enabled(), scaler.get_scale()
print(f"GradScaler('cpu') enabled: {enabled} | scale: {scale}\nverdict: false")

# %% [markdown]
# ## Check any claim yourself
#
# A four-line recipe: build the smallest tensor that shows the claim, run it, and look at three
# things — what it **raised**, the **`grad_fn`** of the result, and the **`.grad`** of the leaf.

# %%
w = torch.randn(3, requires_grad=True)                       # 1. the smallest leaf
out = torch.clamp(w, -0.5, 0.5)                              # 2. the claim's operation
print("raised:", gl.error_of(lambda: out.sum().backward()) or "nothing")   # 3. run backward
print("grad_fn:", type(out.grad_fn).__name__, "| w.grad:", w.grad)         # 4. look

# %% [markdown]
# Then, for a whole program, `gl.diagnose(step)` says where gradient flow is cut and why.
#
# ## Next
#
# Back to the [start page](00_start_here.ipynb).
