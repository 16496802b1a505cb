# %% [markdown]
# # Lesson 05 · In-place changes
#
# **What you will learn**
# - what autograd saves for backward, and how version counters notice a saved tensor changed;
# - which in-place ops are harmless and which break backward, and how to read the error;
# - how gradlab predicts the error **before** `backward()`, and why optimizers update under `no_grad`.
#
# *Prerequisites:* [lesson 04](04_detach_and_numpy.ipynb). *Time:* about 15 minutes.

# %%
import warnings

import torch
import torch.nn.functional as F
from torch import nn

import gradlab as gl

gl.setup()
x, y = torch.randn(16, 3), torch.randn(16, 1)

# %% [markdown]
# ## The symptom
#
# A network with a sigmoid followed by a ReLU that saves memory with `inplace=True`. Backward stops:

# %%
model = nn.Sequential(nn.Linear(3, 8), nn.Sigmoid(), nn.ReLU(inplace=True), nn.Linear(8, 1))
with gl.shows_error(RuntimeError):
    F.mse_loss(model(x), y).backward()

# %% [markdown]
# ## The smallest broken program
#
# Without calling `backward()`, gradlab already sees what will happen:

# %%
def broken():
    model = nn.Sequential(nn.Linear(3, 8), nn.Sigmoid(), nn.ReLU(inplace=True), nn.Linear(8, 1))
    loss = F.mse_loss(model(x), y)
    return locals()


print(gl.diagnose(broken))

# %% [markdown]
# ## Look at the graph
#
# The node that saved the tensor, `SigmoidBackward0`, is marked *stale: version 1, saved at 0*,
# and the in-place `relu` is drawn with a purple `✎ in-place` edge into it: not a cut (the graph
# is intact), a value backward saved is stale. The text summary under the picture says the same.

# %%
gl.draw(broken)

# %% [markdown]
# ## Flip it
#
# The fix: the out-of-place `nn.ReLU()`.

# %%
def fixed():
    model = nn.Sequential(nn.Linear(3, 8), nn.Sigmoid(), nn.ReLU(), nn.Linear(8, 1))
    loss = F.mse_loss(model(x), y)
    loss.backward()
    return locals()


def broken_with_backward():
    model = nn.Sequential(nn.Linear(3, 8), nn.Sigmoid(), nn.ReLU(inplace=True), nn.Linear(8, 1))
    loss = F.mse_loss(model(x), y)
    loss.backward()
    return locals()


toggle = gl.compare(broken_with_backward, fixed, title="ReLU(inplace=True) after Sigmoid")
toggle

# %% tags=["remove-cell"]
assert toggle.show("broken").exception_kind == "in_place"
assert "in_place" in toggle.result.kinds
assert toggle.show("fixed").exception_kind is None and toggle.result.kinds == []
_ = toggle.show("broken")

# %% [markdown]
# ## Why
#
# **Every tensor has a version counter** (`t._version`) that each in-place op increments:

# %%
t = torch.zeros(3)
print("new:", t._version)
t.add_(1)
print("after add_:", t._version)
t[0] = 5
print("after t[0] = 5:", t._version)

# %% [markdown]
# **Backward needs some forward values.** The derivative of sigmoid is computed from its output,
# `s * (1 - s)`, so `SigmoidBackward0` keeps that output, a *saved tensor*, together with its
# version. `show_saved=True` draws what each node saved (orange):

# %%
def saved():
    w = torch.randn(3, requires_grad=True)
    s = w.sigmoid()
    loss = s.sum()
    return locals()


gl.draw(saved, show_saved=True)

# %% [markdown]
# **At backward the versions are compared.** If the saved tensor was changed in place since, the
# derivative would be computed from wrong values, so autograd refuses. Read the error word by word:

# %%
w = torch.randn(3, requires_grad=True)
e = w.exp()        # exp saves its output: d/dw exp(w) = exp(w)
e[0] = 0           # in place: version 0 -> 1
with gl.shows_error(RuntimeError):
    e.sum().backward()

# %% [markdown]
# - `[torch.FloatTensor [3]]`: the saved tensor's type and shape;
# - `which is output 0 of Exp`: the forward op that produced it (its backward node is `ExpBackward0`);
# - `is at version 1; expected version 0`: changed once since it was saved.
#
# **Harmless in-place ops** change a tensor no backward node saved. `z = w * 2; z += 1` changes
# nothing backward needs, and `Linear` saves its *input* (the `x` it multiplied), not its output:

# %%
w = torch.randn(3, requires_grad=True)
z = w * 2
z += 1
z.sum().backward()
print("w.grad:", w.grad)

layer = nn.Linear(3, 4)
h = layer(x)
print("Linear saved its input x:", torch.equal(h.grad_fn._saved_mat1, x))
h.relu_()            # in place on Linear's output: nothing saved it
h.sum().backward()
print("layer.weight.grad is None:", layer.weight.grad is None)

# %% [markdown]
# Which outputs are saved? Each backward node shows what it keeps as `_saved_...` attributes;
# `_saved_result` is the op's own output. Sigmoid, tanh, exp and softmax keep theirs; `w * 2`
# keeps only the constant (`_saved_other`):

# %%
w = torch.randn(3, requires_grad=True)
for name, out in [("sigmoid", w.sigmoid()), ("tanh", w.tanh()), ("exp", w.exp()),
                  ("softmax", w.softmax(0)), ("w * 2", w * 2)]:
    saved = [a for a in dir(out.grad_fn) if a.startswith("_saved_") and "sym" not in a
             and getattr(out.grad_fn, a) is not None]
    print(f"{name:<8} {type(out.grad_fn).__name__:<19} saves {saved}")

# %% [markdown]
# **gradlab predicts it** by reading each node's saved tensors (`grad_fn._saved_result` and the
# like), which runs PyTorch's own version check without running backward. The finding names the
# node that saved the tensor, the op that changed it and its line:

# %%
def predicted():
    w = torch.randn(3, requires_grad=True)
    e = w.exp()
    e[0] = 0
    loss = e.sum()
    return locals()


print(gl.diagnose(predicted))

# %% [markdown]
# **A leaf that requires grad cannot be changed in place** while autograd watches:

# %%
w = torch.randn(3, requires_grad=True)
with gl.shows_error(RuntimeError):
    w += 1

# %% [markdown]
# Under `torch.no_grad()` the same update is allowed and `w` stays a leaf. Optimizers update
# weights the same way: `optimizer.step()` changes `w` in place (its version goes up) without
# that error, and `w` stays a leaf:

# %%
with torch.no_grad():
    w += 1
print("is_leaf:", w.is_leaf, "| requires_grad:", w.requires_grad, "| version:", w._version)
optimizer = torch.optim.SGD([w], lr=0.1)
w.grad = torch.ones(3)
optimizer.step()
print("after optimizer.step(): is_leaf:", w.is_leaf, "| version:", w._version)

# %% [markdown]
# **PyTorch's own tool**, anomaly mode, records where each op was called during the forward and,
# when backward fails, warns with the forward line that produced the failing node:

# %%
w = torch.randn(3, requires_grad=True)
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    try:
        with torch.autograd.detect_anomaly():
            s = w.sigmoid()
            s.mul_(2)
            s.sum().backward()
    except RuntimeError as error:
        print("error:", str(error).split(":")[0])
print("anomaly mode adds:", str(caught[-1].message).splitlines()[0])

# %% [markdown]
# It tells you after the crash; gradlab tells you before `backward()`.
# PyTorch's documentation: [In-place operations with autograd](https://pytorch.org/docs/stable/notes/autograd.html#in-place-operations-with-autograd).

# %% [markdown]
# ## In the wild
#
# An `optimizer.step()` between a forward and a later backward that still needs the old weights,
# as in a GAN that updates one network before the second loss goes back through it. The step
# changes the weights in place, and the second backward fails. Recomputing the forward after the
# step fixes it.

# %%
def step_then_reuse():
    torch.manual_seed(0)
    net = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 3))
    optimizer = torch.optim.SGD(net.parameters(), lr=0.1)
    out = net(x)
    first_loss = out.pow(2).mean()
    first_loss.backward(retain_graph=True)
    optimizer.step()
    second_loss = out.abs().mean()
    second_loss.backward()
    return locals()


def step_then_recompute():
    torch.manual_seed(0)
    net = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 3))
    optimizer = torch.optim.SGD(net.parameters(), lr=0.1)
    out = net(x)
    first_loss = out.pow(2).mean()
    first_loss.backward(retain_graph=True)
    optimizer.step()
    out = net(x)
    second_loss = out.abs().mean()
    second_loss.backward()
    return locals()


wild = gl.compare(step_then_reuse, step_then_recompute,
                  title="optimizer.step() before the second backward")
wild

# %% tags=["remove-cell"]
assert wild.show("broken").exception_kind == "in_place"
assert wild.show("fixed").exception_kind is None and wild.result.kinds == []
_ = wild.show("broken")

# %%
print(wild.show("broken").report)

# %% [markdown]
# The message names `output 0 of AsStrided`. The second `Linear` saved `weight.t()`, the weight
# transposed: a *view*, a tensor that shares the weight's memory and its version counter. When
# autograd recreates a saved view for the check it describes it by sizes and strides, as
# `torch.as_strided` does, hence the name. `optimizer.step()` changed the weight, so the view's
# version moved too:

# %%
layer = nn.Linear(3, 4)
out = layer(torch.randn(2, 3, requires_grad=True))
saved = out.grad_fn._saved_mat2
print("saved weight.t():", torch.equal(saved, layer.weight.t()),
      "| a view of the weight:", saved._base is layer.weight)
with torch.no_grad():
    layer.weight.mul_(2)
with gl.shows_error(RuntimeError):
    out.sum().backward()

# %% [markdown]
# ## Your turn
#
# `Gate` multiplies its input by a learned gate, then clamps the gate's output in place. Backward
# fails. Make it out-of-place, then run the feedback cell under it.

# %%
class Gate(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(3, 1)

    def forward(self, x):
        g = torch.sigmoid(self.fc(x))
        g.clamp_(0.1, 0.9)
        return g * x.sum(1, keepdim=True)

# %% [markdown]
# **Feedback.** `gl.grade` builds your `Gate` and the reference solution's on the same seed, runs
# one step on the exercise's own `x`, `y` (forward, the loss, `backward()`), and compares the output,
# the loss, every parameter's gradient and what gradlab finds. In a terminal,
# `python -m gradlab grade 04 my_answer.py` does the same for a file that defines `Gate`.
# Stuck? A solution waits at the end of this notebook, after the recap.

# %%
gl.grade("05", globals())

# %% [markdown]
# ## Recap
#
# - [ ] In-place ops (`x += 1`, `x.relu_()`, `x[0] = 0`, `inplace=True`) only on tensors no
#   backward node saved; when unsure, write the out-of-place op or change a `.clone()`.
# - [ ] Outputs of `sigmoid`, `tanh`, `exp` (and `softmax`) are saved: never change them in place.
# - [ ] Weights change in place only under `no_grad` (the optimizer's job), and not between a
#   forward and the backward that still needs them.
#
# | when you see | think |
# |---|---|
# | `modified by an inplace operation ... output 0 of Sigmoid` | something changed sigmoid's output in place |
# | `is at version 2; expected version 1` | changed once more after it was saved |
# | `a leaf Variable that requires grad is being used in an in-place operation` | update weights under `torch.no_grad()` |

# %% [markdown]
# **Three questions**

# %% [markdown]
# 1. Why is `h.relu_()` after `nn.Linear` fine but after `nn.Sigmoid` not?

# %% [markdown]
# <details><summary>Check your answer</summary>
#
# `Linear`'s backward needs its input and weight, not its output, so changing the output in place
# changes nothing backward saved. Sigmoid's derivative is computed from its output
# (`s * (1 - s)`), so `SigmoidBackward0` saves the output, and `relu_()` on it makes backward raise
# *modified by an inplace operation ... output 0 of Sigmoid*. *Why* shows it under **Backward needs
# some forward values** and **Harmless in-place ops**.
#
# </details>

# %% [markdown]
# 2. What does a tensor's `_version` count?

# %% [markdown]
# <details><summary>Check your answer</summary>
#
# The in-place changes of its memory: each in-place op (`add_`, `+=`, `t[0] = 5`) adds one,
# out-of-place ops add nothing, and a view shares the counter of the tensor it views. Autograd notes
# the version when it saves a tensor and compares at backward. *Why* prints it under **Every tensor
# has a version counter**.
#
# </details>

# %% [markdown]
# 3. Why does `optimizer.step()` between a forward and its backward break the backward?

# %% [markdown]
# <details><summary>Check your answer</summary>
#
# `step()` changes the weights in place (under `no_grad`), so their version goes up. A layer whose
# input requires grad saved its weight, to pass the gradient on to that input; backward finds the
# newer version and raises *modified by an inplace operation*. (A first layer fed plain data saved
# no weight, so there the step goes unnoticed.) *In the wild* shows it.
#
# </details>

# %% [markdown]
# ## Next
#
# [Lesson 06 · Backward twice](06_double_backward.ipynb): when the graph is already gone.

# %% [markdown]
# ## Solution (peek if stuck)
#
# The reference solution of [Your turn](#Your-turn), as `%load solutions/05_in_place.py`
# loads it (type that line in a cell to load it yourself), and the grader on it:

# %%
# %load solutions/05_in_place.py

# %%
gl.grade("05", globals())
