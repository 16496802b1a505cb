# %% [markdown]
# # Lesson 02 · The weight that never asked for a gradient
#
# **What you will learn**
# - why a tensor you made yourself gets no `.grad`, and why `nn.Parameter` is the fix;
# - why `requires_grad=True` on a plain attribute is only half a fix (the optimizer never sees it);
# - how layers in a Python list, integer tensors and frozen layers hide weights from training.
#
# *Prerequisites:* a first PyTorch model (`nn.Module`, `loss.backward()`, an optimizer).
# *Time:* about 15 minutes. Run the cells from top to bottom (Shift+Enter).

# %%
import torch
import torch.nn.functional as F
from torch import nn

import gradlab as gl

gl.setup()

# %% [markdown]
# ## The symptom
#
# A small linear model with its own weights. It trains without an error, but look at the
# gradient of `w` after `backward()`:

# %%
class Line(nn.Module):
    def __init__(self):
        super().__init__()
        self.w = torch.randn(3, 1)            # a plain tensor
        self.b = nn.Parameter(torch.zeros(1))

    def forward(self, x):
        return x @ self.w + self.b


x, y = torch.randn(16, 3), torch.randn(16, 1)
model = Line()
F.mse_loss(model(x), y).backward()
print("w.grad:", model.w.grad)
print("b.grad:", model.b.grad)

# %% [markdown]
# `b` got a gradient, `w` did not: `None`, no error, no warning. An optimizer would update `b`
# and leave `w` as it was forever.

# %% [markdown]
# ## The smallest broken program
#
# The same model as a function that returns `locals()`, so gradlab can run it and look inside.

# %%
def broken():
    model = Line()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    loss = F.mse_loss(model(x), y)
    loss.backward()
    return locals()


print(gl.diagnose(broken))

# %% [markdown]
# ## Look at the graph
#
# `gl.draw` shows what autograd recorded. Blue boxes are *leaves* (tensors you created, not made
# by an op) that get `.grad`; the dashed red
# edge is where a value entered the loss without any gradient path back to where it came from.
# The text under the picture says the same in words.

# %%
gl.draw(broken)

# %% [markdown]
# `w` is drawn hollow: it feeds the loss, but as a plain tensor it has `requires_grad=False`, so
# autograd recorded no edge to it.

# %% [markdown]
# ## Flip it
#
# The fix is one line: wrap the tensor in `nn.Parameter`. Click **fixed** and watch the graph and
# the gradient table change; **broken** brings the first version back.

# %%
class FixedLine(Line):
    def __init__(self):
        super().__init__()
        self.w = nn.Parameter(torch.randn(3, 1))


def fixed():
    model = FixedLine()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    loss = F.mse_loss(model(x), y)
    loss.backward()
    return locals()


toggle = gl.compare(broken, fixed, title="plain tensor vs nn.Parameter")
toggle

# %% tags=["remove-cell"]
assert toggle.show("broken").grad_states() == {"b": "norm", "w": "None"}
assert toggle.result.kinds == ["plain_tensor_attribute"]
assert toggle.show("fixed").kinds == []
assert toggle.result.grad_states() == {"w": "norm", "b": "norm"}
_ = toggle.show("broken")  # leave the toggle on the broken program

# %% [markdown]
# ## Why
#
# **A tensor you create does not ask for a gradient.** `requires_grad` is `False` by default:

# %%
torch.randn(3, 1).requires_grad

# %% [markdown]
# **`nn.Parameter` asks for one, and registers itself.** Assigning a `Parameter` to a module
# attribute adds it to `model.parameters()`, the list the optimizer is built from:

# %%
w = nn.Parameter(torch.randn(3, 1))
print("requires_grad:", w.requires_grad, "| is_leaf:", w.is_leaf)
print("Line:     ", [name for name, _ in Line().named_parameters()])
print("FixedLine:", [name for name, _ in FixedLine().named_parameters()])

# %% [markdown]
# **The half-fix.** It is tempting to write `torch.randn(3, 1, requires_grad=True)` instead.
# Autograd now computes `w.grad` ...

# %%
class HalfFixed(nn.Module):
    def __init__(self):
        super().__init__()
        self.w = torch.randn(3, 1, requires_grad=True)

    def forward(self, x):
        return x @ self.w


half = HalfFixed()
F.mse_loss(half(x), y).backward()
print("w.grad is None:", half.w.grad is None)
print("parameters:", list(half.parameters()))

# %% [markdown]
# ... but `w` is still not a parameter. With no other parameter, building the optimizer fails:

# %%
with gl.shows_error(ValueError):
    torch.optim.SGD(half.parameters(), lr=0.1)

# %% [markdown]
# With another parameter next to it, nothing fails: the optimizer is built from the others and
# silently skips `w`. One step changes the bias and leaves `w` as it was, gradient and all:

# %%
class HalfWithBias(HalfFixed):
    def __init__(self):
        super().__init__()
        self.b = nn.Parameter(torch.zeros(1))

    def forward(self, x):
        return x @ self.w + self.b


half = HalfWithBias()
optimizer = torch.optim.SGD(half.parameters(), lr=0.1)
w_before, b_before = half.w.clone(), half.b.clone()
F.mse_loss(half(x), y).backward()
optimizer.step()
print("optimizer trains:", [name for name, _ in half.named_parameters()])
print("w.grad computed:", half.w.grad is not None,
      "| w changed:", not torch.equal(w_before, half.w),
      "| b changed:", not torch.equal(b_before, half.b))

# %% [markdown]
# **Only floating point and complex tensors can require grad.** A gradient is a direction of
# infinitesimal change; an integer tensor has none. torch words the error in two ways, depending
# on how you ask:

# %%
with gl.shows_error(RuntimeError):
    torch.arange(3).requires_grad_()
with gl.shows_error(RuntimeError):
    torch.tensor([1, 2], requires_grad=True)
print("a complex tensor can:", torch.randn(2, dtype=torch.complex64).requires_grad_().requires_grad)

# %% [markdown]
# **Manual gradient descent** needs `requires_grad_()` on the tensors you update yourself, and the
# update itself under `torch.no_grad()` (lesson 05 shows why: outside it, an in-place change of a
# leaf that requires grad raises):

# %%
w = torch.zeros(3, 1).requires_grad_()
for step in range(50):
    loss = F.mse_loss(x @ w, y)
    loss.backward()
    with torch.no_grad():
        w -= 0.1 * w.grad
    w.grad = None
print("loss after 50 steps:", round(loss.item(), 4), "| w is still a leaf:", w.is_leaf)

# %% [markdown]
# PyTorch's documentation: [Autograd mechanics: requires_grad](https://pytorch.org/docs/stable/notes/autograd.html#setting-requires-grad)
# and [`torch.nn.Parameter`](https://pytorch.org/docs/stable/generated/torch.nn.parameter.Parameter.html).

# %% [markdown]
# ## In the wild
#
# `nn.Module` registers a sub-module (its parameters join `model.parameters()`) when it is
# assigned to an attribute, added with `add_module` or `register_module`, or held in an
# `nn.ModuleList`, `nn.ModuleDict` or `nn.Sequential`. A plain Python `list` or `dict` hides it:

# %%
box = nn.Module()
box.attribute = nn.Linear(1, 1)
box.add_module("added", nn.Linear(1, 1))
box.register_module("registered", nn.Linear(1, 1))
box.module_list = nn.ModuleList([nn.Linear(1, 1)])
box.module_dict = nn.ModuleDict({"a": nn.Linear(1, 1)})
box.sequential = nn.Sequential(nn.Linear(1, 1))
box.python_list = [nn.Linear(1, 1)]
box.python_dict = {"a": nn.Linear(1, 1)}
print(sorted({name.split(".")[0] for name, _ in box.named_parameters()}))

# %% [markdown]
# A deeper model gets its hidden layers in a Python `list`. Their weights get gradients but are
# not in `model.parameters()`: the optimizer trains the output layer alone. Nothing raises. The
# loss curves over 30 steps show the difference.

# %%
class Deep(nn.Module):
    def __init__(self, hidden):
        super().__init__()
        self.hidden = hidden
        self.out = nn.Linear(16, 1)

    def forward(self, x):
        for layer in self.hidden:
            x = torch.tanh(layer(x))
        return self.out(x)


torch.manual_seed(0)  # the same data, whatever ran before
xs = torch.randn(64, 3)
ys = torch.sin(2 * xs).sum(1, keepdim=True)   # a curve only the hidden layers can fit


def layers_in_a_list():
    torch.manual_seed(0)
    model = Deep([nn.Linear(3, 16), nn.Linear(16, 16)])
    optimizer = torch.optim.SGD(model.parameters(), lr=0.3)

    def step():
        optimizer.zero_grad()
        loss = F.mse_loss(model(xs), ys)
        loss.backward()
        optimizer.step()
        return loss

    loss = step()
    return locals()


def layers_in_a_module_list():
    torch.manual_seed(0)
    model = Deep(nn.ModuleList([nn.Linear(3, 16), nn.Linear(16, 16)]))
    optimizer = torch.optim.SGD(model.parameters(), lr=0.3)

    def step():
        optimizer.zero_grad()
        loss = F.mse_loss(model(xs), ys)
        loss.backward()
        optimizer.step()
        return loss

    loss = step()
    return locals()


wild = gl.compare(layers_in_a_list, layers_in_a_module_list,
                  title="layers in a Python list vs nn.ModuleList", train_steps=30)
wild

# %% tags=["remove-cell"]
broken_run, fixed_run = wild.show("broken"), wild.show("fixed")
assert broken_run.kinds == ["not_in_optimizer"]
assert fixed_run.kinds == []
assert fixed_run.losses[-1] < 0.8 * broken_run.losses[-1]
_ = wild.show("broken")

# %% [markdown]
# What gradlab says about the broken version, and the final losses of both:

# %%
print(gl.diagnose(layers_in_a_list))
print("final loss, list:      ", round(broken_run.losses[-1], 4))
print("final loss, ModuleList:", round(fixed_run.losses[-1], 4))

# %% [markdown]
# **Frozen on purpose is fine.** When you fine-tune, you freeze a pretrained layer with
# `requires_grad_(False)` and give the optimizer only the rest. gradlab reports that as
# *info*, not as an error:

# %%
def fine_tune():
    model = nn.Sequential(nn.Linear(3, 8), nn.ReLU(), nn.Linear(8, 1))
    model[0].requires_grad_(False)                     # pretrained: keep it as it is
    optimizer = torch.optim.SGD(model[2].parameters(), lr=0.1)
    loss = F.mse_loss(model(x), y)
    loss.backward()
    return locals()


print(gl.diagnose(fine_tune))

# %% [markdown]
# ## Your turn
#
# `Scaled` should learn a scale factor and a linear layer, but its `scale` never trains. Fix the
# class in the cell below, then run the feedback cell under it.

# %%
class Scaled(nn.Module):
    def __init__(self):
        super().__init__()
        self.linear = nn.Linear(3, 1)
        self.scale = torch.ones(1)

    def forward(self, x):
        return self.scale * self.linear(x)

# %% [markdown]
# **Feedback.** `gl.grade` builds your `Scaled` and the reference solution's on the same seed, runs
# one step on the exercise's own `x`, `y` (forward, the loss, `backward()`), and compares the output,
# the loss, every parameter's gradient and what gradlab finds. In a terminal,
# `python -m gradlab grade 01 my_answer.py` does the same for a file that defines `Scaled`.
# Stuck? A solution waits at the end of this notebook, after the recap.

# %%
gl.grade("02", globals())

# %% [markdown]
# ## Recap
#
# - [ ] Weights you create yourself are `nn.Parameter`s, assigned to the module.
# - [ ] Sub-layers live in attributes, `nn.ModuleList` or `nn.Sequential`, never a plain list.
# - [ ] `list(model.parameters())` (or `named_parameters()`) shows what the optimizer will train.
# - [ ] Frozen layers are frozen on purpose, with `requires_grad_(False)`.
#
# | when you see | think |
# |---|---|
# | `.grad` is `None` on a weight | is it an `nn.Parameter` on the module? |
# | `optimizer got an empty parameter list` | your weights are plain tensors |
# | loss falls slowly, some layers never change | layers in a Python list, or missing from the optimizer |
# | `Only Tensors of floating point ... can require gradients` | an integer tensor where a weight should be |

# %% [markdown]
# **Three questions**

# %% [markdown]
# 1. Why does `torch.randn(3, 1, requires_grad=True)` on a module get a gradient but never train?

# %% [markdown]
# <details><summary>Check your answer</summary>
#
# It is a leaf with `requires_grad=True`, so `backward()` fills its `.grad`. But a module registers
# only the `nn.Parameter`s (and sub-modules) assigned to it: a plain tensor is not in
# `model.parameters()`, so the optimizer built from them never updates it (and `state_dict()` does
# not save it). *Why* shows it under **The half-fix**.
#
# </details>

# %% [markdown]
# 2. What is the difference between a frozen parameter and a plain tensor attribute?

# %% [markdown]
# <details><summary>Check your answer</summary>
#
# A frozen parameter (an `nn.Parameter` after `requires_grad_(False)`) is still registered: it is in
# `model.parameters()` and `state_dict()`, `model.to(torch.float64)` converts it, and
# `requires_grad_(True)` unfreezes it. A plain tensor attribute is none of these: not listed, not
# saved, and `model.to(torch.float64)` leaves it float32. *In the wild* freezes a layer on
# purpose under **Frozen on purpose is fine**.
#
# </details>

# %% [markdown]
# 3. How would you list, in one line, the tensors an optimizer updates?

# %% [markdown]
# <details><summary>Check your answer</summary>
#
# `[p.shape for group in optimizer.param_groups for p in group["params"]]`: the optimizer holds
# its tensors in `param_groups`. To see them by name before building it:
# `[name for name, p in model.named_parameters() if p.requires_grad]`.
#
# </details>

# %% [markdown]
# ## Next
#
# [Lesson 03 · The `no_grad` block](03_no_grad_block.ipynb): gradients switched off by a context
# manager, on purpose or not.

# %% [markdown]
# ## Solution (peek if stuck)
#
# The reference solution of [Your turn](#Your-turn), as `%load solutions/02_missing_requires_grad.py`
# loads it (type that line in a cell to load it yourself), and the grader on it:

# %%
# %load solutions/02_missing_requires_grad.py

# %%
gl.grade("02", globals())
