# %% [markdown]
# # Lesson 04 · `.detach()` and the numpy round-trip
#
# **What you will learn**
# - why `.detach()`, `.data`, a trip through numpy, `.item()` and `torch.tensor(...)` all cut the
#   gradient, and why `.data` is the dangerous one;
# - why following the hint of the `numpy()` error makes the error *and* the gradient disappear;
# - how to stay in torch, and what to do when numpy is unavoidable.
#
# *Prerequisites:* [lesson 03](03_no_grad_block.ipynb). *Time:* about 15 minutes.

# %%
import warnings

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

import gradlab as gl

gl.setup()
x, y = torch.randn(16, 3), torch.randn(16, 1)

# %% [markdown]
# ## The symptom
#
# A model that squashes its hidden layer with a numpy function. The first run stops with an error:

# %%
class Squash(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(3, 8)
        self.fc2 = nn.Linear(8, 1)

    def forward(self, x):
        h = self.fc1(x)
        h = torch.from_numpy(np.tanh(h.numpy()))
        return self.fc2(h)


with gl.shows_error(RuntimeError):
    Squash()(x)

# %% [markdown]
# The message even says what to type: `tensor.detach().numpy()`. Doing exactly that, the error
# is gone ...

# %%
class Squash(Squash):
    def forward(self, x):
        h = self.fc1(x)
        h = torch.from_numpy(np.tanh(h.detach().numpy()))
        return self.fc2(h)


model = Squash()
F.mse_loss(model(x), y).backward()
print("fc1.weight.grad:", model.fc1.weight.grad)

# %% [markdown]
# ... and so is the gradient of `fc1`. The hint removes the check, not the problem.

# %% [markdown]
# ## The smallest broken program

# %%
def broken():
    model = Squash()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    loss = F.mse_loss(model(x), y)
    loss.backward()
    return locals()


print(gl.diagnose(broken))

# %% [markdown]
# ## Look at the graph
#
# The red edge is labelled with the whole chain, `detach + numpy`: the value left autograd at
# `.detach()`, went through numpy, and came back as a new tensor with no history.

# %%
gl.draw(broken)

# %% [markdown]
# ## Flip it
#
# The fix: `torch.tanh` does in torch what `np.tanh` did in numpy, and autograd knows its derivative.

# %%
class TorchSquash(Squash):
    def forward(self, x):
        h = torch.tanh(self.fc1(x))
        return self.fc2(h)


def fixed():
    model = TorchSquash()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    loss = F.mse_loss(model(x), y)
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

# %% [markdown]
# ## Why
#
# **`.detach()` makes a tensor without history** that shares memory with the original:

# %%
h = torch.randn(4, requires_grad=True) * 2
d = h.detach()
print("requires_grad:", d.requires_grad, "| grad_fn:", d.grad_fn)
print("same memory:", d.data_ptr() == h.data_ptr())

# %% [markdown]
# **numpy knows nothing about gradients.** `numpy()` returns an array that shares memory with the
# tensor, with no history attached. Whatever numpy computes from it, `torch.from_numpy` (or
# `torch.tensor`) wraps as a brand-new leaf:

# %%
array = d.numpy()
print("array shares the tensor's memory:", array.__array_interface__["data"][0] == d.data_ptr())
back = torch.from_numpy(np.tanh(array))
print("is_leaf:", back.is_leaf, "| requires_grad:", back.requires_grad)

# %% [markdown]
# **`.data` cuts silently, and skips the safety check.** Every tensor has a *version counter*
# (`t._version`) that each in-place change increments, and sigmoid keeps its output as a *saved
# tensor* for its backward, with the version it had (lesson 05). `.detach()` shares the version
# counter with the original, so an in-place change through it is still caught at backward:

# %%
w = torch.randn(3, requires_grad=True)
s = w.sigmoid()                 # sigmoid saves its output for backward
s.detach().mul_(0)
print("s._version after s.detach().mul_(0):", s._version)
with gl.shows_error(RuntimeError):
    s.sum().backward()

# %% [markdown]
# The same change through `.data` is not caught. Backward runs and returns a wrong gradient:
# zeros, where the derivative of sigmoid is never zero.

# %%
w = torch.randn(3, requires_grad=True)
s = w.sigmoid()
s.data.mul_(0)
print("s._version after s.data.mul_(0):", s._version)
s.sum().backward()
print("w.grad:", w.grad)
print("true gradient:", torch.sigmoid(w) * (1 - torch.sigmoid(w)))

# %% [markdown]
# **Numbers are not tensors.** `.item()` returns a Python float, and `torch.tensor([...])` copies
# values into a new leaf. Rebuilding a tensor from tensors that require grad warns and drops the
# history; `torch.stack` keeps it:

# %%
a, b = torch.randn((), requires_grad=True), torch.randn((), requires_grad=True)
print("a.item() is a", type(a.item()).__name__)
torch.set_warn_always(True)     # torch gives this warning once per process; a re-run shows it too
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    rebuilt = torch.tensor([a, b])
torch.set_warn_always(False)
print("warning:", str(caught[0].message).splitlines()[0])
print("torch.tensor: grad_fn =", rebuilt.grad_fn)
print("torch.stack:  grad_fn =", type(torch.stack([a, b]).grad_fn).__name__)

# %% [markdown]
# gradlab names the rebuild as the cut:

# %%
def rebuilt_loss():
    model = nn.Linear(3, 1)
    parts = [model(x).mean(), model(x).std()]
    loss = torch.tensor(parts).sum()
    return locals()


print(gl.diagnose(rebuilt_loss))

# %% [markdown]
# PyTorch's documentation: [`Tensor.detach`](https://pytorch.org/docs/stable/generated/torch.Tensor.detach.html)
# and [Extending autograd with a custom Function](https://pytorch.org/docs/stable/notes/extending.html#extending-torch-autograd).

# %% [markdown]
# ## Stay in torch
#
# Common numpy functions have a torch twin with the same meaning, and autograd knows each one's
# derivative. Each row below is checked:

# %%
t = torch.linspace(-2, 2, 5)
a = t.numpy()
pairs = [("np.tanh", np.tanh(a), "torch.tanh", torch.tanh(t)),
         ("np.clip(a, -1, 1)", np.clip(a, -1, 1), "torch.clamp(t, -1, 1)", torch.clamp(t, -1, 1)),
         ("np.where(a > 0, a, 0)", np.where(a > 0, a, 0), "torch.where(t > 0, t, 0)",
          torch.where(t > 0, t, 0)),
         ("np.linalg.norm", np.linalg.norm(a), "torch.linalg.norm", torch.linalg.norm(t)),
         ("np.exp", np.exp(a), "torch.exp", torch.exp(t))]
for np_name, np_value, torch_name, torch_value in pairs:
    assert np.allclose(np_value, torch_value.numpy())
    print(f"{np_name:<22} = {torch_name}")

# %% [markdown]
# **When numpy is unavoidable** (a library only works on arrays), write a
# `torch.autograd.Function`: a forward that may use numpy, and a backward that returns the
# gradient. `gradcheck` compares your backward with finite differences:

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
# ## In the wild
#
# A training loop whose model clips its hidden layer with numpy. The first layer never moves;
# over 30 steps the loss shows it.

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

# %%
print("final loss, np.clip:    ", round(broken_run.losses[-1], 4))
print("final loss, torch.clamp:", round(fixed_run.losses[-1], 4))

# %% [markdown]
# ## When detaching is right
#
# Cutting the gradient on purpose is everyday work: the discriminator step of a generative
# adversarial network (GAN) trains on `fake.detach()`, truncated backpropagation through time
# (BPTT) detaches a recurrent network's (RNN's) hidden state between chunks, and in
# reinforcement learning a temporal-difference (TD) target is computed without gradient.
# gradlab raises no error or warning on them: it notes each cut as *info* ("may be intended")
# and says why it thinks so.

# %%
def gan_discriminator_step():
    G, D = nn.Linear(2, 3), nn.Linear(3, 1)
    opt_d = torch.optim.SGD(D.parameters(), lr=0.1)
    fake = G(torch.randn(8, 2))
    loss_d = F.softplus(-D(torch.randn(8, 3))).mean() + F.softplus(D(fake.detach())).mean()
    loss_d.backward()
    return locals()


def truncated_bptt():
    rnn = nn.RNN(3, 5, batch_first=True)
    optimizer = torch.optim.SGD(rnn.parameters(), lr=0.1)
    hidden = torch.zeros(1, 4, 5)
    for chunk in torch.randn(3, 4, 6, 3):
        out, hidden = rnn(chunk, hidden.detach())
        loss = out.pow(2).mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return locals()


def td_target():
    q = nn.Linear(4, 2)
    optimizer = torch.optim.SGD(q.parameters(), lr=0.1)
    state, next_state = torch.randn(8, 4), torch.randn(8, 4)
    target = 1.0 + 0.9 * q(next_state).max(1).values.detach()
    loss = F.mse_loss(q(state)[:, 0], target)
    loss.backward()
    return locals()


for case in (gan_discriminator_step, truncated_bptt, td_target):
    report = gl.diagnose(case)
    assert report.ok
    print(f"{case.__name__}: {report}\n")

# %% [markdown]
# ## Your turn
#
# `Soft` should train both layers, but the first one never learns. Fix it so that everything
# stays in torch, then run the feedback cell under it.

# %%
class Soft(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(3, 8)
        self.fc2 = nn.Linear(8, 1)

    def forward(self, x):
        h = self.fc1(x).detach().numpy()
        h = torch.tensor(np.exp(-np.abs(h)))
        return self.fc2(h)

# %% [markdown]
# **Feedback.** `gl.grade` builds your `Soft` and the reference solution's on the same seed, runs
# one step on the exercise's own `x`, `y` (forward, the loss, `backward()`), and compares the output,
# the loss, every parameter's gradient and what gradlab finds. In a terminal,
# `python -m gradlab grade 03 my_answer.py` does the same for a file that defines `Soft`.
# Stuck? A solution waits at the end of this notebook, after the recap.

# %%
gl.grade("04", globals())

# %% [markdown]
# ## Recap
#
# - [ ] No `.detach()`, `.data`, `.numpy()`, `.item()` or `torch.tensor(...)` between a trained
#   weight and the loss.
# - [ ] The torch twin of a numpy function keeps the gradient; a custom `autograd.Function` when
#   there is none.
# - [ ] `.detach()` where the cut is the point: GAN discriminator, truncated BPTT, TD targets.
# - [ ] Never `.data`: use `.detach()`, which keeps the in-place check.
#
# | when you see | think |
# |---|---|
# | `Can't call numpy() on Tensor that requires grad` | do it in torch; `.detach()` would cut the gradient |
# | `Converting a tensor with requires_grad=True to a scalar` | `torch.tensor([...])` rebuilt a tensor: use `torch.stack` |
# | `.grad` is `None` upstream of a helper function | look for `.numpy()`, `.item()` or `.detach()` inside it |

# %% [markdown]
# **Three questions**

# %% [markdown]
# 1. Why does `.detach().numpy()` make the error go away, and what does it cost?

# %% [markdown]
# <details><summary>Check your answer</summary>
#
# `numpy()` refuses a tensor that requires grad, because numpy cannot record history. `.detach()`
# returns a tensor without history, so `numpy()` accepts it. The cost: the tensor made back from the
# array (`torch.tensor`, `torch.from_numpy`) has no `grad_fn`, so every weight before it gets
# `.grad` `None`, silently. *The symptom* and *Look at the graph* show both halves.
#
# </details>

# %% [markdown]
# 2. What does `.detach()` check that `.data` does not?

# %% [markdown]
# <details><summary>Check your answer</summary>
#
# In-place changes. Both give the same values, without history, in the same memory; `.detach()`
# also shares the version counter, so changing the detached tensor in place makes a backward that
# saved the original raise *modified by an inplace operation*. Through `.data` the change is
# invisible: backward runs and returns a wrong gradient. *Why* shows both under **`.data` cuts
# silently**.
#
# </details>

# %% [markdown]
# 3. How would you use a numpy-only function in a model that must train through it?

# %% [markdown]
# <details><summary>Check your answer</summary>
#
# Write a `torch.autograd.Function`: its `forward` may call numpy on the detached input, and its
# `backward` returns the gradient you derive by hand. `torch.autograd.gradcheck` compares that
# backward with finite differences. *Stay in torch* builds one, `NumpyTanh`.
#
# </details>

# %% [markdown]
# ## Next
#
# [Lesson 05 · In-place changes](05_in_place.ipynb): when changing a tensor breaks backward.

# %% [markdown]
# ## Solution (peek if stuck)
#
# The reference solution of [Your turn](#Your-turn), as `%load solutions/04_detach_and_numpy.py`
# loads it (type that line in a cell to load it yourself), and the grader on it:

# %%
# %load solutions/04_detach_and_numpy.py

# %%
gl.grade("04", globals())
