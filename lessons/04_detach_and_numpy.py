# %% [markdown]
# # Lesson 04 · `.detach()` and the numpy round-trip
#
# **What you will learn**
# - why a trip through numpy (or `.detach()`, `.item()`, `torch.tensor(...)`) cuts the gradient;
# - why following the `numpy()` error's own hint hides the problem;
# - how to stay in torch.
#
# *Prerequisites:* [lesson 03](03_no_grad_block.ipynb).
# *Time:* {time}

# %%
import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

import gradlab as gl

gl.setup()
x, y = torch.randn(16, 3), torch.randn(16, 1)

# %% [markdown]
# ## Predict
#
# `h.numpy()` raised *Can't call numpy() on Tensor that requires grad. Use
# tensor.detach().numpy() instead.* So the author did exactly that:

# %%
def broken():
    fc1, fc2 = nn.Linear(3, 8), nn.Linear(8, 1)
    h = torch.from_numpy(np.tanh(fc1(x).detach().numpy()))
    loss = F.mse_loss(fc2(h), y)
    loss.backward()
    return locals()


gl.predict("The error is gone. After loss.backward(), what is fc1.weight.grad?",
           ["a tensor", "None", "backward raises"], answer="None", why=".detach() returns "
           "the values without history, numpy records nothing, and torch.from_numpy makes a new "
           "leaf: fc2's input is data to autograd. fc2 still has a graph, so backward runs.")

# %% [markdown]
# ## The symptom

# %%
run = broken()
print("fc1.weight.grad:", run["fc1"].weight.grad, "| fc2.weight.grad:", run["fc2"].weight.grad.shape)

# %% [markdown]
# The hint removed the check, not the problem.

# %% [markdown]
# ## Look at the graph
#
# The red edge is labelled with the chain, `detach + numpy`.

# %%
gl.draw(broken)

# %% [markdown]
# ## Flip it

# %%
gl.predict("Replace np.tanh by torch.tanh (no .detach(), no numpy). What is fc1.weight.grad?",
           ["None, as before", "a tensor"], answer="a tensor", why="torch.tanh records a "
           "TanhBackward0 node, so backward walks from the loss through h back to fc1.")

# %%
def fixed():
    fc1, fc2 = nn.Linear(3, 8), nn.Linear(8, 1)
    h = torch.tanh(fc1(x))
    loss = F.mse_loss(fc2(h), y)
    loss.backward()
    return locals()


toggle = gl.compare(broken, fixed, title="numpy round-trip vs torch.tanh")
toggle

# %% tags=["remove-cell"]
assert toggle.show("broken").kinds == ["numpy_roundtrip"]
assert toggle.result.grad_states()["fc1.weight"] == "None"
assert toggle.show("fixed").kinds == []
assert set(toggle.result.grad_states().values()) == {"norm"}
_ = toggle.show("broken")
try:
    nn.Linear(3, 8)(x).numpy()
    raise AssertionError("numpy() of a tensor that requires grad should raise")
except RuntimeError as error:
    assert str(error) == ("Can't call numpy() on Tensor that requires grad. "
                          "Use tensor.detach().numpy() instead.")

# %% [markdown]
# ## Why
#
# numpy knows nothing about gradients, so `numpy()` refuses a tensor with history; `.detach()`
# drops the history, and the tensor made back from the array is a new leaf:

# %%
back = torch.from_numpy(np.tanh(run["fc1"](x).detach().numpy()))
print("is_leaf:", back.is_leaf, "| requires_grad:", back.requires_grad)

# %% [markdown]
# Most numpy functions have a torch twin that autograd can differentiate (`torch.clamp`,
# `torch.exp`, …). `.data` also cuts, silently: lesson 08. Docs: [`Tensor.detach`](https://pytorch.org/docs/stable/generated/torch.Tensor.detach.html).

# %% [markdown]
# ## Optional · Numbers are not tensors
#
# `.item()` and `float(t)` return Python floats, and `torch.tensor([a, b])` copies values into a
# new leaf. `float(t)` and `torch.tensor([...])` of tensors that require grad give the same
# warning (`.item()` gives none); `torch.stack` keeps the history:

# %%
import warnings

a, b = torch.randn((), requires_grad=True), torch.randn((), requires_grad=True)
torch.set_warn_always(True)     # torch warns once per process; a re-run should warn too
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    rebuilt, number = torch.tensor([a, b]), float(a)
torch.set_warn_always(False)
print("warning:", str(caught[0].message).splitlines()[0])
print("torch.tensor: grad_fn =", rebuilt.grad_fn, "| float(a) is a", type(number).__name__)
print("torch.stack:  grad_fn =", type(torch.stack([a, b]).grad_fn).__name__)

# %% tags=["remove-cell"]
_text = "Converting a tensor with requires_grad=True to a scalar may lead to unexpected behavior."
assert {str(w.message).splitlines()[0] for w in caught} == {_text} and len(caught) == 3
torch.set_warn_always(True)
for _make in (lambda: float(a), lambda: torch.tensor([a, b]), lambda: a.item()):
    with warnings.catch_warnings(record=True) as _seen:
        warnings.simplefilter("always")
        _make()
    _first = {str(w.message).splitlines()[0] for w in _seen}
    assert _first == (set() if "item" in _make.__code__.co_names else {_text})
torch.set_warn_always(False)
with warnings.catch_warnings():  # torch warns once per process: spend it here, so that the
    warnings.simplefilter("ignore")  # exercise's grade cell stores no torch build path
    torch.tensor([a, b])

# %% [markdown]
# ## Optional · When numpy is unavoidable
#
# If a library works only on arrays, write a `torch.autograd.Function`: a forward that may use
# numpy and a backward that returns the gradient you derive by hand. `gradcheck` (lesson 01)
# compares your backward with finite differences:

# %%
class NumpyTanh(torch.autograd.Function):
    @staticmethod
    def forward(ctx, h):
        out = torch.from_numpy(np.tanh(h.detach().numpy()))
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad_out):
        (out,) = ctx.saved_tensors
        return grad_out * (1 - out ** 2)


h = torch.randn(4, dtype=torch.float64, requires_grad=True)
print("gradcheck:", torch.autograd.gradcheck(NumpyTanh.apply, (h,)))

# %% [markdown]
# ## Optional · In the wild: `np.clip` in a model
#
# A model clips its hidden layer with numpy; the toggle trains both versions for 30 steps.

# %%
torch.manual_seed(0)  # the same data, whatever ran before
xs = torch.randn(64, 3)
ys = torch.sin(2 * xs).sum(1, keepdim=True)


class Clipped(nn.Module):
    def __init__(self, clip):
        super().__init__()
        self.fc1, self.fc2, self.clip = nn.Linear(3, 8), nn.Linear(8, 1), clip

    def forward(self, x):
        return self.fc2(self.clip(self.fc1(x)))

# %%
gl.predict("Both versions train for 30 steps. Which ends with the lower loss?",
           ["np.clip: same values, less overhead", "torch.clamp: both layers learn"],
           answer="torch.clamp: both layers learn",
           why="With np.clip, fc1 gets no gradient and keeps its random weights; only fc2 learns.")

# %%
def clip_in_numpy():
    torch.manual_seed(0)
    model = Clipped(lambda h: torch.tensor(np.clip(h.detach().numpy(), -1, 1)))
    optimizer = torch.optim.SGD(model.parameters(), lr=0.3)

    def step():
        optimizer.zero_grad()
        loss = F.mse_loss(model(xs), ys)
        loss.backward()
        optimizer.step()
        return loss

    loss = step()
    return locals()


def clip_in_torch():
    torch.manual_seed(0)
    model = Clipped(lambda h: torch.clamp(h, -1, 1))
    optimizer = torch.optim.SGD(model.parameters(), lr=0.3)

    def step():
        optimizer.zero_grad()
        loss = F.mse_loss(model(xs), ys)
        loss.backward()
        optimizer.step()
        return loss

    loss = step()
    return locals()


wild = gl.compare(clip_in_numpy, clip_in_torch, title="np.clip vs torch.clamp", train_steps=30)
wild

# %% tags=["remove-cell"]
broken_run, fixed_run = wild.show("broken"), wild.show("fixed")
assert broken_run.kinds == ["numpy_roundtrip"] and fixed_run.kinds == []
assert fixed_run.losses[-1] < 0.9 * broken_run.losses[-1]
_ = wild.show("broken")

# %% [markdown]
# Detaching on purpose (a GAN's `fake.detach()`, truncated backpropagation through time) is
# lesson 06's topic; a target computed without gradient, lesson 03's.

# %% [markdown]
# ## Optional · Your turn
#
# A different program, reduced from a real bug report: a mixture of experts adds a load-balance
# term to its loss so that both gates stay in use. Nothing raises, yet its author finds the
# balance term is never optimised. Fix `moe_step`, then run the feedback cell.

# %%
# %starter 04

# %%
gl.grade("04", globals())

# %% [markdown]
# Stuck? Each call gives the next hint: the symptom, then where, then the fix.

# %%
gl.hint("04")

# %% [markdown]
# `gl.solution("04")` shows the reference solution. In a terminal, `python -m gradlab grade 04
# my_answer.py` grades a file that defines `moe_step`.

# %% [markdown]
# ## Recap
#
# | when you see | think |
# |---|---|
# | `Can't call numpy() on Tensor that requires grad` | do it in torch, not `.detach()` |
# | `Converting a tensor with requires_grad=True to a scalar` | `float(t)` or `torch.tensor([...])`: use `torch.stack` |

# %% [markdown]
# ### Optional · Check yourself

# %% [markdown]
# **Three questions**

# %% [markdown]
# 1. In *Predict*, freeze `fc2` with `fc2.requires_grad_(False)` before the loss. What does
#    `loss.backward()` do now?

# %% [markdown]
# <details><summary>Check your answer</summary>
#
# It raises *element 0 of tensors does not require grad and does not have a grad_fn*: with `fc2`
# frozen and `h` cut off, nothing in the loss has history (lesson 03's rule).
#
# </details>

# %% [markdown]
# 2. Why does `fc1(x).detach().numpy()` make the error go away, and what does it cost?

# %% [markdown]
# <details><summary>Check your answer</summary>
#
# `numpy()` refuses a tensor with history because numpy cannot record one; `.detach()` returns the
# values without history, so `numpy()` accepts them. The cost: the tensor made back from the array
# has no `grad_fn`, so `fc1` gets `.grad` `None`, silently.
#
# </details>

# %% [markdown]
# 3. A loss is `torch.tensor([loss_a, loss_b]).sum()`, where both parts require grad. Does
#    `backward()` raise? What if it were `torch.stack([loss_a, loss_b]).sum()`?

# %% [markdown]
# <details><summary>Check your answer</summary>
#
# `torch.tensor([...])` warns and makes a leaf without history: nothing in the sum requires grad,
# so `backward()` raises (lesson 03's message). `torch.stack` keeps the history: backward runs
# and both parts' weights get gradients.
#
# </details>

# %% tags=["remove-cell"]
_fc1, _fc2 = nn.Linear(3, 8), nn.Linear(8, 1)
_fc2.requires_grad_(False)
_h = torch.from_numpy(np.tanh(_fc1(x).detach().numpy()))
for _loss in (F.mse_loss(_fc2(_h), y),
              torch.tensor([_fc1(x).sum().item(), _fc1(x).mean().item()]).sum()):
    try:
        _loss.backward()
        raise AssertionError("a loss without history should raise")
    except RuntimeError as error:
        assert str(error).startswith("element 0 of tensors does not require grad")
torch.stack([_fc1(x).sum(), _fc1(x).mean()]).sum().backward()
assert _fc1.weight.grad is not None

# %% [markdown]
# ## Next
#
# [Lesson 05 · In-place changes](05_in_place.ipynb).
