# %% [markdown]
# # Lesson 05 · In-place changes
#
# **What you will learn**
# - backward keeps some forward values: *saved tensors*;
# - changing one in place (`x += 1`, `x.relu_()`, `inplace=True`) makes backward raise;
# - how to read that error, and the out-of-place fix.
#
# *Prerequisites:* [lesson 04](04_detach_and_numpy.ipynb). *Time:* {time}.

# %%
import torch
from torch import nn

import gradlab as gl

gl.setup()
x, y = torch.randn(16, 3), torch.randn(16, 1)

# %% [markdown]
# ## Predict
#
# A sigmoid, then a ReLU with `inplace=True` (it overwrites its input to save memory).

# %%
def broken():
    model = nn.Sequential(nn.Linear(3, 8), nn.Sigmoid(), nn.ReLU(inplace=True), nn.Linear(8, 1))
    loss = (model(x) - y).pow(2).mean()
    loss.backward()
    return locals()


gl.predict("What does loss.backward() do here?", ["it runs: every weight gets a gradient",
           "it runs, but model.0.weight.grad is None", "it raises an error"],
           answer="it raises an error", why="the sigmoid's backward needs the sigmoid's output, "
           "so autograd kept it; the in-place ReLU overwrote that tensor, and backward refuses "
           "a changed value. Nothing is cut (no None): one value in the graph is stale.")

# %% [markdown]
# ## The symptom

# %%
with gl.shows_error(RuntimeError) as shown:
    broken()

# %% tags=["remove-cell"]
assert "[torch.FloatTensor [16, 8]], which is output 0 of Sigmoid, is at version 1; expected " \
    "version 0 instead" in str(shown.error)

# %% [markdown]
# Word by word: `[torch.FloatTensor [16, 8]]`, the changed tensor's type and shape; `output 0
# of Sigmoid`, the forward op that made it; `is at version 1; expected version 0`, see below.

# %% [markdown]
# ## Look at the graph
#
# Every tensor counts its in-place changes: its **version**. `SigmoidBackward0` kept the
# sigmoid's output at version 0; the in-place `relu` (purple `✎ in-place` edge) made it 1:
# *stale: version 1, saved at 0*. No edge is cut; a value backward needs has changed.

# %%
gl.draw(broken)

# %% [markdown]
# ## Flip it
#
# One change: the ReLU without `inplace=True`.

# %%
gl.predict("With nn.ReLU() instead of nn.ReLU(inplace=True), does backward run?",
           ["yes", "no: a ReLU after a sigmoid always breaks backward"], answer="yes", why="an "
           "out-of-place ReLU writes a new tensor: the sigmoid's saved output stays unchanged.")

# %%
def fixed():
    model = nn.Sequential(nn.Linear(3, 8), nn.Sigmoid(), nn.ReLU(), nn.Linear(8, 1))
    loss = (model(x) - y).pow(2).mean()
    loss.backward()
    return locals()


toggle = gl.compare(broken, fixed, title="ReLU(inplace=True) after Sigmoid")
toggle

# %% tags=["remove-cell"]
assert toggle.show("broken").exception_kind == "in_place"
assert "in_place" in toggle.result.kinds
assert toggle.show("fixed").exception_kind is None and toggle.result.kinds == []
_ = toggle.show("broken")

# %% [markdown]
# ## Why
#
# **Backward needs some forward values.** Sigmoid's derivative is computed from its output,
# `s * (1 - s)`, so `SigmoidBackward0` keeps that output, a **saved tensor**, with its version
# (`tanh`, `exp`, `softmax` too). At backward the versions are compared: a changed value would
# give a wrong gradient, so autograd raises. Changing a tensor no node saved is harmless (see
# below). When unsure, write the out-of-place op (`h = h.relu()`) or change a `.clone()`.
# Documentation: [In-place operations with autograd](https://pytorch.org/docs/stable/notes/autograd.html#in-place-operations-with-autograd).
#
# ### Optional · Harmless in-place ops
#
# `Linear` saves its input and weight, not its output, so `relu_()` right after a `Linear` is
# fine; `exp` saves its output, so changing that raises (here naming `output 0 of Exp`):

# %%
layer = nn.Linear(3, 4)
h = layer(x)
h.relu_()            # in place on Linear's output: nothing saved it
h.sum().backward()
print("layer.weight.grad:", tuple(layer.weight.grad.shape))

w = torch.randn(3, requires_grad=True)
e = w.exp()          # exp saves its output: d/dw exp(w) = exp(w)
e[0] = 0             # in place: version 0 -> 1
with gl.shows_error(RuntimeError) as shown:
    e.sum().backward()

# %% tags=["remove-cell"]
assert "which is output 0 of Exp, is at version 1; expected version 0" in str(shown.error)

# %% [markdown]
# ### Optional · Look inside: the counter and the saved tensors
#
# These are private attributes (a leading `_`): fine for looking, not for code you keep.
# `t._version` is the counter:

# %%
t = torch.zeros(3)
versions = [t._version]
t.add_(1)
versions.append(t._version)
t[0] = 5
versions.append(t._version)
versions

# %% [markdown]
# A backward node shows what it saved as `_saved_...` attributes; `_saved_result` is the op's own
# output. `w * 2` keeps only the constant (`_saved_other`), so changing its output is harmless:

# %%
w = torch.randn(3, requires_grad=True)
for name, out in [("sigmoid", w.sigmoid()), ("exp", w.exp()), ("w * 2", w * 2)]:
    kept = [a for a in dir(out.grad_fn) if a.startswith("_saved_") and "sym" not in a
            and getattr(out.grad_fn, a) is not None]
    print(f"{name:<8} {type(out.grad_fn).__name__:<16} saves {kept}")

# %% [markdown]
# gradlab reads those saved tensors, which runs PyTorch's own version check, so it names the
# stale node, the op that changed it and its line **before** `backward()` runs:

# %%
def predicted():
    w = torch.randn(3, requires_grad=True)
    e = w.exp()
    e[0] = 0
    loss = e.sum()
    return locals()


print(gl.diagnose(predicted))

# %% [markdown]
# ### Optional · A weight changed in place
#
# A leaf that requires grad (a weight) cannot be changed in place while autograd records.
# Optimizers change weights in place under `torch.no_grad()`; lesson 09 shows that update.

# %%
w = torch.randn(3, requires_grad=True)
with gl.shows_error(RuntimeError) as shown:
    w += 1

# %% tags=["remove-cell"]
assert "a leaf Variable that requires grad is being used in an in-place" in str(shown.error)

# %% [markdown]
# ### Optional · PyTorch's anomaly mode
#
# `torch.autograd.detect_anomaly()` records where each op ran during the forward; when backward
# fails it adds a warning with the forward line that made the failing node. It tells you after
# the crash (and slows every op); gradlab tells you before `backward()`.

# %%
import warnings

w = torch.randn(3, requires_grad=True)
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    with gl.shows_error(RuntimeError), torch.autograd.detect_anomaly():
        s = w.sigmoid()
        s.mul_(2)
        s.sum().backward()
print("anomaly mode adds:", str(caught[-1].message).splitlines()[0])

# %% [markdown]
# ## Optional · In the wild
#
# An `optimizer.step()` between a forward and a later backward that still needs the old weights,
# as in a GAN that updates one network before a second loss goes back through it. The first
# backward keeps the graph (`retain_graph=True`, lesson 06); the step changes the weights in
# place; the second backward fails. Recomputing the forward after the step fixes it.

# %%
gl.predict("The first backward kept the graph (retain_graph=True), then optimizer.step() ran. "
           "What does the second backward through the same `out` do?",
           ["it runs: the graph was kept", "it raises: the step changed saved weights in place"],
           answer="it raises: the step changed saved weights in place",
           why="retain_graph keeps the saved tensors, but optimizer.step() updates the weights "
               "in place, so the weights the graph saved are at a newer version than recorded.")

# %%
def step_then_reuse():
    torch.manual_seed(0)
    net = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 3))
    optimizer = torch.optim.SGD(net.parameters(), lr=0.1)
    out = net(x)
    out.pow(2).mean().backward(retain_graph=True)
    optimizer.step()
    out.abs().mean().backward()
    return locals()


def step_then_recompute():
    torch.manual_seed(0)
    net = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 3))
    optimizer = torch.optim.SGD(net.parameters(), lr=0.1)
    out = net(x)
    out.pow(2).mean().backward(retain_graph=True)
    optimizer.step()
    out = net(x)
    out.abs().mean().backward()
    return locals()


wild = gl.compare(step_then_reuse, step_then_recompute,
                  title="optimizer.step() before the second backward")
wild

# %% tags=["remove-cell"]
assert wild.show("broken").exception_kind == "in_place"
assert "output 0 of AsStrided" in str(wild.show("broken").report)
assert wild.show("fixed").exception_kind is None and wild.result.kinds == []
_ = wild.show("broken")

# %% [markdown]
# The message names `output 0 of AsStrided`: the second `Linear` saved its weight transposed, a
# *view* that shares the weight's memory and version counter, and autograd names such a view by
# its sizes and strides (as `torch.as_strided` does). The first `Linear`, fed plain data, saved no
# weight: only layers whose input requires grad notice the step.
#
# ## Optional · Your turn
#
# Unseen code: a gated residual block. Training stops at the first
# `backward()`. Find the in-place change, fix it, and run the feedback cell.

# %%
# %starter 05

# %% [markdown]
# **Feedback.** `gl.grade` runs your `GatedResidual` and the reference on the same seed and data
# (one forward, an MSE loss, `backward()`) and compares the output, the loss and every gradient.

# %%
gl.grade("05", globals())

# %% [markdown]
# Stuck? Each call gives the next hint (what, where, the fix):

# %%
gl.hint("05")

# %% [markdown]
# `gl.solution("05")` shows the reference solution. Solved it? The block is reduced from a real
# report, [Jee-King/TSAN issue 3](https://github.com/Jee-King/TSAN/issues/3) (convolutions there).
#
# ## Recap
#
# | when you see | think |
# |---|---|
# | `modified by an inplace operation ... output 0 of Sigmoid` | something changed sigmoid's output in place |
# | `a leaf Variable that requires grad is being used in an in-place operation` | a weight changed outside `torch.no_grad()` (lesson 09) |

# %% [markdown]
# ### Optional · Check yourself

# %% [markdown]
# **Three questions**

# %% [markdown]
# 1. What happens if `h.relu_()` comes right after `nn.Linear`, and what if it comes after
#    `torch.tanh`? Why the difference?

# %% [markdown]
# <details><summary>Check your answer</summary>
#
# After `Linear` backward runs: `Linear`'s backward needs its input and weight, not its output,
# so nothing saved changed. After `tanh` backward raises *modified by an inplace operation ...
# output 0 of Tanh*: the derivative of tanh is `1 - t²`, computed from the output, so
# `TanhBackward0` saved it.
#
# </details>

# %% [markdown]
# 2. `y = x * 2; y += 1; y.sum().backward()` with `x` requiring grad: does it raise?

# %% [markdown]
# <details><summary>Check your answer</summary>
#
# No. `MulBackward0` saved only the constant `2` (the derivative of `x * 2` is 2 whatever `x`
# is), so changing `y` in place touches nothing backward needs; `x.grad` is all 2s.
#
# </details>

# %% [markdown]
# 3. Why does the error appear only at `backward()`, not at the in-place line itself?

# %% [markdown]
# <details><summary>Check your answer</summary>
#
# The in-place op only raises the tensor's version; nothing checks it then. Autograd compares
# the version when backward unpacks the saved tensor, so the error comes from `backward()`.
# (gradlab runs the same check earlier, and names the line.)
#
# </details>

# %% tags=["remove-cell"]
_x = torch.randn(3, requires_grad=True)
_y = _x * 2
_y += 1
_y.sum().backward()
assert torch.equal(_x.grad, torch.full((3,), 2.0))
_t = torch.randn(3, requires_grad=True).tanh()
_t.relu_()
try:
    _t.sum().backward()
    raise AssertionError("relu_ after tanh should make backward raise")
except RuntimeError as _error:
    assert "output 0 of Tanh" in str(_error)
_layer = nn.Linear(3, 4)
_h = _layer(torch.randn(2, 3, requires_grad=True))
_h.relu_()
_h.sum().backward()

# %% [markdown]
# ## Next
#
# [Lesson 06 · Backward twice](06_double_backward.ipynb): when the graph is already gone.
